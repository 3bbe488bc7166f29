"""arXiv fetching against a fake HTTP layer that answers with recorded Atom feeds; nothing reaches the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from claimcheck.home import NETWORK_ENV, network_allowed, read_model
from claimcheck.models import SourceRef
from claimcheck.sources.arxiv_client import ArxivFetcher, FetchStatus, add_pdf
from claimcheck.sources.cache import PaperMetadata, load_metadata, metadata_path, parse_arxiv_id, pdf_path
from claimcheck.sources.net import PoliteSession, RateLimiter
from claimcheck.sources.pdf import PdfError
from claimcheck.sources.synthetic import atom_entry, atom_feed

COCO = atom_entry(
    "2210.15212",
    2,
    "COCO-DR: Combating Distribution Shifts in\n   Zero-Shot Dense Retrieval",
    "Dense retrievers lose accuracy under distribution shift.",
    authors=("Yue Yu", "Chenyan Xiong"),
)
OPTICAL = atom_entry(
    "2301.12566", 1, "Improving Cross-lingual Information Retrieval", "Optimal transport distillation."
)


@dataclass
class Response:
    status_code: int
    content: bytes = b""


@dataclass
class FakeSession:
    """Answers API queries with `feed`; PDF requests with `pdf_answers[id]` in turn (the last one repeats)."""

    feed: bytes = b""
    pdf_answers: dict[str, list[Response]] = field(default_factory=dict)
    api_error: Exception | None = None
    urls: list[str] = field(default_factory=list)

    def get(self, url: str, **_: object) -> Response:
        self.urls.append(url)
        if "/api/query" in url:
            if self.api_error:
                raise self.api_error
            return Response(200, self.feed)
        name = url.rsplit("/", 1)[-1]
        answers = self.pdf_answers.get(name, [Response(404)])
        return answers.pop(0) if len(answers) > 1 else answers[0]


def fetcher(session: FakeSession, sleeps: list[float] | None = None) -> ArxivFetcher:
    return ArxivFetcher(session=session, offline=False, retries=2, sleep=(sleeps if sleeps is not None else []).append)


def test_metadata_and_cited_pdf_version_into_the_cache(paper_pdf: Path) -> None:
    session = FakeSession(atom_feed([COCO]), {"2210.15212v1": [Response(200, paper_pdf.read_bytes())]})
    outcomes = fetcher(session).fetch([SourceRef(arxiv_id="2210.15212", version=1)])
    assert [(o.metadata, o.pdf) for o in outcomes] == [(FetchStatus.FETCHED, FetchStatus.FETCHED)]
    meta = read_model(metadata_path("2210.15212"), PaperMetadata)
    assert meta.title == "COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval"
    assert meta.authors == ["Yue Yu", "Chenyan Xiong"]
    assert (meta.version, meta.versions) == (2, [1, 2])
    assert meta.published is not None and meta.published.year == 2022
    assert pdf_path("2210.15212", 1).read_bytes() == paper_pdf.read_bytes()
    assert any("id_list=2210.15212" in u for u in session.urls)
    # A second run is served from the cache without a single request.
    again = FakeSession()
    assert fetcher(again).fetch([SourceRef(arxiv_id="2210.15212", version=1)])[0].pdf == FetchStatus.CACHED
    assert again.urls == []


def test_latest_version_when_the_reference_has_none(paper_pdf: Path) -> None:
    session = FakeSession(atom_feed([COCO]), {"2210.15212v2": [Response(200, paper_pdf.read_bytes())]})
    fetcher(session).fetch([SourceRef(arxiv_id="2210.15212")])
    assert pdf_path("2210.15212", 2).is_file()


def test_retries_then_reports_failure_without_stopping_others(paper_pdf: Path) -> None:
    sleeps: list[float] = []
    session = FakeSession(
        atom_feed([COCO, OPTICAL]),
        {
            "2210.15212v2": [Response(503), Response(200, paper_pdf.read_bytes())],
            "2301.12566v1": [Response(500)],
        },
    )
    outcomes = {o.ref: o for o in fetcher(session, sleeps).fetch([
        SourceRef(arxiv_id="2210.15212", version=2),
        SourceRef(arxiv_id="2301.12566", version=1),
        SourceRef(arxiv_id="2401.00001", version=1),
    ])}  # fmt: skip
    assert outcomes["2210.15212v2"].pdf == FetchStatus.FETCHED
    assert outcomes["2301.12566v1"].metadata == FetchStatus.FETCHED
    assert outcomes["2301.12566v1"].pdf == FetchStatus.ERROR
    assert "failed after 3 tries (HTTP 500)" in outcomes["2301.12566v1"].detail
    assert outcomes["2401.00001v1"].metadata == FetchStatus.UNRESOLVED
    assert sleeps == [2.0, 2.0, 4.0]  # exponential back-off between tries


def test_api_failure_is_an_outcome_not_an_exception() -> None:
    session = FakeSession(api_error=requests.exceptions.ConnectionError("no route"))
    (outcome,) = fetcher(session).fetch([SourceRef(arxiv_id="2210.15212", version=2)])
    assert outcome.metadata == FetchStatus.ERROR and "ConnectionError" in outcome.detail
    assert len(session.urls) == 3  # the arxiv client's own retries


def test_bad_answers_are_errors(paper_pdf: Path) -> None:
    session = FakeSession(atom_feed([COCO]), {"2210.15212v2": [Response(200, b"<html>captcha</html>")]})
    (outcome,) = fetcher(session).fetch([SourceRef(arxiv_id="2210.15212", version=2)])
    assert outcome.pdf == FetchStatus.ERROR and "not a PDF" in outcome.detail
    (missing_version,) = fetcher(FakeSession()).fetch([SourceRef(arxiv_id="2210.15212", version=7)])
    assert missing_version.pdf == FetchStatus.UNRESOLVED and "latest v2" in missing_version.detail


def test_offline_requests_nothing_and_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NETWORK_ENV, raising=False)
    assert not network_allowed()
    session = FakeSession(atom_feed([COCO]))
    offline = ArxivFetcher(session=session)
    assert offline.offline
    (outcome,) = offline.fetch([SourceRef(arxiv_id="2210.15212", version=2)])
    assert (outcome.metadata, outcome.pdf) == (FetchStatus.MISSING, FetchStatus.MISSING)
    assert "CLAIMCHECK_NETWORK=1" in outcome.detail
    assert session.urls == []
    monkeypatch.setenv(NETWORK_ENV, "1")
    assert network_allowed() and not ArxivFetcher(session=session).offline


def test_rate_limiter_keeps_three_seconds_between_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 1.0
    limiter.wait()
    now[0] += 5.0
    limiter.wait()
    assert slept == [pytest.approx(2.0)]


def test_polite_session_sets_a_timeout_and_waits_on_the_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}
    waits: list[int] = []

    def fake_request(self, method, url, *args, **kwargs):
        seen.update(kwargs, url=url)
        return Response(200)

    monkeypatch.setattr(requests.Session, "request", fake_request)
    limiter = RateLimiter()
    monkeypatch.setattr(limiter, "wait", lambda: waits.append(1))
    PoliteSession(limiter, timeout=12.5).get("https://export.arxiv.org/api/query?id_list=1")
    assert seen["timeout"] == 12.5 and waits == [1]


@pytest.mark.parametrize(
    ("text", "arxiv_id", "version"),
    [
        ("2210.15212v2", "2210.15212", 2),
        ("arXiv:2301.12566", "2301.12566", None),
        ("http://arxiv.org/abs/2509.25638v1", "2509.25638", 1),
        ("https://arxiv.org/pdf/2210.15212v2.pdf", "2210.15212", 2),
        ("cs/0112017v1", "cs/0112017", 1),
    ],
)
def test_parse_arxiv_id(text: str, arxiv_id: str, version: int | None) -> None:
    assert parse_arxiv_id(text) == SourceRef(arxiv_id=arxiv_id, version=version)


def test_add_pdf_checks_the_file_and_uses_the_version(tmp_path: Path, paper_pdf: Path) -> None:
    path = add_pdf(SourceRef(arxiv_id="2210.15212", version=2), paper_pdf)
    assert path == pdf_path("2210.15212", 2) and path.is_file()
    assert load_metadata("2210.15212") is None
    bad = tmp_path / "x.pdf"
    bad.write_text("not a pdf")
    with pytest.raises(PdfError):
        add_pdf(SourceRef(arxiv_id="2301.12566"), bad)
    assert not pdf_path("2301.12566", 1).exists()
