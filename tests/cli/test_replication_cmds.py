"""`claimcheck experiments` and `claimcheck new-replication`: a generated package, really installed with pip,
is found through its entry point, lists its scales, runs at smoke scale and passes its own test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import engine_fixtures as ef
import pytest
import yaml
from plugin_support import install_entry_points
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.models import Claim, ClaimRegistry, Replication, ValueTarget

runner = CliRunner()
CLAIMCHECK = [sys.executable, "-c", "import sys; from claimcheck.cli import main; sys.argv[0] = 'claimcheck'; main()"]


def cli(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "120"})
    return result.exit_code, result.output


def test_experiments_lists_the_installed_and_names_a_broken_entry_point(tmp_path: Path, monkeypatch) -> None:
    entries = {**ef.ENTRY_POINTS, "broken.exp": "no_such_module_anywhere:exp"}
    monkeypatch.syspath_prepend(str(install_entry_points(tmp_path, "enginetest", entries)))
    code, text = cli("experiments")
    assert code == 1  # something installed is broken: say so in the exit code too
    assert ef.EXPERIMENT in text and "coco_dr.idro_ablation" in text and "no-such-collection" in text
    assert "failed to load" in text and "'broken.exp'" in text and "ModuleNotFoundError" in text


def test_new_replication_refuses_a_bad_name_or_a_folder_in_use(tmp_path: Path) -> None:
    assert cli("new-replication", "My-Paper", "-o", tmp_path / "a")[0] == 1
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("mine")
    code, text = cli("new-replication", "paper", "-o", tmp_path / "b")
    assert code == 1 and "nothing written" in text and os.listdir(tmp_path / "b") == ["keep.txt"]
    assert cli("new-replication", "paper", "-o", tmp_path / "c", "--title", 'say "hi"')[0] == 1


@pytest.mark.slow
def test_a_generated_package_installed_with_pip_is_listed_runs_at_smoke_and_passes_its_test(tmp_path: Path) -> None:
    package = tmp_path / "claimcheck-tinypaper"
    code, text = cli("new-replication", "tinypaper", "-o", package, "--paper", "2401.00001", "--title", "Tiny")
    assert code == 0, text
    readme = (package / "README.md").read_text()
    assert all(f"## {section}" in readme for section in ("Protocol", "Deviations", "Compute"))
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff:  # the test extra installs it; without it only the lint step is left out
        lint = subprocess.run([ruff, "check", "--no-cache", str(package)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout  # the skeleton is clean code to start from
    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
               "--target", str(site), str(package)]  # fmt: skip
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(site), "CLAIMCHECK_HOME": str(home), "COLUMNS": "120"}

    listing = subprocess.run([*CLAIMCHECK, "experiments"], env=env, capture_output=True, text=True, timeout=120)
    assert "tinypaper.replication" in listing.stdout and "from tinypaper" in listing.stdout
    assert "scifact" in listing.stdout and "trec-covid" in listing.stdout  # its proxy and full scales' needs

    claim = Claim(id="tiny-claim", text="BM25 reaches nDCG@10 0.5", replication=Replication(
        experiment="tinypaper.replication", value=ValueTarget(condition="method", metric="nDCG@10",
                                                              dataset="synthetic")))  # fmt: skip
    registry = tmp_path / "claims.yaml"
    registry.write_text(yaml.safe_dump(ClaimRegistry(claims=[claim]).model_dump(mode="json")))
    export = tmp_path / "smoke.json"
    verify = [*CLAIMCHECK, "verify", "tiny-claim", "-r", str(registry), "--scale", "smoke", "--json", str(export)]
    ran = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    runs = json.loads(export.read_text())["runs"]
    assert [(r["experiment"], r["scale"], r["status"]) for r in runs] == [("tinypaper.replication", "smoke", "ok")]
    assert json.loads(export.read_text())["claims"][0]["result"]["verdict"] == "not-run"  # smoke gives no verdict

    own_test = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")]
    passed = subprocess.run(own_test, env=env, capture_output=True, text=True, timeout=300, cwd=package)
    assert passed.returncode == 0 and "1 passed" in passed.stdout, passed.stdout
