"""`gcl.gcl_multimodal`: continued training with GCL vs CL from one CL-pretrained model, scored on every
M-BEIR task (hit@k per query over local pools).

One code path for every scale:
1. the model loads through `load_dual_encoder` from a hub id or a local directory (smoke/proxy: a tiny random
   CLIP written into the work directory first, one per seed);
2. training pairs load from an LCS-558K-style JSON (smoke/proxy: written from the synthetic world, per seed);
3. the evaluation tasks load from M-BEIR's file layout (smoke/proxy: the world's tasks written there once,
   shared by all seeds so per-query scores pair across seeds);
4. `pretrain_steps` of CL give the "pretrained" model (0 at full scale: the hub checkpoint is the pretrained
   model); from it, `steps` of CL and, separately, the same steps on the same batches of GCL.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement

CONDITIONS = ("pretrained", "cl", "gcl")


def _tasks(ctx: RunContext, cfg: dict[str, Any]) -> tuple[Path, dict[str, str]]:
    """The M-BEIR directory and {measurement dataset name: M-BEIR dataset-task name}."""
    from replications.gcl.mbeir import MBEIR_TEST_SETS, write_world_task
    from replications.gcl.world import WorldConfig, build_tasks, task_dataset_name

    if cfg.get("mbeir_dir") or not cfg.get("synthetic", True):
        root = Path(cfg.get("mbeir_dir") or (ctx.data_dir or Path(".")) / "M-BEIR")
        names = cfg.get("mbeir_sets") or [n for sets in MBEIR_TEST_SETS.values() for n in sets]
        return root, {n: n for n in names}
    root = ctx.work_dir / "mbeir"
    world = WorldConfig(seed=cfg["world_seed"], **cfg["world"])
    ctx.step("writing the synthetic world in M-BEIR's layout")
    tasks = build_tasks(world)
    return root, {task_dataset_name(t.task_id): write_world_task(root, t) for t in tasks}


def _pairs_json(ctx: RunContext, cfg: dict[str, Any], seed: int) -> Path:
    from replications.gcl.pairs import write_lcs_pairs
    from replications.gcl.world import World, WorldConfig

    if cfg.get("pairs_json"):
        return Path(cfg["pairs_json"])
    if not cfg.get("synthetic", True):
        return (ctx.data_dir or Path(".")) / "LCS-558K" / "blip_laion_cc_sbu_558k.json"
    # training pairs come from their own generator stream, disjoint from the evaluation world's
    world = World(WorldConfig(seed=10_000 + seed, **cfg["world"]))
    return write_lcs_pairs(ctx.work_dir / f"pairs_seed{seed}", list(world.pairs(cfg["n_pairs"])))


def _model_path(ctx: RunContext, cfg: dict[str, Any], seed: int) -> str:
    from replications.gcl.model import TinyClipSpec, weight_files, write_tiny_checkpoint
    from replications.gcl.world import vocabulary

    path = cfg.get("model") or str(
        write_tiny_checkpoint(ctx.work_dir / f"tiny_clip_seed{seed}", vocabulary(), TinyClipSpec(**cfg["tiny"]), seed)
    )
    for f in weight_files(path):
        ctx.fingerprint(f"weights:{Path(path).name}/{f.name}", f)
    return path


def _k_values(cfg: dict[str, Any], name: str) -> list[int]:
    from replications.gcl.mbeir import K_AT_10

    ks = list(cfg["ks"])
    if any(name.startswith(prefix) for prefix in K_AT_10) and 10 not in ks:
        ks.append(10)  # UniIR's metric for Fashion200K and FashionIQ
    return ks


def _family_means(measurements: list[Measurement], names: dict[str, str]) -> dict[str, dict[str, float]]:
    """Mean Success@5 per condition over the fused-modality and the single-modality tasks (descriptive: the
    "degraded retrieval of fused keys" of a CL model shows as fused < single in `pretrained`)."""
    import re

    from replications.gcl.world import FUSED_TASKS

    def family(dataset: str) -> str:
        found = re.search(r"task(\d+)", names.get(dataset, dataset))
        return "fused" if found and int(found.group(1)) in FUSED_TASKS else "single"

    sums: dict[str, dict[str, list[float]]] = {}
    for m in measurements:
        if m.metric == "Success@5":
            sums.setdefault(m.condition, {}).setdefault(family(m.dataset), []).append(m.value)
    return {c: {f: sum(v) / len(v) for f, v in fams.items()} for c, fams in sums.items()}


def run(ctx: RunContext) -> ExperimentOutput:
    import torch

    from replications.gcl.mbeir import evaluate_task, load_task
    from replications.gcl.model import load_dual_encoder
    from replications.gcl.pairs import load_lcs_pairs, read_image
    from replications.gcl.train import LazyPairs, PairSource, prepare_pairs, train

    cfg = ctx.config
    torch.set_num_threads(int(cfg.get("threads", 2)))
    root, names = _tasks(ctx, cfg)
    tasks = {dataset: load_task(root, name) for dataset, name in names.items()}
    for task in tasks.values():
        task.cache_images = bool(cfg.get("synthetic", True))  # released M-BEIR images do not fit in memory
    for name in names.values():
        ctx.fingerprint(f"qrels:{name}", root / "qrels" / "test" / f"mbeir_{name}_test_qrels.txt")

    measurements: list[Measurement] = []
    losses: dict[str, dict[str, list[float]]] = {}
    timings: dict[str, float] = {}

    def evaluate(encoder: Any, condition: str, seed: int) -> None:
        start = time.perf_counter()
        for dataset, task in tasks.items():
            for k, per_query in evaluate_task(encoder, task, _k_values(cfg, names[dataset])).items():
                value = sum(per_query.values()) / max(1, len(per_query))
                measurements.append(
                    Measurement(
                        condition=condition,
                        dataset=dataset,
                        metric=f"Success@{k}",
                        seed=seed,
                        value=value,
                        per_query=per_query,
                    )
                )
            ctx.advance()
        timings[f"eval_{condition}_seed{seed}"] = time.perf_counter() - start

    for seed in ctx.seeds:
        torch.manual_seed(seed)
        encoder = load_dual_encoder(_model_path(ctx, cfg, seed), fusion=cfg["fusion"], device=cfg["device"])
        pairs_json = _pairs_json(ctx, cfg, seed)
        ctx.fingerprint(f"pairs:{pairs_json.name}:seed{seed}", pairs_json)
        pairs = load_lcs_pairs(pairs_json, cfg.get("pairs_image_dir"), limit=cfg.get("n_pairs"))
        data: PairSource
        if cfg["preload_pairs"]:
            ctx.step(f"seed {seed}: preprocessing {len(pairs)} image–caption pairs")
            data = prepare_pairs(encoder, [read_image(p) for p, _ in pairs], [c for _, c in pairs])
        else:
            data = LazyPairs(encoder, [p for p, _ in pairs], [c for _, c in pairs])
        options = {"batch_size": cfg["batch_size"], "weight_decay": cfg["weight_decay"], "warmup": cfg["warmup"]}
        seed_losses: dict[str, list[float]] = {}
        if cfg["pretrain_steps"] > 0:
            ctx.step(f"seed {seed}: CL pretraining", total=cfg["pretrain_steps"])
            start = time.perf_counter()
            seed_losses["pretrain"] = train(
                encoder, data, loss="cl", steps=cfg["pretrain_steps"], lr=cfg["pretrain_lr"], seed=seed,
                on_step=lambda *_: ctx.advance(), **options,
            )  # fmt: skip
            timings[f"pretrain_seed{seed}"] = time.perf_counter() - start
        ctx.step(f"seed {seed}: evaluating pretrained", total=len(tasks))
        evaluate(encoder, "pretrained", seed)
        pretrained = copy.deepcopy(encoder.model.state_dict())
        for loss in ("cl", "gcl"):
            encoder.model.load_state_dict(pretrained)
            ctx.step(f"seed {seed}: continued training with {loss.upper()}", total=cfg["steps"])
            start = time.perf_counter()
            seed_losses[loss] = train(
                encoder, data, loss=loss, steps=cfg["steps"], lr=cfg["lr"], seed=1_000 + seed,  # same batches
                mask_same_sample=cfg["mask_same_sample"], on_step=lambda *_: ctx.advance(), **options,
            )  # fmt: skip
            timings[f"train_{loss}_seed{seed}"] = time.perf_counter() - start
            ctx.step(f"seed {seed}: evaluating {loss.upper()}", total=len(tasks))
            evaluate(encoder, loss, seed)
        losses[str(seed)] = {name: values[-10:] for name, values in seed_losses.items()}

    family_means = _family_means(measurements, names)
    notes = [
        "Success@k is UniIR's Recall@k (hit@k: 1 if any relevant candidate is in the top k).",
        "fused-modality tasks: 2, 6, 7, 8; single-modality tasks: 0, 1, 3, 4 (M-BEIR numbering).",
    ]
    if cfg.get("synthetic", True) and not cfg.get("mbeir_dir"):
        notes.append("evaluated on the synthetic image–caption world (replications/gcl/world.py), not on M-BEIR.")
    return ExperimentOutput(
        measurements=measurements,
        fingerprints=dict(ctx.fingerprints),
        notes=notes,
        extra={"final_losses": losses, "seconds": timings, "datasets": names, "family_means": family_means},
    )
