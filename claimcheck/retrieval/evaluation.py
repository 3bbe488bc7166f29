"""Dense retrieval evaluation of one dataset: encode, exact top-k search, per-query trec_eval scores.

One path for every experiment that scores an encoder on a collection. A composite dataset (CQADupStack) is
searched part by part, each forum against its own corpus, as BEIR does; its figure is the mean of the parts'
means (`dataset_mean`), which is how BEIR and COCO-DR report CQADupStack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from claimcheck.retrieval.data import Dataset
from claimcheck.retrieval.metrics import evaluate, mean
from claimcheck.retrieval.search import exact_search, to_run

if TYPE_CHECKING:
    from claimcheck.retrieval.encoders import Encoder

Step = Callable[[str, float | None], None]  # `RunContext.step`: names a phase (and its size) for the progress display


def retrieve_and_evaluate(
    encoder: Encoder, ds: Dataset, metrics: Iterable[str], k: int = 1000, step: Step | None = None
) -> dict[str, dict[str, float]]:
    """{metric: {qid: score}} for `encoder` on `ds` (every part of a composite, ids as in `ds`)."""
    names = list(metrics)
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
        for metric, per_query in evaluate(to_run(scores, indices, qids, docids), part.qrels, names).items():
            out[metric].update(per_query)
    return out


def dataset_mean(ds: Dataset, per_query: Mapping[str, float]) -> float:
    """The dataset's figure: the mean over its queries, or for a composite the mean of its parts' means."""
    if not ds.parts:
        return mean(per_query)
    return mean({p.name: mean({q: per_query[q] for q in p.qrels if q in per_query}) for p in ds.parts})
