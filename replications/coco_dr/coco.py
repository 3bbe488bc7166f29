"""COCO: continuous contrastive pretraining on the target corpora (`COCO/data.py`, `COCO/modeling.py`).

Documents are cut into spans: sentences packed greedily up to `span_tokens` (30) tokens, a longer sentence cut
into pieces. Each step samples documents; two different spans of the same document are a positive pair (a
one-span document pairs the span with itself, as the official dataset does), every other span in the global batch
is a negative. Loss = `contrastive_weight` x in-batch cross-entropy over `score_scale * e_i . e_j` (diagonal
masked; the official: last-layer CLS, raw dot product, gathered across GPUs) + `mlm_weight` x masked-LM loss on the
same (masked) forward pass. The official recipe adds a Condenser-head MLM (a 2-layer head on [CLS] + a middle
layer's tokens); that head exists only for Condenser checkpoints and is not implemented here (README).

Data-parallel: each rank embeds its slice, all-gathers the others' embeddings (no gradient through them) and
computes the *global* loss; gradients are summed across ranks, which equals one process with the global batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import Field

from claimcheck.models import Record

if TYPE_CHECKING:
    import torch
    from torch import nn

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class CocoConfig(Record):
    steps: int = Field(default=10, ge=0)
    epochs: float | None = Field(default=None, description="if set, steps = epochs x documents / batch_docs")
    warmup_ratio: float | None = Field(default=None, description="if set, warmup_steps = ratio x steps")
    bf16: bool = False
    batch_docs: int = Field(default=8, ge=1, description="documents per global batch (two spans each)")
    lr: float = 1e-4
    warmup_steps: int = 0
    weight_decay: float = 0.01
    span_tokens: int = 30
    pooling: str = "cls"
    normalize: bool = False
    score_scale: float = 1.0
    contrastive_weight: float = 1.0
    mlm_weight: float = 1.0
    mlm_probability: float = 0.15
    seed: int = 0


@dataclass
class CocoLog:
    losses: list[float] = field(default_factory=list)
    contrastive: list[float] = field(default_factory=list)
    mlm: list[float] = field(default_factory=list)


def spans_of(text: str, tokenizer: Any, span_tokens: int) -> list[list[int]]:
    """Token-id spans of at most `span_tokens` tokens from whole sentences (a long sentence is cut)."""
    spans: list[list[int]] = []
    current: list[int] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        ids = tokenizer(sentence, add_special_tokens=False)["input_ids"]
        for start in range(0, len(ids), span_tokens):
            piece = ids[start : start + span_tokens]
            if current and len(current) + len(piece) > span_tokens:
                spans.append(current)
                current = []
            current = current + piece
    if current:
        spans.append(current)
    return spans


def build_spans(texts: Sequence[str], tokenizer: Any, span_tokens: int) -> list[list[list[int]]]:
    """Spans per document, documents with no tokens dropped."""
    return [s for s in (spans_of(t, tokenizer, span_tokens) for t in texts) if s]


def _pad(spans: list[list[int]], tokenizer: Any) -> dict[str, torch.Tensor]:
    import torch

    # [CLS] span [SEP] (BERT-style; RoBERTa's <s> ... </s> are its cls/sep tokens too)
    rows = [[tokenizer.cls_token_id, *s, tokenizer.sep_token_id] for s in spans]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id or 0, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def _mask_tokens(batch: dict[str, torch.Tensor], tokenizer: Any, probability: float, gen: torch.Generator):
    """BERT masking (80% [MASK], 10% random, 10% kept) of non-special tokens; labels -100 elsewhere."""
    import torch

    ids = batch["input_ids"].clone()
    special = torch.isin(ids, torch.tensor(sorted(set(tokenizer.all_special_ids)))) | (batch["attention_mask"] == 0)
    chosen = (torch.rand(ids.shape, generator=gen) < probability) & ~special
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=gen)
    ids[chosen & (roll < 0.8)] = tokenizer.mask_token_id
    random_ids = torch.randint(len(tokenizer), ids.shape, generator=gen)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    ids[swap] = random_ids[swap]
    return {**batch, "input_ids": ids}, labels


def _gather_rows(local: torch.Tensor) -> torch.Tensor:
    """All ranks' rows in rank order; only this rank's rows carry gradient."""
    import torch
    import torch.distributed as dist

    parts = [torch.empty_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, local.detach().contiguous())
    parts[dist.get_rank()] = local
    return torch.cat(parts)


def contrastive_loss(emb: torch.Tensor, scale: float) -> torch.Tensor:
    """Mean in-batch cross-entropy; rows 2i and 2i+1 are each other's positive, the diagonal is masked."""
    import torch

    sim = scale * emb @ emb.T
    sim = sim.masked_fill(torch.eye(len(emb), dtype=torch.bool, device=emb.device), float("-inf"))
    target = torch.arange(len(emb), device=emb.device).view(-1, 2).flip(1).reshape(-1)
    return torch.nn.functional.cross_entropy(sim, target)


def coco_pretrain(
    model: nn.Module,
    tokenizer: Any,
    spans: list[list[list[int]]],
    cfg: CocoConfig,
    progress: Callable[[float], None] | None = None,
) -> CocoLog:
    """Continue pretraining `model` in place (a masked-LM model when `mlm_weight > 0`)."""
    import torch
    import torch.distributed as dist

    from claimcheck.retrieval.distributed import rank_and_world
    from claimcheck.retrieval.encoders import pool
    from claimcheck.retrieval.schedule import linear_warmup_decay
    from replications.coco_dr.model import autocast, device_of
    from replications.coco_dr.train import sum_grads_across_ranks

    rank, world = rank_and_world()
    if cfg.batch_docs % world:
        raise ValueError(f"batch of {cfg.batch_docs} documents is not divisible by {world} processes")
    if cfg.mlm_weight > 0 and not hasattr(model, "get_output_embeddings"):
        raise ValueError("mlm_weight > 0 needs a masked-LM model (load with mlm=True)")
    import math

    if cfg.epochs is not None:
        cfg = cfg.model_copy(update={"steps": math.ceil(cfg.epochs * len(spans) / cfg.batch_docs)})
    if cfg.warmup_ratio is not None:
        cfg = cfg.model_copy(update={"warmup_steps": int(cfg.warmup_ratio * cfg.steps)})
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = linear_warmup_decay(optim, cfg.warmup_steps, cfg.steps)
    log = CocoLog()
    per = cfg.batch_docs // world
    model.train()
    device = device_of(model)
    for step in range(cfg.steps):
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
        docs = torch.randint(len(spans), (cfg.batch_docs,), generator=gen).tolist()
        pairs: list[list[int]] = []
        for d in docs:
            doc = spans[d]
            if len(doc) == 1:
                pairs += [doc[0], doc[0]]
            else:
                i, j = torch.randperm(len(doc), generator=gen)[:2].tolist()
                pairs += [doc[i], doc[j]]
        batch = {k: v.to(device) for k, v in _pad(pairs[2 * rank * per : 2 * (rank + 1) * per], tokenizer).items()}
        # every rank draws the masks for the whole global batch, so the draw does not depend on the split
        mask_gen = torch.Generator().manual_seed(cfg.seed * 7_000_001 + step)
        optim.zero_grad(set_to_none=True)
        mlm = torch.zeros((), device=device)
        if cfg.mlm_weight > 0:
            full = _pad(pairs, tokenizer)
            masked_full, labels_full = _mask_tokens(full, tokenizer, cfg.mlm_probability, mask_gen)
            width = batch["input_ids"].shape[1]
            rows = slice(2 * rank * per, 2 * (rank + 1) * per)
            masked = {k: v[rows, :width].to(device) for k, v in masked_full.items()}
            labels = labels_full[rows, :width].to(device)
            with autocast(model, cfg.bf16):
                out = model(**masked, output_hidden_states=True)
            hidden = out.hidden_states[-1]
            logits = out.logits
            n_masked = (labels_full != -100).sum().clamp(min=1).to(device)
            mlm = (
                torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100, reduction="sum"
                )
                / n_masked
            )
            batch = masked
        else:
            with autocast(model, cfg.bf16):
                hidden = model(**batch)[0]
        emb = pool(hidden.float(), batch["attention_mask"], cfg.pooling)
        if cfg.normalize:
            emb = torch.nn.functional.normalize(emb, dim=-1)
        if world > 1:
            emb = _gather_rows(emb)
        con = contrastive_loss(emb, cfg.score_scale)
        # Every rank holds the whole contrastive loss but only its rows' gradient: the sum over ranks is exact.
        loss = cfg.contrastive_weight * con + cfg.mlm_weight * mlm
        loss.backward()
        mlm_total = mlm.detach().clone()
        if world > 1:
            sum_grads_across_ranks(params)
            dist.all_reduce(mlm_total)
        optim.step()
        sched.step()
        log.contrastive.append(float(con.detach()))
        log.mlm.append(float(mlm_total))
        log.losses.append(cfg.contrastive_weight * float(con.detach()) + cfg.mlm_weight * float(mlm_total))
        if progress:
            progress(1.0)
    return log
