"""The markdown report: the summary, then one table per paper, the flagged report checks and the runs."""

from __future__ import annotations

from claimcheck.models import ClaimRegistry, Verdict
from claimcheck.render.cells import (
    by_paper,
    evidence_address,
    format_effect_details,
    format_measured,
    format_time,
    summary_line,
)
from claimcheck.report import VerifyExport, flagged_checks


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_markdown(export: VerifyExport, registry: ClaimRegistry) -> str:
    lines = [
        f"# claimcheck {export.command}",
        "",
        f"Generated {export.generated_at} from `{export.registry}`"
        + (f", scale `{export.scale}`" if export.scale else "")
        + ".",
        "",
        summary_line(export.counts),
    ]
    for paper in by_paper(export, registry):
        lines += ["", f"## {_md(paper.heading)}", ""]
        lines += ["| claim | claimed | measured ± interval | scale | verdict | evidence | time | reason |"]
        lines += ["|---|---|---|---|---|---|---|---|"]
        for e in paper.entries:
            r = e.result
            reason = r.reason + (f" — run: `{r.command}`" if r.command and r.verdict == Verdict.NOT_RUN else "")
            reason += f" ({format_effect_details(r)})" if format_effect_details(r) else ""
            evidence = f"{e.evidence.verdict.value} {evidence_address(e.evidence)}".strip() if e.evidence else ""
            lines.append(
                f"| **{_md(e.id)}**: {_md(_short(e.text))} | {_md(e.claimed or '')} | {_md(format_measured(r))} "
                f"| {r.scale or ''} | {r.verdict.value} | {_md(evidence)} | {format_time(r)} | {_md(reason)} |"
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
