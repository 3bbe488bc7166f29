"""The seeds × queries model (claimcheck.verdicts.stats) against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from claimcheck.verdicts.stats import seed_interval, seed_query_estimate


def test_components_are_the_variances_of_seed_and_query_means() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(0.1, 0.2, (3, 50)) + np.array([[0.0], [0.02], [-0.01]])
    est = seed_query_estimate([m])
    assert est.value == pytest.approx(m.mean())
    assert est.seed_component == pytest.approx(np.var(m.mean(axis=1), ddof=1) / 3)
    assert est.query_component == pytest.approx(np.var(m.mean(axis=0), ddof=1) / 50)
    assert est.se == pytest.approx(math.sqrt(est.seed_component + est.query_component))
    assert est.df == 2  # the seed component's: Satterthwaite's was anti-conservative with 3 seeds
    lo, hi = est.interval()
    assert hi - est.value == pytest.approx(sps.t.ppf(0.975, 2) * est.se) == pytest.approx(est.value - lo)
    assert est.p_value == pytest.approx(2 * sps.t.sf(abs(est.value) / est.se, 2))
    assert est.minimum_detectable() == pytest.approx((sps.t.ppf(0.975, 2) + sps.t.ppf(0.8, 2)) * est.se)


def test_datasets_are_weighted_and_share_the_seed_component() -> None:
    a = np.array([[0.1, 0.3], [0.2, 0.4], [0.3, 0.5]])
    b = np.array([[0.0, 0.0, 0.0], [0.1, 0.1, 0.1], [0.2, 0.2, 0.2]])
    est = seed_query_estimate([a, b], [0.25, 0.75])
    per_seed = 0.25 * a.mean(axis=1) + 0.75 * b.mean(axis=1)
    assert est.per_seed == pytest.approx(tuple(per_seed))
    assert est.seed_component == pytest.approx(np.var(per_seed, ddof=1) / 3)
    assert est.query_component == pytest.approx(0.25**2 * np.var(a.mean(axis=0), ddof=1) / 2)  # b: no query spread
    with pytest.raises(ValueError, match="sum to 1"):
        seed_query_estimate([a, b], [0.5, 0.6])
    with pytest.raises(ValueError, match="same seeds"):
        seed_query_estimate([a, b[:2]])


def test_one_seed_has_no_seed_component() -> None:
    est = seed_query_estimate([np.array([[0.1, 0.2, 0.3, 0.4]])])
    assert est.seed_component is None and est.n_seeds == 1 and est.df == pytest.approx(3)


def test_seed_interval_is_student_t_over_seeds() -> None:
    lo, hi = seed_interval([0.50, 0.52, 0.54])
    half = sps.t.ppf(0.975, 2) * 0.02 / math.sqrt(3)
    assert (lo, hi) == pytest.approx((0.52 - half, 0.52 + half))
    assert seed_interval([0.5]) is None
