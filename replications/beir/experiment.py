"""The evaluation run behind `beir.beir_eval` and `beir.cocodr_eval`: encode, exact search, trec_eval metrics."""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement
from claimcheck.retrieval import catalogue
from claimcheck.retrieval.data import Dataset, load_dataset, synthetic_dataset
from claimcheck.retrieval.encoders import build_tiny_bert, get_protocol

TINY = "tiny-bert"
SYNTHETIC = "synthetic"


def resolve_model(name: str, work_dir: Path, seed: int) -> str | Path:
    """A local path or hub id for `name`: the smoke model, a packaged checkpoint, a local dir, or a hub id."""
    from replications.beir import CHECKPOINTS

    if name == TINY:
        # one copy per torchrun rank: ranks share the work dir and must not write the same files at once
        return build_tiny_bert(work_dir / f"{TINY}-rank{os.environ.get('RANK', '0')}", seed=seed)
    entry = CHECKPOINTS.get(name, {})
    if entry.get("source") == "packaged":
        return Path(importlib.import_module(entry["module"]).get_model_path())
    if Path(name).expanduser().exists():
        return Path(name).expanduser()
    return name


def check_protocol(model: str, protocol: str) -> None:
    """A checkpoint known by name is evaluated under the protocol it was published with, or not at all."""
    from replications.beir import CHECKPOINTS

    published = CHECKPOINTS.get(model, {}).get("protocol")
    if published and published != protocol:
        raise ValueError(
            f"{model} was evaluated under protocol {published!r}, not {protocol!r}: pass --param "
            f"protocol='\"{published}\"' (or give the checkpoint as a local directory to use another protocol)"
        )


def weights_dir(model: str | Path) -> Path | None:
    """Directory holding the weights that were loaded (the hub cache snapshot for hub ids)."""
    if Path(model).exists():
        return Path(model)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(str(model), local_files_only=True))
    except Exception:  # not cached: nothing to fingerprint, and the load itself will have failed first
        return None


def _dataset(name: str, split: str, ctx: RunContext) -> Dataset:
    if name == SYNTHETIC:
        return synthetic_dataset(seed=ctx.seeds[0] if ctx.seeds else 0)
    return load_dataset(name, split, ctx.data_dir)


def run(ctx: RunContext) -> ExperimentOutput:
    import torch

    from claimcheck.retrieval.distributed import init_from_env
    from claimcheck.retrieval.encoders import Encoder
    from claimcheck.retrieval.evaluation import measurement_fields, retrieve_and_evaluate

    cfg: dict[str, Any] = ctx.config
    check_protocol(str(cfg["model"]), cfg["protocol"])  # before any data is read
    seed = ctx.seeds[0] if ctx.seeds else 0
    torch.manual_seed(seed)
    init_from_env()
    notes: list[str] = []

    ctx.step(f"load dataset {cfg['dataset']}")
    ds = _dataset(cfg["dataset"], cfg.get("split", "test"), ctx)
    for part, path in ds.files_by_part():
        ctx.fingerprint(f"data:{part}/{path.name}", path)
    entry = catalogue.entry(ds.name)
    if entry and entry.sha256 and ds.files:
        differ = catalogue.verify(entry, ds.files[0].parent)
        if differ:
            notes.append(f"{ds.name}: files differ from the catalogue's known-good copy: {', '.join(differ)}")

    model = resolve_model(cfg["model"], ctx.work_dir, seed)
    protocol = get_protocol(cfg["protocol"], ds.name)
    encoder = Encoder(
        model,
        protocol,
        bf16=bool(cfg.get("bf16", False)),
        batch_size=int(cfg.get("batch_size", 256)),
        token_budget=int(cfg.get("token_budget", 16384)),
        progress=ctx.advance,
    )
    wdir = weights_dir(model)
    if wdir is not None:
        ctx.fingerprint(f"weights:{cfg['model']}", wdir)

    t0 = time.perf_counter()
    metrics = cfg.get("metrics", ["nDCG@10"])
    per_metric = retrieve_and_evaluate(encoder, ds, metrics, int(cfg.get("top_k", 1000)), ctx.step)
    retrieval_s = time.perf_counter() - t0
    measurements = [
        Measurement(
            dataset=ds.name,
            metric=metric,
            seed=seed,
            **measurement_fields(ds, pq),
        )
        for metric, pq in per_metric.items()
    ]
    return ExperimentOutput(
        measurements=measurements,
        notes=notes,
        extra={
            "dataset": ds.summary(),
            "protocol": protocol.model_dump(),
            "model": str(cfg["model"]),
            "retrieval_seconds": round(retrieval_s, 2),
            "threads": torch.get_num_threads(),
        },
    )
