"""The near-duplicate rule: reworded copies merge; different numbers, datasets, subjects, conditions never do."""

from __future__ import annotations

import itertools

import pytest

from claimcheck.ingest.dedup import Deduplicator, features, same_statement
from claimcheck.ingest.parsed import is_truncated
from claimcheck.ingest.quantities import extract_quantity


def same(a: str, b: str, name: str | None = None) -> bool:
    """`name`: the examined paper's method, as ingest passes it ("the proposed method" resolves to it)."""
    fa, fb = features(a, is_truncated(a), name), features(b, is_truncated(b), name)
    return same_statement(fa, fb, extract_quantity(a, name), extract_quantity(b, name))


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


# The seeds' statement-level paraphrases (issue 2: one claim per distinct statement), verbatim from the reports.
OPTICAL_001 = "OPTICAL is a novel Optimal Transport-based knowledge distillation framework for low-resource CLIR task."
OPTICAL_002 = (
    "The paper presents OPTICAL, a novel Optimal Transport-based knowledge distillation framework for low-resource "
    "Cross-ling"
)
OPTICAL_003 = (
    "OPTICAL is a novel Optimal Transport-based knowledge distillation framework designed for low-resource "
    "Cross-lingual Info"
)
WIKICLIR_001 = (
    "WikiCLIR is a large cross-lingual retrieval collection based on the linked foreign language articles from "
    "Wikipedia page"
)
WIKICLIR_002 = (
    "Sasaki et al. proposed a large cross-lingual retrieval collection named WikiCLIR based on linked foreign "
    "language articles"
)
BITEXT_001 = (
    "OPTICAL only needs bitext data for distillation training, which is more feasible for low-resource languages."
)
BITEXT_002 = "OPTICAL only requires bitext data for distillation training."
MAP_001 = (
    "OPTICAL significantly outperforms several strong baseline methods on low-resource languages in terms of mean "
    "average pre"
)
MAP_002 = (
    "In terms of mean average precision (MAP), the proposed method significantly outperforms several strong "
    "baseline methods"
)
SEVEN_001 = (
    "OPTICAL was evaluated on seven language pairs for CLIR training and evaluation, including four low-resource "
    "languages from"
)
SEVEN_002 = "Experiments were performed on seven language pairs for CLIR training and evaluation."
FOUR = "The experimental dataset included four low-resource languages from diverse linguistic families."
THREE = "The experimental dataset included three medium or high-resource languages for comparison."
RELATIVE = (
    "The proposed method achieved a 13.7% improvement in MAP over a method based on neural machine translation on "
    "low-resource"
)
CAL = "CAL significantly outperforms strong baselines on low-resource languages, including neural machine translation."
JUDGMENTS = "The relevant judgments in WikiCLIR are synthetically generated based on mutual links across pages."
CREDIBLE = (
    "The relevant judgments in mMARCO are more credible than those in WikiCLIR because MS MARCO is generated from "
    "query logs."
)
MMARCO = (
    "mMARCO is a multilingual passage ranking dataset built by translating the queries and passages in MS MARCO "
    "into the target"
)
FORMULATES_LEARN = (
    "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem to learn from a "
    "well-trained model"
)
FORMULATES_COST = (
    "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem where the cost "
    "matrix is the c"
)

STATEMENT_MERGES = [
    (OPTICAL_001, OPTICAL_002),  # "the paper presents" framing; CLIR = cross-lingual information retrieval
    (OPTICAL_001, OPTICAL_003),  # "designed for"; a cut word ("Info") matches as a prefix
    (OPTICAL_002, OPTICAL_003),
    (WIKICLIR_001, WIKICLIR_002),  # author credit ("Sasaki et al. proposed … named")
    (BITEXT_001, BITEXT_002),  # needs = requires; the shorter is contained in the longer
    (MAP_001, MAP_002),  # MAP = mean average precision, "the proposed method" = OPTICAL, "pre…" cut
    (SEVEN_001, SEVEN_002),  # evaluated = experiments performed; the count "four" only in a later clause
]

STATEMENT_APART = [
    (FOUR, THREE),  # four / three (number words)
    (FOUR, SEVEN_001),
    (RELATIVE, MAP_001),  # a measurement (13.7 %) against a statement without one
    (RELATIVE, MAP_002),
    (RELATIVE, CAL),
    (CAL, MAP_001),  # CAL names the baseline (NMT); the other speaks of MAP over several baselines
    (CAL, MAP_002),
    (WIKICLIR_001, JUDGMENTS),  # the collection, its judgments, their credibility: three statements
    (WIKICLIR_002, JUDGMENTS),
    (JUDGMENTS, CREDIBLE),
    (WIKICLIR_001, CREDIBLE),
    (MMARCO, CREDIBLE),
    (MMARCO, WIKICLIR_001),
    (FORMULATES_LEARN, FORMULATES_COST),  # one prefix, two continuations: each says what the other does not
    (BITEXT_002, "OPTICAL only requires parallel data for distillation training."),
]


@pytest.mark.parametrize(("a", "b"), STATEMENT_MERGES)
def test_seed_paraphrases_merge(a: str, b: str) -> None:
    assert same(a, b, "OPTICAL") and same(b, a, "OPTICAL")


@pytest.mark.parametrize(("a", "b"), STATEMENT_APART)
def test_seed_statements_that_differ_stay_apart(a: str, b: str) -> None:
    assert not same(a, b, "OPTICAL") and not same(b, a, "OPTICAL")


GUARDS = [
    # numbers, written as words or digits, anywhere but a later clause's added count
    ("OPTICAL was evaluated on one language pair for CLIR.", "OPTICAL was evaluated on two language pairs for CLIR."),
    (
        "OPTICAL was evaluated on language pairs for CLIR training.",
        "OPTICAL was evaluated on 7 language pairs for CLIR training.",
    ),
    (SEVEN_001, SEVEN_001.replace("four", "three")),
    (
        "Method-1 improves retrieval on collection 0 of family 0.",
        "Method-1 improves retrieval on collection 0 of family 10.",
    ),
    (SEVEN_002, SEVEN_002[:-1] + ", reaching a MAP of 0.35."),  # a later clause may add a count, not a measurement
    # negation and what it negates
    (
        "GCL improves multimodal retrieval without new dataset curation.",
        "GCL improves multimodal retrieval with new dataset curation.",
    ),
    (
        "COCO-DR Base model without iDRO is robust to distribution shifts on BEIR.",
        "COCO-DR Base model without COCO is robust to distribution shifts on BEIR.",
    ),
    # a complete statement that is a small part of a long one
    ("OPTICAL needs bitext data.", BITEXT_001),
    (
        BITEXT_002,
        BITEXT_002[:-1] + ", whereas neural machine translation pipelines need large parallel corpora, "
        "careful tuning of the decoder and several days of training on many accelerators.",
    ),
]


@pytest.mark.parametrize(("a", "b"), GUARDS)
def test_guards_keep_statements_apart(a: str, b: str) -> None:
    assert not same(a, b, "OPTICAL") and not same(b, a, "OPTICAL")


def test_subjects_differ_when_reports_examine_different_methods() -> None:
    text = "The proposed method only needs bitext data for distillation training."
    assert same(text, BITEXT_002, "OPTICAL")
    fa, fb = features(text, False, "COCO-DR"), features(BITEXT_002, False, "OPTICAL")
    assert not same_statement(fa, fb) and not same_statement(fb, fa)


def test_rows_of_one_report_never_merge_but_a_repeated_row_does() -> None:
    dedup = Deduplicator()
    feats = [features(t, is_truncated(t), "OPTICAL") for t in (BITEXT_001, BITEXT_002, BITEXT_002)]
    assert [dedup.add(f, None, "report-a") for f in feats] == [0, 1, 1]
    assert dedup.add(feats[1], None, "report-b") == 1  # another report's same text: the same claim
    assert dedup.add(features(BITEXT_002, False, "OPTICAL"), None, None) == 1


def test_the_rule_is_symmetric() -> None:
    texts = [t for pair in STATEMENT_MERGES + STATEMENT_APART + GUARDS + MERGE + KEEP_APART for t in pair] + COCO
    for a, b in itertools.combinations(dict.fromkeys(texts), 2):
        assert same(a, b, "OPTICAL") == same(b, a, "OPTICAL"), (a, b)
