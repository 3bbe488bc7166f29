"""arXiv abstract pages saved as text."""

from __future__ import annotations

from datetime import date

import pytest
import report_fixtures as rf
from hostile import BOUND_S, parse_seconds

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
    start = rf.ARXIV_PAGE.index("Abstract:")
    page = rf.ARXIV_PAGE[: start + len("Abstract:")] + "\n" + rf.ARXIV_PAGE[rf.ARXIV_PAGE.index("Comments:") :]
    with pytest.raises(IngestError, match="empty 'Abstract:' field") as err:
        parse_text(page, "page.txt")
    assert err.value.line == page.split("\n").index("Abstract:") + 1


@pytest.mark.parametrize("rendering", sorted(rf.ARXIV_RENDERINGS))
def test_every_rendering_gives_the_same_fields(rendering: str) -> None:
    parsed = parse_text(rf.ARXIV_RENDERINGS[rendering], f"{rendering}.txt")
    r = parsed.report
    assert r.kind == "arxiv-abstract"
    assert r.title == rf.COCO_TITLE
    assert r.abstract == rf.COCO_ABSTRACT
    assert r.authors[:2] in (["Yue Yu", "Chenyan Xiong"], ["Yue Yu (Georgia Institute of Technology)", "Chenyan Xiong"])
    assert [m.text for m in parsed.mentions] == split_sentences(rf.COCO_ABSTRACT)  # "… to improve …", "… outperforms …"
    if rendering == "no-id":
        assert r.arxiv is None and r.date is None
        assert parsed.warnings and "names no arXiv id" in parsed.warnings[0]
    else:
        assert r.arxiv is not None and r.arxiv.versioned_id == "2210.15212v2"
        assert r.date == date(2022, 10, 27)
        assert not parsed.warnings


def test_text_record_fields() -> None:
    r = parse_text(rf.ARXIV_RENDERINGS["record"], "record.txt").report
    assert r.subjects == ["cs.IR", "cs.CL", "cs.LG"] and r.comments == "EMNLP 2022 Main Conference"


def test_a_page_without_an_id_still_ingests_by_title_and_says_so() -> None:
    from claimcheck.ingest.build import ingest_reports
    from claimcheck.models import ClaimRegistry

    registry, summary = ingest_reports(ClaimRegistry(), [parse_text(rf.ARXIV_RENDERINGS["no-id"], "no-id.txt")])
    assert any("names no arXiv id" in w for w in summary.warnings)
    # the title is a known paper's: its claims still get the paper as their source
    assert [s.arxiv_id for s in registry.claims[0].sources] == ["2210.15212"]


def test_labels_inside_words_or_text_are_not_fields() -> None:
    page = rf.ARXIV_PAGE.replace("Title:", "Subtitle: none\n\nTitle:")
    page = page.replace("all modalities.", "all modalities. The Title: field of the paper is long.")
    r = parse_text(page, "page.txt").report
    assert r.abstract.endswith("The Title: field of the paper is long.")
    assert r.title.startswith("Generalized") and r.comments == "Accepted to NeurIPS 2025"


@pytest.mark.parametrize(
    "page",
    [
        "Title:" + " " * 200_000 + "x\nAbstract: y shows",
        "Title: t\nAuthors:" + "a, " * 50_000 + "\nAbstract: it improves",
        "Title: t\nAbstract: " + "x." * 100_000,
        "Title: t\nSubjects: " + "a-" * 100_000 + "\nAbstract: better",
        "Title: t\nAbstract: shows\n" + "arXiv:" + "1" * 100_000,
    ],
)
def test_hostile_pages_parse_in_bounded_time(page: str) -> None:
    assert parse_seconds(page) < BOUND_S
