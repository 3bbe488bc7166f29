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
from claimcheck.report import build_export, flagged_checks, format_claimed, load_evidence


def test_claimed_cell() -> None:
    quantity = Quantity(kind="relative-change", value=13.7, decimals=1, metric="AP")
    assert format_claimed(Claim(id="q", text="t", quantity=quantity)) == "+13.7% AP"
    assert format_claimed(Claim(id="q", text="t", quantity=quantity), with_metric=False) == "+13.7%"
    assert format_claimed(Claim(id="q", text="t")) is None


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
