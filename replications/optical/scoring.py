"""Retrieval with a (student or teacher) query encoder against teacher-encoded English documents → per-query AP.

`scoring="pooled"`: mean-pooled, L2-normalised vectors, cosine (the MiniLM protocol the teacher was trained for).
`scoring="late_interaction"`: ColBERT-style MaxSim, Σ_i max_j cos(q_i, d_j) over token embeddings. The paper
distils token embeddings, which is what a late-interaction scorer consumes, so it implies token-level scoring
(unconfirmed: the paper's scorer could not be read here). Late interaction is exact but O(|Q|·|D|·Lq·Ld), so the
proxy uses pooled scoring on its CPU budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

Scoring = Literal["pooled", "late_interaction"]


def _token_vectors(model: Any, tokenizer: Any, texts: list[str], max_length: int, batch_size: int = 64):
    import torch
    import torch.nn.functional as F

    out: list[tuple[torch.Tensor, torch.Tensor]] = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[i : i + batch_size], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            )
            hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])[0]
            out.append((F.normalize(hidden.float(), dim=-1), enc["attention_mask"].bool()))
    width = max(h.shape[1] for h, _ in out)
    vecs = torch.cat([F.pad(h, (0, 0, 0, width - h.shape[1])) for h, _ in out])
    mask = torch.cat([F.pad(m, (0, width - m.shape[1])) for _, m in out])
    return vecs, mask


def late_interaction_scores(q_vecs: torch.Tensor, q_mask: torch.Tensor, d_vecs: torch.Tensor, d_mask: torch.Tensor):
    """(Q, Lq, d), (D, Ld, d) → (Q, D) MaxSim scores; padded document tokens never win a max."""
    import torch

    scores = torch.empty(len(q_vecs), len(d_vecs))
    for i in range(len(q_vecs)):
        sim = torch.einsum("qd,nld->nql", q_vecs[i][q_mask[i]], d_vecs)
        sim = sim.masked_fill(~d_mask[:, None, :], float("-inf"))
        scores[i] = sim.max(dim=2).values.sum(dim=1)
    return scores


class DocumentIndex:
    """English candidates encoded once by the teacher (pooled and/or token vectors)."""

    def __init__(self, teacher: Any, tokenizer: Any, corpus: dict[str, dict], scoring: Scoring, max_length: int):
        from claimcheck.retrieval.encoders import Encoder, get_protocol

        self.docids = list(corpus)
        self.scoring = scoring
        self.max_length = max_length
        self.protocol = get_protocol("minilm").model_copy(
            update={"query_max_length": max_length, "doc_max_length": max_length}
        )
        texts = [corpus[d].get("text", "") for d in self.docids]
        if scoring == "pooled":
            self.vectors = Encoder(teacher, self.protocol, tokenizer=tokenizer).encode_texts(texts, max_length)
        else:
            self.vectors, self.mask = _token_vectors(teacher, tokenizer, texts, max_length)

    def evaluate(
        self, query_model: Any, tokenizer: Any, queries: dict[str, str], qrels: dict[str, dict[str, int]], k: int = 100
    ) -> dict[str, float]:
        """Per-query AP of `query_model` encoding `queries` against this index."""
        from claimcheck.retrieval.encoders import Encoder
        from claimcheck.retrieval.metrics import evaluate
        from claimcheck.retrieval.search import exact_search, to_run

        qids = list(queries)
        texts = [queries[q] for q in qids]
        if self.scoring == "pooled":
            q = Encoder(query_model, self.protocol, tokenizer=tokenizer).encode_texts(texts, self.max_length)
            scores, idx = exact_search(q, self.vectors, k=k, similarity="cos")
        else:
            import torch

            qv, qm = _token_vectors(query_model, tokenizer, texts, self.max_length)
            full = late_interaction_scores(qv, qm, self.vectors, self.mask)
            scores, idx = torch.topk(full, min(k, full.shape[1]), dim=1)
        run = to_run(scores, idx, qids, self.docids)
        return evaluate(run, qrels, ["AP"])["AP"]
