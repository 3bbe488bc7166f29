"""Dense-retrieval fine-tuning on triples, as the official warm-up (BM25 negatives) and ANCE (model negatives)
stages, with ERM or iDRO.

Each *episode* mines negatives: `negatives="bm25"` takes them from BM25's top `neg_depth` over the training
passages (the warm-up stage; the official warm-up reads MS MARCO's BM25 triples); `negatives="model"` re-mines
them with the current model (exact search, ANCE). Positives are left out and `neg_keep` are kept at random. For
iDRO the training queries are re-clustered by the current model's embeddings into `n_groups` groups.

**Batch composition** (official `run_ann_data_gen.py` + `StreamingDataset`): the episode's data is the shuffled
query list written `neg_keep / triples_per_query` times, each time with the next `triples_per_query` of the
query's negatives; every line yields its triples *consecutively*, and a step takes the next `batch_size`
triples of that stream. At full scale 30 negatives and 6 triples a line put ≈ 85 queries in a batch of 512, six
triples each, which is what iDRO's per-group statistics see. `triples_per_query=1` gives one triple per query.

Each triple's loss is the cross-entropy over the two scores (`score_scale * q . d`), as the official `rdot_nll`.
* ERM: the mean example loss.
* iDRO: `sum_g h_g L_g` with the weights from before the step; then `h` is updated from the group-gradient Gram
  (`gram_method="recorder"`: one backward, exact; `"loop"`: the official per-group `autograd.grad`).
The optimiser is LAMB (official) or AdamW, gradients are clipped at `max_grad_norm` (official 1.0).

Data-parallel (torchrun): every rank draws the same *global* batch and works on its contiguous slice. Each
rank's loss is its share of the global loss (gradients are *summed*, by an explicit all-reduce), and the iDRO
statistics use global counts and losses, so N processes compute what one process with the same global batch
computes (see README for how the official code differs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from claimcheck.models import Record

if TYPE_CHECKING:
    import torch
    from torch import nn

    from claimcheck.retrieval.encoders import EncodingProtocol
    from replications.coco_dr.trainset import TrainSet


class FinetuneConfig(Record):
    objective: Literal["erm", "idro"] = "idro"
    negatives: Literal["model", "bm25"] = "model"
    episodes: int = Field(default=1, ge=1)
    steps_per_episode: int = Field(default=10, ge=1)
    batch_size: int = Field(default=8, ge=1, description="global batch (triples)")
    triples_per_query: int = Field(default=1, ge=1, description="consecutive triples of one query in the stream")
    lr: float = 5e-6
    warmup_steps: int = 0
    weight_decay: float = 0.0
    optimizer: Literal["lamb", "adamw"] = "lamb"
    max_grad_norm: float | None = Field(default=1.0, description="gradient clipping (official 1.0); None: off")
    score_scale: float = Field(default=1.0, description="multiplies dot products (1: the official raw dot)")
    max_doc_tokens: int | None = Field(default=None, description="cut passages shorter than the shard's (warm-up)")
    neg_depth: int = 200
    neg_keep: int = 30
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    n_groups: int = 50
    idro_layers: int = 3
    alpha: float = 0.25
    rho: float = 0.05
    ema: float = 0.1
    eps: float = 0.01
    kmeans_niter: int = 500
    kmeans_nredo: int = 5
    gram_method: Literal["recorder", "loop"] = "recorder"
    bf16: bool = Field(default=False, description="bf16 autocast for the forward pass (the official used fp16)")
    seed: int = 0


@dataclass
class TrainLog:
    losses: list[float] = field(default_factory=list)  # the objective optimised (iDRO's: sum_g h_g L_g)
    example_losses: list[float] = field(default_factory=list)  # mean triplet loss of the batch, any objective
    weights: list[list[float]] = field(default_factory=list)  # h after each step's update
    applied: list[list[float]] = field(default_factory=list)  # h the step's loss used, present groups only
    signal: list[float] = field(default_factory=list)  # exp(max e - min e) of the update's agreement term
    group_sizes: list[list[int]] = field(default_factory=list)


@dataclass
class Episode:
    """What one episode trains on: per query its mined negatives and group, and the triple stream's order."""

    negatives: list[np.ndarray]
    groups: torch.Tensor
    stream: np.ndarray  # (n_triples, 2): query row, index into that query's negatives


def sum_grads_across_ranks(params: list[torch.Tensor]) -> None:
    import torch
    import torch.distributed as dist

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def triple_stream(n_queries: int, n_negs: list[int], per_line: int, rng: np.random.Generator) -> np.ndarray:
    """The official order: shuffled queries, written once per slice of `per_line` negatives, triples consecutive.

    Built with numpy (MS MARCO's stream is 15 M triples: a Python list of them would cost gigabytes)."""
    order = rng.permutation(n_queries)
    negs = np.asarray(n_negs, dtype=np.int64)[order]
    splits = max(1, int(negs.max(initial=0)) // per_line)
    parts = []
    for split in range(splits):
        counts = np.clip(negs - split * per_line, 0, per_line)
        queries = np.repeat(order, counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        within = np.arange(len(queries)) - starts
        parts.append(np.stack([queries, split * per_line + within], axis=1))
    stream = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)
    if not len(stream):
        raise ValueError("no training triples: no query has a negative")
    return stream


def _keep(candidates: np.ndarray, positives: np.ndarray, depth: int, keep: int, rng: np.random.Generator):
    pool = candidates[~np.isin(candidates, positives)][:depth]
    return np.sort(pool[rng.permutation(len(pool))[:keep]]) if len(pool) else pool


def mine_episode(
    model: nn.Module, tokenizer: Any, protocol: EncodingProtocol, data: TrainSet, cfg: FinetuneConfig, episode: int
) -> Episode:
    """Negatives (and iDRO groups) for an episode; identical on every rank."""
    import torch
    import torch.distributed as dist

    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.search import exact_search
    from replications.coco_dr.kmeans import kmeans_assign
    from replications.coco_dr.model import encoder_of

    was_training = model.training
    enc = Encoder(encoder_of(model), protocol, tokenizer=tokenizer)
    need_queries = cfg.negatives == "model" or cfg.objective == "idro"
    q_emb = enc.encode_queries(data.queries) if need_queries else None
    rng = np.random.default_rng([cfg.seed, episode, 17])
    extra = max(len(p) for p in data.positives)
    if cfg.negatives == "bm25":
        top = data.bm25_top(cfg.neg_depth + extra, cfg.bm25_k1, cfg.bm25_b)
    else:
        d_emb = data.encode_passages(enc, tokenizer)
        _, idx = exact_search(q_emb, d_emb, k=cfg.neg_depth + extra, similarity=protocol.similarity)
        top = list(idx.numpy())
        del d_emb
    pairs = zip(top, data.positives, strict=True)
    negatives = [_keep(np.asarray(t), p, cfg.neg_depth, cfg.neg_keep, rng) for t, p in pairs]
    groups = torch.zeros(len(data.queries), dtype=torch.long)
    if cfg.objective == "idro":
        groups = kmeans_assign(
            q_emb, cfg.n_groups, niter=cfg.kmeans_niter, nredo=cfg.kmeans_nredo, seed=cfg.seed * 1000 + episode
        )
        if dist.is_available() and dist.is_initialized():
            dist.broadcast(groups, src=0)  # one clustering for all ranks, whatever faiss's threading does
    model.train(was_training)
    stream = triple_stream(len(data.queries), [len(n) for n in negatives], cfg.triples_per_query, rng)
    return Episode(negatives=negatives, groups=groups, stream=stream)


def triplet_losses(
    model: nn.Module,
    tokenizer: Any,
    protocol: EncodingProtocol,
    queries: list[str],
    pos_ids: list[np.ndarray],
    neg_ids: list[np.ndarray],
    scale: float,
    recorder: Any = None,
) -> torch.Tensor:
    """Per-triple cross-entropy; queries and passages (token ids from the shard) run as two forward calls."""
    import contextlib

    import torch

    from replications.coco_dr.model import embed_batch, pad_ids, tokenize

    n = len(queries)
    rows = torch.arange(n)
    tag = recorder.rows if recorder is not None else (lambda _: contextlib.nullcontext())
    with tag(rows):
        q_batch = tokenize(tokenizer, [protocol.query_text(x) for x in queries], protocol.query_max_length)
        q = embed_batch(model, q_batch, protocol.pooling, protocol.normalize)
    with tag(torch.cat([rows, rows])):
        d = embed_batch(model, pad_ids(tokenizer, pos_ids + neg_ids), protocol.pooling, protocol.normalize)
    scores = scale * torch.stack([(q * d[:n]).sum(-1), (q * d[n:]).sum(-1)], dim=1)
    target = torch.zeros(n, dtype=torch.long, device=scores.device)
    return torch.nn.functional.cross_entropy(scores, target, reduction="none").cpu()


class Trainer:
    """Holds model, optimiser, schedule and iDRO state across episodes."""

    def __init__(
        self, model: nn.Module, tokenizer: Any, protocol: EncodingProtocol, data: TrainSet, cfg: FinetuneConfig
    ) -> None:
        import torch

        from claimcheck.retrieval.distributed import rank_and_world
        from claimcheck.retrieval.schedule import linear_warmup_decay
        from replications.coco_dr.gram import GroupGradRecorder, last_layer_names
        from replications.coco_dr.lamb import make_optimizer
        from replications.coco_dr.model import encoder_of

        self.model, self.tokenizer, self.protocol, self.data, self.cfg = model, tokenizer, protocol, data, cfg
        self.rank, self.world = rank_and_world()
        if cfg.batch_size % self.world:
            raise ValueError(f"global batch {cfg.batch_size} is not divisible by {self.world} processes")
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optim = make_optimizer(cfg.optimizer, self.params, cfg.lr, cfg.weight_decay)
        self.sched = linear_warmup_decay(self.optim, cfg.warmup_steps, cfg.episodes * cfg.steps_per_episode)
        self.h = torch.ones(cfg.n_groups, dtype=torch.float64)
        self.selected = last_layer_names(encoder_of(model), cfg.idro_layers) if cfg.objective == "idro" else []
        self.recorder = (
            GroupGradRecorder(encoder_of(model), self.selected)
            if cfg.objective == "idro" and cfg.gram_method == "recorder"
            else None
        )
        self.log = TrainLog()

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()

    def run(self, progress: Callable[[float], None] | None = None) -> TrainLog:
        for episode in range(self.cfg.episodes):
            ep = mine_episode(self.model, self.tokenizer, self.protocol, self.data, self.cfg, episode)
            self.h.fill_(1.0)  # each official ANCE round starts a fresh iDROLoss (h = ones)
            for step in range(self.cfg.steps_per_episode):
                self.step(ep, self._batch(ep, step), episode, step)
                if progress:
                    progress(1.0)
        self.close()
        self.model.train(False)
        return self.log

    def _batch(self, ep: Episode, step: int) -> np.ndarray:
        """The step's global batch: the next `batch_size` triples of the stream (re-read from the start when it
        ends, as the official loader re-iterates)."""
        n = len(ep.stream)
        idx = (np.arange(self.cfg.batch_size) + step * self.cfg.batch_size) % n
        return ep.stream[idx]

    def step(self, ep: Episode, batch: np.ndarray, episode: int, step: int) -> float:
        import torch
        import torch.distributed as dist

        from replications.coco_dr.model import autocast

        cfg, data = self.cfg, self.data
        rng = np.random.default_rng([cfg.seed, episode, step, 29])
        q_rows = batch[:, 0]
        pos = [int(data.positives[r][rng.integers(len(data.positives[r]))]) for r in q_rows.tolist()]
        neg = [int(ep.negatives[r][j]) for r, j in batch.tolist()]
        per = cfg.batch_size // self.world
        mine = slice(self.rank * per, (self.rank + 1) * per)
        self.model.train()
        self.optim.zero_grad(set_to_none=True)
        with autocast(self.model, cfg.bf16):
            losses = triplet_losses(
                self.model,
                self.tokenizer,
                self.protocol,
                [data.queries[r] for r in q_rows[mine].tolist()],
                [data.passage_input(i)[: cfg.max_doc_tokens] for i in pos[mine]],
                [data.passage_input(i)[: cfg.max_doc_tokens] for i in neg[mine]],
                cfg.score_scale,
                self.recorder,
            )
        mean_loss = losses.detach().sum() / cfg.batch_size  # comparable across objectives and steps
        if cfg.objective == "erm":
            loss = losses.sum() / cfg.batch_size
            loss.backward()
            total = loss.detach().clone()
        else:
            total = self._idro_backward(losses, ep.groups[torch.from_numpy(q_rows)], mine)
        if self.world > 1:
            sum_grads_across_ranks(self.params)
            dist.all_reduce(total)
            dist.all_reduce(mean_loss)
        if cfg.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)
        self.optim.step()
        self.sched.step()
        self.log.losses.append(float(total))
        self.log.example_losses.append(float(mean_loss))
        return float(total)

    def _idro_backward(self, losses: torch.Tensor, groups_global: torch.Tensor, mine: slice) -> torch.Tensor:
        import torch
        import torch.distributed as dist

        from replications.coco_dr.gram import loop_group_grads
        from replications.coco_dr.idro import agreement_exponent, group_means, group_stats, update_weights_from_gram

        cfg = self.cfg
        groups = groups_global[mine]
        counts = torch.bincount(groups_global, minlength=cfg.n_groups).double()
        sums, _ = group_stats(losses, groups, cfg.n_groups)
        local_means = sums / counts.clamp(min=1).to(sums.dtype)  # this rank's share of each global L_g
        loss = (local_means * self.h.to(local_means.dtype)).sum()  # weights from before the update
        present = torch.nonzero(counts > 0).flatten()
        if cfg.gram_method == "loop":
            grads = loop_group_grads(local_means, counts > 0, self._selected_params())
            if self.world > 1:
                dist.all_reduce(grads)
            gram = grads.double() @ grads.double().T
            loss.backward()
        else:
            loss.backward()
            scale = 1.0 / self.h[groups]  # v_n / w_n = (1 / c_g) / (h_g / c_g)
            gram = self.recorder.gram(groups, scale, cfg.n_groups, present)
            self.recorder.clear()
        group_loss_sums = sums.detach().double()
        if self.world > 1:
            dist.all_reduce(group_loss_sums)
        group_loss = group_means(group_loss_sums, counts)
        applied = self.h[present] / self.h[present].sum()
        exponent = agreement_exponent(group_loss, counts, gram, alpha=cfg.alpha, rho=cfg.rho)[present]
        self.h = update_weights_from_gram(
            self.h, group_loss, counts, gram, alpha=cfg.alpha, rho=cfg.rho, ema=cfg.ema, eps=cfg.eps
        )
        self.log.applied.append(applied.tolist())
        self.log.signal.append(float(torch.exp(exponent.max() - exponent.min())))
        self.log.weights.append(self.h.tolist())
        self.log.group_sizes.append(counts.long().tolist())
        return loss.detach().clone()

    def _selected_params(self) -> list[torch.Tensor]:
        from replications.coco_dr.model import encoder_of

        wanted = set(self.selected)
        return [p for n, p in encoder_of(self.model).named_parameters() if n in wanted]


def finetune(
    model: nn.Module,
    tokenizer: Any,
    protocol: EncodingProtocol,
    data: TrainSet,
    cfg: FinetuneConfig,
    progress: Callable[[float], None] | None = None,
) -> TrainLog:
    """Fine-tune `model` in place; returns per-step losses and (iDRO) group weights."""
    return Trainer(model, tokenizer, protocol, data, cfg).run(progress)
