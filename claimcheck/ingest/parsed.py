"""What a parser hands on: the report record and its claim rows, before deduplication across reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from claimcheck.models import Mention, Report

# The reports cut claim text at about 120 characters; a cut text has no sentence end.
TRUNCATION_MIN_CHARS = 110
_SENTENCE_END = (".", "!", "?", '."', ".'", ".)", '?"', "!)")


def is_truncated(text: str) -> bool:
    """Cut at about 120 characters with no sentence end, or marked cut with an ellipsis ("…", or "..." once
    normalised)."""
    text = text.rstrip()
    if text.endswith(("...", "…")):
        return True
    return len(text) >= TRUNCATION_MIN_CHARS and not text.endswith(_SENTENCE_END)


@dataclass
class ParsedReport:
    report: Report
    mentions: list[Mention] = field(default_factory=list)
    rows: int = 0  # claims-table rows (or abstract result sentences) read
    warnings: list[str] = field(default_factory=list)
