"""LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020).

The official COCO-DR warm-up and ANCE stages use `--optimizer lamb` (`ANCE/utils/lamb.py`, the cybertronai
implementation). Per parameter tensor x with gradient g, at step t:

    m = b1 m + (1 - b1) g                     v = b2 v + (1 - b2) g^2
    r = m' / (sqrt(v') + eps) + wd x          (m', v' = m, v; or m / (1 - b1^t), v / (1 - b2^t) with bias_correction)
    x = x - lr * phi(||x||) / ||r|| * r       phi(z) = min(z, clamp)   (ratio 1 when either norm is 0)

The official code leaves out the bias correction ("Paper v3 does not use debiasing") and clamps the weight norm at
10; those are the defaults here. torch has no LAMB, and torch-optimizer (last released 2021) is not kept up, so this
is a small own implementation, tested against the formula written out in plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


class Lamb(torch.optim.Optimizer):
    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        bias_correction: bool = False,
        clamp: float = 10.0,
    ) -> None:
        if lr < 0 or eps < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"invalid LAMB hyperparameters lr={lr} eps={eps} betas={betas}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)
        self.bias_correction = bias_correction
        self.clamp = clamp

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("LAMB does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                if self.bias_correction:
                    t = state["step"]
                    update = (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + group["eps"])
                else:
                    update = m / (v.sqrt() + group["eps"])
                if group["weight_decay"]:
                    update.add_(p, alpha=group["weight_decay"])
                weight_norm = p.norm().clamp(0, self.clamp)
                update_norm = update.norm()
                trust = 1.0 if weight_norm == 0 or update_norm == 0 else float(weight_norm / update_norm)
                p.add_(update, alpha=-group["lr"] * trust)
        return loss


def make_optimizer(name: str, params: list[torch.Tensor], lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """The stage's optimiser by name: 'lamb' (official warm-up and ANCE) or 'adamw' (official COCO, HF Trainer)."""
    if name == "lamb":  # the drivers pass --adam_epsilon (default 1e-8) as LAMB's eps
        return Lamb(params, lr=lr, eps=1e-8, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r} (lamb or adamw)")
