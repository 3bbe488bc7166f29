"""iDRO weight update against a straightforward, independent re-statement of the official rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from replications.coco_dr.idro import DEFAULTS, group_means, group_stats, update_weights  # noqa: E402


def reference_update(h, loss, count, grad, alpha, rho, ema, eps):
    """Plain-Python loops over groups, written from the rule in REFERENCE.md (not from idro.py)."""
    k = len(h)
    unit = []
    for g in range(k):
        norm = math.sqrt(sum(x * x for x in grad[g]))
        unit.append([x / (1e-12 + norm) for x in grad[g]])
    scaled = [loss[g] ** alpha for g in range(k)]
    exponent = []
    for g in range(k):
        total = 0.0
        for j in range(k):
            total += scaled[g] * scaled[j] * sum(a * b for a, b in zip(unit[g], unit[j], strict=True))
        exponent.append(rho * total / k if count[g] > 0 else 0.0)
    top = max(exponent)
    new = [(h[g] ** ema) * math.exp(exponent[g] - top) * (1.0 if count[g] > 0 else 0.0) for g in range(k)]
    total = sum(new)
    return [max(x / total, eps) for x in new]


@pytest.mark.parametrize("seed", range(6))
def test_update_matches_reference_with_absent_groups(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k, d = 12, 7
    h = rng.uniform(0.01, 1.0, k)
    count = rng.integers(0, 4, k).astype(float)
    count[rng.integers(0, k)] = 0  # at least one absent group
    count[rng.integers(0, k)] = 3  # at least one present group
    loss = np.where(count > 0, rng.uniform(0.0, 3.0, k), 0.0)
    grad = np.where(count[:, None] > 0, rng.normal(size=(k, d)) * rng.uniform(0.1, 10, (k, 1)), 0.0)
    params = {"alpha": rng.uniform(0.1, 1), "rho": rng.uniform(0.01, 5), "ema": rng.uniform(0, 1), "eps": 0.01}
    expected = reference_update(h.tolist(), loss.tolist(), count.tolist(), grad.tolist(), **params)
    got = update_weights(
        torch.tensor(h, dtype=torch.float64),
        torch.tensor(loss),
        torch.tensor(count),
        torch.tensor(grad, dtype=torch.float32),
        **params,
    )
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-9)
    assert (got.numpy()[count == 0] == params["eps"]).all()  # absent groups drop to the floor


def test_update_from_uniform_start_moves_weights() -> None:
    # Two agreeing groups and one opposed: the opposed one must lose weight relative to the others.
    grad = torch.tensor([[1.0, 0.0], [1.0, 0.1], [-1.0, 0.0]])
    new = update_weights(torch.ones(3), torch.ones(3), torch.ones(3), grad, **{**DEFAULTS, "rho": 1.0})
    assert new[2] < new[0] and new[2] < new[1]
    assert abs(float(new.sum()) - 1.0) < 1e-6


def test_group_stats_and_means() -> None:
    losses = torch.tensor([1.0, 2.0, 4.0])
    sums, counts = group_stats(losses, torch.tensor([0, 0, 2]), 4)
    assert sums.tolist() == [3.0, 0.0, 4.0, 0.0] and counts.tolist() == [2.0, 0.0, 1.0, 0.0]
    assert group_means(sums, counts).tolist() == [1.5, 0.0, 4.0, 0.0]
