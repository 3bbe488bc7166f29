"""The near-duplicate rule: reworded copies merge; different numbers, datasets, subjects, conditions never do."""

from __future__ import annotations

import itertools

import pytest

from claimcheck.ingest.dedup import Deduplicator, features, same_statement
from claimcheck.ingest.parsed import is_truncated
from claimcheck.ingest.quantities import extract_quantity


def same(a: str, b: str) -> bool:
    fa, fb = features(a, is_truncated(a)), features(b, is_truncated(b))
    return same_statement(fa, fb, extract_quantity(a), extract_quantity(b))


MERGE = [
    (
        "The loss in OPTICAL is defined as the Frobenius inner product of the transportation plan and the cost matrix.",
        "The loss function in OPTICAL is defined as the Frobenius inner product of the transportation plan and the "
        "cost matrix.",
    ),
    (
        "Bonifacio et al. built a multilingual passage ranking dataset named mMARCO by translating queries and passages"
        " in MS MAR",
        "Bonifacio et al. built a multilingual passage ranking dataset named mMARCO by translating queries and passages"
        " in MS MARCO",
    ),
    (
        "The relevant judgments in mMARCO are more credible than WikiCLIR because MS MARCO is generated from "
        "query log.",
        "The relevant judgments in mMARCO are more credible than those in WikiCLIR because MS MARCO is generated from "
        "query logs.",
    ),
    (  # a cut mention and the whole sentence
        "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem to learn from a "
        "well-trained model",
        "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem to learn from a "
        "well-trained monolingual retrieval model.",
    ),
]

COCO = [
    "COCO-DR Base model achieves an nDCG@10 score of 0.789 on the TREC-COVID dataset.",
    "COCO-DR Large model achieves an nDCG@10 score of 0.771 on the TREC-COVID dataset.",
    "COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.763 on the TREC-COVID dataset.",
    "COCO-DR Base model achieves an nDCG@10 score of 0.429 on the BioASQ dataset.",
    "COCO-DR Large model achieves an nDCG@10 score of 0.424 on the BioASQ dataset.",
    "COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.353 on the BioASQ dataset.",
]

KEEP_APART = [
    # same words, one thing changed: the number, the dataset, the subject, the condition
    (COCO[0], COCO[0].replace("0.789", "0.771")),
    (COCO[0], COCO[0].replace("TREC-COVID", "BioASQ")),
    (COCO[0], COCO[0].replace("Base", "Large")),
    (COCO[0], COCO[0].replace("model achieves", "model without iDRO achieves")),
    (
        "The relevant judgments in WikiCLIR are synthetically generated based on mutual links across pages.",
        "The relevant judgments in mMARCO are synthetically generated based on mutual links across pages.",
    ),
    (
        "OPTICAL outperforms the baselines on low-resource languages.",
        "OPTICAL does not outperform the baselines on low-resource languages.",
    ),
]


@pytest.mark.parametrize(("a", "b"), MERGE)
def test_reworded_copies_merge(a: str, b: str) -> None:
    assert same(a, b) and same(b, a)


@pytest.mark.parametrize(("a", "b"), KEEP_APART)
def test_different_statements_stay_apart(a: str, b: str) -> None:
    assert not same(a, b) and not same(b, a)


def test_the_six_coco_dr_numbers_stay_six_claims() -> None:
    for a, b in itertools.combinations(COCO, 2):
        assert not same(a, b), (a, b)
    dedup = Deduplicator()
    for text in COCO + COCO:  # each stated twice, as two reports would
        dedup.add(features(text, False), extract_quantity(text))
    assert [len(c.members) for c in dedup.clusters] == [2] * 6


def test_clusters_follow_input_order() -> None:
    dedup = Deduplicator()
    texts = [MERGE[0][0], COCO[0], MERGE[0][1], COCO[1]]
    joined = [dedup.add(features(t, is_truncated(t)), extract_quantity(t)) for t in texts]
    assert joined == [0, 1, 0, 2]
