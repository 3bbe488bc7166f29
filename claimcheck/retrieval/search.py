"""Exact top-k search with bounded memory.

The corpus is scanned in chunks of `chunk_size` rows: each chunk's scores (queries × chunk) are reduced to
their top k at once and merged into a running top k, so memory holds one chunk of scores, never the full
queries × corpus matrix. The corpus may be a numpy memmap (read chunk by chunk from disk). Scores come from a
torch matrix product, or from `faiss.knn` when `backend="faiss"` (faiss-cpu installed). With `device` (torch
backend) each chunk is scored and reduced there, e.g. on the GPU beside embeddings already held there; only the
top k come back to the host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch


def _as_tensor(x: Any) -> torch.Tensor:
    import numpy as np
    import torch

    if isinstance(x, torch.Tensor):
        return x.float()
    arr = np.ascontiguousarray(x, dtype=np.float32)
    # a read-only memmap slice is copied (one chunk) rather than shared: torch tensors assume writable memory
    return torch.from_numpy(arr if arr.flags.writeable else arr.copy())


def _chunk_topk(
    q: torch.Tensor, chunk: torch.Tensor, k: int, backend: str, metric: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    if backend == "faiss":
        import faiss

        scores, idx = faiss.knn(q.numpy(), chunk.numpy(), k, metric=metric)
        return torch.from_numpy(scores), torch.from_numpy(idx)
    return torch.topk(q @ chunk.T, k, dim=1)


def exact_search(
    queries: Any,
    corpus: Any,
    k: int,
    similarity: Literal["dot", "cos"] = "dot",
    chunk_size: int = 50_000,
    query_chunk_size: int = 4_096,
    backend: Literal["torch", "faiss"] = "torch",
    device: str | torch.device | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-`k` corpus rows for each query: (scores, indices) on the CPU, each (n_queries, min(k, n_corpus)),
    best first.

    `similarity="cos"` normalises the queries once and each corpus chunk as it is read.
    """
    import torch

    metric = None
    if backend == "faiss":
        if device is not None and torch.device(device).type != "cpu":
            raise ValueError("the faiss backend searches on the CPU; use backend='torch' for a GPU device")
        import faiss

        metric = faiss.METRIC_INNER_PRODUCT
    elif backend != "torch":
        raise ValueError(f"unknown search backend {backend!r}")
    where = torch.device(device) if device is not None else torch.device("cpu")
    if similarity not in ("dot", "cos"):
        raise ValueError(f"unknown similarity {similarity!r}")
    q_all = _as_tensor(queries).to(where)
    if similarity == "cos":
        q_all = torch.nn.functional.normalize(q_all, dim=-1)
    n_corpus = len(corpus)
    k = min(k, n_corpus)
    out_scores = torch.empty(len(q_all), k)
    out_idx = torch.empty(len(q_all), k, dtype=torch.long)
    for q0 in range(0, len(q_all), query_chunk_size):
        q = q_all[q0 : q0 + query_chunk_size].contiguous()
        best_s = torch.full((len(q), 0), float("-inf"), device=where)
        best_i = torch.zeros((len(q), 0), dtype=torch.long, device=where)
        for c0 in range(0, n_corpus, chunk_size):
            chunk = _as_tensor(corpus[c0 : c0 + chunk_size]).to(where)
            if similarity == "cos":
                chunk = torch.nn.functional.normalize(chunk, dim=-1)
            s, i = _chunk_topk(q, chunk, min(k, len(chunk)), backend, metric)
            merged_s = torch.cat([best_s, s], dim=1)
            merged_i = torch.cat([best_i, i.long() + c0], dim=1)
            top_s, pos = torch.topk(merged_s, min(k, merged_s.shape[1]), dim=1)
            best_s, best_i = top_s, torch.gather(merged_i, 1, pos)
            del chunk, s, i
        out_scores[q0 : q0 + len(q)] = best_s.cpu()
        out_idx[q0 : q0 + len(q)] = best_i.cpu()
    return out_scores, out_idx


def to_run(
    scores: torch.Tensor, indices: torch.Tensor, qids: list[str], docids: list[str]
) -> dict[str, dict[str, float]]:
    """A TREC-style run {qid: {docid: score}} from `exact_search` output."""
    s, ix = scores.tolist(), indices.tolist()
    return {qid: {docids[j]: float(v) for j, v in zip(ix[r], s[r], strict=True)} for r, qid in enumerate(qids)}
