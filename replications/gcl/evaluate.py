"""Embedding M-BEIR items and scoring every set against its local pool and against the global pool.

All local pools are embedded once per model into one matrix on the model's device, in the order of the global
pool (UniIR's UNION is their concatenation); a local pool is a slice of it, so the global pool costs no second
copy. Each query is embedded by its own modality (image, text, or the fused image+text embedding); ranking is
exact cosine top-k in chunks on that device (`claimcheck.retrieval.search.exact_search`), never the whole query ×
candidate matrix, and only the top k come back to the host.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from replications.gcl.images import Collate, CropStore, ItemDataset, Items, batches, has_image, has_text, sequential
from replications.gcl.mbeir import QuerySet, check_union, hit_at_k, union_name
from replications.gcl.model import autocast

if TYPE_CHECKING:
    import torch

    from replications.gcl.model import DualEncoder


@dataclass
class EvalOptions:
    batch_size: int = 256
    workers: int = 0
    precision: str = "fp32"
    union: bool = True  # also rank every set against the global pool


def encode(encoder: DualEncoder, items: Items, store: CropStore, options: EvalOptions) -> torch.Tensor:
    """(len(items), d) L2-normalised fp32 embeddings on the encoder's device, each item by its own modality."""
    import torch
    import torch.nn.functional as F

    device = encoder.device
    out = torch.empty(len(items), encoder.model.config.projection_dim, device=device)
    collate = Collate(encoder.tokenizer, encoder.max_text_len)
    encoder.model.eval()
    with torch.no_grad():
        order = sequential(len(items), options.batch_size)
        for batch in batches(ItemDataset(items, store), order, collate, options.workers):
            n = len(batch)
            image = torch.zeros(n, out.shape[1], device=device)
            text = torch.zeros(n, out.shape[1], device=device)
            with autocast(options.precision, device):
                if batch.crops is not None:
                    image[batch.image_rows] = encoder.image_features(batch.crops).float()
                if batch.input_ids is not None and batch.attention_mask is not None:
                    text[batch.text_rows] = encoder.text_features(batch.input_ids, batch.attention_mask).float()
            modality = [items.modalities[r] for r in batch.rows]
            has_i = torch.tensor([has_image(m) for m in modality], device=device)
            has_t = torch.tensor([has_text(m) for m in modality], device=device)
            vectors = torch.where(has_i[:, None], image, text)
            both = has_i & has_t
            if both.any():
                vectors[both] = encoder.fuse(image[both], text[both])
            out[batch.rows] = F.normalize(vectors, dim=-1)
    return out


def hits(
    queries: torch.Tensor, candidates: torch.Tensor, candidate_ids: Sequence[str], qset: QuerySet, ks: Sequence[int]
) -> dict[int, dict[str, float]]:
    """Per-query hit@k for each k (a query without qrels scores 0, as in UniIR)."""
    from claimcheck.retrieval.search import exact_search

    _, top = exact_search(queries, candidates, max(ks), device=candidates.device)
    out: dict[int, dict[str, float]] = {k: {} for k in ks}
    for qid, row in zip(qset.queries.ids, top.tolist(), strict=True):
        ranked = [candidate_ids[j] for j in row]
        for k in ks:
            out[k][qid] = hit_at_k(qset.qrels.get(qid, set()), ranked, k)
    return out


@dataclass
class SetScores:
    dataset: str  # measurement name: the set's, or its union name
    reported_k: int  # UniIR's reported cutoff for the set
    per_k: dict[int, dict[str, float]]  # k -> qid -> hit


class Evaluation:
    """The sets of a run, their pools (global order) and one crop store; `scores(encoder)` scores a model."""

    def __init__(self, qsets: Sequence[QuerySet], pools: dict[str, Items], names: dict[str, str], ks: Sequence[int],
                 store: CropStore, options: EvalOptions) -> None:  # fmt: skip
        missing = sorted({q.set.pool for q in qsets} - set(pools))
        if missing:
            raise ValueError(f"no candidate pool loaded for {missing}")
        if options.union:
            check_union(pools)
        self.qsets, self.names, self.ks, self.store, self.options = list(qsets), names, list(ks), store, options
        self.pool_names = list(pools)
        self.candidates = Items.concat([pools[p] for p in self.pool_names])
        self.slices: dict[str, slice] = {}
        start = 0
        for name in self.pool_names:
            self.slices[name] = slice(start, start + len(pools[name]))
            start += len(pools[name])

    def scores(self, encoder: DualEncoder) -> Iterator[SetScores]:
        """Local-pool scores of every set, then (with `union`) its global-pool scores."""
        pool = encode(encoder, self.candidates, self.store, self.options)
        for qset in self.qsets:
            ks = sorted(set(self.ks) | {qset.set.k})
            queries = encode(encoder, qset.queries, self.store, self.options)
            local = self.slices[qset.set.pool]
            dataset = self.names[qset.set.name]
            yield SetScores(dataset, qset.set.k, hits(queries, pool[local], self.candidates.ids[local], qset, ks))
            if self.options.union:
                yield SetScores(union_name(dataset), qset.set.k, hits(queries, pool, self.candidates.ids, qset, ks))
