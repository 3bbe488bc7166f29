"""Batched optimal transport in torch: log-domain Sinkhorn, exact plans for small problems, the OT loss.

Conventions (shared by every function here):
- `cost` is (B, n, m); marginals `a` (B, n) and `b` (B, m) are non-negative with equal sums per pair.
  A zero marginal entry marks padding: that row/column of the plan is exactly 0 and takes no part in the
  iterations (it is masked out of every log-sum-exp, never approximated by a tiny mass).
- Sinkhorn solves min_P ⟨P, C⟩ − ε H(P) s.t. P1 = a, Pᵀ1 = b, in the log domain (potentials f, g), so small
  ε does not underflow the Gibbs kernel exp(−C/ε).
- Iteration order and stopping rule follow POT's `ot.sinkhorn(method="sinkhorn_log")` so that "same
  threshold" means the same thing: update the column potential, then the row potential; every 10 iterations
  measure the L2 norm of the column-marginal violation and stop when it is below `tol` (for every pair of
  the batch; pairs already converged keep iterating at their fixed point, which leaves them unchanged).

Gradients: `sinkhorn(..., grad="unroll")` backpropagates through the iterations (exact derivative of the
returned plan). `transport_loss(..., grad="envelope")` instead returns ⟨P*, C⟩ with P* held constant, whose
gradient w.r.t. C is P*: by the envelope (Danskin) theorem this is the exact gradient of the optimal value
min_P ⟨P, C⟩ for exact OT, and of the regularised optimum for Sinkhorn; it needs no memory for the iterations.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

GradMode = Literal["unroll", "envelope", "none"]
Method = Literal["sinkhorn", "exact"]


def _masks(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return a > 0, b > 0


def _safe_log(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # log of the real entries; padded entries get 0 here and are masked wherever they could matter.
    return torch.log(torch.where(mask, x, torch.ones_like(x)))


def sinkhorn(
    cost: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    *,
    eps: float,
    n_iters: int = 1000,
    tol: float = 1e-9,
    grad: Literal["unroll", "none"] = "unroll",
) -> torch.Tensor:
    """Entropic OT plans for a batch: (B, n, m) costs, (B, n) and (B, m) marginals → (B, n, m) plans."""
    if cost.dim() != 3:
        raise ValueError(f"cost must be (B, n, m), got shape {tuple(cost.shape)}")
    if a.shape != cost.shape[:2] or b.shape != (cost.shape[0], cost.shape[2]):
        raise ValueError(f"marginal shapes {tuple(a.shape)}, {tuple(b.shape)} do not match cost {tuple(cost.shape)}")
    if eps <= 0:
        raise ValueError("eps must be positive")
    with torch.set_grad_enabled(grad == "unroll" and torch.is_grad_enabled()):
        return _sinkhorn_log(cost, a.to(cost.dtype), b.to(cost.dtype), eps, n_iters, tol)


def _sinkhorn_log(
    cost: torch.Tensor, a: torch.Tensor, b: torch.Tensor, eps: float, n_iters: int, tol: float
) -> torch.Tensor:
    mask_a, mask_b = _masks(a, b)
    pair_mask = mask_a[:, :, None] & mask_b[:, None, :]
    log_a, log_b = _safe_log(a, mask_a), _safe_log(b, mask_b)
    # Scaled potentials u = f/ε, v = g/ε, as in POT's sinkhorn_log. The column update sums over real rows only
    # and the row update over real columns only; the results for padded columns/rows are then discarded. (Masking
    # the pair everywhere would make a padded column's log-sum-exp −∞ − (−∞) = NaN in the backward pass.)
    scaled = -cost / eps
    inf = float("-inf")
    over_rows = scaled.masked_fill(~mask_a[:, :, None], inf)
    over_cols = scaled.masked_fill(~mask_b[:, None, :], inf)
    u = torch.zeros_like(a)
    v = torch.zeros_like(b)
    for it in range(n_iters):
        v = torch.where(mask_b, log_b - torch.logsumexp(over_rows + u[:, :, None], dim=1), torch.zeros_like(v))
        u = torch.where(mask_a, log_a - torch.logsumexp(over_cols + v[:, None, :], dim=2), torch.zeros_like(u))
        if it % 10 == 0:
            with torch.no_grad():
                col = torch.exp(over_rows + u[:, :, None] + v[:, None, :]).sum(dim=1)
                err = torch.linalg.vector_norm(torch.where(mask_b, col - b, 0.0), dim=1).max()
            if err.item() < tol:
                break
    return torch.exp((scaled + u[:, :, None] + v[:, None, :]).masked_fill(~pair_mask, inf))


def exact_plan(cost: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact (unregularised) OT plans, solved per pair on the CPU; returned without gradient.

    Square problems with uniform marginals over all positions are assignment problems (Birkhoff: an optimal
    plan is a permutation matrix / n), solved by `scipy.optimize.linear_sum_assignment`; anything else (padding,
    unequal sizes, non-uniform mass) goes to POT's network-simplex `ot.emd`.
    """
    from scipy.optimize import linear_sum_assignment

    c = cost.detach().to("cpu", torch.float64).numpy()
    an = a.detach().to("cpu", torch.float64).numpy()
    bn = b.detach().to("cpu", torch.float64).numpy()
    out = np.zeros_like(c)
    for k in range(c.shape[0]):
        rows, cols = np.flatnonzero(an[k] > 0), np.flatnonzero(bn[k] > 0)
        sub = c[k][np.ix_(rows, cols)]
        ak, bk = an[k, rows], bn[k, cols]
        if len(rows) == len(cols) and np.allclose(ak, ak[0]) and np.allclose(bk, ak[0]):
            r, s = linear_sum_assignment(sub)
            plan = np.zeros_like(sub)
            plan[r, s] = ak[0]
        else:
            import ot as pot

            plan = pot.emd(ak, bk * (ak.sum() / bk.sum()), sub)
        out[k][np.ix_(rows, cols)] = plan
    return torch.from_numpy(out).to(device=cost.device, dtype=cost.dtype)


def frobenius(plan: torch.Tensor, cost: torch.Tensor) -> torch.Tensor:
    """⟨P, C⟩_F per pair: (B, n, m) × (B, n, m) → (B,)."""
    return (plan * cost).sum(dim=(1, 2))


def transport_loss(
    cost: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    *,
    method: Method = "sinkhorn",
    eps: float = 0.05,
    n_iters: int = 200,
    tol: float = 1e-6,
    grad: GradMode = "envelope",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The OT loss ⟨P*, C⟩_F per pair, and the plan P* it used.

    `grad="envelope"`: the plan is a constant, d loss/dC = P* (exact for the optimal value; see module doc).
    `grad="unroll"`: Sinkhorn only; gradient also flows through the plan's dependence on C.
    `grad="none"`: both returned without gradient.
    """
    if method == "exact":
        if grad == "unroll":
            raise ValueError("the exact plan is piecewise constant in C: use grad='envelope'")
        plan = exact_plan(cost, a, b)
    else:
        plan = sinkhorn(cost, a, b, eps=eps, n_iters=n_iters, tol=tol, grad="unroll" if grad == "unroll" else "none")
    loss = frobenius(plan if grad == "unroll" else plan.detach(), cost)
    if grad == "none":
        loss = loss.detach()
    return loss, plan


def uniform_marginals(mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform mass over the True positions of a (B, n) mask; zeros (padding) elsewhere."""
    m = mask.to(dtype)
    return m / m.sum(dim=1, keepdim=True).clamp_min(1)
