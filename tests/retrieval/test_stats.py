"""Paired randomization test and bootstrap intervals against cases with known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from claimcheck.retrieval.stats import (
    bootstrap_ci,
    bootstrap_relative_ci,
    paired_randomization_test,
    relative_change,
)


def exact_sign_flip_p(diff: np.ndarray) -> float:
    """Exhaustive two-sided sign-flip p-value (all 2^n assignments), the quantity the test estimates."""
    observed = abs(diff.mean())
    flips = np.array(list(itertools.product([-1, 1], repeat=diff.size)))
    return float(np.mean(np.abs(flips @ diff) / diff.size >= observed - 1e-12))


def test_randomization_matches_exhaustive_enumeration() -> None:
    rng = np.random.default_rng(3)
    a = rng.random(10)
    b = a - rng.normal(0.05, 0.1, 10)
    exact = exact_sign_flip_p(a - b)
    p = paired_randomization_test(a, b, n_resamples=20_000, seed=1)
    assert abs(p - exact) < 0.01


def test_randomization_detects_clear_difference_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(200)
    assert paired_randomization_test(base + 0.05, base, seed=0) < 0.001
    # Differences of ±0.05 in equal numbers average to zero: nothing to detect, p = 1.
    balanced = base + np.tile([0.05, -0.05], 100)
    assert paired_randomization_test(balanced, base, seed=0) == pytest.approx(1.0)


def test_randomization_p_is_never_zero_and_one_for_identical() -> None:
    assert paired_randomization_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    p = paired_randomization_test(np.ones(50), np.zeros(50), n_resamples=999)
    assert p == pytest.approx(1 / 1000)


def test_randomization_is_symmetric_and_seeded() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.random(30), rng.random(30)
    assert paired_randomization_test(a, b, seed=7) == paired_randomization_test(b, a, seed=7)


@pytest.mark.parametrize("bad", [([], []), ([1.0, np.nan], [1.0, 2.0]), ([1.0], [1.0, 2.0])])
def test_randomization_rejects_bad_input(bad: tuple[list[float], list[float]]) -> None:
    with pytest.raises(ValueError):
        paired_randomization_test(*bad)


def test_bootstrap_ci_covers_mean_and_narrows_with_n() -> None:
    rng = np.random.default_rng(2)
    small = rng.normal(1.0, 1.0, 50)
    large = rng.normal(1.0, 1.0, 2000)
    lo_s, hi_s = bootstrap_ci(small)
    lo_l, hi_l = bootstrap_ci(large)
    assert lo_s < small.mean() < hi_s
    assert lo_l < large.mean() < hi_l
    assert (hi_l - lo_l) < (hi_s - lo_s) / 3
    # The normal-theory width for the large sample is 2·1.96·σ/√n ≈ 0.0877.
    assert hi_l - lo_l == pytest.approx(2 * 1.96 * large.std() / np.sqrt(large.size), rel=0.1)


def test_bootstrap_constant_values_give_point_interval() -> None:
    assert bootstrap_ci([0.25, 0.25, 0.25]) == (0.25, 0.25)
    assert bootstrap_ci([4.0]) == (4.0, 4.0)


def test_bootstrap_custom_statistic_without_axis() -> None:
    values = np.arange(101, dtype=float)
    lo, hi = bootstrap_ci(values, n_resamples=500, statistic=lambda v: float(np.median(v)))
    assert lo < 50 < hi


def test_bootstrap_rejects_bad_confidence() -> None:
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], confidence=1.0)


def test_relative_change_and_interval() -> None:
    rng = np.random.default_rng(4)
    base = rng.uniform(0.2, 0.6, 400)
    cond = base * 1.10
    assert relative_change(cond, base) == pytest.approx(10.0)
    lo, hi = bootstrap_relative_ci(cond, base)
    assert lo == pytest.approx(10.0) and hi == pytest.approx(10.0)
    noisy = base * 1.10 + rng.normal(0, 0.05, 400)
    lo, hi = bootstrap_relative_ci(noisy, base)
    assert lo < relative_change(noisy, base) < hi


def test_relative_interval_undefined_baseline() -> None:
    lo, hi = bootstrap_relative_ci([1.0, 2.0], [0.0, 0.0], n_resamples=50)
    assert np.isnan(lo) and np.isnan(hi)
