"""Property: random damage to a real report never yields anything but IngestError (no traceback)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_bytes
from claimcheck.models import ClaimRegistry
from claimcheck.registry import dump_registry, parse_registry

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
FILES = sorted(SEEDS.iterdir()) if SEEDS.is_dir() else []


def _damage(data: bytes, kind: str, at: int, length: int, byte: int) -> bytes:
    at %= max(len(data), 1)
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([byte]) + data[at + 1 :]
    if kind == "delete-lines":
        lines = data.split(b"\n")
        start = at % max(len(lines), 1)
        return b"\n".join(lines[:start] + lines[start + length :])
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "tabs":
        return data[:at] + b"\t" * length + data[at:]
    if kind == "cut-middle":
        return data[:at] + data[at + length * 40 :]
    raise AssertionError(kind)


damage = st.lists(
    st.tuples(
        st.sampled_from(["truncate", "flip", "delete-lines", "crlf", "tabs", "cut-middle"]),
        st.integers(0, 10**6),
        st.integers(1, 8),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.skipif(not FILES, reason="seed reports not present at ../shared/seeds")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 4), steps=damage)
def test_damaged_seed_parses_or_raises_ingest_error(index: int, steps) -> None:
    data = FILES[index % len(FILES)].read_bytes()
    for kind, at, length, byte in steps:
        data = _damage(data, kind, at, length, byte)
    try:
        parsed = parse_bytes(data, "damaged.txt")
    except IngestError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("damaged.txt")
        return
    assert parsed.report.title
    # whatever survived parsing must also survive the registry: merge, write, read back unchanged
    registry, _ = ingest_reports(ClaimRegistry(), [parsed])
    assert parse_registry(dump_registry(registry), check_experiments=False) == registry


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_arbitrary_bytes_never_traceback(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_bytes(data, "junk.txt")
