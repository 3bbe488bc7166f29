"""`gcl.gcl_multimodal`: continued training with GCL, CL and the cl_fused ablation from one CL-pretrained model,
scored on every M-BEIR task against local pools and the global pool.

One code path for every scale:
1. the model loads through `load_dual_encoder` from a hub id or a local directory (smoke/proxy: a tiny random
   CLIP written into the work directory first, one per seed);
2. training pairs load from an LCS-558K-style JSON (smoke/proxy: written from the synthetic world, per seed); the
   last `heldout_pairs` of them are held out for the validity checks;
3. the evaluation sets load from M-BEIR's file layout (smoke/proxy: the world's tasks written there once, shared
   by all seeds so per-query scores pair across seeds and conditions);
4. `pretrain_steps` of CL give the "pretrained" model (0 at full scale: the hub checkpoint is the pretrained
   model, the same for every seed, so it is evaluated once); from it, `steps` of each objective in `losses` on
   the same batches.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement

CONDITIONS = ("pretrained", "cl", "gcl", "cl_fused")


def _sets(ctx: RunContext, cfg: dict[str, Any]) -> tuple[Path, list[Any], dict[str, str]]:
    """The M-BEIR directory, its sets, and {set name: measurement dataset name}."""
    from replications.gcl.mbeir import mbeir_sets, write_world_task
    from replications.gcl.world import WorldConfig, build_tasks

    if cfg.get("mbeir_dir") or not cfg.get("synthetic", True):
        root = Path(cfg.get("mbeir_dir") or (ctx.data_dir or Path(".")) / "M-BEIR")
        sets = mbeir_sets(cfg.get("mbeir_sets"))
        return root, sets, {s.name: s.name for s in sets}
    root = ctx.work_dir / "mbeir"
    ctx.step("writing the synthetic world in M-BEIR's layout")
    tasks = build_tasks(WorldConfig(seed=cfg["world_seed"], **cfg["world"]))
    sets = [write_world_task(root, t) for t in tasks]
    return root, sets, {s.name: t.name for s, t in zip(sets, tasks, strict=True)}


def _pairs(ctx: RunContext, cfg: dict[str, Any], seed: int) -> tuple[Path, list[tuple[Path, str]]]:
    from replications.gcl.pairs import load_lcs_pairs, write_lcs_pairs
    from replications.gcl.world import World, WorldConfig

    if cfg.get("pairs_json"):
        path = Path(cfg["pairs_json"])
    elif not cfg.get("synthetic", True):
        path = (ctx.data_dir or Path(".")) / "LCS-558K" / "blip_laion_cc_sbu_558k.json"
    else:  # training pairs come from their own generator stream, disjoint from the evaluation world's
        world = World(WorldConfig(seed=10_000 + seed, **cfg["world"]))
        n = cfg["n_pairs"] + cfg["heldout_pairs"]
        path = write_lcs_pairs(ctx.work_dir / f"pairs_seed{seed}", list(world.pairs(n)))
    return path, load_lcs_pairs(path, cfg.get("pairs_image_dir"), limit=cfg.get("n_pairs_limit"))


def _model_path(ctx: RunContext, cfg: dict[str, Any], seed: int) -> str:
    from replications.gcl.model import TinyClipSpec, weight_files, write_tiny_checkpoint
    from replications.gcl.world import vocabulary

    path = cfg.get("model") or str(
        write_tiny_checkpoint(ctx.work_dir / f"tiny_clip_seed{seed}", vocabulary(), TinyClipSpec(**cfg["tiny"]), seed)
    )
    for f in weight_files(path):
        ctx.fingerprint(f"weights:{Path(path).name}/{f.name}", f)
    return path


def _family_means(measurements: list[Measurement], set_names: dict[str, str]) -> dict[str, dict[str, float]]:
    """Mean UniIR-Recall per condition over the fused-modality and the single-modality sets (local pools;
    descriptive: the "degraded retrieval of fused keys" of a CL model shows as fused < single in `pretrained`)."""
    from replications.gcl.mbeir import UNIIR_RECALL
    from replications.gcl.validity import task_id
    from replications.gcl.world import FUSED_TASKS

    family = {d: "fused" if task_id(n) in FUSED_TASKS else "single" for n, d in set_names.items()}
    sums: dict[str, dict[str, list[float]]] = {}
    for m in measurements:
        if m.metric == UNIIR_RECALL and m.dataset in family:
            sums.setdefault(m.condition, {}).setdefault(family[m.dataset], []).append(m.value)
    return {c: {f: sum(v) / len(v) for f, v in fams.items()} for c, fams in sums.items()}


def _check_config(cfg: dict[str, Any]) -> None:
    from replications.gcl.loss import LOSSES
    from replications.gcl.model import PRECISIONS

    unknown = [loss for loss in cfg["losses"] if loss not in LOSSES]
    if unknown:
        raise ValueError(f"config losses: unknown objective(s) {unknown}; known: {sorted(LOSSES)}")
    if cfg["precision"] not in PRECISIONS:
        raise ValueError(f"config precision: {cfg['precision']!r} is not one of {PRECISIONS}")
    if cfg["heldout_pairs"] < 2:
        raise ValueError("config heldout_pairs: the validity checks need at least 2 held-out pairs")


class _Run:
    """One run: the evaluation sets (loaded once), and what the seeds accumulate."""

    def __init__(self, ctx: RunContext) -> None:
        from replications.gcl.evaluate import EvalOptions
        from replications.gcl.mbeir import load_pool, load_queries, paths

        self.ctx, self.cfg = ctx, ctx.config
        self.measurements: list[Measurement] = []
        self.heldout_loss: dict[str, dict[int, Any]] = {}
        self.heldout_hits: dict[str, dict[int, Any]] = {}
        self.final_losses: dict[str, dict[str, list[float]]] = {}
        self.seconds: dict[str, float] = {}
        start = time.perf_counter()
        root, sets, self.names = _sets(ctx, self.cfg)
        self.qsets = [load_queries(root, s) for s in sets]
        self.pools = {s.pool: load_pool(root, s.pool) for s in sets}
        for s in sets:
            for kind, path in paths(root, s.name, pool=s.pool).items():
                ctx.fingerprint(f"{kind}:{path.name}", path)
        self.timed("load_mbeir", start)
        cfg = self.cfg
        self.cache_dir = Path(cfg.get("image_cache_dir") or ctx.work_dir / "crops") if cfg["image_cache"] else None
        self.options = EvalOptions(batch_size=cfg["eval_batch_size"], workers=cfg["workers"],
                                   precision=cfg["precision"], union=cfg["union"])  # fmt: skip
        self.hyper = {"lr": cfg["lr"], "weight_decay": cfg["weight_decay"], "warmup": cfg["warmup"],
                      "precision": cfg["precision"]}  # fmt: skip

    def timed(self, name: str, start: float) -> None:
        self.seconds[name] = round(time.perf_counter() - start, 3)

    def evaluation(self, encoder: Any) -> Any:
        from replications.gcl.evaluate import Evaluation
        from replications.gcl.images import CropStore

        images = [p for items in [*(q.queries for q in self.qsets), *self.pools.values()] for p in items.images if p]
        store = CropStore(images, encoder.preprocessor, self.cache_dir)
        return Evaluation(self.qsets, self.pools, self.names, self.cfg["ks"], store, self.options)

    def evaluate(self, evaluation: Any, encoder: Any, condition: str, seed: int) -> None:
        from replications.gcl.mbeir import UNIIR_RECALL

        start = time.perf_counter()
        self.ctx.step(f"seed {seed}: evaluating {condition}", total=len(evaluation.qsets))
        for scores in evaluation.scores(encoder):
            for k, per_query in scores.per_k.items():
                value = sum(per_query.values()) / max(1, len(per_query))
                names = [f"Success@{k}"] + ([UNIIR_RECALL] if k == scores.reported_k else [])
                self.measurements += [
                    Measurement(condition=condition, dataset=scores.dataset, metric=metric, seed=seed, value=value,
                                per_query=per_query)
                    for metric in names
                ]  # fmt: skip
            if "@" not in scores.dataset:
                self.ctx.advance()
        self.timed(f"eval_{condition}_seed{seed}", start)

    def pair_data(self, encoder: Any, seed: int) -> tuple[Any, int, list[Any]]:
        """(dataset over all pairs, number of training pairs, the held-out batches) for one seed."""
        from replications.gcl.images import Collate, CropStore, ItemDataset, Items, batches, sequential

        cfg = self.cfg
        pairs_json, pairs = _pairs(self.ctx, cfg, seed)
        self.ctx.fingerprint(f"pairs:{pairs_json.name}:seed{seed}", pairs_json)
        n_train = len(pairs) - cfg["heldout_pairs"]
        if n_train < 1:
            raise ValueError(f"{pairs_json}: {len(pairs)} pairs, but {cfg['heldout_pairs']} are to be held out")
        items = Items.pairs([p for p, _ in pairs], [c for _, c in pairs])
        data = ItemDataset(items, CropStore([p for p in items.images if p], encoder.preprocessor, self.cache_dir))
        order = [[n_train + r for r in b] for b in sequential(cfg["heldout_pairs"], cfg["batch_size"])]
        return data, n_train, list(batches(data, order, Collate(encoder.tokenizer, encoder.max_text_len)))

    def seed(self, seed: int) -> None:
        """Pretrain (proxy), evaluate the start, then train and evaluate each objective from it."""
        import torch

        from replications.gcl import heldout
        from replications.gcl.images import Collate, batches
        from replications.gcl.model import load_dual_encoder
        from replications.gcl.train import batch_order, train

        cfg, ctx = self.cfg, self.ctx
        torch.manual_seed(seed)
        encoder = load_dual_encoder(_model_path(ctx, cfg, seed), fusion=cfg["fusion"], device=cfg["device"])
        evaluation = self.evaluation(encoder)
        data, n_train, held = self.pair_data(encoder, seed)
        collate = Collate(encoder.tokenizer, encoder.max_text_len)

        def stream(steps: int, order_seed: int) -> Any:
            return batches(data, batch_order(n_train, steps, cfg["batch_size"], order_seed), collate, cfg["workers"])

        def held_loss(loss: str) -> list[float]:
            return heldout.losses(encoder, held, loss, mask_same_sample=cfg["mask_same_sample"],  # type: ignore[arg-type]
                                  precision=cfg["precision"])  # fmt: skip

        losses: dict[str, list[float]] = {}
        if cfg["pretrain_steps"] > 0:
            ctx.step(f"seed {seed}: CL pretraining", total=cfg["pretrain_steps"])
            start = time.perf_counter()
            hyper = {**self.hyper, "lr": cfg["pretrain_lr"]}
            steps = stream(cfg["pretrain_steps"], seed)
            losses["pretrain"] = train(encoder, steps, loss="cl", **hyper, on_step=lambda *_: ctx.advance())
            self.timed(f"pretrain_seed{seed}", start)
        if cfg["pretrain_steps"] > 0 or seed == ctx.seeds[0]:  # a hub start is the same model for every seed
            self.evaluate(evaluation, encoder, "pretrained", seed)
        start_loss = {loss: held_loss(loss) for loss in cfg["losses"]}
        start_hits = heldout.pair_hits(encoder, held, cfg["precision"])
        pretrained = copy.deepcopy(encoder.model.state_dict())
        for loss in cfg["losses"]:
            encoder.model.load_state_dict(pretrained)
            ctx.step(f"seed {seed}: continued training with {loss}", total=cfg["steps"])
            start = time.perf_counter()
            losses[loss] = train(encoder, stream(cfg["steps"], 1_000 + seed), loss=loss,  # the same batches
                                 mask_same_sample=cfg["mask_same_sample"], **self.hyper,
                                 on_step=lambda *_: ctx.advance())  # fmt: skip
            self.timed(f"train_{loss}_seed{seed}", start)
            self.evaluate(evaluation, encoder, loss, seed)
            self.heldout_loss.setdefault(loss, {})[seed] = heldout.PairedChange.of(start_loss[loss], held_loss(loss))
            hits = heldout.pair_hits(encoder, held, cfg["precision"])
            self.heldout_hits.setdefault(loss, {})[seed] = heldout.PairedChange.of(start_hits, hits)
        self.final_losses[str(seed)] = {name: values[-10:] for name, values in losses.items()}


def run(ctx: RunContext) -> ExperimentOutput:
    import torch

    _check_config(ctx.config)
    torch.set_num_threads(int(ctx.config.get("threads", 2)))
    state = _Run(ctx)
    for seed in ctx.seeds:
        state.seed(seed)
    return _output(state)


def _output(state: _Run) -> ExperimentOutput:
    from replications.gcl.validity import checks

    cfg, ms, names = state.cfg, state.measurements, state.names
    datasets = {d: n for n, d in names.items()}
    notes = [
        "UniIR-Recall is UniIR's reported Recall@k: hit@k (1 if any relevant candidate is in the top k) at k = 10 "
        "for Fashion200K and FashionIQ and k = 5 elsewhere; Success@k is hit@k at each k.",
        "fused-modality tasks: 2, 6, 7, 8; single-modality tasks: 0, 1, 3, 4 (M-BEIR numbering). "
        "'<set>@union' is the set ranked against the global pool (every evaluated local pool concatenated).",
        "cl_fused is the ablation 'CL plus the fused terms': GCL's six terms, each with CLIP's denominator.",
    ]
    if cfg.get("synthetic", True) and not cfg.get("mbeir_dir"):
        notes.append("evaluated on the synthetic image–caption world (replications/gcl/world.py), not on M-BEIR.")
    if cfg["pretrain_steps"] == 0:
        notes.append("the start is the hub checkpoint, the same for every seed: 'pretrained' is measured once.")
    heldout = {
        kind: {c: {str(s): v.model_dump() for s, v in per.items()} for c, per in table.items()}
        for kind, table in (("loss", state.heldout_loss), ("image_text_hit1", state.heldout_hits))
    }
    return ExperimentOutput(
        measurements=ms,
        fingerprints=dict(state.ctx.fingerprints),
        notes=notes,
        extra={
            "final_losses": state.final_losses,
            "seconds": state.seconds,
            "datasets": datasets,
            "family_means": _family_means(ms, names),
            "heldout": heldout,
            "precision": cfg["precision"],
        },
        validity=checks(cfg, ms, datasets, state.heldout_loss, state.heldout_hits),
    )
