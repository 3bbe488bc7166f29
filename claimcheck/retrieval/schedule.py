"""The learning-rate schedule the replications' trainers share (BERT's): linear warm-up, then linear decay to 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def linear_warmup_decay(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Step s gets (s + 1) / warmup_steps of the rate while s < warmup_steps, then (total − s) / (total − warmup)."""
    import torch

    warmup_steps = max(0, warmup_steps)

    def factor(step: int) -> float:
        if warmup_steps > 0 and step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
