"""The experiment's own checks that a run can test its claims (`ValidityCheck`s in the run record).

Every check is computed from this run's measurements; a failed check makes the engine answer `not-applicable`
for the claims it targets (empty `targets`: every claim the run serves). The checks:

- `start-retrieves-cross-modal`: the claims are about off-the-shelf cross-modal retrievers (CLIP, TinyCLIP,
  VISTA), so the start model must already retrieve across modalities: its mean UniIR-Recall over the local pools
  of the plain cross-modal tasks (0: text→image, 3: image→text) is at least `START_RECALL` in every seed.
- `<treatment>-lowered-heldout-loss` (GCL, and the cl_fused ablation): training did what it must: its own
  objective on held-out pairs fell, by more than `Z` standard errors of the paired batch differences, in every
  seed. A treatment that did not learn cannot speak for the method.
- `cl-baseline-not-degraded`: the baseline was not broken by its own training (a broken baseline favours the
  treatment): its held-out CL loss did not rise by more than `Z` SE and its held-out image↔text hit@1 did not
  fall by more than `Z` SE, in every seed. The CL start is already CL-trained, so the baseline need not improve.
- `no-placeholder-config`: no config value marked as a placeholder (a value the paper does not state that stands
  in for it) is in use; at full scale such a run would give value verdicts from made-up settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from claimcheck.models import Measurement, ValidityCheck
from replications.gcl.heldout import PairedChange
from replications.gcl.mbeir import UNIIR_RECALL

Z = 2.0  # standard errors a held-out change must clear
START_RECALL = 0.5  # the start finds the relevant item in its top k for at least half the plain cross-modal queries
CROSS_MODAL_TASKS = (0, 3)
TREATMENTS = ("gcl", "cl_fused")
BASELINE = "cl"


def task_id(mbeir_name: str) -> int | None:
    found = re.search(r"_task(\d+)$", mbeir_name)
    return int(found.group(1)) if found else None


def placeholders_in_use(config: Mapping[str, Any]) -> list[str]:
    """Config keys still at the value marked placeholder in `config["placeholders"]`."""
    marked = config.get("placeholders") or {}
    return sorted(key for key, value in marked.items() if config.get(key) == value)


def no_placeholder_check(config: Mapping[str, Any]) -> ValidityCheck:
    used = placeholders_in_use(config)
    marked = sorted(config.get("placeholders") or {})
    detail = (
        f"placeholder values in use (the paper's setting is unknown): {', '.join(f'{k}={config[k]!r}' for k in used)}"
        if used
        else f"no config value is a placeholder (marked: {', '.join(marked) or 'none'}; each set explicitly)"
    )
    return ValidityCheck(name="no-placeholder-config", passed=not used, detail=detail)


def start_capability_check(measurements: list[Measurement], mbeir_names: Mapping[str, str]) -> ValidityCheck:
    """Mean UniIR-Recall of `pretrained` over the local sets of tasks 0 and 3, per seed."""
    datasets = {d for d, name in mbeir_names.items() if task_id(name) in CROSS_MODAL_TASKS}
    per_seed: dict[int, list[float]] = {}
    for m in measurements:
        if m.condition == "pretrained" and m.metric == UNIIR_RECALL and m.dataset in datasets:
            per_seed.setdefault(m.seed, []).append(m.value)
    if not per_seed:
        return ValidityCheck(name="start-retrieves-cross-modal", passed=False,
                             detail="no pretrained measurement on a task-0 or task-3 set: the start's cross-modal "
                                    "retrieval is unmeasured")  # fmt: skip
    means = {s: sum(v) / len(v) for s, v in sorted(per_seed.items())}
    passed = all(v >= START_RECALL for v in means.values())
    figures = ", ".join(f"seed {s}: {v:.3f}" for s, v in means.items())
    return ValidityCheck(
        name="start-retrieves-cross-modal",
        passed=passed,
        detail=f"start model's mean {UNIIR_RECALL} on the plain cross-modal sets ({', '.join(sorted(datasets))}): "
        f"{figures}; needs ≥ {START_RECALL} in every seed",
    )


def _figures(changes: Mapping[int, PairedChange], what: str) -> str:
    return "; ".join(
        f"seed {s}: {what} {c.before:.4f} → {c.after:.4f} (change {c.change:+.4f}, SE {c.se:.4f}, n={c.n})"
        for s, c in sorted(changes.items())
    )


def treatment_check(condition: str, loss_changes: Mapping[int, PairedChange]) -> ValidityCheck:
    passed = bool(loss_changes) and all(c.lowered(Z) for c in loss_changes.values())
    return ValidityCheck(
        name=f"{condition}-lowered-heldout-loss",
        passed=passed,
        detail=f"{condition}'s own objective on held-out pairs, start → trained: "
        f"{_figures(loss_changes, 'loss') or 'not measured'}; needs a fall of more than {Z:g} SE in every seed",
        targets=[condition],
    )


def baseline_check(loss_changes: Mapping[int, PairedChange], hit_changes: Mapping[int, PairedChange]) -> ValidityCheck:
    ok_loss = bool(loss_changes) and all(c.not_raised(Z) for c in loss_changes.values())
    ok_hits = bool(hit_changes) and all(c.change >= -Z * c.se for c in hit_changes.values())
    return ValidityCheck(
        name=f"{BASELINE}-baseline-not-degraded",
        passed=ok_loss and ok_hits,
        detail=f"CL baseline on held-out pairs, start → trained: {_figures(loss_changes, 'CL loss')}; "
        f"{_figures(hit_changes, 'image↔text hit@1')}; needs the loss not to rise and hit@1 not to fall by more "
        f"than {Z:g} SE in any seed",
        targets=[BASELINE],
    )


def checks(
    config: Mapping[str, Any],
    measurements: list[Measurement],
    mbeir_names: Mapping[str, str],
    loss_changes: Mapping[str, Mapping[int, PairedChange]],
    hit_changes: Mapping[str, Mapping[int, PairedChange]],
) -> list[ValidityCheck]:
    """All checks of a run: `loss_changes[condition][seed]` (its own objective), `hit_changes[condition][seed]`."""
    out = [start_capability_check(measurements, mbeir_names)]
    out += [treatment_check(c, loss_changes.get(c, {})) for c in TREATMENTS]
    out.append(baseline_check(loss_changes.get(BASELINE, {}), hit_changes.get(BASELINE, {})))
    out.append(no_placeholder_check(config))
    return out
