"""Contrastive training of the dual encoder on image–caption pairs with one of the objectives of `loss.LOSSES`.

A GCL step costs what a CL step costs: one image pass and one text pass per batch; the fused embedding reuses
both (see `benchmarks/gcl.py`). Pairs stream through `images.batches` (crops decoded in workers and cached,
captions tokenised there), in an order drawn from the seed, so every objective trained with one seed sees the
same batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from replications.gcl.images import Collate, ItemBatch
from replications.gcl.loss import LossName, named_loss
from replications.gcl.model import autocast

if TYPE_CHECKING:
    import numpy as np
    import torch

    from replications.gcl.model import DualEncoder


def pair_batch(encoder: DualEncoder, images: Sequence[np.ndarray], captions: Sequence[str]) -> ItemBatch:
    """A batch of in-memory pairs, made as the loader makes one (tests and benchmarks)."""
    pairs = enumerate(zip(images, captions, strict=True))
    samples = [(k, encoder.preprocessor.crop(image), text) for k, (image, text) in pairs]
    return Collate(encoder.tokenizer, encoder.max_text_len)(samples)


def embed_pairs(
    encoder: DualEncoder, batch: ItemBatch, precision: str = "fp32"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """L2-normalised image, text and fused embeddings of a batch of pairs (fp32): two encoder passes, the
    fusion reuses their outputs."""
    import torch.nn.functional as F

    complete = len(batch.image_rows) == len(batch.text_rows) == len(batch)
    if batch.crops is None or batch.input_ids is None or batch.attention_mask is None or not complete:
        raise ValueError("a training batch needs an image and a text for every pair")
    with autocast(precision, encoder.device):
        image = encoder.image_features(batch.crops).float()
        text = encoder.text_features(batch.input_ids, batch.attention_mask).float()
    fused = encoder.fuse(image, text)
    return F.normalize(image, dim=-1), F.normalize(text, dim=-1), F.normalize(fused, dim=-1)


def batch_loss(
    encoder: DualEncoder, batch: ItemBatch, loss: LossName, *, mask_same_sample: bool = False, precision: str = "fp32"
) -> torch.Tensor:
    e_i, e_t, e_it = embed_pairs(encoder, batch, precision)
    return named_loss(loss, e_i, e_t, e_it, encoder.temperature(), mask_same_sample=mask_same_sample)


def training_step(
    encoder: DualEncoder,
    optimizer: torch.optim.Optimizer,
    batch: ItemBatch,
    loss: LossName,
    *,
    mask_same_sample: bool = False,
    precision: str = "fp32",
) -> float:
    optimizer.zero_grad(set_to_none=True)
    value = batch_loss(encoder, batch, loss, mask_same_sample=mask_same_sample, precision=precision)
    value.backward()
    optimizer.step()
    return float(value.detach())


def batch_order(n: int, steps: int, batch_size: int, seed: int) -> list[list[int]]:
    """`steps` batches of `batch_size` rows drawn without replacement within an epoch, from `seed`."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    batch_size = min(batch_size, n)
    order, cursor, out = torch.randperm(n, generator=generator), 0, []
    for _ in range(steps):
        if cursor + batch_size > n:
            order, cursor = torch.randperm(n, generator=generator), 0
        out.append(order[cursor : cursor + batch_size].tolist())
        cursor += batch_size
    return out


def train(
    encoder: DualEncoder,
    data: Iterable[ItemBatch],
    *,
    loss: LossName,
    lr: float,
    weight_decay: float = 0.1,
    warmup: int = 50,
    mask_same_sample: bool = False,
    precision: str = "fp32",
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """One step per batch of `data`: AdamW with linear warm-up then a constant rate. Returns the step losses."""
    import torch

    encoder.model.train()
    optimizer = torch.optim.AdamW(encoder.model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, warmup)))
    losses: list[float] = []
    for step, batch in enumerate(data):
        losses.append(training_step(encoder, optimizer, batch, loss, mask_same_sample=mask_same_sample,
                                    precision=precision))  # fmt: skip
        schedule.step()
        if on_step:
            on_step(step, losses[-1])
    encoder.model.eval()
    return losses
