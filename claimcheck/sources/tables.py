"""Results tables read back from a page's positioned words and rules, the way LaTeX typesets them.

A table is found by its rules (booktabs' top/mid/bottom rules, or a ruled grid's \\hline) or, without rules,
as the aligned lines beside a "Table N" caption. Inside it:

- rows are the words that share a baseline (superscript marks and subscript deviations join their row);
- the header is the rows above the first rule inside the table (or, without one, above the first row that
  holds a number); columns are the x-ranges the body rows' words occupy, split at vertical rules;
- a header word spans the columns under its partial rule (\\cmidrule, \\cline), between its vertical rules, or
  those its extent overlaps, so "COCO-DR (Ours)" over "Base | Large" labels both, one level up;
- row labels are the leading columns without numbers; a row with a single phrase and no number ("Baselines")
  labels the rows under it, and an ablation row ("− iDRO", "w/o OT") belongs to the model row above it.

A header that cannot be placed over columns is left out rather than guessed: a missing header makes a claim
not-found, a wrong one would make it supported or contradicted.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from pydantic import BaseModel, Field

from claimcheck.models import TableCell as CellAddress
from claimcheck.sources.layout import HRule, PageLayout, VRule, Word
from claimcheck.sources.text import ablated, normalise

CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.)\s*(\d+|[IVX]+)\s*[:.|—-]")
_NUM = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)(\s*%)?")
_MARKS = " *†‡§¶#"
_DECIMAL = re.compile(r"\d?\.\d")


class Cell(BaseModel):
    page: int
    table: int = Field(description="index of the table in the document (0-based)")
    row: int = Field(description="body row (0-based)")
    col: int = Field(description="column (0-based, row-label columns included)")
    text: str = Field(description="as printed, marks included")
    value: float | None = None
    decimals: int | None = None
    percent: bool = False
    row_headers: list[str] = Field(default_factory=list, description="group, then label(s), e.g. ['Ours', 'GCL']")
    col_headers: list[str] = Field(default_factory=list, description="outer to inner, e.g. ['COCO-DR Base', 'Full']")

    def label(self) -> str:
        rows = " / ".join(self.row_headers) or f"row {self.row + 1}"
        cols = " / ".join(self.col_headers) or f"column {self.col + 1}"
        return f"[{rows}] × [{cols}] = {self.text} (table {self.table + 1}, page {self.page})"


class TableData(BaseModel):
    page: int
    index: int
    label: str | None = Field(default=None, description="'Table 2' as the caption numbers it")
    caption: str = ""
    n_rows: int
    n_cols: int
    cells: list[Cell] = Field(default_factory=list)
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def address(self, cell: Cell) -> CellAddress:
        """The shared model's view of a cell: page, table label and caption, row path, column path."""
        return CellAddress(
            page=self.page,
            table=self.label or f"table {self.index + 1}",
            caption=self.caption or None,
            row=" / ".join(cell.row_headers) or f"row {cell.row + 1}",
            column=" / ".join(cell.col_headers) or f"column {cell.col + 1}",
            text=cell.text,
            value=cell.value,
        )


def printed(text: str) -> str:
    """Text as printed, for labels and addresses: ligatures split and spaces collapsed, "−" kept."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def parse_number(text: str) -> tuple[float, int, bool] | None:
    """'0.789' → (0.789, 3, False); '78.9%' → (78.9, 1, True); '.462†' → (0.462, 3, False); 'BM25' → None.

    A cell with two numbers ("0.771 0.763": merged columns; "45.2/48.1": two metrics) or a number run into
    letters ("10K", "3x") has no single value. A deviation or a delta after it ("78.9 ± 0.2", "0.789 (+2.1)")
    leaves the first number.
    """
    text = normalise(text).replace("**", "").lstrip(_MARKS + "([")
    match = _NUM.match(text)
    if not match:
        return None
    rest = text[match.end() :]
    if rest[:1].isalnum() or rest[:1] == ".":
        return None
    tail = rest.lstrip(_MARKS)
    if re.match(r"^(?:[+-]?\.?\d|/\s*[+-]?\.?\d)", tail):
        return None
    number = match.group(1)
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number.replace(",", "")), decimals, bool(match.group(2))


# ------------------------------------------------------------------------------------------------ geometry


@dataclass
class Region:
    x0: float
    y0: float
    x1: float
    y1: float
    rules: list[HRule] = field(default_factory=list)  # full-width rules, top to bottom (empty without rules)

    def holds(self, w: Word) -> bool:
        return self.x0 - 3 <= w.cx <= self.x1 + 3 and self.y0 - 1 <= w.baseline <= self.y1 + 1


@dataclass
class Caption:
    label: str
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    words: frozenset[int]  # ids of its words


@dataclass
class Phrase:
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def text(self) -> str:
        return printed(" ".join(w.text for w in self.words))

    @property
    def main(self) -> str:
        return normalise(" ".join(w.main for w in self.words))


@dataclass
class TableRow:
    words: list[Word]
    marks: list[Word] = field(default_factory=list)  # small words of their own (a separate "†" or "±0.3")

    @property
    def baseline(self) -> float:
        return statistics.median(w.baseline for w in self.words)

    @property
    def top(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.y1 for w in self.words)


def _size(words: list[Word]) -> float:
    return statistics.median(w.size for w in words) if words else 10.0


def phrases(words: list[Word], gap: float, cuts: list[float] = ()) -> list[Phrase]:
    """Words left to right, joined while the space between them is below `gap` and no cut lies between."""
    out: list[Phrase] = []
    for w in sorted(words, key=lambda w: w.x0):
        if out:
            last = out[-1]
            cut = any(last.x1 - 0.5 <= c <= w.x0 + 0.5 for c in cuts)
            if w.x0 - last.x1 < gap and not cut:
                last.words.append(w)
                continue
        out.append(Phrase([w]))
    return out


# ------------------------------------------------------------------------------------------------ finding


def captions(layout: PageLayout) -> list[Caption]:
    """Blocks whose first line starts "Table N:" (or "Table N." / "TABLE N"): the captions on the page.

    A caption runs on over the lines below while they read as its paragraph: the same font size, the next
    baseline, starting at its left edge (LaTeX sets a caption's continuation lines flush left) and without
    column-wide gaps. A table's header line that PyMuPDF put in the same block stays with the table."""
    by_block: dict[int, list[int]] = {}
    for i, w in enumerate(layout.words):
        by_block.setdefault(w.block, []).append(i)
    out = []
    for ids in by_block.values():
        rows = _baseline_rows([layout.words[i] for i in ids])
        first = sorted(rows[0].words, key=lambda w: w.x0)
        match = CAPTION.match(" ".join(w.text for w in first[:3]))
        if not match:
            continue
        size, left = _size(first), first[0].x0
        kept = list(rows[0].words + rows[0].marks)
        previous = rows[0]
        for row in rows[1:]:
            ws = sorted(row.words, key=lambda w: w.x0)
            gaps = [b.x0 - a.x1 for a, b in pairwise(ws)]
            if (abs(_size(ws) - size) > 0.1 * size or abs(ws[0].x0 - left) > 3 or any(g > 1.5 * size for g in gaps)
                    or not 0.8 * size <= row.baseline - previous.baseline <= 1.8 * size):  # fmt: skip
                break
            kept += row.words + row.marks
            previous = row
        held = {id(w) for w in kept}
        chosen = [i for i in ids if id(layout.words[i]) in held]
        out.append(Caption(
            label=f"Table {match.group(1)}",
            text=normalise(" ".join(w.text for w in sorted(kept, key=lambda w: (round(w.baseline), w.x0)))),
            x0=min(w.x0 for w in kept), y0=min(w.y0 for w in kept),
            x1=max(w.x1 for w in kept), y1=max(w.y1 for w in kept),
            words=frozenset(chosen),
        ))  # fmt: skip
    return out


def _heavy(rule: HRule, rules: list[HRule]) -> bool:
    return rule.width > 1.3 * min(r.width for r in rules)


def rule_regions(layout: PageLayout, caps: list[Caption]) -> list[Region]:
    """Stacks of rules of one width (x-extent): each stack, split at captions and between a bottom and a top
    rule, bounds one table."""
    long_rules = sorted((r for r in layout.hrules if r.length > 40), key=lambda r: (round(r.x0), r.y))
    stacks: list[list[HRule]] = []
    for rule in sorted(long_rules, key=lambda r: r.y):
        for stack in stacks:
            if abs(stack[0].x0 - rule.x0) < 2.5 and abs(stack[0].x1 - rule.x1) < 2.5:
                stack.append(rule)
                break
        else:
            stacks.append([rule])
    regions: list[Region] = []
    for stack in stacks:
        current = [stack[0]]
        for prev, rule in pairwise(stack):
            between = any(c.y0 >= prev.y - 1 and c.y1 <= rule.y + 1 and c.x1 > prev.x0 and c.x0 < prev.x1
                          for c in caps)  # fmt: skip
            # booktabs: a heavy \bottomrule followed by a heavy \toprule is where one table ends and the next begins
            bottom_then_top = len(current) > 1 and _heavy(prev, [*current, rule]) and _heavy(rule, [*current, rule])
            # rows of a table lie between its rules; white space alone between two rules is a gap between tables
            empty = rule.y - prev.y > 6 and not any(
                prev.y < w.baseline < rule.y and prev.x0 <= w.cx <= prev.x1 for w in layout.words
            )
            if between or bottom_then_top or empty or rule.y - prev.y > 0.5 * layout.height:
                regions.append(_region(current))
                current = [rule]
            else:
                current.append(rule)
        regions.append(_region(current))
    regions = [r for r in regions if len(r.rules) >= 2 and r.y1 - r.y0 > 8]
    # A stack of partial rules (\cline, \cmidrule) inside a larger table is part of it, not a table.
    return [r for r in regions if not any(o is not r and _contains(o, r) for o in regions)]


def _region(rules: list[HRule]) -> Region:
    return Region(min(r.x0 for r in rules), rules[0].y, max(r.x1 for r in rules), rules[-1].y, list(rules))


def _contains(outer: Region, inner: Region) -> bool:
    return (outer.x0 - 2 <= inner.x0 and inner.x1 <= outer.x1 + 2 and outer.y0 - 2 <= inner.y0
            and inner.y1 <= outer.y1 + 2 and (outer.x1 - outer.x0) > (inner.x1 - inner.x0) + 4)  # fmt: skip


def _baseline_rows(words: list[Word]) -> list[TableRow]:
    """Words on one baseline (within a third of their size), top to bottom, whatever their sizes."""
    rows: list[TableRow] = []
    for w in sorted(words, key=lambda w: w.baseline):
        if rows and abs(w.baseline - rows[-1].words[-1].baseline) <= 0.35 * w.size:
            rows[-1].words.append(w)
        else:
            rows.append(TableRow([w]))
    return rows


def _lines(words: list[Word]) -> list[TableRow]:
    """Rows of a table: words on one baseline, top to bottom. A line of words much smaller than the line next to
    it (superscript marks, subscript deviations set apart) joins that line as its marks, as does a small word
    within a line: they are printed with the cell but hold no value of their own."""
    rows = _baseline_rows(words)
    out: list[TableRow] = []
    for i, row in enumerate(rows):
        big = max(w.size for w in row.words)
        near = [r for r in (rows[i - 1] if i else None, rows[i + 1] if i + 1 < len(rows) else None) if r]
        host = next((r for r in near if big < 0.8 * max(w.size for w in r.words)
                     and r.top - 0.6 * big <= (row.top + row.bottom) / 2 <= r.bottom + 0.6 * big), None)  # fmt: skip
        if host is not None:
            host.marks.extend(row.words)
            continue
        row.marks += [w for w in row.words if w.size < 0.8 * big]
        row.words = [w for w in row.words if w.size >= 0.8 * big]
        out.append(row)
    return out


def _glue_deviations(row: TableRow, size: float) -> None:
    """'78.9', '±', '0.3' set with spaces are one cell: join a '±' word to the number before and after it."""
    words = sorted(row.words, key=lambda w: w.x0)
    out: list[Word] = []
    for w in words:
        last = out[-1] if out else None
        joins = (
            last is not None
            and w.x0 - last.x1 < 1.2 * size
            and (w.text.startswith(("±", "+/-")) or last.text.endswith(("±", "+/-")))
        )
        if joins:
            out[-1] = _joined(last, w)
        else:
            out.append(w)
    row.words = out


def _joined(a: Word, b: Word) -> Word:
    return Word(
        min(a.x0, b.x0),
        min(a.y0, b.y0),
        max(a.x1, b.x1),
        max(a.y1, b.y1),
        a.baseline,
        max(a.size, b.size),
        f"{a.text} {b.text}",
        f"{a.main} {b.main}" if b.size >= 0.8 * a.size else a.main,
        a.block,
        a.line,
    )


def text_region(layout: PageLayout, cap: Caption, taken: list[Region], used: set[int]) -> Region | None:
    """The aligned lines above or below a caption that has no ruled table: a table typeset without rules."""
    # LaTeX centres a one-line caption and sets a longer one across the text width, so a caption that stays on
    # one side of the page's middle sits in one column of a two-column page: the table is in that column.
    mid = layout.width / 2
    if cap.x1 <= mid + 4:
        band = (0.0, mid)
    elif cap.x0 >= mid - 4:
        band = (mid, layout.width)
    else:
        band = (0.0, layout.width)
    words = [w for i, w in enumerate(layout.words)
             if i not in used and i not in cap.words and band[0] <= w.cx <= band[1]
             and not any(r.holds(w) for r in taken)]  # fmt: skip
    rows = _lines(words)  # by each line's own size: the table may be set smaller than the text beside it
    best: list[TableRow] = []
    for direction in (1, -1):
        # by baseline: a scaled table's first line can start inside the caption's line box
        side = [r for r in rows if (r.baseline > cap.y1 - 0.5 if direction == 1 else r.baseline < cap.y0 + 0.5)]
        side.sort(key=lambda r: r.baseline, reverse=direction == -1)
        picked = _tabular_run(side, cap, direction)
        if _numeric_rows(picked) >= 2 and len(picked) > len(best):
            best = picked
    if not best:
        return None
    ws = [w for r in best for w in r.words + r.marks]
    return Region(min(w.x0 for w in ws), min(w.baseline for w in ws) - 0.5, max(w.x1 for w in ws),
                  max(w.baseline for w in ws) + 0.5)  # fmt: skip


def _tabular_run(rows: list[TableRow], cap: Caption, direction: int) -> list[TableRow]:
    """Rows moving away from the caption while they look like table rows: two or more phrases, the table's
    font size, no wider apart than twice its line pitch; a single short phrase between two such rows is a
    section row ("Low-resource")."""
    picked: list[TableRow] = []
    edge = cap.y1 if direction == 1 else cap.y0
    width = cap.x1 - cap.x0
    for row in rows:
        size = _size(row.words)
        first = _size(picked[0].words) if picked else size
        gap = (row.top - edge) if direction == 1 else (edge - row.bottom)
        pitch = (
            statistics.median(abs(b.baseline - a.baseline) for a, b in pairwise(picked))
            if len(picked) > 1
            else 1.5 * first
        )
        if gap > 2.2 * first or (picked and (gap > pitch or abs(size - first) > 0.15 * first)):
            break
        ps = phrases(row.words, 0.75 * size)
        lone_before = picked and len(phrases(picked[-1].words, 0.75 * size)) < 2
        if len(ps) < 2 and (ps[0].x1 - ps[0].x0 > 0.4 * width or lone_before):
            break
        picked.append(row)
        edge = row.bottom if direction == 1 else row.top
    while picked and len(phrases(picked[-1].words, 0.75 * _size(picked[-1].words))) < 2:
        picked.pop()
    return picked if direction == 1 else picked[::-1]


def _numeric_rows(rows: list[TableRow]) -> int:
    return sum(1 for r in rows if any(parse_number(w.main) for w in r.words))


# ------------------------------------------------------------------------------------------------ reading


@dataclass
class Grid:
    """A table's rows split into header and body, its column bands and the rules that shape its header."""

    header: list[TableRow]
    body: list[TableRow]
    bands: list[tuple[float, float]]
    partial: list[HRule]  # \cmidrule / \cline
    vrules: list[VRule]  # inside the table
    size: float

    def vcuts(self, row: TableRow) -> list[float]:
        """x of the vertical rules beside this row (a spanning header cell has none inside its span)."""
        return [v.x for v in self.vrules if v.y0 - 1 <= row.baseline - 0.3 * self.size <= v.y1 + 1]


def _header_split(rows: list[TableRow], region: Region, gap: float) -> int:
    """How many leading rows are header: those above the first row that holds a number after its first phrase
    (or that opens a group), or, when more, those above the first rule inside the table if they hold no decimal
    number (a header of years or "10%" over booktabs' \\midrule)."""
    by_text = _header_by_text(rows, gap)
    inner = [r for r in region.rules[1:-1] if r.y > rows[0].baseline]
    if inner:
        above = [r for r in rows if r.baseline < inner[0].y]
        if above and len(above) < len(rows) and not any(_DECIMAL.search(w.main) for r in above for w in r.words):
            return max(by_text, len(above))
    return by_text


def _header_by_text(rows: list[TableRow], gap: float) -> int:
    left = min(w.x0 for r in rows for w in r.words)
    for i, row in enumerate(rows):
        found = [p for p in phrases(row.words, gap) if parse_number(p.main)]
        if found and (len(found) > 1 or found[0].words[0] is not min(row.words, key=lambda w: w.x0)):
            return i
        # a lone label at the left edge after the header ("Low-resource") opens the body's first group; a lone
        # phrase over the data columns is a spanning header
        if i > 0 and _section_row(row, gap) and min(w.x0 for w in row.words) - left < _size(row.words):
            return i
    return 0


def _section_row(row: TableRow, gap: float) -> bool:
    ps = phrases(row.words, gap)
    return len(ps) == 1 and parse_number(ps[0].main) is None


def _bands(body: list[TableRow], gap: float, vcuts: list[float]) -> list[tuple[float, float]]:
    """Column x-ranges: the union of the body words' extents, merged across gaps narrower than a word space,
    never across a vertical rule."""
    spans = sorted((w.x0, w.x1) for r in body if not _section_row(r, gap) for w in r.words)
    bands: list[list[float]] = []
    for x0, x1 in spans:
        ruled = bands and any(bands[-1][1] - 0.5 <= c <= x0 + 0.5 for c in vcuts)
        if bands and (x0 <= bands[-1][1] or (x0 - bands[-1][1] < gap and not ruled)):
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return [(a, b) for a, b in bands]


def _band_of(x: float, bands: list[tuple[float, float]]) -> int:
    for i, (a, b) in enumerate(bands):
        if a - 1 <= x <= b + 1:
            return i
    return min(range(len(bands)), key=lambda i: min(abs(x - bands[i][0]), abs(x - bands[i][1])))


@dataclass
class HeaderCell:
    text: str
    cx: float
    span: set[int]
    ruled: bool  # placed by a rule (vertical, \cmidrule or \cline): exact, never extended


def _raw_span(p: Phrase, row: TableRow, below: float, grid: Grid, leaf: bool) -> tuple[set[int], bool]:
    """The columns a header phrase stands over by the direct evidence: its vertical rules, the partial rule
    under it, else the columns its extent overlaps (a header centred over an even group sits over the gap
    between the two middle columns)."""
    centres = [(a + b) / 2 for a, b in grid.bands]
    cuts = grid.vcuts(row)
    left = [c for c in cuts if c <= p.x0 + 1]
    right = [c for c in cuts if c >= p.x1 - 1]
    if left and right:
        lo, hi = max(left), min(right)
        return {i for i, c in enumerate(centres) if lo < c < hi}, True
    for rule in grid.partial:
        if row.bottom - 2 <= rule.y <= below + 2 and rule.x0 - 3 <= p.cx <= rule.x1 + 3:
            return {i for i, c in enumerate(centres) if rule.x0 - 2 <= c <= rule.x1 + 2}, True
    over = {i for i, (a, b) in enumerate(grid.bands) if min(b, p.x1) - max(a, p.x0) > 0.5}
    if over:
        return over, False
    if not leaf:
        for i in range(len(grid.bands) - 1):
            if grid.bands[i][1] <= p.cx <= grid.bands[i + 1][0]:
                return {i, i + 1}, False
        return set(), False
    nearest = min(range(len(centres)), key=lambda i: abs(centres[i] - p.cx))
    a, b = grid.bands[nearest]
    return ({nearest} if abs(centres[nearest] - p.cx) < (b - a) / 2 + grid.size else set()), False


def _extend_centred(cells: list[HeaderCell], first: int, n: int) -> None:
    """Spanning headers set without rules: grow each one column at a time on both sides (LaTeX centres a
    \\multicolumn header over its span) while the columns are free, and keep the result only when the row's
    headers then cover every data column once, as a header row that groups columns does."""
    taken = [set(c.span) for c in cells]
    for k, cell in enumerate(cells):
        if cell.ruled or not cell.span:
            continue
        lo, hi = min(cell.span), max(cell.span)
        others = set().union(*(t for j, t in enumerate(taken) if j != k))
        while lo - 1 >= first and hi + 1 < n and lo - 1 not in others and hi + 1 not in others:
            lo, hi = lo - 1, hi + 1
        taken[k] = set(range(lo, hi + 1))
    covered = [i for t in taken for i in t]
    if sorted(covered) == list(range(first, n)):
        for cell, span in zip(cells, taken, strict=True):
            cell.span = span


def _column_headers(grid: Grid, n_label: int) -> list[list[str]]:
    """Each column's header path, outer to inner, built from the lowest header row up: a spanning header
    covers the whole of every group below it that it stands over."""
    levels: list[list[HeaderCell]] = []
    last = len(grid.header) - 1
    for h in range(last, -1, -1):
        row = grid.header[h]
        below = grid.header[h + 1].top if h < last else (grid.body[0].top if grid.body else 1e9)
        cuts = grid.vcuts(row) + [x for r in grid.partial if row.bottom - 2 <= r.y <= below + 2 for x in (r.x0, r.x1)]
        if h == last:  # the lowest header row names one column per phrase: cut between bands
            cuts += [(a[1] + b[0]) / 2 for a, b in pairwise(grid.bands)]
        cells = []
        for p in phrases(row.words + row.marks, grid.size * 0.4, cuts):
            span, ruled = _raw_span(p, row, below, grid, leaf=h == last)
            span = {i for i in span if i >= n_label}
            if levels and span:
                for q in levels[-1]:
                    if q.span & span:
                        span |= q.span
            cells.append(HeaderCell(p.text, p.cx, span, ruled))
        if h < last:
            _extend_centred(cells, n_label, len(grid.bands))
        levels.append(cells)
    paths: list[list[str]] = [[] for _ in grid.bands]
    for cells in reversed(levels):
        for cell in cells:
            for i in sorted(cell.span):
                if not paths[i] or paths[i][-1] != cell.text:
                    paths[i].append(cell.text)
    return paths


def _label_columns(cells: list[list[str]], mains: list[list[str]]) -> int:
    """Leading columns where most filled body cells are not numbers (at least one column stays data)."""
    n = 0
    width = len(cells[0]) if cells else 0
    while n < width - 1:
        filled = [row[n] for row in mains if row[n]]
        numeric = sum(1 for m in filled if parse_number(m))
        if filled and numeric * 2 >= len(filled):
            break
        n += 1
    return n


def _is_variant(label: str) -> bool:
    """An ablation or addition row ("− iDRO", "w/o OT", "+ COCO"): a variant of the model row above it."""
    return ablated(label) is not None or bool(re.match(r"^\s*(?:\+|w/\s|with\s)", normalise(label)))


def read_region(layout: PageLayout, region: Region, index: int, used: set[int]) -> TableData | None:
    words = [w for i, w in enumerate(layout.words) if i not in used and region.holds(w)]
    rows = _lines(words)
    if len(rows) < 2:
        return None
    size = _size(words)
    for row in rows:
        _glue_deviations(row, size)
    # Between words of one cell there is a word space (a quarter to a third of the font size); between columns
    # twice \tabcolsep, rarely under 4 pt. Bands merge below 0.3 em; header phrases below 0.4 em.
    gap = 0.3 * size
    n_head = _header_split(rows, region, gap)
    header, body = rows[:n_head], rows[n_head:]
    vrules = [v for v in layout.vrules if v.y0 <= region.y1 + 1 and v.y1 >= region.y0 - 1
              and region.x0 + 3 < v.x < region.x1 - 3]  # fmt: skip
    inner = sorted({round(v.x, 1) for v in vrules if body and v.y0 - 1 <= body[0].baseline <= v.y1 + 1})
    partial = [r for r in layout.hrules if r.length < 0.92 * (region.x1 - region.x0)
               and region.x0 - 3 <= r.x0 and r.x1 <= region.x1 + 3 and region.y0 - 1 <= r.y <= region.y1 + 1
               and not _underline(r, words)]  # fmt: skip
    bands = _bands(body, gap, inner)
    if len(bands) < 2:
        return None
    grid = Grid(header, body, bands, partial, vrules, size)
    texts = [["" for _ in bands] for _ in body]
    mains = [["" for _ in bands] for _ in body]
    starts = [[1e9 for _ in bands] for _ in body]
    for r, row in enumerate(body):
        for w in sorted(row.words + row.marks, key=lambda w: w.x0):
            b = _band_of(w.cx, bands)
            starts[r][b] = min(starts[r][b], w.x0)
            texts[r][b] = printed(f"{texts[r][b]} {w.text}")
            if w in row.words:
                mains[r][b] = f"{mains[r][b]} {w.main}".strip()
    n_label = _label_columns(texts, mains)
    col_paths = _column_headers(grid, n_label)
    # where each row's innermost label starts: an indented label is a sub-row of the one above
    label_x = [next((starts[r][c] for c in reversed(range(n_label)) if texts[r][c]), 0.0) for r in range(len(body))]
    cells = _body_cells(layout.number, index, body, texts, mains, n_label, col_paths, gap, label_x)
    if not any(c.value is not None for c in cells):
        return None
    return TableData(page=layout.number, index=index, n_rows=len(rows), n_cols=len(bands), cells=cells,
                     bbox=(region.x0, region.y0, region.x1, region.y1))  # fmt: skip


def _underline(rule: HRule, words: list[Word]) -> bool:
    """\\underline on a best-but-one value draws a short rule just under that word: not a table rule."""
    return any(abs(rule.x0 - w.x0) < 2.5 and abs(rule.x1 - w.x1) < 2.5 and w.baseline - 1 <= rule.y <= w.y1 + 2.5
               for w in words)  # fmt: skip


def _body_cells(page: int, index: int, body: list[TableRow], texts: list[list[str]], mains: list[list[str]],
                n_label: int, col_paths: list[list[str]], gap: float,
                label_x: list[float]) -> list[Cell]:  # fmt: skip
    cells: list[Cell] = []
    group = parent = ""
    above = [""] * n_label
    indent_of_parent = None
    for r, row in enumerate(body):
        if _section_row(row, gap):
            group, parent = texts[r][0] or " ".join(t for t in texts[r] if t), ""
            continue
        labels = list(texts[r][:n_label])
        for c in range(n_label - 1):  # a group-label column printed on the group's first row only
            if not labels[c] and above[c]:
                labels[c] = above[c]
        above = labels
        labels = [x for x in labels if x]
        x_label = label_x[r]
        indented = indent_of_parent is not None and x_label > indent_of_parent + gap
        if labels and parent and (_is_variant(labels[-1]) or indented):
            labels = [*labels[:-1], parent, labels[-1]]
        elif labels:
            parent, indent_of_parent = labels[-1], x_label
        path = ([group] if group else []) + labels
        for c in range(n_label, len(texts[r])):
            number = parse_number(mains[r][c])
            cells.append(Cell(
                page=page, table=index, row=r, col=c, text=texts[r][c],
                value=number[0] if number else None, decimals=number[1] if number else None,
                percent=number[2] if number else False, row_headers=path, col_headers=col_paths[c],
            ))  # fmt: skip
    return cells


def _assign_captions(regions: list[Region], caps: list[Caption]) -> dict[int, Caption]:
    """Each table its nearest caption just above or below it, nearest pairs first, one caption per table."""
    pairs = []
    for i, region in enumerate(regions):
        for cap in caps:
            # centred over each other: a caption beside another table (side-by-side floats) is not this one's
            middle = (region.x0 + region.x1) / 2
            if not (cap.x0 - 4 <= middle <= cap.x1 + 4 or region.x0 - 4 <= (cap.x0 + cap.x1) / 2 <= region.x1 + 4):
                continue
            gap = min(abs(region.y0 - cap.y1), abs(cap.y0 - region.y1))
            if gap < 45:
                pairs.append((gap, i, cap))
    out: dict[int, Caption] = {}
    taken: set[str] = set()
    for _, i, cap in sorted(pairs, key=lambda p: p[0]):
        if i not in out and cap.label + str(cap.y0) not in taken:
            out[i] = cap
            taken.add(cap.label + str(cap.y0))
    return out


def read_tables(layout: PageLayout, first_index: int) -> tuple[list[TableData], set[int]]:
    """The page's tables (indexed from `first_index`) and the ids of the words they hold."""
    if layout.no_tables:
        return [], set()
    caps = captions(layout)
    regions = rule_regions(layout, caps)
    cap_words = {i for c in caps for i in c.words}
    held = {c.label + str(c.y0) for c in _assign_captions(regions, caps).values()}
    for cap in caps:
        if cap.label + str(cap.y0) not in held:
            region = text_region(layout, cap, regions, cap_words)
            if region is not None:
                regions.append(region)
    regions.sort(key=lambda r: (r.y0, r.x0))
    by_caption = _assign_captions(regions, caps)
    tables: list[TableData] = []
    used: set[int] = set(cap_words)
    for i, region in enumerate(regions):
        table = read_region(layout, region, first_index + len(tables), used)
        if table is None:
            continue
        cap = by_caption.get(i)
        if cap is not None:
            table.label, table.caption = cap.label, cap.text
        used |= {k for k, w in enumerate(layout.words) if region.holds(w)}
        tables.append(table)
    return tables, used - cap_words
