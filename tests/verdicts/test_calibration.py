"""False-verdict rates of the real verdict rules in simulated worlds with known truth (claimcheck.verdicts.calibration).

Seeded, so the rates are the same on every run. 400 worlds per effect cell: the rules' true null rate is about
2.5 % per side there, with a standard error of 0.8 %, so the 5 % bound is three standard errors away (200 worlds
once drew 5.5 % where 2,000 give 2.2 %). The full table with power is
`benchmarks/verdict_calibration.py`.
"""

from __future__ import annotations

import pytest

from claimcheck.models import Verdict
from claimcheck.plugins import installed_experiments
from claimcheck.verdicts.calibration import (
    BUNDLED_EFFECTS,
    BUNDLED_VALUES,
    NULL_RATE_LIMIT,
    EffectConfig,
    Noise,
    effect_rates,
    false_effect_rates,
    false_value_rates,
    power,
)

WORLDS = 400
NOISES = (Noise(run_sd=0.01), Noise(run_sd=0.02))  # no run shift at all is the easy case (benchmark)


def test_the_simulated_configurations_are_the_bundled_experiments_own() -> None:
    experiments = installed_experiments()
    for cfg in BUNDLED_EFFECTS:
        assert len(experiments[cfg.experiment].scales[cfg.scale].seeds) == cfg.seeds, cfg.name
    for value in BUNDLED_VALUES:
        spec = experiments[value.experiment].scales["full"]
        assert (spec.fixed_model is not None) == (value.drift is not None), value.name
        if value.drift is not None:
            assert spec.fixed_model.drift == value.drift
        else:
            assert len(spec.seeds) == value.seeds, value.name


@pytest.mark.slow
@pytest.mark.parametrize("cfg", BUNDLED_EFFECTS, ids=lambda c: c.name)
@pytest.mark.parametrize("noise", NOISES, ids=lambda n: n.label())
def test_no_effect_gives_a_direction_verdict_at_most_5_percent_of_the_time(cfg: EffectConfig, noise: Noise) -> None:
    rates = false_effect_rates(effect_rates(cfg, noise, 0.0, WORLDS, seed=11), cfg.scale)
    assert all(rate <= NULL_RATE_LIMIT for rate in rates.values()), rates


@pytest.mark.parametrize("cfg", BUNDLED_VALUES, ids=lambda c: c.name)
@pytest.mark.parametrize("noise", NOISES, ids=lambda n: n.label())
def test_value_verdicts_are_false_at_most_5_percent_of_the_time(cfg, noise: Noise) -> None:
    rates = false_value_rates(cfg, noise, WORLDS, seed=12)
    assert rates["refuted"] <= NULL_RATE_LIMIT and rates["verified"] <= NULL_RATE_LIMIT, rates


def test_the_rule_the_issue_measured_would_fail_this_test() -> None:
    # One seed and pooled queries (the old full-scale rule) reject far more often than 5 % once runs shift;
    # the rules here refuse a verdict with one seed instead of guessing.
    one_seed = EffectConfig("one seed", "-", "full", 1, (50, 500), 0.026)
    rates = effect_rates(one_seed, Noise(run_sd=0.01), 0.0, WORLDS, seed=13)
    assert rates[Verdict.INCONCLUSIVE] == 1.0


def test_power_at_the_papers_effect_is_measured_not_assumed() -> None:
    optical = next(c for c in BUNDLED_EFFECTS if c.name == "OPTICAL proxy")
    strong = power(effect_rates(optical, Noise(run_sd=0.0), optical.paper_effect, WORLDS, seed=14), optical.scale)
    noisy = power(effect_rates(optical, Noise(run_sd=0.02), optical.paper_effect, WORLDS, seed=14), optical.scale)
    assert strong > 0.8 and noisy < strong  # run-to-run shifts cost power: the rule sees them
