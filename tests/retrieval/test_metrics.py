from __future__ import annotations

import random

import pytest
import pytrec_eval

from claimcheck.retrieval.metrics import evaluate, mean

TREC = {"nDCG@10": "ndcg_cut_10", "AP": "map", "R@100": "recall_100", "P@5": "P_5", "nDCG": "ndcg"}


def _random_case(seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(60)]
    qrels = {f"q{j}": {d: rng.choice([0, 1, 2, 3]) for d in rng.sample(docs, rng.randint(1, 12))} for j in range(25)}
    # ties in scores on purpose: trec_eval breaks them by document id, and so must we
    run = {
        q: {d: float(rng.randint(0, 20)) for d in rng.sample(docs, rng.randint(1, 50))}
        for q in qrels
        if rng.random() > 0.1
    }
    return run, qrels


@pytest.mark.parametrize("seed", range(5))
def test_per_query_scores_equal_pytrec_eval(seed: int) -> None:
    run, qrels = _random_case(seed)
    ours = evaluate(run, qrels, ["ndcg_cut_10", "MAP", "recall@100", "P@5", "nDCG"])
    direct = pytrec_eval.RelevanceEvaluator(qrels, set(TREC.values())).evaluate(run)
    assert set(ours) == set(TREC)
    for name, trec in TREC.items():
        for qid in qrels:
            expected = direct[qid][trec] if qid in direct else 0.0  # unretrieved query: 0, as trec_eval -c
            assert ours[name][qid] == pytest.approx(expected, abs=1e-12), (name, qid)


def test_unretrieved_queries_score_zero_and_count_in_the_mean() -> None:
    qrels = {"a": {"x": 1}, "b": {"y": 1}}
    scores = evaluate({"a": {"x": 1.0}}, qrels, ["nDCG@10"])["nDCG@10"]
    assert scores == {"a": 1.0, "b": 0.0}
    assert mean(scores) == 0.5
    assert evaluate({}, qrels, ["nDCG@10"])["nDCG@10"] == {"a": 0.0, "b": 0.0}


def test_unknown_metric_and_empty_mean() -> None:
    with pytest.raises(ValueError):
        evaluate({}, {"a": {"x": 1}}, ["bleu"])
    assert mean({}) != mean({})  # NaN
