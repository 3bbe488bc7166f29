"""One GCL training step at the full model's shapes, for `scripts/gpu_check.py` (no hub weights, no data).

"full" is CLIP ViT-B/32 as `openai/clip-vit-base-patch32` is shaped (transformers' `CLIPConfig()` defaults: ViT
hidden 768 × 12 layers, patch 32 at 224 px; text 512 × 12 layers, 49,408 tokens, 77 positions; projection 512),
randomly initialised, at the full scale's batch size and precision (bf16 autocast on a GPU). "tiny" is a
one-layer CLIP for the CPU in CI. The batch is random uint8 crops and token ids, made on the host as the loader
makes them; the step is the full scale's own `training_step`.

GCL's full scale trains on one GPU (batch 1024 fits; the peak memory below says by how much), so it has no DDP
path: under an initialised process group the step runs the same, in this process only.
"""

from __future__ import annotations

import time
from typing import Any, Literal


def _config(shape: Literal["tiny", "full"]) -> Any:
    from transformers import CLIPConfig

    if shape == "full":
        return CLIPConfig()
    if shape != "tiny":
        raise ValueError(f"unknown shape {shape!r} (tiny or full)")
    tower = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2}
    return CLIPConfig(
        text_config={
            **tower,
            "vocab_size": 64,
            "max_position_embeddings": 16,
            "pad_token_id": 0,
            "bos_token_id": 62,
            "eos_token_id": 63,
        },
        vision_config={**tower, "image_size": 32, "patch_size": 8},
        projection_dim=32,
    )


def _batch(config: Any, n: int, seed: int = 0) -> Any:
    import torch

    from replications.gcl.images import ItemBatch

    g = torch.Generator().manual_seed(seed)
    size, text = config.vision_config.image_size, config.text_config
    crops = torch.randint(0, 256, (n, size, size, 3), generator=g, dtype=torch.uint8)
    length = text.max_position_embeddings
    ids = torch.randint(0, text.eos_token_id, (n, length), generator=g)
    ids[:, -1] = text.eos_token_id  # CLIP pools the text at its end-of-text token
    rows = list(range(n))
    return ItemBatch(rows, crops, rows, ids, torch.ones_like(ids), rows)


def step_check(device: str, shape: Literal["tiny", "full"]) -> dict[str, Any]:
    """Build the model at `shape`, run one GCL step on `device`; step time, peak memory, loss and device."""
    import torch
    from transformers import CLIPModel

    from replications.gcl import FULL
    from replications.gcl.model import DualEncoder, ImagePreprocessor
    from replications.gcl.train import training_step

    config = _config(shape)
    torch.manual_seed(0)
    model = CLIPModel(config).to(device)
    crop = config.vision_config.image_size
    preprocessor = ImagePreprocessor(size={"shortest_edge": crop}, crop_size={"height": crop, "width": crop})
    encoder = DualEncoder(model, tokenizer=None, preprocessor=preprocessor, fusion=FULL.config["fusion"])
    kind = torch.device(device).type
    on_gpu = kind == "cuda"
    batch = _batch(config, FULL.config["batch_size"] if shape == "full" else 8)
    batch.crops, batch.input_ids, batch.attention_mask = (
        t.to(device) for t in (batch.crops, batch.input_ids, batch.attention_mask)
    )
    precision = FULL.config["precision"] if on_gpu else "fp32"
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    placed = {p.device.type for p in model.parameters()} | {t.device.type for t in (batch.crops, batch.input_ids)}
    assert placed == {kind}, f"parameters and batch on {placed}, not {kind}"
    if on_gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    loss = training_step(encoder, optimizer, batch, "gcl", mask_same_sample=FULL.config["mask_same_sample"],
                         precision=precision)  # fmt: skip
    if on_gpu:
        torch.cuda.synchronize()
    step_s = time.perf_counter() - start
    return {"step_s": step_s, "peak_mem_mb": _peak_mb(on_gpu), "loss": loss, "device": str(encoder.device),
            "precision": precision, "batch": len(batch)}  # fmt: skip


def _peak_mb(on_gpu: bool) -> float:
    import torch

    if on_gpu:
        return torch.cuda.max_memory_allocated() / 2**20
    from claimcheck.provenance import peak_memory_mb

    return peak_memory_mb()
