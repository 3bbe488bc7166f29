"""Quantity extraction from claim text: each form the reader knows, and an honest note where none fits."""

from __future__ import annotations

import pytest
import report_fixtures as rf
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcheck.ingest.kinds import claim_kind
from claimcheck.ingest.quantities import describe, extract_quantity, has_measurement, read_quantity
from claimcheck.models import Quantity


@pytest.mark.parametrize(
    ("text", "subject", "condition", "value", "dataset"),
    [
        (
            "COCO-DR Base model achieves an nDCG@10 score of 0.789 on the TREC-COVID dataset.",
            "COCO-DR Base",
            None,
            0.789,
            "TREC-COVID",
        ),
        (
            "COCO-DR Large model achieves an nDCG@10 score of 0.424 on the BioASQ dataset.",
            "COCO-DR Large",
            None,
            0.424,
            "BioASQ",
        ),
        (
            "COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.353 on the BioASQ dataset.",
            "COCO-DR Base",
            "without iDRO",
            0.353,
            "BioASQ",
        ),
        ("BM25 w/o stemming scores 0.65 nDCG@10 on MS MARCO dev.", "BM25", "without stemming", 0.65, "MS MARCO"),
    ],
)
def test_absolute_scores(text: str, subject: str, condition: str | None, value: float, dataset: str) -> None:
    q = extract_quantity(text)
    assert q is not None
    assert (q.kind, q.subject, q.condition, q.metric, q.value, q.dataset) == (
        "absolute",
        subject,
        condition,
        "nDCG@10",
        value,
        dataset,
    )
    assert q.decimals == len(str(value).split(".")[1])


@pytest.mark.parametrize(
    "text",
    [
        "The proposed method achieved a 13.7% improvement in MAP over a method based on neural machine translation "
        "on low-resource",
        "The proposed method achieved a 13.7% improvement in MAP over a method based on neural machine translation "
        "on low-resource languages.",
    ],
)
def test_relative_change_cut_or_whole(text: str) -> None:
    q = extract_quantity(text, method_name="OPTICAL")
    assert q is not None
    assert q.model_dump(exclude_none=True) == {
        "kind": "relative-change",
        "subject": "OPTICAL",
        "metric": "AP",
        "value": 13.7,
        "unit": "percent",
        "decimals": 1,
        "baseline": "neural machine translation",
        "setting": "low-resource languages",
    }


def test_relative_decrease_is_negative() -> None:
    q = extract_quantity("Our model yields a 5% drop in Recall@100 over the BM25 baseline.")
    assert q is not None and (q.value, q.metric, q.baseline) == (-5.0, "R@100", "BM25")


@pytest.mark.parametrize(
    "text",
    [
        "In terms of mean average precision (MAP), the proposed method significantly outperforms several baselines.",
        "OPTICAL was evaluated on seven language pairs.",
        "Model X scores 0.5 nDCG@10 and 0.6 R@100 on SciFact.",  # two metrics: not guessed at
    ],
)
def test_no_quantity_where_none_is_stated_unambiguously(text: str) -> None:
    assert extract_quantity(text) is None


def test_measurement_detection_ignores_cutoffs_and_versions() -> None:
    assert has_measurement("scores 0.789 on TREC-COVID")
    assert has_measurement("a 13.7% improvement")
    assert not has_measurement("nDCG@10 improves on BEIR v1.0 tasks")
    assert not has_measurement("seven language pairs")


def test_kinds() -> None:
    q = extract_quantity("COCO-DR Base model achieves an nDCG@10 score of 0.789 on the TREC-COVID dataset.")
    assert claim_kind("COCO-DR Base model achieves…", q) == "numeric"
    assert claim_kind("CAL significantly outperforms strong baselines.", None, ["OPTICAL"]) == "effect"
    assert claim_kind("The loss in OPTICAL is defined as the Frobenius inner product.", None, ["OPTICAL"]) == "method"
    assert claim_kind("The relevant judgments in WikiCLIR are synthetic.", None, ["OPTICAL"]) == "background"


def test_describe() -> None:
    absolute = extract_quantity("COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.350 on the BioASQ set.")
    assert describe(absolute) == "COCO-DR Base (without iDRO): nDCG@10 = 0.350 on BioASQ"
    relative = extract_quantity(
        "Our model achieved a 13.7% improvement in MAP over BM25 on low-resource languages.", "Y"
    )
    assert describe(relative) == "Y: AP +13.7% vs BM25 on low-resource languages"


def _read(text: str, name: str | None = None) -> dict:
    q = read_quantity(text, name).quantity
    assert q is not None, read_quantity(text, name).note
    return q.model_dump(exclude_none=True, exclude={"kind"}) | {"kind": q.kind}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a range, with an en dash (normalised) or a hyphen, with or without "between"
            "COCO-DR Base scores between 0.42\u20130.45 nDCG@10 on BioASQ.",
            {"low": 0.42, "high": 0.45, "value": 0.435, "decimals": 2, "unit": "score", "dataset": "BioASQ"},
        ),
        ("COCO-DR Base scores 0.42-0.45 nDCG@10 on BioASQ.", {"low": 0.42, "high": 0.45, "kind": "absolute"}),
        ("COCO-DR Base achieves an nDCG@10 between 0.42 and 0.45 on BioASQ.", {"low": 0.42, "high": 0.45}),
        ("The nDCG@10 of COCO-DR ranges from 0.42 to 0.45 on BioASQ.", {"low": 0.42, "high": 0.45}),
        (  # a stated deviation
            "COCO-DR Base achieves an nDCG@10 of 0.789±0.004 on TREC-COVID.",
            {"value": 0.789, "deviation": 0.004, "subject": "COCO-DR Base", "dataset": "TREC-COVID"},
        ),
        ("COCO-DR Base achieves an nDCG@10 of 0.789 (± 0.004) on TREC-COVID.", {"value": 0.789, "deviation": 0.004}),
        ("COCO-DR Base achieves an nDCG@10 of 0.789 +/- 0.004 on TREC-COVID.", {"value": 0.789, "deviation": 0.004}),
        (  # percent vs fraction: the unit is recorded
            "COCO-DR Base achieves an nDCG@10 of 78.9% on TREC-COVID.",
            {"value": 78.9, "unit": "percent", "decimals": 1},
        ),
        ("COCO-DR Base achieves an nDCG@10 of 78.9 on TREC-COVID.", {"value": 78.9, "unit": "percent"}),
        ("COCO-DR Base achieves nDCG@10 of 79 on TREC-COVID.", {"value": 79.0, "unit": "percent", "decimals": 0}),
        (  # "X points" and "from A to B": an absolute change, checked against its end points
            "COCO-DR improves nDCG@10 by 2.3 points (from 46.1% to 48.4%) on BEIR.",
            {
                "kind": "absolute-change",
                "value": 2.3,
                "unit": "percent",
                "from_value": 46.1,
                "to_value": 48.4,
                "subject": "COCO-DR",
                "metric": "nDCG@10",
                "dataset": "BEIR",
            },
        ),
        ("iDRO adds 2.3 pp of nDCG@10 over the model without it.", {"kind": "absolute-change", "value": 2.3}),
        (
            "COCO-DR is 2.3 points higher than BM25 on BEIR in nDCG@10.",
            {"kind": "absolute-change", "value": 2.3, "baseline": "BM25", "dataset": "BEIR", "subject": "COCO-DR"},
        ),
        (
            "COCO-DR raises nDCG@10 from 0.461 to 0.484 on BEIR.",
            {"kind": "absolute-change", "value": 0.023, "unit": "score", "from_value": 0.461, "to_value": 0.484},
        ),
        (  # relative improvements with their baseline
            "COCO-DR improves nDCG@10 on BioASQ by 21.5% over the model without iDRO.",
            {
                "kind": "relative-change",
                "value": 21.5,
                "baseline": "model without iDRO",
                "subject": "COCO-DR",
                "dataset": "BioASQ",
                "unit": "percent",
            },
        ),
        (
            "OPTICAL achieves a relative improvement of 13.7% in MAP over NMT on low-resource languages.",
            {
                "kind": "relative-change",
                "value": 13.7,
                "metric": "AP",
                "baseline": "NMT",
                "setting": "low-resource languages",
            },
        ),
        (  # "outperforms X by Y on D"
            "COCO-DR outperforms BM25 by 3.2 points on BEIR.",
            {"kind": "absolute-change", "value": 3.2, "baseline": "BM25", "dataset": "BEIR", "subject": "COCO-DR"},
        ),
        (
            "COCO-DR outperforms BM25 by 5% in nDCG@10 on BEIR.",
            {"kind": "relative-change", "value": 5.0, "baseline": "BM25", "dataset": "BEIR", "metric": "nDCG@10"},
        ),
        ("COCO-DR outperforms BM25 by 0.023 nDCG@10 on BEIR.", {"kind": "absolute-change", "unit": "score"}),
        ("BM25 trails COCO-DR by 3.2 points on BEIR.", {"value": -3.2, "baseline": "COCO-DR", "subject": "BM25"}),
        (  # a "%" the end points show to be percentage points
            "COCO-DR improves nDCG@10 by 2.3% (from 46.1% to 48.4%) on BEIR.",
            {"kind": "absolute-change", "value": 2.3, "unit": "percent"},
        ),
        ("COCO-DR improves nDCG@10 by 5.0% (from 46.1% to 48.4%) on BEIR.", {"kind": "relative-change", "value": 5.0}),
        ("On BEIR, COCO-DR Base achieves an nDCG@10 of 0.462.", {"subject": "COCO-DR Base", "dataset": "BEIR"}),
        ("COCO-DR Base's nDCG@10 on TREC-COVID is 0.789.", {"subject": "COCO-DR Base", "dataset": "TREC-COVID"}),
        ("The nDCG@10 of COCO-DR Base on TREC-COVID is 0.789.", {"subject": "COCO-DR Base", "value": 0.789}),
        (
            "With iDRO, COCO-DR Base reaches 0.789 nDCG@10 on TREC-COVID.",
            {"subject": "COCO-DR Base", "condition": "with iDRO"},
        ),
        (
            "COCO-DR yields a 2.3-point gain in nDCG@10 over BM25 on BEIR.",
            {"kind": "absolute-change", "value": 2.3, "baseline": "BM25"},
        ),
    ],
)
def test_every_common_form(text: str, expected: dict) -> None:
    got = _read(text)
    assert {k: got.get(k) for k in expected} == expected


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("COCO-DR improves nDCG@10 by 9.9% (from 46.1% to 48.4%) on BEIR.", "disagree"),
        ("COCO-DR drops nDCG@10 from 0.48 to 0.50 on BEIR.", "other way"),
        ("COCO-DR outperforms BM25 with an nDCG@10 of 0.462 on BEIR.", "comparison"),
        ("COCO-DR Base achieves an nDCG@10 of 178.9 on TREC-COVID.", "out of range"),
        ("COCO-DR Base achieves an nDCG@10 of -0.5 on TREC-COVID.", "out of range"),
        ("COCO-DR Base achieves 0.789 on TREC-COVID.", "names no metric"),
        ("Model X scores 0.5 nDCG@10 and 0.6 R@100 on SciFact.", "2 metrics"),
        ("COCO-DR scores 0.462 nDCG@10 on BEIR and 0.789 on TREC-COVID.", "2 numbers"),
        ("COCO-DR improves retrieval by 2.3 on BEIR.", "no unit and no metric"),
        ("COCO-DR Base achieves an nDCG@10 of " + "9" * 400 + " on TREC-COVID.", "more digits"),
        ("COCO-DR Base achieves an nDCG@10 of 0." + "7" * 30 + " on TREC-COVID.", "more digits"),
    ],
)
def test_a_number_that_cannot_be_read_gets_no_quantity_and_a_note(text: str, note: str) -> None:
    reading = read_quantity(text)
    assert reading.quantity is None
    assert reading.note is not None and note in reading.note


def test_a_number_beyond_floats_is_a_note_not_a_traceback(tmp_path) -> None:
    from claimcheck.ingest.build import ingest_reports
    from claimcheck.ingest.parse import parse_text
    from claimcheck.models import ClaimRegistry

    huge = "COCO-DR Base model achieves an nDCG@10 score of " + "9" * 400 + ".5 on the TREC-COVID dataset."
    registry, summary = ingest_reports(ClaimRegistry(), [parse_text(rf.synthesis_report([(huge, "✓", "0.5")]), "r")])
    (claim,) = registry.claims
    assert claim.quantity is None and "more digits" in (claim.quantity_note or "")
    assert (summary.numeric, summary.with_quantity) == (1, 0)


def test_a_percent_reading_is_noted_on_the_claim() -> None:
    from claimcheck.ingest.build import ingest_reports
    from claimcheck.ingest.parse import parse_text
    from claimcheck.models import ClaimRegistry

    row = ("COCO-DR Base model achieves an nDCG@10 score of 78.9 on the TREC-COVID dataset.", "✓", "0.5")
    (claim,) = ingest_reports(ClaimRegistry(), [parse_text(rf.synthesis_report([row]), "r")])[0].claims
    assert (claim.quantity.value, claim.quantity.unit) == (78.9, "percent")
    assert "read as percent" in claim.quantity_note
    assert claim.id == "coco-dr-base-ndcg10-trec-covid"


def test_describe_new_forms() -> None:
    assert describe(extract_quantity("COCO-DR Base scores 0.42-0.45 nDCG@10 on BioASQ.")) == (
        "COCO-DR Base: nDCG@10 = 0.42..0.45 on BioASQ"
    )
    assert describe(extract_quantity("COCO-DR outperforms BM25 by 3.2 points in nDCG@10 on BEIR.")) == (
        "COCO-DR: nDCG@10 +3.2 points vs BM25 on BEIR"
    )


_PIECES = [
    "COCO-DR",
    " ",
    "by",
    "from",
    "to",
    "between",
    "and",
    "over",
    "than",
    "points",
    "pp",
    "%",
    "±",
    "-",
    "(",
    ")",
    "0.42",
    "46.1",
    "7",
    "1e5",
    "nDCG@10",
    "MAP",
    "R@5",
    "improves",
    "outperforms",
    "drops",
    "higher",
    "gain",
    "of",
    "on",
    "BEIR",
    "without",
    "With",
    ".",
    "achieves",
    "a",
    "relative",
    "On",
    ",",
    "9" * 40,
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join))
def test_reading_any_mix_of_number_words_never_raises(text: str) -> None:
    reading = read_quantity(text)
    q = reading.quantity
    if q is not None:  # whatever is read is a valid, finite record
        assert Quantity.model_validate(q.model_dump()) == q
    elif has_measurement(text):
        assert reading.note, text
