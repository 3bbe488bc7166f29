"""The translate-then-retrieve stand-in: IBM Model 1 learned from bitext translates a word cipher back."""

from __future__ import annotations

import pytest

from replications.optical.baselines import IBM1Translator, words
from replications.optical.tasks import cipher_task


def test_ibm1_recovers_a_word_cipher_from_bitext_alone() -> None:
    task = cipher_task(n_train=200, n_test=20, seed=1)
    translator = IBM1Translator.fit(task.train_fx, task.train_en, iterations=10)
    exact = sum(translator.translate(task.queries[q]) == task.corpus["d" + q[1:]]["text"] for q in task.queries)
    assert exact == len(task.queries)


def test_ibm1_probabilities_are_normalised_per_foreign_word() -> None:
    task = cipher_task(n_train=50, n_test=1, seed=2)
    translator = IBM1Translator.fit(task.train_fx, task.train_en, iterations=5)
    totals: dict[str, float] = {}
    for (f, _e), p in translator.table.items():
        totals[f] = totals.get(f, 0.0) + p
    assert all(t == pytest.approx(1.0) for t in totals.values())


def test_unseen_words_are_copied_and_tokenisation_keeps_diacritics() -> None:
    translator = IBM1Translator.fit(["ẹ ku àárọ̀"], ["good morning"], iterations=3)
    assert "muhammadu" in translator.translate("Muhammadu")
    assert words("Ẹ kú àárọ̀!") == ["ẹ", "kú", "àárọ̀", "!"]


def test_misaligned_bitext_is_an_error() -> None:
    with pytest.raises(ValueError):
        IBM1Translator.fit(["a b"], ["x", "y"])
