"""OPTICAL distillation: a student query encoder learns cross-lingual token alignment from bitext alone.

Teacher: a monolingual (English) retrieval encoder, frozen. Student: a copy of the same weights. For each bitext
pair (English q, foreign q̂), both sides are tokenised and padded to their common length L with the mask token;
the cost between student token i of q̂ and teacher token j of q is C_ij = 1 − cos(E_S(q̂)_i, E_T(q)_j); the plan P
is the optimal transport between uniform marginals; the loss is ⟨P, C⟩_F (`replications.optical.ot`).

The only training signal is the bitext: no queries, documents or relevance labels enter `train_student`
(its signature takes two lists of sentences and nothing else), so query–document matching stays the teacher's.

`objective="sentence"` is the ablation without transport: MSE between the pooled student(q̂) and teacher(q)
sentence vectors (the sentence-level distillation of Reimers & Gurevych 2020), same data and budget, pooled as
the encoder's protocol pools (`pooling`).

`precision="bf16"` runs the encoders' forward and backward under bf16 autocast (GPUs; CPUs with AVX512-BF16/AMX);
the cost matrix, the transport plan and the loss are always computed in fp32 from the token vectors.

[MASK] padding (`padding`):
- "mask_uniform" (default; as the reference describes): the shorter side is filled with [MASK] up to L; the
  [MASK] positions are attended to and are real positions of the transport problem with mass 1/L each, so
  content tokens of the longer side may be transported onto them.
- "mask_zero_mass": same inputs, but [MASK] positions get zero marginal mass (masked out of the plan exactly);
  marginals are uniform over the real tokens of each side.
- "none": ordinary [PAD] padding (not attended, zero mass); the sentence objective uses this.
Beyond a pair's own L, a batch is padded with [PAD] (not attended, zero mass) so pairs of different lengths share
one batched transport problem.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from claimcheck.models import Record
from claimcheck.retrieval.distributed import device_of

if TYPE_CHECKING:
    import torch

Padding = Literal["mask_uniform", "mask_zero_mass", "none"]


class DistillConfig(Record):
    objective: Literal["ot", "sentence"] = "ot"
    max_length: int = Field(default=32, gt=2, description="tokens per side, special tokens included")
    padding: Padding = "mask_uniform"
    ot_method: Literal["sinkhorn", "exact"] = "sinkhorn"
    eps: float = Field(default=0.05, gt=0, description="entropic regularisation (costs lie in [0, 2])")
    sinkhorn_iters: int = 100
    sinkhorn_tol: float = 1e-4
    grad: Literal["envelope", "unroll"] = "envelope"
    epochs: float = Field(default=1.0, gt=0)
    batch_size: int = 32
    lr: float = 5e-5
    warmup: float = Field(default=0.1, ge=0, le=1, description="fraction of steps with linear warm-up")
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    pooling: Literal["mean", "cls"] = Field(default="mean", description="sentence objective: the encoder's pooling")
    precision: Literal["fp32", "bf16"] = "fp32"


@dataclass
class PairBatch:
    """A tokenised batch of bitext pairs; row k of every tensor is pair k."""

    en_ids: torch.Tensor
    en_attention: torch.Tensor
    en_mass: torch.Tensor  # bool: positions with marginal mass in the transport problem
    fx_ids: torch.Tensor
    fx_attention: torch.Tensor
    fx_mass: torch.Tensor

    def to(self, device: torch.device) -> PairBatch:
        return PairBatch(*(getattr(self, f.name).to(device) for f in fields(self)))


def tokenize_pairs(
    tokenizer: Any, english: Sequence[str], foreign: Sequence[str], max_length: int, padding: Padding
) -> PairBatch:
    """Tokenise pairs and pad each pair to its common length with [MASK] (see module doc for `padding`)."""
    import torch

    if len(english) != len(foreign):
        raise ValueError("english and foreign must be aligned lists of equal length")
    en = tokenizer(list(english), truncation=True, max_length=max_length)["input_ids"]
    fx = tokenizer(list(foreign), truncation=True, max_length=max_length)["input_ids"]
    width = max(max(len(e), len(f)) for e, f in zip(en, fx, strict=True))
    pad_id, mask_id = tokenizer.pad_token_id, tokenizer.mask_token_id
    if padding != "none" and mask_id is None:
        raise ValueError("the tokenizer has no mask token")

    def side(seqs: list[list[int]], commons: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(seqs), width), dtype=torch.long)
        mass = torch.zeros((len(seqs), width), dtype=torch.bool)
        for k, (seq, common) in enumerate(zip(seqs, commons, strict=True)):
            n = len(seq)
            ids[k, :n] = torch.tensor(seq)
            attention[k, :n] = 1
            mass[k, :n] = True
            if padding != "none":
                ids[k, n:common] = mask_id
                attention[k, n:common] = 1
                mass[k, n:common] = padding == "mask_uniform"
        return ids, attention, mass

    commons = [max(len(e), len(f)) for e, f in zip(en, fx, strict=True)]
    return PairBatch(*side(en, commons), *side(fx, commons))


def token_embeddings(model: Any, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    return model(input_ids=ids, attention_mask=attention)[0]


def cosine_cost(student_tokens: torch.Tensor, teacher_tokens: torch.Tensor) -> torch.Tensor:
    """C_ij = 1 − cos(student_i, teacher_j): (B, n, d) × (B, m, d) → (B, n, m), values in [0, 2]."""
    import torch.nn.functional as F

    s = F.normalize(student_tokens, dim=-1)
    t = F.normalize(teacher_tokens, dim=-1)
    return 1.0 - s @ t.transpose(1, 2)


def ot_loss(
    student_tokens: torch.Tensor, teacher_tokens: torch.Tensor, batch: PairBatch, cfg: DistillConfig
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean over pairs of ⟨P, C⟩_F, with the plan P and cost C (student rows = foreign, columns = English)."""
    from replications.optical.ot import transport_loss, uniform_marginals

    cost = cosine_cost(student_tokens, teacher_tokens)
    a = uniform_marginals(batch.fx_mass, cost.dtype)
    b = uniform_marginals(batch.en_mass, cost.dtype)
    per_pair, plan = transport_loss(
        cost, a, b, method=cfg.ot_method, eps=cfg.eps, n_iters=cfg.sinkhorn_iters, tol=cfg.sinkhorn_tol, grad=cfg.grad
    )
    return per_pair.mean(), plan, cost


def sentence_loss(
    student_tokens: torch.Tensor, teacher_tokens: torch.Tensor, batch: PairBatch, pooling: str = "mean"
) -> torch.Tensor:
    """MSE between pooled student(q̂) and teacher(q) over real tokens (the no-transport ablation)."""
    from claimcheck.retrieval.encoders import pool

    s = pool(student_tokens, batch.fx_mass.long(), pooling)
    t = pool(teacher_tokens, batch.en_mass.long(), pooling)
    return ((s - t) ** 2).sum(-1).mean()


TeacherMemo = dict[tuple[int, ...], "torch.Tensor"]


def teacher_targets(teacher: Any, batch: PairBatch, memo: TeacherMemo | None = None) -> torch.Tensor:
    """The frozen teacher's token vectors for the English side, (B, width, d).

    With a `memo` (one per task, shared by seeds and conditions), each distinct input sequence is encoded once:
    its real positions depend only on its own tokens, since attention never reaches [PAD]. Positions past a
    sequence's attended length come back as zeros; they carry no mass, so no loss reads them.
    """
    import torch
    import torch.nn.functional as F

    lengths = batch.en_attention.sum(1).tolist()
    keys = [tuple(row[:n].tolist()) for row, n in zip(batch.en_ids, lengths, strict=True)]
    if memo is None or any(k not in memo for k in keys):
        with torch.no_grad():
            out = token_embeddings(teacher, batch.en_ids, batch.en_attention)
        if memo is not None:  # kept in host memory: a full-scale memo would crowd the GPU
            memo.update((k, out[r, :n].cpu()) for r, (k, n) in enumerate(zip(keys, lengths, strict=True)))
        return out
    width = batch.en_ids.shape[1]
    return torch.stack([F.pad(memo[k], (0, 0, 0, width - len(k))) for k in keys]).to(batch.en_ids.device)


def batch_loss(
    student: Any, teacher: Any, batch: PairBatch, cfg: DistillConfig, memo: TeacherMemo | None = None
) -> torch.Tensor:
    import torch

    with torch.autocast(batch.fx_ids.device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16"):
        teacher_tokens = teacher_targets(teacher, batch, memo)
        student_tokens = token_embeddings(student, batch.fx_ids, batch.fx_attention)
    with torch.autocast(batch.fx_ids.device.type, enabled=False):  # costs and plans in fp32 at any precision
        student_tokens, teacher_tokens = student_tokens.float(), teacher_tokens.float()
        if cfg.objective == "ot":
            return ot_loss(student_tokens, teacher_tokens, batch, cfg)[0]
        return sentence_loss(student_tokens, teacher_tokens, batch, cfg.pooling)


def pair_batches(
    tokenizer: Any, english: Sequence[str], foreign: Sequence[str], cfg: DistillConfig, device: Any
) -> Iterator[PairBatch]:
    """The pairs in order, `cfg.batch_size` at a time, tokenised as training tokenises them."""
    padding = "none" if cfg.objective == "sentence" else cfg.padding
    for start in range(0, len(english), cfg.batch_size):
        end = start + cfg.batch_size
        yield tokenize_pairs(tokenizer, english[start:end], foreign[start:end], cfg.max_length, padding).to(device)


def held_out_loss(
    student: Any,
    teacher: Any,
    tokenizer: Any,
    english: Sequence[str],
    foreign: Sequence[str],
    cfg: DistillConfig,
    memo: TeacherMemo | None = None,
) -> float:
    """The training objective of `student` on pairs it never trained on (mean over pairs; eval mode, no grad)."""
    import torch

    was_training = student.training
    student.eval()
    total = 0.0
    with torch.no_grad():
        for batch in pair_batches(tokenizer, english, foreign, cfg, device_of(student)):
            total += float(batch_loss(student, teacher, batch, cfg, memo)) * len(batch.en_ids)
    student.train(was_training)
    return total / max(1, len(english))


def train_step(
    student: Any, teacher: Any, batch: PairBatch, cfg: DistillConfig, optimizer: Any, memo: TeacherMemo | None = None
) -> float:
    """One optimisation step of the student on one batch; returns the batch loss. `student` may be DDP-wrapped."""
    import torch

    loss = batch_loss(student, teacher, batch, cfg, memo)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(student.parameters(), cfg.max_grad_norm)
    optimizer.step()
    return float(loss.detach())


def make_student(teacher: Any) -> Any:
    """A trainable copy of `teacher`, which is frozen in eval mode."""
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = copy.deepcopy(teacher)
    for p in student.parameters():
        p.requires_grad_(True)
    return student.train()


def make_optimizer(student: Any, cfg: DistillConfig) -> Any:
    import torch

    return torch.optim.AdamW(student.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)


def train_student(
    teacher: Any,
    tokenizer: Any,
    english: Sequence[str],
    foreign: Sequence[str],
    cfg: DistillConfig,
    seed: int = 0,
    on_step: Callable[[int, int, float], None] | None = None,
    teacher_memo: TeacherMemo | None = None,
) -> Any:
    """A student initialised from `teacher` and trained on the bitext (english[k], foreign[k]) only.

    The teacher is frozen (never updated, kept in eval mode). Returns the student in eval mode.
    `on_step(step, total, loss)` reports progress. `teacher_memo` (see `teacher_targets`) lets runs on the same
    bitext skip the teacher's forward passes they share.
    """
    import torch

    from claimcheck.retrieval.schedule import linear_warmup_decay

    if cfg.objective == "sentence" and cfg.padding != "none":
        cfg = cfg.model_copy(update={"padding": "none"})
    torch.manual_seed(seed)
    rng = random.Random(seed)
    student = make_student(teacher)
    order = list(range(len(english)))
    total = max(1, math.ceil(cfg.epochs * len(order) / cfg.batch_size))
    optimizer = make_optimizer(student, cfg)
    schedule = linear_warmup_decay(optimizer, max(1, int(cfg.warmup * total)), total)
    step, cursor = 0, len(order)
    device = device_of(student)
    while step < total:
        if cursor + cfg.batch_size > len(order):  # new epoch: reshuffle
            rng.shuffle(order)
            cursor = 0
        idx = order[cursor : cursor + cfg.batch_size]
        cursor += cfg.batch_size
        batch = tokenize_pairs(
            tokenizer, [english[i] for i in idx], [foreign[i] for i in idx], cfg.max_length, cfg.padding
        ).to(device)
        loss = train_step(student, teacher, batch, cfg, optimizer, teacher_memo)
        schedule.step()
        step += 1
        if on_step:
            on_step(step, total, loss)
    student.eval()
    return student
