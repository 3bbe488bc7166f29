"""Run records for tests: `honest` gives a record the complete code map and the key its contents hash to, as the
engine writes them, so a test of the verdict rules is not refused by the integrity check (results.integrity_problems).
"""

from __future__ import annotations

from claimcheck.models import RunRecord
from claimcheck.results import CODE_FIELDS, run_key

CODE = {name: f"test-{name}" for name in CODE_FIELDS}


def honest(record: RunRecord, code: dict[str, str] | None = None) -> RunRecord:
    """`record` with `code` (default: a complete made-up code map) and the key of its experiment, scale, config,
    seeds and code."""
    code = dict(code if code is not None else record.code or CODE)
    key = run_key(record.experiment, record.scale, record.config, record.seeds, code)
    return record.model_copy(update={"code": code, "key": key})
