"""PDF work is bounded inside the page work: hostile pages are refused before table detection, and the whole
reading runs in a child process with a deadline and a memory limit. The claim is then not-found, with why."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from hostile_pdfs import ruled_grid_pdf, tiny_spans_pdf

from claimcheck.models import Claim, EvidenceVerdict, Quantity, SourceRef
from claimcheck.sources.cache import pdf_path
from claimcheck.sources.evidence import check_claims
from claimcheck.sources.pdf import load_pdf, read_pdf_bounded

from .conftest import write_paper


def _claim_on(path: Path, arxiv_id: str) -> Claim:
    target = pdf_path(arxiv_id, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)
    q = Quantity(subject="COCO-DR Base", metric="nDCG@10", value=0.789, decimals=3, dataset="TREC-COVID")
    return Claim(id=f"c{arxiv_id}", text="COCO-DR Base reaches 0.789", kind="numeric",
                 sources=[SourceRef(arxiv_id=arxiv_id, version=1)], quantity=q)  # fmt: skip


@pytest.mark.parametrize(
    ("build", "reason"),
    [(tiny_spans_pdf, "characters, over the limit"),
     (ruled_grid_pdf, "drawing items, over the limit")],
)  # fmt: skip
def test_hostile_page_finishes_fast_and_the_claim_says_why(tmp_path: Path, build, reason: str) -> None:
    path = build(tmp_path / "hostile.pdf")
    assert path.stat().st_size < 200_000
    started = time.monotonic()
    result = check_claims([_claim_on(path, "2601.00001")], write=False)[0][0]
    assert time.monotonic() - started < 20  # it took PyMuPDF's table finder 200-300 s
    assert result.verdict == EvidenceVerdict.NOT_FOUND
    assert reason in result.note


def test_a_reading_past_its_deadline_is_stopped_and_not_cached(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "paper.pdf")
    parsed = read_pdf_bounded(path, deadline_s=0.05)  # the child cannot even start in 50 ms
    assert parsed.pages_read == 0 and "deadline" in parsed.notes[0]
    assert load_pdf(path, deadline_s=0.05).pages_read == 0
    assert not path.with_suffix(".parsed.json").exists()
    assert load_pdf(path).pages_read == 3  # with time enough it reads, and caches


def test_a_reading_past_its_memory_limit_fails_with_the_reason(tmp_path: Path) -> None:
    path = write_paper(tmp_path / "paper.pdf")
    parsed = read_pdf_bounded(path, memory_mb=40)  # too little to even import PyMuPDF
    assert parsed.pages_read == 0 and "40 MB limit" in parsed.notes[0]
