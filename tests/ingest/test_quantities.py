"""Quantity extraction from claim text."""

from __future__ import annotations

import pytest

from claimcheck.ingest.kinds import claim_kind
from claimcheck.ingest.quantities import describe, extract_quantity, has_measurement


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
