"""The COCO-DR ablation: full (COCO + iDRO), without iDRO (COCO + ERM), without COCO (iDRO only), untrained.

Per seed: COCO-pretrain the initial model on the target corpora once; fine-tune that model with iDRO (full) and
with ERM (without iDRO); fine-tune the initial model with iDRO (without COCO). Every model is evaluated
zero-shot on every target with exact search and nDCG@10 per query. The untrained model does not depend on the
seed: it is evaluated once and reported under every seed (so paired comparisons line up by seed).
"""

from __future__ import annotations

import copy
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement

if TYPE_CHECKING:
    from claimcheck.retrieval.data import Dataset
    from claimcheck.retrieval.encoders import EncodingProtocol

CONDITIONS = ("full", "without_idro", "without_coco", "untrained")
METRIC = "nDCG@10"


# --------------------------------------------------------------------------------------------------- data


def subsample(
    ds: Dataset, max_queries: int | None, max_docs: int | None, max_rel_per_query: int = 3, seed: int = 0
) -> Dataset:
    """A sub-collection for cheap evaluation, the same for every condition and seed (so per-query scores pair).

    Queries are taken in a seeded order; each brings up to `max_rel_per_query` of its relevant documents while
    they fit in 60% of `max_docs`; the rest of the budget is random other documents. Relevance judgments are
    restricted to the kept documents: collections like CISI (about 40 relevant documents per query) would
    otherwise leave room for only a handful of queries. Every condition is scored on the same sub-collection,
    so differences between conditions stay comparable; absolute values are not those of the full collection.
    A composite (CQADupStack) shares the budget out over its parts, each cut on its own.
    """
    from claimcheck.retrieval.data import Dataset, union

    if max_queries is None and max_docs is None:
        return ds
    if ds.parts:  # the budget is shared out over a composite's forums; each keeps its own corpus
        n = len(ds.parts)
        share = [None if b is None else -(-b // n) for b in (max_queries, max_docs)]
        return union(ds.name, [subsample(p, *share, max_rel_per_query, seed) for p in ds.parts])
    rng = random.Random(f"{ds.name}-{seed}")
    judged = sorted(q for q in ds.queries if any(r > 0 and d in ds.corpus for d, r in ds.qrels.get(q, {}).items()))
    rng.shuffle(judged)
    doc_budget = max_docs if max_docs is not None else len(ds.corpus)
    keep_q: list[str] = []
    keep_d: dict[str, None] = {}
    for q in judged:
        if max_queries is not None and len(keep_q) >= max_queries:
            break
        rel = sorted(d for d, r in ds.qrels[q].items() if r > 0 and d in ds.corpus)
        rng.shuffle(rel)
        new = [d for d in rel[:max_rel_per_query] if d not in keep_d]
        if len(keep_d) + len(new) > int(0.6 * doc_budget):
            continue
        keep_q.append(q)
        keep_d.update(dict.fromkeys(new))
    others = sorted(d for d in ds.corpus if d not in keep_d)
    rng.shuffle(others)
    keep_d.update(dict.fromkeys(others[: max(0, doc_budget - len(keep_d))]))
    corpus = {d: ds.corpus[d] for d in ds.corpus if d in keep_d}
    qrels = {q: {d: r for d, r in ds.qrels[q].items() if d in corpus} for q in keep_q}
    return Dataset(ds.name, corpus, {q: ds.queries[q] for q in keep_q}, qrels, files=list(ds.files))


def _load(name: str, split: str, ctx: RunContext) -> Dataset:
    from claimcheck.retrieval.data import load_dataset

    ds = load_dataset(name, split=split, data_dir=ctx.data_dir)
    for part, path in ds.files_by_part():
        ctx.fingerprint(f"{part}:{path.name}", path)
    return ds


def load_data(ctx: RunContext) -> tuple[Dataset, dict[str, Dataset], list[str]]:
    """(fine-tuning source, evaluation targets by name, texts of the COCO corpora)."""
    cfg = ctx.config
    if cfg["source"] == "synthetic":
        from replications.coco_dr.smoke import synthetic_dataset

        source = synthetic_dataset("source", [0, 1, 2, 3], 40, 40, seed=0)
        targets = {
            "synthetic-a": synthetic_dataset("synthetic-a", [4, 5], 30, 12, seed=1),
            "synthetic-b": synthetic_dataset("synthetic-b", [6, 7], 30, 12, seed=2),
        }
        coco = [d["text"] for t in targets.values() for d in t.corpus.values()]
        return source, targets, coco
    source = subsample(
        _load(cfg["source"], cfg["source_split"], ctx), cfg["train_max_queries"], cfg["train_max_docs"], 1_000
    )
    if source.parts:  # negatives are mined from the whole training corpus, which would mix the forums
        raise ValueError(f"fine-tuning source {cfg['source']!r} is a composite of {len(source.parts)} parts; name one")
    full_targets = {name: _load(name, "test", ctx) for name in cfg["targets"]}
    rel_cap = cfg.get("eval_max_rel_per_query", 3)
    targets = {
        n: subsample(ds, cfg["eval_max_queries"], cfg["eval_max_docs"], rel_cap) for n, ds in full_targets.items()
    }
    # COCO reads whole target corpora (not the evaluation subsample): the method's premise is access to them.
    coco_sets = [full_targets.get(n) or _load(n, "test", ctx) for n in cfg["coco_corpora"]]
    coco = [(d["title"] + " " + d["text"]).strip() for ds in coco_sets for d in ds.corpus.values()]
    return source, targets, coco


# --------------------------------------------------------------------------------------------------- models


def initial_model(ctx: RunContext) -> Path | str:
    from claimcheck.retrieval.encoders import minilm_path

    name = ctx.config["init_model"]
    if name == "tiny-random-bert":
        from replications.coco_dr.smoke import build_tiny_bert

        return build_tiny_bert(ctx.work_dir / "tiny-bert")
    if name == "minilm":
        path = minilm_path()
        ctx.fingerprint("all-MiniLM-L6-v2:model.safetensors", path / "model.safetensors")
        return path
    return name


def protocol_for(ctx: RunContext, key: str, dataset: str | None = None) -> EncodingProtocol:
    from claimcheck.retrieval.encoders import get_protocol

    proto = get_protocol(ctx.config["protocol"], dataset)
    return proto.updated(ctx.config.get(key) or {}, key)


def evaluate_model(model: Any, tokenizer: Any, ctx: RunContext, targets: dict[str, Dataset]) -> dict[str, dict]:
    """{target: per-query nDCG@10} with exact search under the evaluation protocol."""
    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.evaluation import retrieve_and_evaluate
    from replications.coco_dr.model import encoder_of

    out = {}
    for name, ds in targets.items():
        enc = Encoder(encoder_of(model), protocol_for(ctx, "eval_protocol", name), tokenizer=tokenizer)
        out[name] = retrieve_and_evaluate(enc, ds, [METRIC], k=ctx.config["search_k"])[METRIC]
    return out


# --------------------------------------------------------------------------------------------------- experiment


def run_ablation(ctx: RunContext) -> ExperimentOutput:
    import torch

    from claimcheck.retrieval.distributed import init_from_env
    from claimcheck.retrieval.evaluation import measurement_fields
    from replications.coco_dr.coco import CocoConfig, build_spans, coco_pretrain
    from replications.coco_dr.model import encoder_of, load
    from replications.coco_dr.train import FinetuneConfig, finetune

    init_from_env()
    cfg = ctx.config
    conditions = [c for c in CONDITIONS if c in cfg.get("conditions", CONDITIONS)]
    torch.set_num_threads(max(1, torch.get_num_threads()))
    ctx.step("loading data")
    source, targets, coco_texts = load_data(ctx)
    init = initial_model(ctx)
    use_mlm = cfg["coco"].get("mlm_weight", 0) > 0
    base, tokenizer = load(init, mlm=use_mlm, dropout=cfg.get("dropout"))
    train_proto = protocol_for(ctx, "train_protocol")
    spans = build_spans(coco_texts, tokenizer, cfg["coco"].get("span_tokens", 30))
    timings: dict[str, float] = {}
    logs: dict[str, Any] = {}
    per_query: dict[tuple[str, int], dict[str, dict]] = {}
    n_ft = sum(c in conditions for c in ("full", "without_idro", "without_coco"))
    ft_steps = cfg["finetune"]["episodes"] * cfg["finetune"]["steps_per_episode"]
    total = len(ctx.seeds) * (cfg["coco"]["steps"] + n_ft * ft_steps)
    ctx.step(f"COCO-DR ablation ({len(ctx.seeds)} seeds)", total=float(total))

    started = time.perf_counter()

    def timed(key: str, fn, *args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
        # one line per phase on stderr: a multi-minute CPU run should say where it is even without a live bar
        print(f"[coco_dr] {key} done at {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        return result

    if "untrained" in conditions:
        untrained = timed("evaluate", evaluate_model, base, tokenizer, ctx, targets)
        for seed in ctx.seeds:
            per_query[("untrained", seed)] = untrained
    for seed in ctx.seeds:
        torch.manual_seed(seed)
        pretrained = None
        if "full" in conditions or "without_idro" in conditions:
            pretrained = copy.deepcopy(base)
            coco_cfg = CocoConfig(**{**cfg["coco"], "seed": seed})
            log = timed("coco", coco_pretrain, pretrained, tokenizer, spans, coco_cfg, ctx.advance)
            logs[f"coco/seed{seed}"] = {"first_loss": log.losses[:1], "last_loss": log.losses[-1:]}
        plans = [
            ("full", pretrained, "idro"),
            ("without_idro", pretrained, "erm"),
            ("without_coco", base, "idro"),
        ]
        for condition, start_model, objective in plans:
            if condition not in conditions:
                continue
            torch.manual_seed(seed)
            model = copy.deepcopy(encoder_of(start_model))
            ft_cfg = FinetuneConfig(**{**cfg["finetune"], "objective": objective, "seed": seed})
            log = timed("finetune", finetune, model, tokenizer, train_proto, source, ft_cfg, ctx.advance)
            logs[f"{condition}/seed{seed}"] = {
                "first_loss": log.losses[:1],
                "last_loss": log.losses[-1:],
                "final_weights_max": max(log.weights[-1]) if log.weights else None,
            }
            per_query[(condition, seed)] = timed("evaluate", evaluate_model, model, tokenizer, ctx, targets)
    measurements = [
        Measurement(
            condition=cond,
            dataset=name,
            metric=METRIC,
            seed=seed,
            **measurement_fields(targets[name], scores),
        )
        for (cond, seed), by_target in per_query.items()
        for name, scores in by_target.items()
    ]
    notes = [
        f"targets: {', '.join(f'{n} ({len(d.queries)} queries, {len(d.corpus)} docs)' for n, d in targets.items())}",
        f"fine-tuning source: {source.name} ({len(source.queries)} queries, {len(source.corpus)} docs)",
        f"COCO corpora: {len(spans)} documents",
        "untrained is seed-independent: evaluated once, reported under every seed",
    ]
    return ExperimentOutput(
        measurements=measurements,
        fingerprints=dict(ctx.fingerprints),
        notes=notes,
        extra={"timings_s": {k: round(v, 1) for k, v in timings.items()}, "training": logs},
    )
