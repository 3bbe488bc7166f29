from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.models import Claim, Mention, Methodology, Report, SourceRef
from claimcheck.sources.cache import PaperMetadata, save_metadata
from claimcheck.sources.report_checks import PaperText, ReportCheck, check_report, examined_paper, topic_drift

from .conftest import ABSTRACT

TEXT_META = PaperMetadata(
    arxiv_id="2210.15212",
    version=2,
    title="COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval",
    abstract=ABSTRACT,
)
TEXT_PAPER = PaperText(title=TEXT_META.title, abstract=TEXT_META.abstract)
# Our own summary of a multimodal retrieval paper (not its abstract).
IMAGE_PAPER = PaperText(
    title="Generalized Contrastive Learning for Universal Multimodal Retrieval",
    abstract="A loss that contrasts images, captions and their fused embeddings within a batch improves "
    "multimodal retrieval of image-text keys on M-BEIR, MMEB and CoVR.",
)


def report(question: str | None, examined: str | None = None, **kw) -> Report:
    return Report(id="r1", kind="synthesis", file="r.txt", layout="markdown", title="T",
                  research_question=question, examined_paper=examined, **kw)  # fmt: skip


def named(checks: list[ReportCheck], name: str) -> ReportCheck:
    return next(c for c in checks if c.name == name)


def test_image_text_question_over_text_retrieval_paper_is_drift() -> None:
    q = "Does contrastive learning improve image–text retrieval on COCO and Flickr30k?"
    check = named(check_report(report(q), [], TEXT_PAPER), "topic-drift")
    assert check.ok is False
    assert "images/multimodal" in check.detail and "Flickr30k" in check.detail


def test_matching_reports_are_not_drift() -> None:
    text_q = "Does implicit distributionally robust optimization improve zero-shot dense retrieval on BEIR?"
    assert named(check_report(report(text_q), [], TEXT_PAPER), "topic-drift").ok is True
    image_q = "Does contrastive learning across all modalities improve multimodal retrieval on M-BEIR?"
    assert named(check_report(report(image_q), [], IMAGE_PAPER), "topic-drift").ok is True


def test_text_question_over_multimodal_paper_is_drift() -> None:
    check = topic_drift("Does it improve passage ranking on MS MARCO and BEIR?", IMAGE_PAPER)
    assert check.ok is False and "text retrieval" in check.detail


def test_without_metadata_the_title_is_used_and_said() -> None:
    r = report("Can it improve cross-modal retrieval on the COCO text-image benchmark?", TEXT_PAPER.title)
    check = named(check_report(r, [], examined_paper(r)), "topic-drift")
    assert check.ok is False and "title only" in check.detail
    assert named(check_report(report(None), [], None), "topic-drift").ok is None


def _seed_report(seeds_dir: Path, prefix: str) -> Report:
    from claimcheck.ingest.parse import parse_file

    (path,) = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    return parse_file(path).report


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_reports_drift_from_their_examined_papers(seeds_dir: Path, prefix: str) -> None:
    """000 asks about COCO text-image retrieval over COCO-DR; 001 about Flickr30k-Entities over OPTICAL."""
    r = _seed_report(seeds_dir, prefix)
    assert named(check_report(r, [], examined_paper(r)), "topic-drift").ok is False
    if prefix == "000":
        assert named(check_report(r, [], TEXT_PAPER), "topic-drift").ok is False


def test_seed_methodology_figures_checked_against_its_table(seeds_dir: Path) -> None:
    from claimcheck.ingest.parse import parse_file

    (path,) = sorted(seeds_dir.glob("002_*.txt"))
    parsed = parse_file(path)
    claims = [Claim(id=f"c{i}", text=m.text, mentions=[m]) for i, m in enumerate(parsed.mentions)]
    checks = check_report(parsed.report, claims, None)
    assert named(checks, "methodology-claims").ok is True  # "15 claims extracted", 15 rows
    assert named(checks, "methodology-verified").ok is True  # "12 independently verified", 12 ticks


def _claims(ticks: list[bool], report_id: str = "r1") -> list[Claim]:
    return [
        Claim(id=f"c{i}", text=f"COCO-DR claim number {i}.", mentions=[Mention(report=report_id, text="t", tick=t)])
        for i, t in enumerate(ticks)
    ]


def test_methodology_figures_that_disagree_with_the_table_are_flagged() -> None:
    r = report("q?", methodology=Methodology(claims_extracted=15, claims_verified=12, papers_retrieved=14))
    checks = check_report(r, _claims([True] * 9 + [False] * 6) + _claims([True] * 5, "other"), None)
    assert named(checks, "methodology-claims").ok is True
    verified = named(checks, "methodology-verified")
    assert verified.ok is False and "says 12" in verified.detail and "ticks 9" in verified.detail
    wrong_count = check_report(r, _claims([True] * 12), None)
    assert named(wrong_count, "methodology-claims").ok is False


def test_reference_relevance_uses_cached_metadata() -> None:
    save_metadata(TEXT_META)
    save_metadata(
        PaperMetadata(
            arxiv_id="2601.18190",
            version=1,
            title="Protein folding with lattice models",
            abstract="We fold proteins on cubic lattices with simulated annealing.",
        )
    )
    refs = [SourceRef(arxiv_id="2210.15212", version=2), SourceRef(arxiv_id="2601.18190", version=1),
            SourceRef(arxiv_id="2406.15306", version=1)]  # fmt: skip
    r = report("q?", TEXT_PAPER.title, references=refs)
    checks = check_report(r, _claims([True]), None)
    relevance = named(checks, "references-relevance")
    assert relevance.ok is False and "2601.18190v1" in relevance.detail and "2210.15212" not in relevance.detail
    cached = named(checks, "references-cached")
    assert cached.ok is None and "2406.15306v1" in cached.detail
    assert (examined_paper(r).title, examined_paper(r).abstract) == (TEXT_META.title, TEXT_META.abstract)
    # Without a matching title, the source the report's claims cite is the examined paper.
    untitled = report("q?", "A title no reference has", references=refs)
    assert examined_paper(untitled) == PaperText(title="A title no reference has")  # the title is all there is
    cited = [Claim(id="c", text="t", sources=[refs[0]], mentions=[Mention(report="r1", text="t")])]
    assert examined_paper(untitled, cited).abstract == TEXT_META.abstract
