"""Dense-retrieval fine-tuning with ANCE-style hard negatives, as ERM or with iDRO.

Each *episode* re-mines hard negatives with the current model (exact search over the training corpus, top
`neg_depth` minus the positives, `neg_keep` of them kept at random) and, for iDRO, re-clusters the training
queries by the current model's embeddings into `n_groups` groups. Each step's example is (query, one positive,
one mined negative) and its loss is the cross-entropy over the two scores (`score_scale * q . d`), as the
official `rdot_nll` triplet loss.

* ERM ("without iDRO"): the mean example loss.
* iDRO: `sum_g h_g L_g` with the weights from before the step; then `h` is updated from the group-gradient Gram
  (`gram_method="recorder"`: one backward, exact; `"loop"`: the official per-group `autograd.grad`).

Data-parallel (torchrun): every rank draws the same *global* batch and works on its contiguous slice. Each
rank's loss is its share of the global loss (so gradients are *summed*, by an explicit all-reduce), and the iDRO
statistics use global counts and losses, so N processes compute what one process with the same global batch
computes. The official code instead used per-worker group losses and masks with DDP-averaged gradients (see
README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from claimcheck.models import Record

if TYPE_CHECKING:
    import torch
    from torch import nn

    from claimcheck.retrieval.data import Dataset
    from claimcheck.retrieval.encoders import EncodingProtocol


class FinetuneConfig(Record):
    objective: Literal["erm", "idro"] = "idro"
    episodes: int = Field(default=1, ge=1)
    steps_per_episode: int = Field(default=10, ge=1)
    batch_size: int = Field(default=8, ge=1, description="global batch (examples)")
    lr: float = 5e-6
    warmup_steps: int = 0
    weight_decay: float = 0.0
    score_scale: float = Field(default=1.0, description="multiplies dot products (1: the official raw dot)")
    neg_depth: int = 200
    neg_keep: int = 30
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
    losses: list[float] = field(default_factory=list)
    weights: list[list[float]] = field(default_factory=list)
    group_sizes: list[list[int]] = field(default_factory=list)


@dataclass
class Episode:
    """What one episode trains on: per query its positives, mined negatives and group."""

    qids: list[str]
    positives: list[list[int]]
    negatives: list[list[int]]
    groups: torch.Tensor


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


def mine_episode(
    model: nn.Module, tokenizer: Any, protocol: EncodingProtocol, train: Dataset, cfg: FinetuneConfig, episode: int
) -> Episode:
    """Hard negatives (and iDRO groups) from the current model; identical on every rank."""
    import torch
    import torch.distributed as dist

    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.search import exact_search
    from replications.coco_dr.kmeans import kmeans_assign
    from replications.coco_dr.model import encoder_of

    was_training = model.training
    docids = list(train.corpus)
    row_of = {d: i for i, d in enumerate(docids)}
    qids = [q for q in train.queries if any(r > 0 and d in row_of for d, r in train.qrels.get(q, {}).items())]
    enc = Encoder(encoder_of(model), protocol, tokenizer=tokenizer)
    q_emb = enc.encode_queries([train.queries[q] for q in qids])
    d_emb = enc.encode_corpus([train.corpus[d] for d in docids])
    model.train(was_training)
    positives = [[row_of[d] for d, r in train.qrels[q].items() if r > 0 and d in row_of] for q in qids]
    _, top = exact_search(
        q_emb, d_emb, k=cfg.neg_depth + max(len(p) for p in positives), similarity=protocol.similarity
    )
    gen = torch.Generator().manual_seed(cfg.seed * 1000 + episode)
    negatives = []
    for row, pos in enumerate(positives):
        excluded = set(pos)
        candidates = [int(i) for i in top[row] if int(i) not in excluded][: cfg.neg_depth]
        keep = torch.randperm(len(candidates), generator=gen)[: cfg.neg_keep].tolist()
        negatives.append([candidates[i] for i in sorted(keep)])
    groups = torch.zeros(len(qids), dtype=torch.long)
    if cfg.objective == "idro":
        groups = kmeans_assign(
            q_emb, cfg.n_groups, niter=cfg.kmeans_niter, nredo=cfg.kmeans_nredo, seed=cfg.seed * 1000 + episode
        )
        if dist.is_available() and dist.is_initialized():
            dist.broadcast(groups, src=0)  # one clustering for all ranks, whatever faiss's threading does
    return Episode(qids=qids, positives=positives, negatives=negatives, groups=groups)


def _example_losses(
    model: nn.Module,
    tokenizer: Any,
    protocol: EncodingProtocol,
    queries: list[str],
    pos_docs: list[dict],
    neg_docs: list[dict],
    scale: float,
    recorder: Any,
) -> torch.Tensor:
    """Per-example triplet cross-entropy; queries and documents run as two forward calls."""
    import contextlib

    import torch

    from replications.coco_dr.model import embed_texts

    n = len(queries)
    rows = torch.arange(n)
    tag = recorder.rows if recorder is not None else (lambda _: contextlib.nullcontext())
    with tag(rows):
        q = embed_texts(
            model, tokenizer, [protocol.query_text(x) for x in queries], protocol.query_max_length, protocol
        )
    with tag(torch.cat([rows, rows])):
        docs = [protocol.doc_text(d) for d in pos_docs + neg_docs]
        d = embed_texts(model, tokenizer, docs, protocol.doc_max_length, protocol)
    scores = scale * torch.stack([(q * d[:n]).sum(-1), (q * d[n:]).sum(-1)], dim=1)
    target = torch.zeros(n, dtype=torch.long, device=scores.device)
    return torch.nn.functional.cross_entropy(scores, target, reduction="none").cpu()


class Trainer:
    """Holds model, optimiser, schedule and iDRO state across episodes."""

    def __init__(
        self, model: nn.Module, tokenizer: Any, protocol: EncodingProtocol, train: Dataset, cfg: FinetuneConfig
    ) -> None:
        import torch

        from claimcheck.retrieval.distributed import rank_and_world
        from claimcheck.retrieval.schedule import linear_warmup_decay
        from replications.coco_dr.gram import GroupGradRecorder, last_layer_names
        from replications.coco_dr.model import encoder_of

        self.model, self.tokenizer, self.protocol, self.train, self.cfg = model, tokenizer, protocol, train, cfg
        self.rank, self.world = rank_and_world()
        if cfg.batch_size % self.world:
            raise ValueError(f"global batch {cfg.batch_size} is not divisible by {self.world} processes")
        self.docids = list(train.corpus)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optim = torch.optim.AdamW(self.params, lr=cfg.lr, weight_decay=cfg.weight_decay)
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
            ep = mine_episode(self.model, self.tokenizer, self.protocol, self.train, self.cfg, episode)
            self.h.fill_(1.0)  # each official ANCE round starts a fresh iDROLoss (h = ones)
            order = self._order(len(ep.qids), episode)
            for step in range(self.cfg.steps_per_episode):
                self.step(ep, order[step], episode, step)
                if progress:
                    progress(1.0)
        self.close()
        return self.log

    def _order(self, n: int, episode: int) -> list[torch.Tensor]:
        """Global batches of query rows for the episode's steps (epochs of seeded permutations)."""
        import torch

        gen = torch.Generator().manual_seed(self.cfg.seed * 7919 + episode)
        need = self.cfg.steps_per_episode * self.cfg.batch_size
        perm = torch.cat([torch.randperm(n, generator=gen) for _ in range(need // n + 1)])[:need]
        return list(perm.view(self.cfg.steps_per_episode, self.cfg.batch_size))

    def step(self, ep: Episode, batch: torch.Tensor, episode: int, step: int) -> float:
        import torch
        import torch.distributed as dist

        from replications.coco_dr.gram import loop_group_grads
        from replications.coco_dr.idro import group_means, group_stats, update_weights_from_gram
        from replications.coco_dr.model import autocast

        cfg = self.cfg
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + episode * 10_007 + step)
        pos = [ep.positives[r][int(torch.randint(len(ep.positives[r]), (1,), generator=gen))] for r in batch.tolist()]
        neg = [ep.negatives[r][int(torch.randint(len(ep.negatives[r]), (1,), generator=gen))] for r in batch.tolist()]
        per = cfg.batch_size // self.world
        mine = slice(self.rank * per, (self.rank + 1) * per)
        rows = batch[mine].tolist()
        corpus = self.train.corpus
        self.model.train()
        self.optim.zero_grad(set_to_none=True)
        with autocast(self.model, cfg.bf16):
            losses = _example_losses(
                self.model,
                self.tokenizer,
                self.protocol,
                [self.train.queries[ep.qids[r]] for r in rows],
                [corpus[self.docids[i]] for i in pos[mine]],
                [corpus[self.docids[i]] for i in neg[mine]],
                cfg.score_scale,
                self.recorder,
            )
        distributed = self.world > 1
        if cfg.objective == "erm":
            loss = losses.sum() / cfg.batch_size
            loss.backward()
            total = loss.detach().clone()
        else:
            groups_global = ep.groups[batch]
            groups = groups_global[mine]
            counts = torch.bincount(groups_global, minlength=cfg.n_groups).double()
            sums, _ = group_stats(losses, groups, cfg.n_groups)
            local_means = sums / counts.clamp(min=1).to(sums.dtype)  # this rank's share of each global L_g
            loss = (local_means * self.h.to(local_means.dtype)).sum()  # weights from before the update
            present = torch.nonzero(counts > 0).flatten()
            if cfg.gram_method == "loop":
                grads = loop_group_grads(local_means, counts > 0, self._selected_params())
                if distributed:
                    dist.all_reduce(grads)
                gram = grads.double() @ grads.double().T
                loss.backward()
            else:
                loss.backward()
                scale = 1.0 / self.h[groups]  # v_n / w_n = (1 / c_g) / (h_g / c_g)
                gram = self.recorder.gram(groups, scale, cfg.n_groups, present)
                self.recorder.clear()
            group_loss_sums = sums.detach().double()
            if distributed:
                dist.all_reduce(group_loss_sums)
            group_loss = group_means(group_loss_sums, counts)
            self.h = update_weights_from_gram(
                self.h, group_loss, counts, gram, alpha=cfg.alpha, rho=cfg.rho, ema=cfg.ema, eps=cfg.eps
            )
            self.log.weights.append(self.h.tolist())
            self.log.group_sizes.append(counts.long().tolist())
            total = loss.detach().clone()
        if distributed:
            sum_grads_across_ranks(self.params)
            dist.all_reduce(total)
        self.optim.step()
        self.sched.step()
        self.log.losses.append(float(total))
        return float(total)

    def _selected_params(self) -> list[torch.Tensor]:
        from replications.coco_dr.model import encoder_of

        wanted = set(self.selected)
        return [p for n, p in encoder_of(self.model).named_parameters() if n in wanted]


def finetune(
    model: nn.Module,
    tokenizer: Any,
    protocol: EncodingProtocol,
    train: Dataset,
    cfg: FinetuneConfig,
    progress: Callable[[float], None] | None = None,
) -> TrainLog:
    """Fine-tune `model` in place; returns per-step losses and (iDRO) group weights."""
    return Trainer(model, tokenizer, protocol, train, cfg).run(progress)
