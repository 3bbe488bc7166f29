"""Uncertainty of a retrieval figure over training seeds and queries: a two-way random-effects model.

A run trains each condition once per seed and scores it on the same queries, so a per-query score matrix is
seeds × queries. A figure's estimate (the mean over both) varies between replications for two reasons: a new
training run shifts every query of that run (the seed component), and a new sample of queries from the same
population changes the mean (the query component). Averaging seeds first and resampling queries — what a
paired test over queries does — sees only the second; the issue's simulations measured false verdict rates of
13–24 % from that blindness.

For one dataset with matrix X (n_s seeds × n_q queries):

    seed component   v_s = Var_s(row means) / n_s            (n_s − 1 degrees of freedom)
    query component  v_q = Var_q(column means) / n_q         (n_q − 1 degrees of freedom)
    SE² = v_s + v_q

For several datasets aggregated as a weighted mean of per-dataset figures (weights w_k, summing to 1), the seed
component comes from the per-seed aggregate (the same trained model is scored on every dataset, so their seed
shifts are correlated), and each dataset adds its own query component w_k² · v_q,k. Both components also
contain the residual seed × query noise once each, so SE² counts it twice (by σ²/(n_s·n_q)): wide, not narrow.

The interval and p-value use Student's t with n_s − 1 degrees of freedom, the seed component's. Welch–
Satterthwaite degrees of freedom were tried first: with 3 seeds they rise exactly when the seed variance is
underestimated by chance, and the simulated null gave 8 % rejections at a nominal 5 % (OPTICAL's full-scale
configuration, run SD 0.01); n_s − 1 is the smallest of the components' and keeps the rate at or below
nominal, at the cost of power when the run-to-run shift is negligible. With one seed the seed component
cannot be estimated: the figure is reported (over queries only), the rules give no verdict.

This is the "equivalent model" to a two-stage bootstrap: with 3 seeds a bootstrap over seeds has 10 distinct
resamples and a spread √(2/3) of the true one, where the t quantile with 2 degrees of freedom (4.30) is exact
under normality. `claimcheck.verdicts` docstring says how the rules use it; `tests/verdicts/test_calibration.py`
measures the false-verdict rates it gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
ALPHA = 0.05
POWER = 0.80  # the power at which the minimum detectable effect is stated


@dataclass(frozen=True)
class Estimate:
    """A figure with its uncertainty over seeds and queries."""

    value: float
    se: float
    df: float
    seed_component: float | None  # variance; None with one seed
    query_component: float
    per_seed: tuple[float, ...]  # the aggregate figure of each seed

    @property
    def n_seeds(self) -> int:
        return len(self.per_seed)

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float]:
        half = t_quantile(0.5 + confidence / 2, self.df) * self.se
        return self.value - half, self.value + half

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the hypothesis that the expected figure is 0."""
        if self.se == 0:
            return 1.0 if self.value == 0 else 0.0
        return float(2 * sps.t.sf(abs(self.value) / self.se, self.df))

    def minimum_detectable(self, alpha: float = ALPHA, power: float = POWER) -> float:
        """The smallest true effect a two-sided test at `alpha` detects with probability `power` at this noise."""
        return (t_quantile(1 - alpha / 2, self.df) + t_quantile(power, self.df)) * self.se


def t_quantile(q: float, df: float) -> float:
    return float(sps.norm.ppf(q)) if not math.isfinite(df) else float(sps.t.ppf(q, df))


def _satterthwaite(parts: Sequence[tuple[float, float]]) -> float:
    """Degrees of freedom of a sum of variance estimates (variance, its df)."""
    total = sum(v for v, _ in parts)
    denom = sum(v * v / df for v, df in parts if df > 0 and v > 0)
    return total * total / denom if denom > 0 else math.inf


def seed_query_estimate(matrices: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> Estimate:
    """The weighted mean of per-dataset means of `matrices` (each seeds × queries, the same seeds in the same
    row order), with its standard error over seeds and queries (see the module docstring)."""
    if not matrices:
        raise ValueError("no datasets")
    n_seeds = matrices[0].shape[0]
    if any(m.ndim != 2 or m.shape[0] != n_seeds or m.shape[1] == 0 for m in matrices):
        raise ValueError("every dataset needs a seeds × queries matrix with the same seeds and ≥ 1 query")
    w = np.full(len(matrices), 1.0 / len(matrices)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(matrices),) or not math.isclose(float(w.sum()), 1.0):
        raise ValueError("dataset weights must be one per dataset and sum to 1")
    per_seed = sum(wk * m.mean(axis=1) for wk, m in zip(w, matrices, strict=True))
    parts: list[tuple[float, float]] = []
    seed_var = None
    if n_seeds > 1:
        seed_var = float(np.var(per_seed, ddof=1)) / n_seeds
        parts.append((seed_var, n_seeds - 1))
    query_var = 0.0
    for wk, m in zip(w, matrices, strict=True):
        n_q = m.shape[1]
        if n_q > 1:
            v = wk * wk * float(np.var(m.mean(axis=0), ddof=1)) / n_q
            parts.append((v, n_q - 1))
            query_var += v
    se = math.sqrt(sum(v for v, _ in parts))
    return Estimate(
        value=float(np.mean(per_seed)),
        se=se,
        df=float(n_seeds - 1) if n_seeds > 1 else _satterthwaite(parts),
        seed_component=seed_var,
        query_component=query_var,
        per_seed=tuple(float(v) for v in per_seed),
    )


def seed_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Student-t interval of the expected value from per-seed figures; None with fewer than 2 seeds."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return None
    half = t_quantile(0.5 + confidence / 2, x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)
