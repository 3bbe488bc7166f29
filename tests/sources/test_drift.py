"""Topic drift judged from the paper's own text, on reports written here about the seeds' three papers.

The papers' texts (tests/support/drift_papers.py) are our own summaries (an "abstract" and a "full text" of a
few sentences each), written for these tests; they are not the papers' words. Each paper gets questions that
drift from it without any modality cue (benchmarks it never uses, one released after it, a language setting it
does not have) and questions that match it. Drift must be flagged; a matching question must never be
(undecided is allowed when only the abstract is cached and the question names something the abstract does not).
"""

from __future__ import annotations

import pytest
from drift_papers import COCO_DR, GCL, OPTICAL, with_full_text

from claimcheck.sources.drift import PaperText, question_names, topic_drift


def title_only(paper: PaperText) -> PaperText:
    """The paper as when nothing of it is cached: its title (from the catalogue), its date (from its id)."""
    return PaperText(title=paper.title, published=paper.published, method_names=paper.method_names)


# (paper, question, needs the full text to be flagged)
DRIFTING = [
    (OPTICAL, "Does optimal transport distillation improve cross-lingual question answering accuracy on XQuAD?", False),
    (OPTICAL, "Can OPTICAL close the gap between high- and low-resource languages on MLQA?", False),
    (OPTICAL, "Does OPTICAL improve multilingual FAQ retrieval on WebFAQ?", False),
    (OPTICAL, "Does optimal transport alignment improve multilingual task-oriented semantic parsing on MTOP?", False),
    (OPTICAL, "Does OPTICAL improve multilingual machine translation quality on Multi30k?", False),
    (OPTICAL, "Does OPTICAL improve cross-lingual retrieval on the Aurora Legal benchmark?", True),
    (COCO_DR, "Does iDRO make dense retrievers robust to code-switched queries on MIRACL?", False),
    (COCO_DR, "Does COCO-DR improve retrieval for queries in many languages on Mr. TyDi?", False),
    (COCO_DR, "Does continuous contrastive pretraining help zero-shot retrieval on LoTTE?", True),
    (COCO_DR, "Does COCO-DR improve passage ranking on the TREC DL 2019 queries?", True),
    (GCL, "Does GCL improve text passage ranking on MS MARCO and BEIR?", False),
    (GCL, "Does GCL improve composed image retrieval on the Sketchy benchmark?", True),
]
MATCHING = [
    (
        OPTICAL,
        "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages over NMT?",
    ),
    (OPTICAL, "Does OPTICAL improve MAP on WikiCLIR for low-resource languages?"),
    (
        OPTICAL,
        "Can distillation from a monolingual retriever with bitext alone improve CLIR for low-resource languages?",
    ),
    (COCO_DR, "Does iDRO improve zero-shot nDCG@10 on BEIR datasets such as TREC-COVID and BioASQ?"),
    (COCO_DR, "Does continuous contrastive pretraining on target corpora improve zero-shot dense retrieval over BM25?"),
    (COCO_DR, "Does COCO-DR's implicit DRO improve zero-shot dense retrieval on BEIR?"),
    (GCL, "Does contrastive learning across all modalities improve multimodal retrieval on M-BEIR?"),
    (GCL, "Does GCL improve Recall@5 of CLIP and VISTA on M-BEIR and MMEB?"),
    (GCL, "Does generalized contrastive learning help TinyCLIP on CoVR composed video retrieval?"),
]


@pytest.mark.parametrize(("paper", "question", "needs_full_text"), DRIFTING, ids=[q for _, q, _ in DRIFTING])
def test_text_only_drift_is_flagged(paper: PaperText, question: str, needs_full_text: bool) -> None:
    with_text = topic_drift(question, with_full_text(paper))
    assert with_text.ok is False, with_text.detail
    assert "looked for" in with_text.detail or "images" in with_text.detail
    for less in (paper, title_only(paper)):  # the abstract, or nothing but the title, cached
        judged = topic_drift(question, less)
        assert judged.ok is (None if needs_full_text else False), judged.detail


@pytest.mark.parametrize(("paper", "question"), MATCHING, ids=[q for _, q in MATCHING])
def test_matching_questions_are_never_flagged(paper: PaperText, question: str) -> None:
    assert topic_drift(question, with_full_text(paper)).ok is True
    assert topic_drift(question, paper).ok is not False
    assert topic_drift(question, title_only(paper)).ok is not False


def test_the_flag_names_the_words_looked_for_and_where() -> None:
    drift = topic_drift("Does OPTICAL improve multilingual FAQ retrieval on WebFAQ?", OPTICAL)
    assert "WebFAQ was released in 2025, after the paper (2023)" in drift.detail
    assert "looked for WebFAQ in the paper's title and abstract" in drift.detail
    unknown = topic_drift("Does OPTICAL help on the Aurora Legal benchmark?", with_full_text(OPTICAL))
    assert "Aurora Legal is not mentioned in the paper" in unknown.detail
    assert "looked for Aurora Legal in the paper's title, abstract and full text (9 pages)" in unknown.detail


def test_a_suite_names_its_parts_and_a_spelled_out_acronym_counts() -> None:
    found = topic_drift("Does iDRO improve nDCG@10 on SciFact and DRO-style training?", COCO_DR)
    assert found.ok is True and "SciFact (via BEIR)" in found.detail and "spelled out" in found.detail


def test_names_come_from_the_question_not_only_from_the_list() -> None:
    names = question_names(
        "RQ2: Do BLIP-2 and PaLI beat BM25 on the Aurora Legal benchmark, the XYZBench suite and NQ?", ("GCL",)
    )
    assert [n.text for n in names] == ["Natural Questions", "BLIP-2", "PaLI", "BM25", "XYZBench", "Aurora Legal"]
    assert names[0].benchmark is not None and all(n.benchmark is None for n in names[1:])
    metrics = question_names("Does it raise nDCG@10, R@1, MAP and Recall@100?")
    assert metrics == []


def test_the_modality_check_is_kept() -> None:
    drift = topic_drift("Does COCO-DR improve image-text retrieval on Flickr30k?", COCO_DR)
    assert drift.ok is False and "images/multimodal" in drift.detail and "Flickr30k" in drift.detail


def test_an_overlong_question_is_not_judged() -> None:
    drift = topic_drift("Does XQuAD " * 1000 + "help?", OPTICAL)
    assert drift.ok is None and "not judged" in drift.detail
