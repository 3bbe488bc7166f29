"""Every module-level regex of ingest and the report checks runs in linear time on hostile text.

A regex whose quantifiers can match the same characters in several ways backtracks super-linearly: the header
pattern `claims?\\s*(?:\\t|\\s{2,})\\s*verified…` took over 30 s on "Claim" and 3,000 spaces. Each pattern here
is run (`finditer` to the end, and `match` at the start) over long runs of what such patterns stumble on —
spaces, tabs, digits, letters, hyphenated and dotted runs, repeated words — each ending in a character that
makes a match fail late. Linear work on 50,000 characters takes milliseconds; quadratic work takes minutes.
"""

from __future__ import annotations

import importlib
import re
import time

import pytest

MODULES = [
    "claimcheck.ingest.arxiv_page",
    "claimcheck.ingest.dedup",
    "claimcheck.ingest.ids",
    "claimcheck.ingest.kinds",
    "claimcheck.ingest.normalise",
    "claimcheck.ingest.numbers",
    "claimcheck.ingest.papers",
    "claimcheck.ingest.quantities",
    "claimcheck.ingest.references",
    "claimcheck.ingest.statements",
    "claimcheck.ingest.synthesis",
    "claimcheck.ingest.text",
    "claimcheck.sources.abstract_page",
    "claimcheck.sources.benchmarks",
    "claimcheck.sources.cache",
    "claimcheck.sources.drift",
    "claimcheck.sources.report_checks",
]
N = 20_000
UNITS = [" ", "\t", "1", "a", "A", "aA", "a-", "A-", "1.", "a.", "1 ", "a ", "on ", "by ", "-1", "Aa ", "#", ": "]
BOUND_S = 1.0


def _patterns() -> list[tuple[str, re.Pattern]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.append((f"{name.rsplit('.', 1)[1]}.{attr}", value))
            elif isinstance(value, dict):  # tables of patterns (synthesis._FIGURES, drift._TASK_CUES)
                found += [
                    (f"{name.rsplit('.', 1)[1]}.{attr}[{k}]", v) for k, v in value.items() if isinstance(v, re.Pattern)
                ]
    return found


PATTERNS = _patterns()


def test_the_audit_sees_the_patterns_it_is_about() -> None:
    names = {n for n, _ in PATTERNS}
    assert {"synthesis._TABLE_HEADER", "synthesis._CLAIMS_HEADING", "synthesis._HEADING", "numbers._NUMBER"} <= names
    assert len(PATTERNS) > 60


@pytest.mark.slow
@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_pattern_is_linear_on_hostile_runs(name: str, pattern: re.Pattern) -> None:
    for unit in UNITS:
        for tail in ("x", "!", ""):
            text = unit * (N // len(unit)) + tail
            subject = text.encode() if isinstance(pattern.pattern, bytes) else text
            started = time.perf_counter()
            for _ in pattern.finditer(subject):
                pass
            pattern.match(subject)
            elapsed = time.perf_counter() - started
            assert elapsed < BOUND_S, f"{name} took {elapsed:.2f} s on {unit!r} * {N // len(unit)} + {tail!r}"
