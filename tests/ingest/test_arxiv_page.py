"""arXiv abstract pages saved as text."""

from __future__ import annotations

from datetime import date

import pytest
import report_fixtures as rf

from claimcheck.ingest.arxiv_page import split_sentences
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_text


def test_page_fields() -> None:
    parsed = parse_text(rf.ARXIV_PAGE, "page.txt")
    r = parsed.report
    assert (r.kind, r.layout) == ("arxiv-abstract", "arxiv-abstract")
    assert r.title == "Generalized Contrastive Learning for Universal Multimodal Retrieval"
    assert r.authors == ["Jungsoo Lee", "Janghoon Cho", "Sungha Choi"]
    assert r.arxiv is not None and r.arxiv.versioned_id == "2509.25638v1"
    assert r.date == date(2025, 9, 30)
    assert r.comments == "Accepted to NeurIPS 2025"
    assert r.subjects == ["Computer Vision and Pattern Recognition (cs.CV)", "Machine Learning (cs.LG)"]
    assert r.abstract is not None and r.abstract.startswith("Despite") and r.abstract.endswith("all modalities.")


def test_result_sentences_become_claims_background_does_not() -> None:
    parsed = parse_text(rf.ARXIV_PAGE, "page.txt")
    texts = [m.text for m in parsed.mentions]
    assert len(texts) == 2
    assert texts[0].startswith("Despite their consistent performance improvements") and "degraded" in texts[0]
    assert texts[1].startswith("To overcome these limitations") and "without the burdensome need" in texts[1]
    assert all(m.tick is None and m.confidence is None for m in parsed.mentions)
    abstract_line = rf.ARXIV_PAGE.split("\n").index(next(x for x in rf.ARXIV_PAGE.split("\n") if x.startswith("Abs")))
    assert {m.line for m in parsed.mentions} == {abstract_line + 1}


def test_abbreviations_do_not_split_sentences() -> None:
    assert split_sentences("Models (e.g. CLIP) fail. Others, i.e. VISTA, work.") == [
        "Models (e.g. CLIP) fail.",
        "Others, i.e. VISTA, work.",
    ]


def test_page_without_abstract_text_is_an_error() -> None:
    page = rf.ARXIV_PAGE.replace("Abstract:Despite", "Abstract:\n\nDespite")
    with pytest.raises(IngestError, match="Abstract"):
        parse_text(page, "page.txt")
