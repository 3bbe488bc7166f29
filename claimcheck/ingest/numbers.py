"""Numbers as claims write them: one scan finds each number with what binds to it.

A number standing alone (not in a word, a cutoff, a version, an id or a fraction: "Flickr30k", "@10", "v1.5",
"top-10", "5.2/10"), a minus sign where a sign can stand, a unit ("%", "points", "pp"), a second number making a
range ("0.42-0.45", "between 0.42 and 0.45") or a pair ("from 46.1% to 48.4%"), a deviation ("± 0.004"). A number
with more digits than a measurement is read with raises `Unreadable` (never a float overflow). Every pattern is
linear: the scan's look-behind stops it re-reading a digit run, and the rest match at fixed positions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
# A number standing alone — not in a word, a cutoff, a version, an id or a fraction ("Flickr30k", "@10", "v1.5",
# "top-10", "5.2/10") — with a minus sign only where a sign can stand (after a space or a bracket).
_NUMBER = re.compile(rf"(?:(?<![^\s(])(?P<neg>-)|(?<![\w.@/-]))(?<![A-Za-z]-)(?P<n>{_NUM})(?![\w@/]|\.\d)")
_UNIT = re.compile(r"[ -]?(?P<u>%|percent\b|percentage points?\b|points?\b|pp\b|p\.p\.)")  # "2.3-point gain"
_DEVIATION = re.compile(rf" ?\(? ?(?:±|\+/-|\+-) ?(?P<d>{_NUM})\)?")
_SECOND = re.compile(rf" ?(?P<sep>-|to|and) ?(?P<n>{_NUM})(?![\w@/]|\.\d)")
_LEAD = re.compile(r"\b(?P<w>from|between)\s$", re.I)
_RANGE_LEAD = re.compile(r"\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+from\s$", re.I)  # a range, not a change


@dataclass(frozen=True)
class NumberExpr:
    """One number as written: alone, a range, "A ± d", or "from A to B" (a pair)."""

    start: int
    end: int
    value: float
    decimals: int
    unit: str | None  # "%", "points" or None
    low: float | None = None
    high: float | None = None
    deviation: float | None = None
    pair: bool = False  # "from A to B": low is A, high is B
    text: str = ""

    @property
    def measurement(self) -> bool:
        """A decimal, a unit or a spread: plain integers ("18 datasets", "2019-2020") count or date things."""
        return self.decimals > 0 or self.unit is not None or self.deviation is not None


def decimals_of(number: str) -> int:
    return len(number.split(".", 1)[1]) if "." in number else 0


# More digits than a float keeps, or more decimals than any metric is reported with, are not a measurement.
MAX_DIGITS = 17
MAX_DECIMALS = 12


class Unreadable(ValueError):
    """A number written with more digits than can be read as a measurement."""


def _float(number: str) -> float:
    if len(number) > MAX_DIGITS + 1 or decimals_of(number) > MAX_DECIMALS:
        shown = number if len(number) <= 24 else f"{number[:20]}… ({len(number)} characters)"
        raise Unreadable(f"the number {shown} has more digits than a measurement is read with")
    value = float(number)
    if not math.isfinite(value):
        raise Unreadable(f"the number {number} is too large to read")
    return value


def _unit(text: str, at: int) -> tuple[str | None, int]:
    match = _UNIT.match(text, at)
    if not match:
        return None, at
    return ("%" if match["u"] in ("%", "percent") else "points"), match.end()


def _value_at(text: str, match: re.Match[str]) -> NumberExpr:
    """The number at `match` with what follows it: a unit, a second number (range or pair), a deviation."""
    sign = -1.0 if match["neg"] else 1.0
    first, end = sign * _float(match["n"]), match.end()
    unit, end = _unit(text, end)
    lead = _LEAD.search(text[max(0, match.start() - 9) : match.start()])
    second = _SECOND.match(text, end)
    unit2, stop = _unit(text, second.end()) if second else (None, end)
    between = bool(lead and lead["w"].lower() == "between")
    # "2.3 points to 48.4" is not a range: a second number must carry the first one's unit
    if second and (second["sep"] != "and" or between) and (unit is None or unit2 == unit):
        high = _float(second["n"])
        pair = bool(lead and lead["w"].lower() == "from" and second["sep"] == "to")
        pair = pair and not _RANGE_LEAD.search(text[max(0, match.start() - 20) : match.start()])
        low_high = (first, high) if pair else (min(first, high), max(first, high))
        decimals = max(decimals_of(match["n"]), decimals_of(second["n"]))
        middle = round((first + high) / 2, decimals + 1)
        return NumberExpr(match.start(), stop, high if pair else middle, decimals, unit2 or unit, *low_high,
                      pair=pair, text=text[match.start() : stop])  # fmt: skip
    deviation = _DEVIATION.match(text, end)
    if deviation:
        unit2, stop = _unit(text, deviation.end())
        return NumberExpr(match.start(), stop, first, decimals_of(match["n"]), unit2 or unit,
                      deviation=_float(deviation["d"]), text=text[match.start() : stop])  # fmt: skip
    return NumberExpr(match.start(), end, first, decimals_of(match["n"]), unit, text=text[match.start() : end])


def number_expressions(text: str) -> list[NumberExpr]:
    """Every number expression in the text, in order, none inside another."""
    out: list[NumberExpr] = []
    for match in _NUMBER.finditer(text):
        if out and match.start() < out[-1].end:
            continue
        out.append(_value_at(text, match))
    return out
