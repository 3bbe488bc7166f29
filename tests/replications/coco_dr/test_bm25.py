"""BM25 over token ids against Lucene's formula computed directly, and its ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replications.coco_dr.bm25 import BM25Index


def _direct(docs: list[list[int]], query: list[int], k1: float, b: float) -> list[float]:
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    out = []
    for d in docs:
        s = 0.0
        for t in query:
            df = sum(t in x for x in docs)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = d.count(t)
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl)) if tf else 0.0
        out.append(s)
    return out


def test_scores_equal_the_formula() -> None:
    docs = [[1, 2, 3, 3], [2, 4], [5, 5, 5, 1, 6, 7], [3], [8, 2, 2]]
    tokens = np.concatenate([np.asarray(d) for d in docs])
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])])
    index = BM25Index.build(tokens, offsets, vocab_size=10, k1=1.2, b=0.75)
    for query in ([3], [2, 5], [1, 3, 3], [9]):
        got = index.scores([np.asarray(query)]).toarray()[0]
        assert got == pytest.approx(_direct(docs, query, 1.2, 0.75), rel=1e-5, abs=1e-6)


def test_top_k_is_best_first_and_skips_unmatched() -> None:
    docs = [[1, 1, 1], [1], [2], [1, 2]]
    tokens = np.concatenate([np.asarray(d) for d in docs])
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])])
    index = BM25Index.build(tokens, offsets, vocab_size=3)
    top = index.top_k([np.asarray([1]), np.asarray([0])], k=10)
    scores = index.scores([np.asarray([1])]).toarray()[0]
    assert set(top[0].tolist()) == {0, 1, 3}  # document 2 shares no term
    assert list(scores[top[0]]) == sorted(scores[top[0]], reverse=True)
    assert len(top[1]) == 0
