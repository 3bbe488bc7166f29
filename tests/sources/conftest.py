"""A synthetic source paper (text pages + a results table with a two-level header), written per test.

The wording and the numbers are invented for the tests; they are not the real paper's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimcheck.models import Claim, Quantity, SourceRef
from claimcheck.sources.cache import PaperMetadata, pdf_path, save_metadata
from claimcheck.sources.synthetic import SyntheticTable, write_pdf

PAPER_ID = "2210.15212"
PAPER_REF = SourceRef(arxiv_id=PAPER_ID, version=2)

ABSTRACT = (
    "Dense retrievers lose accuracy when the target corpus differs from their training data. "
    "COCO-DR introduces two training techniques: continuous contrastive pretraining on the target corpora "
    "(COCO) and implicit distributionally robust optimization (iDRO) during fine-tuning. "
    "On the BEIR benchmark COCO-DR improves zero-shot dense retrieval over strong baselines."
)

TABLE = SyntheticTable(
    caption="Table 2: nDCG@10 of COCO-DR variants on two BEIR datasets (synthetic values).",
    header=[
        ["", "COCO-DR Base", None, None, "COCO-DR Large", None],
        ["Dataset", "Full", "-iDRO", "-COCO", "Full", "-iDRO"],
    ],
    rows=[
        ["TREC-COVID", "0.789", "0.771", "0.763", "0.804", "0.797"],
        ["BioASQ", "0.429", "0.424", "0.353", "0.450", "0.441"],
    ],
)

PAGES: list = [
    "Introduction. " + ABSTRACT,
    [
        "Experiments. We evaluate every variant on TREC-COVID and BioASQ. Results are listed in Table 2.",
        TABLE,
        "Removing iDRO lowers accuracy on both datasets. Averaged over BEIR, COCO-DR Base scores 0.462 nDCG@10.",
    ],
    "Analysis. Continuous contrastive pretraining on the target corpora reduces the vocabulary mismatch "
    "between the source and target domains. The implicit robust optimization does not require group labels. "
    "Sparse retrieval remains a strong baseline on the shifted datasets in our experiments.",
]


def write_paper(path: Path) -> Path:
    return write_pdf(path, PAGES)


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
