"""The sources / evidence / check-reports commands, offline, on a registry and cache written by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import report_fixtures as rf
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.home import evidence_dir, read_model
from claimcheck.models import Claim as ClaimModel
from claimcheck.models import ClaimRegistry, EvidenceResult, Mention, Methodology, Quantity, Report, SourceRef
from claimcheck.registry import save_registry
from claimcheck.sources import arxiv_client
from claimcheck.sources.cache import PaperMetadata, load_metadata, pdf_path, save_metadata
from claimcheck.sources.synthetic import atom_entry, atom_feed, example_pages, write_pdf

runner = CliRunner()
COCO = SourceRef(arxiv_id="2210.15212", version=2)
BROKEN = SourceRef(arxiv_id="2301.12566", version=1)
ABSENT = SourceRef(arxiv_id="2509.25638", version=1)


@pytest.fixture(autouse=True)
def _lexical_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_EMBEDDINGS", "0")
    monkeypatch.delenv("CLAIMCHECK_NETWORK", raising=False)


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "paper.pdf", example_pages())


def claim(cid: str, subject: str, value: float, dataset: str, source: SourceRef, condition: str | None = None):
    q = Quantity(subject=subject, metric="nDCG@10", value=value, decimals=3, dataset=dataset, condition=condition)
    mention = Mention(report="report-1", text=f"{subject} {value} on {dataset}", tick=True)
    return ClaimModel(id=cid, text=mention.text, kind="numeric", sources=[source], quantity=q, mentions=[mention])


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    report = Report(
        id="report-1",
        kind="synthesis",
        file="000.txt",
        layout="markdown",
        title="Contrastive pretraining for cross-modal retrieval",
        research_question="Can contrastive learning improve cross-modal retrieval on the COCO text-image benchmark?",
        examined_paper="COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval",
        methodology=Methodology(claims_extracted=4, claims_verified=1),
        references=[COCO, ABSENT],
    )
    claims = [
        claim("right", "COCO-DR Base", 0.789, "TREC-COVID", COCO),
        claim("neighbour", "COCO-DR Base", 0.763, "TREC-COVID", COCO, condition="without iDRO"),
        claim("broken-pdf", "OPTICAL", 0.25, "en-sw", BROKEN),
        claim("absent", "GCL", 0.5, "M-BEIR", ABSENT),
        ClaimModel(id="method", text="The implicit robust optimization does not require group labels.", sources=[COCO]),
    ]
    path = tmp_path / "claims.yaml"
    save_registry(ClaimRegistry(reports=[report], claims=claims), path)
    return path


def test_add_list_and_reject_a_broken_pdf(paper: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sources", "add", "2210.15212v2", str(paper)])
    assert result.exit_code == 0, result.output
    assert pdf_path("2210.15212", 2).is_file()
    listed = runner.invoke(app, ["sources", "list"])
    assert "2210.15212" in listed.output and "v2" in listed.output
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really")
    refused = runner.invoke(app, ["sources", "add", "2301.12566", str(bad)])
    assert refused.exit_code == 1 and "not a readable PDF" in refused.output
    assert runner.invoke(app, ["sources", "add", "not-an-id", str(paper)]).exit_code == 1


def test_fetch_offline_names_what_is_missing(registry: Path) -> None:
    result = runner.invoke(app, ["sources", "fetch", "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    assert "offline" in result.output
    for ref in ("2210.15212v2", "2509.25638v1", "2301.12566v1"):
        assert ref in result.output
    assert "0 of 3 complete" in result.output


def test_fetch_online_through_the_http_layer(monkeypatch: pytest.MonkeyPatch, paper: Path) -> None:
    class Session:
        def get(self, url: str, **_: object):
            body = atom_feed([atom_entry("2210.15212", 2, "COCO-DR", "Abstract.")])
            return type("R", (), {"status_code": 200, "content": body if "api/query" in url else paper.read_bytes()})

    monkeypatch.setenv("CLAIMCHECK_NETWORK", "1")
    monkeypatch.setattr(arxiv_client, "PoliteSession", Session)
    result = runner.invoke(app, ["sources", "fetch", "--paper", "2210.15212v2"])
    assert result.exit_code == 0, result.output
    assert "fetched" in result.output and pdf_path("2210.15212", 2).is_file()


def test_evidence_offline_on_the_cache(registry: Path, paper: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["sources", "add", "2210.15212v2", str(paper)]).exit_code == 0
    broken = pdf_path("2301.12566", 1)
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"%PDF-1.4\n%%EOF")  # e.g. a download cut short
    out = tmp_path / "evidence.json"
    result = runner.invoke(app, ["evidence", "--registry", str(registry), "--json", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["claim_id"]: r for r in json.loads(out.read_text())}
    assert rows["right"]["verdict"] == "supported"
    assert rows["method"]["verdict"] == "supported" and "embeddings switched off" in rows["method"]["note"]
    assert rows["neighbour"]["verdict"] == "contradicted"
    assert "row TREC-COVID, column COCO-DR Base / -COCO = 0.763" in rows["neighbour"]["note"]
    assert rows["broken-pdf"]["verdict"] == "not-found" and "PDF unreadable" in rows["broken-pdf"]["note"]
    assert rows["absent"]["verdict"] == "not-found" and "2509.25638v1" in rows["absent"]["note"]
    assert {"page", "text"} <= set(rows["right"]["evidence"][0])
    assert "missing sources (offline)" in result.output and "2509.25638v1" in result.output
    assert read_model(evidence_dir() / "neighbour.json", EvidenceResult).verdict == "contradicted"
    one = runner.invoke(app, ["evidence", "right", "--registry", str(registry)])
    assert one.exit_code == 0 and "1 supported" in one.output
    assert runner.invoke(app, ["evidence", "nope", "--registry", str(registry)]).exit_code == 1


def test_check_reports_flags_drift_and_methodology(registry: Path) -> None:
    result = runner.invoke(app, ["check-reports", "--registry", str(registry)], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("topic-drift" in line and "flagged" in line for line in lines)
    assert any("methodology-verified" in line and "flagged" in line for line in lines)  # says 1, ticks 4
    assert any("methodology-claims" in line and "ok" in line for line in lines)


def test_add_an_abstract_page_as_the_papers_metadata(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_RENDERINGS["classic"])
    result = runner.invoke(app, ["sources", "add", "2210.15212", str(page)])
    assert result.exit_code == 0, result.output
    meta = load_metadata("2210.15212")
    assert (meta.title, meta.version, meta.source) == (rf.COCO_TITLE, 2, "abstract-page")
    assert meta.abstract == rf.COCO_ABSTRACT and meta.authors[0] == "Yue Yu"
    assert meta.published.date().isoformat() == "2022-10-27" and meta.categories == ["cs.IR", "cs.CL"]
    assert "COCO-DR" in runner.invoke(app, ["sources", "list"]).output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (rf.ARXIV_PAGE, "the page is arXiv:2509.25638, not 2210.15212"),
        ("just some notes\n", "neither a PDF nor an arXiv abstract page"),
        ("<html><body>Title: x</body></html>", "HTML"),
    ],
)
def test_add_refuses_a_page_of_another_paper_or_no_page(tmp_path: Path, content: str, problem: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text(content)
    result = runner.invoke(app, ["sources", "add", "2210.15212", str(page)])
    assert result.exit_code == 1 and problem in result.output
    assert load_metadata("2210.15212") is None


def test_an_added_page_never_replaces_the_apis_metadata(tmp_path: Path) -> None:
    save_metadata(PaperMetadata(arxiv_id="2210.15212", version=2, title="From the API", abstract="A."))
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_RENDERINGS["classic"])
    result = runner.invoke(app, ["sources", "add", "2210.15212", str(page)])
    assert result.exit_code == 0 and "kept the arXiv API's metadata" in result.output
    assert load_metadata("2210.15212").title == "From the API"


def _checks(registry: Path) -> dict[str, str]:
    """check-reports runs (exit 0); its checks' details, read through the library (the table wraps them)."""
    from claimcheck.registry import load_registry
    from claimcheck.sources.report_checks import check_report, examined_paper

    assert runner.invoke(app, ["check-reports", "--registry", str(registry)]).exit_code == 0
    reg = load_registry(registry, check_experiments=False)
    (report,) = reg.reports
    checks = check_report(report, reg.claims, examined_paper(report, reg.claims))
    return {c.name: f"{c.ok} {c.detail}" for c in checks}


def test_check_reports_reads_a_cached_page_or_pdf_instead_of_the_title(registry: Path, tmp_path: Path) -> None:
    before = _checks(registry)
    assert "title only" in before["topic-drift"] and "2210.15212v2" in before["references-cached"]
    paper = write_pdf(tmp_path / "paper.pdf", example_pages())
    assert runner.invoke(app, ["sources", "add", "2210.15212v2", str(paper)]).exit_code == 0
    with_pdf = _checks(registry)
    assert "2210.15212v2" not in with_pdf["references-cached"]  # a cached PDF resolves the reference
    assert "full text" in with_pdf["topic-drift"] and "title only" not in with_pdf["topic-drift"]
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_RENDERINGS["classic"])
    assert runner.invoke(app, ["sources", "add", "2210.15212v2", str(page)]).exit_code == 0
    with_page = _checks(registry)
    assert "title and abstract" in with_page["topic-drift"] and with_page["topic-drift"].startswith("False")
