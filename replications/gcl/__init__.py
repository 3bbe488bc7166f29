"""GCL (Lee et al., NeurIPS 2025, arXiv 2509.25638): generalized contrastive learning for multimodal retrieval.

Declares `gcl.gcl_multimodal` (an entry point in pyproject.toml). Cheap to import: torch and transformers load
only when the experiment runs.
"""

from __future__ import annotations

from typing import Any

from claimcheck.experiments import Requirements, RunContext, ScaleSpec, define_experiment
from claimcheck.models import ExperimentOutput

_COMMON: dict[str, Any] = {
    "fusion": "sum",  # e_it = e_i + e_t before normalisation (UniIR's CLIP score fusion)
    "mask_same_sample": False,  # the reference formula keeps same-sample third-modality terms as negatives
    "ks": [5],
    "world_seed": 0,
    "weight_decay": 0.1,
    "warmup": 20,
    "threads": 2,
    "device": "cpu",
    "preload_pairs": True,  # the synthetic pairs fit in memory; LCS-558K is read batch by batch
}

SMOKE = ScaleSpec(
    requirements=Requirements(minutes=0.3, packages=["torch", "transformers", "tokenizers"]),
    config={
        **_COMMON,
        "ks": [1, 5],
        "tiny": {"image_size": 32, "patch_size": 8, "hidden": 32, "layers": 1, "heads": 2, "projection_dim": 32},
        "world": {"image_size": 32, "n_queries": 6, "n_random_distractors": 6},
        "n_pairs": 48,
        "preload_pairs": False,  # the full-scale path: pairs read batch by batch
        "batch_size": 16,
        "pretrain_steps": 2,
        "pretrain_lr": 1e-3,
        "steps": 2,
        "lr": 1e-4,
    },
    seeds=[0],
)
PROXY = ScaleSpec(
    # sized for a shared 2-core CPU (one thread); measured wall times are in the README
    requirements=Requirements(minutes=15, packages=["torch", "transformers", "tokenizers"]),
    config={
        **_COMMON,
        "ks": [1, 5],
        "threads": 1,
        "tiny": {"image_size": 32, "patch_size": 8, "hidden": 64, "layers": 2, "heads": 4, "projection_dim": 64},
        "world": {"image_size": 32, "n_queries": 200, "n_random_distractors": 200},
        "n_pairs": 6000,
        "batch_size": 64,
        "pretrain_steps": 900,
        "pretrain_lr": 1e-3,
        "steps": 300,
        "lr": 2e-4,
    },
    seeds=[0, 1, 2],
)
FULL = ScaleSpec(
    requirements=Requirements(
        minutes=600,
        reference_machine="1 GPU (A100-class), estimate: not measured here",
        gpus=1,
        network=True,
        datasets=["M-BEIR", "LCS-558K"],
        models=["openai/clip-vit-base-patch32", "wkcn/TinyCLIP-ViT-8M-16-Text-3M-YFCC15M"],
        packages=["torch", "transformers", "PIL"],
    ),
    config={
        **_COMMON,
        "synthetic": False,
        "device": "cuda",
        "preload_pairs": False,
        "model": "openai/clip-vit-base-patch32",
        "mbeir_dir": None,  # default: <data dir>/M-BEIR (query/, cand_pool/local/, qrels/, mbeir_images/)
        "mbeir_sets": None,  # default: the 16 local-pool test sets of tasks 0–8
        "pairs_json": None,  # default: <data dir>/LCS-558K/blip_laion_cc_sbu_558k.json
        "pairs_image_dir": None,
        "n_pairs": None,
        "batch_size": 1024,  # unconfirmed: the paper's training hyperparameters were not reachable
        "pretrain_steps": 0,
        "pretrain_lr": 0.0,
        "steps": 500,
        "lr": 1e-6,
        "tiny": {},
        "world": {},
    },
    seeds=[0, 1, 2],
)


@define_experiment(
    "gcl.gcl_multimodal",
    paper="2509.25638",
    conditions=("pretrained", "cl", "gcl"),
    scales={"smoke": SMOKE, "proxy": PROXY, "full": FULL},
    metrics=("Success@5", "Success@1", "Success@10"),
    params=("model", "mbeir_dir", "mbeir_sets", "pairs_json", "pairs_image_dir", "n_pairs", "synthetic"),
    description="Continued training with GCL vs CL from a CL-pretrained CLIP; hit@k on every M-BEIR task.",
)
def gcl_multimodal(ctx: RunContext) -> ExperimentOutput:
    """Continued training with GCL vs CL from a CL-pretrained CLIP; hit@k on every M-BEIR task."""
    from replications.gcl.experiment import run

    return run(ctx)
