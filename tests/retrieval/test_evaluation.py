from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from claimcheck.retrieval.data import Dataset, composite
from claimcheck.retrieval.evaluation import dataset_mean, query_weights, retrieve_and_evaluate

WORDS = ["x", "w", "y", "z"]


class BagOfWords:
    """Counts of a four-word vocabulary: enough to make one document the clear best match of a query."""

    def __init__(self, skip_query_id: bool = False) -> None:
        self.protocol = SimpleNamespace(similarity="dot", skip_query_id=skip_query_id)
        self.calls: list[int] = []

    def _encode(self, texts: list[str]) -> torch.Tensor:
        self.calls.append(len(texts))
        return torch.tensor([[float(t.split().count(w)) for w in WORDS] for t in texts])

    def encode_queries(self, queries: list[str]) -> torch.Tensor:
        return self._encode(queries)

    def encode_corpus(self, docs: list[dict]) -> torch.Tensor:
        return self._encode([d["text"] for d in docs])


def _ds(name: str, docs: dict[str, str], queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> Dataset:
    return Dataset(name, {d: {"title": "", "text": t} for d, t in docs.items()}, queries, qrels)


def test_a_composite_is_searched_part_by_part() -> None:
    # Forum a's query matches forum b's document best; searched on its own, forum a ranks its relevant one first.
    a = _ds("c/a", {"1": "x w", "2": "y"}, {"q": "x x"}, {"q": {"1": 1}})
    b = _ds("c/b", {"1": "x x x", "2": "z"}, {"q": "z"}, {"q": {"2": 1}})
    whole = composite("c", [a, b])
    encoder = BagOfWords()
    scores = retrieve_and_evaluate(encoder, whole, ["nDCG@1"], k=1)["nDCG@1"]
    assert scores == {"a/q": 1.0, "b/q": 1.0}
    assert encoder.calls == [2, 1, 2, 1]  # each part's documents, then its query
    merged = retrieve_and_evaluate(BagOfWords(), Dataset("m", whole.corpus, whole.queries, whole.qrels), ["nDCG@1"], 1)
    assert merged["nDCG@1"]["a/q"] == 0.0  # one search over the union would rank b/1 first


def test_a_composite_figure_is_the_mean_of_its_parts_means() -> None:
    a = _ds("c/a", {"1": "x"}, {"q": "x"}, {"q": {"1": 1}})
    b = _ds("c/b", {"1": "y"}, {f"q{i}": "y" for i in range(3)}, {f"q{i}": {"1": 1} for i in range(3)})
    whole = composite("c", [a, b])
    per_query = {"a/q": 1.0, "b/q0": 0.0, "b/q1": 0.0, "b/q2": 0.0}
    assert dataset_mean(whole, per_query) == pytest.approx(0.5)  # BEIR's macro average over forums
    assert dataset_mean(Dataset("m", whole.corpus, whole.queries, whole.qrels), per_query) == pytest.approx(0.25)


def test_metric_names_come_back_normalised_once() -> None:
    ds = _ds("d", {"1": "x", "2": "y"}, {"q": "x"}, {"q": {"1": 1}})
    scores = retrieve_and_evaluate(BagOfWords(), ds, ["NDCG@10", "ndcg_cut_10", "AP"], k=2)
    assert set(scores) == {"nDCG@10", "AP"} and scores["nDCG@10"] == {"q": 1.0}


def test_query_weights_turn_the_mean_over_queries_into_the_mean_over_parts() -> None:
    a = _ds("c/a", {"1": "x"}, {"q": "x"}, {"q": {"1": 1}})
    b = _ds("c/b", {"1": "y"}, {f"q{i}": "y" for i in range(3)}, {f"q{i}": {"1": 1} for i in range(3)})
    whole = composite("c", [a, b])
    per_query = {"a/q": 1.0, "b/q0": 0.2, "b/q1": 0.2, "b/q2": 0.2}
    weights = query_weights(whole, per_query)
    assert weights == {
        "a/q": 2.0,
        "b/q0": pytest.approx(2 / 3),
        "b/q1": pytest.approx(2 / 3),
        "b/q2": pytest.approx(2 / 3),
    }
    assert sum(weights[q] * v for q, v in per_query.items()) / 4 == pytest.approx(dataset_mean(whole, per_query))
    assert query_weights(Dataset("m", whole.corpus, whole.queries, whole.qrels), per_query) == {}


def test_skip_query_id_drops_the_query_itself_from_its_ranking() -> None:
    # An ArguAna-like set: query "7" is also document "7"; the relevant document is another one.
    ds = _ds("d", {"7": "x x", "8": "x w", "9": "y"}, {"7": "x x"}, {"7": {"8": 1}})
    assert retrieve_and_evaluate(BagOfWords(), ds, ["nDCG@1"], k=2)["nDCG@1"] == {"7": 0.0}
    assert retrieve_and_evaluate(BagOfWords(skip_query_id=True), ds, ["nDCG@1"], k=2)["nDCG@1"] == {"7": 1.0}


def test_coco_dr_protocol_skips_the_query_itself_except_on_the_classic_collections() -> None:
    from claimcheck.retrieval.encoders import get_protocol

    assert get_protocol("coco-dr", "arguana").skip_query_id and get_protocol("coco-dr", "quora").skip_query_id
    assert not get_protocol("coco-dr", "cranfield").skip_query_id and not get_protocol("coco-dr", "cisi").skip_query_id
    assert not get_protocol("minilm", "arguana").skip_query_id
