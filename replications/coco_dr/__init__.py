"""COCO-DR (Yu et al., EMNLP 2022): iDRO fine-tuning and COCO pretraining, with the paper's ablation.

Declares `coco_dr.idro_ablation` (an entry point in pyproject.toml); the experiment's heavy modules (torch,
transformers) are imported only when it runs.
"""

from __future__ import annotations

from claimcheck.experiments import RunContext, define_experiment
from claimcheck.models import ExperimentOutput
from replications.coco_dr.scales import SCALES


@define_experiment(
    "coco_dr.idro_ablation",
    paper="2210.15212",
    conditions=("full", "without_idro", "without_coco", "untrained"),
    scales=SCALES,
    metrics=("nDCG@10",),
    params=("conditions",),
    description="COCO-DR ablation: COCO + iDRO vs without iDRO (ERM) vs without COCO vs untrained, zero-shot nDCG@10",
)
def idro_ablation(ctx: RunContext) -> ExperimentOutput:
    """COCO-DR ablation: full vs without iDRO vs without COCO vs untrained, zero-shot nDCG@10 per target."""
    from replications.coco_dr.ablation import run_ablation

    return run_ablation(ctx)
