"""gcl.gcl_multimodal at smoke scale through the full-scale path: a checkpoint directory, M-BEIR files and an
LCS-558K-style pair file, all written by the test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from claimcheck.experiments import RunContext, get_experiment
from replications.gcl.mbeir import write_world_task
from replications.gcl.model import TinyClipSpec, write_tiny_checkpoint
from replications.gcl.pairs import write_lcs_pairs
from replications.gcl.world import World, WorldConfig, build_tasks, vocabulary


def test_registration_is_cheap() -> None:
    code = "import sys, replications.gcl; print('torch' in sys.modules or 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_smoke_runs_hub_style_checkpoint_mbeir_files_and_lcs_pairs(tmp_path: Path) -> None:
    spec = TinyClipSpec(image_size=16, patch_size=8, hidden=16, layers=1, heads=2, projection_dim=16)
    model_dir = write_tiny_checkpoint(tmp_path / "ckpt", vocabulary(), spec)
    world = WorldConfig(seed=2, image_size=16, n_queries=4, n_random_distractors=3)
    names = [write_world_task(tmp_path / "M-BEIR", t) for t in build_tasks(world, (0, 3, 7, 8))]
    pairs = write_lcs_pairs(tmp_path / "lcs", list(World(world).pairs(12)))
    exp = get_experiment("gcl.gcl_multimodal")
    params = {"model": str(model_dir), "mbeir_dir": str(tmp_path / "M-BEIR"), "mbeir_sets": names,
              "pairs_json": str(pairs)}  # fmt: skip
    config = exp.config_for("smoke", params)
    ctx = RunContext(experiment=exp.name, scale="smoke", config=config, seeds=[0], work_dir=tmp_path / "work")
    out = exp.fn(ctx)

    keys = {(m.condition, m.dataset, m.metric) for m in out.measurements}
    assert keys == {(c, n, f"Success@{k}") for c in ("pretrained", "cl", "gcl") for n in names for k in (1, 5)}
    for m in out.measurements:
        assert len(m.per_query) == 4 and set(m.per_query.values()) <= {0.0, 1.0}
        assert m.value == pytest.approx(sum(m.per_query.values()) / 4)
        at5 = next(x for x in out.measurements if (x.condition, x.dataset, x.metric, x.seed) == (
            m.condition, m.dataset, "Success@5", m.seed))  # fmt: skip
        assert m.value <= at5.value  # hit@1 ≤ hit@5
    assert any(name.startswith("weights:") for name in out.fingerprints)
    assert any(name.startswith("pairs:") for name in out.fingerprints)
    assert set(out.extra["final_losses"]["0"]) == {"pretrain", "cl", "gcl"}
