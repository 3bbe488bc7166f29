"""Claim ids stay valid identifiers (models.ID_PATTERN, at most 128 characters) however long the claim's parts."""

from __future__ import annotations

import re

from report_fixtures import synthesis_report

from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.parse import parse_text
from claimcheck.models import ID_MAX_LENGTH, ID_PATTERN, ClaimRegistry


def test_ids_of_claims_with_very_long_subjects_and_datasets_are_bounded_and_distinct() -> None:
    long = "Supercalifragilistic " * 12
    rows = [
        (f"{long}Base model achieves an nDCG@10 score of 0.789 on the {long} dataset.", "✓", "0.5"),
        (f"{long}Base model achieves an nDCG@10 score of 0.781 on the {long} dataset.", "✓", "0.5"),
        (f"{long}Base model achieves an nDCG@10 score of 0.789 on the {long}x dataset.", "✓", "0.5"),
    ]
    registry, _ = ingest_reports(ClaimRegistry(), [parse_text(synthesis_report(rows), "long.txt")])
    ids = [c.id for c in registry.claims if c.id.startswith("supercalifragilistic")]
    assert len(ids) == 3 == len(set(ids))
    assert all(len(i) <= ID_MAX_LENGTH and re.match(ID_PATTERN, i) for i in ids)
