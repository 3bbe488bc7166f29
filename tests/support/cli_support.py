"""Running `claimcheck` commands in-process for tests, and writing a registry file to run them on."""

from __future__ import annotations

from pathlib import Path

import engine_fixtures as ef
import yaml
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.models import ClaimRegistry

runner = CliRunner()


def write_registry(path: Path, registry: ClaimRegistry | None = None) -> Path:
    data = (registry or ef.registry()).model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    return result.exit_code, result.output
