"""The typer application every command module adds its commands to."""

import typer

app = typer.Typer(
    name="claimcheck",
    help="Check the claims of machine-written literature syntheses: "
    "documentary evidence from the source papers and executable replications.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from claimcheck import __version__

        typer.echo(f"claimcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Check the claims of machine-written literature syntheses."""
