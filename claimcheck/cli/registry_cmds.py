"""Commands: ingest, list, show, schema, tolerances — the claim registry (claims.yaml).

Exit codes: 0 success; 1 bad input (a report, the registry file, an unknown id); 2 usage errors (typer's own).
"""

from __future__ import annotations

import json
import sys
import time
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.ingest.batch import Batch, parse_batch
from claimcheck.ingest.build import IngestSummary, ingest_reports
from claimcheck.ingest.quantities import describe
from claimcheck.models import Claim, ClaimRegistry, Report
from claimcheck.registry import (
    DEFAULT_REGISTRY,
    RegistryError,
    load_registry,
    registry_schema,
    update_registry,
)
from claimcheck.render.claim import fields_table
from claimcheck.sources.report_checks import check_report, examined_paper

console = Console()
err_console = Console(stderr=True)

RegistryOpt = Annotated[Path, typer.Option("--registry", "-r", help="The claim registry file.")]


def _fail(exc: Exception | str) -> typer.Exit:
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


def _report_batch(batch: Batch, skip_bad: bool) -> None:
    """One line per bad file and per skipped one; a batch with bad files stops here unless `skip_bad`."""
    for exc in batch.skipped:
        err_console.print(f"[dim]skipped:[/dim] {escape(str(exc))}", soft_wrap=True, highlight=False)
    for exc in batch.failed:
        label = "[yellow]skipped (bad):[/yellow]" if skip_bad else "[red]error:[/red]"
        err_console.print(f"{label} {escape(str(exc))}", soft_wrap=True, highlight=False)
    if batch.failed and not skip_bad:
        n = len(batch.failed)
        raise _fail(
            f"{n} bad file{'s' if n > 1 else ''} of {batch.files}; nothing written (--skip-bad ingests the rest)"
        )
    if not batch.parsed:
        skipped = f" ({batch.files} file(s) skipped or bad)" if batch.files else ""
        raise _fail(f"nothing to ingest: no synthesis report or arXiv abstract page found{skipped}")


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="Reports or arXiv abstract pages saved as text, or folders of them (walked recursively).",
        ),
    ],
    registry: RegistryOpt = DEFAULT_REGISTRY,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Ingest the good files of a batch and list the bad ones.")
    ] = False,
) -> None:
    """Read reports into the registry: one claim per distinct statement, each mention kept.

    Every file is parsed before anything is written; each bad file is reported on its own line and, unless
    --skip-bad, nothing is written. In folders, files that are not reports (a SOURCES.tsv, a PDF) are skipped and
    listed. Finding no report at all is an error.

    Re-ingesting a report replaces its mentions; replication, tolerance and notes added by hand stay.
    """
    start = time.perf_counter()
    _load(registry, missing_ok=True)  # a broken registry fails before any report is parsed
    with err_console.status("parsing", spinner="dots"):
        batch = parse_batch(paths)
    _report_batch(batch, skip_bad)

    def merge(current: ClaimRegistry) -> tuple[ClaimRegistry, tuple[ClaimRegistry, IngestSummary]]:
        updated, summary = ingest_reports(current, batch.parsed)
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


def _claim_panels(claim: Claim, reg: ClaimRegistry) -> Group:
    q = claim.quantity
    head = fields_table(
        [
            ("text", claim.text),
            ("truncated", "yes (the report cut the text)" if claim.truncated else ""),
            ("completed", claim.completed_text or ""),
            ("kind", claim.kind),
            ("sources", ", ".join(s.versioned_id + (f" ({s.title})" if s.title else "") for s in claim.sources)),
            ("quantity", describe(q) if q else ""),
            ("neighbours", "; ".join(f"{n.label} = {n.value:g} ({n.source})" for n in claim.neighbours)),
            ("quantity note", claim.quantity_note or ""),
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
    head = fields_table(
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


def _verdict_panels(claim: Claim, reg: ClaimRegistry, registry: Path) -> Group:
    """The claim's verdict from the stored records (as `claimcheck report` gives it), its evidence, the records."""
    from claimcheck.render.claim import verdict_panels
    from claimcheck.report import load_evidence
    from claimcheck.results import RecordStore
    from claimcheck.verify import results_from_store

    store = RecordStore()
    (result,) = results_from_store(reg, [claim.id], store, registry)
    records = [r for key in result.records if (r := store.get(key)) is not None]
    return verdict_panels(result, load_evidence(claim.id), records)


def _candidates(item_id: str, ids: list[str]) -> list[str]:
    """The ids a shortened id (`head…tail` as the terminal report prints it) or a bare start of an id stands for."""
    head, cut, tail = item_id.partition("…")
    if not (head or tail):
        return []
    return [i for i in ids if i.startswith(head) and i.endswith(tail if cut else "") and len(i) >= len(head + tail)]


def resolve_id(item_id: str, ids: list[str]) -> str | None:
    """An id as given, or the one id its short form (`head…tail`, or a start) stands for."""
    if item_id in ids:
        return item_id
    matches = _candidates(item_id, ids)
    return matches[0] if len(matches) == 1 else None


def _unknown_id(item_id: str, ids: list[str]) -> str:
    several = _candidates(item_id, ids)
    if several:
        return f"{item_id!r} is the start of several ids: {', '.join(several[:5])}" + (" …" if len(several) > 5 else "")
    close = get_close_matches(item_id, ids, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else " (see `claimcheck list`)"
    return f"no claim or report with id {item_id!r}{hint}"


@app.command()
def show(
    item_id: Annotated[
        str, typer.Argument(metavar="ID", help="A claim or report id (see `claimcheck list`), or its unique start.")
    ],
    registry: RegistryOpt = DEFAULT_REGISTRY,
) -> None:
    """Show one claim in full (text, quantity, every mention, replication, the verdict from the stored records,
    its evidence and the records cited) or one report."""
    reg = _load(registry)
    ids = [c.id for c in reg.claims] + [r.id for r in reg.reports]
    found = resolve_id(item_id, ids)
    claim = next((c for c in reg.claims if c.id == found), None)
    if claim is not None:
        console.print(_claim_panels(claim, reg))
        console.print(_verdict_panels(claim, reg, registry))
        return
    report = next((r for r in reg.reports if r.id == found), None)
    if report is not None:
        console.print(_report_panels(report, reg))
        return
    raise _fail(RegistryError(registry, _unknown_id(item_id, ids)))


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


@app.command()
def tolerances(registry: RegistryOpt = DEFAULT_REGISTRY) -> None:
    """List every claim whose tolerance covers another value its source reports (claims.yaml's `neighbours` and
    the table cells of stored evidence); exit 1 when there is one."""
    from claimcheck.tolerances import neighbour_conflicts

    conflicts = neighbour_conflicts(_load(registry).claims)
    for conflict in conflicts:
        console.print(Text(str(conflict)))
    if conflicts:
        raise typer.Exit(1)
    console.print("no tolerance covers another value its source reports")
