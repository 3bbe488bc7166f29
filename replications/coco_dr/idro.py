"""iDRO (implicit distributionally robust optimisation) as the official `ANCE/model/dro_loss.py::iDROLoss` does it.

Per batch, with `L_g` the mean loss of group g (0 when absent) and `c_g` its count:

* the loss optimised is `sum_g h_g * L_g` with the weights `h` from *before* this step's update;
* the weights then move towards groups whose (loss-scaled) gradients agree with the others':
  `R = (l l^T) * cos(G_g, G_j)` with `l_g = L_g ** alpha`, `e_g = rho * mean_j R_gj` (0 for absent groups),
  `e -= max(e)`, `h <- h**ema * exp(e) * [c_g > 0]`, `h <- h / sum(h)`, `h <- max(h, eps)`.

The paper writes the update as `w_i ∝ w_i^(t-1) exp((1/tau) sum_j [l_i l_j]^beta grad_i^T grad_j)`; the code uses
the mean over j, *unit-normalised* gradients and `h**ema`. We follow the code (see README).

Only the gradients' Gram matrix `G G^T` enters the update, so `update_weights_from_gram` is the core and
`update_weights` (the issue's interface, taking the (K, D) gradients) computes the Gram and calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

# The official hyperparameters (ANCE/README.md), identical for Base and Large.
DEFAULTS = {"alpha": 0.25, "rho": 0.05, "ema": 0.1, "eps": 0.01}

# The official code divides by (1e-12 + norm) before the inner products.
_NORM_EPS = 1e-12


def group_stats(losses: torch.Tensor, groups: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-group loss sums and counts, (K,) each; differentiable in `losses`."""
    import torch

    sums = torch.zeros(k, dtype=losses.dtype, device=losses.device).scatter_add(0, groups, losses)
    counts = torch.zeros(k, dtype=losses.dtype, device=losses.device).scatter_add(0, groups, torch.ones_like(losses))
    return sums, counts


def group_means(sums: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Mean loss per group, 0 where the group is absent (as the official code's `div(count + (count == 0))`)."""
    return sums / (counts + (counts == 0).to(counts.dtype))


def agreement_exponent(
    group_loss: torch.Tensor, group_count: torch.Tensor, gram: torch.Tensor, *, alpha: float, rho: float
) -> torch.Tensor:
    """`e_g = rho * mean_j (L_g L_j)^alpha cos(G_g, G_j)`, 0 for absent groups (float64), before the max shift.

    Its spread over the present groups is what the update adds to the weights' history, so
    `exp(max e - min e)` measures how far one step can move iDRO's weights apart (see README)."""
    import torch

    with torch.no_grad():
        gram64 = gram.detach().double()
        norms = torch.sqrt(torch.clamp(torch.diagonal(gram64), min=0.0)) + _NORM_EPS
        cosine = gram64 / (norms[:, None] * norms[None, :])
        scaled = torch.pow(group_loss.detach().double(), alpha)
        present = (group_count.detach() > 0).double()
        agreement = (scaled[:, None] * scaled[None, :]) * cosine
        return rho * agreement.mean(dim=0) * present


def update_weights_from_gram(
    h: torch.Tensor,
    group_loss: torch.Tensor,
    group_count: torch.Tensor,
    gram: torch.Tensor,
    *,
    alpha: float,
    rho: float,
    ema: float,
    eps: float,
) -> torch.Tensor:
    """The iDRO weight update from the group gradients' Gram matrix `gram = G G^T` (K, K).

    Computed in float64 (the update involves exp and small differences); returned in `h`'s dtype. No gradient
    flows through it.
    """
    import torch

    with torch.no_grad():
        h64 = h.detach().double()
        present = (group_count.detach() > 0).double()
        exponent = agreement_exponent(group_loss, group_count, gram, alpha=alpha, rho=rho)
        exponent = exponent - exponent.max()
        new = torch.pow(h64, ema) * torch.exp(exponent) * present
        new = new / new.sum()
        new = torch.clamp(new, min=eps)
    return new.to(h.dtype)


def update_weights(
    h: torch.Tensor,
    group_loss: torch.Tensor,
    group_count: torch.Tensor,
    group_grad: torch.Tensor,
    *,
    alpha: float,
    rho: float,
    ema: float,
    eps: float,
) -> torch.Tensor:
    """New weights from the current `h` (K,), the mean loss per group (K,), counts (K,) and the unnormalised
    flattened gradient per group (K, D) (zero rows for absent groups)."""
    grads = group_grad.detach().double()
    return update_weights_from_gram(h, group_loss, group_count, grads @ grads.T, alpha=alpha, rho=rho, ema=ema, eps=eps)
