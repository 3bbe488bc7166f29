"""Folding reports into a registry: stable ids, merged mentions, and what survives re-ingest."""

from __future__ import annotations

from pathlib import Path

import report_fixtures as rf

from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.parse import parse_text
from claimcheck.models import Claim, ClaimRegistry, Tolerance

LOSS = "The loss in OPTICAL is defined as the Frobenius inner product of the transportation plan and the cost matrix."
LOSS2 = LOSS.replace("The loss in", "The loss function in")
CUT = "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem to learn from a well-"
WHOLE = (
    "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem to learn from a "
    "well-trained monolingual retrieval model."
)


def optical(rows, title="OT report", refs=("2301.12566v1",)):
    text = rf.synthesis_report(rows, title=title, examined=rf.OPTICAL_TITLE, references=refs)
    return parse_text(text, f"{title}.txt")


def test_ids_are_readable_and_stable() -> None:
    parsed = [parse_text(rf.synthesis_report(), "a.txt")]
    first, _ = ingest_reports(ClaimRegistry(), parsed)
    again, _ = ingest_reports(ClaimRegistry(), [parse_text(rf.synthesis_report(), "a.txt")])
    ids = [c.id for c in first.claims]
    assert ids == [c.id for c in again.claims]
    assert ids[:4] == [
        "coco-dr-base-ndcg10-trec-covid",
        "coco-dr-large-ndcg10-trec-covid",
        "coco-dr-base-ndcg10-trec-covid-without-idro",
        "coco-dr-base-ndcg10-bioasq-without-idro",
    ]
    assert ids[4].startswith("dense-retrieval-shown-strong-")
    assert len(set(ids)) == len(ids)


def test_same_quantity_slug_with_different_values_gets_distinct_ids() -> None:
    rows = [rf.COCO_ROWS[0], (rf.COCO_ROWS[0][0].replace("0.789", "0.790"), "×", "0.1")]
    reg, _ = ingest_reports(ClaimRegistry(), [parse_text(rf.synthesis_report(rows), "a.txt")])
    assert len(reg.claims) == 2 and len({c.id for c in reg.claims}) == 2
    assert reg.claims[0].id == "coco-dr-base-ndcg10-trec-covid"


def test_mentions_merge_across_reports_and_disagreement_shows() -> None:
    a = optical([(LOSS, "✓", "0.23"), (CUT, "✓", "0.29")], title="A")
    b = optical([(LOSS2, "×", "0.22"), (WHOLE, "✓", "")], title="B")
    reg, summary = ingest_reports(ClaimRegistry(), [a, b])
    assert (summary.rows, summary.distinct, summary.merged) == (4, 2, 2)
    loss, formulates = reg.claims
    assert loss.text == LOSS2  # the longer complete text is canonical
    assert [(m.report, m.tick) for m in loss.mentions] == [(a.report.id, True), (b.report.id, False)]
    assert loss.ticks_disagree
    assert formulates.text == WHOLE and not formulates.truncated  # a cut and a whole mention: the whole one wins
    assert [m.text for m in formulates.mentions] == [CUT, WHOLE]  # each mention verbatim
    assert not formulates.ticks_disagree
    assert [s.versioned_id for s in loss.sources] == ["2301.12566v1"]


def test_truncated_claim_alone_is_marked() -> None:
    reg, summary = ingest_reports(ClaimRegistry(), [optical([(CUT, "✓", "0.29")])])
    assert reg.claims[0].truncated and reg.claims[0].text == CUT
    assert summary.truncated == 1


def test_reingest_replaces_mentions_and_keeps_hand_fields() -> None:
    a = optical([(LOSS, "✓", "0.23")], title="A")
    reg, _ = ingest_reports(ClaimRegistry(), [a])
    tolerance = Tolerance(kind="absolute", value=0.01, reason="run-to-run noise")
    hand = Claim(id="control-minilm-scifact", text="MiniLM scores nDCG@10 0.6451 on SciFact.", notes="control")
    edited = reg.model_copy(
        update={
            "claims": [
                reg.claims[0].model_copy(update={"notes": "checked by hand", "tolerance": tolerance}),
                hand,
            ]
        }
    )
    again, summary = ingest_reports(edited, [optical([(LOSS, "✓", "0.23")], title="A")])
    assert summary.new == 0
    assert [c.id for c in again.claims] == [reg.claims[0].id, "control-minilm-scifact"]
    merged = again.claims[0]
    assert merged.notes == "checked by hand" and merged.tolerance == tolerance
    assert len(merged.mentions) == 1  # replaced, not duplicated
    assert again.claims[1] == hand
    assert len(again.reports) == 1


def test_changed_report_drops_claims_only_it_made_unless_hand_edited() -> None:
    first = optical([(LOSS, "✓", "0.23"), (WHOLE, "✓", "0.2")], title="A")
    reg, _ = ingest_reports(ClaimRegistry(), [first])
    reg.claims[1].notes = "keep me"
    # the same report id with fewer rows cannot happen (ids are content hashes), so replace the report by hand
    shrunk = optical([(LOSS, "✓", "0.23")], title="A")
    shrunk.report = shrunk.report.model_copy(update={"id": first.report.id})
    shrunk.mentions = [m.model_copy(update={"report": first.report.id}) for m in shrunk.mentions]
    again, summary = ingest_reports(reg, [shrunk])
    assert [c.id for c in again.claims] == [c.id for c in reg.claims]
    assert again.claims[1].mentions == [] and again.claims[1].notes == "keep me"
    assert any("no report mentions it" in w for w in summary.warnings)
    reg.claims[1].notes = None
    dropped, _ = ingest_reports(reg, [shrunk])
    assert [c.id for c in dropped.claims] == [reg.claims[0].id]


def test_unknown_examined_paper_warns_and_leaves_sources_empty() -> None:
    parsed = parse_text(rf.synthesis_report(examined="A Paper Nobody Knows"), "a.txt")
    reg, summary = ingest_reports(ClaimRegistry(), [parsed])
    assert all(c.sources == [] for c in reg.claims)
    assert any("A Paper Nobody Knows" in w for w in summary.warnings)


def test_cached_metadata_titles_are_matched(claimcheck_home: Path) -> None:
    meta = claimcheck_home / "papers" / "2401.00001" / "metadata.json"
    meta.parent.mkdir(parents=True)
    meta.write_text('{"arxiv_id": "2401.00001v3", "title": "A Paper Only The Cache Knows"}')
    parsed = parse_text(
        rf.synthesis_report(examined="A paper only the cache knows", references=["2401.00001v3"]), "a.txt"
    )
    reg, summary = ingest_reports(ClaimRegistry(), [parsed])
    assert summary.warnings == []
    assert [s.versioned_id for s in reg.claims[0].sources] == ["2401.00001v3"]


def test_coverage_counts_numeric_claims() -> None:
    _, summary = ingest_reports(ClaimRegistry(), [parse_text(rf.synthesis_report(), "a.txt")])
    assert (summary.numeric, summary.with_quantity) == (4, 4)


def test_relative_change_id_abbreviates_a_long_baseline() -> None:
    text = "The proposed method achieved a 13.7% improvement in MAP over a method based on neural machine translation."
    reg, _ = ingest_reports(ClaimRegistry(), [optical([(text, "✓", "0.2")])])
    assert reg.claims[0].id == "optical-ap-vs-nmt"
