"""Checks of a report against itself and its sources: topic drift, reference relevance, methodology figures.

`check_report(report, claims, paper)` returns one ReportCheck per check; `ok` is True (passes), False (flagged)
or None (cannot be judged here, e.g. no research question or nothing cached), and `detail` says why.
`examined_paper(report, claims)` finds what the cache holds of the paper the report examines (metadata from
the arXiv API or a saved abstract page, a PDF's full text); topic drift is judged against that (see `drift`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from pydantic import Field

from claimcheck.models import Claim, Record, Report, SourceRef
from claimcheck.sources.cache import PaperMetadata, find_pdf, load_metadata
from claimcheck.sources.drift import PaperText
from claimcheck.sources.drift import topic_drift as _topic_drift
from claimcheck.sources.text import coverage, key, normalise

# A reference whose title+abstract shares less than this fraction of any claim's content words is unrelated.
REFERENCE_RELEVANCE = 0.25
_NEW_STYLE_ID = re.compile(r"^(?P<yy>\d{2})(?P<mm>\d{2})\.\d{4,5}$")


class ReportCheck(Record):
    name: str = Field(description="topic-drift, references-relevance, references-cached, methodology-claims, …")
    ok: bool | None = Field(description="True passes, False flagged, None cannot be judged here")
    detail: str


def topic_drift(question: str, paper: PaperText) -> ReportCheck:
    drift = _topic_drift(question, paper)
    return ReportCheck(name="topic-drift", ok=drift.ok, detail=drift.detail)


def _drift_check(report: Report, paper: PaperText | None) -> ReportCheck:
    if not report.research_question:
        return ReportCheck(name="topic-drift", ok=None, detail="the report states no research question")
    if paper is None:
        return ReportCheck(name="topic-drift", ok=None, detail="no examined paper to compare the question with")
    check = topic_drift(report.research_question, paper)
    if paper.notes:
        check.detail += f" ({'; '.join(paper.notes)})"
    if not paper.abstract and not paper.full_text:
        check.detail += " (judged from the title only: neither the paper's metadata nor its PDF is cached)"
    return check


def _pdf_pages(ref: SourceRef) -> tuple[list[str], str | None]:
    """The non-empty page texts of the cached PDF of `ref` (none cached: []), and why not when it is unreadable."""
    from claimcheck.sources.pdf import PdfError, load_pdf

    pdf, _ = find_pdf(ref)
    if pdf is None:
        return [], None
    try:
        return [t for t in load_pdf(pdf).page_texts if t], None
    except PdfError as exc:
        return [], f"PDF unreadable: {exc}"


def _reference_text(ref: SourceRef) -> tuple[str, str] | None:
    """(title, text) of a cached reference: its metadata's title and abstract, else its PDF's first page."""
    meta = load_metadata(ref.arxiv_id)
    if meta is not None:
        return meta.title, f"{meta.title}. {meta.abstract}"
    pages, _ = _pdf_pages(ref)
    return ("", pages[0]) if pages else None


def _reference_checks(report: Report, claims: list[Claim]) -> list[ReportCheck]:
    if not report.references:
        return [ReportCheck(name="references-relevance", ok=None, detail="the report lists no references")]
    cached = {ref.versioned_id: _reference_text(ref) for ref in report.references}
    missing = [r for r, text in cached.items() if text is None]
    checks = [
        ReportCheck(
            name="references-cached",
            ok=None if missing else True,  # absent from the cache is unknown, not a fault of the report
            detail=f"not in the cache: {', '.join(missing)} (run `claimcheck sources fetch` or `sources add`)"
            if missing
            else f"all {len(cached)} references resolved",
        )
    ]
    texts = [c.completed_text or c.text for c in claims]
    if not texts:
        checks.append(ReportCheck(name="references-relevance", ok=None, detail="the report has no claims"))
        return checks
    unrelated, scored = [], 0
    for ref_id, found in cached.items():
        if found is None:
            continue
        scored += 1
        title, paper = found
        best = max(coverage(t, paper) for t in texts)
        if best < REFERENCE_RELEVANCE and not (title and _claims_name_method(title, texts)):
            unrelated.append(f"{ref_id} ({title or 'PDF, first page'!r}, best claim overlap {best:.0%})")
    if not scored:
        checks.append(ReportCheck(name="references-relevance", ok=None, detail="no reference is cached"))
    elif unrelated:
        detail = f"unrelated to every claim: {'; '.join(unrelated)}"
        checks.append(ReportCheck(name="references-relevance", ok=False, detail=detail))
    else:
        detail = f"each of {scored} cached reference(s) is named by a claim or shares ≥ {REFERENCE_RELEVANCE:.0%}"
        detail += " of a claim's words"
        checks.append(ReportCheck(name="references-relevance", ok=True, detail=detail))
    return checks


def _claims_name_method(title: str, texts: list[str]) -> bool:
    """A claim names the paper's method: an acronym of its title ("COCO-DR", "OPTICAL") occurs in a claim."""
    acronyms = {key(a) for a in re.findall(r"\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*\b", normalise(title))}
    joined = [key(t) for t in texts]
    return any(len(a) >= 3 and any(a in t for t in joined) for a in acronyms)


def _methodology_checks(report: Report, claims: list[Claim]) -> list[ReportCheck]:
    m = report.methodology
    rows = [mention for c in claims for mention in c.mentions if mention.report == report.id]
    ticks = sum(1 for mention in rows if mention.tick)
    checks = []
    if m.claims_extracted is not None:
        ok = m.claims_extracted == len(rows)
        checks.append(
            ReportCheck(
                name="methodology-claims",
                ok=ok,
                detail=f"says {m.claims_extracted} claims extracted; its table has {len(rows)}",
            )
        )
    if m.claims_verified is not None:
        ok = m.claims_verified == ticks
        checks.append(
            ReportCheck(
                name="methodology-verified",
                ok=ok,
                detail=f"says {m.claims_verified} independently verified; its table ticks {ticks} (✓)",
            )
        )
    if m.papers_retrieved is not None and report.references:
        n = len(report.references)
        checks.append(
            ReportCheck(
                name="methodology-papers",
                # Retrieved papers need not all be cited: fewer references is worth showing, not a failure.
                ok=True if n >= m.papers_retrieved else None,
                detail=f"says {m.papers_retrieved} papers retrieved; lists {n} reference(s)"
                + ("" if n >= m.papers_retrieved else f" (the other {m.papers_retrieved - n} cannot be checked)"),
            )
        )
    if not checks:
        checks.append(ReportCheck(name="methodology-claims", ok=None, detail="the report gives no methodology figures"))
    return checks


def _published(arxiv_id: str, meta: PaperMetadata | None) -> date | None:
    """The paper's first version's date: from its metadata, else from a new-style id (2301.12566: January 2023)."""
    if meta is not None and meta.published is not None:
        return meta.published.date()
    match = _NEW_STYLE_ID.match(arxiv_id)
    return date(2000 + int(match["yy"]), int(match["mm"]), 1) if match and 1 <= int(match["mm"]) <= 12 else None


def paper_text(arxiv_id: str, title: str | None = None) -> PaperText:
    """What the cache holds of a paper: metadata (the API's or a saved abstract page's) and a PDF's full text."""
    from claimcheck.ingest.papers import catalogue

    meta = load_metadata(arxiv_id)
    known = next((p for p in catalogue() if p.arxiv_id == arxiv_id), None)
    paper = PaperText(
        title=meta.title if meta else (known.title if known else title or arxiv_id),
        abstract=meta.abstract if meta else "",
        published=_published(arxiv_id, meta),
        method_names=tuple(known.method_names) if known else (),
    )
    pages, unreadable = _pdf_pages(SourceRef(arxiv_id=arxiv_id))
    paper.full_text, paper.pages = " ".join(pages), len(pages)
    paper.notes += [unreadable] if unreadable else []
    return paper


def _examined_id(report: Report, claims: list[Claim] | None) -> str | None:
    """The examined paper's arXiv id: the report's own, else the reference whose cached title is the examined
    title, else the known paper of that title, else the source most of the report's claims cite."""
    from claimcheck.ingest.papers import find_paper

    if report.arxiv is not None:
        return report.arxiv.arxiv_id
    want = key(report.examined_paper or "")
    best: tuple[float, str | None] = (0.0, None)
    for ref in report.references:
        meta = load_metadata(ref.arxiv_id)
        if meta is None or not want:
            continue
        if key(meta.title) == want:
            return ref.arxiv_id
        overlap = coverage(report.examined_paper or "", meta.title)
        if overlap > best[0]:
            best = (overlap, ref.arxiv_id)
    if best[0] >= 0.8:
        return best[1]
    known = find_paper(report.examined_paper)
    if known is not None:
        return known.arxiv_id
    cited = Counter(
        s.arxiv_id for c in claims or [] if any(m.report == report.id for m in c.mentions) for s in c.sources
    )
    return cited.most_common(1)[0][0] if cited else None


def examined_paper(report: Report, claims: list[Claim] | None = None) -> PaperText | None:
    """What the cache holds of the paper the report examines; its title alone when nothing is cached."""
    arxiv_id = _examined_id(report, claims)
    if arxiv_id is not None:
        return paper_text(arxiv_id, report.examined_paper)
    return PaperText(title=report.examined_paper) if report.examined_paper else None


def check_report(report: Report, claims: list[Claim], paper: PaperText | None) -> list[ReportCheck]:
    """All report checks. `claims` may be the whole registry: only this report's mentions are counted."""
    mine = [c for c in claims if any(m.report == report.id for m in c.mentions)]
    return [_drift_check(report, paper), *_reference_checks(report, mine), *_methodology_checks(report, mine)]


def reference_ids(report: Report) -> list[SourceRef]:
    return list(report.references) + ([report.arxiv] if report.arxiv else [])


__all__ = ["PaperText", "ReportCheck", "check_report", "examined_paper", "paper_text", "reference_ids", "topic_drift"]
