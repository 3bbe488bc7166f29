"""False-verdict rates and power of the verdict rules, measured by simulating worlds with known truth.

A world is one replication of an experiment: per dataset, each query has a stable score and a stable effect of
the condition (SD `query_sd` · √(1 − interaction) between queries); each training run (one per condition and
seed) shifts all its queries by a common amount (SD `run_sd`, the same shift on every dataset the run is scored
on, since one trained model is scored on all of them); and each run × query adds its own noise (the rest of
the per-query variance). Scores are bounded as real ones are: graded metrics (nDCG@10, AP) are clipped to
[0, 1]; a hit@k metric (`binary`) is a 0/1 draw with the query's clipped score as its probability, the
discreteness of M-BEIR's Success@5. The worlds go through the engine's own code: `effect.stats_from_scores`,
`effect.direction_decision`, `value.value_decision` and the tolerance bands, exactly as `judge` calls them.

A false verdict is a verdict whose direction the world contradicts: under no effect, any `direction-reproduced`
/ `direction-not-reproduced` (proxy) or `verified` / `refuted` (full effect); for a value claim whose truth
equals the claimed value (or lies in its stated range), `refuted`; whose truth lies on or beyond the band's
edge, `verified`.

`BUNDLED` lists the configurations the bundled experiments run (seeds from their registered scales, query
counts from their configs); `tests/verdicts/test_calibration.py` holds each false rate at ≤ 5 % there, and
`benchmarks/verdict_calibration.py` prints the whole table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from claimcheck.experiments import FixedModel
from claimcheck.models import Quantity, Tolerance, Verdict
from claimcheck.tolerances import band
from claimcheck.verdicts.effect import direction_decision, stats_from_scores
from claimcheck.verdicts.value import value_decision

NULL_RATE_LIMIT = 0.05


@dataclass(frozen=True)
class Noise:
    run_sd: float = 0.01  # SD of a training run's common shift (the figure claims.yaml once assumed)
    interaction: float = 0.5  # share of the per-query variance that changes from one run to the next

    def label(self) -> str:
        return f"run SD {self.run_sd:g}"


@dataclass(frozen=True)
class EffectConfig:
    """An effect test as an experiment runs it: seeds, queries per dataset, and the paper's effect size."""

    name: str
    experiment: str
    scale: str
    seeds: int
    queries: tuple[int, ...]
    paper_effect: float | None  # absolute difference in score units; None: the source gives no size
    paper_source: str = ""
    query_sd: float = 0.15  # SD of a query's condition − baseline difference in the underlying score
    binary: bool = False  # a hit@k metric: each score a 0/1 draw


@dataclass(frozen=True)
class ValueConfig:
    """A value claim as its experiment measures it."""

    name: str
    experiment: str
    seeds: int
    queries: int
    tolerance: float
    drift: float | None = None  # a released checkpoint's declared drift; None: retrained over seeds
    run_sd: float | None = None  # overrides the noise's run SD (e.g. a relative change in %)
    query_sd: float = 0.15
    half_range: float = 0.0  # a stated range: the claim is [0.5 − half_range, 0.5 + half_range]


def effect_world(cfg: EffectConfig, noise: Noise, effect: float, rng: np.random.Generator):
    """One replication's per-dataset seeds × queries scores of condition and baseline."""
    run_c = rng.normal(0, noise.run_sd, cfg.seeds)[:, None]
    run_b = rng.normal(0, noise.run_sd, cfg.seeds)[:, None]
    stable = cfg.query_sd * np.sqrt(1 - noise.interaction)
    per_run = cfg.query_sd * np.sqrt(noise.interaction / 2)  # each of the two runs' own query noise
    conds, bases = {}, {}
    for k, n in enumerate(cfg.queries):
        base_q = rng.uniform(0.2, 0.8, n)
        effect_q = effect + rng.normal(0, stable, n)
        bases[f"d{k}"] = _observe(base_q + run_b + rng.normal(0, per_run, (cfg.seeds, n)), cfg.binary, rng)
        conds[f"d{k}"] = _observe(base_q + effect_q + run_c + rng.normal(0, per_run, (cfg.seeds, n)), cfg.binary, rng)
    return conds, bases


def _observe(scores: np.ndarray, binary: bool, rng: np.random.Generator) -> np.ndarray:
    """What a metric reports for underlying scores: clipped to [0, 1], or a hit drawn with that probability."""
    clipped = np.clip(scores, 0.0, 1.0)
    return (rng.random(clipped.shape) < clipped).astype(float) if binary else clipped


def effect_rates(cfg: EffectConfig, noise: Noise, effect: float, worlds: int, seed: int = 0) -> Counter:
    """How often each verdict comes out of `worlds` replications with this true effect (fractions)."""
    rng = np.random.default_rng(seed)
    weights = {f"d{k}": 1.0 / len(cfg.queries) for k in range(len(cfg.queries))}
    full = cfg.scale == "full"
    counts: Counter = Counter()
    for _ in range(worlds):
        conds, bases = effect_world(cfg, noise, effect, rng)
        stats = stats_from_scores(conds, bases, list(range(cfg.seeds)), weights, relative=False)
        counts[direction_decision(stats, "greater", full_scale=full)[0]] += 1
    return Counter({v: n / worlds for v, n in counts.items()})


def false_effect_rates(rates: Counter, scale: str) -> dict[str, float]:
    """Under no effect, every direction verdict is false."""
    if scale == "full":
        return {"verified": rates[Verdict.VERIFIED], "refuted": rates[Verdict.REFUTED]}
    return {
        "direction-reproduced": rates[Verdict.DIRECTION_REPRODUCED],
        "direction-not-reproduced": rates[Verdict.DIRECTION_NOT_REPRODUCED],
    }


def power(rates: Counter, scale: str) -> float:
    return rates[Verdict.VERIFIED if scale == "full" else Verdict.DIRECTION_REPRODUCED]


def value_rates(cfg: ValueConfig, noise: Noise, offset: float, worlds: int, seed: int = 0) -> Counter:
    """Verdicts on a claim of 0.5 (or the range 0.5 ± half_range) ± tolerance when the experiment's expected
    value is 0.5 + offset."""
    rng = np.random.default_rng(seed)
    r = cfg.half_range
    quantity = Quantity(value=0.5, decimals=4, low=0.5 - r if r else None, high=0.5 + r if r else None)
    b = band(quantity, Tolerance(kind="absolute", value=cfg.tolerance, reason="simulated"))
    fixed = FixedModel(drift=cfg.drift, reason="simulated") if cfg.drift else None
    run_sd = noise.run_sd if cfg.run_sd is None else cfg.run_sd
    # the run × query noise averaged over the collection's queries: part of each run's value
    query_part = cfg.query_sd * np.sqrt(noise.interaction / 2) / np.sqrt(cfg.queries)
    counts: Counter = Counter()
    for _ in range(worlds):
        if fixed is not None:  # a released checkpoint: the same value up to drift within its bound
            per_seed = 0.5 + offset + rng.uniform(-cfg.drift, cfg.drift, cfg.seeds)
        else:
            per_seed = 0.5 + offset + rng.normal(0, run_sd, cfg.seeds) + rng.normal(0, query_part, cfg.seeds)
        counts[value_decision(b, list(per_seed), fixed).verdict] += 1
    return Counter({v: n / worlds for v, n in counts.items()})


def false_value_rates(cfg: ValueConfig, noise: Noise, worlds: int, seed: int = 0) -> dict[str, float]:
    """False `refuted` when the truth is what the claim states (for a range, its end: the hardest true world);
    false `verified` when it sits on the band's edge (the hardest false world: any farther is easier to reject)
    or just beyond it."""
    at_claim = value_rates(cfg, noise, cfg.half_range, worlds, seed)
    edge = value_rates(cfg, noise, (cfg.half_range + cfg.tolerance) * (1 + 1e-6), worlds, seed + 1)
    return {"refuted": at_claim[Verdict.REFUTED], "verified": edge[Verdict.VERIFIED]}


# The configurations the bundled experiments run. Seeds: their registered ScaleSpecs (the test checks them).
# Queries: COCO-DR proxy evaluates 100 queries of each target; full TREC-COVID (50) and BioASQ (500). OPTICAL
# proxy tests 300 queries per language; full all of MAFAND's test split (≈ 1,000 per language, assumed). GCL
# proxy has 200 queries per task; full M-BEIR's test sets (≈ 1,000 per task, assumed). Paper effects: COCO-DR
# Table (TREC-COVID, Base): full 0.789, −iDRO 0.771, −COCO 0.763; OPTICAL's 13.7 % MAP gain on an MT baseline
# near 0.40 AP (the proxy's measured level) is ≈ 0.055; GCL's text was not reachable (no size).
BUNDLED_EFFECTS: tuple[EffectConfig, ...] = (
    EffectConfig("COCO-DR iDRO proxy", "coco_dr.idro_ablation", "proxy", 3, (100, 100, 100), 0.018, "0.789 − 0.771"),
    EffectConfig("COCO-DR COCO proxy", "coco_dr.idro_ablation", "proxy", 3, (100, 100, 100), 0.026, "0.789 − 0.763"),
    EffectConfig("COCO-DR COCO full", "coco_dr.idro_ablation", "full", 3, (50, 500), 0.026, "0.789 − 0.763"),
    EffectConfig("OPTICAL proxy", "optical.optical_clir", "proxy", 3, (300,) * 4, 0.055, "13.7 % of ≈ 0.40 AP"),
    EffectConfig("OPTICAL full", "optical.optical_clir", "full", 3, (1000,) * 4, 0.055, "13.7 % of ≈ 0.40 AP"),
    EffectConfig("GCL proxy", "gcl.gcl_multimodal", "proxy", 3, (200,) * 4, None, binary=True),
    EffectConfig("GCL full", "gcl.gcl_multimodal", "full", 3, (1000,) * 8, None, binary=True),
)
BUNDLED_VALUES: tuple[ValueConfig, ...] = (
    ValueConfig("SciFact control (released)", "beir.beir_eval", 1, 300, 0.002, drift=0.0005),
    ValueConfig("COCO-DR checkpoints (released)", "beir.cocodr_eval", 1, 50, 0.0015, drift=0.0005),
    ValueConfig("COCO-DR −iDRO TREC-COVID (retrained)", "coco_dr.idro_ablation", 3, 50, 0.004),
    ValueConfig("COCO-DR −iDRO BioASQ (retrained)", "coco_dr.idro_ablation", 3, 500, 0.01),
    # the 13.7 % relative-change claim at full: per-seed relative changes with a run SD of ≈ 3.5 % (0.014 / 0.40)
    ValueConfig("OPTICAL 13.7 % (retrained)", "optical.optical_clir", 3, 1000, 0.05, run_sd=3.5),
    # a stated range ("between 0.42 and 0.45" on TREC-COVID): the band is [low, high] ± the default tolerance of
    # two reported digits (0.005 + 0.001); the hardest true world is at the range's end
    ValueConfig("COCO-DR range 0.42–0.45 (retrained)", "coco_dr.idro_ablation", 3, 50, 0.006, half_range=0.015),
)
NOISES: tuple[Noise, ...] = (Noise(run_sd=0.0), Noise(run_sd=0.01), Noise(run_sd=0.02))
