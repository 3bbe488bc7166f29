"""Retrieval with a (student or teacher) query encoder against teacher-encoded English documents → per-query AP.

`scoring="pooled"`: one vector per text, pooled and compared as the teacher was trained (its `EncodingProtocol`:
mean pooling and cosine for MiniLM and multilingual-e5, CLS and dot product for mDPR).
`scoring="late_interaction"`: ColBERT-style MaxSim, Σ_i max_j cos(q_i, d_j) over token embeddings. The paper
distils token embeddings, which is what a late-interaction scorer consumes, so it implies token-level scoring
(unconfirmed: the paper's scorer could not be read here). Late interaction is exact but O(|Q|·|D|·Lq·Ld), so the
proxy uses pooled scoring on its CPU budget.

`bm25_ap` is the lexical reference: BM25 over the untranslated query's words against the English candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from claimcheck.retrieval.distributed import device_of

if TYPE_CHECKING:
    import torch

Scoring = Literal["pooled", "late_interaction"]


def encode(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    max_length: int,
    pooling: str = "mean",
    precision: str = "fp32",
    token_budget: int = 8192,
):
    """One forward pass → (pooled (N, d), token vectors (N, L, d), token mask (N, L)), rows in the order of `texts`.

    Pooled = `pooling` ("mean" over real tokens, or "cls") of the last hidden state, not normalised (the search
    normalises for cosine); token vectors are the L2-normalised hidden states. Both scorings use the same pass.
    Texts are tokenised once and batched by length (`token_budget` padded tokens per batch), so short and long
    queries (a Yoruba sentence takes 2–4× the tokens of its English translation) are not padded to each other.
    `precision="bf16"`: the forward pass under bf16 autocast; vectors come back in fp32.
    """
    import torch
    import torch.nn.functional as F

    from claimcheck.retrieval.encoders import pool, token_budget_batches

    ids = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    width = max((len(x) for x in ids), default=1)
    dim = model.config.hidden_size
    pooled, vecs = torch.zeros(len(texts), dim), torch.zeros(len(texts), width, dim)
    mask = torch.zeros(len(texts), width, dtype=torch.bool)
    device = device_of(model)  # vectors come back to the CPU; MaxSim moves them to the query model's device
    with torch.inference_mode():
        for batch in token_budget_batches([len(x) for x in ids], token_budget, max_batch=256):
            n = max(len(ids[i]) for i in batch)
            tok = torch.full((len(batch), n), tokenizer.pad_token_id, dtype=torch.long)
            att = torch.zeros((len(batch), n), dtype=torch.long)
            for row, i in enumerate(batch):
                tok[row, : len(ids[i])], att[row, : len(ids[i])] = torch.tensor(ids[i]), 1
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                hidden = model(input_ids=tok.to(device), attention_mask=att.to(device))[0].float()
            rows = torch.tensor(batch)
            pooled[rows] = pool(hidden, att.to(device), pooling).cpu()
            vecs[rows, :n] = F.normalize(hidden, dim=-1).cpu()
            mask[rows, :n] = att.bool()
    return pooled, vecs, mask


def late_interaction_scores(
    q_vecs: torch.Tensor, q_mask: torch.Tensor, d_vecs: torch.Tensor, d_mask: torch.Tensor, chunk: int = 2048
):
    """(Q, Lq, d), (D, Ld, d) → (Q, D) MaxSim scores; padded tokens never count.

    The real query tokens of all queries are scored against the real tokens of all documents in chunks of `chunk`
    query tokens (one matrix product each, bounded memory), maxed per document (a scatter-max over each
    document's own tokens, so padding costs nothing) and summed per query.
    """
    import torch

    device = q_vecs.device  # all four on one device: the query model's (the GPU at full scale)
    q_owner = torch.arange(len(q_vecs), device=device).repeat_interleave(q_mask.sum(1))
    d_owner = torch.arange(len(d_vecs), device=device).repeat_interleave(d_mask.sum(1))
    q_tokens, d_tokens = q_vecs[q_mask], d_vecs[d_mask].T
    scores = torch.zeros(len(q_vecs), len(d_vecs), device=device)
    for start in range(0, len(q_tokens), chunk):
        sim = q_tokens[start : start + chunk] @ d_tokens
        best = torch.full((len(sim), len(d_vecs)), float("-inf"), device=device)
        best.scatter_reduce_(1, d_owner.expand(len(sim), -1), sim, reduce="amax")
        scores.index_add_(0, q_owner[start : start + chunk], best)
    return scores


class DocumentIndex:
    """English candidates encoded once by the teacher, for pooled and late-interaction scoring."""

    def __init__(
        self,
        teacher: Any,
        tokenizer: Any,
        texts: dict[str, str],
        max_length: int,
        pooling: str = "mean",
        similarity: Literal["cos", "dot"] = "cos",
        precision: str = "fp32",
    ):
        """`texts`: document id → the text to encode (as the protocol forms it: prefix, title joined)."""
        self.docids = list(texts)
        self.max_length, self.pooling, self.similarity, self.precision = max_length, pooling, similarity, precision
        self.pooled, self.tokens, self.mask = encode(
            teacher, tokenizer, list(texts.values()), max_length, pooling, precision
        )
        self._on: dict[Any, tuple[torch.Tensor, torch.Tensor]] = {}

    def evaluate(
        self,
        query_model: Any,
        tokenizer: Any,
        queries: dict[str, str],
        qrels: dict[str, dict[str, int]],
        scorings: list[Scoring],
        k: int = 100,
        max_length: int | None = None,
    ) -> dict[Scoring, dict[str, float]]:
        """{scoring: per-query AP} of `query_model` encoding `queries` (once, `max_length` tokens; default the
        documents' length) against this index."""
        import torch

        from claimcheck.retrieval.metrics import evaluate
        from claimcheck.retrieval.search import exact_search, to_run

        qids = list(queries)
        texts = [queries[q] for q in qids]
        pooled, tokens, mask = encode(
            query_model, tokenizer, texts, max_length or self.max_length, self.pooling, self.precision
        )
        out: dict[Scoring, dict[str, float]] = {}
        for scoring in scorings:
            if scoring == "pooled":
                scores, idx = exact_search(pooled, self.pooled, k=k, similarity=self.similarity)
            else:  # on the query model's device: MaxSim over a full-scale collection is far too slow on a CPU
                device = device_of(query_model)
                if device not in self._on:  # the documents' token vectors copied there once
                    self._on = {device: (self.tokens.to(device), self.mask.to(device))}
                full = late_interaction_scores(tokens.to(device), mask.to(device), *self._on[device])
                scores, idx = (t.cpu() for t in torch.topk(full, min(k, full.shape[1]), dim=1))
            out[scoring] = evaluate(to_run(scores, idx, qids, self.docids), qrels, ["AP"])["AP"]
        return out


def bm25_ap(queries: dict[str, str], corpus: dict[str, dict], qrels: dict[str, dict[str, int]], k: int = 100):
    """Per-query AP of BM25 over the words of the untranslated queries (no model, no translation)."""
    import numpy as np
    import torch

    from claimcheck.retrieval.metrics import evaluate
    from claimcheck.retrieval.search import to_run
    from claimcheck.sources.similarity import BM25
    from replications.optical.baselines import words

    docids = list(corpus)
    index = BM25([words(corpus[d].get("text", "")) for d in docids])
    qids = list(queries)
    scores = torch.tensor(np.stack([index.scores(words(queries[q])) for q in qids]), dtype=torch.float32)
    top, idx = torch.topk(scores, min(k, len(docids)), dim=1)
    return evaluate(to_run(top, idx, qids, docids), qrels, ["AP"])["AP"]
