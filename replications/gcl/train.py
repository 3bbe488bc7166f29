"""Contrastive training of the dual encoder on image–caption pairs with CL or GCL.

A GCL step costs what a CL step costs: one image pass and one text pass per batch; the fused embedding reuses
both (see `benchmarks/gcl.py`). Pairs are preprocessed and tokenised once, then batches are index lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from replications.gcl.loss import cl_loss, gcl_loss

if TYPE_CHECKING:
    import torch

    from replications.gcl.model import DualEncoder

LossName = Literal["cl", "gcl"]


@dataclass
class PairTensors:
    pixel_values: torch.Tensor  # (N, 3, H, W)
    input_ids: torch.Tensor  # (N, L)
    attention_mask: torch.Tensor  # (N, L)

    def __len__(self) -> int:
        return int(self.pixel_values.shape[0])

    def batch(self, index: torch.Tensor) -> PairTensors:
        return PairTensors(self.pixel_values[index], self.input_ids[index], self.attention_mask[index])


class PairSource(Protocol):
    def __len__(self) -> int: ...

    def batch(self, index: torch.Tensor) -> PairTensors: ...


class LazyPairs:
    """Pairs read, preprocessed and tokenised batch by batch (full scale: LCS-558K does not fit in memory)."""

    def __init__(self, encoder: DualEncoder, images: Sequence[Path], captions: Sequence[str]) -> None:
        if len(images) != len(captions):
            raise ValueError(f"{len(images)} images but {len(captions)} captions")
        self.encoder, self.images, self.captions = encoder, list(images), list(captions)

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, index: torch.Tensor) -> PairTensors:
        from replications.gcl.pairs import read_image

        rows = index.tolist()
        return prepare_pairs(self.encoder, [read_image(self.images[r]) for r in rows], [self.captions[r] for r in rows])


def prepare_pairs(encoder: DualEncoder, images: Sequence[np.ndarray], captions: Sequence[str]) -> PairTensors:
    if len(images) != len(captions):
        raise ValueError(f"{len(images)} images but {len(captions)} captions")
    tokens = encoder.tokenize(captions)
    return PairTensors(encoder.preprocessor(images), tokens["input_ids"], tokens["attention_mask"])


def embed_pairs(encoder: DualEncoder, batch: PairTensors) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """L2-normalised image, text and fused embeddings: two encoder passes, the fusion reuses their outputs."""
    import torch.nn.functional as F

    image = encoder.image_features(batch.pixel_values)
    text = encoder.text_features(batch.input_ids, batch.attention_mask)
    fused = encoder.fuse(image, text)
    return F.normalize(image, dim=-1), F.normalize(text, dim=-1), F.normalize(fused, dim=-1)


def batch_loss(
    encoder: DualEncoder, batch: PairTensors, loss: LossName, *, mask_same_sample: bool = False
) -> torch.Tensor:
    e_i, e_t, e_it = embed_pairs(encoder, batch)
    temperature = encoder.temperature()
    if loss == "cl":
        return cl_loss(e_i, e_t, temperature)
    if loss == "gcl":
        return gcl_loss(e_i, e_t, e_it, temperature, mask_same_sample=mask_same_sample)
    raise ValueError(f"unknown loss {loss!r}")


def training_step(
    encoder: DualEncoder, optimizer: torch.optim.Optimizer, batch: PairTensors, loss: LossName, **options: bool
) -> float:
    optimizer.zero_grad(set_to_none=True)
    value = batch_loss(encoder, batch, loss, **options)
    value.backward()
    optimizer.step()
    return float(value.detach())


def train(
    encoder: DualEncoder,
    data: PairSource,
    *,
    loss: LossName,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
    weight_decay: float = 0.1,
    warmup: int = 50,
    mask_same_sample: bool = False,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """AdamW with linear warm-up then constant rate; batches drawn without replacement within an epoch."""
    import torch

    if steps <= 0:
        return []
    encoder.model.train()
    optimizer = torch.optim.AdamW(encoder.model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, warmup)))
    generator = torch.Generator().manual_seed(seed)
    batch_size = min(batch_size, len(data))
    order = torch.randperm(len(data), generator=generator)
    cursor, losses = 0, []
    for step in range(steps):
        if cursor + batch_size > len(order):
            order, cursor = torch.randperm(len(data), generator=generator), 0
        index = order[cursor : cursor + batch_size]
        cursor += batch_size
        losses.append(training_step(encoder, optimizer, data.batch(index), loss, mask_same_sample=mask_same_sample))
        schedule.step()
        if on_step:
            on_step(step, losses[-1])
    encoder.model.eval()
    return losses
