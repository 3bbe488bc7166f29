"""Experiments are found through the entry-point group claimcheck.replications, loaded only when asked for; a
broken entry point is reported under its name and hides nothing else; claimcheck itself imports no replication."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import engine_fixtures as ef
import pytest
from plugin_support import install_entry_points

from claimcheck.plugins import ExperimentLoadError, ExperimentRegistry, UnknownExperimentError, installed_experiments

REPO = Path(__file__).resolve().parent.parent
GOOD = """
from claimcheck.experiments import Requirements, ScaleSpec, define_experiment
from claimcheck.models import ExperimentOutput

@define_experiment("good.one", paper="0", scales={"smoke": ScaleSpec(requirements=Requirements(minutes=0))})
def one(ctx):
    return ExperimentOutput()

not_an_experiment = 42
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four entry points in an installed distribution: one good, one whose module fails to import, one naming
    something that is not an experiment, one named unlike its experiment."""
    (tmp_path / "goodplug.py").write_text(GOOD)
    (tmp_path / "badplug.py").write_text("raise ImportError('needs libfoo')\n")
    entries = {"good.one": "goodplug:one", "bad.one": "badplug:thing", "good.number": "goodplug:not_an_experiment",
               "good.renamed": "goodplug:one"}  # fmt: skip
    install_entry_points(tmp_path, "someplugins", entries)
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("goodplug", "badplug"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    return tmp_path


def test_an_entry_point_loads_only_when_asked_for_and_names_its_package(site: Path) -> None:
    registry = installed_experiments()
    assert {"good.one", "bad.one", "good.number", "good.renamed"} <= set(registry.names())
    assert "goodplug" not in sys.modules and "badplug" not in sys.modules  # names come from metadata alone
    exp = registry["good.one"]
    assert exp.name == "good.one" and exp.package == "goodplug"
    assert "badplug" not in sys.modules  # the others were not imported


def test_a_failing_entry_point_is_reported_by_name_and_the_others_still_load(site: Path) -> None:
    registry = installed_experiments()
    failures = {f.name: f for f in registry.failures()}
    assert set(failures) >= {"bad.one", "good.number", "good.renamed"}
    assert "ImportError: needs libfoo" in failures["bad.one"].error and "badplug:thing" in failures["bad.one"].source
    assert "not an experiment" in failures["good.number"].error
    assert "must be named as its experiment" in failures["good.renamed"].error
    assert "good.one" in registry and "coco_dr.idro_ablation" in registry  # the others load
    with pytest.raises(ExperimentLoadError, match=r"experiment 'bad.one' .* failed to load: ImportError"):
        registry["bad.one"]
    assert registry.get("bad.one") is None and "failed to load" in registry.problem("bad.one")


def test_unknown_names_are_refused_with_the_closest_installed_names() -> None:
    registry = ef.experiments()
    with pytest.raises(UnknownExperimentError) as err:
        registry["enginetest.lexicl"]
    assert "did you mean 'enginetest.lexical'" in str(err.value) and "installed: enginetest" in str(err.value)
    assert "did you mean" not in ExperimentRegistry().problem("x") and "no package declares" in str(
        ExperimentRegistry().problem("x"))  # fmt: skip
    with pytest.raises(ValueError, match="already registered"):
        registry.add(ef.lexical)


def test_a_name_two_distributions_declare_differently_is_refused_for_both(tmp_path: Path, monkeypatch) -> None:
    install_entry_points(tmp_path / "a", "first", {"twice.exp": "engine_fixtures:lexical"})
    install_entry_points(tmp_path / "b", "second", {"twice.exp": "engine_fixtures:needs_data"})
    install_entry_points(tmp_path / "c", "copy", {ef.EXPERIMENT: "engine_fixtures:lexical"})
    install_entry_points(tmp_path / "d", "copy", {ef.EXPERIMENT: "engine_fixtures:lexical"})  # a stale second copy
    for folder in "abcd":
        monkeypatch.syspath_prepend(str(tmp_path / folder))
    registry = installed_experiments()
    assert "more than one entry point" in registry.problem("twice.exp")
    assert registry[ef.EXPERIMENT].fn is ef.lexical.fn  # two copies that agree count once


def test_bundled_papers_come_through_their_entry_points() -> None:
    registry = installed_experiments()
    bundled = {"beir.beir_eval", "beir.cocodr_eval", "coco_dr.idro_ablation", "gcl.gcl_multimodal",
               "optical.optical_clir"}  # fmt: skip
    assert bundled <= set(registry.names())
    assert registry["coco_dr.idro_ablation"].package == "replications.coco_dr"


def test_claimcheck_imports_no_replication() -> None:
    for path in (REPO / "claimcheck").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "replications" or n.startswith("replications.") for n in names), path
    # and at run time: the CLI, the engine and the registry check import no paper they are not asked for
    code = (
        "import sys, claimcheck.cli, claimcheck.verify, claimcheck.registry\n"
        "from claimcheck.plugins import installed_experiments\n"
        "assert not [m for m in sys.modules if m.startswith('replications')], 'imported before asked'\n"
        "installed_experiments()['coco_dr.idro_ablation']\n"
        "print(sorted(m for m in sys.modules if m.startswith('replications')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "['replications', 'replications.coco_dr', 'replications.coco_dr.scales']"
