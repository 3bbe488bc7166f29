"""Breuer et al.'s effect ratio and ΔRI against a source's figures (claimcheck.verdicts.reproduction)."""

from __future__ import annotations

import pytest

from claimcheck.models import PaperFigures
from claimcheck.verdicts.reproduction import NO_PER_TOPIC, reproduction_measures


def test_effect_ratio_and_delta_ri_over_the_sources_means() -> None:
    paper = PaperFigures(condition={"a": 0.30, "b": 0.50}, baseline={"a": 0.20, "b": 0.40}, source="Table 1")
    m = reproduction_measures(paper, condition_mean=0.45, baseline_mean=0.40, datasets=["x"])
    assert m.original_improvement == pytest.approx(0.10)
    assert m.effect_ratio == pytest.approx(0.05 / 0.10)
    assert m.delta_relative_improvement == pytest.approx(0.05 / 0.40 - 0.10 / 0.30)
    assert m.rmse is None and m.kendall_tau is None and NO_PER_TOPIC in m.notes


def test_a_source_in_percent_points_is_compared_in_fractions() -> None:
    paper = PaperFigures(condition={"t": 78.9}, baseline={"t": 77.1}, source="Table 2")
    m = reproduction_measures(paper, condition_mean=0.80, baseline_mean=0.78, datasets=["t"])
    assert m.effect_ratio == pytest.approx(0.02 / 0.018)


def test_a_relative_change_alone_gives_delta_ri_but_no_effect_ratio() -> None:
    paper = PaperFigures(relative_percent=13.7, source="abstract")
    m = reproduction_measures(paper, condition_mean=0.22, baseline_mean=0.20, datasets=["x"])
    assert m.effect_ratio is None and m.delta_relative_improvement == pytest.approx(0.10 - 0.137)
    none = reproduction_measures(None, 0.22, 0.20, ["x"])
    assert none.effect_ratio is None and none.delta_relative_improvement is None and len(none.notes) == 2
