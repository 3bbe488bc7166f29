"""The COCO-DR part of the GPU check runs one iDRO step at tiny shapes on the CPU (CI), with and without an
initialised process group of world size 1."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from replications.coco_dr.gpu_check import SHAPES, step_check  # noqa: E402


def test_tiny_step_on_the_cpu() -> None:
    out = step_check("cpu", "tiny")
    assert out["device"] == "cpu" and out["step_s"] > 0 and out["peak_mem_mb"] > 0
    assert out["loss"] == out["loss"] and out["loss"] > 0


def test_tiny_step_under_a_world_of_one(tmp_path: Path) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'init'}", rank=0, world_size=1)
    try:
        assert step_check("cpu", "tiny")["loss"] > 0
    finally:
        dist.destroy_process_group()


def test_full_shapes_are_bert_base_with_the_official_batch() -> None:
    full = SHAPES["full"]
    assert (full["layers"], full["hidden"], full["vocab"]) == (12, 768, 30522)
    assert (full["batch"], full["doc_tokens"], full["groups"]) == (64, 256, 50)
