"""The verdict rules, boundary by boundary (see the rules in claimcheck.verdicts' docstring)."""

from __future__ import annotations

import math

import pytest
from verdict_runs import OK, measurements, record, seed_values

from claimcheck.experiments import FixedModel
from claimcheck.models import (
    Claim,
    EffectTarget,
    Measurement,
    PaperFigures,
    Quantity,
    Replication,
    SourceValue,
    Tolerance,
    ValidityCheck,
    ValueTarget,
    Verdict,
)
from claimcheck.verdicts import NO_CHECKS, NO_REPLICATION, SMOKE_REASON, effect_stats, judge

PAPER = PaperFigures(condition={"trec-covid": 0.789}, baseline={"trec-covid": 0.771}, source="Table 2")
EFFECT = EffectTarget(condition="cond", baseline="base", metric="ndcg_cut_10", datasets=["d"], paper=PAPER)
# a source effect any of these runs can detect, for tests of the statistical rule behind the power check
LARGE = EFFECT.model_copy(update={"paper": PaperFigures(condition={"d": 0.9}, baseline={"d": 0.5}, source="test")})
VALUE = ValueTarget(condition="cond", metric="nDCG@10", dataset="d")


def effect_claim(target: EffectTarget | None = None, scale: str = "full", **kw) -> Claim:
    target = target or LARGE
    return Claim(id="c", text="t", replication=Replication(experiment="x.y", scale=scale, effect=target), **kw)


def value_claim(value: float, decimals: int, tolerance: Tolerance | None = None, **kw) -> Claim:
    return Claim(id="v", text="t", quantity=Quantity(value=value, decimals=decimals), tolerance=tolerance,
                 replication=Replication(experiment="x.y", value=VALUE), **kw)  # fmt: skip


# --------------------------------------------------------------------------------------------------- value rule


def test_a_value_claim_has_three_outcomes_from_the_interval_over_seeds() -> None:
    tol = Tolerance(kind="absolute", value=0.01, reason="test")
    tight = seed_values([0.500, 0.501, 0.502])  # mean 0.501, t-interval ±0.0025
    assert judge(value_claim(0.5, 2, tol), record(tight, "full")).verdict == Verdict.VERIFIED
    assert judge(value_claim(0.52, 2, tol), record(tight, "full")).verdict == Verdict.REFUTED
    straddles = judge(value_claim(0.49, 2, tol), record(tight, "full"))  # band [0.48, 0.50], interval past 0.50
    assert straddles.verdict == Verdict.INCONCLUSIVE and "overlaps the tolerance edge" in straddles.reason


def test_noise_widens_the_interval_never_the_tolerance() -> None:
    tol = Tolerance(kind="absolute", value=0.01, reason="test")
    noisy = judge(value_claim(0.5, 2, tol), record(seed_values([0.48, 0.50, 0.52]), "full"))
    assert noisy.tolerance == pytest.approx(0.01)  # the claim's own, unchanged by a spread of 0.02
    lo, hi = noisy.interval
    assert lo < 0.49 and hi > 0.51 and noisy.verdict == Verdict.INCONCLUSIVE  # once a noisy run passed more easily


def test_one_retrained_seed_cannot_tell_a_deviation_from_noise() -> None:
    result = judge(value_claim(0.5, 2), record(seed_values([0.5]), "full"))
    assert result.verdict == Verdict.INCONCLUSIVE and "needs ≥ 3 seeds" in result.reason
    assert judge(value_claim(0.5, 2), record(seed_values([0.5, 0.5]), "full")).verdict == Verdict.INCONCLUSIVE


def test_a_released_checkpoint_takes_its_declared_drift_as_the_interval() -> None:
    # The SciFact control: all-MiniLM-L6-v2, deterministic evaluation, 0.645082 measured vs 0.6451 claimed ± 0.002.
    fixed = FixedModel(drift=0.0005, reason="fp32 exact search")
    control = Claim(id="s", text="t", quantity=Quantity(value=0.6451, decimals=4),
                    tolerance=Tolerance(kind="absolute", value=0.002, reason="control"),
                    replication=Replication(experiment="x.y", value=VALUE))  # fmt: skip
    result = judge(control, record(seed_values([0.645082]), "full"), fixed_model=fixed)
    assert result.verdict == Verdict.VERIFIED
    assert result.interval == pytest.approx((0.644582, 0.645582))
    assert "numerical drift" in result.details["interval_over"]
    far = control.model_copy(update={"quantity": control.quantity.model_copy(update={"value": 0.6501})})
    assert judge(far, record(seed_values([0.645082]), "full"), fixed_model=fixed).verdict == Verdict.REFUTED


def test_the_default_tolerance_is_half_a_unit_plus_the_allowance() -> None:
    fixed = FixedModel(drift=0.0001, reason="test")
    result = judge(value_claim(0.456, 3), record(seed_values([0.4565]), "full"), fixed_model=fixed)
    assert result.tolerance == pytest.approx(0.0005 + 0.001) and result.verdict == Verdict.VERIFIED
    assert "half a unit of the last digit" in result.details["tolerance_source"]


def test_exactly_on_the_edge_counts_as_inside() -> None:
    fixed = FixedModel(drift=0.001, reason="test")
    tol = Tolerance(kind="absolute", value=0.011, reason="test")
    assert judge(value_claim(0.5, 2, tol), record(seed_values([0.51]), "full"), fixed_model=fixed).verdict == (
        Verdict.VERIFIED
    )


def test_the_without_idro_misquote_cannot_be_verified_by_the_cell_it_misquotes() -> None:
    # The paper's COCO-DR Base TREC-COVID row: Full 0.789, −iDRO 0.771, −COCO 0.763. The claim says "without
    # iDRO 0.763". A replication of without-iDRO measuring 0.771 ± 0.003 (3 seeds) must not verify it.
    row = [SourceValue(label="COCO-DR Base full", value=0.789, source="REFERENCE.md"),
           SourceValue(label="COCO-DR Base −iDRO", value=0.771, source="REFERENCE.md")]  # fmt: skip
    seeds = seed_values([0.7705, 0.771, 0.7715])
    for tol in (0.004, 0.01):  # the fixed tolerance, and the old one that covered the −iDRO cell
        claim = value_claim(0.763, 3, Tolerance(kind="absolute", value=tol, reason="test"), neighbours=row)
        result = judge(claim, record(seeds, "full"), neighbours=row)
        assert result.verdict != Verdict.VERIFIED
    assert judge(value_claim(0.763, 3, Tolerance(kind="absolute", value=0.004, reason="t")),
                 record(seeds, "full"), neighbours=row).verdict == Verdict.REFUTED  # fmt: skip
    blocked = judge(value_claim(0.763, 3, Tolerance(kind="absolute", value=0.01, reason="t")),
                    record(seeds, "full"), neighbours=row)  # fmt: skip
    assert blocked.verdict == Verdict.INCONCLUSIVE and "COCO-DR Base −iDRO = 0.771" in blocked.reason


@pytest.mark.parametrize("values", [[float("nan")], [0.5, float("nan"), 0.5]])
def test_nan_is_an_error_never_verified(values: list[float]) -> None:
    claim = value_claim(0.5, 1, Tolerance(kind="absolute", value=100.0, reason="anything goes"))
    assert judge(claim, record(seed_values(values), "full")).verdict == Verdict.ERROR


def test_percent_points_against_fractions() -> None:
    from claimcheck.verdicts import claim_unit_factor

    assert claim_unit_factor(Quantity(value=45.6, decimals=1), [0.456, 0.46]) == 100.0
    assert claim_unit_factor(Quantity(value=0.456, decimals=3), [0.456]) == 1.0
    assert claim_unit_factor(Quantity(value=0.4, decimals=1, unit="percent"), [0.004]) == 100.0
    assert claim_unit_factor(Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1), [0.1]) == 1.0
    result = judge(value_claim(50.1, 1), record(seed_values([0.500, 0.501, 0.502]), "full"))
    assert result.measured == pytest.approx(50.1) and result.tolerance == pytest.approx(0.05 + 0.1)


# --------------------------------------------------------------------------------------------------- effect rule


def test_direction_verdicts_need_significance_over_seeds_and_queries() -> None:
    assert judge(effect_claim(), record(measurements(0.05, [0, 1, 2]))).verdict == Verdict.DIRECTION_REPRODUCED
    assert judge(effect_claim(), record(measurements(-0.05, [0, 1, 2]))).verdict == Verdict.DIRECTION_NOT_REPRODUCED
    less = effect_claim(LARGE.model_copy(update={"direction": "less"}))
    assert judge(less, record(measurements(-0.05, [0, 1, 2]))).verdict == Verdict.DIRECTION_REPRODUCED
    null = judge(effect_claim(), record(measurements(0.0, [0, 1, 2], noise=0.0)))
    assert null.verdict == Verdict.INCONCLUSIVE


def test_fewer_than_three_seeds_gives_no_effect_verdict_at_any_scale() -> None:
    for scale, rep_scale in (("proxy", "full"), ("full", "full")):
        result = judge(effect_claim(scale=rep_scale), record(measurements(0.05, [0, 1]), scale))
        assert result.verdict == Verdict.INCONCLUSIVE and "needs ≥ 3 seeds" in result.reason
        weak = judge(effect_claim(EFFECT, scale=rep_scale), record(measurements(0.05, [0, 1]), scale))
        # against a small paper effect the power check fails first (1 df); the reason still says both
        assert weak.verdict == Verdict.NOT_APPLICABLE and "needs ≥ 3 seeds" in weak.reason
        assert result.effect is not None and result.p_value is not None  # the effect is still reported


def _shifted(ms: list[Measurement], seed: int, shift: float) -> list[Measurement]:
    """Move one seed's condition by `shift` on every query: a training run that came out differently."""
    out = []
    for m in ms:
        if m.seed == seed and m.condition == "cond":
            m = m.model_copy(update={"per_query": {q: v + shift for q, v in m.per_query.items()}})
        out.append(m)
    return out


def test_the_agreement_rule_is_symmetric() -> None:
    five = [0, 1, 2, 3, 4]
    for sign, reproduced in ((1, Verdict.DIRECTION_REPRODUCED), (-1, Verdict.DIRECTION_NOT_REPRODUCED)):
        ms = measurements(sign * 0.05, five, n_queries=400, noise=0.01)
        assert judge(effect_claim(LARGE), record(ms)).verdict == reproduced
        one_disagrees = _shifted(ms, 4, -sign * 0.06)  # that seed's difference has the other sign
        result = judge(effect_claim(LARGE), record(one_disagrees))
        assert result.verdict == Verdict.INCONCLUSIVE and "not every seed has the same sign" in result.reason


def test_run_to_run_variation_is_seen_by_the_test() -> None:
    # Each seed's condition shifted by a different common amount: queries alone would call this significant.
    ms = measurements(0.0, [0, 1, 2], n_queries=2000, noise=0.001)
    ms = _shifted(_shifted(ms, 0, 0.03), 1, 0.001)
    result = judge(effect_claim(LARGE), record(ms))
    assert result.verdict == Verdict.INCONCLUSIVE
    assert result.details["seed_variance"] > result.details["query_variance"]


def test_datasets_are_figures_of_their_own_and_the_aggregate_is_their_mean() -> None:
    big, small = "bioasq", "trec-covid"
    ms = measurements(0.0, [0, 1, 2], n_queries=500, datasets=(big,)) + measurements(
        0.1, [0, 1, 2], n_queries=50, datasets=(small,))  # fmt: skip
    target = EFFECT.model_copy(update={"datasets": [small, big]})
    stats = effect_stats(ms, target)
    per = stats.per_dataset
    assert stats.difference.value == pytest.approx((per[small]["difference"] + per[big]["difference"]) / 2)
    assert per[small]["queries"] == 50 and per[big]["queries"] == 500  # not one pool that is 91 % BioASQ
    weighted = effect_stats(ms, target.model_copy(update={"weights": {small: 1.0, big: 3.0}}))
    assert weighted.weights == {small: 0.25, big: 0.75}
    assert weighted.difference.value == pytest.approx(0.25 * per[small]["difference"] + 0.75 * per[big]["difference"])


def test_effect_results_show_what_a_reader_needs() -> None:
    result = judge(effect_claim(), record(measurements(0.05, [0, 1, 2])))
    d = result.details
    assert result.seeds == [0, 1, 2] and result.datasets == ["d"] and result.p_value < 0.05
    assert result.interval[0] < result.effect < result.interval[1]
    assert set(d["per_dataset"]["d"]) >= {"condition", "baseline", "difference", "queries"}
    rep = d["reproduction"]
    assert rep["effect_ratio"] == pytest.approx(result.effect / (0.9 - 0.5))
    assert rep["delta_relative_improvement"] == pytest.approx(
        (d["condition_mean"] - d["baseline_mean"]) / d["baseline_mean"] - (0.9 - 0.5) / 0.5
    )
    assert rep["rmse"] is None and "per-topic" in rep["notes"][0]


def test_full_scale_effect_verdicts_are_verified_or_refuted() -> None:
    assert judge(effect_claim(), record(measurements(0.05, [0, 1, 2]), "full")).verdict == Verdict.VERIFIED
    assert judge(effect_claim(), record(measurements(-0.05, [0, 1, 2]), "full")).verdict == Verdict.REFUTED


def test_full_relative_change_uses_the_value_rule_on_per_seed_changes() -> None:
    target = LARGE.model_copy(update={"relative": True})
    ms = measurements(0.05, [0, 1, 2], n_queries=400, noise=0.01)
    stats = effect_stats(ms, target)
    q = Quantity(kind="relative-change", value=round(stats.relative.value, 1), unit="percent", decimals=1)
    wide = Tolerance(kind="absolute", value=3.0, reason="test")
    result = judge(effect_claim(target, quantity=q, tolerance=wide), record(ms, "full"))
    assert result.verdict == Verdict.VERIFIED and result.details["rule"] == "value (relative change)"
    far = q.model_copy(update={"value": q.value + 40})
    assert judge(effect_claim(target, quantity=far, tolerance=wide), record(ms, "full")).verdict == Verdict.REFUTED


# --------------------------------------------------------------------------------------------------- validity


def test_a_failed_check_makes_every_claim_of_the_run_not_applicable() -> None:
    failed = [ValidityCheck(name="treatment-moved", passed=False, detail="loss rose from 0.30 to 0.31")]
    result = judge(effect_claim(), record(measurements(0.05, [0, 1, 2]), validity=failed))
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert "treatment-moved: loss rose from 0.30 to 0.31" in result.reason
    assert result.effect is not None  # what it measured is still shown


def test_a_check_with_targets_applies_to_the_claims_naming_them() -> None:
    stand_in = [*OK, ValidityCheck(name="nmt-stand-in", passed=False, detail="IBM-1", targets=["base"])]
    assert judge(effect_claim(), record(measurements(0.05, [0, 1, 2]), validity=stand_in)).verdict == (
        Verdict.NOT_APPLICABLE
    )
    other = LARGE.model_copy(update={"baseline": "cond2"})
    ms = measurements(0.05, [0, 1, 2]) + [m.model_copy(update={"condition": "cond2"})
                                          for m in measurements(0.0, [0, 1, 2]) if m.condition == "base"]  # fmt: skip
    assert judge(effect_claim(other), record(ms, validity=stand_in)).verdict == Verdict.DIRECTION_REPRODUCED


def test_a_check_for_effect_claims_leaves_value_claims_on_the_same_condition_alone() -> None:
    # the iDRO weights that did not move block the iDRO effect, not the value of the model trained without iDRO
    idle = ValidityCheck(name="weights-moved", passed=False, detail="1.003", targets=["cond"], applies_to="effect")
    rec = record(measurements(0.05, [0, 1, 2]), "full", validity=[*OK, idle])
    assert judge(value_claim(0.500, 3, Tolerance(kind="absolute", value=0.01, reason="r")), rec).verdict != (
        Verdict.NOT_APPLICABLE
    )
    assert judge(effect_claim(), rec).verdict == Verdict.NOT_APPLICABLE


def test_a_proxy_without_checks_gives_no_verdict_and_a_full_record_without_checks_does() -> None:
    ms = measurements(0.05, [0, 1, 2])
    proxy = judge(effect_claim(), record(ms, validity=[]))
    assert proxy.verdict == Verdict.NOT_APPLICABLE and NO_CHECKS in proxy.reason
    assert judge(effect_claim(), record(ms, "full", validity=[])).verdict == Verdict.VERIFIED


def test_power_must_reach_the_papers_effect() -> None:
    tiny = EFFECT.model_copy(update={"paper": PAPER.model_copy(update={"condition": {"trec-covid": 0.7711}})})
    result = judge(effect_claim(tiny), record(measurements(0.05, [0, 1, 2])))
    assert result.verdict == Verdict.NOT_APPLICABLE and "power: minimum detectable effect" in result.reason
    unknown = judge(effect_claim(EFFECT.model_copy(update={"paper": None})), record(measurements(0.05, [0, 1, 2])))
    assert unknown.verdict == Verdict.NOT_APPLICABLE and "effect size is not known" in unknown.reason
    relative = EFFECT.model_copy(update={"paper": None, "relative": True})
    q = Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1)
    claimed = judge(effect_claim(relative, quantity=q), record(measurements(0.05, [0, 1, 2])))
    power = next(c for c in claimed.details["validity"] if c["name"] == "power")
    assert "the claim's +13.7%" in power["detail"]


# --------------------------------------------------------------------------------------------------- dispatch


def test_order_of_rules_error_then_not_run_then_not_applicable() -> None:
    failed_check = [ValidityCheck(name="x", passed=False, detail="d")]
    crashed = record([], validity=failed_check).model_copy(update={"status": "error", "error": "boom"})
    assert judge(effect_claim(), crashed).verdict == Verdict.ERROR
    smoke = judge(effect_claim(), record(measurements(0.05, [0, 1, 2]), "smoke", failed_check), "cmd")
    assert smoke.verdict == Verdict.NOT_RUN and smoke.reason == SMOKE_REASON and smoke.command == "cmd"
    ms = measurements(0.05, [0, 1, 2])
    ms[0] = ms[0].model_copy(update={"per_query": {**ms[0].per_query, "q0": math.nan}})
    assert judge(effect_claim(), record(ms, validity=failed_check)).verdict == Verdict.ERROR


def test_judge_dispatch_not_run_cases() -> None:
    assert judge(Claim(id="b", text="background"), None).reason == NO_REPLICATION
    at_proxy = judge(value_claim(0.4, 1), record(measurements(0.05, [0, 1, 2]), "proxy"), "cmd")
    assert at_proxy.verdict == Verdict.NOT_RUN and at_proxy.reason == "claimed at full scale"
    missing = judge(effect_claim(LARGE.model_copy(update={"baseline": "absent"})), record(measurements(0.05, [0])))
    assert missing.verdict == Verdict.ERROR and "absent" in missing.reason


def test_proxy_never_verifies_even_at_a_claims_own_proxy_scale() -> None:
    ms = measurements(0.05, [0, 1, 2])
    rep = Replication(experiment="x.y", scale="proxy", value=VALUE)
    claim = Claim(id="p", text="t", quantity=Quantity(value=0.45, decimals=2), replication=rep)
    result = judge(claim, record(ms, "proxy"), "cmd")
    assert result.verdict == Verdict.NOT_RUN and "direction verdicts only" in result.reason
    assert judge(effect_claim(scale="proxy"), record(ms, "proxy")).verdict == Verdict.DIRECTION_REPRODUCED


def test_method_claim_names_the_tests_that_check_the_implementation() -> None:
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


def test_infinite_values_are_errors_and_never_claims() -> None:
    with pytest.raises(ValueError):
        Quantity(value=math.inf, decimals=1)
    with pytest.raises(ValueError):
        Tolerance(kind="absolute", value=math.inf, reason="r")
    with pytest.raises(ValueError):
        Measurement(dataset="d", metric="nDCG@10", value=math.inf)


def test_weights_must_name_every_dataset() -> None:
    with pytest.raises(ValueError, match="positive weight"):
        EffectTarget(condition="a", baseline="b", metric="AP", datasets=["x", "y"], weights={"x": 1.0, "z": 1.0})
    with pytest.raises(ValueError, match="positive weight"):
        EffectTarget(condition="a", baseline="b", metric="AP", datasets=["x"], weights={"x": 0.0})
