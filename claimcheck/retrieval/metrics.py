"""Per-query retrieval metrics with trec_eval semantics (ir_measures, backed by pytrec_eval where it can be).

Names are normalised first (`ndcg_cut_10`, `NDCG@10` → `nDCG@10`). Every judged query gets a score: one with
nothing retrieved scores 0, as `trec_eval -c` counts it, so means are over the same queries for every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from claimcheck.metric_names import normalise_metric

Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]


def evaluate(run: Run, qrels: Qrels, measures: Iterable[str]) -> dict[str, dict[str, float]]:
    """{measure (ir_measures name): {qid: score}} over every query in `qrels`."""
    import ir_measures

    names = [normalise_metric(m) for m in measures]
    parsed = {ir_measures.parse_measure(n): n for n in names}
    qrels_clean = {q: {d: int(r) for d, r in docs.items()} for q, docs in qrels.items() if docs}
    run_clean = {q: {d: float(s) for d, s in docs.items()} for q, docs in run.items() if q in qrels_clean and docs}
    out: dict[str, dict[str, float]] = {n: dict.fromkeys(qrels_clean, 0.0) for n in names}
    if run_clean:
        for metric in ir_measures.iter_calc(list(parsed), qrels_clean, run_clean):
            out[parsed[metric.measure]][metric.query_id] = float(metric.value)
    return out


def mean(per_query: Mapping[str, float]) -> float:
    """Mean over queries (NaN for none: an empty evaluation is an error, not a zero)."""
    values = list(per_query.values())
    return sum(values) / len(values) if values else float("nan")
