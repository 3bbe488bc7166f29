"""Rendering verdicts: the rich terminal table, markdown, one self-contained HTML file, and the JSON export.

JSON export schema `claimcheck.verify/1` (`VerifyExport`; additive changes keep the version, anything else
bumps it):

    {
      "schema": "claimcheck.verify/1",
      "generated_at": ISO-8601 UTC,
      "command": "verify" | "report",
      "registry": path of claims.yaml,
      "scale": requested scale ("smoke" | "proxy" | "full" | "auto") or null for `report`,
      "cache": "only-missing" | "always" | "never" | null,
      "seconds": wall time of the command or null,
      "counts": {verdict: number of claims},          # every Verdict value present, zeros included
      "claims": [{
          "id", "text",
          "claimed": human-readable claimed value or null,
          "result": ClaimResult (models.py: verdict, scale, experiment, claimed, measured, interval,
                    tolerance, effect, p_value, seeds, datasets, reason, command, records, wall_time_s,
                    details),
          "evidence": EvidenceResult or null          # the source-evidence verdict, when the evidence step ran
      }],
      "runs": [{key, experiment, scale, status, error, reused, seconds, wall_time_s, peak_memory_mb,
                started_at, config, seeds, claim_ids, fingerprints, imported_from, provenance}],
      "reports": [{id, title, file,                    # the reports that mention the claims shown
                   "checks": [{name, ok (true passes, false flagged, null cannot judge here), detail}]}]
    }
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from claimcheck.home import UnsafePathError, evidence_dir, read_model_or_none, safe_child
from claimcheck.models import Claim, ClaimRegistry, ClaimResult, EvidenceResult, Provenance, Record, RunRecord, Verdict
from claimcheck.sources.report_checks import ReportCheck, check_report, examined_paper

SCHEMA = "claimcheck.verify/1"

VERDICT_STYLE = {
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
    Verdict.INCONCLUSIVE: "#bf8700",
    Verdict.NOT_APPLICABLE: "#8c959f",
    Verdict.NOT_RUN: "#6e7781",
    Verdict.ERROR: "#8250df",
}


class ClaimEntry(Record):
    id: str
    text: str
    claimed: str | None = None
    result: ClaimResult
    evidence: EvidenceResult | None = None


class RunSummary(Record):
    key: str
    experiment: str
    scale: str
    status: str
    error: str | None = None
    reused: bool | None = None
    seconds: float | None = None
    wall_time_s: float
    peak_memory_mb: float
    started_at: str
    config: dict[str, Any]
    seeds: list[int]
    claim_ids: list[str]
    fingerprints: dict[str, str]
    imported_from: str | None = None
    provenance: Provenance


class ReportEntry(Record):
    id: str
    title: str
    file: str
    checks: list[ReportCheck]


class VerifyExport(Record):
    """The versioned JSON document `--json` writes (see the module docstring)."""

    schema_: Literal["claimcheck.verify/1"] = Field(default=SCHEMA, alias="schema")
    generated_at: str
    command: Literal["verify", "report"]
    registry: str
    scale: str | None = None
    cache: str | None = None
    seconds: float | None = None
    counts: dict[str, int]
    claims: list[ClaimEntry]
    runs: list[RunSummary] = Field(default_factory=list)
    reports: list[ReportEntry] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


# --------------------------------------------------------------------------------------------------- building


def load_evidence(claim_id: str) -> EvidenceResult | None:
    """The evidence step's verdict for a claim, if it wrote one (an unreadable file counts as absent)."""
    try:
        return read_model_or_none(safe_child(evidence_dir(), f"{claim_id}.json"), EvidenceResult)
    except UnsafePathError:
        return None


def format_claimed(claim: Claim) -> str | None:
    q = claim.quantity
    if q is None:
        return None
    sign = "+" if q.kind == "relative-change" and q.value > 0 else ""
    unit = "%" if q.unit == "percent" or q.kind == "relative-change" else ""
    metric = f" {q.metric}" if q.metric else ""
    return f"{sign}{q.value:.{q.decimals}f}{unit}{metric}"


def count_verdicts(results: Sequence[ClaimResult]) -> dict[str, int]:
    counts = Counter(r.verdict.value for r in results)
    return {v.value: counts.get(v.value, 0) for v in Verdict}


def run_summary(record: RunRecord, reused: bool | None = None, seconds: float | None = None) -> RunSummary:
    return RunSummary(
        key=record.key,
        experiment=record.experiment,
        scale=record.scale,
        status=record.status,
        error=record.error,
        reused=reused,
        seconds=seconds,
        wall_time_s=record.wall_time_s,
        peak_memory_mb=record.peak_memory_mb,
        started_at=record.started_at,
        config=record.config,
        seeds=record.seeds,
        claim_ids=record.claim_ids,
        fingerprints=record.output.fingerprints,
        imported_from=record.imported_from,
        provenance=record.provenance,
    )


def build_export(
    registry: ClaimRegistry,
    results: Sequence[ClaimResult],
    *,
    command: Literal["verify", "report"],
    registry_path: str | Path,
    runs: Sequence[RunSummary] = (),
    scale: str | None = None,
    cache: str | None = None,
    seconds: float | None = None,
) -> VerifyExport:
    claims = {c.id: c for c in registry.claims}
    entries = [
        ClaimEntry(
            id=r.claim_id,
            text=claims[r.claim_id].text,
            claimed=format_claimed(claims[r.claim_id]),
            result=r,
            evidence=load_evidence(r.claim_id),
        )
        for r in results
    ]
    return VerifyExport(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        registry=str(registry_path),
        scale=scale,
        cache=cache,
        seconds=seconds,
        counts=count_verdicts(results),
        claims=entries,
        runs=list(runs),
        reports=report_entries(registry, {r.claim_id for r in results}),
    )


def report_entries(registry: ClaimRegistry, claim_ids: set[str]) -> list[ReportEntry]:
    """The report checks of every report that mentions one of `claim_ids`."""
    mentioned = {m.report for c in registry.claims if c.id in claim_ids for m in c.mentions}
    return [
        ReportEntry(
            id=report.id,
            title=report.title,
            file=report.file,
            checks=check_report(report, registry.claims, examined_paper(report, registry.claims)),
        )
        for report in registry.reports
        if report.id in mentioned
    ]


def flagged_checks(export: VerifyExport) -> list[tuple[ReportEntry, ReportCheck]]:
    return [(entry, check) for entry in export.reports for check in entry.checks if check.ok is False]


# --------------------------------------------------------------------------------------------------- cells


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:.0f}"


def format_measured(r: ClaimResult) -> str:
    """`0.712 [0.70, 0.73]`, `Δ +0.051 [0.03, 0.07] p=0.001` or `+12.4% [8.1, 16.0] p=0.002`."""
    if r.measured is None or (isinstance(r.measured, float) and math.isnan(r.measured)):
        return "—"
    interval = f" [{_num(r.interval[0])}, {_num(r.interval[1])}]" if r.interval else ""
    p = f" p={r.p_value:.2g}" if r.p_value is not None else ""
    if r.effect is None:
        tol = f" ±{_num(r.tolerance)}" if r.tolerance is not None else ""
        return f"{_num(r.measured)}{interval}{tol}"
    if r.details.get("relative"):
        return f"{r.measured:+.1f}%{interval}{p}"
    return f"Δ {r.effect:+.4g}{interval}{p}"


def format_time(r: ClaimResult) -> str:
    return "" if r.wall_time_s is None else f"{r.wall_time_s:.1f}s"


def summary_line(counts: dict[str, int]) -> str:
    parts = [f"{n} {v}" for v, n in counts.items() if n]
    return f"{sum(counts.values())} claims: " + (", ".join(parts) if parts else "none")


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------------- terminal


def render_table(export: VerifyExport, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    table = Table(title=f"claimcheck {export.command}", show_lines=False, expand=False)
    for name, kw in [
        ("claim", {"overflow": "fold", "max_width": 48}),
        ("claimed", {}),
        ("measured ± interval", {}),
        ("scale", {}),
        ("verdict", {}),
        ("evidence", {}),
        ("time", {"justify": "right"}),
        ("reason / command", {"overflow": "fold", "max_width": 60}),
    ]:
        table.add_column(name, **kw)
    for entry in export.claims:
        r = entry.result
        note = r.reason + (f"\n→ {r.command}" if r.command and r.verdict == Verdict.NOT_RUN else "")
        table.add_row(
            Text(f"{entry.id}\n", style="bold") + Text(_short(entry.text), style="dim"),
            Text(entry.claimed or ""),  # the metric's name is the registry's text
            format_measured(r),
            r.scale or "",
            Text(r.verdict.value, style=VERDICT_STYLE[r.verdict]),
            entry.evidence.verdict.value if entry.evidence else "",
            format_time(r),
            Text(note),  # reasons quote errors and text: never rich markup
        )
    console.print(table)
    console.print(summary_line(export.counts))
    flagged = flagged_checks(export)
    if flagged:
        checks = Table(title="report checks flagged (`claimcheck show <report id>` for all)")
        for name in ("report", "check", "detail"):
            checks.add_column(name, overflow="fold")
        for entry, check in flagged:
            checks.add_row(Text(f"{entry.id}\n{entry.file}"), Text(check.name, style="bold red"), Text(check.detail))
        console.print(checks)


# --------------------------------------------------------------------------------------------------- markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(export: VerifyExport) -> str:
    lines = [
        f"# claimcheck {export.command}",
        "",
        f"Generated {export.generated_at} from `{export.registry}`"
        + (f", scale `{export.scale}`" if export.scale else "")
        + ".",
        "",
        summary_line(export.counts),
        "",
        "| claim | claimed | measured ± interval | scale | verdict | evidence | time | reason |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in export.claims:
        r = e.result
        reason = r.reason + (f" — run: `{r.command}`" if r.command and r.verdict == Verdict.NOT_RUN else "")
        lines.append(
            f"| **{_md(e.id)}**: {_md(_short(e.text, 100))} | {_md(e.claimed or '')} | {_md(format_measured(r))} "
            f"| {r.scale or ''} | {r.verdict.value} | {e.evidence.verdict.value if e.evidence else ''} "
            f"| {format_time(r)} | {_md(reason)} |"
        )
    flagged = flagged_checks(export)
    if flagged:
        lines += ["", "## Report checks flagged", "", "| report | check | detail |", "|---|---|---|"]
        lines += [f"| {_md(e.id)} ({_md(e.file)}) | {c.name} | {_md(c.detail)} |" for e, c in flagged]
    if export.runs:
        lines += ["", "## Runs", "", "| experiment | scale | status | wall time | peak memory | git commit | key |"]
        lines.append("|---|---|---|---|---|---|---|")
        for run in export.runs:
            lines.append(
                f"| {run.experiment} | {run.scale} | {run.status} | {run.wall_time_s:.1f}s "
                f"| {run.peak_memory_mb:.0f} MB | {(run.provenance.git_commit or '')[:10]} | `{run.key[:12]}` |"
            )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------- html


def plot_svg(r: ClaimResult, width: int = 360, height: int = 56) -> str:
    """Measured (point, interval whiskers) against claimed (line) with the tolerance band, on one axis.

    Effect results without a claimed value are drawn against zero, with the claimed side shaded.
    """
    if r.measured is None or math.isnan(r.measured):
        return ""
    points = [r.measured]
    if r.interval:
        points += [v for v in r.interval if not math.isnan(v)]
    reference = r.claimed if r.claimed is not None and (r.effect is None or r.tolerance is not None) else None
    band = None
    if reference is not None:
        points.append(reference)
        if r.tolerance is not None and not math.isnan(r.tolerance):
            band = (reference - r.tolerance, reference + r.tolerance)
            points += list(band)
    else:
        points.append(0.0)
    lo, hi = min(points), max(points)
    pad = (hi - lo) * 0.15 or max(abs(hi), 1e-3) * 0.1
    lo, hi = lo - pad, hi + pad
    margin = 10

    def x(v: float) -> float:
        return margin + (v - lo) / (hi - lo) * (width - 2 * margin)

    mid = height / 2 - 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    if band is not None:
        parts.append(
            f'<rect x="{x(band[0]):.1f}" y="4" width="{max(x(band[1]) - x(band[0]), 1):.1f}" height="{height - 24}" '
            'fill="#2da44e" fill-opacity="0.18"><title>tolerance band</title></rect>'
        )
    if reference is not None:
        parts.append(
            f'<line x1="{x(reference):.1f}" x2="{x(reference):.1f}" y1="2" y2="{height - 18}" stroke="#1f2328" '
            f'stroke-dasharray="3,2"><title>claimed {reference:g}</title></line>'
        )
    else:
        direction = r.details.get("direction", "greater")
        side = (x(0.0), x(hi)) if direction == "greater" else (x(lo), x(0.0))
        parts.append(
            f'<rect x="{side[0]:.1f}" y="4" width="{max(side[1] - side[0], 1):.1f}" height="{height - 24}" '
            'fill="#0969da" fill-opacity="0.10"><title>claimed side</title></rect>'
        )
        parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="2" y2="{height - 18}" stroke="#1f2328"/>')
    colour = VERDICT_COLOUR[r.verdict]
    if r.interval and not any(math.isnan(v) for v in r.interval):
        a, b = x(r.interval[0]), x(r.interval[1])
        stroke = f'stroke="{colour}"'
        parts.append(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{mid:.1f}" y2="{mid:.1f}" {stroke} stroke-width="2"/>')
        for end in (a, b):
            parts.append(f'<line x1="{end:.1f}" x2="{end:.1f}" y1="{mid - 5:.1f}" y2="{mid + 5:.1f}" {stroke}/>')
    parts.append(
        f'<circle cx="{x(r.measured):.1f}" cy="{mid:.1f}" r="4" fill="{colour}"><title>measured {r.measured:.4g}'
        "</title></circle>"
    )
    for v, anchor in ((lo + pad, "start"), (hi - pad, "end")):
        parts.append(
            f'<text x="{x(v):.1f}" y="{height - 4}" font-size="10" text-anchor="{anchor}" fill="#57606a">'
            f"{_num(v)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:6px 8px;vertical-align:top;
text-align:left;font-size:14px}th{background:#f6f8fa}.verdict{font-weight:600;white-space:nowrap}
.text{color:#57606a;font-size:12px}code{font-size:12px;background:#f6f8fa;padding:1px 3px}
"""


def to_html(export: VerifyExport) -> str:
    """One self-contained file (inline CSS and SVG, no scripts or external resources)."""
    esc = html.escape
    rows = []
    for e in export.claims:
        r = e.result
        command = f"<br><code>{esc(r.command)}</code>" if r.command and r.verdict == Verdict.NOT_RUN else ""
        rows.append(
            "<tr>"
            f"<td><b>{esc(e.id)}</b><div class='text'>{esc(e.text)}</div></td>"
            f"<td>{esc(e.claimed or '')}</td>"
            f"<td>{esc(format_measured(r))}<br>{plot_svg(r)}</td>"
            f"<td>{esc(r.scale or '')}</td>"
            f"<td class='verdict' style='color:{VERDICT_COLOUR[r.verdict]}'>{esc(r.verdict.value)}</td>"
            f"<td>{esc(e.evidence.verdict.value) if e.evidence else ''}</td>"
            f"<td>{esc(format_time(r))}</td>"
            f"<td>{esc(r.reason)}{command}</td>"
            "</tr>"
        )
    flagged = "".join(
        f"<tr><td><b>{esc(e.id)}</b><div class='text'>{esc(e.file)}</div></td><td>{esc(c.name)}</td>"
        f"<td>{esc(c.detail)}</td></tr>"
        for e, c in flagged_checks(export)
    )
    checks = (
        "<h2>Report checks flagged</h2><table><thead><tr><th>report</th><th>check</th><th>detail</th></tr></thead>"
        f"<tbody>{flagged}</tbody></table>"
        if flagged
        else ""
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("claim", "claimed", "measured ± interval", "scale", "verdict", "evidence", "time", "reason")
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>claimcheck {esc(export.command)}</title><style>{_CSS}</style></head><body>"
        f"<h1>claimcheck {esc(export.command)}</h1>"
        f"<p>Generated {esc(export.generated_at)} from <code>{esc(export.registry)}</code>. "
        f"{esc(summary_line(export.counts))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p class='text'>Plots: dashed line = claimed value, green band = tolerance, point and whiskers = measured "
        "value and its 95% interval; for effects without a claimed size, the solid line is zero and the blue "
        f"region the claimed side.</p>{checks}</body></html>\n"
    )
