"""The forms a claim's quantity takes, as the verdict rules read them (see the rules in `claimcheck.verdicts`).

What the claim states, in the units a run measures (IR metrics are fractions): a score, or a range of scores,
written as a fraction or in percent; a relative change in % of its baseline; an absolute change in the metric's
units or in percentage points (unit "percent"). `CannotJudge` is raised where a rule cannot judge a form: the
verdict is then `inconclusive` with that reason, never a verdict read from the wrong units or the wrong side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from claimcheck.models import Quantity
from claimcheck.tolerances import CHANGES, claimed_region, percent_points

POINTS = 100.0  # a fraction-valued metric written in percent (points)
DEVIATION_NOTE = (
    "shown beside the measured spread over seeds, never part of the verdict or the tolerance: a stated ± may be "
    "a standard deviation over seeds, a standard error or an interval, and the claim does not say which"
)


class CannotJudge(ValueError):
    """The rule cannot judge the claim's form; the message says which form and why."""


def format_quantity(q: Quantity, with_metric: bool = True) -> str:
    """`0.789 nDCG@10`, `0.42–0.45 nDCG@10`, `0.789 ± 0.004 nDCG@10`, `78.9% nDCG@10`, `+13.7% AP`,
    `+2.3 points nDCG@10`, `+0.023 nDCG@10` (a change in the metric's units)."""
    low, high = claimed_region(q)
    change = q.kind in CHANGES

    def num(v: float) -> str:
        return f"{'+' if change and v > 0 else ''}{v:.{q.decimals}f}"

    if low == high:
        text = num(q.value)
    elif change and low <= 0:
        text = f"{num(low)} to {num(high)}"  # "-1.0 to +2.0", "-3.0 to -1.0": a dash would read as a minus
    else:
        text = f"{num(low)}–{num(high)}".replace("–+", "–")  # "+1.0–3.0 points", "0.42–0.45"
    if q.deviation is not None:
        text += f" ± {q.deviation:g}"
    unit = " points" if q.kind == "absolute-change" and q.unit == "percent" else ""
    if q.kind == "relative-change" or (q.kind == "absolute" and q.unit == "percent"):
        unit = "%"
    metric = f" {q.metric}" if q.metric and with_metric else ""
    return f"{text}{unit}{metric}"


def _kind_words(q: Quantity) -> str:
    return {"relative-change": "a relative change", "absolute-change": "an absolute change"}.get(q.kind, "a value")


def _check_region(q: Quantity) -> None:
    if (q.low is None) != (q.high is None):
        end = "low" if q.low is not None else "high"
        raise CannotJudge(f"the claim states a range with only its {end} end ({format_quantity(q)}), which no rule "
                          "can judge: the claimed region is not known")  # fmt: skip


def check_value_form(q: Quantity) -> None:
    """The value rule judges one condition's score: a value or a range of values, not a change."""
    _check_region(q)
    if q.kind in CHANGES:
        raise CannotJudge(
            f"the claim states {_kind_words(q)} ({format_quantity(q)}), which the value rule cannot judge: it "
            "compares one condition's score; a change needs an effect target (condition against baseline)"
        )


def claim_unit_factor(quantity: Quantity, measured: Iterable[float]) -> float:
    """What a measured score (or difference of scores) is multiplied by to be in the claim's units: 100 when the
    claim writes a fraction-valued metric in percent points (unit "percent", or an absolute value above 1 where
    every measurement is at most 1), else 1; relative changes are percent already. `measured`: the run's scores.
    A claim in percent against scores above 1, or an absolute change in score units larger than 1 on scores in
    0..1, cannot be read in either unit: `CannotJudge`, not a guess."""
    if quantity.kind == "relative-change":
        return 1.0
    values = [abs(v) for v in measured if not math.isnan(v)]
    fractions = bool(values) and max(values) <= 1.0
    if quantity.unit == "percent":
        if not fractions:
            raise CannotJudge(
                f"the claim is in percent ({format_quantity(quantity, False)}) but this run's scores are not all "
                "in 0..1: which unit they are in is not known, so it is not judged"
            )
        return POINTS
    if quantity.kind == "absolute-change":
        if fractions and max(abs(v) for v in claimed_region(quantity)) > 1.0:
            raise CannotJudge(
                f"the claim states an absolute change of {format_quantity(quantity, False)} in a metric whose "
                "scores here lie in 0..1: whether it means points or something else is not stated, so it is not "
                "judged"
            )
        return 1.0
    return POINTS if percent_points(quantity) and fractions else 1.0


def check_size_form(q: Quantity, direction: str) -> None:
    """The size rule compares the claimed change with condition − baseline: the claim must say the change runs
    the way its effect target does, else which way round the comparison is meant is not known."""
    _check_region(q)
    low, high = claimed_region(q)
    on_side = low > 0 if direction == "greater" else high < 0
    if not on_side:
        expects = "above" if direction == "greater" else "below"
        raise CannotJudge(
            f"the claim states a change of {format_quantity(q, False)}, but its effect target expects the condition "
            f"{expects} the baseline: whether the target compares the claim's two sides the other way round is not "
            "known, so its size is not judged (orient the target as the claim: its condition, baseline, direction)"
        )


def stated_change(q: Quantity | None, relative: bool, baseline: float) -> tuple[float, str] | None:
    """The size of the change the claim states, in a target's units (an absolute difference of scores, or % if
    `relative`), taken at its end nearest zero (0 for a range across zero), and its source; None when the claim
    states no change, or one whose units are not known. A change held against a target of the other kind is
    converted at this run's baseline level (`baseline`)."""
    if q is None or q.kind not in CHANGES or (q.low is None) != (q.high is None):
        return None
    low, high = claimed_region(q)
    nearest = 0.0 if low <= 0 <= high else min(abs(low), abs(high))
    said = f"the claim's {format_quantity(q, False)}"
    if q.kind == "relative-change":
        if relative:
            return nearest, said
        return nearest / 100.0 * abs(baseline), f"{said} of this run's baseline {baseline:.4g}"
    try:
        score = nearest / claim_unit_factor(q, [baseline])
    except CannotJudge:
        return None
    if not relative:
        return score, said
    if baseline == 0:
        return None
    return 100.0 * score / abs(baseline), f"{said} against this run's baseline {baseline:.4g}"


def deviation_detail(q: Quantity, per_seed: Sequence[float], over_seeds: bool) -> dict[str, Any] | None:
    """A stated ± beside the measured spread over seeds (in the claim's units), for the reader only."""
    if q.deviation is None:
        return None
    spread = float(np.std(per_seed, ddof=1)) if over_seeds and len(per_seed) > 1 else None
    return {"stated": q.deviation, "measured_seed_sd": spread, "seeds": len(per_seed), "judged": False,
            "note": DEVIATION_NOTE}  # fmt: skip


def deviation_reason(detail: dict[str, Any] | None) -> str:
    if detail is None:
        return ""
    spread = detail["measured_seed_sd"]
    measured = f"measured seed SD {spread:.3g}" if spread is not None else "no spread over seeds measured"
    return f"; the stated ± {detail['stated']:g} is shown, not judged ({measured})"
