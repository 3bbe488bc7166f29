"""One iDRO training step of COCO-DR at the full model's shapes, for `scripts/gpu_check.py` (issue 16).

`step_check(device, "full")` builds BERT-base (12 layers, hidden 768, vocabulary 30,522; the Condenser's shapes)
from a config with random weights — no hub download — and runs one ANCE step with iDRO as the full scale does:
64 triples on this device (the official per-GPU batch), passages of 256 tokens, K = 50 groups, group gradients
over the last 3 layers, LAMB, bf16 autocast on a GPU. `"tiny"` is a 2-layer, hidden-32 BERT for CPU CI. Under an
initialised process group (world size 1 in the check) the step goes through the same all-reduce path.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

SHAPES: dict[str, dict[str, Any]] = {
    "full": {"layers": 12, "hidden": 768, "heads": 12, "intermediate": 3072, "vocab": 30522,
             "batch": 64, "doc_tokens": 256, "groups": 50},
    "tiny": {"layers": 2, "hidden": 32, "heads": 2, "intermediate": 64, "vocab": 200,
             "batch": 8, "doc_tokens": 32, "groups": 4},
}  # fmt: skip


def _model(shape: dict[str, Any], device: str):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=shape["vocab"], hidden_size=shape["hidden"], num_hidden_layers=shape["layers"],
        num_attention_heads=shape["heads"], intermediate_size=shape["intermediate"], max_position_embeddings=512,
    )  # fmt: skip
    return BertModel(config, add_pooling_layer=False).to(device)


def _source(n_docs: int, words_per_doc: int):
    """Synthetic topical passages long enough to fill `doc_tokens` (the smoke generator's words, repeated)."""
    from replications.coco_dr.smoke import synthetic_dataset

    ds = synthetic_dataset("gpu-check", [0, 1, 2, 3], n_docs, n_docs, seed=0)
    for doc in ds.corpus.values():
        words = doc["text"].split()
        doc["text"] = " ".join((words * (words_per_doc // len(words) + 1))[:words_per_doc])
    return ds


def step_check(device: str, shape: Literal["tiny", "full"]) -> dict[str, Any]:
    """Run one iDRO step; assert parameters and batch are on `device`; return time, peak memory, loss, device."""
    import torch

    from claimcheck.retrieval.encoders import get_protocol
    from replications.coco_dr.smoke import _tokenizer
    from replications.coco_dr.train import FinetuneConfig, Trainer, mine_episode
    from replications.coco_dr.trainset import from_dataset

    s = SHAPES[shape]
    on_gpu = device.startswith("cuda")
    model = _model(s, device)
    tokenizer = _tokenizer()
    protocol = get_protocol("coco-dr").model_copy(update={"query_max_length": 32, "doc_max_length": s["doc_tokens"]})
    cfg = FinetuneConfig(
        objective="idro", episodes=1, steps_per_episode=1, batch_size=s["batch"], triples_per_query=2,
        neg_depth=8, neg_keep=4, n_groups=s["groups"], idro_layers=min(3, s["layers"]), kmeans_niter=10,
        kmeans_nredo=1, bf16=on_gpu,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data = from_dataset(_source(2 * s["batch"], s["doc_tokens"]), protocol, tokenizer, Path(tmp) / "passages")
        trainer = Trainer(model, tokenizer, protocol, data, cfg)
        episode = mine_episode(model, tokenizer, protocol, data, cfg, 0)
        batch = trainer._batch(episode, 0)
        assert all(p.device.type == torch.device(device).type for p in model.parameters()), "parameters off device"
        placed, handle = _batch_device(model)
        if on_gpu:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        loss = trainer.step(episode, batch, 0, 0)
        if on_gpu:
            torch.cuda.synchronize()
        step_s = time.perf_counter() - start
        trainer.close()
        handle.remove()
    assert placed and placed[0] == torch.device(device).type, f"batch went to {placed}, not {device}"
    peak = (
        torch.cuda.max_memory_allocated() / 2**20
        if on_gpu
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    return {"step_s": step_s, "peak_mem_mb": peak, "loss": loss, "device": device}


def _batch_device(model: Any) -> tuple[list[str], Any]:
    """A forward pre-hook recording the device of the input ids the model's first forward call sees."""
    seen: list[str] = []

    def hook(_module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is not None and not seen:
            seen.append(ids.device.type)

    return seen, model.register_forward_pre_hook(hook, with_kwargs=True)
