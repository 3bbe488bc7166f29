"""arXiv metadata and PDFs into the paper cache, through the `arxiv` package and one polite HTTP session.

Every reference gets an outcome (cached, fetched, missing, unresolved, error); one failure never stops the rest.
Offline (the default unless CLAIMCHECK_NETWORK=1) nothing is requested and the outcome says what is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from claimcheck.home import atomic_write_bytes, network_allowed
from claimcheck.models import SourceRef
from claimcheck.sources.cache import (
    PaperMetadata,
    find_pdf,
    load_metadata,
    parse_arxiv_id,
    pdf_path,
    save_metadata,
)
from claimcheck.sources.net import PoliteSession

MAX_PDF_BYTES = 60_000_000  # the largest arXiv PDFs are tens of MB; anything bigger is not a paper
BATCH = 20  # ids per API request (the API accepts long id_lists; short pages keep one failure small)


class FetchStatus(StrEnum):
    CACHED = "cached"
    FETCHED = "fetched"
    MISSING = "missing"  # offline and not in the cache
    UNRESOLVED = "unresolved"  # the API does not know the id (or the cited version)
    ERROR = "error"


class FetchOutcome(BaseModel):
    ref: str
    metadata: FetchStatus
    pdf: FetchStatus | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.metadata in (FetchStatus.CACHED, FetchStatus.FETCHED) and self.pdf in (
            None,
            FetchStatus.CACHED,
            FetchStatus.FETCHED,
        )


class FetchError(Exception):
    """A download failed after its retries, or returned something that is not a PDF."""


def _metadata_from_result(result: Any) -> PaperMetadata:
    ref = parse_arxiv_id(result.entry_id)
    latest = ref.version or 1
    return PaperMetadata(
        arxiv_id=ref.arxiv_id,
        version=latest,
        title=" ".join(result.title.split()),
        authors=[str(a) if not hasattr(a, "name") else a.name for a in result.authors],
        abstract=" ".join((result.summary or "").split()),
        published=result.published,
        updated=result.updated,
        versions=list(range(1, latest + 1)),
        categories=list(result.categories or []),
        pdf_url=result.pdf_url,
        comment=result.comment or None,
        journal_ref=result.journal_ref or None,
        doi=result.doi or None,
        fetched_at=datetime.now(UTC),
    )


def versioned_pdf_url(meta: PaperMetadata, version: int) -> str:
    return f"https://arxiv.org/pdf/{meta.arxiv_id}v{version}"


class ArxivFetcher:
    """Fetch metadata (batched `id_list` queries) and PDFs into the cache.

    `session` is the HTTP layer (tests pass a fake); the `arxiv` client parses the Atom feed and retries.
    """

    def __init__(
        self,
        session: Any | None = None,
        retries: int = 3,
        offline: bool | None = None,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.offline = (not network_allowed()) if offline is None else offline
        self.session = session if session is not None else PoliteSession()
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep

    # ------------------------------------------------------------------------------------------ metadata

    def query_metadata(self, ids: list[str]) -> dict[str, PaperMetadata]:
        """Metadata for bare ids (latest version); ids the API does not return are absent from the result."""
        import arxiv

        # The rate limit lives in our session; the client's own delay would only double it.
        client = arxiv.Client(page_size=max(len(ids), 1), delay_seconds=0.0, num_retries=self.retries)
        client._session = self.session  # the arxiv client's HTTP layer: ours has the timeout and rate limit
        found: dict[str, PaperMetadata] = {}
        for result in client.results(arxiv.Search(id_list=ids, max_results=len(ids))):
            if "arxiv.org/abs/" not in result.entry_id:  # the API's error entries have an errors# id
                continue
            meta = _metadata_from_result(result)
            found[meta.arxiv_id] = meta
        return found

    # ------------------------------------------------------------------------------------------ PDFs

    def download_pdf(self, meta: PaperMetadata, version: int) -> Path:
        url = versioned_pdf_url(meta, version)
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                resp = self.session.get(url)
            except Exception as exc:  # network errors of any kind are retried, then reported
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            if resp.status_code == 404:
                raise FetchError(f"{url}: not found (404)")
            if resp.status_code != 200:
                last_error = f"HTTP {resp.status_code}"
                continue
            data = resp.content
            if not data.startswith(b"%PDF"):
                raise FetchError(f"{url}: the answer is not a PDF")
            if len(data) > MAX_PDF_BYTES:
                raise FetchError(f"{url}: {len(data)} bytes, over the {MAX_PDF_BYTES}-byte limit")
            path = pdf_path(meta.arxiv_id, version)
            atomic_write_bytes(path, data)
            return path
        raise FetchError(f"{url}: failed after {self.retries + 1} tries ({last_error})")

    # ------------------------------------------------------------------------------------------ the whole job

    def fetch(
        self,
        refs: Iterable[SourceRef],
        pdf: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> list[FetchOutcome]:
        """Bring each reference's metadata (and PDF of the cited version, else the latest) into the cache."""
        unique: dict[str, SourceRef] = {}
        for ref in refs:
            unique.setdefault(ref.versioned_id, ref)
        metas: dict[str, PaperMetadata] = {}
        query_errors: dict[str, str] = {}
        wanted = sorted({r.arxiv_id for r in unique.values()})
        to_query = [i for i in wanted if load_metadata(i) is None]
        if to_query and not self.offline:
            for start in range(0, len(to_query), BATCH):
                batch = to_query[start : start + BATCH]
                if progress:
                    progress(f"metadata for {', '.join(batch)}")
                try:
                    for arxiv_id, meta in self.query_metadata(batch).items():
                        save_metadata(meta)
                        metas[arxiv_id] = meta
                except Exception as exc:  # one failed page is reported for its ids; other pages go on
                    for arxiv_id in batch:
                        query_errors[arxiv_id] = f"{type(exc).__name__}: {exc}"
        return [self._outcome(ref, metas, query_errors, pdf, progress) for ref in unique.values()]

    def _outcome(
        self,
        ref: SourceRef,
        fresh: dict[str, PaperMetadata],
        query_errors: dict[str, str],
        pdf: bool,
        progress: Callable[[str], None] | None,
    ) -> FetchOutcome:
        name = ref.versioned_id
        if ref.arxiv_id in fresh:
            meta, meta_status = fresh[ref.arxiv_id], FetchStatus.FETCHED
        else:
            meta = load_metadata(ref.arxiv_id)
            meta_status = FetchStatus.CACHED
        if meta is None:
            if ref.arxiv_id in query_errors:
                return FetchOutcome(ref=name, metadata=FetchStatus.ERROR, detail=query_errors[ref.arxiv_id])
            if self.offline:
                return FetchOutcome(
                    ref=name,
                    metadata=FetchStatus.MISSING,
                    pdf=(FetchStatus.CACHED if find_pdf(ref)[0] else FetchStatus.MISSING) if pdf else None,
                    detail="offline (set CLAIMCHECK_NETWORK=1 to fetch, or `claimcheck sources add` a PDF)",
                )
            return FetchOutcome(ref=name, metadata=FetchStatus.UNRESOLVED, detail="arXiv has no paper with this id")
        if not pdf:
            return FetchOutcome(ref=name, metadata=meta_status)
        version = ref.version or max(meta.versions or [meta.version])
        if ref.version and meta.versions and ref.version not in meta.versions:
            detail = f"cited v{ref.version} does not exist (latest v{max(meta.versions)})"
            return FetchOutcome(ref=name, metadata=meta_status, pdf=FetchStatus.UNRESOLVED, detail=detail)
        if pdf_path(ref.arxiv_id, version).is_file():
            return FetchOutcome(ref=name, metadata=meta_status, pdf=FetchStatus.CACHED)
        if self.offline:
            return FetchOutcome(ref=name, metadata=meta_status, pdf=FetchStatus.MISSING, detail="offline: no PDF")
        if progress:
            progress(f"PDF {ref.arxiv_id}v{version}")
        try:
            self.download_pdf(meta, version)
        except FetchError as exc:
            return FetchOutcome(ref=name, metadata=meta_status, pdf=FetchStatus.ERROR, detail=str(exc))
        return FetchOutcome(ref=name, metadata=meta_status, pdf=FetchStatus.FETCHED)


def add_pdf(ref: SourceRef, file: str | Path) -> Path:
    """Import a PDF obtained elsewhere as `ref` (its version, else v1 or the cached metadata's latest)."""
    from claimcheck.sources.pdf import check_pdf

    data = Path(file).read_bytes()
    check_pdf(data, str(file))
    meta = load_metadata(ref.arxiv_id)
    version = ref.version or (meta.version if meta else 1)
    path = pdf_path(ref.arxiv_id, version)
    atomic_write_bytes(path, data)
    return path
