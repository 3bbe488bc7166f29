"""Graded reproduction measures for effect claims (Breuer et al., "How to Measure the Reproducibility of
System-oriented IR Experiments", SIGIR 2020).

- Effect ratio ER = (mean improvement of the reproduction) / (mean improvement of the original): 1 is a perfect
  reproduction of the effect's size, 0 no effect, below 0 the opposite effect.
- Delta relative improvement ΔRI = RI' − RI with RI = (advanced − baseline) / baseline: 0 is perfect.
- RMSE and Kendall's τ compare per-topic scores; they need the original run's per-topic scores, which no source
  here publishes (papers give per-dataset means), so they are reported as not available with that reason.

The `repro-eval` package implements these over TREC run files of both the original and the reproduction and
pulls GitPython, ruamel.yaml, py-cpuinfo and tqdm; with only the papers' aggregate figures there are no
original runs to give it, and ER and ΔRI over means are the two ratios below.
"""

from __future__ import annotations

import math

from pydantic import Field

from claimcheck.models import PaperFigures, Record

NO_PER_TOPIC = "the source publishes no per-topic scores (RMSE and Kendall's τ need them)"


class ReproductionMeasures(Record):
    """ER and ΔRI of one effect claim against the source's figures; None with the reason when not computable."""

    effect_ratio: float | None = None
    delta_relative_improvement: float | None = Field(default=None, description="RI' − RI, as fractions")
    replicated_improvement: float
    replicated_relative_improvement: float | None = None
    original_improvement: float | None = None
    original_relative_improvement: float | None = None
    rmse: float | None = None
    kendall_tau: float | None = None
    basis: str = Field(description="what was compared with what")
    notes: list[str] = Field(default_factory=list)


def _mean(values: dict[str, float]) -> float:
    return sum(values.values()) / len(values)


def reproduction_measures(
    paper: PaperFigures | None, condition_mean: float, baseline_mean: float, datasets: list[str]
) -> ReproductionMeasures:
    """ER and ΔRI of the measured aggregate (condition_mean vs baseline_mean over `datasets`) against `paper`."""
    improvement = condition_mean - baseline_mean
    ri = improvement / baseline_mean if baseline_mean else None
    notes = [NO_PER_TOPIC]
    out = {"replicated_improvement": improvement, "replicated_relative_improvement": ri}
    if paper is None:
        notes.append("no source figures declared for this comparison (replication.effect.paper in claims.yaml)")
        return ReproductionMeasures(**out, basis=f"measured on {', '.join(datasets)}", notes=notes)
    basis = f"measured on {', '.join(datasets)} against the source's figures ({paper.source})"
    if paper.condition:
        scale = 0.01 if max(abs(v) for v in [*paper.condition.values(), *paper.baseline.values()]) > 1 >= max(
            abs(condition_mean), abs(baseline_mean)
        ) else 1.0  # fmt: skip  # a paper in percent points against fractions
        orig_c, orig_b = _mean(paper.condition) * scale, _mean(paper.baseline) * scale
        orig = orig_c - orig_b
        out["original_improvement"] = orig
        out["original_relative_improvement"] = orig / orig_b if orig_b else None
        out["effect_ratio"] = improvement / orig if orig else None
        if not orig:
            notes.append("the source's improvement is 0: the effect ratio is undefined")
        basis += f" on {', '.join(paper.condition)}"
    elif paper.relative_percent is not None:
        out["original_relative_improvement"] = paper.relative_percent / 100.0
        notes.append("the source states only a relative change: the effect ratio needs its absolute scores")
    orig_ri = out.get("original_relative_improvement")
    if ri is not None and orig_ri is not None and math.isfinite(ri):
        out["delta_relative_improvement"] = ri - orig_ri
    return ReproductionMeasures(**out, basis=basis, notes=notes)
