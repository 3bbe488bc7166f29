"""PDF → text by page and sentence, and tables as cells with their row and column headers (PyMuPDF).

Work per file is bounded (pages and seconds): a 300-page thesis or a pathological page cannot stall a run, and
the result says when it stopped early. A malformed, encrypted or empty PDF raises PdfError with the reason.
The parse is cached beside the PDF, keyed by the file's sha256 and the parser version.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from claimcheck.home import read_model, sha256_file, write_model
from claimcheck.sources.text import ablated, join_lines, normalise, split_sentences

PARSER_VERSION = 2
MAX_PAGES = 60
TIME_BUDGET_S = 60.0

_NUMBER = re.compile(r"^[\s*†‡§¶(\[]*([+-]?(?:\d+\.\d+|\d+|\.\d+))\s*(%?)")


class PdfError(Exception):
    """The file cannot be read as a PDF (malformed, encrypted, empty); the message says which and why."""


class Sentence(BaseModel):
    page: int = Field(description="1-based page")
    text: str


class TableCell(BaseModel):
    page: int
    table: int = Field(description="index of the table in the document (0-based)")
    row: int
    col: int
    text: str
    value: float | None = None
    decimals: int | None = None
    percent: bool = False
    row_headers: list[str] = Field(default_factory=list)
    col_headers: list[str] = Field(default_factory=list, description="outer to inner, e.g. ['COCO-DR Base', 'Full']")

    def label(self) -> str:
        rows = " / ".join(self.row_headers) or f"row {self.row + 1}"
        cols = " / ".join(self.col_headers) or f"column {self.col + 1}"
        return f"[{rows}] × [{cols}] = {self.text} (table {self.table + 1}, page {self.page})"


class TableData(BaseModel):
    page: int
    index: int
    caption: str = ""
    n_rows: int
    n_cols: int
    cells: list[TableCell] = Field(default_factory=list)


class PdfText(BaseModel):
    parser_version: int = PARSER_VERSION
    sha256: str = ""
    pages_total: int
    pages_read: int
    page_texts: list[str] = Field(default_factory=list, description="normalised text of each page read")
    sentences: list[Sentence] = Field(default_factory=list)
    tables: list[TableData] = Field(default_factory=list)
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)

    def cells(self) -> list[TableCell]:
        return [cell for table in self.tables for cell in table.cells]


def parse_number(text: str) -> tuple[float, int, bool] | None:
    """'0.789' → (0.789, 3, False); '78.9%' → (78.9, 1, True); '**.462**' → (0.462, 3, False); 'BM25' → None."""
    text = normalise(text).replace("**", "")
    match = _NUMBER.match(text)
    if not match:
        return None
    # Two bare numbers in one cell are two merged columns ("0.771 0.763"), not a value; "78.9 ± 0.2" and
    # "0.789 (+2.1)" keep their first number.
    rest = text[match.end() :]
    if re.match(r"^[*†‡§¶]*\s*[+-]?\.?\d", rest):
        return None
    number = match.group(1)
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number), decimals, bool(match.group(2))


def _open(data: bytes | None, path: str) -> Any:
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf") if data is not None else pymupdf.open(path, filetype="pdf")
        doc.page_count  # noqa: B018  (a damaged page tree fails here, not at open)
    except Exception as exc:  # PyMuPDF raises several types for broken files; all mean "not a readable PDF"
        raise PdfError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    if doc.needs_pass or doc.is_encrypted:
        doc.close()
        raise PdfError(f"{path}: the PDF is encrypted (password protected); save an unencrypted copy")
    if doc.page_count == 0:
        doc.close()
        raise PdfError(f"{path}: the PDF has no pages")
    return doc


def check_pdf(data: bytes, name: str) -> None:
    """Raise PdfError unless `data` opens as a PDF with at least one page."""
    if not data.startswith(b"%PDF"):
        raise PdfError(f"{name}: not a PDF (no %PDF header)")
    _open(data, name).close()


# --------------------------------------------------------------------------------------------- tables


def _fill(values: list[str | None]) -> list[str]:
    """A cell PyMuPDF reports as None is covered by a spanning neighbour: it takes that neighbour's text."""
    out: list[str] = []
    for v in values:
        out.append(out[-1] if v is None and out else (v or ""))
    return out


def count_header_rows(grid: list[list[str | None]]) -> int:
    """The leading rows with text but no number beyond the first column (a row with text in the first column
    only is a group label such as "Baselines", which belongs to the body)."""
    n = 0
    while (
        n < len(grid) - 1
        and not any(parse_number(v or "") for v in grid[n][1:])
        and any((v or "").strip() or v is None for v in grid[n][1:])
    ):
        n += 1
    return n


def _grid_to_cells(grid: list[list[str | None]], page: int, index: int) -> list[TableCell]:
    n_rows = len(grid)
    n_cols = max((len(r) for r in grid), default=0)
    grid = [row + [""] * (n_cols - len(row)) for row in grid]
    numeric = [[parse_number(v or "") is not None for v in row] for row in grid]
    header_rows = count_header_rows(grid)
    data_rows = range(header_rows, n_rows)
    # Row-header columns: the leading columns with no number in any data row.
    label_cols = 0
    while label_cols < n_cols - 1 and not any(numeric[r][label_cols] for r in data_rows):
        label_cols += 1
    header_grid = [_fill(grid[r]) for r in range(header_rows)]
    col_headers: list[list[str]] = []
    for c in range(n_cols):
        names: list[str] = []
        for r in range(header_rows):
            name = header_grid[r][c].strip()
            if name and (not names or names[-1] != name):
                names.append(name)
        col_headers.append(names)
    cells: list[TableCell] = []
    group = parent = ""
    above: list[str] = [""] * label_cols
    for r in data_rows:
        row = grid[r]
        filled = [(row[c] if row[c] is not None else above[c]) or "" for c in range(label_cols)]
        above = filled
        if not any(numeric[r]) and sum(bool((v or "").strip()) for v in row) == 1 and (row[0] or "").strip():
            group = (row[0] or "").strip()  # a section row ("Base models") labels the rows under it
            continue
        labels = [v.strip() for v in filled if v.strip()]
        # An ablation row ("- iDRO") under a model row ("COCO-DR Base") is that model's variant.
        if labels and ablated(labels[0]) and parent:
            labels = [parent, *labels]
        elif labels:
            parent = labels[0]
        row_headers = ([group] if group else []) + labels
        for c in range(label_cols, n_cols):
            text = (row[c] or "").strip()
            number = parse_number(text)
            cells.append(
                TableCell(
                    page=page,
                    table=index,
                    row=r,
                    col=c,
                    text=text,
                    value=number[0] if number else None,
                    decimals=number[1] if number else None,
                    percent=number[2] if number else False,
                    row_headers=row_headers,
                    col_headers=col_headers[c],
                )
            )
    return cells


def _cell_text(page: Any, rect: Any) -> str | None:
    if rect is None:
        return None
    # get_textbox keeps reading order inside the cell; Table.extract() can scatter "0.789" into "0789\n.".
    return normalise(page.get_textbox(rect))


def _caption(blocks: list[tuple], bbox: tuple[float, float, float, float]) -> str:
    """The nearest block starting with 'Table' just above or below the table."""
    best, best_gap = "", 120.0
    for b in blocks:
        text = join_lines(b[4].split("\n"))
        if not re.match(r"^Table\s*\d+", text):
            continue
        gap = min(abs(bbox[1] - b[3]), abs(b[1] - bbox[3]))
        if gap < best_gap:
            best, best_gap = text, gap
    return best


def _inside(block: tuple, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (block[0] + block[2]) / 2, (block[1] + block[3]) / 2
    return any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes)


# --------------------------------------------------------------------------------------------- reading


def read_pdf(path: str | Path, max_pages: int = MAX_PAGES, time_budget_s: float = TIME_BUDGET_S) -> PdfText:
    """Text by page and sentence plus tables. Stops after `max_pages` pages or `time_budget_s` seconds."""
    path = Path(path)
    doc = _open(None, str(path))
    started = time.monotonic()
    out = PdfText(pages_total=doc.page_count, pages_read=0)
    try:
        for number in range(min(doc.page_count, max_pages)):
            if time.monotonic() - started > time_budget_s:
                out.truncated = True
                out.notes.append(f"stopped after {time_budget_s:.0f} s at page {number + 1} of {doc.page_count}")
                break
            try:
                _read_page(doc[number], number + 1, out)
            except Exception as exc:  # one bad page is noted; the rest of the document is still read
                out.notes.append(f"page {number + 1} unreadable: {type(exc).__name__}: {exc}")
                out.page_texts.append("")
            out.pages_read = number + 1
        if doc.page_count > max_pages:
            out.truncated = True
            out.notes.append(f"read the first {max_pages} of {doc.page_count} pages")
    finally:
        doc.close()
    return out


def _find_tables(page: Any) -> list:
    """Ruled tables. PyMuPDF ≥ 2 would first run its ONNX layout model (about 1.5 s a page here); the line finder
    alone takes about 0.05 s, and spurious grids cost little because only numeric cells under headers are used."""
    try:
        return page.find_tables(use_layout=False).tables
    except TypeError:  # PyMuPDF 1.x has no layout model and no such option
        return page.find_tables().tables


def _horizontal_rules(page: Any) -> list[tuple[float, float, float]]:
    """(x0, x1, y) of the page's horizontal rules: drawn lines and the thin filled rectangles LaTeX uses."""
    rules = []
    for drawing in page.get_drawings():
        for item in drawing.get("items", []):
            if item[0] == "l" and abs(item[1].y - item[2].y) < 1:
                rules.append((min(item[1].x, item[2].x), max(item[1].x, item[2].x), item[1].y))
            elif item[0] == "re" and item[1].height < 1.5 and item[1].width > 5:
                rules.append((item[1].x0, item[1].x1, (item[1].y0 + item[1].y1) / 2))
    return rules


def _spread_headers(table: Any, grid: list[list[str | None]], rules: list[tuple[float, float, float]]) -> None:
    """Give a spanning header ("COCO-DR Base" over Full | -iDRO | -COCO) to every column under its rule.

    Booktabs tables mark the span with a partial rule (\\cmidrule) under the header, and the layout finder puts the
    text in one cell of the span only. Without such a rule nothing is spread: a wrong header is worse than none.
    """
    rows = table.rows
    centres = [
        None if rect is None else (rect[0] + rect[2]) / 2 for rect in rows[-1].cells
    ]  # columns from the last (data) row
    width = table.bbox[2] - table.bbox[0]
    for r in range(count_header_rows(grid) - 1):
        tops = [rect[3] for rect in rows[r].cells if rect is not None]
        nexts = [rect[3] for rect in rows[r + 1].cells if rect is not None]
        if not tops or not nexts:
            continue
        below = [(x0, x1) for x0, x1, y in rules if max(tops) - 4 <= y <= max(nexts) - 4 and x1 - x0 < 0.95 * width]
        for c, rect in enumerate(rows[r].cells):
            text = (grid[r][c] or "").strip()
            if rect is None or not text:
                continue
            centre = (rect[0] + rect[2]) / 2
            for x0, x1 in below:
                if x0 - 2 <= centre <= x1 + 2:
                    for k, col_centre in enumerate(centres):
                        if col_centre is not None and x0 <= col_centre <= x1 and not (grid[r][k] or "").strip():
                            grid[r][k] = text


def layout_model_available() -> bool:
    import pymupdf

    return getattr(pymupdf, "_get_layout", None) is not None  # set when the pymupdf-layout package is installed


def _find_layout_tables(page: Any) -> list:
    if layout_model_available():
        return page.find_tables(use_layout=True).tables
    # Without the layout model (PyMuPDF 1.x, or no pymupdf-layout) text alignment is the only other way.
    return page.find_tables(vertical_strategy="text").tables


def _read_page(page: Any, number: int, out: PdfText) -> None:
    blocks = [b for b in page.get_text("blocks") if b[6] == 0]
    boxes: list[tuple[float, float, float, float]] = []
    try:
        found = _find_tables(page)
        if not found and any(re.match(r"^\s*Table\s*\d+", b[4]) for b in blocks):
            # A caption but no ruled grid: likely a booktabs table, which only the layout model finds.
            found = _find_layout_tables(page)
    except Exception as exc:
        found = []
        out.notes.append(f"page {number}: table detection failed ({type(exc).__name__})")
    rules = _horizontal_rules(page) if found else []
    for table in found:
        bbox = tuple(table.bbox)
        grid = [[_cell_text(page, rect) for rect in row.cells] for row in table.rows]
        if len(grid) < 2:
            continue
        _spread_headers(table, grid, rules)
        boxes.append(bbox)
        index = len(out.tables)
        out.tables.append(
            TableData(
                page=number,
                index=index,
                caption=_caption(blocks, bbox),
                n_rows=len(grid),
                n_cols=max(len(r) for r in grid),
                cells=_grid_to_cells(grid, number, index),
            )
        )
    paragraphs = [join_lines(b[4].split("\n")) for b in blocks if not _inside(b, boxes)]
    out.page_texts.append(" ".join(p for p in paragraphs if p))
    for paragraph in paragraphs:
        out.sentences.extend(Sentence(page=number, text=s) for s in split_sentences(paragraph) if len(s) > 2)


def load_pdf(path: str | Path, **limits: Any) -> PdfText:
    """read_pdf with a cache beside the PDF (`<name>.parsed.json`), reused while sha256 and parser match."""
    path = Path(path)
    digest = sha256_file(path)
    cache = path.with_suffix(".parsed.json")
    if cache.is_file():
        try:
            cached = read_model(cache, PdfText)
            if cached.sha256 == digest and cached.parser_version == PARSER_VERSION:
                return cached
        except ValueError:
            pass  # a stale or damaged cache is simply re-parsed
    parsed = read_pdf(path, **limits)
    parsed.sha256 = digest
    with contextlib.suppress(OSError):  # a read-only directory only loses the cache
        write_model(cache, parsed)
    return parsed
