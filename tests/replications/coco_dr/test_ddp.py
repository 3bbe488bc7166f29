"""Two gloo processes train exactly what one process trains with the same global batch (iDRO and COCO)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
mp = pytest.importorskip("torch.multiprocessing")

STEPS = 2


def _train(model_dir: str, out_file: str | None) -> dict:
    """iDRO fine-tuning then COCO (with MLM) on the tiny BERT; returns losses, weights and a parameter digest."""
    import torch

    from claimcheck.retrieval.encoders import get_protocol
    from replications.coco_dr.coco import CocoConfig, build_spans, coco_pretrain
    from replications.coco_dr.model import encoder_of, load
    from replications.coco_dr.smoke import synthetic_dataset
    from replications.coco_dr.train import FinetuneConfig, finetune

    torch.manual_seed(0)
    model, tok = load(model_dir, mlm=True, dropout=0.0)
    data = synthetic_dataset("src", [0, 1, 2], 24, 24, seed=0)
    proto = get_protocol("coco-dr").model_copy(update={"query_max_length": 16, "doc_max_length": 24})
    cfg = FinetuneConfig(
        episodes=2, steps_per_episode=STEPS, batch_size=8, lr=1e-3, n_groups=3, idro_layers=2, neg_depth=8,
        neg_keep=4, kmeans_niter=10, kmeans_nredo=1,
    )  # fmt: skip
    ft = finetune(encoder_of(model), tok, proto, data, cfg)
    spans = build_spans([d["text"] for d in data.corpus.values()], tok, 8)
    coco = coco_pretrain(model, tok, spans, CocoConfig(steps=STEPS, batch_docs=4, lr=1e-3, mlm_weight=1.0))
    result = {
        "ft_losses": ft.losses,
        "weights": ft.weights,
        "coco_losses": coco.losses,
        # Attention key biases have an exactly-zero true gradient (softmax ignores a shift), so Adam turns rounding
        # noise into lr-sized steps there: they are left out of the comparison.
        "params": {n: p.detach().double().sum().item() for n, p in model.named_parameters() if "key.bias" not in n},
        "probe": [p.detach().flatten()[:5].tolist() for p in list(model.parameters())[-6:]],
    }
    if out_file:
        Path(out_file).write_text(json.dumps(result))
    return result


def _worker(rank: int, world: int, init_file: str, model_dir: str, out_file: str) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        _train(model_dir, out_file if rank == 0 else None)
    finally:
        dist.destroy_process_group()


@pytest.mark.timeout(600)  # ~15 s idle; the shared machine can be far slower
def test_two_gloo_processes_match_one(tmp_path: Path) -> None:
    from replications.coco_dr.smoke import build_tiny_bert

    model_dir = str(build_tiny_bert(tmp_path / "bert", layers=2, hidden=16, dropout=0.0))
    out_file = tmp_path / "ddp.json"
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), model_dir, str(out_file)), nprocs=2, join=True)
    ddp = json.loads(out_file.read_text())
    single = _train(model_dir, None)
    assert len(single["ft_losses"]) == 2 * STEPS and len(single["coco_losses"]) == STEPS
    assert single["ft_losses"] == pytest.approx(ddp["ft_losses"], rel=1e-5, abs=1e-6)
    assert single["coco_losses"] == pytest.approx(ddp["coco_losses"], rel=1e-5, abs=1e-6)
    for a, b in zip(single["weights"], ddp["weights"], strict=True):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-7)
    assert single["params"] == pytest.approx(ddp["params"], rel=1e-5, abs=1e-5)
    for a, b in zip(single["probe"], ddp["probe"], strict=True):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-6)
