"""Dates as reports and abstract pages print them ("June 9, 2026", "9 Jun 2026", "2026-06-09")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime


def read_date(text: str, formats: Iterable[str]) -> date | None:
    """The date `text` spells in the first of `formats` that reads it; None when none does."""
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
