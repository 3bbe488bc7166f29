"""One spelling for typographic variants, before anything parses a report.

LLM-written reports use typographic dashes and quotes (U+2011 in "COCO‑DR", U+2013 in "0.42–0.45", ‘ ’ “ ”),
non-breaking and zero-width spaces, and the minus sign U+2212. Parsed as they are, "COCO‑DR Base" and
"COCO-DR Base" are two subjects and "iDRO’" is not "iDRO". `normalise` maps them all to ASCII (after NFKC, which
also splits ligatures and maps full-width forms and odd spaces); it keeps every line (and so every line number)
where it was. `inline` is the same on one line, with whitespace collapsed: the form ids, deduplication and
quantities read. `verbatim` goes back: the report's own characters for a piece of normalised text, which is
what a mention keeps.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASH = "-"
_MAP = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d", _DASH),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2039\u203a\u02bc", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb", '"'),
        # kept on their line: a report's line numbers are those an editor shows
        **dict.fromkeys("\u00a0\u2007\u202f\u2028\u2029\u0085", " "),
        # invisible: zero-width spaces and joiners, word joiner, BOM, soft hyphen
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", None),
    }
)
_SPACE = re.compile(r"\s+")
# Collapsing only ASCII whitespace keeps a report's own non-breaking spaces in what a mention records.
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def _chars(text: str) -> str:
    # NFKC first (it maps U+2011 and odd spaces itself, and may produce characters the table maps), then the table.
    return unicodedata.normalize("NFKC", text).translate(_MAP)


def normalise(text: str) -> str:
    """The text with one spelling for dashes, quotes, spaces and minus signs; lines stay where they were."""
    if text.isascii():
        return text
    return "\n".join(line if line.isascii() else _chars(line) for line in text.split("\n"))


@lru_cache(maxsize=1 << 16)
def inline(text: str) -> str:
    """`normalise` on a one-line statement, whitespace collapsed: what ids and comparisons read."""
    return _SPACE.sub(" ", normalise(text)).strip()


def _pieces(raw: str) -> list[tuple[str, int, int]]:
    """(normalised characters, start, end in `raw`) per base character with its combining marks."""
    out: list[tuple[str, int, int]] = []
    start = 0
    for i in range(1, len(raw) + 1):
        if i == len(raw) or not unicodedata.combining(raw[i]):
            out.append((_chars(raw[start:i]), start, i))
            start = i
    return out


def verbatim(raw: str, piece: str) -> str:
    """The span of `raw` whose normalised form is `piece` (both compared whitespace-collapsed), with its runs
    of ASCII whitespace collapsed; `piece` itself when no such span is found (the two then differ only in
    characters no reader can tell apart)."""
    if raw.isascii() or not piece or _chars(raw) == raw:  # nothing to map back (✓ and × are kept as they are)
        return piece
    chars: list[tuple[str, int, int]] = []
    for text, start, end in _pieces(raw):
        for ch in text:
            if ch.isspace():
                if chars and chars[-1][0] == " ":
                    continue
                ch = " "
            chars.append((ch, start, end))
    flat = "".join(c for c, _, _ in chars)
    at = flat.find(inline(piece))
    if at < 0:
        return piece
    span = raw[chars[at][1] : chars[at + len(inline(piece)) - 1][2]]
    found = _ASCII_SPACE.sub(" ", span).strip()
    return found if inline(found) == inline(piece) else piece
