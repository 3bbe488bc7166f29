"""Can this run test OPTICAL's claims? Checks computed from the run's own measurements (issue 15's kinds).

Each function turns measured figures into a `ValidityCheck` whose detail states the figures and the threshold;
the engine gives a claim a verdict only when every check aimed at its conditions passed.

- the treatment acted (`treatment_checks`): on held-out bitext (MAFAND dev pairs, never trained on and not the
  test queries) the student's training objective is lower than its untrained start's in every seed, and its
  held-out retrieval MAP (mean over seeds) is not below the start's — on every headline dataset (the largest
  bitext budget of each language: the datasets the claims name). The old English-start proxy failed this: its
  student ended below its own start on every low-resource set.
- the start has the capability the claim presumes (`start_is_multilingual`): on the XQuAD-R probe (questions in
  de/es/tr/vi against English answer sentences) the start's MAP is above 10× chance and above BM25 on the
  untranslated question — what shared names, numbers and cognates give a model with no second language — in every
  probe language, the gain over BM25 significant (paired randomisation, two-sided p < 0.01). Calibrated on
  all-MiniLM-L6-v2 (English only), which is below BM25 in tr and vi (0.106 vs 0.194, 0.089 vs 0.223).
- the stand-in is of the kind the claim names (`mt_is_neural`): translate-then-retrieve's translator must be a
  neural MT model for claims that compare with NMT; the IBM-1 word translator of the offline proxy is not.
- the configuration is the paper's (`no_placeholders`): a full-scale value the paper's text could not confirm is
  listed under `placeholders`; while any remains, no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from claimcheck.models import ValidityCheck

CHANCE_MULTIPLE = 10.0
ALPHA = 0.01


def with_scorings(condition: str, suffixes: Sequence[str]) -> list[str]:
    """A condition's measurement names under every scoring (`optical`, `optical+maxsim`, ...)."""
    return [condition + s for s in suffixes]


def expected_random_ap(n_relevant: int, n_candidates: int) -> float:
    """E[AP] of a uniformly random full ranking of `n_candidates` holding `n_relevant` relevant items.

    E[AP] = ((R−1)/(N−1)·(N − H_N) + H_N) / N (H_N the N-th harmonic number); R = 1 gives H_N / N, R = N gives 1.
    A top-k run can only score lower, so this is an upper bound on chance for the runs here.
    """
    n, r = n_candidates, n_relevant
    if not 0 < r <= n:
        raise ValueError(f"need 0 < relevant ≤ candidates, got {r} of {n}")
    harmonic = float(np.sum(1.0 / np.arange(1, n + 1)))
    return ((r - 1) / (n - 1) * (n - harmonic) + harmonic) / n if n > 1 else 1.0


def chance_map(qrels: Mapping[str, Mapping[str, int]], n_candidates: int) -> float:
    """Mean over queries of the expected AP of a random ranking."""
    return float(
        np.mean([expected_random_ap(sum(1 for g in rel.values() if g > 0), n_candidates) for rel in qrels.values()])
    )


@dataclass
class HeldOut:
    """One trained condition on one dataset: held-out loss and retrieval, of the start and of each seed."""

    start_loss: float
    start_map: float
    loss: dict[int, float] = field(default_factory=dict)  # seed → held-out objective after training
    map: dict[int, float] = field(default_factory=dict)  # seed → held-out MAP after training


def treatment_checks(condition: str, figures: Mapping[str, HeldOut], targets: list[str]) -> list[ValidityCheck]:
    """`<condition>-lowered-held-out-loss` and `<condition>-not-worse-than-start` over the headline datasets."""
    if not figures:
        return [
            ValidityCheck(
                name=f"{condition}-lowered-held-out-loss",
                passed=False,
                detail=f"{condition}: no held-out bitext was measured, so the treatment's effect is unknown",
                targets=targets,
            )
        ]
    loss_ok, map_ok, loss_txt, map_txt = True, True, [], []
    for dataset, h in sorted(figures.items()):
        worst = max(h.loss.values())
        loss_ok &= worst < h.start_loss
        loss_txt.append(f"{dataset} {h.start_loss:.4f} → {_seeds(h.loss)}")
        mean = float(np.mean(list(h.map.values())))
        map_ok &= mean >= h.start_map
        map_txt.append(f"{dataset} start {h.start_map:.3f}, trained {mean:.3f} ({_seeds(h.map, 3)})")
    return [
        ValidityCheck(
            name=f"{condition}-lowered-held-out-loss",
            passed=loss_ok,
            detail=f"{condition} training objective on held-out bitext, start → each seed (must fall in every "
            f"seed): " + "; ".join(loss_txt),
            targets=targets,
        ),
        ValidityCheck(
            name=f"{condition}-not-worse-than-start",
            passed=map_ok,
            detail=f"{condition} held-out retrieval MAP, mean over seeds ≥ the untrained start's on every headline "
            f"dataset: " + "; ".join(map_txt),
            targets=targets,
        ),
    ]


def _seeds(values: Mapping[int, float], digits: int = 4) -> str:
    return ", ".join(f"s{s} {v:.{digits}f}" for s, v in sorted(values.items()))


@dataclass
class Probe:
    """The start and BM25 on one probe language's queries (per-query AP, same query order) and chance."""

    start: np.ndarray
    bm25: np.ndarray
    chance: float


def start_is_multilingual(probes: Mapping[str, Probe]) -> ValidityCheck:
    """The start retrieves across languages beyond what shared strings give (see the module doc)."""
    from claimcheck.retrieval.stats import paired_randomization_test

    if not probes:
        return ValidityCheck(
            name="start-is-multilingual",
            passed=False,
            detail="no cross-lingual probe was run (probe_languages empty), so the start's capability is unknown",
        )
    ok, parts = True, []
    for dataset, p in sorted(probes.items()):
        start, bm25 = float(p.start.mean()), float(p.bm25.mean())
        pvalue = paired_randomization_test(p.start, p.bm25, n_resamples=10_000)
        passed = start > CHANCE_MULTIPLE * p.chance and start > bm25 and pvalue < ALPHA
        ok &= passed
        parts.append(
            f"{dataset} start {start:.3f} vs BM25 {bm25:.3f} (p={pvalue:.4f}), chance {p.chance:.4f}"
            + ("" if passed else " FAILS")
        )
    return ValidityCheck(
        name="start-is-multilingual",
        passed=ok,
        detail=f"the start's MAP on untranslated foreign questions must exceed {CHANCE_MULTIPLE:g}× chance and "
        f"BM25 on the same untranslated questions, with p < {ALPHA} (paired randomisation), in every probe "
        f"language: " + "; ".join(parts),
    )


def mt_is_neural(translators: Mapping[str, tuple[str, str]], targets: list[str]) -> ValidityCheck:
    """translate_retrieve's translator is neural MT on every dataset ({dataset: (kind, name)})."""
    kinds = {kind for kind, _ in translators.values()}
    names = sorted({name for _, name in translators.values()})
    passed = bool(translators) and kinds == {"neural"}
    return ValidityCheck(
        name="mt-baseline-is-neural-mt",
        passed=passed,
        detail=(
            f"translate_retrieve translated with {'; '.join(names) or 'nothing'} (kind: {', '.join(sorted(kinds))}); "
            "claims comparing with neural machine translation need a neural MT model"
            + (
                ""
                if passed
                else ", and no offline NMT model exists on a machine without the hub: the IBM-1 "
                "comparison is recorded as what it is, a word-based translator learned from the same bitext"
            )
        ),
        targets=targets,
    )


def no_placeholders(placeholders: Mapping[str, str], config: Mapping[str, object]) -> ValidityCheck:
    """Fails while the config still holds values marked as placeholders (path → why it is unconfirmed)."""
    parts = [f"{path} = {_lookup(config, path)!r} ({why})" for path, why in sorted(placeholders.items())]
    return ValidityCheck(
        name="config-has-no-placeholders",
        passed=not placeholders,
        detail="values not confirmed from the paper: " + "; ".join(parts)
        if parts
        else "every value marked as a placeholder has been confirmed (placeholders: {})",
    )


def _lookup(config: Mapping[str, object], path: str) -> object:
    value: object = config
    for key in path.split("."):
        value = value.get(key, "<unset>") if isinstance(value, Mapping) else "<unset>"
    return value
