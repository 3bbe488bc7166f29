"""Verdict rules: from a run record's measurements to our verdict on one claim. Pure functions, no I/O.

Rules
-----
Which rule applies (`judge`), first match wins:

1. A claim without a replication is `not-run`: "no executable replication applies". No record: `not-run`. A
   record whose key is not the hash of the experiment, scale, config, seeds and code it states (or whose code map
   is empty) is `not-run`: its scale and measurements are only its own word (`results.integrity_problems`).
2. A failed run (record status `error`), or a measurement that cannot support a verdict (missing, NaN), is
   `error`, never evidence.
3. A smoke run never gives a claim verdict: `not-run`, "smoke run: exercises the code path, gives no verdict",
   with the command for a real scale. A run below a value claim's own scale is `not-run` ("claimed at full").
4. `not-applicable` when a validity check that applies to the claim failed, naming it: the experiment's own
   checks (`ExperimentOutput.validity`; a check applies to every claim of the run unless its `targets` lists
   conditions, then to claims whose value condition or effect condition/baseline is among them) and, for an
   effect judged by the direction rule, the engine's power check (below). A proxy experiment that declares no
   checks is `not-applicable`: "the experiment declares no validity checks". A full-scale record without
   checks (older records too) is judged as before.
5. The statistical rule: at the claim's own scale when that is full, a `value` target gets the value rule and
   an `effect` target the effect rule in its full-scale form (a claim that states a change goes to its `effect`
   target when it has both); at proxy scale a `proxy_effect` (or, failing that, an `effect`) target gets the
   direction rule. A proxy never gives `verified`/`refuted`. A claim whose form the rule cannot judge is
   `inconclusive`, "the claim states … which … cannot judge" (`forms.CannotJudge`), never read in other units
   or the other way round.

Claim forms (`claimcheck.verdicts.forms`; the ingest's `Quantity`)
  The claimed region is the claimed value, or a stated range's [low, high] (`value` is then its midpoint). A
  score in percent (unit "percent", or a value above 1 where every measurement is at most 1) is compared with
  100 × the measurement; a relative change is in % of the baseline; an absolute change is in the metric's units,
  or in percentage points (unit "percent") against 100 × the measured difference. A stated ± ("0.789 ± 0.004")
  is shown beside the measured spread over seeds (`details.stated_deviation`) and judged by nothing: whether it
  is an SD over seeds, a standard error or an interval is not stated, and it never widens the tolerance. Nor
  are a change's stated end points ("from 46.1% to 48.4%", `details.stated_end_points`): a replication's level
  may differ from the source's while its change agrees. A range with one end is judged by no rule.

Value rule (a fixed test collection: what varies between replications on the same queries, not query sampling)
  measured = mean over seeds (relative changes: the aggregate relative change of each seed, in %).
  interval = for a released checkpoint evaluated deterministically (the scale declares `fixed_model`):
  measured ± its declared numerical drift; for a retrained model: the 95% Student-t interval of the mean over
  ≥ 3 training seeds (fewer → `inconclusive`: one seed cannot tell a deviation from noise).
  band = the claimed region ± tolerance, the tolerance being data (`claimcheck.tolerances`: the claim's own
  with its reason, else half a unit of the last reported digit plus a documented allowance). Noise widens the
  interval, never the tolerance. `verified` when the interval lies inside the band and excludes every other
  value the source reports for the same subject and dataset (the claim's `neighbours`, the evidence's table
  cells; a value inside a stated range is the claim's own, not a neighbour); `refuted` when it lies entirely
  outside the band; else `inconclusive` (naming the cell it cannot be told from). A claim of a change is not a
  score: the value rule refuses it.

Effect rule (condition − baseline on one metric over the target's datasets)
  Per dataset, the seeds × queries matrix of paired differences; the figure is the weighted mean of the
  per-dataset figures (equal weights unless the target states them), as papers aggregate. Its uncertainty is
  over seeds and queries (`claimcheck.verdicts.stats`: a two-way random-effects model, Student t with
  Satterthwaite degrees of freedom); p = the two-sided t-test of "no effect". Relative targets report the
  relative change of the aggregate in % (delta-method interval); the test is on the difference.
  Direction form (proxy): ≥ 3 seeds, else `inconclusive`. `direction-reproduced` when p < 0.05 with the
  interval on the claimed side and every seed's aggregate difference of the claimed sign;
  `direction-not-reproduced` symmetrically for the opposite sign; else `inconclusive`.
  Full-scale form: a claim stating the size of a change uses the value rule on each seed's change in the
  claim's unit (kind "relative-change": the aggregate relative change in %; "absolute-change": the aggregate
  difference, × 100 in percentage points), with the claim's neighbours; the claimed region must lie on the side
  the target's `direction` expects, else `inconclusive` (whether the target compares the claim's two sides the
  other way round is not known). Any other claim gets the direction form with `verified` / `refuted`.
  Power check (the engine's validity check for the direction form): the minimum detectable effect (α 0.05
  two-sided, 80 % power, at the run's measured noise) must be below the size of the effect the source reports:
  the `paper` figures on the effect target, else the change the claim itself states (relative or absolute, at
  its end nearest zero; converted at this run's baseline when the target's kind differs); unknown → fails.
  Every effect result carries the graded reproduction measures (`reproduction.py`: effect ratio, ΔRI).

`tests/verdicts/test_calibration.py` simulates worlds with known truth through these functions and holds every
false-verdict rate at ≤ 5 % at the bundled experiments' configurations; `benchmarks/verdict_calibration.py`
prints the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from claimcheck.experiments import FixedModel
from claimcheck.models import (
    Claim,
    ClaimResult,
    EffectTarget,
    Quantity,
    RunRecord,
    Scale,
    SourceValue,
    ValidityCheck,
    ValueTarget,
    Verdict,
)
from claimcheck.results import integrity_problems
from claimcheck.tolerances import CHANGES, Band, band
from claimcheck.verdicts.effect import (
    MIN_SEEDS,
    EffectStats,
    InvalidMeasurement,
    check_finite,
    direction_decision,
    effect_stats,
    select,
)
from claimcheck.verdicts.forms import (
    POINTS,
    CannotJudge,
    check_size_form,
    check_value_form,
    claim_unit_factor,
    deviation_detail,
    deviation_reason,
)
from claimcheck.verdicts.reproduction import reproduction_measures
from claimcheck.verdicts.validity import NO_CHECKS, applicable_checks, power_check
from claimcheck.verdicts.value import ValueDecision, value_decision

__all__ = [
    "MIN_SEEDS",
    "NO_CHECKS",
    "NO_REPLICATION",
    "SMOKE_REASON",
    "CannotJudge",
    "EffectStats",
    "InvalidMeasurement",
    "ValueDecision",
    "claim_unit_factor",
    "direction_decision",
    "effect_stats",
    "judge",
    "not_run",
    "value_decision",
    "verdict_scale_preference",
]

NO_REPLICATION = "no executable replication applies"
SMOKE_REASON = "smoke run: exercises the code path, gives no verdict"


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


class _Judged:
    """A statistical verdict with the result fields it fills and the engine's own validity checks."""

    def __init__(self, verdict: Verdict, reason: str, fields: dict[str, Any], checks: list[ValidityCheck]) -> None:
        self.verdict, self.reason, self.fields, self.checks = verdict, reason, fields, checks


def _band_details(b: Band, q: Quantity, per_seed: Sequence[float], over_seeds: bool) -> dict[str, Any]:
    """What a value-rule verdict rests on beside its interval: the claimed region, the band, the tolerance's
    source, and a stated ± next to the measured spread (shown, never judged)."""
    details: dict[str, Any] = {"claimed_region": [b.low, b.high], "band": list(b.edges), "tolerance_source": b.source}
    deviation = deviation_detail(q, per_seed, over_seeds)
    if deviation is not None:
        details["stated_deviation"] = deviation
    return details


def _value(claim: Claim, target: ValueTarget, record: RunRecord, fixed: FixedModel | None,
           neighbours: Sequence[SourceValue]) -> _Judged:  # fmt: skip
    quantity = claim.quantity
    assert quantity is not None
    check_value_form(quantity)
    ms = select(record.output.measurements, target.condition, target.dataset, target.metric)
    if not ms:
        raise InvalidMeasurement(f"the run has no {target.metric} for {target.condition!r} on {target.dataset}")
    check_finite(ms)
    factor = claim_unit_factor(quantity, [m.value for m in ms])
    b = band(quantity, claim.tolerance, percent=factor == POINTS)
    per_seed = [m.value * factor for m in ms]
    decision = value_decision(b, per_seed, fixed, neighbours, unit=factor)
    details = _band_details(b, quantity, per_seed, fixed is None)
    fields = {
        "measured": decision.measured,
        "interval": decision.interval,
        "tolerance": b.tolerance,
        "datasets": [target.dataset],
        "seeds": [m.seed for m in ms],
        "details": {
            "rule": "value",
            "per_seed": {str(m.seed): v for m, v in zip(ms, per_seed, strict=True)},
            "interval_over": decision.basis,
            **details,
            "unit_factor": factor,
            "neighbours": [n.model_dump() for n in neighbours],
        },
    }
    return _Judged(decision.verdict, decision.reason + deviation_reason(details.get("stated_deviation")), fields, [])


def _effect_details(claim: Claim, target: EffectTarget, stats: EffectStats, rule: str) -> dict[str, Any]:
    d = stats.difference
    paper = target.paper or (claim.replication.effect.paper if claim.replication and claim.replication.effect else None)
    return {
        "rule": rule,
        "condition": target.condition,
        "baseline": target.baseline,
        "metric": target.metric,
        "direction": target.direction,
        "relative": target.relative,
        "weights": stats.weights,
        "aggregate": "weighted mean of per-dataset figures",
        "condition_mean": stats.condition_mean,
        "baseline_mean": stats.baseline_mean,
        "mean_difference": d.value,
        "difference_interval": list(d.interval()),
        "difference_se": d.se,
        "df": d.df,
        "seed_variance": d.seed_component,
        "query_variance": d.query_component,
        "seed_differences": {str(s): g for s, g in stats.seed_differences.items()},
        "seed_relative_percent": dict(zip(map(str, stats.seeds), stats.relative_per_seed, strict=True)),
        "queries": stats.n_queries,
        "per_dataset": stats.per_dataset,
        "minimum_detectable_effect": stats.minimum_detectable(target.relative) if d.n_seeds > 1 else None,
        "reproduction": reproduction_measures(
            paper, stats.condition_mean, stats.baseline_mean, list(target.datasets)
        ).model_dump(),
    }


def _size(claim: Claim, q: Quantity, target: EffectTarget, stats: EffectStats,
          neighbours: Sequence[SourceValue]) -> _Judged:  # fmt: skip
    """A full-scale effect claim that states its size: the value rule on each seed's change, in the claim's unit
    (% of the baseline for a relative change; the metric's units, or percentage points, for an absolute one)."""
    check_size_form(q, target.direction)
    relative = q.kind == "relative-change"
    factor = claim_unit_factor(q, [stats.condition_mean, stats.baseline_mean])
    per_seed = list(stats.relative_per_seed) if relative else [factor * g for g in stats.difference.per_seed]
    b = band(q, claim.tolerance)
    decision = value_decision(b, per_seed, neighbours=neighbours)
    unit = "%" if relative else "points" if factor == POINTS else "score"
    details = _effect_details(claim, target, stats, f"value ({q.kind.replace('-', ' ')})")
    details |= {"interval_over": decision.basis, "unit": unit, **_band_details(b, q, per_seed, True)}
    if q.from_value is not None or q.to_value is not None:  # shown, not judged: a replication's level may differ
        details["stated_end_points"] = {"from": q.from_value, "to": q.to_value, "judged": False,
                                        "measured_baseline": factor * stats.baseline_mean,
                                        "measured_condition": factor * stats.condition_mean}  # fmt: skip
    fields = {
        "effect": decision.measured,
        "measured": decision.measured,
        "interval": decision.interval,
        "tolerance": b.tolerance,
        "p_value": stats.difference.p_value,
        "datasets": list(target.datasets),
        "seeds": stats.seeds,
        "details": details,
    }
    return _Judged(decision.verdict, decision.reason + deviation_reason(details.get("stated_deviation")), fields, [])


def _effect(claim: Claim, target: EffectTarget, record: RunRecord, full_scale: bool,
            neighbours: Sequence[SourceValue]) -> _Judged:  # fmt: skip
    stats = effect_stats(record.output.measurements, target)
    q = claim.quantity
    if full_scale and q is not None and q.kind in CHANGES:
        return _size(claim, q, target, stats, neighbours)
    head = stats.headline
    fields: dict[str, Any] = {
        "effect": head.value,
        "measured": head.value,
        "interval": head.interval(),
        "p_value": stats.difference.p_value,
        "datasets": list(target.datasets),
        "seeds": stats.seeds,
    }
    verdict, reason = direction_decision(stats, target.direction, full_scale=full_scale)
    details = _effect_details(claim, target, stats, "effect-full" if full_scale else "direction")
    return _Judged(verdict, reason, {**fields, "details": details}, [power_check(claim, target, stats)])


def _target(claim: Claim, record: RunRecord) -> tuple[ValueTarget | EffectTarget | None, bool, str]:
    """The target this record can judge, whether in the full-scale form, or why none (a not-run reason)."""
    rep = claim.replication
    assert rep is not None
    # Value verdicts need the claim's own scale, and never come from a proxy (not even a claim "at proxy").
    if record.scale == rep.scale == "full":
        # a claim that states a change is its effect target's to judge, when it has one
        change = claim.quantity is not None and claim.quantity.kind in CHANGES
        if rep.value is not None and not (change and rep.effect is not None):
            if claim.quantity is None:
                return None, True, "the claim states no value to compare (no quantity)"
            return rep.value, True, ""
        if rep.effect is not None:
            return rep.effect, True, ""
    direction_target = rep.proxy_effect or rep.effect
    if direction_target is not None:
        return direction_target, False, ""
    if record.scale != rep.scale:
        return None, False, f"claimed at {rep.scale} scale"
    return None, False, "a proxy run gives direction verdicts only, and this claim has no effect target"


def _not_applicable(record: RunRecord, target: ValueTarget | EffectTarget, engine: list[ValidityCheck]):
    """The checks that apply and the failed ones; a proxy declaring none fails by that alone."""
    applied = applicable_checks(record, target) + engine
    failed = [c for c in applied if not c.passed]
    if record.scale == "proxy" and not record.output.validity:
        failed.insert(0, ValidityCheck(name="declared-checks", passed=False, detail=NO_CHECKS))
    return applied, failed


def judge(
    claim: Claim,
    record: RunRecord | None,
    command: str | None = None,
    *,
    fixed_model: FixedModel | None = None,
    neighbours: Sequence[SourceValue] = (),
) -> ClaimResult:
    """Apply the rules above to one claim and the run record of its experiment (see the module docstring).

    `command` is how to run the claim at its own scale; it is attached to every `not-run`. `fixed_model` is the
    record's scale declaration for a released checkpoint; `neighbours` the other values the source reports for
    the claim's subject and dataset (`claimcheck.tolerances.neighbour_values`).
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
    base = _base_result(claim, record)
    if record.status == "error":
        return ClaimResult(**base, verdict=Verdict.ERROR, reason=record.error or "run failed")
    if record.scale == "smoke":
        return not_run(claim, SMOKE_REASON, command, **base)
    target, full_scale, why_not = _target(claim, record)
    if target is None:
        return not_run(claim, why_not, command, **base)
    try:
        if isinstance(target, ValueTarget):
            judged = _value(claim, target, record, fixed_model, neighbours)
        else:
            judged = _effect(claim, target, record, full_scale, neighbours)
    except InvalidMeasurement as exc:
        return ClaimResult(**base, verdict=Verdict.ERROR, reason=str(exc))
    except CannotJudge as exc:  # the claim's form, not the run: still not-applicable first if a check failed
        judged = _Judged(Verdict.INCONCLUSIVE, str(exc), {"details": {"rule": "none: the claim's form"}}, [])
    if judged.verdict == Verdict.ERROR:
        return ClaimResult(**base, verdict=Verdict.ERROR, reason=judged.reason)
    applied, failed = _not_applicable(record, target, judged.checks)
    fields = {**base, **judged.fields}
    fields["details"] = {**fields.get("details", {}), "validity": [c.model_dump() for c in applied]}
    if failed:
        named = "; ".join(f"{c.name}: {c.detail}" for c in failed)
        reason = f"this run cannot test the claim ({named}); it measured: {judged.reason}"
        return ClaimResult(**fields, verdict=Verdict.NOT_APPLICABLE, reason=reason)
    return ClaimResult(**fields, verdict=judged.verdict, reason=judged.reason)


def verdict_scale_preference(own: Scale) -> list[Scale]:
    """Scales in the order their records are most informative for a claim: its own, then proxy, then smoke."""
    order: list[Scale] = [own]
    order += [s for s in ("full", "proxy", "smoke") if s not in order]
    return order
