"""The run's validity checks pass and fail on the figures they are given, and say the figures and the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from replications.optical.validity import (
    HeldOut,
    Probe,
    chance_map,
    expected_random_ap,
    mt_is_neural,
    no_placeholders,
    start_is_multilingual,
    treatment_checks,
)


def test_expected_random_ap_matches_simulated_random_rankings() -> None:
    rng = np.random.default_rng(0)
    for n, r in ((300, 1), (50, 3), (10, 10)):
        aps = []
        for _ in range(20_000):
            ranks = np.sort(rng.permutation(n)[:r]) + 1
            aps.append(np.mean(np.arange(1, r + 1) / ranks))
        assert expected_random_ap(r, n) == pytest.approx(np.mean(aps), rel=0.03)
    assert chance_map({"q1": {"d1": 1}, "q2": {"d2": 1, "d3": 0}}, 300) == pytest.approx(expected_random_ap(1, 300))


def test_a_student_that_ends_below_its_start_fails_the_treatment_check() -> None:
    """The old English-start proxy: loss fell, but held-out MAP ended below the start (0.139 vs 0.193)."""
    figures = {
        "mafand/swa@800": HeldOut(start_loss=0.30, start_map=0.193, loss={0: 0.2, 1: 0.21}, map={0: 0.14, 1: 0.138})
    }
    loss, better = treatment_checks("optical", figures, ["optical", "optical+maxsim"])
    assert loss.passed and not better.passed
    assert better.targets == ["optical", "optical+maxsim"]
    assert "0.193" in better.detail and "0.139" in better.detail  # the figures, mean over seeds included


def test_one_seed_whose_held_out_loss_did_not_fall_fails_the_loss_check() -> None:
    figures = {"mafand/yor@800": HeldOut(start_loss=0.30, start_map=0.6, loss={0: 0.2, 1: 0.31}, map={0: 0.7, 1: 0.7})}
    loss, better = treatment_checks("optical", figures, ["optical"])
    assert not loss.passed and better.passed


def test_no_held_out_figures_is_a_failed_check_not_a_pass() -> None:
    (check,) = treatment_checks("optical", {}, ["optical"])
    assert not check.passed and "unknown" in check.detail


def _probe(start_mean: float, bm25_mean: float, n: int = 300, seed: int = 0) -> Probe:
    rng = np.random.default_rng(seed)
    return Probe(
        start=np.clip(rng.normal(start_mean, 0.2, n), 0, 1),
        bm25=np.clip(rng.normal(bm25_mean, 0.2, n), 0, 1),
        chance=expected_random_ap(1, 1180),
    )


def test_an_english_only_start_below_bm25_in_a_probe_language_is_not_multilingual() -> None:
    """MiniLM's measured XQuAD-R figures: above BM25 in es (0.315 vs 0.185) but below it in vi (0.089 vs 0.223)."""
    check = start_is_multilingual({"xquad_r/es-en": _probe(0.315, 0.185), "xquad_r/vi-en": _probe(0.089, 0.223)})
    assert not check.passed and "xquad_r/vi-en" in check.detail and "FAILS" in check.detail
    passed = start_is_multilingual({"xquad_r/de-en": _probe(0.744, 0.274), "xquad_r/vi-en": _probe(0.617, 0.223)})
    assert passed.passed and "BM25" in passed.detail and "chance" in passed.detail
    assert not start_is_multilingual({}).passed


def test_a_word_translator_is_not_the_neural_mt_the_claims_name() -> None:
    ibm1 = mt_is_neural({"mafand/swa@800": ("word-statistical", "IBM Model 1 ...")}, ["translate_retrieve"])
    assert not ibm1.passed and ibm1.targets == ["translate_retrieve"] and "IBM" in ibm1.detail
    nllb = mt_is_neural({"mafand/swa@all": ("neural", "facebook/nllb-200-distilled-600M")}, ["translate_retrieve"])
    assert nllb.passed


def test_a_placeholder_left_in_the_config_fails_and_is_named() -> None:
    check = no_placeholders({"distill.eps": "not stated"}, {"distill": {"eps": 0.05}})
    assert not check.passed and "distill.eps = 0.05 (not stated)" in check.detail
    assert no_placeholders({}, {}).passed
