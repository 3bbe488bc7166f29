"""Dense retrieval evaluation of one dataset: encode, exact top-k search, per-query trec_eval scores.

One path for every experiment that scores an encoder on a collection. A composite dataset (CQADupStack) is
searched part by part, each forum against its own corpus, as BEIR does; its figure is the mean of the parts'
means, which is how BEIR and COCO-DR report CQADupStack. `query_weights` expresses that mean as a weighted mean
over queries, so the verdict statistics (bootstrap intervals, paired tests) estimate the same figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from claimcheck.metric_names import normalise_metric
from claimcheck.retrieval.data import Dataset
from claimcheck.retrieval.metrics import evaluate
from claimcheck.retrieval.search import exact_search, to_run

if TYPE_CHECKING:
    from claimcheck.retrieval.encoders import Encoder

Step = Callable[[str, float | None], None]  # `RunContext.step`: names a phase (and its size) for the progress display


def retrieve_and_evaluate(
    encoder: Encoder, ds: Dataset, metrics: Iterable[str], k: int = 1000, step: Step | None = None
) -> dict[str, dict[str, float]]:
    """{metric: {qid: score}} for `encoder` on `ds` (every part of a composite, ids as in `ds`)."""
    names = list(dict.fromkeys(normalise_metric(m) for m in metrics))  # the names `evaluate` answers with
    out: dict[str, dict[str, float]] = {m: {} for m in names}
    for part in ds.parts or [ds]:
        qids, docids = list(part.queries), list(part.corpus)
        if step:
            step(f"{part.name}: encode {len(docids)} documents", len(docids))
        doc_emb = encoder.encode_corpus([part.corpus[d] for d in docids])
        if step:
            step(f"{part.name}: encode {len(qids)} queries", len(qids))
        query_emb = encoder.encode_queries([part.queries[q] for q in qids])
        if step:
            step(f"{part.name}: exact search", None)
        scores, indices = exact_search(query_emb, doc_emb, k, encoder.protocol.similarity)
        run = to_run(scores, indices, qids, docids)
        if encoder.protocol.skip_query_id:
            run = {q: {d: s for d, s in docs.items() if d != q} for q, docs in run.items()}
        for metric, per_query in evaluate(run, part.qrels, names).items():
            out[metric].update(per_query)
    return out


def query_weights(ds: Dataset, per_query: Mapping[str, float]) -> dict[str, float]:
    """Each scored query's weight in the dataset's figure, scaled to mean 1; empty when every query weighs 1.

    A composite's queries weigh 1 / (parts × queries in their part), so the weighted mean is the mean of the
    parts' means.
    """
    if not ds.parts:
        return {}
    groups = [[q for q in part.qrels if q in per_query] for part in ds.parts]
    groups = [g for g in groups if g]
    total = sum(len(g) for g in groups)
    return {q: total / (len(groups) * len(g)) for g in groups for q in g}


def dataset_mean(ds: Dataset, per_query: Mapping[str, float]) -> float:
    """The dataset's figure: the mean over its queries, or for a composite the mean of its parts' means."""
    return _weighted_mean(per_query, query_weights(ds, per_query))


def measurement_fields(ds: Dataset, per_query: Mapping[str, float]) -> dict[str, Any]:
    """`value`, `per_query` and `query_weights` of a `Measurement` of `ds`, the weights worked out once."""
    weights = query_weights(ds, per_query)
    return {"value": _weighted_mean(per_query, weights), "per_query": dict(per_query), "query_weights": weights}


def _weighted_mean(per_query: Mapping[str, float], weights: Mapping[str, float]) -> float:
    if not per_query:
        return float("nan")
    return sum(v * weights.get(q, 1.0) for q, v in per_query.items()) / len(per_query)
