"""An arXiv abstract page saved as text, cached as its paper's metadata (`claimcheck sources add ID page.txt`).

On a machine without network the page a user saved is the only record of a paper's title, authors, abstract and
date; with it cached, the report checks judge drift from the abstract and resolve the reference. Metadata the
arXiv API gave is never replaced by a page (the API's is the record of the latest version).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from claimcheck.ingest.arxiv_page import ArxivPage, read_arxiv_page
from claimcheck.ingest.normalise import normalise
from claimcheck.ingest.text import read_report
from claimcheck.models import SourceRef
from claimcheck.sources.cache import PaperMetadata, load_metadata, metadata_path, save_metadata

SOURCE = "abstract-page"
_CATEGORY = re.compile(r"\(([a-z-]+(?:\.[A-Za-z-]+)?)\)|^([a-z-]+\.[A-Za-z-]+)$")


class PageError(ValueError):
    """The file is not an abstract page of the paper it is added as; the message names the file."""


def _moment(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _categories(subjects: list[str]) -> list[str]:
    """ "Information Retrieval (cs.IR)" → cs.IR; the text record's "cs.IR" stays."""
    found = (_CATEGORY.search(s.strip()) for s in subjects)
    return [m.group(1) or m.group(2) for m in found if m]


def page_metadata(ref: SourceRef, page: ArxivPage, file: str) -> PaperMetadata:
    """The page as the cache's record of `ref`; PageError when the page is another paper's."""
    if page.ref is not None and page.ref.arxiv_id != ref.arxiv_id:
        raise PageError(f"{file}: the page is arXiv:{page.ref.arxiv_id}, not {ref.arxiv_id}")
    version = (page.ref.version if page.ref else None) or ref.version or 1
    return PaperMetadata(
        arxiv_id=ref.arxiv_id,
        version=version,
        title=page.title,
        authors=page.authors,
        abstract=page.abstract,
        published=_moment(page.submitted),
        updated=_moment(page.updated),
        versions=list(range(1, max([version, *page.versions]) + 1)),
        categories=_categories(page.subjects),
        comment=page.comments,
        journal_ref=page.journal_ref,
        doi=page.doi,
        source=SOURCE,
    )


def add_abstract_page(ref: SourceRef, file: str | Path) -> tuple[Path, bool]:
    """Cache the page at `file` as the metadata of `ref`: (path, True), or (path, False) when the arXiv API's
    metadata is already there and is kept. IngestError for a file that is not text, PageError for a text that is
    not an abstract page of `ref`."""
    existing = load_metadata(ref.arxiv_id)
    if existing is not None and existing.source == "arxiv-api":
        return metadata_path(ref.arxiv_id), False
    page = read_arxiv_page(normalise(read_report(file)), str(file))
    if page is None:
        raise PageError(f"{file}: neither a PDF nor an arXiv abstract page (no 'Title:' and 'Abstract:' fields)")
    return save_metadata(page_metadata(ref, page, str(file))), True
