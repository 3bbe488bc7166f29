"""Commands: verify, report, results import/list.

Exit codes: 0 success; 1 a `--fail-on` verdict occurred, or bad input (registry file, claim id, record dir);
2 usage errors (typer's own, or an invalid `--fail-on`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.cli.common import RegistryOpt, console, err_console, fail, load_registry
from claimcheck.home import subdir
from claimcheck.models import ClaimRegistry, ClaimResult, Verdict
from claimcheck.report import VerifyExport, build_export, run_summary

if TYPE_CHECKING:
    from claimcheck.plugins import ExperimentRegistry

results_app = typer.Typer(help="Run records: import records made elsewhere, list what is stored.", no_args_is_help=True)
app.add_typer(results_app, name="results")


class ScaleOption(StrEnum):
    smoke = "smoke"
    proxy = "proxy"
    full = "full"
    auto = "auto"


class CacheOption(StrEnum):
    only_missing = "only-missing"
    always = "always"
    never = "never"


# `--fail-on` shorthands; any verdict name is accepted too (comma-separated).
FAIL_SETS = {
    "refuted": {Verdict.REFUTED, Verdict.DIRECTION_NOT_REPRODUCED},
    "any": {
        Verdict.REFUTED,
        Verdict.DIRECTION_NOT_REPRODUCED,
        Verdict.INCONCLUSIVE,
        Verdict.NOT_APPLICABLE,
        Verdict.ERROR,
    },
}

Ids = Annotated[list[str] | None, typer.Argument(help="Claim ids (default: every claim).")]
JsonOpt = Annotated[
    Path | None, typer.Option("--json", help="Write the versioned JSON export (schema claimcheck.verify/2).")
]
MarkdownOpt = Annotated[Path | None, typer.Option("--markdown", help="Write a markdown report.")]
HtmlOpt = Annotated[
    Path | None, typer.Option("--html", help="Write a self-contained HTML report with one plot per claim.")
]
FailOnOpt = Annotated[str | None, typer.Option("--fail-on", help="Exit 1 on: refuted | any | verdict names (a,b).")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Extra directory searched for datasets.")]


def parse_fail_on(value: str | None) -> set[Verdict]:
    if not value:
        return set()
    verdicts: set[Verdict] = set()
    for name in (v.strip() for v in value.split(",") if v.strip()):
        if name in FAIL_SETS:
            verdicts |= FAIL_SETS[name]
            continue
        try:
            verdicts.add(Verdict(name))
        except ValueError:
            choices = ", ".join([*FAIL_SETS, *(v.value for v in Verdict)])
            raise fail(f"--fail-on: unknown verdict {name!r} (choose from {choices})", 2) from None
    return verdicts


WideOpt = Annotated[bool, typer.Option("--wide", help="The full table (every field, cells wrapped) instead.")]


def write_outputs(
    export: VerifyExport, reg: ClaimRegistry, json_path: Path | None, markdown: Path | None, html_path: Path | None
) -> None:
    from claimcheck.home import atomic_write_text
    from claimcheck.render.html import to_html
    from claimcheck.render.markdown import to_markdown

    renders = (
        (json_path, export.to_json),
        (markdown, lambda: to_markdown(export, reg)),
        (html_path, lambda: to_html(export, reg)),
    )
    for path, render in renders:
        if path:
            atomic_write_text(path, render())
            err_console.print(Text(f"wrote {path}"))


def show_results(export: VerifyExport, reg: ClaimRegistry, wide: bool) -> None:
    from claimcheck.render.terminal import render_summary, render_table

    if wide:
        render_table(export, console)
    else:
        render_summary(export, reg, console)


def report_plugin_failures(experiments: ExperimentRegistry, names: set[str] | None = None) -> None:
    """Entry points that failed to load, by name: all of them, or (loading no more than that) those in `names`."""
    failures = experiments.failures() if names is None else [f for n in sorted(names) if (f := experiments.failure(n))]
    for failure in failures:
        err_console.print(f"[yellow]warning:[/yellow] {escape(str(failure))}", soft_wrap=True, highlight=False)


@app.command()
def verify(
    ids: Ids = None,
    registry: RegistryOpt = Path("claims.yaml"),
    scale: Annotated[ScaleOption, typer.Option("--scale", help="smoke | proxy | full | auto (largest here).")] = (
        ScaleOption.auto
    ),
    cache: Annotated[CacheOption, typer.Option("--cache", help="Reuse of stored run records.")] = (
        CacheOption.only_missing
    ),
    json_path: JsonOpt = None,
    markdown: MarkdownOpt = None,
    html_path: HtmlOpt = None,
    fail_on: FailOnOpt = None,
    plan: Annotated[bool, typer.Option("--plan", help="Print where and how each claim can run; run nothing.")] = False,
    max_minutes: Annotated[
        float | None,
        typer.Option("--max-minutes", min=0, help="Start a run only while its estimated time fits this budget."),
    ] = None,
    data_dir: DataDirOpt = None,
    wide: WideOpt = False,
) -> None:
    """Print the plan, run the replications the claims link to (or reuse their records), judge every claim."""
    from claimcheck.estimates import Budget
    from claimcheck.plugins import installed_experiments
    from claimcheck.render.plan import render_plan
    from claimcheck.results import CacheMode, RecordStore
    from claimcheck.verify import RichReporter, estimate_plan, make_plan, run_plan, sigterm_as_interrupt

    failing = parse_fail_on(fail_on)
    experiments = installed_experiments()
    reg = load_registry(registry, experiments=experiments)
    mode, store = CacheMode(cache.value), RecordStore()
    try:
        the_plan = make_plan(reg, ids or (), scale.value, data_dir, registry, experiments)
    except KeyError as exc:
        raise fail(exc.args[0]) from None
    budget = Budget(max_minutes * 60) if max_minutes is not None else None
    estimates = estimate_plan(the_plan, store, mode)
    render_plan(the_plan, estimates, console if plan else err_console, budget, every_claim=plan)
    report_plugin_failures(experiments, None if scale == ScaleOption.smoke and not ids else _linked(reg))
    if plan:
        return
    try:
        with sigterm_as_interrupt():
            outcome = run_plan(the_plan, mode, data_dir, store, RichReporter(), budget, estimates)
    except KeyboardInterrupt:  # a second Ctrl-C, while judging: nothing more to keep
        raise fail("interrupted: records of finished runs are kept", 130) from None
    runs = [run_summary(r.record, r.reused, r.seconds) for r in outcome.runs if r.record is not None]
    # verdicts taken from stored own-scale records cite them: their provenance belongs in the export too
    cited = sorted({k for res in outcome.results for k in res.records} - {r.key for r in runs})
    runs += [run_summary(record, reused=True) for k in cited if (record := store.get(k)) is not None]
    export = build_export(
        reg, outcome.results, command="verify", registry_path=registry, runs=runs,
        scale=scale.value, cache=cache.value, seconds=outcome.seconds,
    )  # fmt: skip
    write_outputs(export, reg, json_path, markdown, html_path)  # files first: what was measured is kept
    show_results(export, reg, wide)
    ran = sum(1 for r in outcome.runs if r.record is not None and not r.reused)
    reused = sum(1 for r in outcome.runs if r.reused)
    console.print(f"{ran} run(s) made, {reused} reused from the record store, {outcome.seconds:.1f}s", highlight=False)
    if ran:
        console.print(f"[dim]what the runs printed (library warnings, progress): {escape(str(subdir('logs')))}[/dim]")
    if outcome.interrupted:
        raise fail("interrupted: records of finished runs are kept, the interrupted run wrote nothing", 130)
    _exit_for(outcome.results, failing)


def _linked(reg: ClaimRegistry) -> set[str]:
    return {c.replication.experiment for c in reg.claims if c.replication is not None}


def _exit_for(results: list[ClaimResult], failing: set[Verdict]) -> None:
    hit = sorted({r.verdict.value for r in results if r.verdict in failing})
    if hit:
        err_console.print(f"failing verdicts present: {', '.join(hit)}")
        raise typer.Exit(1)


@app.command()
def report(
    ids: Ids = None,
    registry: RegistryOpt = Path("claims.yaml"),
    json_path: JsonOpt = None,
    markdown: MarkdownOpt = None,
    html_path: HtmlOpt = None,
    fail_on: FailOnOpt = None,
    wide: WideOpt = False,
) -> None:
    """Render verdicts from the stored run records (local and imported) without running anything."""
    from claimcheck.plugins import installed_experiments
    from claimcheck.results import RecordStore
    from claimcheck.verify import results_from_store

    failing = parse_fail_on(fail_on)
    experiments = installed_experiments()
    reg = load_registry(registry, experiments=experiments)
    store = RecordStore()
    for path, why in store.headers()[1]:
        err_console.print(f"[yellow]skipped invalid record[/yellow] {escape(path.name)}: {escape(why)}")
    try:
        results = results_from_store(reg, ids or (), store, registry, experiments)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    # only the records a verdict cites are read in full: a big record elsewhere in the store costs nothing
    used = sorted({k for r in results for k in r.records})
    runs = [run_summary(record) for key in used if (record := store.get(key)) is not None]
    export = build_export(reg, results, command="report", registry_path=registry, runs=runs)
    write_outputs(export, reg, json_path, markdown, html_path)
    show_results(export, reg, wide)
    _exit_for(results, failing)


@results_app.command("import")
def results_import(
    source: Annotated[Path, typer.Argument(help="A directory of run records (or one record file).")],
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--trust",
            metavar="PUBKEY",
            help="Trust this signing key (ed25519:<hex>, as `claimcheck results key` prints it on the machine that "
            "made the records, or a file holding it); repeatable. Only records signed by a trusted key are taken.",
        ),
    ] = None,
) -> None:
    """Check run records made on another machine and merge them into the record store (provenance kept).

    A record is taken when it is a regular file within the size limit, its key is the hash of its contents, and
    a trusted key signed it: this machine's, one trusted before, or one named with --trust.
    """
    from claimcheck.results import RecordStore
    from claimcheck.signing import parse_key_id

    if not source.exists():
        raise fail(f"{source} does not exist")
    try:
        keys = {parse_key_id(k) for k in trust or ()}
    except (ValueError, OSError) as exc:
        raise fail(f"--trust: {exc}", 2) from None
    summary = RecordStore().import_dir(source, trust=keys)
    for path, why in summary.invalid:
        err_console.print(f"[red]invalid[/red] {escape(str(path))}: {escape(why)}")
    console.print(
        f"imported {len(summary.imported)} record(s), {len(summary.already_present)} already present, "
        f"{len(summary.invalid)} invalid. Verdicts now come from all records: claimcheck report"
    )
    if summary.invalid and not summary.imported and not summary.already_present:
        raise typer.Exit(1)


@results_app.command("list")
def results_list() -> None:
    """List the stored run records (their headers: measurements are not read) and who signed each."""
    from claimcheck.results import RecordStore
    from claimcheck.signing import describe_signer, key_id

    records, invalid = RecordStore().headers()
    table = Table(title=f"run records ({len(records)})")
    columns = ("key", "experiment", "scale", "status", "seeds", "wall time", "peak MB", "started", "from")
    for col in (*columns, "claimed signer"):
        table.add_column(col)
    for r in sorted(records, key=lambda r: r.started_at):
        # the signer as the record names it; `report` and `verify` check the signature before using a record
        signer = describe_signer(key_id(bytes.fromhex(r.signature.public_key)) if r.signature else None)
        row = (
            r.key[:12], r.experiment, r.scale, r.status, ",".join(map(str, r.seeds)), f"{r.wall_time_s:.1f}s",
            f"{r.peak_memory_mb:.0f}", r.started_at, r.imported_from or (r.provenance.hostname or ""), signer,
        )  # fmt: skip
        table.add_row(*map(Text, row))
    console.print(table)
    for path, why in invalid:
        err_console.print(f"[yellow]invalid[/yellow] {escape(path.name)}: {escape(why)}")


@results_app.command("key")
def results_key() -> None:
    """Print this machine's record-signing public key (made on first use): pass it to `results import --trust`
    on the machine that imports this machine's records."""
    from claimcheck.signing import key_path, local_key_id

    typer.echo(local_key_id())
    err_console.print(Text(f"private key: {key_path()} (keep it to this machine)"))
