"""The training both sides of the COCO-DR DDP test run (tests/replications/coco_dr/test_ddp.py).

It lives in `tests/support/` (on pytest's pythonpath) because `torch.multiprocessing.spawn` pickles the worker by
module name: a function defined in a test module, imported by pytest under importlib mode, cannot be found again
by a spawned process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

STEPS = 2


def train(model_dir: str, out_file: str | None, work: str) -> dict:
    """iDRO fine-tuning (LAMB, clipping, consecutive triples) then COCO (whole-word + Condenser-head MLM, two span
    shards) on the tiny BERT; returns losses, weights and a parameter digest."""
    import torch

    from claimcheck.retrieval.distributed import rank_and_world
    from claimcheck.retrieval.encoders import get_protocol
    from replications.coco_dr.coco import CocoConfig, coco_pretrain
    from replications.coco_dr.model import encoder_of, load
    from replications.coco_dr.shards import SpanShard, write_span_shards
    from replications.coco_dr.smoke import synthetic_dataset
    from replications.coco_dr.spans import chunk_spanner
    from replications.coco_dr.train import FinetuneConfig, finetune
    from replications.coco_dr.trainset import from_dataset

    rank, world = rank_and_world()
    torch.manual_seed(0)
    model, tok = load(model_dir, mlm=True, dropout=0.0)
    data = synthetic_dataset("src", [0, 1, 2], 24, 24, seed=0)
    proto = get_protocol("coco-dr").model_copy(update={"query_max_length": 16, "doc_max_length": 24})
    train_set = from_dataset(data, proto, tok, Path(work) / f"passages-{world}-{rank}")
    cfg = FinetuneConfig(
        episodes=2, steps_per_episode=STEPS, batch_size=8, triples_per_query=2, lr=1e-3, n_groups=3, idro_layers=2,
        neg_depth=8, neg_keep=4, kmeans_niter=10, kmeans_nredo=1,
    )  # fmt: skip
    ft = finetune(encoder_of(model), tok, proto, train_set, cfg)
    texts = [d["text"] for d in data.corpus.values()]
    paths = write_span_shards(texts, Path(work) / f"spans-{world}-{rank}", 2, chunk_spanner(tok, 8, 0.1, 0),
                              only=range(rank, 2, world))  # fmt: skip
    coco_cfg = CocoConfig(steps=STEPS, batch_docs=4, lr=1e-3, mlm_weight=1.0, condenser_head=True, head_layers=1,
                          skip_from=1, max_tokens=10)  # fmt: skip
    coco = coco_pretrain(model, tok, [SpanShard.open(p) for p in paths], 2, coco_cfg)
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


def worker(rank: int, world: int, init_file: str, model_dir: str, out_file: str) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        train(model_dir, out_file if rank == 0 else None, str(Path(init_file).parent))
    finally:
        dist.destroy_process_group()
