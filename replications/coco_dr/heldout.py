"""Held-out source queries, scored before and after fine-tuning: did the treatment learn its own task?

The held-out queries are never trained on. Each is ranked against a pool: every held-out query's positives and
BM25's top `depth` passages for it (one pool for all, so a query also competes with the others' candidates), and
scored by nDCG@10; its triplet loss uses its best BM25 negative. The pool keeps the check cheap at any corpus size
(a re-ranking evaluation), and BM25's candidates make it a hard one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from torch import nn

    from claimcheck.retrieval.encoders import EncodingProtocol
    from replications.coco_dr.trainset import TrainSet


@dataclass
class HeldOut:
    data: TrainSet
    pool: np.ndarray  # passage rows
    negatives: np.ndarray  # per query one BM25 negative row


def make_heldout(data: TrainSet, depth: int, k1: float = 0.9, b: float = 0.4) -> HeldOut:
    extra = max((len(p) for p in data.positives), default=0)
    top = data.bm25_top(depth + extra, k1, b)
    negatives = []
    for t, pos in zip(top, data.positives, strict=True):
        cand = t[~np.isin(t, pos)]
        negatives.append(int(cand[0]) if len(cand) else -1)
    keep = [i for i, n in enumerate(negatives) if n >= 0]
    data = data.subset(np.asarray(keep), data.name)
    pool = np.unique(np.concatenate([*data.positives, *(top[i][:depth] for i in keep)]))
    return HeldOut(data, pool, np.asarray([negatives[i] for i in keep], dtype=np.int64))


def score_heldout(
    model: nn.Module, tokenizer: Any, protocol: EncodingProtocol, ho: HeldOut, scale: float
) -> dict[str, Any]:
    """{"ndcg10": mean, "per_query": {qid: nDCG@10}, "loss": mean triplet loss at the training's score scale} in
    eval mode, no gradient."""
    import torch

    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.metrics import evaluate, mean
    from claimcheck.retrieval.search import exact_search
    from replications.coco_dr.model import encoder_of
    from replications.coco_dr.train import triplet_losses

    was = model.training
    model.eval()
    enc = Encoder(encoder_of(model), protocol, tokenizer=tokenizer)
    pool_rows = ho.pool.tolist()
    d_emb = enc.encode_ids(
        [[tokenizer.cls_token_id, *ho.data.passage_input(r).tolist(), tokenizer.sep_token_id] for r in pool_rows]
    )
    q_emb = enc.encode_queries(ho.data.queries)
    scores, idx = exact_search(q_emb, d_emb, k=min(100, len(pool_rows)), similarity=protocol.similarity)
    run = {
        q: {str(pool_rows[j]): float(s) for j, s in zip(idx[i].tolist(), scores[i].tolist(), strict=True)}
        for i, q in enumerate(ho.data.qids)
    }
    qrels = {q: {str(int(r)): 1 for r in pos} for q, pos in zip(ho.data.qids, ho.data.positives, strict=True)}
    per_query = evaluate(run, qrels, ["nDCG@10"])["nDCG@10"]
    losses = []
    with torch.no_grad():
        for start in range(0, len(ho.data.queries), 32):
            sl = slice(start, start + 32)
            pos = [ho.data.passage_input(int(p[0])) for p in ho.data.positives[sl]]
            neg = [ho.data.passage_input(int(n)) for n in ho.negatives[sl]]
            losses.append(triplet_losses(model, tokenizer, protocol, ho.data.queries[sl], pos, neg, scale))
    model.train(was)
    return {
        "ndcg10": mean(per_query),
        "per_query": per_query,
        "loss": float(torch.cat(losses).mean()) if losses else float("nan"),
    }
