"""The value rule: three outcomes from an interval over what varies between replications on the same queries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from claimcheck.experiments import FixedModel
from claimcheck.models import SourceValue, Verdict
from claimcheck.tolerances import Band
from claimcheck.verdicts.effect import MIN_SEEDS
from claimcheck.verdicts.stats import seed_interval


@dataclass(frozen=True)
class ValueDecision:
    verdict: Verdict
    measured: float
    interval: tuple[float, float] | None
    band: Band
    basis: str  # what the interval is over
    reason: str


def replication_interval(
    per_seed: Sequence[float], fixed: FixedModel | None, unit: float = 1.0
) -> tuple[tuple[float, float] | None, str]:
    """The interval of the expected measurement over replications on the same queries, and what it is over:
    numerical drift for a released checkpoint (`fixed`), else training seeds (Student t, ≥ 2 seeds)."""
    mean = float(np.mean(per_seed))
    if fixed is not None:
        drift = fixed.drift * unit
        return (mean - drift, mean + drift), f"numerical drift ±{drift:g} of a released checkpoint ({fixed.reason})"
    interval = seed_interval(per_seed)
    return interval, f"training seeds ({len(per_seed)}, 95% Student t)"


def value_decision(
    band: Band,
    per_seed: Sequence[float],
    fixed: FixedModel | None = None,
    neighbours: Sequence[SourceValue] = (),
    unit: float = 1.0,
) -> ValueDecision:
    """verified when the interval lies inside the band (the claimed value or range ± tolerance) and excludes every
    neighbouring value; refuted when it lies entirely outside the band; else inconclusive. A retrained model
    needs ≥ 3 seeds; NaN or infinity → error."""
    values = list(per_seed)
    if not values or not all(math.isfinite(v) for v in values) or not math.isfinite(band.half_width):
        return ValueDecision(Verdict.ERROR, math.nan, None, band, "", "non-finite measurement or claim")
    measured = float(np.mean(values))
    interval, basis = replication_interval(values, fixed, unit)
    against = str(band)
    if fixed is None and len(values) < MIN_SEEDS:
        return ValueDecision(
            Verdict.INCONCLUSIVE, measured, interval, band, basis,
            f"a retrained model needs ≥ {MIN_SEEDS} seeds for a value verdict (got {len(values)}): one seed cannot "
            f"tell a deviation from run-to-run noise; measured {measured:.4g} vs {against}",
        )  # fmt: skip
    assert interval is not None
    lo, hi = interval
    shown = f"measured {measured:.4g}, interval [{lo:.4g}, {hi:.4g}] over {basis}, {against}"
    if band.contains(interval):
        blocking = [n for n in neighbours if lo <= n.value <= hi]
        if blocking:
            names = "; ".join(f"{n.label} = {n.value:g} ({n.source})" for n in blocking)
            return ValueDecision(
                Verdict.INCONCLUSIVE, measured, interval, band, basis,
                f"inside the tolerance, but the interval cannot tell the claimed cell from {names}: {shown}",
            )  # fmt: skip
        return ValueDecision(Verdict.VERIFIED, measured, interval, band, basis, f"inside the tolerance: {shown}")
    if band.excludes(interval):
        verdict, why = Verdict.REFUTED, "entirely outside the tolerance"
    else:
        verdict, why = Verdict.INCONCLUSIVE, "overlaps the tolerance edge"
    return ValueDecision(verdict, measured, interval, band, basis, f"{why}: {shown}")
