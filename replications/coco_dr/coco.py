"""COCO: continuous contrastive pretraining on the target corpora (official `COCO/modeling.py`, `COCO/data.py`).

Each step takes documents from the span shards (an epoch is a seeded permutation of each shard; every shard gives
`batch_docs / n_shards` documents) and two different spans of each document, a positive pair; every other span in
the global batch is a negative. Loss = `contrastive_weight` x in-batch cross-entropy over `score_scale * e_i . e_j`
(diagonal masked; the official: last-layer CLS, raw dot product, gathered across GPUs) + `mlm_weight` x (masked-LM
loss of the model's own head on the last layer, the official `late_mlm`, + the Condenser head's masked-LM loss).
The contrastive embeddings come from the same masked forward pass, as in the official code.

The **Condenser head** (`condenser_head`): `head_layers` (2) fresh BERT layers read the last layer's [CLS] with
the tokens of layer `skip_from` (6) and predict the masked tokens through the model's MLM head. Its weights are
read from the checkpoint's `model.pt` (the Condenser release keeps them there) when present; otherwise it starts
from BERT's initialisation, as the official code does when the file is absent.

The official forward calls `self.lm.eval()`: the backbone trains **without dropout** (`encoder_eval`); the
Condenser head keeps its dropout.

Data-parallel: each rank reads only its shards and embeds its rows, all-gathers the others' embeddings (no
gradient through them) and computes the *global* loss; gradients are summed across ranks. The global batch does
not depend on the number of ranks (a shard's draws depend only on the seed, step and shard), so N processes
compute what one process computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from claimcheck.models import Record

if TYPE_CHECKING:
    import torch
    from torch import nn

    from replications.coco_dr.shards import SpanShard


class CocoConfig(Record):
    steps: int = Field(default=10, ge=0)
    epochs: float | None = Field(default=None, description="if set, steps = epochs x steps per epoch")
    warmup_ratio: float | None = Field(default=None, description="if set, warmup_steps = ratio x steps")
    bf16: bool = False
    batch_docs: int = Field(default=8, ge=1, description="documents per global batch (two spans each)")
    lr: float = 1e-4
    warmup_steps: int = 0
    weight_decay: float = 0.01
    optimizer: str = Field(default="adamw", description="the official COCO runs HF Trainer's AdamW")
    span_tokens: int = 30
    early_break: float = Field(default=0.1, description="chance of closing a span early before each sentence")
    max_tokens: int = Field(default=126, description="span window after truncation (collator max length - 2)")
    pooling: str = "cls"
    normalize: bool = False
    score_scale: float = 1.0
    contrastive_weight: float = 1.0
    mlm_weight: float = 1.0
    mlm_probability: float = 0.15
    whole_word_mask: bool = True
    condenser_head: bool = False
    head_layers: int = 2
    skip_from: int = 6
    encoder_eval: bool = Field(default=True, description="backbone dropout off, as the official lm.eval()")
    n_shards: int | None = Field(default=None, description="span shards (default: one per rank)")
    heldout_every: int = Field(default=20, description="every n-th document is held out of COCO, for the checks")
    heldout_docs: int = Field(default=1000, description="at most this many held-out documents")
    seed: int = 0


@dataclass
class CocoLog:
    losses: list[float] = field(default_factory=list)
    contrastive: list[float] = field(default_factory=list)
    mlm: list[float] = field(default_factory=list)
    steps: int = 0


# --------------------------------------------------------------------------------------------------- sampling


class SpanSampler:
    """The global batch of span pairs for a step, and this rank's rows of it (shard r is read by rank r % world)."""

    def __init__(self, shards: list[SpanShard], n_shards: int, cfg: CocoConfig, rank: int, world: int) -> None:
        if cfg.batch_docs % n_shards or n_shards % world:
            raise ValueError(f"{cfg.batch_docs} documents, {n_shards} shards and {world} ranks do not divide evenly")
        self.cfg, self.n_shards = cfg, n_shards
        self.per_shard = cfg.batch_docs // n_shards
        self.mine = list(range(rank, n_shards, world))
        if len(shards) != len(self.mine):
            raise ValueError(f"rank {rank} needs shards {self.mine}, got {len(shards)}")
        self.shards = dict(zip(self.mine, shards, strict=True))
        sizes = [s.n_docs for s in shards]
        if min(sizes, default=0) < self.per_shard:
            raise ValueError(f"a shard holds {min(sizes, default=0)} documents, fewer than {self.per_shard} a step")
        # every rank must agree on the epoch length: it is fixed by the smallest shard of all ranks
        self.steps_per_epoch = min(s.n_docs for s in shards) // self.per_shard
        import torch.distributed as dist

        if world > 1 and dist.is_initialized():
            import torch

            least = torch.tensor([self.steps_per_epoch])
            dist.all_reduce(least, op=dist.ReduceOp.MIN)
            self.steps_per_epoch = int(least)
        self._perm: dict[tuple[int, int], np.ndarray] = {}

    def _docs(self, shard: int, step: int) -> np.ndarray:
        epoch, within = divmod(step, self.steps_per_epoch)
        key = (shard, epoch)
        if key not in self._perm:
            self._perm = {key: np.random.default_rng([self.cfg.seed, epoch, shard]).permutation(
                self.shards[shard].n_docs
            )}  # fmt: skip
        return self._perm[key][within * self.per_shard : (within + 1) * self.per_shard]

    def rows(self, step: int) -> list[tuple[np.ndarray, np.random.Generator]]:
        """This rank's span rows (pairs adjacent), each with the generator its masking draws from."""
        out = []
        for shard in self.mine:
            for k, doc in enumerate(self._docs(shard, step)):
                rng = np.random.default_rng([self.cfg.seed, step, shard, k])
                spans = self.shards[shard].spans_of(int(doc))
                pick = [0, 0] if len(spans) == 1 else rng.choice(len(spans), 2, replace=False).tolist()
                out += [(np.asarray(spans[i]), rng) for i in pick]
        return out


def collate(rows, tokenizer: Any, cfg: CocoConfig, continues: np.ndarray | None) -> dict[str, torch.Tensor]:
    """[CLS] span [SEP] rows, padded; with MLM, the masked ids and labels (-100 where not predicted)."""
    import torch

    from replications.coco_dr.model import pad_ids
    from replications.coco_dr.spans import mask_row, token_selection, truncate, whole_word_selection

    spans, label_rows = [], []
    for span, rng in rows:
        span = truncate(span, cfg.max_tokens, rng)
        labels = np.full(len(span), -100)
        if cfg.mlm_weight > 0:
            chosen = (
                whole_word_selection(span, continues, cfg.mlm_probability, rng)
                if cfg.whole_word_mask and continues is not None
                else token_selection(span, cfg.mlm_probability, rng)
            )
            span, labels = mask_row(span, chosen, tokenizer.mask_token_id, len(tokenizer), rng)
        spans.append(span)
        label_rows.append(labels)
    batch = pad_ids(tokenizer, spans)
    labels = torch.full(batch["input_ids"].shape, -100, dtype=torch.long)
    for i, lab in enumerate(label_rows):
        labels[i, 1 : 1 + len(lab)] = torch.as_tensor(lab, dtype=torch.long)  # after [CLS]; [SEP] and pads stay -100
    return {**batch, "labels": labels}


# --------------------------------------------------------------------------------------------------- losses


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


def condenser_head(model: nn.Module, cfg: CocoConfig, checkpoint: str | Path | None) -> nn.ModuleList:
    """The Condenser head's layers, from the checkpoint's `model.pt` (`c_head.*`) when it has one."""
    import torch
    from transformers.models.bert.modeling_bert import BertLayer

    head = torch.nn.ModuleList([BertLayer(model.config) for _ in range(cfg.head_layers)])
    head.apply(model._init_weights)
    extra = Path(checkpoint) / "model.pt" if checkpoint is not None else None
    if extra is not None and extra.is_file():
        state = torch.load(extra, map_location="cpu", weights_only=True)
        mine = {k.removeprefix("c_head."): v for k, v in state.items() if k.startswith("c_head.")}
        head.load_state_dict(mine, strict=True)
    from replications.coco_dr.model import device_of

    return head.to(device_of(model))


def _mlm_sum(model: nn.Module, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy of the masked tokens through BertForMaskedLM's prediction head (`self.lm.cls`)."""
    import torch

    logits = model.cls(hidden)
    return torch.nn.functional.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100, reduction="sum"
    )


def _extended_mask(mask: torch.Tensor, dtype: Any) -> torch.Tensor:
    import torch

    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


# --------------------------------------------------------------------------------------------------- training


def coco_steps(cfg: CocoConfig, steps_per_epoch: int) -> CocoConfig:
    """Resolve `epochs` and `warmup_ratio` into step counts."""
    if cfg.epochs is not None:
        cfg = cfg.model_copy(update={"steps": math.ceil(cfg.epochs * steps_per_epoch)})
    if cfg.warmup_ratio is not None:
        cfg = cfg.model_copy(update={"warmup_steps": int(cfg.warmup_ratio * cfg.steps)})
    return cfg


def coco_pretrain(
    model: nn.Module,
    tokenizer: Any,
    shards: list[SpanShard],
    n_shards: int,
    cfg: CocoConfig,
    progress: Callable[[float], None] | None = None,
    checkpoint: str | Path | None = None,
) -> CocoLog:
    """Continue pretraining `model` in place (a masked-LM model when `mlm_weight > 0`) on this rank's shards."""
    import torch
    import torch.distributed as dist

    from claimcheck.retrieval.distributed import rank_and_world
    from claimcheck.retrieval.encoders import pool
    from claimcheck.retrieval.schedule import linear_warmup_decay
    from replications.coco_dr.lamb import make_optimizer
    from replications.coco_dr.model import autocast, device_of
    from replications.coco_dr.spans import continuation_table
    from replications.coco_dr.train import sum_grads_across_ranks

    rank, world = rank_and_world()
    use_mlm = cfg.mlm_weight > 0
    if use_mlm and not hasattr(model, "cls"):
        raise ValueError("mlm_weight > 0 needs a BERT masked-LM model (load with mlm=True)")
    sampler = SpanSampler(shards, n_shards, cfg, rank, world)
    cfg = coco_steps(cfg, sampler.steps_per_epoch)
    head = condenser_head(model, cfg, checkpoint) if use_mlm and cfg.condenser_head else None
    params = [p for p in model.parameters() if p.requires_grad]
    if head is not None:
        params += list(head.parameters())
    optim = make_optimizer(cfg.optimizer, params, cfg.lr, cfg.weight_decay)
    sched = linear_warmup_decay(optim, cfg.warmup_steps, cfg.steps)
    continues = continuation_table(tokenizer) if use_mlm and cfg.whole_word_mask else None
    device = device_of(model)
    log = CocoLog(steps=cfg.steps)
    for step in range(cfg.steps):
        model.train(not cfg.encoder_eval)
        if head is not None:
            head.train()
        batch = {k: v.to(device) for k, v in collate(sampler.rows(step), tokenizer, cfg, continues).items()}
        labels = batch.pop("labels")
        optim.zero_grad(set_to_none=True)
        with autocast(model, cfg.bf16):
            out = model(**batch, output_hidden_states=True)
        hidden = out.hidden_states[-1]
        mlm = torch.zeros((), device=device)
        if use_mlm:
            n_masked = torch.tensor(float((labels != -100).sum()), device=device)
            mlm = _mlm_sum(model, hidden, labels)
            if head is not None:
                skip = out.hidden_states[cfg.skip_from]
                h = torch.cat([hidden[:, :1], skip[:, 1:]], dim=1)
                ext = _extended_mask(batch["attention_mask"], h.dtype)
                with autocast(model, cfg.bf16):
                    for layer in head:
                        h = layer(h, attention_mask=ext)
                mlm = mlm + _mlm_sum(model, h, labels)
            if world > 1:
                dist.all_reduce(n_masked)
            mlm = mlm / n_masked.clamp(min=1)
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
    model.train(False)
    return log


def heldout_contrastive_loss(
    model: nn.Module, tokenizer: Any, shards: list[SpanShard], cfg: CocoConfig, batches: int = 4
) -> float:
    """COCO's contrastive loss on held-out documents, no masking, eval mode: the check that COCO learnt its task."""
    import torch

    from claimcheck.retrieval.encoders import pool
    from replications.coco_dr.model import device_of

    per_batch = min(cfg.batch_docs, 64, sum(s.n_docs for s in shards))  # a few small batches, whatever the scale
    if per_batch < 2:  # nothing to measure: the check that reads this fails on NaN
        return float("nan")
    plain = cfg.model_copy(update={"mlm_weight": 0.0, "seed": 10_000 + cfg.seed, "batch_docs": per_batch})
    sampler = SpanSampler(shards, len(shards), plain, 0, 1)
    device = device_of(model)
    was = model.training
    model.eval()
    losses = []
    with torch.no_grad():
        for step in range(min(batches, sampler.steps_per_epoch)):
            batch = {k: v.to(device) for k, v in collate(sampler.rows(step), tokenizer, plain, None).items()}
            batch.pop("labels")
            hidden = model(**batch, output_hidden_states=True).hidden_states[-1]
            emb = pool(hidden.float(), batch["attention_mask"], cfg.pooling)
            if cfg.normalize:
                emb = torch.nn.functional.normalize(emb, dim=-1)
            losses.append(float(contrastive_loss(emb, cfg.score_scale)))
    model.train(was)
    return float(np.mean(losses)) if losses else float("nan")
