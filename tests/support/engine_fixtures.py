"""A tiny real experiment for the engine's tests: lexical retrieval over a synthetic topical corpus.

Documents are drawn from 30 topics (each a set of topic words) mixed with background words; a query is a few
words of one topic and the documents of that topic are relevant. Two real rankers are compared, BM25 and raw
term-frequency overlap (no idf, no length normalisation), plus a random ranker; nDCG@10 and AP per query come
from ir_measures. The seed draws the corpus, so seeds differ for real while query ids stay paired.

`tests/support/` is on pytest's `pythonpath` (pyproject.toml); tests hand `experiments()` to the engine, and the CLI
tests install these experiments as entry points (`plugin_support`).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from claimcheck.experiments import Experiment, Requirements, RunContext, ScaleSpec, define_experiment
from claimcheck.models import (
    Claim,
    ClaimRegistry,
    EffectTarget,
    ExperimentOutput,
    Measurement,
    PaperFigures,
    Quantity,
    Replication,
    ValidityCheck,
    ValueTarget,
)
from claimcheck.plugins import ExperimentRegistry

EXPERIMENT = "enginetest.lexical"
SLOW = "enginetest.slow"
NEEDS_DATA = "enginetest.needs_data"
METRICS = ("nDCG@10", "AP")


def _scales(smoke: dict, proxy: dict, full: dict, full_req: Requirements | None = None) -> dict:
    return {
        "smoke": ScaleSpec(requirements=Requirements(minutes=0.01), config=smoke, seeds=[0]),
        "proxy": ScaleSpec(requirements=Requirements(minutes=0.05), config=proxy, seeds=[0, 1, 2]),
        "full": ScaleSpec(requirements=full_req or Requirements(minutes=0.1), config=full, seeds=[0, 1, 2]),
    }


def make_corpus(seed: int, n_docs: int, n_queries: int, n_topics: int = 30):
    """Synthetic topical collection: (docs, queries, qrels). Query ids are the same for every seed."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(n_topics * 12 + 400)]
    topic_words = [vocab[t * 12 : (t + 1) * 12] for t in range(n_topics)]
    background = vocab[n_topics * 12 :]
    docs, topic_of = {}, {}
    for d in range(n_docs):
        topic = d % n_topics
        n_topic = int(rng.integers(2, 8))
        # A few long background-heavy documents per topic: raw term frequency overrates them, BM25 does not.
        n_back = int(rng.integers(60, 200)) if d % 3 == 0 else int(rng.integers(5, 25))
        words = list(rng.choice(topic_words[topic], n_topic)) + list(rng.choice(background, n_back))
        # Shared "stop words" appear in many documents and in the queries.
        words += list(rng.choice(background[:20], int(rng.integers(3, 30))))
        docs[f"d{d}"] = words
        topic_of[f"d{d}"] = topic
    queries, qrels = {}, {}
    for q in range(n_queries):
        topic = q % n_topics
        qrng = np.random.default_rng(1000 + q)  # the query text is fixed across seeds: paired units
        queries[f"q{q}"] = list(qrng.choice(topic_words[topic], 3)) + list(qrng.choice(background[:20], 3))
        qrels[f"q{q}"] = {d: 1 for d, t in topic_of.items() if t == topic}
    return docs, queries, qrels


# Ranker parameters: BM25 (k1, b); "bm25_flat" drops length normalisation, a small real difference.
RANKERS = {"bm25": (0.9, 0.4), "bm25_flat": (0.9, 0.0)}


def rank(docs: dict[str, list[str]], queries: dict[str, list[str]], method: str, rng: np.random.Generator):
    """A run {qid: {docid: score}}; term weights computed once as a docs × vocabulary matrix."""
    ids = list(docs)
    if method == "random":
        return {q: dict(zip(ids, rng.random(len(ids)).tolist(), strict=True)) for q in queries}
    vocab = {w: i for i, w in enumerate(sorted({w for words in docs.values() for w in words}))}
    tf = np.zeros((len(ids), len(vocab)))
    for row, d in enumerate(ids):
        for w, c in Counter(docs[d]).items():
            tf[row, vocab[w]] = c
    if method == "tf":
        weights = tf
    else:
        k1, b = RANKERS[method]
        df = (tf > 0).sum(axis=0)
        idf = np.log(1 + (len(ids) - df + 0.5) / (df + 0.5))
        lengths = tf.sum(axis=1, keepdims=True)
        weights = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths / lengths.mean()))
    run = {}
    for q, words in queries.items():
        cols = [vocab[w] for w in words if w in vocab]
        run[q] = dict(zip(ids, weights[:, cols].sum(axis=1).tolist(), strict=True))
    return run


def evaluate(run: dict, qrels: dict, metrics: tuple[str, ...]) -> dict[str, dict[str, float]]:
    import ir_measures

    measures = [ir_measures.parse_measure(m) for m in metrics]
    per: dict[str, dict[str, float]] = {m: {q: 0.0 for q in qrels} for m in metrics}
    for row in ir_measures.iter_calc(measures, qrels, run):
        per[str(row.measure)][row.query_id] = float(row.value)
    return per


CONDITIONS = ("bm25", "bm25_flat", "tf", "random")


@define_experiment(
    EXPERIMENT,
    paper="engine-test",
    conditions=CONDITIONS,
    metrics=METRICS,
    params=("conditions",),
    scales=_scales(
        {"n_docs": 60, "n_queries": 8},
        {"n_docs": 300, "n_queries": 60},
        {"n_docs": 450, "n_queries": 90},
    ),
)
def lexical(ctx: RunContext) -> ExperimentOutput:
    """BM25 (with and without length normalisation) vs term frequency vs random ranking on a synthetic corpus."""
    conditions = ctx.config.get("conditions", ["bm25", "bm25_flat", "tf", "random"])
    out = ExperimentOutput()
    ctx.step("ranking", total=len(ctx.seeds) * len(conditions))
    for seed in ctx.seeds:
        docs, queries, qrels = make_corpus(seed, ctx.config["n_docs"], ctx.config["n_queries"])
        for cond in conditions:
            rng = np.random.default_rng(seed)
            run = rank(docs, queries, cond, rng)
            for metric, per_q in evaluate(run, qrels, METRICS).items():
                value = float(np.mean(list(per_q.values())))
                out.measurements.append(
                    Measurement(condition=cond, dataset="synthetic", metric=metric, seed=seed, value=value,
                                per_query=per_q)
                )  # fmt: skip
            ctx.advance()
    out.fingerprints["synthetic-corpus"] = f"generated:n_docs={ctx.config['n_docs']}"
    out.validity = ranker_check(out.measurements)
    return out


def ranker_check(measurements: list[Measurement]) -> list[ValidityCheck]:
    """The run's own validity check: BM25 ranks better than random on every seed, or nothing here ranks."""
    by = {(m.condition, m.seed): m.value for m in measurements if m.metric == "nDCG@10"}
    seeds = sorted({s for c, s in by if c == "bm25"} & {s for c, s in by if c == "random"})
    if not seeds:
        return []
    gaps = [by[("bm25", s)] - by[("random", s)] for s in seeds]
    return [
        ValidityCheck(
            name="bm25-beats-random",
            passed=min(gaps) > 0.05,
            detail=f"BM25 − random nDCG@10 per seed {', '.join(f'{g:+.3f}' for g in gaps)} (each must exceed 0.05)",
        )
    ]


@define_experiment(
    SLOW,
    paper="engine-test",
    scales=_scales({"seconds": 30.0}, {"seconds": 30.0}, {"seconds": 30.0}),
)
def slow(ctx: RunContext) -> ExperimentOutput:
    """Sleeps in small steps (long enough to be killed mid-way), then measures a constant."""
    steps = int(ctx.config["seconds"] * 10)
    ctx.step("sleeping", total=steps)
    for _ in range(steps):
        time.sleep(0.1)
        ctx.advance()
    return ExperimentOutput(measurements=[Measurement(dataset="synthetic", metric="nDCG@10", value=0.5)])


@define_experiment(
    NEEDS_DATA,
    paper="engine-test",
    conditions=CONDITIONS,
    metrics=METRICS,
    scales=_scales(
        {"n_docs": 30, "n_queries": 4},
        {"n_docs": 30, "n_queries": 4},
        {"n_docs": 30, "n_queries": 4},
        full_req=Requirements(minutes=600, datasets=["no-such-collection"], gpus=0),
    ),
)
def needs_data(ctx: RunContext) -> ExperimentOutput:
    """Like `lexical` but its full scale needs a dataset that is never present."""
    return lexical.fn(ctx)


def experiments(*extra: Experiment) -> ExperimentRegistry:
    """The test experiments a claim links to (`slow` only where a test wants a run to kill), and `extra`."""
    return ExperimentRegistry([lexical, needs_data, *extra])


# entry point name → object, as a plugin package would declare them (plugin_support.install_entry_points)
ENTRY_POINTS = {
    EXPERIMENT: "engine_fixtures:lexical",
    NEEDS_DATA: "engine_fixtures:needs_data",
    SLOW: "engine_fixtures:slow",
}


# --------------------------------------------------------------------------------------------------- claims


# The "source's" figures the claims below are held to (what a paper's table would give), for the power check.
BM25_OVER_TF = PaperFigures(condition={"synthetic": 0.75}, baseline={"synthetic": 0.1}, source="fixture design")
RANDOM_OVER_BM25 = PaperFigures(condition={"synthetic": 0.8}, baseline={"synthetic": 0.7}, source="fixture design")


def value_claim(claim_id: str, value: float, decimals: int, scale: str = "full", **target) -> Claim:
    return Claim(
        id=claim_id,
        text=f"BM25 reaches nDCG@10 of {value:.{decimals}f} on the synthetic collection",
        kind="numeric",
        quantity=Quantity(value=value, decimals=decimals, metric="nDCG@10", dataset="synthetic", subject="BM25"),
        replication=Replication(
            experiment=EXPERIMENT,
            scale=scale,
            value=ValueTarget(condition="bm25", metric="nDCG@10", dataset="synthetic"),
            proxy_effect=EffectTarget(
                condition="bm25", baseline="tf", metric="nDCG@10", datasets=["synthetic"], paper=BM25_OVER_TF
            ),
            **target,
        ),
    )


def registry() -> ClaimRegistry:
    """Claims of every kind against the test experiments (claimed values are rounded, not measured here)."""
    return ClaimRegistry(
        claims=[
            value_claim("bm25-ndcg", 0.5, 1),
            Claim(
                id="bm25-beats-tf",
                text="BM25 improves MAP by 500% over term-frequency ranking",
                kind="effect",
                quantity=Quantity(kind="relative-change", value=500.0, unit="percent", decimals=0, metric="AP"),
                replication=Replication(
                    experiment=EXPERIMENT,
                    effect=EffectTarget(
                        condition="bm25", baseline="tf", metric="AP", datasets=["synthetic"], relative=True
                    ),
                ),
            ),
            Claim(
                id="random-beats-bm25",
                text="Random ranking beats BM25",
                kind="effect",
                replication=Replication(
                    experiment=EXPERIMENT,
                    effect=EffectTarget(
                        condition="random",
                        baseline="bm25",
                        metric="nDCG@10",
                        datasets=["synthetic"],
                        paper=RANDOM_OVER_BM25,
                    ),
                ),
            ),
            Claim(
                id="needs-data",
                text="A claim only checkable on an absent collection",
                kind="numeric",
                quantity=Quantity(value=0.4, decimals=1, metric="nDCG@10"),
                replication=Replication(
                    experiment=NEEDS_DATA,
                    value=ValueTarget(condition="bm25", metric="nDCG@10", dataset="synthetic"),
                ),
            ),
            Claim(id="background", text="mMARCO is built by translating MS MARCO"),
        ]
    )
