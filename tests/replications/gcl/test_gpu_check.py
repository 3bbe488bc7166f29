"""GCL's GPU-check step runs at tiny shapes on the CPU, alone and inside a one-process gloo group."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.gcl.gpu_check import _batch, _config, step_check  # noqa: E402


def _check(result: dict) -> None:
    assert result["device"] == "cpu" and result["precision"] == "fp32" and result["batch"] == 8
    assert math.isfinite(result["loss"]) and result["loss"] > 0 and result["step_s"] > 0 and result["peak_mem_mb"] > 0


def test_tiny_step_on_the_cpu() -> None:
    _check(step_check("cpu", "tiny"))


def test_tiny_step_under_an_initialised_process_group(tmp_path: Path) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path}/init", rank=0, world_size=1)
    try:
        _check(step_check("cpu", "tiny"))
    finally:
        dist.destroy_process_group()


def test_full_shape_is_clip_vit_b32_and_its_batch_ends_at_end_of_text() -> None:
    config = _config("full")
    assert (config.vision_config.hidden_size, config.vision_config.patch_size, config.vision_config.image_size) == (
        768, 32, 224)  # fmt: skip
    assert (config.text_config.hidden_size, config.text_config.vocab_size, config.projection_dim) == (512, 49408, 512)
    batch = _batch(_config("tiny"), 4)
    assert (
        batch.crops.dtype == torch.uint8 and (batch.input_ids[:, -1] == _config("tiny").text_config.eos_token_id).all()
    )
    with pytest.raises(ValueError, match="shape"):
        _config("huge")  # type: ignore[arg-type]
