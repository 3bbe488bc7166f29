"""gcl.gcl_multimodal end to end at tiny size: the synthetic smoke scale, and the full-scale configuration on
files the test writes (a checkpoint directory, M-BEIR files and an LCS-558K-style pair file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("PIL")

from claimcheck.experiments import RunContext, get_experiment
from replications.gcl.mbeir import write_world_task
from replications.gcl.model import TinyClipSpec, write_tiny_checkpoint
from replications.gcl.pairs import write_lcs_pairs
from replications.gcl.world import WORLD_TASKS, World, WorldConfig, build_tasks, vocabulary

CONDITIONS = ("pretrained", "cl", "gcl", "cl_fused")


def test_registration_is_cheap() -> None:
    code = "import sys, replications.gcl; print('torch' in sys.modules or 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_smoke_scores_every_world_task_locally_and_globally_with_its_checks(tmp_path: Path) -> None:
    exp = get_experiment("gcl.gcl_multimodal")
    ctx = RunContext(experiment=exp.name, scale="smoke", config=exp.config_for("smoke"), seeds=[0], work_dir=tmp_path)
    out = exp.fn(ctx)
    datasets = {m.dataset for m in out.measurements}
    local = {spec.name for spec in WORLD_TASKS}
    assert datasets == local | {f"{d}@union" for d in local}
    assert {m.condition for m in out.measurements} == set(CONDITIONS)
    assert {m.metric for m in out.measurements} == {"Success@1", "Success@5", "UniIR-Recall"}
    names = {c.name for c in out.validity}
    assert names == {"start-retrieves-cross-modal", "gcl-lowered-heldout-loss", "cl_fused-lowered-heldout-loss",
                     "cl-baseline-not-degraded", "no-placeholder-config"}  # fmt: skip
    assert all(c.detail for c in out.validity)
    assert set(out.extra["heldout"]["loss"]) == {"cl", "gcl", "cl_fused"}
    assert any(Path(p).name.startswith("crops-") for p in (tmp_path / "crops").iterdir())  # decoded once, cached


@pytest.fixture(scope="module")
def full_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | list[dict]]:
    tmp = tmp_path_factory.mktemp("full")
    spec = TinyClipSpec(image_size=16, patch_size=8, hidden=16, layers=1, heads=2, projection_dim=16)
    model_dir = write_tiny_checkpoint(tmp / "ckpt", vocabulary(), spec)
    world = WorldConfig(seed=2, image_size=16, n_queries=4, n_random_distractors=3)
    sets = [write_world_task(tmp / "M-BEIR", t) for t in build_tasks(world, WORLD_TASKS[::2])]
    pairs = write_lcs_pairs(tmp / "lcs", list(World(world).pairs(24)))
    return {"model": str(model_dir), "mbeir_dir": str(tmp / "M-BEIR"), "pairs_json": str(pairs),
            "mbeir_sets": [s.model_dump() for s in sets]}  # fmt: skip


def test_full_configuration_runs_on_the_cpu_and_refuses_verdicts_with_placeholder_values(
    full_files: dict, tmp_path: Path
) -> None:
    exp = get_experiment("gcl.gcl_multimodal")
    # the full scale's own path, shrunk for a CPU: batch size and steps are set, lr/warmup/weight decay are not
    small = {"device": "cpu", "precision": "fp32", "workers": 0, "batch_size": 4, "steps": 2, "heldout_pairs": 8,
             "eval_batch_size": 8, "image_cache_dir": str(tmp_path / "crop_cache")}  # fmt: skip
    config = exp.config_for("full", {**full_files, **small})
    ctx = RunContext(experiment=exp.name, scale="full", config=config, seeds=[0, 1], work_dir=tmp_path / "work")
    out = exp.fn(ctx)

    names = [s["name"] for s in full_files["mbeir_sets"]]
    keys = {(m.condition, m.dataset, m.metric, m.seed) for m in out.measurements}
    for name in names:
        for metric in ("Success@5", "UniIR-Recall"):
            assert ("gcl", name, metric, 1) in keys and ("cl_fused", f"{name}@union", metric, 0) in keys
            assert ("pretrained", name, metric, 0) in keys and ("pretrained", name, metric, 1) not in keys
    for m in out.measurements:
        assert len(m.per_query) == 4 and set(m.per_query.values()) <= {0.0, 1.0}
    check = next(c for c in out.validity if c.name == "no-placeholder-config")
    assert not check.passed and "lr=1e-06" in check.detail and "batch_size" not in check.detail
    assert any(k.startswith("weights:") for k in out.fingerprints) and any(
        k.startswith("pool:") for k in out.fingerprints
    )
    assert any("same for every seed" in note for note in out.notes)
    assert any((tmp_path / "crop_cache").iterdir())


def test_a_treatment_that_did_not_train_fails_its_check(tmp_path: Path) -> None:
    """A realistic failure: the continued training does not move the model (learning rate 0)."""
    exp = get_experiment("gcl.gcl_multimodal")
    config = exp.config_for("smoke", {"lr": 0.0, "union": False})
    out = exp.fn(RunContext(experiment=exp.name, scale="smoke", config=config, seeds=[0], work_dir=tmp_path))
    checks = {c.name: c for c in out.validity}
    assert not checks["gcl-lowered-heldout-loss"].passed and not checks["cl_fused-lowered-heldout-loss"].passed
    assert "change +0.0000" in checks["gcl-lowered-heldout-loss"].detail
    assert checks["cl-baseline-not-degraded"].passed  # an unchanged baseline is not a degraded one
    assert not any(m.dataset.endswith("@union") for m in out.measurements)
