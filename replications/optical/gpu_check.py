"""One OPTICAL distillation step at the full model's shapes, built from a config (no hub weights, no data).

`step_check(device, shape)` is what `scripts/gpu_check.py` calls: "full" builds the full-scale teacher's
architecture (mDPR = bert-base-multilingual-cased: 12 layers, hidden 768, 119,547-token vocabulary) with random
weights; "tiny" a 2-layer BERT for CPU CI. It runs one training step of the OT objective with the full scale's
distillation settings (batch 32 pairs of up to 64 tokens, Sinkhorn, envelope gradient; bf16 autocast on CUDA,
fp32 elsewhere) through the same `distill.train_step` the experiment uses, inside DDP when a process group is
initialised (OPTICAL's full scale trains on one GPU, so world size 1 is the case that matters), and asserts
that parameters and batch sit on `device`.
"""

from __future__ import annotations

import time
from typing import Any, Literal

SHAPES = {
    # castorini/mdpr-tied-pft-msmarco's config.json (bert-base-multilingual-cased)
    "full": {"vocab_size": 119547, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
             "intermediate_size": 3072, "max_position_embeddings": 512},
    "tiny": {"vocab_size": 1000, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 64, "max_position_embeddings": 128},
}  # fmt: skip


def synthetic_batch(vocab: int, pairs: int, width: int, seed: int = 0) -> Any:
    """Random token pairs of random lengths (≥ 3) padded to `width`; mass on every attended position."""
    import torch

    from replications.optical.distill import PairBatch

    g = torch.Generator().manual_seed(seed)
    sides = []
    for _ in range(2):
        lengths = torch.randint(3, width + 1, (pairs,), generator=g)
        attention = (torch.arange(width)[None] < lengths[:, None]).long()
        ids = torch.randint(5, vocab, (pairs, width), generator=g) * attention
        sides += [ids, attention, attention.bool()]
    return PairBatch(*sides)


def _peak_mb(device: Any) -> float:
    import resource

    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux: the process's peak


def step_check(device: str, shape: Literal["tiny", "full"]) -> dict[str, Any]:
    """One distillation step on `device` at `shape`; {"step_s", "peak_mem_mb", "loss", "device"}."""
    import torch
    import torch.distributed as dist
    from transformers import BertConfig, BertModel

    from replications.optical import FULL
    from replications.optical.distill import DistillConfig, make_optimizer, make_student, train_step

    dev = torch.device(device)
    torch.manual_seed(0)
    teacher = BertModel(BertConfig(**SHAPES[shape]), add_pooling_layer=False).to(dev)
    student = make_student(teacher)
    if dist.is_available() and dist.is_initialized():
        from torch.nn.parallel import DistributedDataParallel

        student = DistributedDataParallel(student, device_ids=[dev.index] if dev.type == "cuda" else None)
    precision = FULL.config["precision"] if dev.type == "cuda" else "fp32"
    cfg = DistillConfig.model_validate({**FULL.config["distill"], "precision": precision})
    batch = synthetic_batch(SHAPES[shape]["vocab_size"], cfg.batch_size, cfg.max_length).to(dev)
    for name, module in (("teacher", teacher), ("student", student)):
        wrong = [n for n, p in module.named_parameters() if p.device != dev]
        assert not wrong, f"{name} parameters not on {dev}: {wrong[:3]}"
    assert all(t.device == dev for t in vars(batch).values()), f"batch not on {dev}"
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
        torch.cuda.synchronize(dev)
    start = time.perf_counter()
    loss = train_step(student, teacher, batch, cfg, make_optimizer(student, cfg))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    step_s = time.perf_counter() - start
    assert torch.isfinite(torch.tensor(loss)), f"non-finite loss {loss}"
    return {"step_s": step_s, "peak_mem_mb": _peak_mb(dev), "loss": loss, "device": str(dev)}
