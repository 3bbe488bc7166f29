"""The synthetic source paper (`claimcheck.sources.synthetic.example_pages`) in each test's cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimcheck.models import Claim, Quantity, SourceRef
from claimcheck.sources.cache import PaperMetadata, pdf_path, save_metadata
from claimcheck.sources.synthetic import EXAMPLE_ABSTRACT as ABSTRACT
from claimcheck.sources.synthetic import example_pages, write_pdf

PAPER_ID = "2210.15212"
PAPER_REF = SourceRef(arxiv_id=PAPER_ID, version=2)


def write_paper(path: Path) -> Path:
    return write_pdf(path, example_pages())


@pytest.fixture(scope="session")
def paper_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_paper(tmp_path_factory.mktemp("paper") / "paper.pdf")


@pytest.fixture
def cached_paper(paper_pdf: Path) -> SourceRef:
    """The synthetic paper in this test's cache: metadata.json and 2210.15212v2.pdf."""
    save_metadata(
        PaperMetadata(
            arxiv_id=PAPER_ID,
            version=2,
            title="COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval",
            authors=["A. Author"],
            abstract=ABSTRACT,
            versions=[1, 2],
        )
    )
    target = pdf_path(PAPER_ID, 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(paper_pdf, target)
    return PAPER_REF


def numeric_claim(cid: str, subject: str, value: float, dataset: str, condition: str | None = None) -> Claim:
    text = f"{subject} model {'without ' + condition + ' ' if condition else ''}achieves {value} on {dataset}."
    q = Quantity(subject=subject, metric="nDCG@10", value=value, decimals=3, dataset=dataset)
    if condition:
        q.condition = f"without {condition}"
    return Claim(id=cid, text=text, kind="numeric", sources=[PAPER_REF], quantity=q)
