"""What the command modules share: the consoles, the one-line error exit, registry loading, common options."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from claimcheck.models import ClaimRegistry

if TYPE_CHECKING:
    from claimcheck.plugins import ExperimentRegistry

console = Console()
err_console = Console(stderr=True)

RegistryOpt = Annotated[Path, typer.Option("--registry", "-r", help="The claim registry file.")]


def fail(message: object, code: int = 1) -> typer.Exit:
    """Print `error: message` on one line to stderr; raise the result."""
    err_console.print(f"[red]error:[/red] {escape(str(message))}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


def load_registry(
    path: Path, *, missing_ok: bool = False, experiments: ExperimentRegistry | None = None
) -> ClaimRegistry:
    """claims.yaml through the registry module, its replication links checked against `experiments` (default:
    the installed ones); any problem is one line naming the file, and exit 1."""
    from claimcheck.registry import RegistryError
    from claimcheck.registry import load_registry as load

    try:
        return load(path, missing_ok=missing_ok, experiments=experiments)
    except (RegistryError, OSError) as exc:
        raise fail(str(exc).splitlines()[0] if str(exc) else f"cannot read {path}") from None
