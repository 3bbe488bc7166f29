"""Cells every rendering shares: measured values at each level of detail, the grouping by paper, evidence
addresses, shared reasons."""

from __future__ import annotations

from render_fixtures import every_verdict_export

from claimcheck.models import (
    Claim,
    ClaimRegistry,
    ClaimResult,
    EvidencePassage,
    EvidenceResult,
    EvidenceVerdict,
    Report,
    SourceRef,
    TableCell,
    Verdict,
)
from claimcheck.render.cells import by_paper, evidence_address, format_measured, shared_reasons
from claimcheck.report import build_export


def test_measured_cells_at_each_detail() -> None:
    value = ClaimResult(claim_id="a", verdict=Verdict.VERIFIED, measured=0.4561, interval=(0.44, 0.47), tolerance=0.01)
    assert format_measured(value) == "0.4561 [0.44, 0.47] ±0.01"
    assert format_measured(value, "short") == "0.4561 [0.44, 0.47]"
    assert format_measured(value, "point") == "0.4561"
    effect = ClaimResult(claim_id="b", verdict=Verdict.INCONCLUSIVE, measured=0.02, effect=0.02, p_value=0.2)
    assert format_measured(effect) == "Δ +0.02 p=0.2" and format_measured(effect, "short") == "Δ +0.02"
    rel = effect.model_copy(update={"measured": 12.34, "effect": 12.34, "details": {"relative": True}})
    assert format_measured(rel).startswith("+12.3%")
    assert format_measured(ClaimResult(claim_id="c", verdict=Verdict.NOT_RUN)) == "—"
    # the size of a claimed change, judged in the claim's unit (details["unit"]): points, or % of the baseline
    points = effect.model_copy(update={"measured": 2.21, "effect": 2.21, "interval": (1.9, 2.5),
                                       "details": {"unit": "points"}})  # fmt: skip
    assert format_measured(points) == "Δ +2.21 points [1.9, 2.5] p=0.2"
    share = points.model_copy(update={"details": {"unit": "%", "relative": False}})
    assert format_measured(share).startswith("+2.2%")


def test_claims_are_grouped_by_their_first_source_in_order_of_appearance() -> None:
    page = Report(id="r", kind="arxiv-abstract", file="f", layout="arxiv-abstract", title="From the abstract page",
                  arxiv=SourceRef(arxiv_id="2222.00002"))  # fmt: skip
    claims = [
        Claim(id="a", text="t", sources=[SourceRef(arxiv_id="1111.00001", title="Paper One")]),
        Claim(id="b", text="t", sources=[SourceRef(arxiv_id="2222.00002")]),
        Claim(id="c", text="t"),
        Claim(id="d", text="t", sources=[SourceRef(arxiv_id="1111.00001"), SourceRef(arxiv_id="2222.00002")]),
    ]
    registry = ClaimRegistry(reports=[page], claims=claims)
    verdicts = [Verdict.VERIFIED, Verdict.NOT_RUN, Verdict.ERROR, Verdict.REFUTED]
    results = [ClaimResult(claim_id=c.id, verdict=v) for c, v in zip(claims, verdicts, strict=True)]
    papers = by_paper(build_export(registry, results, command="report", registry_path="x"), registry)
    assert [(p.arxiv_id, p.title, [e.id for e in p.entries]) for p in papers] == [
        ("1111.00001", "Paper One", ["a", "d"]),
        ("2222.00002", "From the abstract page", ["b"]),
        (None, None, ["c"]),
    ]
    assert papers[0].counts() == {"verified": 1, "refuted": 1} and papers[2].heading.startswith("claims that name no")


def test_evidence_address_is_the_cell_else_the_page() -> None:
    cell = TableCell(page=6, table="Table 2", row="TREC-COVID", column="COCO-DR Base", text="78.9", value=78.9)
    assert evidence_address(EvidenceResult(claim_id="a", verdict=EvidenceVerdict.SUPPORTED, cell=cell)) == (
        "p. 6, Table 2, row TREC-COVID, column COCO-DR Base"
    )
    found = [EvidencePassage(page=3, text="x")]
    passage = EvidenceResult(claim_id="a", verdict=EvidenceVerdict.SUPPORTED, evidence=found)
    assert evidence_address(passage) == "p. 3"
    assert evidence_address(None) == "" and evidence_address(EvidenceResult(claim_id="a", verdict="not-found")) == ""


def test_only_reasons_several_undecided_claims_share_are_numbered() -> None:
    _, export = every_verdict_export()
    notes = shared_reasons(export.claims)
    assert list(notes.values()) == list(range(1, len(notes) + 1))
    for reason in notes:
        assert sum(e.result.reason == reason for e in export.claims) > 1
    assert not any(r.startswith("|measured") for r in notes)  # a decided claim's reason is never a note
