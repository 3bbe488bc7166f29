"""The markdown report: grouped by paper, cells escaped, evidence with its address, the runs."""

from __future__ import annotations

from render_fixtures import every_verdict_export

from claimcheck.models import Claim, ClaimRegistry, ClaimResult, Verdict
from claimcheck.render.markdown import to_markdown
from claimcheck.report import build_export


def test_one_table_per_paper_with_evidence_addresses() -> None:
    registry, export = every_verdict_export()
    text = to_markdown(export, registry)
    assert text.count("\n## arXiv ") == 3 and "## claims that name no source paper" in text
    assert "supported p. 6, Table 2, row Zero-shot / TREC-COVID, column COCO-DR Base / −iDRO" in text
    assert all(f"**{e.id}**" in text for e in export.claims)


def test_cells_are_escaped() -> None:
    registry = ClaimRegistry(claims=[Claim(id="a", text="uses | pipes")])
    export = build_export(registry, [ClaimResult(claim_id="a", verdict=Verdict.NOT_RUN, reason="r|s")],
                          command="report", registry_path="claims.yaml")  # fmt: skip
    text = to_markdown(export, registry)
    assert "uses \\| pipes" in text and "r\\|s" in text
