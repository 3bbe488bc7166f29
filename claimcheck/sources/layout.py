"""A PDF page as positioned words and rules: what the table reader and the sentence splitter work from.

Words come from PyMuPDF's characters (not its word list) so that each word knows its main font size and
which of its characters are smaller: a superscript footnote mark ("0.763†", "45.2¹") or a subscript deviation
("0.355±.002") stays in the printed text but not in the value. Rules are the page's thin horizontal and
vertical strokes (lines, or the thin filled rectangles some producers draw instead).

A page is refused before its text is turned into Python objects when it holds more characters than any real
page does (`PageTooComplex`), and read without rules (so without tables) when it holds more drawing items: a
hostile 3.7 KB file can hold 240,000 spans, and a ruled grid of 50,000 cells took PyMuPDF's table finder 200 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# A dense two-column page holds about 8,000 characters and a few hundred drawing items; these limits are
# ten times that and more, so only machine-made pages reach them.
MAX_CHARS = 60_000
MAX_DRAWING_ITEMS = 6_000
MINOR = 0.82  # a character smaller than this share of its word's main size is a superscript or subscript


class PageTooComplex(Exception):
    """The page holds more text or drawings than a paper's page; the message says which and how much."""


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    size: float  # the main font size of the word
    text: str  # as printed, marks included
    main: str  # the characters at the main size (superscripts and subscripts dropped)
    block: int  # PyMuPDF's text block, which is a paragraph in running text
    line: int  # a line number unique on the page

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class HRule:
    x0: float
    x1: float
    y: float
    width: float  # stroke thickness

    @property
    def length(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class VRule:
    x: float
    y0: float
    y1: float


@dataclass
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    hrules: list[HRule] = field(default_factory=list)
    vrules: list[VRule] = field(default_factory=list)
    # Why tables are not read on this page (too many drawings to tell rules from art); None when they are.
    no_tables: str | None = None


def _word(chars: list[tuple[str, Any, float, float]], block: int, line: int) -> Word | None:
    """chars: (character, bbox, size, baseline)."""
    text = "".join(c for c, *_ in chars).strip()
    if not text:
        return None
    size = max(s for _, _, s, _ in chars)
    main = "".join(c for c, _, s, _ in chars if s >= MINOR * size).strip()
    baseline = next(b for _, _, s, b in chars if s == size)
    return Word(
        x0=min(b[0] for _, b, _, _ in chars),
        y0=min(b[1] for _, b, _, _ in chars),
        x1=max(b[2] for _, b, _, _ in chars),
        y1=max(b[3] for _, b, _, _ in chars),
        baseline=baseline,
        size=size,
        text=text,
        main=main,
        block=block,
        line=line,
    )


def _upright(line: dict, block: int, line_no: int) -> Word | None:
    """A line turned 90° to read upwards, as `\\rotatebox{90}` sets a narrow column's header, as one word lying
    where the header row expects it: across the line's width, its foot on the line's lower end (where the text
    starts, on the header row's baseline). The whole line is one word, so "Hybrid model" stays one label."""
    chars = [(ch["c"], ch["bbox"], float(span.get("size", 0)) or 1.0, 0.0) for span in line.get("spans", [])
             for ch in span.get("chars", [])]  # fmt: skip
    word = _word(chars, block, line_no)
    if word is None:
        return None
    x0, _, x1, bottom = (float(v) for v in line["bbox"])
    baseline = bottom - 0.2 * word.size
    return replace(word, x0=x0, y0=baseline - 0.8 * word.size, x1=x1, y1=bottom, baseline=baseline)


def _words(raw: dict) -> list[Word]:
    out: list[Word] = []
    line_no = 0
    for block_no, block in enumerate(raw.get("blocks", [])):
        for line in block.get("lines", []):
            line_no += 1
            direction = line.get("dir", (1, 0))
            if abs(direction[1]) > 0.01:
                word = _upright(line, block_no, line_no) if direction[1] < -0.99 else None
                if word:
                    out.append(word)
                continue  # other rotations (upside down, slanted, reading downwards) are not read at all
            current: list[tuple[str, Any, float, float]] = []
            last_x1 = None
            for span in line.get("spans", []):
                size = float(span.get("size", 0)) or 1.0
                baseline = float(span.get("origin", (0, 0))[1])
                for ch in span.get("chars", []):
                    c, bbox = ch["c"], ch["bbox"]
                    # A gap wider than a thin space splits words even where the producer wrote no space.
                    gap = last_x1 is not None and bbox[0] - last_x1 > 0.22 * size
                    if c.isspace() or gap:
                        word = _word(current, block_no, line_no)
                        if word:
                            out.append(word)
                        current = []
                    if not c.isspace():
                        current.append((c, bbox, size, baseline))
                    last_x1 = bbox[2]
            word = _word(current, block_no, line_no)
            if word:
                out.append(word)
    return out


def _rules(drawings: list[dict]) -> tuple[list[HRule], list[VRule]]:
    """Horizontal and vertical strokes of PyMuPDF's `get_cdrawings()` (points as tuples, no Python objects)."""
    hrules: list[HRule] = []
    vrules: list[VRule] = []
    for drawing in drawings:
        width = float(drawing.get("width") or 0.4)
        for item in drawing.get("items", ()):
            if item[0] == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                if abs(ay - by) < 0.6 and abs(ax - bx) > 2:
                    hrules.append(HRule(min(ax, bx), max(ax, bx), (ay + by) / 2, width))
                elif abs(ax - bx) < 0.6 and abs(ay - by) > 2:
                    vrules.append(VRule((ax + bx) / 2, min(ay, by), max(ay, by)))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                if y1 - y0 < 1.6 and x1 - x0 > 2:
                    hrules.append(HRule(x0, x1, (y0 + y1) / 2, y1 - y0))
                elif x1 - x0 < 1.6 and y1 - y0 > 2:
                    vrules.append(VRule((x0 + x1) / 2, y0, y1))
    return hrules, vrules


def page_layout(page: Any, number: int) -> PageLayout:
    """Words and rules of one page; PageTooComplex when it holds more text than a real page does."""
    chars = len(page.get_text("text"))
    if chars > MAX_CHARS:
        raise PageTooComplex(f"{chars:,} characters, over the limit of {MAX_CHARS:,} a page")
    layout = PageLayout(number=number, width=float(page.rect.width), height=float(page.rect.height))
    layout.words = _words(page.get_text("rawdict"))
    # get_cdrawings builds no Python object per path point, so counting costs little even on a hostile page.
    drawings = page.get_cdrawings()
    items = sum(len(d.get("items", ())) for d in drawings)
    if items > MAX_DRAWING_ITEMS:
        # The text is still read; the rules, and with them the page's tables, are given up.
        layout.no_tables = f"{items:,} drawing items, over the limit of {MAX_DRAWING_ITEMS:,} a page"
    else:
        layout.hrules, layout.vrules = _rules(drawings)
    return layout
