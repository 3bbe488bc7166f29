"""Significance of paired retrieval comparisons: paired randomization test and bootstrap intervals (numpy only).

Both work on per-query scores, each query being one unit (Smucker, Allan & Carterette 2007 recommend the
paired randomization test for IR; the percentile bootstrap gives the interval of the mean difference).
Resampling is vectorised in chunks so 10,000 resamples over a few thousand queries stay well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray
Statistic = Callable[..., float | np.ndarray]

_CHUNK_CELLS = 2_000_000  # resamples × units per chunk: bounds memory at ~16 MB of float64


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _chunks(n_resamples: int, n_units: int) -> list[int]:
    per = max(1, _CHUNK_CELLS // max(1, n_units))
    sizes = [per] * (n_resamples // per)
    if n_resamples % per:
        sizes.append(n_resamples % per)
    return sizes


def paired_randomization_test(a: ArrayLike, b: ArrayLike, n_resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value that the mean of paired differences a − b is zero.

    Under the null each query's two scores are exchangeable, so the sign of each difference is flipped at random;
    p = (1 + #{|mean of flipped| ≥ |observed mean|}) / (1 + n_resamples), never 0. All-zero differences give 1.
    """
    x = _as_1d(a, "a")
    y = _as_1d(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} vs {y.size}")
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")
    diff = x - y
    observed = abs(diff.mean())
    # Tolerance so float round-off in the flipped means does not turn ties into misses.
    threshold = observed - 1e-12 * max(1.0, float(np.abs(diff).max()))
    rng = np.random.default_rng(seed)
    hits = 0
    total = diff.sum()
    for size in _chunks(n_resamples, diff.size):
        # Flipping the queries in `flip` turns the sum into total − 2·sum(diff[flip]).
        flip = rng.random((size, diff.size), dtype=np.float32) < 0.5
        hits += int(np.count_nonzero(np.abs(total - 2.0 * (flip @ diff)) / diff.size >= threshold))
    return (hits + 1) / (n_resamples + 1)


def bootstrap_indices(n_units: int, n_resamples: int, seed: int) -> list[np.ndarray]:
    """Resampling index matrices (chunks of shape (k, n_units)) drawn with replacement."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n_units, size=(size, n_units)) for size in _chunks(n_resamples, n_units)]


def _percentile_interval(stats: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _check_confidence(confidence: float, n_resamples: int) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")


def _apply(statistic: Statistic, samples: np.ndarray) -> np.ndarray:
    """statistic over each row; vectorised when it takes `axis` (np.mean, np.median), else row by row."""
    try:
        out = np.asarray(statistic(samples, axis=1), dtype=float)
        if out.shape == (samples.shape[0],):
            return out
    except TypeError:
        pass
    return np.array([float(statistic(row)) for row in samples])


def bootstrap_ci(
    values: ArrayLike,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    statistic: Statistic = np.mean,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` over `values` (each value one unit, e.g. one query)."""
    _check_confidence(confidence, n_resamples)
    x = _as_1d(values, "values")
    stats = np.concatenate([_apply(statistic, x[idx]) for idx in bootstrap_indices(x.size, n_resamples, seed)])
    return _percentile_interval(stats, confidence)


def relative_change(condition: np.ndarray, baseline: np.ndarray) -> np.ndarray | float:
    """(mean condition / mean baseline − 1) · 100 along the last axis: a relative improvement in percent."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.mean(condition, axis=-1) / np.mean(baseline, axis=-1) - 1.0) * 100.0


def bootstrap_relative_ci(
    condition: ArrayLike,
    baseline: ArrayLike,
    n_resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the relative change in percent, resampling queries as pairs.

    Resamples whose baseline mean is 0 (undefined ratio) are dropped; if all are, the interval is (nan, nan).
    """
    _check_confidence(confidence, n_resamples)
    x = _as_1d(condition, "condition")
    y = _as_1d(baseline, "baseline")
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} vs {y.size}")
    stats = np.concatenate([relative_change(x[idx], y[idx]) for idx in bootstrap_indices(x.size, n_resamples, seed)])
    stats = stats[np.isfinite(stats)]
    if stats.size == 0:
        return float("nan"), float("nan")
    return _percentile_interval(stats, confidence)
