"""COCO's span rules as the official pre-processing and collator: packing, early breaks, the document filter,
random truncation and whole-word masking."""

from __future__ import annotations

import random

import numpy as np
import pytest

from replications.coco_dr.spans import (
    document_spans,
    mask_row,
    pack_spans,
    split_sentences,
    truncate,
    whole_word_selection,
)


class _Never:
    def random(self) -> float:
        return 1.0  # never below the early-break chance


class _Always:
    def random(self) -> float:
        return 0.0


def test_early_break_closes_a_span_before_every_sentence() -> None:
    spans = pack_spans([[1, 2], [3], [4, 5]], 30, 0.1, _Always())
    assert spans == [[1, 2], [3], [4, 5]]


def test_early_breaks_happen_at_about_their_rate() -> None:
    rng = random.Random(0)
    sentences = [[1]] * 2001  # 1-token sentences: only early breaks close spans below the limit of 10_000
    spans = pack_spans(sentences, 10_000, 0.1, rng)
    assert 0.08 < (len(spans) - 1) / 2000 < 0.12


@pytest.mark.parametrize(
    ("sentences", "kept"),
    [
        ([[1, 2, 3, 4]], False),  # one sentence
        ([[1, 2, 3], [4, 5, 6]], False),  # two sentences packed into one span (limit 30)
        ([[1, 2], [3, 4, 5] * 10], False),  # first span of 2 tokens
        ([[1, 2, 3], [4, 5, 6] * 10], True),
    ],
)
def test_document_filter(sentences: list[list[int]], kept: bool) -> None:
    assert (document_spans(sentences, 30, 0.0, _Never()) is not None) is kept


def test_sentence_split() -> None:
    assert split_sentences("One. Two! Three? four") == ["One.", "Two!", "Three?", "four"]


def test_truncate_keeps_a_random_window_of_the_limit() -> None:
    span = np.arange(20)
    starts = set()
    for seed in range(30):
        cut = truncate(span, 8, np.random.default_rng(seed))
        assert len(cut) == 8 and list(cut) == list(range(cut[0], cut[0] + 8))
        starts.add(int(cut[0]))
    assert len(starts) > 3 and truncate(span[:5], 8, np.random.default_rng(0)) is not None


def test_whole_word_masking_takes_whole_words_within_the_budget() -> None:
    continues = np.zeros(20, dtype=bool)
    continues[[11, 12, 15]] = True  # 11, 12 continue the word starting at 10; 15 continues 14
    span = np.array([1, 10, 11, 12, 2, 14, 15, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 18, 19, 1])
    words = {1: [1, 2, 3], 5: [5, 6]}
    for seed in range(50):
        chosen = whole_word_selection(span, continues, 0.15, np.random.default_rng(seed))
        assert 1 <= chosen.sum() <= round(0.15 * len(span))
        for members in words.values():
            assert len({bool(chosen[i]) for i in members}) == 1  # a word is chosen whole or not at all


def test_mask_row_labels_and_replacements() -> None:
    span = np.arange(1000) % 50 + 5
    chosen = np.zeros(1000, dtype=bool)
    chosen[::2] = True
    ids, labels = mask_row(span, chosen, mask_id=3, vocab_size=60, rng=np.random.default_rng(0))
    assert (labels[chosen] == span[chosen]).all() and (labels[~chosen] == -100).all()
    assert (ids[~chosen] == span[~chosen]).all()
    masked = (ids[chosen] == 3).mean()
    assert 0.75 < masked < 0.85
