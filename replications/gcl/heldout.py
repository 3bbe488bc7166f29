"""What training did on held-out image–caption pairs (pairs of the training distribution no step saw).

Two measurements, both paired with the start model on the same pairs:
- the objective's loss on fixed held-out batches of the training batch size (the number of in-batch negatives
  changes a contrastive loss, so the batches must be the size training used);
- image→text and text→image hit@1 among all held-out pairs (CLIP's own capability).
`PairedChange` reduces a before/after pair of per-unit figures to the mean change and its standard error, the
figures the validity checks hold against their thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from replications.gcl.images import ItemBatch
from replications.gcl.loss import LossName
from replications.gcl.train import batch_loss, embed_pairs

if TYPE_CHECKING:
    from replications.gcl.model import DualEncoder


class PairedChange(BaseModel):
    """after − before over paired units (held-out batches or queries)."""

    before: float
    after: float
    change: float
    se: float  # standard error of the mean paired difference
    n: int

    @classmethod
    def of(cls, before: Sequence[float], after: Sequence[float]) -> PairedChange:
        if len(before) != len(after) or not before:
            raise ValueError(f"paired figures need equal, non-zero lengths (got {len(before)} and {len(after)})")
        diffs = [a - b for a, b in zip(after, before, strict=True)]
        n = len(diffs)
        mean = sum(diffs) / n
        var = sum((d - mean) ** 2 for d in diffs) / (n - 1) if n > 1 else 0.0
        return cls(before=sum(before) / n, after=sum(after) / n, change=mean, se=math.sqrt(var / n), n=n)

    def lowered(self, z: float) -> bool:
        """Decreased by more than `z` standard errors (and at all, when the SE is 0)."""
        return self.change < 0 and -self.change > z * self.se

    def not_raised(self, z: float) -> bool:
        return self.change <= z * self.se


def losses(
    encoder: DualEncoder, data: Sequence[ItemBatch], loss: LossName, *, mask_same_sample: bool, precision: str
) -> list[float]:
    """The objective `loss` on each held-out batch, in eval mode (no dropout), without gradients."""
    import torch

    encoder.model.eval()
    with torch.no_grad():
        return [float(batch_loss(encoder, b, loss, mask_same_sample=mask_same_sample, precision=precision))
                for b in data]  # fmt: skip


def pair_hits(encoder: DualEncoder, data: Sequence[ItemBatch], precision: str) -> list[float]:
    """Per held-out pair, hit@1 of image→text and of text→image among all held-out pairs (2N figures)."""
    import torch

    encoder.model.eval()
    with torch.no_grad():
        parts = [embed_pairs(encoder, b, precision)[:2] for b in data]
        image = torch.cat([p[0] for p in parts])
        text = torch.cat([p[1] for p in parts])
        sim = image @ text.T
        truth = torch.arange(len(image), device=sim.device)
        return (sim.argmax(dim=1) == truth).float().tolist() + (sim.argmax(dim=0) == truth).float().tolist()
