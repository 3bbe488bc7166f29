"""GCL/CL losses against an independent, loop-by-loop implementation of the formula in REFERENCE.md."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from replications.gcl.loss import (  # noqa: E402
    CL_PAIRS,
    GCL_PAIRS,
    directional_infonce,
    named_loss,
)


def gcl_loss(e_i, e_t, e_it, tau, **options) -> torch.Tensor:
    pairs = options.pop("pairs", GCL_PAIRS)
    return directional_infonce({"i": e_i, "t": e_t, "it": e_it}, pairs, tau, **options)


def cl_loss(e_i, e_t, tau) -> torch.Tensor:
    return named_loss("cl", e_i, e_t, e_t, tau)  # the fused embedding takes no part in CL


def _normalised(n: int, d: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.functional.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=-1) for _ in "abc"]


def _reference(emb: dict[str, torch.Tensor], pairs, tau: float, *, mask_same_sample: bool = False) -> float:
    """Explicit loops over anchors: -log(exp(s(a_j, b_j)/tau) / sum over every batch embedding except a_j)."""
    used = sorted({m for pair in pairs for m in pair})
    n = next(iter(emb.values())).shape[0]
    term_means = []
    for a, b in pairs:
        total = 0.0
        for j in range(n):
            anchor = emb[a][j]
            denom = 0.0
            for m in used:
                for k in range(n):
                    if m == a and k == j:
                        continue  # the anchor itself
                    if mask_same_sample and k == j and m not in (a, b):
                        continue
                    denom += math.exp(float(anchor @ emb[m][k]) / tau)
            total += -(float(anchor @ emb[b][j]) / tau - math.log(denom))
        term_means.append(total / n)
    return sum(term_means) / len(term_means)


@pytest.mark.parametrize(("n", "d", "tau", "seed"), [(5, 8, 0.07, 0), (7, 4, 0.5, 1), (3, 16, 1.0, 2)])
def test_gcl_equals_loop_formula(n: int, d: int, tau: float, seed: int) -> None:
    e_i, e_t, e_it = _normalised(n, d, seed)
    got = gcl_loss(e_i, e_t, e_it, tau).item()
    want = _reference({"i": e_i, "t": e_t, "it": e_it}, GCL_PAIRS, tau)
    assert got == pytest.approx(want, abs=1e-6)


def test_masking_option_matches_loop_formula_and_changes_the_loss() -> None:
    e_i, e_t, e_it = _normalised(6, 8, 3)
    emb = {"i": e_i, "t": e_t, "it": e_it}
    masked = gcl_loss(e_i, e_t, e_it, 0.1, mask_same_sample=True).item()
    assert masked == pytest.approx(_reference(emb, GCL_PAIRS, 0.1, mask_same_sample=True), abs=1e-6)
    assert masked != pytest.approx(gcl_loss(e_i, e_t, e_it, 0.1).item(), abs=1e-6)


def test_cl_is_the_i_t_special_case_with_clip_denominators() -> None:
    e_i, e_t, e_it = _normalised(8, 8, 4)
    tau = 0.2
    logits = e_i @ e_t.T / tau
    labels = torch.arange(8)
    clip = 0.5 * (
        torch.nn.functional.cross_entropy(logits, labels) + torch.nn.functional.cross_entropy(logits.T, labels)
    )
    assert cl_loss(e_i, e_t, tau).item() == pytest.approx(clip.item(), abs=1e-6)
    # the same code path restricted to the (i,t),(t,i) pairs with GCL's denominators is the loop formula on {i,t}
    same_path = gcl_loss(e_i, e_t, e_it, tau, pairs=CL_PAIRS).item()
    assert same_path == pytest.approx(_reference({"i": e_i, "t": e_t}, CL_PAIRS, tau), abs=1e-6)
    assert gcl_loss(e_i, e_t, e_it, tau, pairs=CL_PAIRS, candidates="positive_modality").item() == pytest.approx(
        clip.item(), abs=1e-6
    )


def test_loss_is_differentiable_and_low_for_aligned_embeddings() -> None:
    e_i, _, _ = _normalised(6, 16, 5)
    e_i = e_i.clone().requires_grad_(True)
    aligned = gcl_loss(e_i, e_i, e_i, 0.05)
    aligned.backward()
    assert e_i.grad is not None and torch.isfinite(e_i.grad).all()
    e_a, e_b, e_c = _normalised(6, 16, 6)
    assert aligned.item() < gcl_loss(e_a, e_b, e_c, 0.05).item()


def test_errors_for_missing_modalities_and_unknown_options() -> None:
    e_i, e_t, _ = _normalised(4, 4, 7)
    with pytest.raises(ValueError, match="modalities"):
        directional_infonce({"i": e_i, "t": e_t}, GCL_PAIRS, 0.1)
    with pytest.raises(ValueError, match="candidates"):
        directional_infonce({"i": e_i, "t": e_t}, CL_PAIRS, 0.1, candidates="everything")  # type: ignore[arg-type]


def _clip(a: torch.Tensor, b: torch.Tensor, tau: float) -> torch.Tensor:
    logits, labels = a @ b.T / tau, torch.arange(len(a))
    ce = torch.nn.functional.cross_entropy
    return 0.5 * (ce(logits, labels) + ce(logits.T, labels))


def test_cl_fused_is_three_clip_losses_over_the_modality_pairs() -> None:
    """The ablation: GCL's six terms, each with CLIP's own-modality denominator = mean of three CLIP losses."""
    e_i, e_t, e_it = _normalised(7, 8, 8)
    tau = 0.3
    want = (_clip(e_i, e_t, tau) + _clip(e_i, e_it, tau) + _clip(e_t, e_it, tau)) / 3
    assert named_loss("cl_fused", e_i, e_t, e_it, tau).item() == pytest.approx(want.item(), abs=1e-6)
    assert named_loss("cl", e_i, e_t, e_it, tau).item() == pytest.approx(_clip(e_i, e_t, tau).item(), abs=1e-6)
    assert named_loss("gcl", e_i, e_t, e_it, tau).item() == pytest.approx(gcl_loss(e_i, e_t, e_it, tau).item())
    # masking concerns only denominators that mix modalities: it leaves cl_fused alone
    masked = named_loss("cl_fused", e_i, e_t, e_it, tau, mask_same_sample=True).item()
    assert masked == pytest.approx(want.item(), abs=1e-6)
    with pytest.raises(ValueError, match="unknown loss"):
        named_loss("clip", e_i, e_t, e_it, tau)
