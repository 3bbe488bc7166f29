"""Commands: ingest, list, show, schema — the claim registry (claims.yaml).

Exit codes: 0 success; 1 bad input (a report, the registry file, an unknown id); 2 usage errors (typer's own).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import track
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.ingest.build import IngestSummary, ingest_reports
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_file
from claimcheck.ingest.quantities import describe
from claimcheck.models import Claim, ClaimRegistry, Report
from claimcheck.registry import (
    DEFAULT_REGISTRY,
    RegistryError,
    load_registry,
    registry_schema,
    update_registry,
)
from claimcheck.sources.report_checks import check_report, examined_paper

console = Console()
err_console = Console(stderr=True)

RegistryOpt = Annotated[Path, typer.Option("--registry", "-r", help="The claim registry file.")]


def _fail(exc: Exception) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False, markup=True)
    return typer.Exit(1)


def _load(path: Path, missing_ok: bool = False) -> ClaimRegistry:
    try:
        return load_registry(path, missing_ok=missing_ok)
    except RegistryError as exc:
        raise _fail(exc) from None


def _mark(tick: bool | None, none: str = "") -> str:
    """The report's own tick as it printed it: ✓ (true), × (false)."""
    return "✓" if tick else "×" if tick is False else none


def _conf(confidence: float | None) -> str:
    return f"{confidence:.2f}" if confidence is not None else ""


def ticks(claim: Claim) -> Text:
    marks = Text("".join(_mark(m.tick, none="·") for m in claim.mentions))
    return marks + Text(" disagree", style="yellow") if claim.ticks_disagree else marks


def _summary_table(summary: IngestSummary, registry_path: Path, registry: ClaimRegistry, seconds: float) -> Table:
    table = Table(title=Text(f"ingested into {registry_path}"), show_header=False)
    table.add_column("what")
    table.add_column("count")
    coverage = summary.coverage
    sentences = summary.rows - summary.table_rows
    rows = [
        ("reports", str(summary.reports)),
        ("claims-table rows → distinct claims", f"{summary.table_rows} → {summary.distinct_from_tables}"),
        ("arXiv abstract statements → claims", f"{sentences} → {summary.distinct - summary.distinct_from_tables}"),
        ("all rows → distinct claims", f"{summary.rows} → {summary.distinct}"),
        ("mentions merged into another row's claim", str(summary.merged)),
        ("new claims", str(summary.new)),
        ("truncated claims", str(summary.truncated)),
        (
            "quantity coverage (numeric claims with a quantity)",
            f"{summary.with_quantity}/{summary.numeric}" + (f" ({coverage:.0%})" if coverage is not None else ""),
        ),
        ("registry now holds", f"{len(registry.claims)} claims, {len(registry.reports)} reports"),
        ("time", f"{seconds:.2f} s"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _visible_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Reports or arXiv abstract pages saved as text, or directories of them."),
    ],
    registry: RegistryOpt = DEFAULT_REGISTRY,
) -> None:
    """Read reports into the registry: one claim per distinct statement, each mention kept.

    Every file is parsed before anything is written: one bad file fails the batch and leaves the registry as it was.

    Re-ingesting a report replaces its mentions; replication, tolerance and notes added by hand stay.
    """
    start = time.perf_counter()
    _load(registry, missing_ok=True)  # a broken registry fails before any report is parsed
    # a directory stands for the files in it (not hidden, not recursive), in name order
    files = [f for p in paths for f in (sorted(_visible_files(p)) if p.is_dir() else [p])]
    try:
        progress = track(files, description="parsing", console=err_console, transient=True, disable=len(files) < 50)
        parsed = [parse_file(p) for p in progress]
    except IngestError as exc:
        raise _fail(exc) from None

    def merge(current: ClaimRegistry) -> tuple[ClaimRegistry, tuple[ClaimRegistry, IngestSummary]]:
        updated, summary = ingest_reports(current, parsed)
        return updated, (updated, summary)

    # merged into the registry as it is now, under its lock: an ingest running meanwhile is never overwritten
    try:
        updated, summary = update_registry(registry, merge)
    except RegistryError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise _fail(RegistryError(registry, f"cannot write: {exc.strerror or exc}")) from None
    for warning in summary.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {escape(str(warning))}", soft_wrap=True, highlight=False)
    console.print(_summary_table(summary, registry, updated, time.perf_counter() - start))


@app.command("list")
def list_claims(
    registry: RegistryOpt = DEFAULT_REGISTRY,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array of the claims (full records, plus ticks_disagree).")
    ] = False,
) -> None:
    """List the claims: id, kind, the reports' own ticks (✓/× per mention) and the linked replication."""
    reg = _load(registry)
    if as_json:
        # ticks_disagree is derived from the mentions, spelled out so that readers of the JSON need not
        records = [{**c.model_dump(mode="json"), "ticks_disagree": c.ticks_disagree} for c in reg.claims]
        # strict JSON: the models hold no NaN or infinity, and allow_nan=False keeps it so
        sys.stdout.write(json.dumps(records, indent=2, ensure_ascii=False, allow_nan=False))
        sys.stdout.write("\n")
        return
    table = Table(title=Text(f"{len(reg.claims)} claims in {registry}"))
    # On a narrow terminal the replication goes under the id and the text is left out: squeezed columns would
    # be a stack of single letters. Ids are copied into `show`, so they never wrap.
    wide = console.width >= 120
    table.add_column("id" if wide else "id / replication", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("ticks", no_wrap=True)
    if wide:
        table.add_column("replication", no_wrap=True)
        table.add_column("text", overflow="fold", ratio=1)
    for c in reg.claims:
        experiment = c.replication.experiment if c.replication else ""
        # ids, names and file names are text, never rich markup: "[/]" would otherwise crash the table
        if wide:
            text = Text(c.text) + (Text(" …(cut)", style="dim") if c.truncated else Text())
            table.add_row(Text(c.id), c.kind, ticks(c), Text(experiment), text)
        else:
            under = Text(f"\n→ {experiment}", style="dim") if experiment else Text()
            table.add_row(Text(c.id) + under, c.kind, ticks(c))
    console.print(table)


def _fields_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        if value:
            table.add_row(name, Text(value))
    return table


def _claim_panels(claim: Claim, reg: ClaimRegistry) -> Group:
    q = claim.quantity
    head = _fields_table(
        [
            ("text", claim.text),
            ("truncated", "yes (the report cut the text)" if claim.truncated else ""),
            ("completed", claim.completed_text or ""),
            ("kind", claim.kind),
            ("sources", ", ".join(s.versioned_id + (f" ({s.title})" if s.title else "") for s in claim.sources)),
            ("quantity", describe(q) if q else ""),
            ("notes", claim.notes or ""),
        ]
    )
    files = {r.id: r.file for r in reg.reports}
    mentions = Table(title="mentions (what each report asserted; not our verdict)")
    for col in ("report", "file", "line", "tick", "confidence", "text"):
        mentions.add_column(col, overflow="fold")
    for m in claim.mentions:
        file = files.get(m.report, "")
        row = (m.report, file, str(m.line or ""), _mark(m.tick), _conf(m.confidence), m.text)
        mentions.add_row(*map(Text, row))
    parts: list[object] = [Panel(head, title=Text(claim.id)), mentions]
    if claim.ticks_disagree:
        parts.append("[yellow]The reports disagree: ✓ in one, × in another.[/yellow]")
    if claim.replication:
        parts.append(Panel(Text(claim.replication.model_dump_json(indent=2, exclude_none=True)), title="replication"))
    if claim.tolerance:
        parts.append(Panel(Text(claim.tolerance.model_dump_json(indent=2)), title="tolerance"))
    mentioning = {m.report for m in claim.mentions}
    reports = [r for r in reg.reports if r.id in mentioning]
    if reports:
        parts.append(_checks_table(reports, reg))
    return Group(*parts)


def _report_panels(report: Report, reg: ClaimRegistry) -> Group:
    m = report.methodology
    score = f"{m.quality_score:g}/10" if m.quality_score is not None else ""
    head = _fields_table(
        [
            ("title", report.title),
            ("kind", f"{report.kind} ({report.layout} layout), file {report.file}"),
            ("date", report.date.isoformat() if report.date else ""),
            ("examined paper", report.examined_paper or ""),
            ("research question", report.research_question or ""),
            ("authors", ", ".join(report.authors)),
            ("arXiv", report.arxiv.versioned_id if report.arxiv else ""),
            ("comments", report.comments or ""),
            ("subjects", "; ".join(report.subjects)),
            ("papers retrieved", "" if m.papers_retrieved is None else str(m.papers_retrieved)),
            ("claims extracted", "" if m.claims_extracted is None else str(m.claims_extracted)),
            ("claims verified", "" if m.claims_verified is None else str(m.claims_verified)),
            ("quality score", score),
            ("references", ", ".join(r.versioned_id for r in report.references)),
        ]
    )
    claims = Table(title="claims this report mentions")
    for col in ("line", "claim", "tick", "confidence"):
        claims.add_column(col, overflow="fold")
    for c in reg.claims:
        for men in c.mentions:
            if men.report == report.id:
                claims.add_row(str(men.line or ""), Text(c.id), _mark(men.tick), _conf(men.confidence))
    parts: list[object] = [Panel(head, title=Text(report.id))]
    if report.abstract:
        parts.append(Panel(Text(report.abstract), title="abstract"))
    parts.extend([claims, _checks_table([report], reg)])
    return Group(*parts)


_CHECK_MARK = {True: "[green]ok[/green]", False: "[bold red]flagged[/bold red]", None: "[dim]n/a[/dim]"}


def _checks_table(reports: list[Report], reg: ClaimRegistry) -> Table:
    """The report checks (topic drift, references, methodology figures) of each report, against its source."""
    table = Table(title="report checks (the report against itself and its examined paper)")
    for col in ("report", "check", "result", "detail"):
        table.add_column(col, overflow="fold")
    for report in reports:
        paper = examined_paper(report, reg.claims)
        for check in check_report(report, reg.claims, paper):
            table.add_row(Text(report.id), Text(check.name), _CHECK_MARK[check.ok], Text(check.detail))
    return table


@app.command()
def show(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="A claim id or a report id (see `claimcheck list`).")],
    registry: RegistryOpt = DEFAULT_REGISTRY,
) -> None:
    """Show one claim (text, quantity, every mention, replication) or one report in full."""
    reg = _load(registry)
    claim = next((c for c in reg.claims if c.id == item_id), None)
    if claim is not None:
        console.print(_claim_panels(claim, reg))
        return
    report = next((r for r in reg.reports if r.id == item_id), None)
    if report is not None:
        console.print(_report_panels(report, reg))
        return
    raise _fail(RegistryError(registry, f"no claim or report with id {item_id!r} (see `claimcheck list`)"))


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema here instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON schema of claims.yaml (point your editor's YAML plugin at it)."""
    text = json.dumps(registry_schema(), indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    from claimcheck.home import atomic_write_text

    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise _fail(f"{output}: cannot write: {exc.strerror or exc}") from None
    console.print(Text(f"wrote the claims.yaml schema to {output}"))
