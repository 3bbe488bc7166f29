"""The COCO-DR ablation: full (COCO + iDRO), without iDRO (COCO + ERM), without COCO (iDRO only), untrained.

The official order of stages, per seed:

    COCO pretraining on the target corpora  ->  BM25-negative warm-up  ->  ANCE episodes (model-mined negatives)
                                                                            with iDRO (full) or ERM (without iDRO)
    the start model (no COCO)               ->  BM25-negative warm-up  ->  ANCE episodes with iDRO (without COCO)

Every model is evaluated zero-shot on every target (exact search, nDCG@10 per query), one target loaded at a time.
The untrained model does not depend on the seed: it is evaluated once and reported under every seed, so paired
comparisons line up by seed. The run also measures what its validity checks need (`validity.py`): the start
model on held-out source queries, COCO's held-out loss and embedding movement, each fine-tuning's held-out
scores and iDRO's weight spread.
"""

from __future__ import annotations

import copy
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement

if TYPE_CHECKING:
    from claimcheck.retrieval.data import Dataset
    from claimcheck.retrieval.encoders import EncodingProtocol
    from replications.coco_dr.trainset import TrainSet

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


def load_target(name: str, ctx: RunContext) -> Dataset:
    """One evaluation target, cut to the scale's budget (the same cut for every model)."""
    cfg = ctx.config
    if name.startswith("synthetic"):
        from replications.coco_dr.smoke import smoke_targets

        return smoke_targets()[name]
    caps = (cfg.get("eval_caps") or {}).get(name, {})
    return subsample(
        _load(name, "test", ctx),
        caps.get("max_queries", cfg["eval_max_queries"]),
        caps.get("max_docs", cfg["eval_max_docs"]),
        cfg.get("eval_max_rel_per_query") or 3,
    )


def load_train_set(ctx: RunContext, tokenizer: Any, protocol: EncodingProtocol) -> TrainSet:
    """The fine-tuning source as a TrainSet: streamed at full scale, loaded and cut at the others."""
    from claimcheck.home import subdir
    from claimcheck.retrieval.data import find_dataset
    from replications.coco_dr.shards import shard_key
    from replications.coco_dr.trainset import from_beir_stream, from_dataset

    cfg = ctx.config
    key = shard_key(source=cfg["source"], split=cfg["source_split"], tokenizer=tokenizer.name_or_path,
                    protocol=protocol.model_dump(), caps=(cfg["train_max_queries"], cfg["train_max_docs"]))  # fmt: skip
    if cfg["source"] == "synthetic":
        from replications.coco_dr.smoke import smoke_source

        return from_dataset(smoke_source(), protocol, tokenizer, ctx.work_dir / "passages" / key)
    if cfg.get("stream_source"):
        folder = find_dataset(cfg["source"], ctx.data_dir, cfg["source_split"])
        if folder is None:
            _load(cfg["source"], cfg["source_split"], ctx)  # raises DatasetMissing with where it looked
        out = subdir("cache") / "passages" / key
        return rank_zero_first(lambda: from_beir_stream(folder, cfg["source_split"], protocol, tokenizer, out))
    ds = subsample(
        _load(cfg["source"], cfg["source_split"], ctx), cfg["train_max_queries"], cfg["train_max_docs"], 1_000
    )
    if ds.parts:  # negatives are mined from the whole training corpus, which would mix the forums
        raise ValueError(f"fine-tuning source {cfg['source']!r} is a composite of {len(ds.parts)} parts; name one")
    return from_dataset(ds, protocol, tokenizer, ctx.work_dir / "passages" / key)


def rank_zero_first(build):
    """Rank 0 builds (and writes) first; the other ranks then find its files and only open them."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return build()
    if dist.get_rank() != 0:
        dist.barrier()
    result = build()
    if dist.get_rank() == 0:
        dist.barrier()
    return result


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
        layers = ctx.config.get("init_layers")
        return truncated_copy(path, layers, ctx.work_dir / f"minilm-l{layers}") if layers else path
    return name


def truncated_copy(source: Path, layers: int, out: Path) -> Path:
    """A derivative keeping the first `layers` transformer layers (embeddings and tokenizer unchanged)."""
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(source), local_files_only=True)
    if layers > model.config.num_hidden_layers:
        raise ValueError(f"{source} has {model.config.num_hidden_layers} layers, fewer than {layers}")
    model.encoder.layer = model.encoder.layer[:layers]
    model.config.num_hidden_layers = layers
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(str(source), local_files_only=True).save_pretrained(out)
    return out


def protocol_for(ctx: RunContext, key: str, dataset: str | None = None) -> EncodingProtocol:
    from claimcheck.retrieval.encoders import get_protocol

    proto = get_protocol(ctx.config["protocol"], dataset)
    return proto.updated(ctx.config.get(key) or {}, key)


def evaluate_model(model: Any, tokenizer: Any, ctx: RunContext, ds: Dataset) -> dict[str, float]:
    """Per-query nDCG@10 of one model on one target with exact search under the evaluation protocol."""
    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.evaluation import retrieve_and_evaluate
    from replications.coco_dr.model import encoder_of

    enc = Encoder(encoder_of(model), protocol_for(ctx, "eval_protocol", ds.name), tokenizer=tokenizer)
    return retrieve_and_evaluate(enc, ds, [METRIC], k=ctx.config["search_k"])[METRIC]


def embedding_cosine(before: Any, after: Any, tokenizer: Any, ctx: RunContext, texts: list[str]) -> float:
    """Mean cosine between each text's embedding under two models (eval protocol): how far COCO moved them."""
    import torch

    from claimcheck.retrieval.encoders import Encoder
    from replications.coco_dr.model import encoder_of

    proto = protocol_for(ctx, "eval_protocol")
    a, b = (Encoder(encoder_of(m), proto, tokenizer=tokenizer).encode_texts(texts, proto.doc_max_length)
            for m in (before, after))  # fmt: skip
    return float(torch.nn.functional.cosine_similarity(a, b, dim=-1).mean())


# --------------------------------------------------------------------------------------------------- experiment


class _Clock:
    """Wall and process CPU seconds per phase. On a shared machine the wall time is inflated by other jobs; the CPU
    time is not (much), so CPU / threads estimates the phase's wall time on an idle machine."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def __call__(self, key: str, fn, *args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - start
        self.cpu[key] = self.cpu.get(key, 0.0) + time.process_time() - cpu
        # one line per phase on stderr: a multi-minute CPU run should say where it is even without a live bar
        print(f"[coco_dr] {key} done at {time.perf_counter() - self.started:.0f} s", file=sys.stderr, flush=True)
        return result


def run_ablation(ctx: RunContext) -> ExperimentOutput:
    import torch

    from claimcheck.retrieval.distributed import init_from_env
    from replications.coco_dr import validity
    from replications.coco_dr.coco import CocoConfig, coco_pretrain, heldout_contrastive_loss
    from replications.coco_dr.corpora import build_coco_data
    from replications.coco_dr.heldout import make_heldout, score_heldout
    from replications.coco_dr.model import encoder_of, load
    from replications.coco_dr.train import FinetuneConfig, finetune

    init_from_env()
    cfg = ctx.config
    conditions = [c for c in CONDITIONS if c in cfg.get("conditions", CONDITIONS)]
    ctx.step("loading data")
    init = initial_model(ctx)
    use_mlm = cfg["coco"].get("mlm_weight", 0) > 0
    base, tokenizer = load(init, mlm=use_mlm, dropout=cfg.get("dropout"))
    train_proto = protocol_for(ctx, "train_protocol")
    source, held = load_train_set(ctx, tokenizer, train_proto).split_heldout(cfg["heldout_queries"], seed=0)
    ho = make_heldout(held, cfg.get("heldout_depth", 20))
    coco_data = build_coco_data(ctx, tokenizer, cfg["coco"])
    probe = coco_data.heldout_texts[: cfg.get("cosine_docs", 256)]
    clock = _Clock()
    ft_scale = cfg["finetune"].get("score_scale", 1.0)
    start_ho = clock("heldout", score_heldout, base, tokenizer, train_proto, ho, ft_scale)
    coco_cfg = CocoConfig(**cfg["coco"])
    start_coco_loss = heldout_contrastive_loss(base, tokenizer, coco_data.heldout, coco_cfg)
    n_ft = sum(c in conditions for c in ("full", "without_idro", "without_coco"))
    warm = cfg.get("warmup")
    ft_steps = cfg["finetune"]["episodes"] * cfg["finetune"]["steps_per_episode"]
    total = len(ctx.seeds) * (coco_cfg.steps + n_ft * ft_steps + (2 * warm["steps_per_episode"] if warm else 0))
    ctx.step(f"COCO-DR ablation ({len(ctx.seeds)} seeds)", total=float(total))

    logs: dict[str, Any] = {}
    ft_runs: dict[str, dict[int, dict]] = {c: {} for c in ("full", "without_idro", "without_coco")}
    coco_runs: dict[int, dict[str, float]] = {}
    spreads: dict[str, dict[str, float]] = {}
    per_query: dict[tuple[str, int], dict[str, dict]] = {}
    for seed in ctx.seeds:
        torch.manual_seed(seed)
        models: dict[str, Any] = {}
        starts: dict[str, Any] = {"base": base}
        if "full" in conditions or "without_idro" in conditions:
            pretrained = copy.deepcopy(base)
            log = clock("coco", coco_pretrain, pretrained, tokenizer, coco_data.shards, coco_data.n_shards,
                        coco_cfg.model_copy(update={"seed": seed}), ctx.advance, checkpoint=init)  # fmt: skip
            coco_runs[seed] = {
                "heldout_loss": heldout_contrastive_loss(pretrained, tokenizer, coco_data.heldout, coco_cfg),
                "cosine": embedding_cosine(base, pretrained, tokenizer, ctx, probe),
            }
            logs[f"coco/seed{seed}"] = {"steps": log.steps, "first_loss": log.losses[:1], "last_loss": log.losses[-1:],
                                        **coco_runs[seed]}  # fmt: skip
            starts["coco"] = pretrained
        if warm:  # the BM25-negative warm-up, once per start model
            for key, model in list(starts.items()):
                warmed = copy.deepcopy(encoder_of(model))
                wcfg = FinetuneConfig(**{**warm, "objective": "erm", "negatives": "bm25", "seed": seed})
                wlog = clock("warmup", finetune, warmed, tokenizer, train_proto, source, wcfg, ctx.advance)
                logs[f"warmup-{key}/seed{seed}"] = {"first_loss": wlog.losses[:1], "last_loss": wlog.losses[-1:]}
                starts[key] = warmed
        plans = [("full", "coco", "idro"), ("without_idro", "coco", "erm"), ("without_coco", "base", "idro")]
        for condition, start_key, objective in plans:
            if condition not in conditions:
                continue
            torch.manual_seed(seed)
            model = copy.deepcopy(encoder_of(starts[start_key]))
            ft_cfg = FinetuneConfig(**{**cfg["finetune"], "objective": objective, "seed": seed})
            log = clock("finetune", finetune, model, tokenizer, train_proto, source, ft_cfg, ctx.advance)
            scored = clock("heldout", score_heldout, model, tokenizer, train_proto, ho, ft_scale)
            # the mean triplet loss, not the objective: iDRO's first step weighs every group 1 (h = ones)
            ft_runs[condition][seed] = {"losses": log.example_losses, "heldout": scored}
            if objective == "idro":
                spreads[f"{condition}/seed{seed}"] = validity.weight_spread(log.applied, log.signal)
            logs[f"{condition}/seed{seed}"] = {
                "first_loss": log.losses[:1], "last_loss": log.losses[-1:],
                "heldout_loss": scored["loss"], "heldout_ndcg10": scored["ndcg10"],
                **({"weights": spreads[f"{condition}/seed{seed}"]} if objective == "idro" else {}),
            }  # fmt: skip
            models[condition] = model
        if "untrained" in conditions and seed == ctx.seeds[0]:
            models["untrained"] = base
        targets_seen: dict[str, Dataset] = {}
        for name in cfg["targets"]:  # one target in memory at a time
            ds = load_target(name, ctx)
            for condition, model in models.items():
                scores = clock("evaluate", evaluate_model, model, tokenizer, ctx, ds)
                for s in ctx.seeds if condition == "untrained" else [seed]:
                    per_query.setdefault((condition, s), {})[name] = _measured(ds, scores)
            targets_seen[name] = _summary(ds)
        logs.setdefault("targets", targets_seen)
    measurements = [
        Measurement(condition=cond, dataset=name, metric=METRIC, seed=seed, **fields)
        for (cond, seed), by_target in per_query.items()
        for name, fields in by_target.items()
    ]
    checks = _checks(ctx, per_query, start_ho, ft_runs, coco_runs, start_coco_loss, spreads)
    notes = [
        f"targets: {', '.join(f'{n} ({s})' for n, s in logs['targets'].items())}",
        f"fine-tuning source: {source.name} ({len(source.queries)} queries, {len(source.passages)} passages); "
        f"{len(ho.data.queries)} held-out queries against a pool of {len(ho.pool)}",
        f"COCO corpora: {sum(s.n_docs for s in coco_data.shards)} documents on this rank after the span filter, "
        f"{len(coco_data.heldout_texts)} held out",
        "untrained is seed-independent: evaluated once, reported under every seed",
    ]
    return ExperimentOutput(
        measurements=measurements,
        fingerprints=dict(ctx.fingerprints),
        notes=notes,
        validity=checks,
        extra={
            "timings_s": {k: round(v, 1) for k, v in clock.timings.items()},
            "cpu_s": {k: round(v, 1) for k, v in clock.cpu.items()},
            "threads": torch.get_num_threads(),
            "training": logs,
            "start_heldout": {k: v for k, v in start_ho.items() if k != "per_query"},
            "noise": noise_figures(per_query),
            "precision": {"coco_bf16": coco_cfg.bf16, "finetune_bf16": bool(cfg["finetune"].get("bf16"))},
        },
    )


def _measured(ds: Dataset, scores: dict[str, float]) -> dict[str, Any]:
    from claimcheck.retrieval.evaluation import measurement_fields

    return measurement_fields(ds, scores)


def _summary(ds: Dataset) -> str:
    return f"{len(ds.queries)} queries, {len(ds.corpus)} docs"


def _checks(ctx, per_query, start_ho, ft_runs, coco_runs, start_coco_loss, spreads) -> list:
    from replications.coco_dr import validity

    cfg = ctx.config
    checks = []
    # The shift a zero-shot claim presumes is the source-trained retriever's: `without_coco` never saw target text.
    # (Without it, the start model's figures stand in.)
    shifted = "without_coco" if ft_runs.get("without_coco") else "untrained"
    by_seed = [per_query[(shifted, s)] for s in ctx.seeds if (shifted, s) in per_query]
    if by_seed:
        targets = {n: float(np.mean([b[n]["value"] for b in by_seed])) for n in by_seed[0]}
        source = (
            float(np.mean([r["heldout"]["ndcg10"] for r in ft_runs[shifted].values()]))
            if shifted != "untrained"
            else start_ho["ndcg10"]
        )
        checks.append(validity.distribution_shift(targets, source, shifted))
    checks += [validity.learned(c, runs, start_ho) for c, runs in ft_runs.items() if runs]
    if coco_runs:
        checks.append(validity.coco_changed(coco_runs, start_coco_loss))
    checks.append(validity.coco_on_targets(cfg))
    if spreads:
        checks.append(validity.idro_moved(spreads))
    checks.append(validity.no_placeholders(cfg))
    return checks


def noise_figures(per_query: dict[tuple[str, int], dict[str, dict]]) -> dict[str, Any]:
    """The noise a power calculation needs, per target: the SD over seeds of each condition's mean, and the SD
    over queries of the per-query differences full − baseline (pooled over seeds)."""
    out: dict[str, Any] = {}
    conds = sorted({c for c, _ in per_query})
    targets = sorted({t for by in per_query.values() for t in by})
    for t in targets:
        row: dict[str, Any] = {}
        for c in conds:
            means = [by[t]["value"] for (cc, _), by in per_query.items() if cc == c and t in by]
            row[f"seed_sd/{c}"] = float(np.std(means, ddof=1)) if len(means) > 1 else None
        for baseline in ("without_idro", "without_coco", "untrained"):
            diffs = []
            for (c, s), by in per_query.items():
                other = per_query.get((baseline, s), {}).get(t)
                if c == "full" and t in by and other:
                    diffs += [
                        v - other["per_query"][q] for q, v in by[t]["per_query"].items() if q in other["per_query"]
                    ]
            if diffs:
                row[f"query_sd/full-{baseline}"] = float(np.std(diffs, ddof=1))
                row[f"mean/full-{baseline}"] = float(np.mean(diffs))
        out[t] = row
    return out
