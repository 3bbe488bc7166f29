"""Verdict rules: from a run record's measurements to our verdict on one claim. Pure functions, no I/O.

Rules
-----
Which rule applies (`judge`):

- A claim without a replication is `not-run`: "no executable replication applies".
- A record whose key is not the hash of the experiment, scale, config, seeds and code it states (or whose code
  map is empty) is `not-run`: its scale and measurements are only its own word (`results.integrity_problems`).
- A failed run (record status `error`) is `error`, never evidence.
- A smoke run never gives a claim verdict: `not-run`, "smoke run: exercises the code path, gives no verdict",
  with the command for a real scale.
- At the claim's own scale when that is full: a `value` target gets the value rule; an `effect` target gets
  the effect rule in its full-scale form (below). A proxy run never gives `verified`/`refuted`, even for a
  claim whose own scale is proxy.
- At any other scale: a `proxy_effect` (or, failing that, an `effect`) target gets the direction rule; a claim
  with only a value target is `not-run`: "claimed at <scale> scale", with the command for that scale.
- Any NaN among the measurements used is `error`, never `verified`.

Value rule (absolute values, or relative changes in percent):
  measured = mean over seeds of the run's value (relative changes: (mean cond / mean base − 1)·100 per seed);
  spread = standard deviation over seeds (ddof=1; 0 with one seed);
  tolerance = the claim's own `tolerance` (absolute, or relative × |claimed|) if given, else half a unit of
  the claimed value's last reported digit (0.5·10^−decimals) plus the spread.
  |measured − claimed| ≤ tolerance → `verified` (exactly at the tolerance counts as inside), else `refuted`.
  IR metrics are fractions; a claim written in percent points (unit "percent", or a value above 1 where every
  measurement is at most 1) is compared against 100 × the measurement.

Effect rule (condition vs baseline on one metric, over the target's datasets):
  per dataset and query, the difference condition − baseline averaged over seeds; all queries of all the
  target's datasets pooled, each query one unit. Effect = mean difference (relative targets: (mean cond /
  mean base − 1)·100 %, interval by a paired bootstrap over queries); p = paired randomization test on the
  seed-averaged scores; interval = 95% bootstrap interval of the mean difference.
  Direction form (proxy): fewer than 3 seeds → `inconclusive` ("needs ≥ 3 seeds"). `direction-reproduced` when
  p < 0.05, the interval excludes 0 on the claimed side and every seed's mean difference has the claimed sign;
  `direction-not-reproduced` when p < 0.05 and the interval excludes 0 on the opposite side; else `inconclusive`.
  Full-scale form (the claim's own target is an effect, run at its own scale): a claim stating the size of a
  relative change (quantity kind "relative-change") uses the value rule on the measured relative change;
  otherwise significant on the claimed side → `verified`, significant on the opposite side → `refuted`, else
  `inconclusive`. Never `verified` below the claim's own scale, never any claim verdict from smoke.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from claimcheck.metric_names import normalise_metric
from claimcheck.models import (
    Claim,
    ClaimResult,
    EffectTarget,
    Measurement,
    Quantity,
    RunRecord,
    Scale,
    Tolerance,
    ValueTarget,
    Verdict,
)
from claimcheck.results import integrity_problems
from claimcheck.retrieval.stats import (
    bootstrap_ci,
    bootstrap_relative_ci,
    paired_randomization_test,
    relative_change,
)

ALPHA = 0.05
MIN_SEEDS = 3
CONFIDENCE = 0.95
N_RESAMPLES = 10_000
NO_REPLICATION = "no executable replication applies"
SMOKE_REASON = "smoke run: exercises the code path, gives no verdict"
# Float round-off must not move a measurement that sits exactly on the tolerance outside it.
_EPS = 1e-9


class InvalidMeasurement(ValueError):
    """The measurements cannot support a verdict (missing, NaN, mismatched); the message says why."""


# --------------------------------------------------------------------------------------------------- value rule


def half_unit(decimals: int) -> float:
    """Half a unit of the last reported digit: 45.6 → 0.05, 0.456 → 0.0005."""
    return 0.5 * 10.0 ** (-decimals)


def seed_spread(values: Iterable[float]) -> float:
    """Run-to-run spread: sample standard deviation over seeds, 0 with one seed."""
    arr = np.asarray(list(values), dtype=float)
    return float(arr.std(ddof=1)) if arr.size > 1 else 0.0


def tolerance_for(claimed: float, decimals: int, spread: float, tolerance: Tolerance | None) -> float:
    """The absolute half-width within which a measurement verifies `claimed`: the claim's own tolerance (else
    half a unit of its last digit), widened by the measured run-to-run spread."""
    if tolerance is None:
        return half_unit(decimals) + spread
    return (tolerance.value if tolerance.kind == "absolute" else tolerance.value * abs(claimed)) + spread


@dataclass(frozen=True)
class ValueDecision:
    verdict: Verdict
    measured: float
    tolerance: float
    spread: float


def value_decision(
    claimed: float, per_seed: list[float], decimals: int, tolerance: Tolerance | None = None
) -> ValueDecision:
    """verified when |mean(per_seed) − claimed| ≤ tolerance, else refuted; NaN or infinity → error."""
    if not per_seed:
        raise InvalidMeasurement("no measurement for the claimed quantity")
    if not all(math.isfinite(v) for v in per_seed) or not math.isfinite(claimed):
        return ValueDecision(Verdict.ERROR, float("nan"), float("nan"), float("nan"))
    measured = float(np.mean(per_seed))
    spread = seed_spread(per_seed)
    tol = tolerance_for(claimed, decimals, spread, tolerance)
    inside = abs(measured - claimed) <= tol + _EPS * max(1.0, abs(claimed))
    return ValueDecision(Verdict.VERIFIED if inside else Verdict.REFUTED, measured, tol, spread)


def claim_unit_factor(quantity: Quantity, measured: Iterable[float]) -> float:
    """100 when the claim writes a fraction-valued metric in percent points, else 1 (see module docstring)."""
    if quantity.kind == "relative-change":
        return 1.0
    if quantity.unit == "percent":
        return 100.0
    values = [abs(v) for v in measured if not math.isnan(v)]
    return 100.0 if abs(quantity.value) > 1.0 and values and max(values) <= 1.0 else 1.0


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


def _check_finite(ms: list[Measurement]) -> None:
    for m in ms:
        if math.isnan(m.value) or any(math.isnan(v) for v in m.per_query.values()):
            raise InvalidMeasurement(f"NaN measurement: {m.condition}/{m.dataset}/{m.metric} seed {m.seed}")


# --------------------------------------------------------------------------------------------------- effect rule


@dataclass
class EffectStats:
    """The pooled paired comparison of a condition against a baseline (see the module docstring)."""

    effect: float
    interval: tuple[float, float]
    mean_difference: float
    difference_interval: tuple[float, float]
    p_value: float
    seed_differences: dict[int, float]
    n_queries: int
    per_dataset: dict[str, dict[str, Any]] = field(default_factory=dict)
    relative: bool = False


def _scores(ms: list[Measurement], order: list[str]) -> np.ndarray:
    """(measurements × queries) per-query scores, each times its query's weight in the dataset's figure.

    Weights are rescaled to mean 1 over `order`, so a plain mean, bootstrap or paired test over the columns
    estimates the figure the experiment reports (for a composite, the mean of its parts' means).
    """
    scores = np.array([[m.per_query[q] for q in order] for m in ms])
    if not ms[0].query_weights:
        return scores
    weights = np.array([ms[0].query_weights.get(q, 1.0) for q in order])
    return scores * (weights / weights.mean())


def _paired_scores(
    measurements: list[Measurement], target: EffectTarget, dataset: str
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Per-seed per-query score matrices (seeds × queries) for condition and baseline on one dataset."""
    cond = {m.seed: m for m in select(measurements, target.condition, dataset, target.metric)}
    base = {m.seed: m for m in select(measurements, target.baseline, dataset, target.metric)}
    if not cond or not base:
        missing = target.condition if not cond else target.baseline
        raise InvalidMeasurement(f"no {target.metric} measurement for {missing!r} on {dataset}")
    seeds = sorted(set(cond) & set(base))
    if not seeds:
        raise InvalidMeasurement(f"condition and baseline share no seed on {dataset}")
    _check_finite([cond[s] for s in seeds] + [base[s] for s in seeds])
    qids = set.intersection(*(set(cond[s].per_query) & set(base[s].per_query) for s in seeds))
    if not qids:
        raise InvalidMeasurement(f"no per-query scores shared by condition and baseline on {dataset}")
    order = sorted(qids)
    return seeds, _scores([cond[s] for s in seeds], order), _scores([base[s] for s in seeds], order)


def effect_stats(measurements: list[Measurement], target: EffectTarget, seed: int = 0) -> EffectStats:
    """Pool the target's datasets (each query one unit) and test condition − baseline."""
    conds, bases, per_dataset = [], [], {}
    seed_sets: list[list[int]] = []
    for dataset in target.datasets:
        seeds, c, b = _paired_scores(measurements, target, dataset)
        seed_sets.append(seeds)
        conds.append(c)
        bases.append(b)
        per_dataset[dataset] = {
            "condition": float(c.mean()),
            "baseline": float(b.mean()),
            "difference": float((c - b).mean()),
            "relative_percent": float(relative_change(c.mean(axis=0), b.mean(axis=0))),
            "queries": int(c.shape[1]),
            "seeds": seeds,
        }
    seeds = sorted(set.intersection(*(set(s) for s in seed_sets)))
    if not seeds:
        raise InvalidMeasurement("the datasets share no seed")
    # Keep only the seeds every dataset has, then pool queries across datasets.
    cond = np.concatenate([c[[ss.index(s) for s in seeds]] for c, ss in zip(conds, seed_sets, strict=True)], axis=1)
    base = np.concatenate([b[[ss.index(s) for s in seeds]] for b, ss in zip(bases, seed_sets, strict=True)], axis=1)
    cond_q, base_q = cond.mean(axis=0), base.mean(axis=0)
    diff = cond_q - base_q
    p = paired_randomization_test(cond_q, base_q, n_resamples=N_RESAMPLES, seed=seed)
    diff_ci = bootstrap_ci(diff, n_resamples=N_RESAMPLES, confidence=CONFIDENCE, seed=seed)
    seed_diffs = {s: float((cond[i] - base[i]).mean()) for i, s in enumerate(seeds)}
    if target.relative:
        effect = float(relative_change(cond_q, base_q))
        interval = bootstrap_relative_ci(cond_q, base_q, n_resamples=N_RESAMPLES, confidence=CONFIDENCE, seed=seed)
    else:
        effect, interval = float(diff.mean()), diff_ci
    return EffectStats(
        effect=effect,
        interval=interval,
        mean_difference=float(diff.mean()),
        difference_interval=diff_ci,
        p_value=p,
        seed_differences=seed_diffs,
        n_queries=int(diff.size),
        per_dataset=per_dataset,
        relative=target.relative,
    )


def relative_per_seed(measurements: list[Measurement], target: EffectTarget) -> list[float]:
    """Relative change in percent for each seed, pooled over the target's datasets (for the value rule)."""
    per_seed: dict[int, tuple[list[float], list[float]]] = {}
    for dataset in target.datasets:
        cond = {m.seed: m for m in select(measurements, target.condition, dataset, target.metric)}
        base = {m.seed: m for m in select(measurements, target.baseline, dataset, target.metric)}
        _check_finite(list(cond.values()) + list(base.values()))
        for s in set(cond) & set(base):
            per_seed.setdefault(s, ([], []))
            per_seed[s][0].append(cond[s].value)
            per_seed[s][1].append(base[s].value)
    complete = [s for s, (c, _) in sorted(per_seed.items()) if len(c) == len(target.datasets)]
    if not complete:
        raise InvalidMeasurement(f"no seed measures {target.condition!r} and {target.baseline!r} on every dataset")
    return [float(relative_change(np.array(per_seed[s][0]), np.array(per_seed[s][1]))) for s in complete]


def direction_decision(stats: EffectStats, direction: str, full_scale: bool = False) -> tuple[Verdict, str]:
    """The direction rule (proxy) or its full-scale form; returns the verdict and its reason."""
    sign = 1.0 if direction == "greater" else -1.0
    lo, hi = stats.difference_interval
    n_seeds = len(stats.seed_differences)
    if not full_scale and n_seeds < MIN_SEEDS:
        return Verdict.INCONCLUSIVE, f"needs ≥ {MIN_SEEDS} seeds for a direction verdict, got {n_seeds}"
    significant = stats.p_value < ALPHA
    claimed_side = (lo > 0) if sign > 0 else (hi < 0)
    opposite_side = (hi < 0) if sign > 0 else (lo > 0)
    seeds_agree = all(sign * d > 0 for d in stats.seed_differences.values())
    where = f"p = {stats.p_value:.3g}, 95% CI of the difference [{lo:.4g}, {hi:.4g}]"
    if significant and claimed_side and (seeds_agree or full_scale):
        verdict = Verdict.VERIFIED if full_scale else Verdict.DIRECTION_REPRODUCED
        return verdict, f"effect has the claimed sign ({direction}), {where}"
    if significant and opposite_side:
        verdict = Verdict.REFUTED if full_scale else Verdict.DIRECTION_NOT_REPRODUCED
        return verdict, f"significant effect of the opposite sign, {where}"
    if significant and claimed_side:
        return Verdict.INCONCLUSIVE, f"significant on the claimed side but not every seed agrees, {where}"
    return Verdict.INCONCLUSIVE, f"the measurement cannot separate the outcomes, {where}"


# --------------------------------------------------------------------------------------------------- per claim


def _base_result(claim: Claim, record: RunRecord) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "scale": record.scale,
        "experiment": record.experiment,
        "claimed": claim.quantity.value if claim.quantity else None,
        "seeds": list(record.seeds),
        "records": [record.key],
        "wall_time_s": record.wall_time_s,
    }


def not_run(claim: Claim, reason: str, command: str | None = None, **fields: Any) -> ClaimResult:
    base: dict[str, Any] = {
        "claim_id": claim.id,
        "claimed": claim.quantity.value if claim.quantity else None,
        "experiment": claim.replication.experiment if claim.replication else None,
    }
    return ClaimResult(**{**base, **fields}, verdict=Verdict.NOT_RUN, reason=reason, command=command)


def _interval_over_queries(ms: list[Measurement], factor: float) -> tuple[float, float] | None:
    """Bootstrap interval of the seed-averaged per-query mean, or mean ± 1.96·s/√n without per-query scores."""
    shared = set.intersection(*(set(m.per_query) for m in ms)) if ms else set()
    if shared:
        per_q = _scores(ms, sorted(shared)).mean(axis=0) * factor
        return bootstrap_ci(per_q, n_resamples=N_RESAMPLES, confidence=CONFIDENCE)
    if len(ms) > 1:
        values = np.array([m.value for m in ms]) * factor
        half = 1.96 * values.std(ddof=1) / math.sqrt(values.size)
        return float(values.mean() - half), float(values.mean() + half)
    return None


def judge_value(claim: Claim, target: ValueTarget, record: RunRecord) -> ClaimResult:
    base = _base_result(claim, record)
    if claim.quantity is None:
        return not_run(claim, "the claim states no value to compare (no quantity)", **base)
    ms = select(record.output.measurements, target.condition, target.dataset, target.metric)
    if not ms:
        raise InvalidMeasurement(f"the run has no {target.metric} for {target.condition!r} on {target.dataset}")
    _check_finite(ms)
    factor = claim_unit_factor(claim.quantity, [m.value for m in ms])
    decision = value_decision(
        claim.quantity.value, [m.value * factor for m in ms], claim.quantity.decimals, claim.tolerance
    )
    diff = decision.measured - claim.quantity.value
    return ClaimResult(
        **base,
        verdict=decision.verdict,
        measured=decision.measured,
        interval=_interval_over_queries(ms, factor),
        tolerance=decision.tolerance,
        datasets=[target.dataset],
        reason=f"|measured − claimed| = {abs(diff):.4g} {'≤' if decision.verdict == Verdict.VERIFIED else '>'} "
        f"tolerance {decision.tolerance:.4g}",
        details={
            "rule": "value",
            "per_seed": {str(m.seed): m.value * factor for m in ms},
            "spread": decision.spread,
            "unit_factor": factor,
            "tolerance_source": ("claim" if claim.tolerance else "half unit of last digit") + " + seed spread",
        },
    )


def judge_effect(claim: Claim, target: EffectTarget, record: RunRecord, full_scale: bool) -> ClaimResult:
    base = _base_result(claim, record)
    ms = record.output.measurements
    stats = effect_stats(ms, target)
    details: dict[str, Any] = {
        "rule": "effect-full" if full_scale else "direction",
        "condition": target.condition,
        "baseline": target.baseline,
        "metric": target.metric,
        "direction": target.direction,
        "relative": target.relative,
        "mean_difference": stats.mean_difference,
        "difference_interval": list(stats.difference_interval),
        "seed_differences": {str(s): d for s, d in stats.seed_differences.items()},
        "queries": stats.n_queries,
        "per_dataset": stats.per_dataset,
    }
    fields = {
        **base,
        "effect": stats.effect,
        "interval": stats.interval,
        "p_value": stats.p_value,
        "datasets": list(target.datasets),
        "measured": stats.effect,
        "seeds": sorted(stats.seed_differences),
    }
    quantity = claim.quantity
    if full_scale and target.relative and quantity is not None and quantity.kind == "relative-change":
        decision = value_decision(quantity.value, relative_per_seed(ms, target), quantity.decimals, claim.tolerance)
        details["rule"] = "value (relative change)"
        details["spread"] = decision.spread
        ok = decision.verdict == Verdict.VERIFIED
        reason = (
            f"relative change {decision.measured:.4g}% vs claimed {quantity.value:g}%: "
            f"{'within' if ok else 'outside'} tolerance {decision.tolerance:.4g}"
        )
        fields["measured"] = decision.measured
        return ClaimResult(**fields, verdict=decision.verdict, tolerance=decision.tolerance, reason=reason,
                           details=details)  # fmt: skip
    verdict, reason = direction_decision(stats, target.direction, full_scale=full_scale)
    return ClaimResult(**fields, verdict=verdict, reason=reason, details=details)


def judge(claim: Claim, record: RunRecord | None, command: str | None = None) -> ClaimResult:
    """Apply the rules above to one claim and the run record of its experiment (see the module docstring).

    `command` is how to run the claim at its own scale; it is attached to every `not-run`.
    """
    rep = claim.replication
    if rep is None:
        tests = "; the implementation is checked by " + ", ".join(claim.implementation_tests)
        return not_run(claim, NO_REPLICATION + (tests if claim.implementation_tests else ""))
    if record is None:
        return not_run(claim, "no run record", command)
    forged = integrity_problems(record)
    if forged:
        return not_run(claim, f"the run record {record.key[:12]} does not earn a verdict: {'; '.join(forged)}", command)
    if record.status == "error":
        return ClaimResult(**_base_result(claim, record), verdict=Verdict.ERROR, reason=record.error or "run failed")
    if record.scale == "smoke":
        return not_run(claim, SMOKE_REASON, command, **_base_result(claim, record))
    try:
        # Value verdicts need the claim's own scale, and never come from a proxy (not even a claim "at proxy").
        if record.scale == rep.scale == "full":
            if rep.value is not None:
                return judge_value(claim, rep.value, record)
            if rep.effect is not None:
                return judge_effect(claim, rep.effect, record, full_scale=True)
        direction_target = rep.proxy_effect or rep.effect
        if direction_target is not None:
            return judge_effect(claim, direction_target, record, full_scale=False)
    except InvalidMeasurement as exc:
        return ClaimResult(**_base_result(claim, record), verdict=Verdict.ERROR, reason=str(exc))
    reason = (
        f"claimed at {rep.scale} scale"
        if record.scale != rep.scale
        else "a proxy run gives direction verdicts only, and this claim has no effect target"
    )
    return not_run(claim, reason, command, **_base_result(claim, record))


def verdict_scale_preference(own: Scale) -> list[Scale]:
    """Scales in the order their records are most informative for a claim: its own, then proxy, then smoke."""
    order: list[Scale] = [own]
    order += [s for s in ("full", "proxy", "smoke") if s not in order]
    return order
