"""The batched transport plan against POT (the oracle): entropic plans, the ε → 0 limit, exact plans, masks."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pot = pytest.importorskip("ot")

from replications.optical.ot import exact_plan, frobenius, sinkhorn, transport_loss, uniform_marginals  # noqa: E402


def _padded_problem(seed: int, batch: int = 6, n: int = 9, m: int = 7):
    """Random costs with a random number of real rows/columns per pair and random (non-uniform) marginals."""
    rng = np.random.default_rng(seed)
    cost = rng.random((batch, n, m))
    a = np.zeros((batch, n))
    b = np.zeros((batch, m))
    sizes = []
    for k in range(batch):
        nr, mr = rng.integers(2, n + 1), rng.integers(2, m + 1)
        a[k, :nr] = rng.random(nr) + 0.1
        b[k, :mr] = rng.random(mr) + 0.1
        a[k] /= a[k].sum()
        b[k] /= b[k].sum()
        sizes.append((nr, mr))
    return cost, a, b, sizes


@pytest.mark.parametrize("eps", [0.5, 0.1, 0.02])
def test_sinkhorn_equals_pot_with_padding(eps: float) -> None:
    cost, a, b, sizes = _padded_problem(seed=int(eps * 100))
    plan = sinkhorn(torch.from_numpy(cost), torch.from_numpy(a), torch.from_numpy(b), eps=eps, n_iters=20000, tol=1e-12)
    plan = plan.numpy()
    for k, (nr, mr) in enumerate(sizes):
        ref = pot.sinkhorn(
            a[k, :nr], b[k, :mr], cost[k, :nr, :mr], eps, method="sinkhorn_log", numItermax=20000, stopThr=1e-12
        )
        np.testing.assert_allclose(plan[k, :nr, :mr], ref, atol=1e-6, rtol=0)
        # padding is masked out exactly, not given a tiny mass
        assert np.all(plan[k, nr:, :] == 0) and np.all(plan[k, :, mr:] == 0)


def test_plan_marginals_match_at_tolerance() -> None:
    cost, a, b, _ = _padded_problem(seed=3)
    plan = sinkhorn(
        torch.from_numpy(cost), torch.from_numpy(a), torch.from_numpy(b), eps=0.05, tol=1e-10, n_iters=50000
    )
    np.testing.assert_allclose(plan.sum(2).numpy(), a, atol=1e-9)
    np.testing.assert_allclose(plan.sum(1).numpy(), b, atol=1e-9)


def test_small_eps_is_stable_and_approaches_emd_cost() -> None:
    cost, a, b, sizes = _padded_problem(seed=7, batch=4)
    c, ta, tb = torch.from_numpy(cost), torch.from_numpy(a), torch.from_numpy(b)
    gaps = []
    for eps in (0.1, 0.01, 0.001):
        plan = sinkhorn(c, ta, tb, eps=eps, n_iters=100000, tol=1e-9)
        assert torch.isfinite(plan).all()
        values = frobenius(plan, c).numpy()
        emd = np.array([pot.emd2(a[k, :nr], b[k, :mr], cost[k, :nr, :mr]) for k, (nr, mr) in enumerate(sizes)])
        gaps.append(np.abs(values - emd).max())
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 5e-3


def test_exact_plan_equals_pot_emd_cost_and_is_a_permutation_when_square_uniform() -> None:
    rng = np.random.default_rng(0)
    cost = torch.from_numpy(rng.random((5, 6, 6)))
    mass = uniform_marginals(torch.ones(5, 6, dtype=torch.bool), torch.float64)
    plan = exact_plan(cost, mass, mass)
    for k in range(5):
        ref = pot.emd2(mass[k].numpy(), mass[k].numpy(), cost[k].numpy())
        assert float(frobenius(plan, cost)[k]) == pytest.approx(ref, abs=1e-12)
        # Birkhoff: an optimal plan of the uniform square problem is a permutation matrix / n
        assert sorted((plan[k] * 6).flatten().tolist()).count(1.0) == 6
    cost2, a, b, sizes = _padded_problem(seed=11)
    plan2 = exact_plan(torch.from_numpy(cost2), torch.from_numpy(a), torch.from_numpy(b))
    for k, (nr, mr) in enumerate(sizes):
        ref = pot.emd2(a[k, :nr], b[k, :mr], cost2[k, :nr, :mr])
        assert float((plan2[k] * torch.from_numpy(cost2[k])).sum()) == pytest.approx(ref, abs=1e-9)
        assert torch.all(plan2[k, nr:] == 0) and torch.all(plan2[k, :, mr:] == 0)


def test_unrolled_gradient_matches_finite_differences() -> None:
    cost, a, b, _ = _padded_problem(seed=5, batch=2, n=4, m=4)
    c = torch.from_numpy(cost).requires_grad_(True)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)

    def f(x: torch.Tensor) -> torch.Tensor:
        return frobenius(sinkhorn(x, ta, tb, eps=0.3, n_iters=3000, tol=1e-14), x).sum()

    assert torch.autograd.gradcheck(f, (c,), eps=1e-6, atol=1e-5)


def test_envelope_gradient_is_the_plan() -> None:
    cost, a, b, _ = _padded_problem(seed=9, batch=3)
    c = torch.from_numpy(cost).requires_grad_(True)
    loss, plan = transport_loss(c, torch.from_numpy(a), torch.from_numpy(b), eps=0.1, grad="envelope")
    loss.sum().backward()
    torch.testing.assert_close(c.grad, plan)


def test_loss_is_frobenius_inner_product_of_plan_and_cost() -> None:
    cost, a, b, _ = _padded_problem(seed=12, batch=3)
    c, ta, tb = torch.from_numpy(cost), torch.from_numpy(a), torch.from_numpy(b)
    for method in ("sinkhorn", "exact"):
        loss, plan = transport_loss(c, ta, tb, method=method, eps=0.05, grad="none")
        manual = torch.stack([torch.trace(plan[k].T @ c[k]) for k in range(3)])
        torch.testing.assert_close(loss, manual)


def test_gpu_matches_cpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    cost, a, b, _ = _padded_problem(seed=1)
    args = [torch.from_numpy(x) for x in (cost, a, b)]
    cpu = sinkhorn(*args, eps=0.1, tol=1e-10, n_iters=5000)
    gpu = sinkhorn(*[x.cuda() for x in args], eps=0.1, tol=1e-10, n_iters=5000)
    torch.testing.assert_close(gpu.cpu(), cpu)
