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

import math
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
    """Stabilised Sinkhorn: log-potentials (u, v) = (f/ε, g/ε) plus scalings (su, sv) on an absorbed kernel.

    The plan is P = diag(su) K̃ diag(sv) with K̃ = exp(−C/ε + u_i + v_j). Most iterations are plain scaling
    updates on K̃ (two batched mat-vecs, fast); whenever the scalings leave [e^-R, e^R] they are absorbed into
    (u, v) and K̃ is recomputed, and a block in which a scaling under- or overflowed (small ε, first block) is
    redone with log-sum-exp updates, which cannot (Schmitzer 2019, "Stabilized sparse scaling algorithms").
    Every form computes the same iteration as POT's `sinkhorn_log` (column update, then row update) with the
    same error (L2 norm of the column-marginal violation) and threshold, so the fixed point is POT's; the error
    is checked after every scaling iteration (POT: every 10th) because here the check is free, and the batch
    stops when its worst pair is below the threshold.
    """
    mask_a, mask_b = _masks(a, b)
    padded = not bool(mask_a.all() and mask_b.all())
    pair_mask = mask_a[:, :, None] & mask_b[:, None, :] if padded else None
    log_a, log_b = _safe_log(a, mask_a), _safe_log(b, mask_b)
    scaled = cost * (-1.0 / eps)
    inf = float("-inf")
    zeros_a, zeros_b = torch.zeros_like(a), torch.zeros_like(b)
    ones_a, ones_b = torch.ones_like(a), torch.ones_like(b)

    def kernel_of(u: torch.Tensor | None, v: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        logits = scaled if u is None or v is None else scaled + u[:, :, None] + v[:, None, :]
        k = torch.exp(logits.masked_fill(~pair_mask, inf) if padded else logits)
        return k, k.transpose(1, 2).contiguous()  # row-vector × matrix is the fast bmm layout on CPU

    def absorb(u: torch.Tensor, v: torch.Tensor, su: torch.Tensor, sv: torch.Tensor):
        return u + _safe_log(su, mask_a).masked_fill(~mask_a, 0.0), v + _safe_log(sv, mask_b).masked_fill(~mask_b, 0.0)

    def log_steps(u: torch.Tensor, v: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        # The column update sums over real rows only and the row update over real columns only; results for
        # padded columns/rows are discarded. (Masking the pair everywhere would make a padded column's
        # log-sum-exp −∞ − (−∞) = NaN in the backward pass.)
        over_rows = scaled.masked_fill(~mask_a[:, :, None], inf)
        over_cols = scaled.masked_fill(~mask_b[:, None, :], inf)
        for _ in range(steps):
            v = torch.where(mask_b, log_b - torch.logsumexp(over_rows + u[:, :, None], dim=1), zeros_b)
            u = torch.where(mask_a, log_a - torch.logsumexp(over_cols + v[:, None, :], dim=2), zeros_a)
        return u, v

    # Kernel rows/columns of padded positions are exactly 0; adding 1 there makes their scaling b/1 = 0.
    pad_a, pad_b = (~mask_a).to(a.dtype), (~mask_b).to(b.dtype)

    def marginal_error(col: torch.Tensor, sv: torch.Tensor) -> float:
        # L2 norm of the column-marginal violation of diag(su) K̃ diag(sv), given col = K̃ᵀ su; worst pair.
        # Padded columns contribute exactly 0 (there col = 0, b = 0 and sv is 0 or 1), so no mask is needed.
        with torch.no_grad():
            return torch.linalg.vector_norm(sv * col - b, dim=1).max().item()

    def scaling_steps(kt: tuple[torch.Tensor, torch.Tensor], su: torch.Tensor, sv: torch.Tensor, steps: int):
        """Up to `steps` scaling iterations; the error check reuses the next iteration's first mat-vec, so it
        is done after every iteration at no extra cost (POT checks every 10th)."""
        k, k_t = kt
        for _ in range(steps):
            col = torch.bmm(su[:, None, :], k)[:, 0]
            if marginal_error(col, sv) < tol:
                return su, sv, True
            sv = b / (col + pad_b if padded else col)
            row = torch.bmm(sv[:, None, :], k_t)[:, 0]
            su = a / (row + pad_a if padded else row)
        col = torch.bmm(su[:, None, :], kt[0])[:, 0]
        return su, sv, marginal_error(col, sv) < tol

    def spread(su: torch.Tensor, sv: torch.Tensor) -> float:
        """Largest |log s| over the real entries of both scalings (inf for 0, inf or NaN entries)."""
        s = torch.cat([su, sv], dim=1).detach()
        if padded:  # padded entries are 0 by construction; they never need absorbing
            s = torch.where(torch.cat([mask_a, mask_b], dim=1), s, 1.0)
        lo, hi = torch.stack(torch.aminmax(s)).tolist()
        if not (lo > 0.0 and math.isfinite(hi)):  # also false for NaN
            return math.inf
        return max(-math.log(lo), math.log(hi))

    u, v = zeros_a, zeros_b
    kt = kernel_of(None, None)  # u = v = 0: skip two full-size additions
    su, sv = ones_a, ones_b
    done = 0
    while done < n_iters:
        steps = min(10, n_iters - done)
        nsu, nsv, converged = scaling_steps(kt, su, sv, steps)
        reach = spread(nsu, nsv)
        if reach < 600.0:
            su, sv = nsu, nsv
        else:  # a scaling under- or overflowed: redo the block in the log domain from the absorbed state
            u, v = log_steps(*absorb(u, v, su, sv), steps)
            kt, su, sv = kernel_of(u, v), ones_a, ones_b
            converged = marginal_error(torch.bmm(su[:, None, :], kt[0])[:, 0], sv) < tol
            reach = 0.0
        done += steps
        if converged:
            break
        if reach > 30.0:
            u, v = absorb(u, v, su, sv)
            kt, su, sv = kernel_of(u, v), ones_a, ones_b
    return su[:, :, None] * kt[0] * sv[:, None, :]


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
