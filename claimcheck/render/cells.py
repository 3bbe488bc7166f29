"""What every rendering shares: verdict colours, value cells, the summary line, claims grouped by paper."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from claimcheck.models import Claim, ClaimRegistry, ClaimResult, EvidenceResult, Verdict
from claimcheck.report import ClaimEntry, VerifyExport

VERDICT_STYLE = {  # rich styles: green holds, red fails, yellow undecided, dim nothing to say
    Verdict.VERIFIED: "bold green",
    Verdict.REFUTED: "bold red",
    Verdict.DIRECTION_REPRODUCED: "green",
    Verdict.DIRECTION_NOT_REPRODUCED: "red",
    Verdict.INCONCLUSIVE: "yellow",
    Verdict.NOT_APPLICABLE: "dim",
    Verdict.NOT_RUN: "dim",
    Verdict.ERROR: "bold magenta",
}
VERDICT_COLOUR = {  # the same, for HTML
    Verdict.VERIFIED: "#1a7f37",
    Verdict.REFUTED: "#cf222e",
    Verdict.DIRECTION_REPRODUCED: "#2da44e",
    Verdict.DIRECTION_NOT_REPRODUCED: "#e5534b",
    Verdict.INCONCLUSIVE: "#9a6700",
    Verdict.NOT_APPLICABLE: "#8c959f",
    Verdict.NOT_RUN: "#6e7781",
    Verdict.ERROR: "#8250df",
}
# Verdicts whose reason is the news: the claim was not decided, and the reason says why or what to do.
EXPLAINED = frozenset({Verdict.NOT_RUN, Verdict.ERROR, Verdict.NOT_APPLICABLE, Verdict.INCONCLUSIVE})

Detail = Literal["full", "short", "point"]


def number(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:.0f}"


def format_measured(r: ClaimResult, detail: Detail = "full") -> str:
    """`0.712 [0.70, 0.73] ±0.01`, `Δ +0.051 [0.03, 0.07] p=0.001`, `+12.4% [8.1, 16.0] p=0.002` or, for a
    claimed change in percentage points, `Δ +2.2 points [1.9, 2.5] p=0.001`; `short` drops the tolerance and
    p-value, `point` the interval too."""
    if r.measured is None or (isinstance(r.measured, float) and math.isnan(r.measured)):
        return "—"
    interval = f" [{number(r.interval[0])}, {number(r.interval[1])}]" if r.interval and detail != "point" else ""
    full = detail == "full"
    p = f" p={r.p_value:.2g}" if r.p_value is not None and full else ""
    if r.effect is None:
        tol = f" ±{number(r.tolerance)}" if r.tolerance is not None and full else ""
        return f"{number(r.measured)}{interval}{tol}"
    unit = r.details.get("unit")  # the claim's unit, when the size of a claimed change was judged
    if unit == "%" or (unit is None and r.details.get("relative")):
        return f"{r.measured:+.1f}%{interval}{p}"
    if unit == "points":
        return f"Δ {r.measured:+.4g} points{interval}{p}"
    return f"Δ {r.effect:+.4g}{interval}{p}"


def format_effect_details(r: ClaimResult) -> str:
    """An effect verdict's evidence in one line: seeds, per-dataset figures, effect ratio and ΔRI."""
    d = r.details
    if "per_dataset" not in d:
        return ""
    per = ", ".join(f"{name} {f['condition']:.3f} vs {f['baseline']:.3f}" for name, f in d["per_dataset"].items())
    parts = [f"seeds {','.join(map(str, r.seeds))}", per]
    rep = d.get("reproduction") or {}
    if rep.get("effect_ratio") is not None:
        parts.append(f"ER {rep['effect_ratio']:.2f}")
    if rep.get("delta_relative_improvement") is not None:
        parts.append(f"ΔRI {rep['delta_relative_improvement']:+.3f}")
    return "; ".join(parts)


def record_origin(r: ClaimResult) -> str:
    """Where an imported record behind a verdict came from and who signed it; empty for records made here."""
    origin = r.details.get("record_origin") or {}
    if not origin.get("imported_from"):
        return ""
    from claimcheck.signing import describe_signer

    host = origin.get("hostname") or "an unnamed machine"
    return f"record imported from {origin['imported_from']}, made on {host}, {describe_signer(origin.get('signer'))}"


def format_time(r: ClaimResult) -> str:
    return "" if r.wall_time_s is None else f"{r.wall_time_s:.1f}s"


def summary_line(counts: dict[str, int]) -> str:
    parts = [f"{n} {v}" for v, n in counts.items() if n]
    return f"{sum(counts.values())} claims: " + (", ".join(parts) if parts else "none")


def evidence_address(evidence: EvidenceResult | None) -> str:
    """Where in the source the evidence verdict was found: the table cell, else the passage's page."""
    if evidence is None:
        return ""
    if evidence.cell is not None:
        return evidence.cell.address
    if evidence.evidence:
        page = evidence.evidence[0].page
        return f"p. {page}" if page is not None else "abstract"
    return ""


@dataclass
class Paper:
    """The source paper a group of claims is about (its arXiv id), or none named."""

    arxiv_id: str | None
    title: str | None
    entries: list[ClaimEntry] = field(default_factory=list)

    @property
    def heading(self) -> str:
        if self.arxiv_id is None:
            return "claims that name no source paper"
        return f"arXiv {self.arxiv_id}" + (f" · {self.title}" if self.title else "")

    def counts(self) -> dict[str, int]:
        counted = Counter(e.result.verdict.value for e in self.entries)
        return {v.value: counted[v.value] for v in Verdict if counted[v.value]}


def _titles(registry: ClaimRegistry) -> dict[str, str]:
    """arXiv id → title, from the claims' sources and the arXiv abstract pages ingested."""
    titles = {r.arxiv.arxiv_id: r.title for r in registry.reports if r.arxiv is not None}
    for claim in registry.claims:
        titles.update({s.arxiv_id: s.title for s in claim.sources if s.title})
    return titles


def by_paper(export: VerifyExport, registry: ClaimRegistry) -> list[Paper]:
    """The export's claims grouped by their first source paper, papers in order of first appearance."""
    claims: dict[str, Claim] = {c.id: c for c in registry.claims}
    titles = _titles(registry)
    papers: dict[str | None, Paper] = {}
    for entry in export.claims:
        claim = claims.get(entry.id)
        arxiv_id = claim.sources[0].arxiv_id if claim is not None and claim.sources else None
        paper = papers.setdefault(arxiv_id, Paper(arxiv_id, titles.get(arxiv_id or "")))
        paper.entries.append(entry)
    return list(papers.values())


def shared_reasons(entries: Sequence[ClaimEntry]) -> dict[str, int]:
    """Reasons of undecided claims that several claims share, numbered in order of first appearance."""
    counted = Counter(e.result.reason for e in entries if e.result.verdict in EXPLAINED and e.result.reason)
    shared = [reason for reason, n in counted.items() if n > 1]
    return {reason: i + 1 for i, reason in enumerate(shared)}
