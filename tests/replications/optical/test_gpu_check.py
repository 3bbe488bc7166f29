"""The GPU check's OPTICAL step runs on the CPU at tiny shapes, alone and inside a world-size-1 process group."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.optical.gpu_check import SHAPES, step_check, synthetic_batch  # noqa: E402


def test_one_tiny_step_on_the_cpu_reports_time_memory_and_a_finite_loss() -> None:
    result = step_check("cpu", "tiny")
    assert set(result) == {"step_s", "peak_mem_mb", "loss", "device"}
    assert result["device"] == "cpu" and result["step_s"] > 0 and result["peak_mem_mb"] > 0
    assert math.isfinite(result["loss"]) and 0 <= result["loss"] <= 2  # ⟨P, C⟩ with costs in [0, 2]


def test_the_step_runs_under_an_initialised_process_group(tmp_path: Path) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        assert math.isfinite(step_check("cpu", "tiny")["loss"])
    finally:
        dist.destroy_process_group()


def test_full_shapes_are_the_full_scale_teachers_and_batches_respect_lengths() -> None:
    assert SHAPES["full"]["vocab_size"] == 119547 and SHAPES["full"]["hidden_size"] == 768
    batch = synthetic_batch(vocab=50, pairs=4, width=8)
    assert batch.en_ids.shape == (4, 8)
    assert bool(((batch.fx_ids == 0) | batch.fx_attention.bool()).all())  # padding is [PAD] = 0, not attended
