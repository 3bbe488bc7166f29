"""Commands: experiments (what is installed and what runs here), new-replication (a package to start from).

Exit codes: 0 success; 1 an entry point failed to load (the others are still listed) or the package cannot be
written; 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.cli.common import console, err_console, fail
from claimcheck.experiments import Experiment, ScaleSpec

DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="Extra directory searched for datasets.")]


def _needs(spec: ScaleSpec) -> str:
    req = spec.requirements
    needs = [f"~{req.minutes:g} min on {req.reference_machine}", f"seeds {','.join(map(str, spec.seeds))}"]
    needs += [f"{req.gpus} GPU"] if req.gpus else []
    needs += ["network"] if req.network else []
    needs += [f"data: {', '.join(req.datasets)}"] if req.datasets else []
    needs += [f"models: {', '.join(req.models)}"] if req.models else []
    needs += [f"launcher: {spec.launcher}"] if spec.launcher else []
    return "; ".join(needs)


def _print_experiment(exp: Experiment, data_dir: Path | None) -> None:
    from claimcheck.verify import unmet_requirements

    head = Text(exp.name, style="bold") + Text(f"  paper {exp.paper}", style="dim")
    console.print(head + Text(f"  from {exp.package}" if exp.package else "", style="dim"), overflow="ellipsis")
    # scale, whether it runs here, then what it needs and lacks, wrapped beside them
    table = Table.grid(padding=(0, 2), pad_edge=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="ellipsis")
    if exp.description:
        table.add_row("", "", Text(exp.description, style="dim"))
    for scale, spec in exp.scales.items():
        unmet = unmet_requirements(spec.requirements, data_dir)
        here = Text("runs here", style="green") if not unmet else Text("not here", style="red")
        needs = Text(_needs(spec), style="dim") + (Text("\nlacks: " + "; ".join(unmet)) if unmet else Text())
        table.add_row(scale, here, needs)
    console.print(table)


@app.command()
def experiments(data_dir: DataDirOpt = None) -> None:
    """List the installed experiments (entry-point group claimcheck.replications), their scales and needs, and
    whether each scale runs here. An entry point that fails to load is named; the others are still listed."""
    from claimcheck.plugins import GROUP, installed_experiments

    registry = installed_experiments()
    for exp in registry.values():
        _print_experiment(exp, data_dir)
    failures = registry.failures()
    for failure in failures:
        err_console.print(Text("failed to load: ", style="bold red") + Text(str(failure)))
    if not registry and not failures:
        console.print(f"no experiments installed: no package declares the entry-point group {GROUP}")
    if failures:
        raise typer.Exit(1)


@app.command("new-replication")
def new_replication(
    name: Annotated[str, typer.Argument(help="The package name (lower case, digits, _), e.g. my_paper.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder to create (default ./NAME).")] = None,
    paper: Annotated[str, typer.Option("--paper", help="The paper's arXiv id, e.g. 2210.15212.")] = "",
    title: Annotated[str, typer.Option("--title", help="The paper's title.")] = "",
) -> None:
    """Write a replication package to start from: one experiment with smoke / proxy / full scales declared
    through the entry point, a README with the protocol / deviations / compute sections, and a smoke test."""
    from claimcheck.scaffold import ScaffoldError, write_package

    target = output or Path(name)
    try:
        written = write_package(name, target, paper=paper, title=title)
    except ScaffoldError as exc:
        raise fail(exc) from None
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    console.print(
        f"next: pip install -e {target} && claimcheck experiments && python -m pytest {target}", highlight=False
    )
