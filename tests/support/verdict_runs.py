"""Run records for tests of the verdict rules: per-query scores of a condition and a baseline over seeds, per-seed
values of one condition, and an honest record holding them (tests/verdicts)."""

from __future__ import annotations

import numpy as np
from records import honest

from claimcheck.models import ExperimentOutput, Measurement, Provenance, RunRecord, ValidityCheck

PROV = Provenance(git_commit=None, python="3", platform="test", packages={}, cpu="test", threads=1)
OK = [ValidityCheck(name="treatment-moved", passed=True, detail="test")]


def measurements(effect: float, seeds: list[int], n_queries: int = 60, noise: float = 0.05,
                 datasets: tuple[str, ...] = ("d",)) -> list[Measurement]:  # fmt: skip
    """Per-query scores: baseline uniform, condition shifted by `effect` plus per-query noise, per seed."""
    out = []
    for k, dataset in enumerate(datasets):
        for seed in seeds:
            rng = np.random.default_rng(seed + 100 * k)
            base = rng.uniform(0.2, 0.6, n_queries)
            cond = base + effect + rng.normal(0, noise, n_queries)
            for name, scores in (("cond", cond), ("base", base)):
                per_q = {f"q{i}": float(v) for i, v in enumerate(scores)}
                out.append(Measurement(condition=name, dataset=dataset, metric="nDCG@10", seed=seed,
                                       value=float(scores.mean()), per_query=per_q))  # fmt: skip
    return out


def record(ms: list[Measurement], scale: str = "proxy", validity: list[ValidityCheck] | None = None) -> RunRecord:
    return honest(RunRecord(
        key="k" * 64,
        experiment="x.y",
        scale=scale,
        config={},
        seeds=sorted({m.seed for m in ms}),
        status="ok",
        output=ExperimentOutput(measurements=ms, validity=OK if validity is None else validity),
        provenance=PROV,
        started_at="2026-01-01T00:00:00+00:00",
        wall_time_s=1.0,
        peak_memory_mb=1.0,
    ))  # fmt: skip


def seed_values(values: list[float]) -> list[Measurement]:
    """One measurement of condition "cond" per seed, with the given values (no per-query scores)."""
    return [Measurement(condition="cond", dataset="d", metric="nDCG@10", seed=s, value=v) for s, v in enumerate(values)]
