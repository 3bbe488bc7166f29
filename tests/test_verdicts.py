"""The verdict rules, boundary by boundary (see the rules in claimcheck.verdicts' docstring)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from records import honest

from claimcheck.models import (
    Claim,
    EffectTarget,
    ExperimentOutput,
    Measurement,
    Provenance,
    Quantity,
    Replication,
    RunRecord,
    Tolerance,
    ValueTarget,
    Verdict,
)
from claimcheck.verdicts import (
    MIN_SEEDS,
    NO_REPLICATION,
    SMOKE_REASON,
    EffectStats,
    claim_unit_factor,
    direction_decision,
    effect_stats,
    half_unit,
    judge,
    seed_spread,
    tolerance_for,
    value_decision,
)

PROV = Provenance(git_commit=None, python="3", platform="test", packages={}, cpu="test", threads=1)


# --------------------------------------------------------------------------------------------------- value rule


@pytest.mark.parametrize(("decimals", "half"), [(0, 0.5), (1, 0.05), (3, 0.0005)])
def test_half_unit_of_last_digit(decimals: int, half: float) -> None:
    assert half_unit(decimals) == pytest.approx(half)


def test_exactly_at_tolerance_is_verified_just_outside_is_refuted() -> None:
    # claimed 45.6 (one decimal) → tolerance 0.05 with one seed; 45.65 is exactly on the edge.
    assert value_decision(45.6, [45.65], 1).verdict == Verdict.VERIFIED
    assert value_decision(45.6, [45.55], 1).verdict == Verdict.VERIFIED
    assert value_decision(45.6, [45.6501], 1).verdict == Verdict.REFUTED
    assert value_decision(0.456, [0.4565], 3).verdict == Verdict.VERIFIED
    assert value_decision(0.456, [0.45651], 3).verdict == Verdict.REFUTED


def test_one_seed_has_zero_spread() -> None:
    d = value_decision(0.5, [0.52], 2)
    assert d.spread == 0.0
    assert d.tolerance == pytest.approx(0.005)
    assert d.verdict == Verdict.REFUTED


def test_zero_spread_over_identical_seeds() -> None:
    d = value_decision(0.5, [0.503, 0.503, 0.503], 2)
    assert d.spread == 0.0 and d.tolerance == pytest.approx(0.005)
    assert d.verdict == Verdict.VERIFIED


def test_seed_spread_widens_the_tolerance() -> None:
    seeds = [0.50, 0.54, 0.58]  # mean 0.54, sample std 0.04
    assert seed_spread(seeds) == pytest.approx(0.04)
    d = value_decision(0.5, seeds, 2)
    assert d.tolerance == pytest.approx(0.045)
    assert d.verdict == Verdict.VERIFIED  # |0.54 − 0.5| = 0.04 ≤ 0.045
    assert value_decision(0.49, seeds, 2).verdict == Verdict.REFUTED  # 0.05 > 0.045


def test_claim_tolerance_replaces_the_half_unit_default() -> None:
    absolute = Tolerance(kind="absolute", value=0.1, reason="test")
    relative = Tolerance(kind="relative", value=0.1, reason="test")
    assert tolerance_for(0.5, 3, 0.0, absolute) == pytest.approx(0.1)
    assert tolerance_for(-2.0, 3, 0.0, relative) == pytest.approx(0.2)
    assert tolerance_for(0.5, 3, 0.2, absolute) == pytest.approx(0.3)  # still widened by the seed spread
    assert value_decision(0.5, [0.6], 3, absolute).verdict == Verdict.VERIFIED
    assert value_decision(0.5, [0.61], 3, absolute).verdict == Verdict.REFUTED


@pytest.mark.parametrize("values", [[float("nan")], [0.5, float("nan"), 0.5]])
def test_nan_is_an_error_never_verified(values: list[float]) -> None:
    d = value_decision(0.5, values, 1, Tolerance(kind="absolute", value=100.0, reason="anything goes"))
    assert d.verdict == Verdict.ERROR


def test_percent_points_against_fractions() -> None:
    q = Quantity(value=45.6, decimals=1)
    assert claim_unit_factor(q, [0.456, 0.46]) == 100.0
    assert claim_unit_factor(Quantity(value=0.456, decimals=3), [0.456]) == 1.0
    assert claim_unit_factor(Quantity(value=0.4, decimals=1, unit="percent"), [0.004]) == 100.0
    assert claim_unit_factor(Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1), [0.1]) == 1.0


# --------------------------------------------------------------------------------------------------- direction rule


def stats(diffs: dict[int, float], p: float, interval: tuple[float, float]) -> EffectStats:
    mean = float(np.mean(list(diffs.values())))
    return EffectStats(mean, interval, mean, interval, p, diffs, 100)


def test_direction_reproduced_needs_significance_interval_and_every_seed() -> None:
    good = stats({0: 0.02, 1: 0.03, 2: 0.01}, 0.001, (0.01, 0.03))
    assert direction_decision(good, "greater")[0] == Verdict.DIRECTION_REPRODUCED
    one_seed_disagrees = stats({0: 0.02, 1: 0.03, 2: -0.001}, 0.001, (0.01, 0.03))
    assert direction_decision(one_seed_disagrees, "greater")[0] == Verdict.INCONCLUSIVE
    not_significant = stats({0: 0.02, 1: 0.03, 2: 0.01}, 0.05, (0.01, 0.03))  # p must be < 0.05
    assert direction_decision(not_significant, "greater")[0] == Verdict.INCONCLUSIVE
    interval_touches_zero = stats({0: 0.02, 1: 0.03, 2: 0.01}, 0.01, (0.0, 0.03))
    assert direction_decision(interval_touches_zero, "greater")[0] == Verdict.INCONCLUSIVE


def test_direction_not_reproduced_and_less() -> None:
    opposite = stats({0: -0.02, 1: -0.03, 2: -0.01}, 0.001, (-0.03, -0.01))
    assert direction_decision(opposite, "greater")[0] == Verdict.DIRECTION_NOT_REPRODUCED
    assert direction_decision(opposite, "less")[0] == Verdict.DIRECTION_REPRODUCED


def test_fewer_than_three_seeds_is_inconclusive_with_reason() -> None:
    two = stats({0: 0.02, 1: 0.03}, 0.001, (0.01, 0.03))
    verdict, reason = direction_decision(two, "greater")
    assert verdict == Verdict.INCONCLUSIVE and f"≥ {MIN_SEEDS} seeds" in reason


def test_full_scale_form_gives_verified_or_refuted() -> None:
    good = stats({0: 0.02}, 0.001, (0.01, 0.03))
    assert direction_decision(good, "greater", full_scale=True)[0] == Verdict.VERIFIED
    assert direction_decision(good, "less", full_scale=True)[0] == Verdict.REFUTED


# --------------------------------------------------------------------------------------------------- from measurements


def measurements(effect: float, seeds: list[int], n_queries: int = 60, noise: float = 0.05) -> list[Measurement]:
    """Per-query scores drawn from a generator: baseline uniform, condition shifted by `effect` plus noise."""
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        base = rng.uniform(0.2, 0.6, n_queries)
        cond = base + effect + rng.normal(0, noise, n_queries)
        for name, scores in (("cond", cond), ("base", base)):
            per_q = {f"q{i}": float(v) for i, v in enumerate(scores)}
            out.append(Measurement(condition=name, dataset="d", metric="nDCG@10", seed=seed,
                                   value=float(scores.mean()), per_query=per_q))  # fmt: skip
    return out


def record(ms: list[Measurement], scale: str = "proxy", seeds: list[int] | None = None) -> RunRecord:
    return honest(RunRecord(
        key="k" * 64,
        experiment="x.y",
        scale=scale,
        config={},
        seeds=seeds or sorted({m.seed for m in ms}),
        status="ok",
        output=ExperimentOutput(measurements=ms),
        provenance=PROV,
        started_at="2026-01-01T00:00:00+00:00",
        wall_time_s=1.0,
        peak_memory_mb=1.0,
    ))  # fmt: skip


EFFECT = EffectTarget(condition="cond", baseline="base", metric="ndcg_cut_10", datasets=["d"])


def effect_claim(target: EffectTarget = EFFECT, scale: str = "full", **kw) -> Claim:
    return Claim(id="c", text="t", replication=Replication(experiment="x.y", scale=scale, effect=target), **kw)


def test_effect_stats_pools_queries_and_reports_per_seed() -> None:
    s = effect_stats(measurements(0.05, [0, 1, 2]), EFFECT)
    assert s.n_queries == 60 and set(s.seed_differences) == {0, 1, 2}
    assert s.interval[0] < s.effect < s.interval[1]
    assert s.effect == pytest.approx(0.05, abs=0.02)
    assert s.p_value < 0.001
    rel = effect_stats(measurements(0.05, [0, 1, 2]), EFFECT.model_copy(update={"relative": True}))
    assert rel.effect == pytest.approx(100 * 0.05 / 0.4, rel=0.3)  # ≈ 12.5 % on a 0.4 baseline


def test_judge_proxy_direction_verdicts() -> None:
    assert judge(effect_claim(), record(measurements(0.05, [0, 1, 2]))).verdict == Verdict.DIRECTION_REPRODUCED
    assert judge(effect_claim(), record(measurements(-0.05, [0, 1, 2]))).verdict == Verdict.DIRECTION_NOT_REPRODUCED
    assert judge(effect_claim(), record(measurements(0.0, [0, 1, 2], noise=0.0))).verdict == Verdict.INCONCLUSIVE
    two = judge(effect_claim(), record(measurements(0.05, [0, 1])))
    assert two.verdict == Verdict.INCONCLUSIVE and "seeds" in two.reason
    assert two.effect is not None and two.p_value is not None  # the effect is still reported


def test_judge_full_relative_change_uses_value_rule() -> None:
    target = EFFECT.model_copy(update={"relative": True})
    ms = measurements(0.05, [0, 1, 2])
    measured = effect_stats(ms, target).effect
    quantity = Quantity(kind="relative-change", value=round(measured, 1), unit="percent", decimals=1)
    result = judge(effect_claim(target, quantity=quantity), record(ms, "full"))
    assert result.verdict == Verdict.VERIFIED and result.details["rule"] == "value (relative change)"
    far = quantity.model_copy(update={"value": measured + 40})
    assert judge(effect_claim(target, quantity=far), record(ms, "full")).verdict == Verdict.REFUTED


def test_judge_dispatch_not_run_cases() -> None:
    assert judge(Claim(id="b", text="background"), None).reason == NO_REPLICATION
    smoke = judge(effect_claim(), record(measurements(0.05, [0, 1, 2]), "smoke"), "claimcheck verify c --scale full")
    assert smoke.verdict == Verdict.NOT_RUN and smoke.reason == SMOKE_REASON and smoke.command
    value_only = Claim(
        id="v", text="t", quantity=Quantity(value=0.4, decimals=1),
        replication=Replication(experiment="x.y", value=ValueTarget(condition="cond", metric="nDCG@10", dataset="d")),
    )  # fmt: skip
    at_proxy = judge(value_only, record(measurements(0.05, [0, 1, 2]), "proxy"), "cmd")
    assert at_proxy.verdict == Verdict.NOT_RUN and at_proxy.reason == "claimed at full scale"
    at_full = judge(value_only, record(measurements(0.05, [0, 1, 2]), "full"))
    assert at_full.verdict in (Verdict.VERIFIED, Verdict.REFUTED) and at_full.tolerance is not None


def test_proxy_never_verifies_even_at_a_claims_own_proxy_scale() -> None:
    ms = measurements(0.05, [0, 1, 2])
    value = ValueTarget(condition="cond", metric="nDCG@10", dataset="d")
    claimed = float(np.mean([m.value for m in ms if m.condition == "cond"]))
    rep = Replication(experiment="x.y", scale="proxy", value=value)
    claim = Claim(id="p", text="t", quantity=Quantity(value=round(claimed, 3), decimals=3), replication=rep)
    result = judge(claim, record(ms, "proxy"), "cmd")
    assert result.verdict == Verdict.NOT_RUN and "direction verdicts only" in result.reason
    effect_at_proxy = judge(effect_claim(scale="proxy"), record(ms, "proxy"))
    assert effect_at_proxy.verdict == Verdict.DIRECTION_REPRODUCED


def test_judge_nan_and_failed_runs_are_errors() -> None:
    ms = measurements(0.05, [0, 1, 2])
    ms[0] = ms[0].model_copy(update={"per_query": {**ms[0].per_query, "q0": math.nan}})
    assert judge(effect_claim(), record(ms)).verdict == Verdict.ERROR
    failed = record([]).model_copy(update={"status": "error", "error": "boom"})
    result = judge(effect_claim(), failed)
    assert result.verdict == Verdict.ERROR and result.reason == "boom"
    missing = judge(effect_claim(EFFECT.model_copy(update={"baseline": "absent"})), record(measurements(0.05, [0])))
    assert missing.verdict == Verdict.ERROR and "absent" in missing.reason


def test_method_claim_names_the_tests_that_check_the_implementation() -> None:
    from claimcheck.models import Claim
    from claimcheck.verdicts import NO_REPLICATION, judge

    claim = Claim(id="m", text="the loss is a Frobenius inner product", implementation_tests=["tests/x.py::test_y"])
    result = judge(claim, None)
    assert result.verdict == "not-run"
    assert result.reason.startswith(NO_REPLICATION) and "tests/x.py::test_y" in result.reason


def test_weighted_queries_make_the_statistics_estimate_a_composites_figure() -> None:
    # Two forums: 2 queries at 0.9 and 8 at 0.1. The figure is the mean of forum means (0.5), not the pooled 0.26.
    scores = {"a/0": 0.9, "a/1": 0.9, **{f"b/{i}": 0.1 for i in range(8)}}
    weights = {q: 10 / (2 * (2 if q.startswith("a/") else 8)) for q in scores}
    ms = [
        Measurement(condition=c, dataset="d", metric="nDCG@10", seed=s, value=0.5 + shift, query_weights=weights,
                    per_query={q: v + shift for q, v in scores.items()})
        for s in (0, 1, 2) for c, shift in (("cond", 0.05), ("base", 0.0))
    ]  # fmt: skip
    stats = effect_stats(ms, EFFECT)
    assert stats.per_dataset["d"]["condition"] == pytest.approx(0.55)
    assert stats.per_dataset["d"]["baseline"] == pytest.approx(0.5)
    value = Claim(
        id="v", text="t", quantity=Quantity(value=0.55, decimals=2),
        replication=Replication(experiment="x.y", value=ValueTarget(condition="cond", metric="nDCG@10", dataset="d")),
    )  # fmt: skip
    result = judge(value, record(ms, "full"))
    assert result.measured == pytest.approx(0.55) and result.verdict == Verdict.VERIFIED
    assert result.interval is not None and result.interval[0] <= 0.55 <= result.interval[1]


def test_a_claims_own_tolerance_is_widened_by_the_seed_spread() -> None:
    own = Tolerance(kind="absolute", value=0.01, reason="r")
    spread = seed_spread([0.50, 0.52, 0.54])
    assert tolerance_for(0.5, 2, spread, own) == pytest.approx(0.01 + spread)
    assert value_decision(0.5, [0.50, 0.52, 0.54], 2, own).verdict == Verdict.VERIFIED  # 0.02 off, 0.03 allowed
    assert value_decision(0.5, [0.52], 2, own).verdict == Verdict.REFUTED  # one seed: no spread to add


def test_infinite_values_are_errors_and_never_claims() -> None:
    assert value_decision(1.0, [math.inf], 1).verdict == Verdict.ERROR
    with pytest.raises(ValueError):
        Quantity(value=math.inf, decimals=1)
    with pytest.raises(ValueError):
        Tolerance(kind="absolute", value=math.inf, reason="r")
