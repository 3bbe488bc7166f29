"""Tie a report's examined paper (a title) to an arXiv id: the bundled catalogue, then the local paper cache."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import Field

from claimcheck.models import Record, SourceRef


class KnownPaper(Record):
    arxiv_id: str
    title: str
    name: str | None = Field(default=None, description="the method's short name, e.g. COCO-DR")
    aliases: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list, description="other names of the method or its parts")

    @property
    def method_names(self) -> list[str]:
        return [n for n in (self.name, *self.terms) if n]


def normalise_title(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


@lru_cache(maxsize=1)
def catalogue() -> tuple[KnownPaper, ...]:
    text = resources.files("claimcheck.ingest").joinpath("papers.yaml").read_text(encoding="utf-8")
    return tuple(KnownPaper.model_validate(entry) for entry in yaml.safe_load(text) or [])


def _cached_papers() -> list[KnownPaper]:
    """Titles from the sources cache (`papers_dir()/<id>/metadata.json`), when it exists; skipped otherwise."""
    from claimcheck.home import home_dir

    root = home_dir() / "papers"
    papers: list[KnownPaper] = []
    if not root.is_dir():
        return papers
    for meta in sorted(root.glob("*/metadata.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            arxiv_id = str(data.get("arxiv_id") or meta.parent.name)
            title = str(data["title"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a damaged cache entry is the sources stage's business; it only costs us a match here
        papers.append(KnownPaper(arxiv_id=re.sub(r"v\d+$", "", arxiv_id), title=title))
    return papers


# Titles in reports drift a little (a dropped "COCO-DR:", a changed article); below this word overlap they are
# different papers.
TITLE_MATCH_MIN = 0.85


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def find_paper(title: str | None) -> KnownPaper | None:
    """The known paper with this title: exact after normalisation, else the closest above TITLE_MATCH_MIN."""
    if not title:
        return None
    wanted = normalise_title(title)
    best, best_score = None, TITLE_MATCH_MIN
    for paper in (*catalogue(), *_cached_papers()):
        names = {normalise_title(t) for t in (paper.title, *paper.aliases)}
        if wanted in names:
            return paper
        score = max(_overlap(wanted, n) for n in names)
        if score >= best_score:
            best, best_score = paper, score
    return best


def source_for(paper: KnownPaper, references: list[SourceRef]) -> SourceRef:
    """The paper as the report cites it: with the version its reference list gives, if it lists the paper."""
    version = next((r.version for r in references if r.arxiv_id == paper.arxiv_id and r.version), None)
    return SourceRef(arxiv_id=paper.arxiv_id, version=version, title=paper.title)
