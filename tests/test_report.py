"""Report rendering: measured-value cells, the per-claim SVG plot, evidence lookup, markdown escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from claimcheck.home import evidence_dir, write_model
from claimcheck.models import Claim, ClaimRegistry, ClaimResult, EvidenceResult, EvidenceVerdict, Quantity, Verdict
from claimcheck.report import build_export, format_claimed, format_measured, load_evidence, plot_svg, to_markdown

SVG = "{http://www.w3.org/2000/svg}"


def test_measured_cells() -> None:
    value = ClaimResult(claim_id="a", verdict=Verdict.VERIFIED, measured=0.4561, interval=(0.44, 0.47), tolerance=0.01)
    assert format_measured(value) == "0.4561 [0.44, 0.47] ±0.01"
    effect = ClaimResult(claim_id="b", verdict=Verdict.INCONCLUSIVE, measured=0.02, effect=0.02, p_value=0.2)
    assert format_measured(effect) == "Δ +0.02 p=0.2"
    rel = effect.model_copy(update={"measured": 12.34, "effect": 12.34, "details": {"relative": True}})
    assert format_measured(rel).startswith("+12.3%")
    assert format_measured(ClaimResult(claim_id="c", verdict=Verdict.NOT_RUN)) == "—"
    quantity = Quantity(kind="relative-change", value=13.7, decimals=1, metric="AP")
    assert format_claimed(Claim(id="q", text="t", quantity=quantity)) == "+13.7% AP"


def test_plot_has_band_claimed_line_and_measurement() -> None:
    value = ClaimResult(claim_id="a", verdict=Verdict.REFUTED, claimed=0.5, measured=0.6, interval=(0.58, 0.62),
                        tolerance=0.05)  # fmt: skip
    root = ET.fromstring(plot_svg(value))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "tolerance band" in titles and "claimed 0.5" in titles and "measured 0.6" in titles
    band = next(r for r in root.iter(f"{SVG}rect"))
    point = next(root.iter(f"{SVG}circle"))
    # The measurement (0.6) lies right of the band (0.45–0.55).
    assert float(point.get("cx")) > float(band.get("x")) + float(band.get("width"))
    effect = ClaimResult(claim_id="b", verdict=Verdict.DIRECTION_REPRODUCED, measured=0.03, effect=0.03,
                         interval=(0.01, 0.05), details={"direction": "greater"})  # fmt: skip
    titles = [t.text for t in ET.fromstring(plot_svg(effect)).iter(f"{SVG}title")]
    assert "claimed side" in titles
    assert plot_svg(ClaimResult(claim_id="c", verdict=Verdict.NOT_RUN)) == ""


def test_evidence_is_read_when_present_and_valid() -> None:
    write_model(evidence_dir() / "a.json", EvidenceResult(claim_id="a", verdict=EvidenceVerdict.SUPPORTED))
    (evidence_dir() / "b.json").write_text("{broken")
    assert load_evidence("a").verdict == EvidenceVerdict.SUPPORTED
    assert load_evidence("b") is None and load_evidence("missing") is None
    reg = ClaimRegistry(claims=[Claim(id="a", text="uses | pipes")])
    export = build_export(reg, [ClaimResult(claim_id="a", verdict=Verdict.NOT_RUN, reason="r")], command="report",
                          registry_path="claims.yaml")  # fmt: skip
    assert export.claims[0].evidence.verdict == EvidenceVerdict.SUPPORTED
    assert export.counts["not-run"] == 1 and sum(export.counts.values()) == 1
    assert "uses \\| pipes" in to_markdown(export) and "| supported |" in to_markdown(export)


def test_evidence_address_reaches_every_rendering() -> None:
    from io import StringIO

    from rich.console import Console

    from claimcheck.models import TableCell
    from claimcheck.report import render_table, to_html

    cell = TableCell(page=2, table="Table 2", row="TREC-COVID", column="COCO-DR Base / −iDRO", text="0.771")
    evidence = EvidenceResult(claim_id="a", verdict=EvidenceVerdict.CONTRADICTED, cell=cell)
    write_model(evidence_dir() / "a.json", evidence)
    reg = ClaimRegistry(claims=[Claim(id="a", text="t")])
    export = build_export(reg, [ClaimResult(claim_id="a", verdict=Verdict.NOT_RUN, reason="r")], command="report",
                          registry_path="claims.yaml")  # fmt: skip
    address = "contradicted (p. 2, Table 2, row TREC-COVID, column COCO-DR Base / −iDRO)"
    assert address in to_markdown(export) and address in to_html(export)
    assert export.claims[0].evidence.cell == cell  # the JSON export carries the cell itself
    out = StringIO()
    render_table(export, Console(file=out, width=400))
    assert "row TREC-COVID, column COCO-DR Base / −iDRO" in out.getvalue()


def test_flagged_report_checks_reach_every_rendering() -> None:
    from claimcheck.models import Claim, ClaimRegistry, ClaimResult, Mention, Report, Verdict
    from claimcheck.report import build_export, render_table, to_html, to_markdown

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
    drift = next(c for c in export.reports[0].checks if c.name == "topic-drift")
    assert drift.ok is False
    assert "topic-drift" in to_markdown(export) and "topic-drift" in to_html(export)
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    render_table(export, Console(file=buffer, width=200))
    assert "topic-drift" in buffer.getvalue()


def test_reasons_and_claim_text_are_printed_as_written_not_as_markup() -> None:
    from io import StringIO

    from rich.console import Console

    from claimcheck.report import render_table

    claim = Claim(id="m", text="uses the [CLS] token [/CLS] vector")
    reason = "KeyError: '[/data]' ([type=float_type, input_value=None])"
    result = ClaimResult(claim_id="m", verdict=Verdict.ERROR, reason=reason)
    export = build_export(ClaimRegistry(claims=[claim]), [result], command="report", registry_path="claims.yaml")
    buffer = StringIO()
    render_table(export, Console(file=buffer, width=300))
    out = buffer.getvalue()
    assert "'[/data]'" in out and "[type=float_type" in out and "[CLS] token [/CLS]" in out
