"""Can this run test this claim? The experiment's own validity checks that apply to the claim, and the engine's
power check for effect claims; any failure makes the claim `not-applicable`, naming it."""

from __future__ import annotations

from claimcheck.models import Claim, EffectTarget, PaperFigures, RunRecord, ValidityCheck, ValueTarget
from claimcheck.verdicts.effect import EffectStats
from claimcheck.verdicts.forms import stated_change
from claimcheck.verdicts.stats import ALPHA, POWER

NO_CHECKS = "the experiment declares no validity checks"
POWER_CHECK = "power"


def _conditions(target: ValueTarget | EffectTarget) -> set[str]:
    """The conditions a target names, with the base name of a "<condition>+<scoring>" variant."""
    names = {target.condition} | ({target.baseline} if isinstance(target, EffectTarget) else set())
    return names | {n.split("+", 1)[0] for n in names}


def applicable_checks(record: RunRecord, target: ValueTarget | EffectTarget) -> list[ValidityCheck]:
    """The record's checks that concern this target: those without `targets`, and those naming its conditions,
    of the kind of claim they apply to."""
    names = _conditions(target)
    kind = "effect" if isinstance(target, EffectTarget) else "value"
    return [
        c for c in record.output.validity
        if (not c.targets or names & set(c.targets)) and c.applies_to in ("all", kind)
    ]  # fmt: skip


def _paper_size(paper: PaperFigures, relative: bool, baseline_mean: float) -> tuple[float, str]:
    """The source's effect from its own figures, in the target's units."""
    if relative:
        if paper.relative_percent is not None:
            return paper.relative_percent, paper.source
        c, b = sum(paper.condition.values()), sum(paper.baseline.values())
        return (c / b - 1.0) * 100.0, paper.source
    if paper.condition:
        diffs = [paper.condition[d] - paper.baseline[d] for d in paper.condition]
        return sum(diffs) / len(diffs), paper.source
    assert paper.relative_percent is not None  # the model requires figures or a relative change
    size = paper.relative_percent / 100.0 * abs(baseline_mean)
    return size, f"{paper.relative_percent:g}% of this run's baseline {baseline_mean:.4g}; {paper.source}"


def paper_effect(claim: Claim, target: EffectTarget, baseline_mean: float) -> tuple[float, str] | None:
    """The effect size the source reports, in the target's units (absolute difference, or % if relative), and
    where it comes from: the target's (or the claim's full-scale effect target's) paper figures; when the target
    declares none, the change the claim itself states (relative or absolute, `forms.stated_change`). A size of
    the other kind than the target's is taken at this run's baseline level (`baseline_mean`)."""
    rep = claim.replication
    paper: PaperFigures | None = target.paper or (rep.effect.paper if rep and rep.effect else None)
    if paper is not None:
        return _paper_size(paper, target.relative, baseline_mean)
    return stated_change(claim.quantity, target.relative, baseline_mean)


def power_check(claim: Claim, target: EffectTarget, stats: EffectStats) -> ValidityCheck:
    """Passes when the smallest effect this run detects (two-sided α = 0.05, 80 % power, at its measured noise
    over seeds and queries) is below the size of the effect the source reports."""
    unit = "%" if target.relative else ""
    d = stats.difference
    if d.n_seeds < 2:
        noise = "with one seed the run-to-run noise is unknown"
        return ValidityCheck(name=POWER_CHECK, passed=False, detail=f"{noise}: no power can be stated")
    mde = stats.minimum_detectable(target.relative)
    noise = (
        f"minimum detectable effect {mde:.4g}{unit} (α {ALPHA:g} two-sided, power {POWER:.0%}; SE {d.se:.3g} over "
        f"{d.n_seeds} seeds and {stats.n_queries} queries, {d.df:.0f} df)"
    )
    paper = paper_effect(claim, target, stats.baseline_mean)
    if paper is None:
        return ValidityCheck(
            name=POWER_CHECK, passed=False,
            detail=f"{noise}; the source's effect size is not known (declare replication.effect.paper, or let the "
            "claim state its change), so whether this run could detect it cannot be told",
        )  # fmt: skip
    size, source = paper
    passed = mde < abs(size)
    relation = "below" if passed else "not below"
    return ValidityCheck(
        name=POWER_CHECK, passed=passed, detail=f"{noise}, {relation} the source's effect {size:+.4g}{unit} ({source})"
    )
