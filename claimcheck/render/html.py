"""The HTML report, a results page in one self-contained file (inline CSS and SVG, no scripts, nothing fetched).

At the top the counts per verdict and per paper; below, the claims grouped by paper, each with its text beside
its verdict, claimed and measured values, a plot, the evidence verdict with its address in the source, the
reason, and the command and every field of the result in collapsible details. Long tokens (ids, commands,
paths) break inside their box, so the page never scrolls sideways at 1280 px.
"""

from __future__ import annotations

import html
import json
import math

from claimcheck.models import ClaimRegistry, ClaimResult, Verdict
from claimcheck.render.cells import (
    VERDICT_COLOUR,
    Paper,
    by_paper,
    evidence_address,
    format_effect_details,
    format_measured,
    format_time,
    number,
    summary_line,
)
from claimcheck.report import ClaimEntry, VerifyExport, flagged_checks

esc = html.escape


def plot_svg(r: ClaimResult, width: int = 360, height: int = 56) -> str:
    """Measured (point, interval whiskers) against claimed (a line; a stated range's two ends) with the band the
    verdict used, on one axis.

    Effect results without a claimed value are drawn against zero, with the claimed side shaded.
    """
    if r.measured is None or math.isnan(r.measured):
        return ""
    points = [r.measured]
    if r.interval:
        points += [v for v in r.interval if not math.isnan(v)]
    reference = r.claimed if r.claimed is not None and (r.effect is None or r.tolerance is not None) else None
    band = None
    claimed_lines: list[float] = []
    if reference is not None:
        # the claimed value, or both ends of a stated range, and the band the verdict used (claimed ± tolerance)
        claimed_lines = list(dict.fromkeys(r.details.get("claimed_region") or [reference]))
        points += claimed_lines
        if r.details.get("band"):
            band = tuple(r.details["band"])
        elif r.tolerance is not None and not math.isnan(r.tolerance):
            band = (reference - r.tolerance, reference + r.tolerance)
        points += list(band or ())
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
        parts += [
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="2" y2="{height - 18}" stroke="#1f2328" '
            f'stroke-dasharray="3,2"><title>claimed {v:g}</title></line>'
            for v in claimed_lines
        ]
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
            f"{number(v)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1.5em 2em;max-width:1240px;color:#1f2328;line-height:1.45}
h1{margin:.2em 0}h2{margin:1.6em 0 .4em;font-size:1.25em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
h2 small{font-weight:normal;color:#57606a;font-size:.75em}
code,pre{font-size:12px;background:#f6f8fa;padding:1px 3px;overflow-wrap:anywhere;white-space:pre-wrap}
table{border-collapse:collapse;width:100%;table-layout:auto}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px;
overflow-wrap:break-word}th{background:#f6f8fa}td code{overflow-wrap:anywhere}
.meta,.legend{color:#57606a;font-size:13px}
.chips{display:flex;flex-wrap:wrap;gap:.5em;margin:.6em 0}
.chip{border:1px solid currentColor;border-radius:1em;padding:.1em .7em;font-weight:600;font-size:14px}
.claim{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,27rem);gap:1.2em;padding:.8em 0;
border-bottom:1px solid #eaeef2}
.claim .text{font-size:15px;margin:0 0 .3em}.claim .id{color:#57606a;font-size:12px;margin:0}
.verdict{font-weight:700;font-size:15px}.scale{color:#57606a;font-size:13px;margin-left:.5em}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1em .8em;margin:.3em 0;font-size:14px}
dt{color:#57606a}dd{margin:0;overflow-wrap:anywhere}
.reason{font-size:13px;color:#424a53;margin:.3em 0;overflow-wrap:anywhere}
details{font-size:13px;margin:.2em 0}summary{cursor:pointer;color:#0969da}
svg{max-width:100%;height:auto;display:block}
"""


def _counts_cells(counts: dict[str, int], shown: list[str]) -> str:
    return "".join(f"<td>{counts.get(v, 0) or ''}</td>" for v in shown)


def _summary(export: VerifyExport, papers: list[Paper]) -> str:
    chips = "".join(
        f"<span class='chip' style='color:{VERDICT_COLOUR[Verdict(v)]}'>{n} {esc(v)}</span>"
        for v, n in export.counts.items()
        if n
    )
    shown = [v for v, n in export.counts.items() if n]
    head = "".join(f"<th style='color:{VERDICT_COLOUR[Verdict(v)]}'>{esc(v)}</th>" for v in shown)
    rows = "".join(
        f"<tr><td><a href='#{_anchor(p)}'>{esc(p.heading)}</a></td><td>{len(p.entries)}</td>"
        f"{_counts_cells(p.counts(), shown)}</tr>"
        for p in papers
    )
    return (
        f"<div class='chips'>{chips}</div><table class='papers'><thead><tr><th>paper</th><th>claims</th>{head}</tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _anchor(paper: Paper) -> str:
    return "paper-" + (paper.arxiv_id or "none").replace("/", "-")


def _fields(r: ClaimResult) -> str:
    """Every field of the result as JSON: whatever the engine adds (details, checks) shows without a new layout."""
    data = r.model_dump(mode="json", exclude_defaults=True, exclude={"claim_id"})
    return esc(json.dumps(data, indent=1, ensure_ascii=False))


def _claim(entry: ClaimEntry) -> str:
    r = entry.result
    colour = VERDICT_COLOUR[r.verdict]
    measured = format_measured(r)
    facts = [("claimed", entry.claimed or ""), ("measured", "" if measured == "—" else measured)]
    facts.append(("time", format_time(r)))
    if entry.evidence is not None:
        address = evidence_address(entry.evidence)
        facts.append(("evidence", entry.evidence.verdict.value + (f" — {address}" if address else "")))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v)
    reason = f"<p class='reason'>{esc(r.reason)}</p>" if r.reason else ""
    if format_effect_details(r):
        reason += f"<p class='reason'>{esc(format_effect_details(r))}</p>"
    command = f"<details><summary>command</summary><code>{esc(r.command)}</code></details>" if r.command else ""
    return (
        "<article class='claim'>"
        f"<div><p class='text'>{esc(entry.text)}</p><p class='id'><code>{esc(entry.id)}</code></p></div>"
        f"<div><span class='verdict' style='color:{colour}'>{esc(r.verdict.value)}</span>"
        f"<span class='scale'>{esc(r.scale or '')}</span><dl>{dl}</dl>{plot_svg(r)}{reason}{command}"
        f"<details><summary>all fields</summary><pre>{_fields(r)}</pre></details></div>"
        "</article>"
    )


def _paper(paper: Paper) -> str:
    counts = ", ".join(f"{n} {v}" for v, n in paper.counts().items())
    title = esc(paper.title or paper.heading)
    sub = f"arXiv {esc(paper.arxiv_id)} · {counts}" if paper.arxiv_id else counts
    claims = "".join(_claim(e) for e in paper.entries)
    return f"<section id='{_anchor(paper)}'><h2>{title} <small>{sub}</small></h2>{claims}</section>"


def _checks(export: VerifyExport) -> str:
    rows = "".join(
        f"<tr><td><b>{esc(e.id)}</b><br><span class='meta'>{esc(e.file)}</span></td><td>{esc(c.name)}</td>"
        f"<td>{esc(c.detail)}</td></tr>"
        for e, c in flagged_checks(export)
    )
    if not rows:
        return ""
    head = "<tr><th>report</th><th>check</th><th>detail</th></tr>"
    return f"<h2>Report checks flagged</h2><table><thead>{head}</thead><tbody>{rows}</tbody></table>"


def _runs(export: VerifyExport) -> str:
    if not export.runs:
        return ""
    rows = "".join(
        f"<tr><td>{esc(run.experiment)}</td><td>{esc(run.scale)}</td><td>{esc(run.status)}</td>"
        f"<td>{run.wall_time_s:.1f}s</td><td>{run.peak_memory_mb:.0f} MB</td>"
        f"<td><code>{esc((run.provenance.git_commit or '')[:10])}</code></td><td><code>{esc(run.key[:12])}</code></td>"
        f"<td>{esc(run.imported_from or run.provenance.hostname or '')}</td></tr>"
        for run in export.runs
    )
    columns = ("experiment", "scale", "status", "wall", "memory", "commit", "key", "from")
    head = "".join(f"<th>{h}</th>" for h in columns)
    return f"<h2>Runs</h2><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def to_html(export: VerifyExport, registry: ClaimRegistry) -> str:
    papers = by_paper(export, registry)
    scale = f", scale <code>{esc(export.scale)}</code>" if export.scale else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>claimcheck {esc(export.command)}</title><style>{_CSS}</style></head><body>"
        f"<h1>claimcheck {esc(export.command)}</h1>"
        f"<p class='meta'>Generated {esc(export.generated_at)} from <code>{esc(export.registry)}</code>{scale}. "
        f"{esc(summary_line(export.counts))}</p>"
        f"{_summary(export, papers)}{''.join(_paper(p) for p in papers)}"
        "<p class='legend'>Plots: dashed line = claimed value (a stated range: its two ends), green band = "
        "tolerance, point and whiskers = measured value and its 95% interval; for effects without a claimed size, "
        "the solid line is zero and the blue "
        f"region the claimed side.</p>{_checks(export)}{_runs(export)}</body></html>\n"
    )
