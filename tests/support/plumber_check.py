"""A second, independent extraction of the same pages (pdfplumber, on pdfminer.six) fed to the same table reader,
and where the two readings disagree: a cell one reading has and the other lacks, or reads another value.

PyMuPDF and pdfminer parse the PDF with separate code (fonts, glyph positions, path operators), so a cell both
read alike was not invented by one parser's quirk. The benchmark prints the disagreements per table shape.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from claimcheck.sources.layout import MINOR as _MINOR
from claimcheck.sources.layout import HRule, PageLayout, VRule, Word
from claimcheck.sources.pdf import read_pdf
from claimcheck.sources.tables import TableData, read_tables
from claimcheck.sources.text import name_tokens


def _words(chars: list[dict], height: float) -> list[Word]:
    """pdfplumber's characters as words: a line is a baseline, a word ends at a gap of a fifth of the size."""
    chars = [c for c in chars if c.get("upright", True) and c["text"].strip()]
    for c in chars:
        c["baseline"] = height - c["matrix"][5]
    lines: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: (round(c["baseline"], 1), c["x0"])):
        if lines and abs(c["baseline"] - lines[-1][-1]["baseline"]) <= 0.35 * c["size"]:
            lines[-1].append(c)
        else:
            lines.append([c])
    words: list[Word] = []
    block = 0
    previous: list[dict] | None = None
    for number, line in enumerate(lines):
        line.sort(key=lambda c: c["x0"])
        size = statistics.median(c["size"] for c in line)
        # a paragraph (PyMuPDF's block) goes on while lines follow at a normal pitch in the same size
        if previous is None or not (0 < line[0]["baseline"] - previous[0]["baseline"] <= 1.6 * size):
            block += 1
        previous = line
        current: list[dict] = []
        for c in line:
            if current and c["x0"] - current[-1]["x1"] > 0.22 * max(c["size"], current[-1]["size"]):
                words.append(_word(current, block, number))
                current = []
            current.append(c)
        if current:
            words.append(_word(current, block, number))
    return words


def _word(chars: list[dict], block: int, line: int) -> Word:
    size = max(c["size"] for c in chars)
    return Word(
        x0=min(c["x0"] for c in chars), y0=min(c["top"] for c in chars), x1=max(c["x1"] for c in chars),
        y1=max(c["bottom"] for c in chars), baseline=next(c["baseline"] for c in chars if c["size"] == size),
        size=size, text="".join(c["text"] for c in chars),
        main="".join(c["text"] for c in chars if c["size"] >= _MINOR * size), block=block, line=line,
    )  # fmt: skip


def _rules(page) -> tuple[list[HRule], list[VRule]]:
    hrules, vrules = [], []
    for item in [*page.lines, *page.rects]:
        w, h = item["x1"] - item["x0"], item["bottom"] - item["top"]
        thickness = item.get("linewidth", 0.4) if item["object_type"] == "line" else min(w, h)
        if h < 1.6 and w > 2:
            hrules.append(HRule(item["x0"], item["x1"], (item["top"] + item["bottom"]) / 2, thickness or 0.4))
        elif w < 1.6 and h > 2:
            vrules.append(VRule((item["x0"] + item["x1"]) / 2, item["top"], item["bottom"]))
    return hrules, vrules


def plumber_tables(path: Path) -> list[TableData]:
    import pdfplumber

    tables: list[TableData] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            layout = PageLayout(number=number, width=float(page.width), height=float(page.height))
            layout.words = _words(page.chars, float(page.height))
            layout.hrules, layout.vrules = _rules(page)
            found, _ = read_tables(layout, len(tables))
            tables.extend(found)
    return tables


def _cells(tables: list[TableData]) -> dict[tuple[str, str, str], float | None]:
    """Cells by table label and header paths, the paths compared as the matcher compares them (by their words:
    "ANCE†" and "ANCE †" are one label)."""

    def path(labels: list[str]) -> str:
        return " / ".join(" ".join(name_tokens(label)) for label in labels)

    return {(t.label or f"page {t.page}", path(c.row_headers), path(c.col_headers)): c.value
            for t in tables for c in t.cells}  # fmt: skip


def disagreements(path: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """(cells per table label in the PyMuPDF reading, (table label, what differs) per cell the two readings do
    not read alike)."""
    ours, theirs = _cells(read_pdf(path).tables), _cells(plumber_tables(path))
    counts: dict[str, int] = {}
    for table, _, _ in ours:
        counts[table] = counts.get(table, 0) + 1
    out = []
    for where in sorted(set(ours) | set(theirs)):
        a, b = ours.get(where, "absent"), theirs.get(where, "absent")
        if a != b:
            out.append((where[0], f"{path.name} {where[0]}, row {where[1]}, column {where[2]}: PyMuPDF {a}, "
                                  f"pdfplumber {b}"))  # fmt: skip
    return counts, out
