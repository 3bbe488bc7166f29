"""Every quantity form the ingest reads, through `verdicts.judge`: ranges, a stated ±, percent against fractions,
relative and absolute changes (claimcheck.verdicts.forms and the rules in claimcheck.verdicts' docstring)."""

from __future__ import annotations

import pytest
from verdict_runs import measurements, record, seed_values

from claimcheck.models import (
    Claim,
    EffectTarget,
    PaperFigures,
    Quantity,
    Replication,
    SourceValue,
    Tolerance,
    ValidityCheck,
    ValueTarget,
    Verdict,
)
from claimcheck.tolerances import neighbour_values
from claimcheck.verdicts import effect_stats, judge
from claimcheck.verdicts.forms import format_quantity, stated_change

VALUE = ValueTarget(condition="cond", metric="nDCG@10", dataset="d")
EFFECT = EffectTarget(condition="cond", baseline="base", metric="nDCG@10", datasets=["d"])
SEEDS = [0, 1, 2]


def value_claim(q: Quantity, **kw) -> Claim:
    return Claim(id="v", text="t", quantity=q, replication=Replication(experiment="x.y", value=VALUE), **kw)


def effect_claim(q: Quantity | None, target: EffectTarget = EFFECT, scale: str = "full", **kw) -> Claim:
    rep = Replication(experiment="x.y", scale=scale, effect=target)
    return Claim(id="e", text="t", quantity=q, replication=rep, **kw)


def verdict(claim: Claim, values: list[float], **kw) -> Verdict:
    return judge(claim, record(seed_values(values), "full"), **kw).verdict


# --------------------------------------------------------------------------------------------------- ranges

RANGE = Quantity(value=0.435, low=0.42, high=0.45, decimals=2, metric="nDCG@10")  # band [0.414, 0.456]


def test_a_range_is_verified_anywhere_inside_it_not_only_at_its_midpoint() -> None:
    # 0.448 lies inside 0.42–0.45; against the midpoint 0.435 ± 0.006 it would have been refuted
    result = judge(value_claim(RANGE), record(seed_values([0.447, 0.448, 0.449]), "full"))
    assert result.verdict == Verdict.VERIFIED and "claimed 0.42–0.45 ± 0.006" in result.reason
    assert result.details["claimed_region"] == [0.42, 0.45]
    assert result.details["band"] == pytest.approx([0.414, 0.456])
    assert result.tolerance == pytest.approx(0.006)  # the tolerance itself; the range is not a tolerance
    assert verdict(value_claim(RANGE), [0.421, 0.422, 0.423]) == Verdict.VERIFIED


def test_a_range_is_refuted_entirely_outside_its_band_and_inconclusive_on_its_edge() -> None:
    assert verdict(value_claim(RANGE), [0.470, 0.471, 0.472]) == Verdict.REFUTED
    assert verdict(value_claim(RANGE), [0.400, 0.401, 0.402]) == Verdict.REFUTED
    edge = judge(value_claim(RANGE), record(seed_values([0.453, 0.456, 0.459]), "full"))
    assert edge.verdict == Verdict.INCONCLUSIVE and "overlaps the tolerance edge" in edge.reason


def test_a_range_in_percent_is_compared_with_100_times_the_measurement() -> None:
    q = Quantity(value=43.5, low=42.0, high=45.0, unit="percent", decimals=0)  # band [41.4, 45.6]
    assert verdict(value_claim(q), [0.447, 0.448, 0.449]) == Verdict.VERIFIED
    assert verdict(value_claim(q), [0.470, 0.471, 0.472]) == Verdict.REFUTED
    assert verdict(value_claim(q), [0.451, 0.456, 0.461]) == Verdict.INCONCLUSIVE


def test_neighbours_in_a_ranges_margin_block_it_and_those_the_range_states_do_not() -> None:
    stated = Quantity(value=0.435, low=0.420, high=0.450, decimals=3)  # band [0.4185, 0.4515]
    margin = SourceValue(label="X −iDRO", value=0.451, source="Table 2")  # outside 0.420–0.450, inside its band
    inside = SourceValue(label="X −COCO", value=0.43, source="Table 2")  # a value the claim itself states
    claim = value_claim(stated, neighbours=[margin, inside])
    near = neighbour_values(claim)
    assert [n.value for n in near] == [0.451]
    blocked = judge(claim, record(seed_values([0.4508, 0.451, 0.4512]), "full"), neighbours=near)
    assert blocked.verdict == Verdict.INCONCLUSIVE and "X −iDRO = 0.451" in blocked.reason
    assert verdict(claim, [0.4298, 0.430, 0.4302], neighbours=near) == Verdict.VERIFIED


# --------------------------------------------------------------------------------------------------- ±


DEVIATION = Quantity(value=0.789, deviation=0.004, decimals=3, metric="nDCG@10")  # band 0.789 ± 0.0015


def test_a_stated_deviation_is_shown_beside_the_seed_spread_and_never_widens_the_tolerance() -> None:
    result = judge(value_claim(DEVIATION), record(seed_values([0.7888, 0.789, 0.7892]), "full"))
    assert result.verdict == Verdict.VERIFIED and result.tolerance == pytest.approx(0.0015)
    shown = result.details["stated_deviation"]
    assert shown["stated"] == 0.004 and shown["measured_seed_sd"] == pytest.approx(0.0002) and not shown["judged"]
    assert "the stated ± 0.004 is shown, not judged (measured seed SD 0.0002)" in result.reason
    # 0.794 is inside 0.789 ± 0.004, but the ± is the source's spread, not a tolerance
    assert verdict(value_claim(DEVIATION), [0.7935, 0.794, 0.7945]) == Verdict.REFUTED
    assert verdict(value_claim(DEVIATION), [0.787, 0.790, 0.793]) == Verdict.INCONCLUSIVE


# --------------------------------------------------------------------------------------------------- percent


def test_a_score_in_percent_points_has_three_outcomes_against_100_times_the_measurement() -> None:
    q = Quantity(value=78.9, unit="percent", decimals=1)  # band 78.9 ± (0.05 + 0.1)
    result = judge(value_claim(q), record(seed_values([0.7885, 0.789, 0.7895]), "full"))
    assert result.verdict == Verdict.VERIFIED and result.measured == pytest.approx(78.9)
    assert result.details["unit_factor"] == 100.0
    assert verdict(value_claim(q), [0.800, 0.801, 0.802]) == Verdict.REFUTED
    assert verdict(value_claim(q), [0.789, 0.7905, 0.792]) == Verdict.INCONCLUSIVE
    # a run that reports this metric above 1 is not in fractions: 100 × it would refute anything
    unknown = judge(value_claim(q), record(seed_values([78.85, 78.9, 78.95]), "full"))
    assert unknown.verdict == Verdict.INCONCLUSIVE and "which unit they are in is not known" in unknown.reason


# --------------------------------------------------------------------------------------------------- changes

POINTS = Quantity(kind="absolute-change", value=5.0, unit="percent", decimals=1, metric="nDCG@10", baseline="base")
OWN = Tolerance(kind="absolute", value=0.5, reason="test: half a point")
CHANGE_RUN = measurements(0.05, SEEDS, n_queries=400, noise=0.01)  # each seed's difference ≈ 0.050 (5.0 points)


def test_a_change_claim_is_no_value_claims_to_judge() -> None:
    for q in (POINTS, Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1)):
        result = judge(value_claim(q), record(seed_values([0.5, 0.5, 0.5]), "full"))
        assert result.verdict == Verdict.INCONCLUSIVE and "which the value rule cannot judge" in result.reason
        assert result.measured is None  # one condition's score is not shown as if it were the change
    both = Claim(id="b", text="t", quantity=POINTS, tolerance=OWN,
                 replication=Replication(experiment="x.y", value=VALUE, effect=EFFECT))  # fmt: skip
    assert judge(both, record(CHANGE_RUN, "full")).verdict == Verdict.VERIFIED  # its effect target judges it


def test_an_absolute_change_in_points_is_compared_with_100_times_the_measured_difference() -> None:
    result = judge(effect_claim(POINTS, tolerance=OWN), record(CHANGE_RUN, "full"))
    assert result.verdict == Verdict.VERIFIED and result.details["rule"] == "value (absolute change)"
    assert result.measured == pytest.approx(100 * effect_stats(CHANGE_RUN, EFFECT).difference.value)
    assert result.effect == result.measured and result.details["unit"] == "points"
    # the direction alone once verified any size: +8 points is refuted by a measured +5
    far = POINTS.model_copy(update={"value": 8.0})
    assert judge(effect_claim(far, tolerance=OWN), record(CHANGE_RUN, "full")).verdict == Verdict.REFUTED
    edge = POINTS.model_copy(update={"value": 4.5})  # band [4.0, 5.0]: the interval crosses 5.0
    assert judge(effect_claim(edge, tolerance=OWN), record(CHANGE_RUN, "full")).verdict == Verdict.INCONCLUSIVE


def test_an_absolute_change_in_the_metrics_units_is_compared_with_the_difference_itself() -> None:
    own = Tolerance(kind="absolute", value=0.005, reason="test")
    q = POINTS.model_copy(update={"value": 0.05, "unit": "score", "decimals": 2})
    assert judge(effect_claim(q, tolerance=own), record(CHANGE_RUN, "full")).verdict == Verdict.VERIFIED
    far = q.model_copy(update={"value": 0.08})
    assert judge(effect_claim(far, tolerance=own), record(CHANGE_RUN, "full")).verdict == Verdict.REFUTED
    # 2.3 "score units" on a metric in 0..1 cannot be; points are not guessed
    odd = judge(effect_claim(q.model_copy(update={"value": 2.3}), tolerance=own), record(CHANGE_RUN, "full"))
    assert odd.verdict == Verdict.INCONCLUSIVE and "whether it means points" in odd.reason


def test_a_range_of_change_is_judged_as_a_region() -> None:
    q = POINTS.model_copy(update={"value": 5.0, "low": 4.0, "high": 6.0, "decimals": 0})  # band [3.5, 6.5]
    assert judge(effect_claim(q), record(CHANGE_RUN, "full")).verdict == Verdict.VERIFIED
    low = q.model_copy(update={"value": 1.5, "low": 1.0, "high": 2.0})
    assert judge(effect_claim(low), record(CHANGE_RUN, "full")).verdict == Verdict.REFUTED


def test_a_relative_change_is_judged_on_each_seeds_relative_change_whatever_the_targets_headline() -> None:
    rel = effect_stats(CHANGE_RUN, EFFECT).relative_per_seed
    q = Quantity(kind="relative-change", value=round(sum(rel) / 3, 1), unit="percent", decimals=1)
    wide = Tolerance(kind="absolute", value=3.0, reason="test")
    result = judge(effect_claim(q, tolerance=wide), record(CHANGE_RUN, "full"))  # an absolute-difference target
    assert result.verdict == Verdict.VERIFIED and result.details["unit"] == "%"
    assert result.measured == pytest.approx(sum(rel) / 3)
    far = q.model_copy(update={"value": q.value + 40})
    assert judge(effect_claim(far, tolerance=wide), record(CHANGE_RUN, "full")).verdict == Verdict.REFUTED


def test_a_change_against_its_targets_direction_is_not_read_the_other_way_round() -> None:
    drop = POINTS.model_copy(update={"value": -5.0})  # "loses 5 points", held against condition > baseline
    result = judge(effect_claim(drop, tolerance=OWN), record(CHANGE_RUN, "full"))
    assert result.verdict == Verdict.INCONCLUSIVE and "orient the target as the claim" in result.reason
    across = POINTS.model_copy(update={"low": -1.0, "high": 2.0, "value": 0.5})
    assert judge(effect_claim(across), record(CHANGE_RUN, "full")).verdict == Verdict.INCONCLUSIVE
    less = EFFECT.model_copy(update={"direction": "less"})
    flipped = measurements(-0.05, SEEDS, n_queries=400, noise=0.01)
    assert judge(effect_claim(drop, less, tolerance=OWN), record(flipped, "full")).verdict == Verdict.VERIFIED


def test_stated_end_points_and_deviation_of_a_change_are_shown_not_judged() -> None:
    q = POINTS.model_copy(update={"from_value": 40.0, "to_value": 45.0, "deviation": 0.3})
    result = judge(effect_claim(q, tolerance=OWN), record(CHANGE_RUN, "full"))
    assert result.verdict == Verdict.VERIFIED  # this run's levels differ from the source's; its change does not
    ends = result.details["stated_end_points"]
    assert ends["from"] == 40.0 and not ends["judged"] and 20 < ends["measured_baseline"] < 60
    assert "the stated ± 0.3 is shown, not judged" in result.reason


def test_a_proxy_judges_a_change_claim_by_its_direction_only() -> None:
    far = POINTS.model_copy(update={"value": 8.0})
    result = judge(effect_claim(far, scale="proxy"), record(CHANGE_RUN, "proxy"))
    assert result.verdict == Verdict.DIRECTION_REPRODUCED  # its size is a full-scale question


def test_a_failed_check_still_comes_before_a_form_the_rule_cannot_judge() -> None:
    failed = [ValidityCheck(name="treatment-moved", passed=False, detail="no")]
    result = judge(value_claim(POINTS), record(seed_values([0.5, 0.5, 0.5]), "full", validity=failed))
    assert result.verdict == Verdict.NOT_APPLICABLE and "which the value rule cannot judge" in result.reason


# --------------------------------------------------------------------------------------------------- power


def _power(claim: Claim) -> str:
    result = judge(claim, record(measurements(0.05, SEEDS)))
    return next(c for c in result.details["validity"] if c["name"] == "power")["detail"]


def test_the_power_check_takes_the_claims_stated_change_when_the_target_declares_none() -> None:
    assert "the source's effect +0.05 (the claim's +5.0 points)" in _power(effect_claim(POINTS, scale="proxy"))
    relative = Quantity(kind="relative-change", value=10.0, unit="percent", decimals=1)
    assert "of this run's baseline" in _power(effect_claim(relative, scale="proxy"))
    on_relative = EFFECT.model_copy(update={"relative": True})
    assert "+5.0 points against this run's baseline" in _power(effect_claim(POINTS, on_relative, scale="proxy"))
    declared = EFFECT.model_copy(update={"paper": PaperFigures(condition={"d": 0.6}, baseline={"d": 0.5},
                                                               source="Table 9")})  # fmt: skip
    assert "(Table 9)" in _power(effect_claim(POINTS, declared, scale="proxy"))  # the source's own comes first
    assert "not known" in _power(effect_claim(Quantity(value=0.5, decimals=1), scale="proxy"))


def test_a_stated_changes_size_for_power_is_its_end_nearest_zero() -> None:
    q = POINTS.model_copy(update={"low": 2.0, "high": 6.0, "value": 4.0})
    assert stated_change(q, relative=False, baseline=0.4) == (pytest.approx(0.02), "the claim's +2.0–6.0 points")
    across = q.model_copy(update={"low": -1.0})
    assert stated_change(across, relative=False, baseline=0.4)[0] == 0.0


# --------------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (Quantity(value=0.789, decimals=3, metric="nDCG@10"), "0.789 nDCG@10"),
        (RANGE, "0.42–0.45 nDCG@10"),
        (DEVIATION, "0.789 ± 0.004 nDCG@10"),
        (Quantity(value=78.9, unit="percent", decimals=1, metric="nDCG@10"), "78.9% nDCG@10"),
        (Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1, metric="AP"), "+13.7% AP"),
        (POINTS.model_copy(update={"value": 2.3}), "+2.3 points nDCG@10"),
        (POINTS.model_copy(update={"value": -2.3}), "-2.3 points nDCG@10"),
        (POINTS.model_copy(update={"value": 0.023, "unit": "score", "decimals": 3}), "+0.023 nDCG@10"),
        (POINTS.model_copy(update={"low": -1.0, "high": 2.0, "value": 0.5}), "-1.0 to +2.0 points nDCG@10"),
        (POINTS.model_copy(update={"low": -3.0, "high": -1.0, "value": -2.0}), "-3.0 to -1.0 points nDCG@10"),
        (Quantity(kind="relative-change", value=12.5, low=10.0, high=15.0, unit="percent", decimals=0), "+10–15%"),
    ],
)
def test_each_form_reads_as_the_claim_wrote_it(q: Quantity, text: str) -> None:
    assert format_quantity(q) == text
