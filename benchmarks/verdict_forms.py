"""Wrong-verdict rates of `verdicts.judge` on every quantity form the ingest reads, in worlds built here.

    python benchmarks/verdict_forms.py [--worlds 1000] [--seed 0]

Each case is a claim as the ingest reads it (a range, a range in percent, a stated ±, a score in percent, an
absolute change in points or in score units, a relative change held against an absolute-difference target, a
range of relative change) and a full-scale replication of 3 training seeds whose truth is either what the
claim states (a true world: for a range, anywhere in it) or outside its band (a false world: up to three
tolerances, or a tenth of the claimed size, beyond the band's edge; for a stated ±, inside claimed ± deviation).
Each training run shifts all its queries by a common amount (SD `--run-sd`), and each query has its own noise.

Two engines judge every world: this one, and the rules as they were before the forms were read (a range judged
at its midpoint, a change's size ignored in favour of the direction test, the same tolerance data), emulated by
handing the same rules the claim without what they ignored. Printed per case and engine: false `verified` (in
false worlds), false `refuted` (in true worlds), and `verified` in true worlds (power). A wrong verdict is the
failure that matters; an `inconclusive` only leaves a claim undecided.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from claimcheck.models import (
    Claim,
    EffectTarget,
    Measurement,
    PaperFigures,
    Quantity,
    Replication,
    ValueTarget,
    Verdict,
)
from claimcheck.tolerances import band

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))  # honest records, shared with tests/verdicts
from verdict_runs import record  # noqa: E402

from claimcheck.verdicts import judge  # noqa: E402

SEEDS = [0, 1, 2]
QUERIES = 200
QUERY_SD = 0.05  # each run × query's own noise
VALUE = ValueTarget(condition="cond", metric="nDCG@10", dataset="d")
# the source's figures for the effect (so the earlier rules' power check can pass): +2.3 points on a 0.40 baseline
PAPER = PaperFigures(condition={"d": 0.423}, baseline={"d": 0.400}, source="simulated")
EFFECT = EffectTarget(condition="cond", baseline="base", metric="nDCG@10", datasets=["d"], paper=PAPER)
RELATIVE = EFFECT.model_copy(update={"relative": True})
BASELINE = 0.4  # the baseline's expected score


@dataclass(frozen=True)
class Case:
    name: str
    quantity: Quantity
    target: ValueTarget | EffectTarget
    old: Quantity | None  # the claim the earlier rules judged (None: the direction test alone)
    scale: float = 1.0  # claim units per score unit (100 for percent)
    relative: bool = False  # the claimed size is a change in % of the baseline


def _q(**kw) -> Quantity:
    return Quantity(metric="nDCG@10", **kw)


RANGE = _q(value=0.435, low=0.42, high=0.45, decimals=2)
RANGE_PC = _q(value=43.5, low=42.0, high=45.0, unit="percent", decimals=0)
SPREAD = _q(value=0.789, deviation=0.004, decimals=3)
PERCENT = _q(value=78.9, unit="percent", decimals=1)
POINTS = _q(kind="absolute-change", value=2.3, unit="percent", decimals=1)
SCORE_CHANGE = _q(kind="absolute-change", value=0.023, decimals=3)
REL = _q(kind="relative-change", value=13.7, unit="percent", decimals=1)
REL_RANGE = _q(kind="relative-change", value=12.5, low=10.0, high=15.0, unit="percent", decimals=0)
CASES = (
    Case("range 0.42–0.45", RANGE, VALUE, RANGE.model_copy(update={"low": None, "high": None})),
    Case("range 42–45%", RANGE_PC, VALUE, RANGE_PC.model_copy(update={"low": None, "high": None}), scale=100.0),
    Case("0.789 ± 0.004", SPREAD, VALUE, SPREAD.model_copy(update={"deviation": None})),
    Case("78.9% (percent)", PERCENT, VALUE, PERCENT, scale=100.0),
    Case("+2.3 points", POINTS, EFFECT, None, scale=100.0),
    Case("+0.023 (score units)", SCORE_CHANGE, EFFECT, None),
    Case("+13.7% on an absolute target", REL, EFFECT, None, relative=True),
    Case("+10–15% (relative range)", REL_RANGE, RELATIVE, REL_RANGE.model_copy(update={"low": None, "high": None}),
         relative=True),
)  # fmt: skip


def _truth(case: Case, true: bool, rng: np.random.Generator) -> float:
    """The world's true value in the claim's units: in the claimed region, or beyond the band's edge."""
    b = band(case.quantity, None, percent=case.scale == 100.0 and case.quantity.kind == "absolute")
    if true:
        return float(rng.uniform(b.low, b.high)) if b.low < b.high else b.low
    lower, upper = b.edges
    if case.quantity.deviation is not None:  # inside claimed ± deviation, outside the tolerance
        return float(b.high + rng.uniform(b.tolerance, case.quantity.deviation) * rng.choice([-1, 1]))
    reach = max(3 * b.tolerance, 0.1 * abs(b.claimed))
    return float(upper + rng.uniform(0, reach) if rng.random() < 0.5 else lower - rng.uniform(0, reach))


def _value_run(truth: float, run_sd: float, rng: np.random.Generator) -> list[Measurement]:
    values = truth + rng.normal(0, run_sd, len(SEEDS)) + rng.normal(0, QUERY_SD / np.sqrt(QUERIES), len(SEEDS))
    return [Measurement(condition="cond", dataset="d", metric="nDCG@10", seed=s, value=float(v))
            for s, v in zip(SEEDS, values, strict=True)]  # fmt: skip


def _effect_run(difference: float, run_sd: float, rng: np.random.Generator) -> list[Measurement]:
    """Per-query scores of a condition `difference` above a baseline at `BASELINE`, each run shifted by its own
    amount."""
    base_q = rng.uniform(0.3, 0.5, QUERIES)
    base_q += BASELINE - base_q.mean()  # the relative change's truth is exact
    out = []
    for seed in SEEDS:
        for name, level in (("base", base_q), ("cond", base_q + difference)):
            scores = level + rng.normal(0, run_sd) + rng.normal(0, QUERY_SD, QUERIES)
            out.append(Measurement(condition=name, dataset="d", metric="nDCG@10", seed=seed, value=float(scores.mean()),
                                   per_query={f"q{i}": float(v) for i, v in enumerate(scores)}))  # fmt: skip
    return out


def _measure(case: Case, truth: float, run_sd: float, rng: np.random.Generator) -> list[Measurement]:
    if isinstance(case.target, ValueTarget):
        return _value_run(truth / case.scale, run_sd, rng)
    difference = truth / 100.0 * BASELINE if case.relative else truth / case.scale
    return _effect_run(difference, run_sd, rng)


def _claim(case: Case, quantity: Quantity | None) -> Claim:
    target = {"value": case.target} if isinstance(case.target, ValueTarget) else {"effect": case.target}
    return Claim(id="c", text="t", quantity=quantity, replication=Replication(experiment="x.y", **target))


def rates(case: Case, run_sd: float, worlds: int, seed: int) -> dict[str, Counter]:
    """Verdict counts per engine ("now", "before") and world ("true", "false")."""
    rng = np.random.default_rng(seed)
    counts: dict[str, Counter] = {f"{e} {w}": Counter() for e in ("now", "before") for w in ("true", "false")}
    engines: dict[str, Callable[[list[Measurement]], Verdict]] = {
        "now": lambda ms: judge(_claim(case, case.quantity), record(ms, "full")).verdict,
        "before": lambda ms: judge(_claim(case, case.old), record(ms, "full")).verdict,
    }
    for _ in range(worlds):
        for world in ("true", "false"):
            ms = _measure(case, _truth(case, world == "true", rng), run_sd, rng)
            for engine, verdict_of in engines.items():
                counts[f"{engine} {world}"][verdict_of(ms)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", type=int, default=1000, help="true and false worlds per case")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("| case | run SD | engine | false verified | false refuted | power (verified, true) |")
    print("|---|---|---|---|---|---|")
    for run_sd in (0.002, 0.01):
        for k, case in enumerate(CASES):
            counts = rates(case, run_sd, args.worlds, args.seed + k)
            for engine in ("now", "before"):
                t, f = counts[f"{engine} true"], counts[f"{engine} false"]
                shares = (f[Verdict.VERIFIED], t[Verdict.REFUTED], t[Verdict.VERIFIED])
                print(f"| {case.name} | {run_sd:g} | {engine} | " + " | ".join(f"{n / args.worlds:.3f}" for n in shares)
                      + " |")  # fmt: skip


if __name__ == "__main__":
    main()
