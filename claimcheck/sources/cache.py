"""The paper cache: `papers_dir()/<arxiv_id>/metadata.json` and `<arxiv_id>v<N>.pdf`, nothing else.

The cache is the only thing evidence reads, so an offline machine works from whatever was fetched (or added
with `claimcheck sources add`) elsewhere. Old-style ids ("cs/0112017") keep their slash in the id and use
"_" in the directory name.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import Field

from claimcheck.home import papers_dir, read_model, safe_child, write_model
from claimcheck.models import Record, SourceRef

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"(?<![a-z.-])[a-z][a-z.-]*/\d{7}"  # the look-behind: a run of letters is scanned once, not per offset
_ID = re.compile(
    rf"(?:arxiv[:\s]*|arxiv\.org/(?:abs|pdf)/)?({_NEW_ID}|{_OLD_ID})(?:v(\d{{1,3}})(?!\d))?(?:\.pdf)?", re.IGNORECASE
)


class PaperMetadata(Record):
    """What the arXiv API says about a paper (its latest version unless `version` says otherwise)."""

    arxiv_id: str = Field(description="identifier without version")
    version: int = Field(ge=1, description="the version this metadata describes (the latest when fetched)")
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    published: datetime | None = Field(default=None, description="date of v1")
    updated: datetime | None = Field(default=None, description="date of `version`")
    versions: list[int] = Field(default_factory=list, description="versions that exist (1..latest)")
    categories: list[str] = Field(default_factory=list)
    pdf_url: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    fetched_at: datetime | None = None
    source: str = Field(default="arxiv-api", description="arxiv-api, or 'manual' for `sources add` without one")


def parse_arxiv_id(text: str) -> SourceRef:
    """'2210.15212v2', 'arXiv:2210.15212', 'http://arxiv.org/abs/2210.15212v2' → SourceRef; ValueError otherwise."""
    match = _ID.search(text.strip())
    if not match:
        raise ValueError(f"not an arXiv identifier: {text!r}")
    return SourceRef(arxiv_id=match.group(1), version=int(match.group(2)) if match.group(2) else None)


def paper_dir(arxiv_id: str) -> Path:
    return safe_child(papers_dir(), arxiv_id.replace("/", "_"))


def metadata_path(arxiv_id: str) -> Path:
    return paper_dir(arxiv_id) / "metadata.json"


def pdf_path(arxiv_id: str, version: int) -> Path:
    return safe_child(paper_dir(arxiv_id), f"{arxiv_id.replace('/', '_')}v{version}.pdf")


def load_metadata(arxiv_id: str) -> PaperMetadata | None:
    path = metadata_path(arxiv_id)
    return read_model(path, PaperMetadata) if path.is_file() else None


def save_metadata(meta: PaperMetadata) -> Path:
    path = metadata_path(meta.arxiv_id)
    write_model(path, meta)
    return path


def cached_pdf_versions(arxiv_id: str) -> list[int]:
    prefix = arxiv_id.replace("/", "_")
    found = []
    for path in paper_dir(arxiv_id).glob(f"{prefix}v*.pdf") if paper_dir(arxiv_id).is_dir() else []:
        m = re.fullmatch(rf"{re.escape(prefix)}v(\d+)\.pdf", path.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def find_pdf(ref: SourceRef) -> tuple[Path | None, str]:
    """The cached PDF for a reference: its own version if cached, else the newest cached one (and a note)."""
    versions = cached_pdf_versions(ref.arxiv_id)
    if not versions:
        return None, f"no PDF of {ref.versioned_id} in the cache"
    if ref.version in versions:
        return pdf_path(ref.arxiv_id, ref.version), ""
    chosen = versions[-1]
    note = f"cited v{ref.version}, using cached v{chosen}" if ref.version else ""
    return pdf_path(ref.arxiv_id, chosen), note


def cached_ids() -> list[str]:
    root = papers_dir()
    ids = []
    for child in sorted(root.iterdir()):
        if child.is_dir() and ((child / "metadata.json").is_file() or any(child.glob("*.pdf"))):
            ids.append(child.name.replace("_", "/"))
    return ids
