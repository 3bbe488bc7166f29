"""Timing a parse of hostile input: it must ingest or fail (IngestError) in well under a second."""

from __future__ import annotations

import contextlib
import time

from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_text

# Linear work on these inputs takes milliseconds; the super-linear regexes they replay took 30 s and more.
BOUND_S = 1.0


def parse_seconds(text: str, file: str = "hostile.txt") -> float:
    started = time.perf_counter()
    with contextlib.suppress(IngestError):
        parse_text(text, file)
    return time.perf_counter() - started
