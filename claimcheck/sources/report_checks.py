"""Checks of a report against itself and its sources: topic drift, reference relevance, methodology figures.

`check_report(report, claims, paper)` returns one ReportCheck per check; `ok` is True (passes), False (flagged)
or None (cannot be judged here, e.g. no research question or nothing cached), and `detail` says why.

Topic drift compares facets of the research question with the examined paper's title and abstract:
- modality: image / video cues ("image–text", "cross-modal", "multimodal", Flickr30k, MS-COCO captions, CLIP …)
  on one side and none on the other;
- benchmarks: a benchmark the question names whose modality differs from the paper's.
Synthesis reports drift exactly this way: a question about image–text retrieval on COCO resting on COCO-DR, a
text retrieval paper that merely shares the name.
"""

from __future__ import annotations

import re
from collections import Counter

from pydantic import Field

from claimcheck.models import Claim, Record, Report, SourceRef
from claimcheck.sources.cache import PaperMetadata, load_metadata
from claimcheck.sources.text import coverage, key, normalise

# Cues that the text is about images or video (i.e. not text-only retrieval).
_VISUAL = re.compile(
    r"(?i)\b(images?|visual|vision|video|photos?|pictures?|captions?|captioning|multi-?modal|cross-?modal|"
    r"text[- ]to[- ]image|image[- ]to[- ]text|image[- ]text|text[- ]image|vision[- ]language|clip|blip-?2?|pali|"
    r"vista|ms-?coco|coco\s+(?:captions?|image|text-image|image-text)|flickr30k(?:-entities)?|m-?beir|mmeb|covr|"
    r"fashion200k|fashioniq|cirr|webqa|infoseek|oven|visualnews)\b"
)
# Benchmarks and the modality they test.
_BENCHMARKS: dict[str, tuple[str, str]] = {
    "Flickr30k": (r"flickr\s*30k(?:[- ]entities)?", "image"),
    "COCO (image-text)": (
        r"ms-?coco|coco\s+(?:captions?|image|text-image|image-text)|coco\s+\w+-\w+\s+retrieval",
        "image",
    ),
    "m-beir": (r"m-?beir", "image"),
    "mmeb": (r"mmeb", "image"),
    "covr": (r"covr", "image"),
    "beir": (r"(?<!m-)(?<!m)beir", "text"),
    "ms-marco": (r"ms\s*marco", "text"),
    "trec-covid": (r"trec-?covid", "text"),
    "bioasq": (r"bioasq", "text"),
    "wikiclir": (r"wikiclir", "text"),
    "mmarco": (r"mmarco", "text"),
    "clef": (r"clef", "text"),
    "xquad-r": (r"xquad-?r", "text"),
    "miracl": (r"miracl", "text"),
    "natural-questions": (r"natural\s+questions", "text"),
}
# A reference whose title+abstract shares less than this fraction of any claim's content words is unrelated.
REFERENCE_RELEVANCE = 0.25


class ReportCheck(Record):
    name: str = Field(description="topic-drift, references-relevance, references-cached, methodology-claims, …")
    ok: bool | None = Field(description="True passes, False flagged, None cannot be judged here")
    detail: str


def visual_cues(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in _VISUAL.finditer(normalise(text))})


def benchmarks(text: str) -> dict[str, str]:
    text = normalise(text)
    return {
        name: modality for name, (pattern, modality) in _BENCHMARKS.items() if re.search(rf"(?i)\b{pattern}\b", text)
    }


def topic_drift(question: str, paper_text: str, source: str) -> ReportCheck:
    q_visual, p_visual = visual_cues(question), visual_cues(paper_text)
    q_bench, p_bench = benchmarks(question), benchmarks(paper_text)
    paper_modality = "image" if p_visual else "text"
    problems = []
    if q_visual and not p_visual:
        problems.append(
            f"the question is about images/multimodal data ({', '.join(q_visual)}) but the examined paper's "
            f"{source} mentions no image, video or multimodal data"
        )
    elif p_visual and not q_visual and any(m == "text" for m in q_bench.values()):
        problems.append(
            f"the question is about text retrieval but the paper's {source} is multimodal ({', '.join(p_visual)})"
        )
    clashing = [b for b, m in q_bench.items() if m != paper_modality and b not in p_bench]
    if clashing:
        problems.append(f"the question's benchmark(s) {', '.join(clashing)} test a different modality than the paper")
    if problems:
        return ReportCheck(name="topic-drift", ok=False, detail="; ".join(problems))
    detail = f"the question and the paper's {source} agree on modality ({paper_modality})"
    shared = sorted(set(q_bench) & set(p_bench))
    if shared:
        detail += f" and benchmark(s) {', '.join(shared)}"
    return ReportCheck(name="topic-drift", ok=True, detail=detail)


def _drift_check(report: Report, paper: PaperMetadata | None) -> ReportCheck:
    if not report.research_question:
        return ReportCheck(name="topic-drift", ok=None, detail="the report states no research question")
    if paper is not None:
        return topic_drift(report.research_question, f"{paper.title}. {paper.abstract}", "title and abstract")
    if report.examined_paper:
        check = topic_drift(report.research_question, report.examined_paper, "title")
        check.detail += " (judged from the title only: the paper's metadata is not cached)"
        return check
    return ReportCheck(name="topic-drift", ok=None, detail="no examined paper to compare the question with")


def _reference_checks(report: Report, claims: list[Claim]) -> list[ReportCheck]:
    if not report.references:
        return [ReportCheck(name="references-relevance", ok=None, detail="the report lists no references")]
    metas = {ref.versioned_id: load_metadata(ref.arxiv_id) for ref in report.references}
    missing = [r for r, m in metas.items() if m is None]
    checks = [
        ReportCheck(
            name="references-cached",
            ok=None if missing else True,  # absent from the cache is unknown, not a fault of the report
            detail=f"not in the cache: {', '.join(missing)} (run `claimcheck sources fetch`)"
            if missing
            else f"all {len(metas)} references resolved",
        )
    ]
    texts = [c.completed_text or c.text for c in claims]
    if not texts:
        checks.append(ReportCheck(name="references-relevance", ok=None, detail="the report has no claims"))
        return checks
    unrelated, scored = [], 0
    for ref_id, meta in metas.items():
        if meta is None:
            continue
        scored += 1
        paper = f"{meta.title}. {meta.abstract}"
        best = max(coverage(t, paper) for t in texts)
        if best < REFERENCE_RELEVANCE and not _claims_name_method(meta.title, texts):
            unrelated.append(f"{ref_id} ({meta.title!r}, best claim overlap {best:.0%})")
    if not scored:
        checks.append(ReportCheck(name="references-relevance", ok=None, detail="no reference metadata is cached"))
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


def examined_paper(report: Report, claims: list[Claim] | None = None) -> PaperMetadata | None:
    """Cached metadata of the paper the report examines: its own arXiv id, else the reference whose title matches
    the examined title, else the source most of the report's claims cite (ingest ties claims to it)."""
    if report.arxiv is not None:
        return load_metadata(report.arxiv.arxiv_id)
    want = key(report.examined_paper or "")
    best: tuple[float, PaperMetadata | None] = (0.0, None)
    for ref in report.references:
        meta = load_metadata(ref.arxiv_id)
        if meta is None or not want:
            continue
        if key(meta.title) == want:
            return meta
        overlap = coverage(report.examined_paper or "", meta.title)
        if overlap > best[0]:
            best = (overlap, meta)
    if best[0] >= 0.8:
        return best[1]
    cited = Counter(
        s.arxiv_id for c in claims or [] if any(m.report == report.id for m in c.mentions) for s in c.sources
    )
    return load_metadata(cited.most_common(1)[0][0]) if cited else None


def check_report(report: Report, claims: list[Claim], paper: PaperMetadata | None) -> list[ReportCheck]:
    """All report checks. `claims` may be the whole registry: only this report's mentions are counted."""
    mine = [c for c in claims if any(m.report == report.id for m in c.mentions)]
    return [_drift_check(report, paper), *_reference_checks(report, mine), *_methodology_checks(report, mine)]


def reference_ids(report: Report) -> list[SourceRef]:
    return list(report.references) + ([report.arxiv] if report.arxiv else [])


__all__ = ["ReportCheck", "check_report", "examined_paper", "reference_ids", "topic_drift"]
