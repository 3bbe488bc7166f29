"""GPU check: do the full-scale paths run on a GPU, with the right placement, and what does a step cost?

On one GPU, offline (no hub, no network), with only local or generated data, in a few minutes:
1. the SciFact control (all-MiniLM-L6-v2, the packaged weights, `../shared/data/scifact` or `--data-dir`) encoded
   on the GPU in bf16: nDCG@10 and wall time (skipped, with the reason, where the data or weights are absent);
2. one training step of each replication's method at the full models' shapes, built from configs (no weights
   downloaded): COCO-DR iDRO, OPTICAL distillation, GCL — each replication's `gpu_check.step_check`;
all inside a torch.distributed process group of one process (nccl plus gloo for CPU tensors on a GPU, gloo on the
CPU), so the DDP code paths run. Each step asserts where its parameters and batch live; the table prints step
times and peak memory.

`python scripts/gpu_check.py` picks the GPU when there is one (full shapes), else the CPU at tiny shapes, which is
what CI runs (tests/test_gpu_check.py). Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
REPLICATIONS = ("coco_dr", "optical", "gcl")  # each has gpu_check.step_check(device, shape) -> dict


def control(device: str, shape: str, data_dir: Path) -> dict[str, Any]:
    """The SciFact control in bf16 on `device` (full), or a tiny BERT on a synthetic collection (tiny)."""
    import torch

    from claimcheck.retrieval.data import load_dataset, synthetic_dataset
    from claimcheck.retrieval.encoders import Encoder, build_tiny_bert, get_protocol, minilm_path
    from claimcheck.retrieval.evaluation import dataset_mean, retrieve_and_evaluate

    if shape == "tiny":
        ds = synthetic_dataset(seed=0)
        with tempfile.TemporaryDirectory() as tmp:
            encoder = Encoder(build_tiny_bert(tmp), get_protocol("minilm"), device=device, precision="bf16")
            return _evaluate(encoder, ds, device, retrieve_and_evaluate, dataset_mean)
    if not (data_dir / "scifact").is_dir():
        return {"skipped": f"no SciFact at {data_dir / 'scifact'}"}
    try:
        weights = minilm_path()
    except Exception as error:  # the packaged model is optional on a GPU machine
        return {"skipped": f"all-MiniLM-L6-v2 not installed ({error})"}
    ds = load_dataset("scifact", "test", data_dir)
    encoder = Encoder(weights, get_protocol("minilm", "scifact"), device=device, precision="bf16")
    assert next(encoder.model.parameters()).dtype == torch.bfloat16
    return _evaluate(encoder, ds, device, retrieve_and_evaluate, dataset_mean)


def _evaluate(encoder: Any, ds: Any, device: str, retrieve_and_evaluate: Any, dataset_mean: Any) -> dict[str, Any]:
    import torch

    assert str(next(encoder.model.parameters()).device).startswith(device.split(":")[0]), "encoder not on device"
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    per_query = retrieve_and_evaluate(encoder, ds, ["nDCG@10"], 1000)["nDCG@10"]
    return {
        "step_s": time.perf_counter() - start,
        "peak_mem_mb": _peak_mb(device),
        "value": dataset_mean(ds, per_query),
        "device": str(next(encoder.model.parameters()).device),
    }


def _peak_mb(device: str) -> float:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    from claimcheck.provenance import peak_memory_mb

    return peak_memory_mb()


def run_checks(device: str, shape: str, data_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    import torch
    import torch.distributed as dist

    results: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if device.startswith("cuda"):
            torch.cuda.set_device(device)
        # nccl for CUDA tensors beside gloo for the few CPU tensors the training steps reduce, as under torchrun
        backend = "cpu:gloo,cuda:nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend, init_method=f"file://{tmp}/init", rank=0, world_size=1)
        try:
            checks = [("SciFact control, bf16", lambda: control(device, shape, data_dir))]
            for name in REPLICATIONS:
                module = f"replications.{name}.gpu_check"
                checks.append((f"{name} step", lambda module=module: _step(module, device, shape)))
            for label, check in checks:
                try:
                    results.append((label, check()))
                except Exception as error:  # every check reports; one failing does not hide the others
                    results.append((label, {"error": f"{type(error).__name__}: {error}", "trace": _trace()}))
        finally:
            dist.destroy_process_group()
    return results


def _step(module: str, device: str, shape: str) -> dict[str, Any]:
    result = importlib.import_module(module).step_check(device, shape)
    placed = str(result.get("device", ""))
    assert placed.split(":")[0] == device.split(":")[0], f"{module} ran on {placed}, not {device}"
    return result


def _trace() -> str:
    return traceback.format_exc(limit=-3)


def print_table(device: str, shape: str, results: list[tuple[str, dict[str, Any]]]) -> bool:
    print(f"GPU check on {device} at {shape} shapes")
    print(f"{'check':<24} {'result':<8} {'device':<8} {'time s':>8} {'peak MB':>9} {'loss/value':>11}")
    ok = True
    for label, result in results:
        if "error" in result:
            ok = False
            print(f"{label:<24} FAILED   {result['error']}\n{result['trace']}")
        elif "skipped" in result:
            print(f"{label:<24} skipped  {result['skipped']}")
        else:
            figure = result.get("value", result.get("loss"))
            print(
                f"{label:<24} {'ok':<8} {result['device']:<8} {result['step_s']:>8.3f} "
                f"{result['peak_mem_mb']:>9.0f} {figure:>11.4f}"
            )
    return ok


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda:0" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--shape", choices=["tiny", "full"], default=None, help="default: full on a GPU, else tiny")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("CLAIMCHECK_DATA", DEFAULT_DATA)))
    args = parser.parse_args(argv)
    shape = args.shape or ("full" if args.device.startswith("cuda") else "tiny")
    start = time.perf_counter()
    ok = print_table(args.device, shape, run_checks(args.device, shape, args.data_dir))
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
