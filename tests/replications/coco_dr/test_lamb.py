"""LAMB against its formula (You et al. 2020, Algorithm 2) written out in plain Python, per parameter tensor."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from replications.coco_dr.lamb import Lamb, make_optimizer  # noqa: E402


def _reference(x, grads, lr, b1, b2, eps, wd, bias_correction, clamp):
    """x_{t} = x_{t-1} - lr * phi(||x||) / ||r + wd x|| * (r + wd x), r = m'/(sqrt(v') + eps), lists of floats."""
    m = [0.0] * len(x)
    v = [0.0] * len(x)
    for t, g in enumerate(grads, start=1):
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        mh = [mi / (1 - b1**t) for mi in m] if bias_correction else m
        vh = [vi / (1 - b2**t) for vi in v] if bias_correction else v
        u = [mi / (math.sqrt(vi) + eps) + wd * xi for mi, vi, xi in zip(mh, vh, x, strict=True)]
        wn = min(math.sqrt(sum(xi * xi for xi in x)), clamp)
        un = math.sqrt(sum(ui * ui for ui in u))
        ratio = 1.0 if wn == 0 or un == 0 else wn / un
        x = [xi - lr * ratio * ui for xi, ui in zip(x, u, strict=True)]
    return x


@pytest.mark.parametrize("bias_correction", [False, True])
@pytest.mark.parametrize("scale", [1.0, 40.0])  # 40: the weight norm exceeds the clamp of 10
def test_lamb_matches_the_formula(bias_correction: bool, scale: float) -> None:
    gen = torch.Generator().manual_seed(0)
    x0 = (torch.randn(7, generator=gen, dtype=torch.float64) * scale).tolist()
    grads = [torch.randn(7, generator=gen, dtype=torch.float64).tolist() for _ in range(5)]
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = Lamb([p], lr=0.01, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01, bias_correction=bias_correction)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    expected = _reference(x0, grads, 0.01, 0.9, 0.999, 1e-6, 0.01, bias_correction, 10.0)
    assert p.detach().tolist() == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_lamb_step_size_is_lr_times_the_clamped_weight_norm() -> None:
    """The layer-wise trust ratio: ||Δx|| = lr · min(||x||, 10) whatever the gradient's scale."""
    for g_scale in (1e-4, 1e4):
        p = torch.nn.Parameter(torch.full((4,), 2.0))
        p.grad = torch.tensor([1.0, -2.0, 3.0, 0.5]) * g_scale
        before = p.detach().clone()
        Lamb([p], lr=0.1).step()
        assert float((p.detach() - before).norm()) == pytest.approx(0.1 * 4.0, rel=1e-5)


def test_unknown_optimizer_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        make_optimizer("sgd", [torch.nn.Parameter(torch.zeros(1))], 0.1, 0.0)
