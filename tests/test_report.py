"""The verify export: evidence lookup, counts, the claimed-value cell, report checks carried for the renderings."""

from __future__ import annotations

from claimcheck.home import evidence_dir, write_model
from claimcheck.models import (
    Claim,
    ClaimRegistry,
    ClaimResult,
    EvidenceResult,
    EvidenceVerdict,
    Mention,
    Quantity,
    Report,
    Verdict,
)
from claimcheck.report import VerifyExport, build_export, flagged_checks, format_claimed, load_evidence


def test_claimed_cell() -> None:
    quantity = Quantity(kind="relative-change", value=13.7, decimals=1, metric="AP")
    assert format_claimed(Claim(id="q", text="t", quantity=quantity)) == "+13.7% AP"
    assert format_claimed(Claim(id="q", text="t", quantity=quantity), with_metric=False) == "+13.7%"
    assert format_claimed(Claim(id="q", text="t")) is None
    ranged = Quantity(value=0.435, low=0.42, high=0.45, decimals=2, metric="nDCG@10")
    assert format_claimed(Claim(id="q", text="t", quantity=ranged)) == "0.42–0.45 nDCG@10"
    spread = Quantity(value=0.789, deviation=0.004, decimals=3, metric="nDCG@10")
    assert format_claimed(Claim(id="q", text="t", quantity=spread), with_metric=False) == "0.789 ± 0.004"
    points = Quantity(kind="absolute-change", value=2.3, unit="percent", decimals=1, metric="nDCG@10")
    assert format_claimed(Claim(id="q", text="t", quantity=points)) == "+2.3 points nDCG@10"


def test_evidence_is_read_when_present_and_valid() -> None:
    write_model(evidence_dir() / "a.json", EvidenceResult(claim_id="a", verdict=EvidenceVerdict.SUPPORTED))
    (evidence_dir() / "b.json").write_text("{broken")
    assert load_evidence("a").verdict == EvidenceVerdict.SUPPORTED
    assert load_evidence("b") is None and load_evidence("missing") is None
    reg = ClaimRegistry(claims=[Claim(id="a", text="t")])
    export = build_export(reg, [ClaimResult(claim_id="a", verdict=Verdict.NOT_RUN, reason="r")], command="report",
                          registry_path="claims.yaml")  # fmt: skip
    assert export.claims[0].evidence.verdict == EvidenceVerdict.SUPPORTED
    assert export.counts["not-run"] == 1 and sum(export.counts.values()) == 1


def test_evidence_address_reaches_every_rendering() -> None:
    from io import StringIO

    from rich.console import Console

    from claimcheck.models import TableCell
    from claimcheck.render.html import to_html
    from claimcheck.render.markdown import to_markdown
    from claimcheck.render.terminal import render_table

    cell = TableCell(page=2, table="Table 2", row="TREC-COVID", column="COCO-DR Base / −iDRO", text="0.771")
    evidence = EvidenceResult(claim_id="a", verdict=EvidenceVerdict.CONTRADICTED, cell=cell)
    write_model(evidence_dir() / "a.json", evidence)
    reg = ClaimRegistry(claims=[Claim(id="a", text="t")])
    export = build_export(reg, [ClaimResult(claim_id="a", verdict=Verdict.NOT_RUN, reason="r")], command="report",
                          registry_path="claims.yaml")  # fmt: skip
    address = "p. 2, Table 2, row TREC-COVID, column COCO-DR Base / −iDRO"
    assert address in to_markdown(export, reg) and address in to_html(export, reg)
    assert export.claims[0].evidence.cell == cell  # the JSON export carries the cell itself
    out = StringIO()
    render_table(export, Console(file=out, width=400))
    assert f"contradicted ({address})" in out.getvalue()


def test_flagged_report_checks_reach_every_rendering() -> None:
    from io import StringIO

    from rich.console import Console

    from claimcheck.render.html import to_html
    from claimcheck.render.markdown import to_markdown
    from claimcheck.render.terminal import render_summary, render_table

    drifting = Report(
        id="r1",
        kind="synthesis",
        file="r1.txt",
        layout="plain",
        title="t",
        examined_paper="COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval",
        research_question="Does it improve text-to-image retrieval on Flickr30k?",
    )
    claim = Claim(id="c1", text="a claim", mentions=[Mention(report="r1", text="a claim")])
    registry = ClaimRegistry(reports=[drifting], claims=[claim])
    result = ClaimResult(claim_id="c1", verdict=Verdict.NOT_RUN, reason="no executable replication applies")
    export = build_export(registry, [result], command="report", registry_path="claims.yaml")
    assert [c.name for _, c in flagged_checks(export)] == ["topic-drift"]
    assert "topic-drift" in to_markdown(export, registry) and "topic-drift" in to_html(export, registry)
    for render in (lambda c: render_summary(export, registry, c), lambda c: render_table(export, c)):
        buffer = StringIO()
        render(Console(file=buffer, width=200))
        assert "topic-drift" in buffer.getvalue()


def test_effect_results_show_seeds_per_dataset_figures_and_graded_measures() -> None:
    from claimcheck.render.cells import format_effect_details

    effect = ClaimResult(
        claim_id="e", verdict=Verdict.NOT_APPLICABLE, effect=0.02, measured=0.02, p_value=0.3, seeds=[0, 1, 2],
        details={"per_dataset": {"scifact": {"condition": 0.62, "baseline": 0.6}},
                 "reproduction": {"effect_ratio": 1.11, "delta_relative_improvement": 0.01}},
    )  # fmt: skip
    line = format_effect_details(effect)
    assert line == "seeds 0,1,2; scifact 0.620 vs 0.600; ER 1.11; ΔRI +0.010"
    assert format_effect_details(ClaimResult(claim_id="v", verdict=Verdict.VERIFIED)) == ""


def test_an_export_of_the_previous_schema_still_reads() -> None:
    old = {"schema": "claimcheck.verify/1", "generated_at": "2026-01-01T00:00:00+00:00", "command": "report",
           "registry": "claims.yaml", "counts": {}, "claims": []}  # fmt: skip
    assert VerifyExport.model_validate(old).schema_ == "claimcheck.verify/1"
