"""The effect rule's statistics: condition − baseline per dataset, aggregated as the paper aggregates, with its
uncertainty over seeds and queries (`claimcheck.verdicts.stats`), and the direction decision."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from claimcheck.metric_names import normalise_metric
from claimcheck.models import EffectTarget, Measurement, Verdict
from claimcheck.verdicts.stats import ALPHA, POWER, Estimate, seed_query_estimate

MIN_SEEDS = 3


class InvalidMeasurement(ValueError):
    """The measurements cannot support a verdict (missing, NaN, mismatched); the message says why."""


# --------------------------------------------------------------------------------------------------- selection


def _same_metric(a: str, b: str) -> bool:
    try:
        return normalise_metric(a) == normalise_metric(b)
    except ValueError:
        return a.strip().lower() == b.strip().lower()


def select(measurements: list[Measurement], condition: str, dataset: str, metric: str) -> list[Measurement]:
    """The measurements of one condition/dataset/metric, one per seed, ordered by seed."""
    found = [
        m
        for m in measurements
        if m.condition == condition and m.dataset.lower() == dataset.lower() and _same_metric(m.metric, metric)
    ]
    return sorted(found, key=lambda m: m.seed)


def check_finite(ms: list[Measurement]) -> None:
    for m in ms:
        if math.isnan(m.value) or any(math.isnan(v) for v in m.per_query.values()):
            raise InvalidMeasurement(f"NaN measurement: {m.condition}/{m.dataset}/{m.metric} seed {m.seed}")


def _scores(ms: list[Measurement], order: list[str]) -> np.ndarray:
    """(measurements × queries) per-query scores, each times its query's weight in the dataset's figure.

    Weights are rescaled to mean 1 over `order`, so a plain mean over the columns estimates the figure the
    experiment reports (for a composite, the mean of its parts' means).
    """
    scores = np.array([[m.per_query[q] for q in order] for m in ms])
    if not ms[0].query_weights:
        return scores
    weights = np.array([ms[0].query_weights.get(q, 1.0) for q in order])
    return scores * (weights / weights.mean())


def _paired(measurements: list[Measurement], target: EffectTarget, dataset: str) -> dict[int, tuple]:
    """seed → (condition, baseline) measurement on one dataset, for the seeds that measured both."""
    cond = {m.seed: m for m in select(measurements, target.condition, dataset, target.metric)}
    base = {m.seed: m for m in select(measurements, target.baseline, dataset, target.metric)}
    if not cond or not base:
        missing = target.condition if not cond else target.baseline
        raise InvalidMeasurement(f"no {target.metric} measurement for {missing!r} on {dataset}")
    pairs = {s: (cond[s], base[s]) for s in sorted(set(cond) & set(base))}
    if not pairs:
        raise InvalidMeasurement(f"condition and baseline share no seed on {dataset}")
    check_finite([m for pair in pairs.values() for m in pair])
    return pairs


def dataset_weights(target: EffectTarget) -> dict[str, float]:
    """Each dataset's weight in the aggregate figure, summing to 1 (equal unless the target declares them)."""
    raw = {d: float(target.weights.get(d, 1.0)) for d in target.datasets}  # the model checks they name them all
    total = sum(raw.values())
    return {d: v / total for d, v in raw.items()}


# --------------------------------------------------------------------------------------------------- statistics


@dataclass
class EffectStats:
    """condition − baseline over the target's datasets (see `claimcheck.verdicts` for the rule)."""

    difference: Estimate  # the weighted mean of per-dataset mean differences
    relative: Estimate | None  # the relative change of the aggregate, in %, for relative targets
    relative_per_seed: tuple[float, ...]  # the aggregate relative change of each seed, in %
    condition_mean: float  # the aggregate figures of the two conditions (mean over seeds)
    baseline_mean: float
    seeds: list[int]
    weights: dict[str, float]
    per_dataset: dict[str, dict[str, Any]]
    n_queries: int

    @property
    def headline(self) -> Estimate:
        return self.relative if self.relative is not None else self.difference

    @property
    def seed_differences(self) -> dict[int, float]:
        return dict(zip(self.seeds, self.difference.per_seed, strict=True))

    def minimum_detectable(self, relative: bool) -> float:
        """The smallest true effect detectable at α = 0.05 with 80 % power, in the target's units."""
        mde = self.difference.minimum_detectable(ALPHA, POWER)
        return 100.0 * mde / abs(self.baseline_mean) if relative else mde


def effect_stats(measurements: list[Measurement], target: EffectTarget) -> EffectStats:
    """Per dataset: seeds × queries differences; aggregated as the weighted mean of per-dataset figures."""
    paired = {d: _paired(measurements, target, d) for d in target.datasets}
    seeds = sorted(set.intersection(*(set(p) for p in paired.values())))
    if not seeds:
        raise InvalidMeasurement("the datasets share no seed")
    conds, bases = {}, {}
    for dataset, pairs in paired.items():
        qids = set.intersection(*(set(c.per_query) & set(b.per_query) for s, (c, b) in pairs.items() if s in seeds))
        if not qids:
            raise InvalidMeasurement(f"no per-query scores shared by condition and baseline on {dataset}")
        order = sorted(qids)
        conds[dataset] = _scores([pairs[s][0] for s in seeds], order)
        bases[dataset] = _scores([pairs[s][1] for s in seeds], order)
    return stats_from_scores(conds, bases, seeds, dataset_weights(target), target.relative)


def stats_from_scores(
    conds: dict[str, np.ndarray], bases: dict[str, np.ndarray], seeds: list[int], weights: dict[str, float],
    relative: bool,
) -> EffectStats:  # fmt: skip
    """The effect statistics from per-dataset seeds × queries score matrices of the condition and the baseline
    (rows in the order of `seeds`); the simulation in `calibration.py` enters the rules here."""
    per_dataset = {}
    for dataset, c in conds.items():
        b = bases[dataset]
        one = seed_query_estimate([c - b])
        per_dataset[dataset] = {
            "condition": float(c.mean()),
            "baseline": float(b.mean()),
            "difference": one.value,
            "difference_interval": list(one.interval()),
            "relative_percent": _relative(float(c.mean()), float(b.mean())),
            "queries": int(c.shape[1]),
            "seeds": seeds,
            "weight": weights[dataset],
        }
    names = list(conds)
    w = [weights[d] for d in names]
    cs, bs = [conds[d] for d in names], [bases[d] for d in names]
    difference = seed_query_estimate([c - b for c, b in zip(cs, bs, strict=True)], w)
    cond_mean = float(sum(wk * c.mean() for wk, c in zip(w, cs, strict=True)))
    base_mean = float(sum(wk * b.mean() for wk, b in zip(w, bs, strict=True)))
    per_seed_c = sum(wk * c.mean(axis=1) for wk, c in zip(w, cs, strict=True))
    per_seed_b = sum(wk * b.mean(axis=1) for wk, b in zip(w, bs, strict=True))
    relative_per_seed = tuple(_relative(float(ci), float(bi)) for ci, bi in zip(per_seed_c, per_seed_b, strict=True))
    rel = None
    if relative:
        if base_mean == 0:
            raise InvalidMeasurement("the baseline's aggregate score is 0: a relative change is undefined")
        # delta method: the relative change's deviations are (c − r·b) / B̄ per query, with r = C̄ / B̄
        r = cond_mean / base_mean
        linear = seed_query_estimate([100.0 * (c - r * b) / base_mean for c, b in zip(cs, bs, strict=True)], w)
        rel = Estimate(
            100.0 * (r - 1.0), linear.se, linear.df, linear.seed_component, linear.query_component, relative_per_seed
        )
    return EffectStats(
        difference=difference,
        relative=rel,
        relative_per_seed=relative_per_seed,
        condition_mean=cond_mean,
        baseline_mean=base_mean,
        seeds=seeds,
        weights=weights,
        per_dataset=per_dataset,
        n_queries=sum(c.shape[1] for c in cs),
    )


def _relative(condition: float, baseline: float) -> float:
    return (condition / baseline - 1.0) * 100.0 if baseline != 0 else math.nan


# --------------------------------------------------------------------------------------------------- decision


def describe(stats: EffectStats) -> str:
    d = stats.difference
    lo, hi = d.interval()
    figures = "; ".join(
        f"{name} {f['condition']:.4g} vs {f['baseline']:.4g} (Δ {f['difference']:+.4g}, {f['queries']} q)"
        for name, f in stats.per_dataset.items()
    )
    return (
        f"Δ {d.value:+.4g}, 95% CI [{lo:.4g}, {hi:.4g}] over {d.n_seeds} seeds and {stats.n_queries} queries, "
        f"p = {d.p_value:.3g}; per dataset: {figures}"
    )


def direction_decision(stats: EffectStats, direction: str, full_scale: bool = False) -> tuple[Verdict, str]:
    """The direction rule (proxy) or its full-scale form: significant over seeds and queries on one side, with
    every seed on that side (symmetric); fewer than 3 seeds gives no verdict. Returns the verdict and reason."""
    sign = 1.0 if direction == "greater" else -1.0
    d = stats.difference
    where = describe(stats)
    if d.n_seeds < MIN_SEEDS:
        return Verdict.INCONCLUSIVE, (
            f"needs ≥ {MIN_SEEDS} seeds for an effect verdict (run-to-run variation cannot be told from the effect "
            f"with {d.n_seeds}); {where}"
        )
    lo, hi = d.interval()
    significant = d.p_value < ALPHA
    claimed_side = lo > 0 if sign > 0 else hi < 0
    opposite_side = hi < 0 if sign > 0 else lo > 0
    claimed_seeds = all(sign * g > 0 for g in d.per_seed)
    opposite_seeds = all(sign * g < 0 for g in d.per_seed)
    if significant and claimed_side and claimed_seeds:
        verdict = Verdict.VERIFIED if full_scale else Verdict.DIRECTION_REPRODUCED
        return verdict, f"effect has the claimed sign ({direction}), every seed agreeing: {where}"
    if significant and opposite_side and opposite_seeds:
        verdict = Verdict.REFUTED if full_scale else Verdict.DIRECTION_NOT_REPRODUCED
        return verdict, f"significant effect of the opposite sign, every seed agreeing: {where}"
    if significant:
        return Verdict.INCONCLUSIVE, f"significant, but not every seed has the same sign: {where}"
    return Verdict.INCONCLUSIVE, f"the measurement cannot separate the outcomes: {where}"
