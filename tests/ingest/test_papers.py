"""Tying an examined paper's title to a known arXiv paper."""

from __future__ import annotations

from claimcheck.ingest.papers import catalogue, find_paper, source_for
from claimcheck.models import SourceRef


def test_catalogue_holds_the_three_source_papers() -> None:
    assert {p.arxiv_id: p.name for p in catalogue()} == {
        "2210.15212": "COCO-DR",
        "2301.12566": "OPTICAL",
        "2509.25638": "GCL",
    }


def test_titles_match_after_normalisation_and_small_drift() -> None:
    assert find_paper("generalized contrastive learning for universal multimodal retrieval").arxiv_id == "2509.25638"
    drifted = (
        "Improving Cross-lingual Information Retrieval on Low Resource Languages via Optimal Transport Distillation"
    )
    assert find_paper(drifted).arxiv_id == "2301.12566"
    assert find_paper("Contrastive Learning for Universal Retrieval") is None
    assert find_paper(None) is None


def test_source_takes_the_version_the_report_cites() -> None:
    paper = find_paper(
        "COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and "
        "Distributionally Robust Learning"
    )
    refs = [SourceRef(arxiv_id="2601.18190", version=1), SourceRef(arxiv_id="2210.15212", version=2)]
    assert source_for(paper, refs).versioned_id == "2210.15212v2"
    assert source_for(paper, []).versioned_id == "2210.15212"
