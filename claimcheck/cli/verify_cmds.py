"""Commands: verify, report, results import/list, experiments.

Exit codes: 0 success; 1 a `--fail-on` verdict occurred, or bad input (registry file, claim id, record dir);
2 usage errors (typer's own, or an invalid `--fail-on`).
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.models import ClaimRegistry, ClaimResult, Verdict

results_app = typer.Typer(help="Run records: import records made elsewhere, list what is stored.", no_args_is_help=True)
app.add_typer(results_app, name="results")

console = Console()
err_console = Console(stderr=True)


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
    "any": {Verdict.REFUTED, Verdict.DIRECTION_NOT_REPRODUCED, Verdict.INCONCLUSIVE, Verdict.ERROR},
}

Ids = Annotated[list[str] | None, typer.Argument(help="Claim ids (default: every claim).")]
RegistryOpt = Annotated[Path, typer.Option("--registry", help="The claim registry.")]
JsonOpt = Annotated[
    Path | None, typer.Option("--json", help="Write the versioned JSON export (schema claimcheck.verify/1).")
]
MarkdownOpt = Annotated[Path | None, typer.Option("--markdown", help="Write a markdown report.")]
HtmlOpt = Annotated[
    Path | None, typer.Option("--html", help="Write a self-contained HTML report with one plot per claim.")
]
FailOnOpt = Annotated[str | None, typer.Option("--fail-on", help="Exit 1 on: refuted | any | verdict names (a,b).")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Extra directory searched for datasets.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


def load_registry(path: Path) -> ClaimRegistry:
    """claims.yaml through the registry module; any problem is one line naming the file, and exit 1."""
    from claimcheck.registry import RegistryError, load_registry

    try:
        return load_registry(path)
    except (RegistryError, OSError) as exc:
        raise fail(str(exc).splitlines()[0] if str(exc) else f"cannot read {path}") from None


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


def write_outputs(export, json_path: Path | None, markdown: Path | None, html_path: Path | None) -> None:
    from claimcheck.home import atomic_write_text
    from claimcheck.report import to_html, to_markdown

    for path, render in ((json_path, export.to_json), (markdown, lambda: to_markdown(export))):
        if path:
            atomic_write_text(path, render())
            err_console.print(Text(f"wrote {path}"))
    if html_path:
        atomic_write_text(html_path, to_html(export))
        err_console.print(Text(f"wrote {html_path}"))


def print_plan(plan, scale: str) -> None:
    table = Table(title=f"claimcheck verify --plan (requested scale: {scale})")
    for col in ("claim", "experiment", "own scale", "here", "command / reason"):
        table.add_column(col, overflow="fold")
    elsewhere = 0
    for cp in plan.claims:
        rep = cp.claim.replication
        if rep is None:
            table.add_row(Text(cp.claim.id), "", "", "—", "no executable replication applies")
            continue
        if cp.group is not None:
            here = f"runs at {cp.group.scale}"
        elif cp.result is not None and cp.result.verdict == Verdict.ERROR:
            here = "error"
        else:
            here = "cannot run"
        # commands quote the registry path and reasons quote names: text, never rich markup
        if cp.own_scale_runnable:
            note = Text(f"{rep.scale} scale runs here: {cp.command}")
        else:
            elsewhere += 1
            why = "; ".join(cp.own_scale_unmet)
            note = Text(cp.command, style="bold") + Text(f"\n(where: {why})") if cp.command else Text(why)
        table.add_row(Text(cp.claim.id), Text(rep.experiment), rep.scale, here, note)
    console.print(table)
    console.print(
        f"{elsewhere} claim(s) need another machine for their own scale. Run the command there, copy its "
        "$CLAIMCHECK_HOME/records directory here, then: claimcheck results import DIR"
    )


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
    data_dir: DataDirOpt = None,
) -> None:
    """Run the replications the claims link to (or reuse their records) and judge every claim."""
    from claimcheck.report import build_export, render_table, run_summary
    from claimcheck.results import CacheMode, RecordStore
    from claimcheck.verify import RichReporter, make_plan, sigterm_as_interrupt
    from claimcheck.verify import verify as run_verify

    failing = parse_fail_on(fail_on)
    reg = load_registry(registry)
    try:
        if plan:
            print_plan(make_plan(reg, ids or (), scale.value, data_dir, registry), scale.value)
            return
        t0 = time.perf_counter()
        with sigterm_as_interrupt():
            outcome = run_verify(
                reg, ids or (), scale.value, CacheMode(cache.value), data_dir, registry, reporter=RichReporter()
            )
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    except KeyboardInterrupt:
        raise fail("interrupted: records of finished runs are kept, the interrupted run wrote nothing", 130) from None
    seconds = time.perf_counter() - t0
    runs = [run_summary(r.record, r.reused, r.seconds) for r in outcome.runs if r.record is not None]
    # verdicts taken from stored own-scale records cite them: their provenance belongs in the export too
    cited = sorted({k for res in outcome.results for k in res.records} - {r.key for r in runs})
    store = RecordStore()
    runs += [run_summary(record, reused=True) for k in cited if (record := store.get(k)) is not None]
    export = build_export(
        reg, outcome.results, command="verify", registry_path=registry, runs=runs,
        scale=scale.value, cache=cache.value, seconds=seconds,
    )  # fmt: skip
    write_outputs(export, json_path, markdown, html_path)  # files first: what was measured is kept whatever follows
    render_table(export, console)
    ran = sum(1 for r in outcome.runs if r.record is not None and not r.reused)
    reused = sum(1 for r in outcome.runs if r.reused)
    console.print(f"{ran} run(s) made, {reused} reused from the record store, {seconds:.2f}s")
    _exit_for(outcome.results, failing)


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
) -> None:
    """Render verdicts from the stored run records (local and imported) without running anything."""
    from claimcheck.report import build_export, render_table, run_summary
    from claimcheck.results import RecordStore
    from claimcheck.verify import results_from_store

    failing = parse_fail_on(fail_on)
    reg = load_registry(registry)
    store = RecordStore()
    for path, why in store.headers()[1]:
        err_console.print(f"[yellow]skipped invalid record[/yellow] {escape(path.name)}: {escape(why)}")
    try:
        results = results_from_store(reg, ids or (), store, registry)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    # only the records a verdict cites are read in full: a big record elsewhere in the store costs nothing
    used = sorted({k for r in results for k in r.records})
    runs = [run_summary(record) for key in used if (record := store.get(key)) is not None]
    export = build_export(reg, results, command="report", registry_path=registry, runs=runs)
    write_outputs(export, json_path, markdown, html_path)
    render_table(export, console)
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


@app.command()
def experiments(data_dir: DataDirOpt = None) -> None:
    """List the registered experiments, their scales, requirements and whether each scale runs here."""
    from claimcheck.experiments import load_all
    from claimcheck.verify import unmet_requirements

    table = Table(title="registered experiments")
    for col in ("experiment", "paper", "scale", "seeds", "requirements", "here"):
        table.add_column(col, overflow="fold")
    for name, exp in sorted(load_all().items()):
        for scale, spec in exp.scales.items():
            req = spec.requirements
            needs = [f"~{req.minutes:g} min on {req.reference_machine}"]
            needs += [f"{req.gpus} GPU"] if req.gpus else []
            needs += ["network"] if req.network else []
            needs += [f"data: {', '.join(req.datasets)}"] if req.datasets else []
            needs += [f"models: {', '.join(req.models)}"] if req.models else []
            needs += [f"launcher: {spec.launcher}"] if spec.launcher else []
            unmet = unmet_requirements(req, data_dir)
            here = Text("yes", style="green") if not unmet else Text("no", style="red") + Text(": " + "; ".join(unmet))
            row = (name, exp.paper, scale, ",".join(map(str, spec.seeds)), "\n".join(needs))
            table.add_row(*map(Text, row), here)
    console.print(table)
