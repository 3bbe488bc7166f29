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
    "losses": ["cl", "gcl", "cl_fused"],  # the objectives trained from the start (loss.LOSSES)
    "ks": [5],
    "union": True,  # also rank every set against the global pool (all evaluated local pools)
    "world_seed": 0,
    "weight_decay": 0.1,
    "warmup": 20,
    "threads": 2,
    "device": "cpu",
    "precision": "fp32",
    "workers": 0,  # DataLoader workers decoding images and tokenising texts
    "eval_batch_size": 256,
    "image_cache": True,  # decode each image once into a uint8 crop file (images.py)
    "image_cache_dir": None,  # default: <work dir>/crops
    "placeholders": {},  # config values that stand in for settings the paper does not state (see validity.py)
}

SMOKE = ScaleSpec(
    requirements=Requirements(minutes=0.3, packages=["torch", "transformers", "tokenizers", "PIL"]),
    config={
        **_COMMON,
        "ks": [1, 5],
        "tiny": {"image_size": 32, "patch_size": 8, "hidden": 32, "layers": 1, "heads": 2, "projection_dim": 32},
        "world": {"image_size": 32, "n_queries": 6, "n_random_distractors": 6},
        "n_pairs": 48,
        "heldout_pairs": 16,
        "batch_size": 8,
        "pretrain_steps": 2,
        "pretrain_lr": 1e-3,
        "steps": 2,
        "lr": 1e-4,
    },
    seeds=[0],
)
PROXY = ScaleSpec(
    # sized for an idle 2-core CPU (one thread); measured wall times are in the README
    requirements=Requirements(minutes=6, packages=["torch", "transformers", "tokenizers", "PIL"]),
    config={
        **_COMMON,
        "ks": [1, 5],
        "threads": 1,
        "tiny": {"image_size": 32, "patch_size": 8, "hidden": 64, "layers": 2, "heads": 4, "projection_dim": 64},
        # a neighbour per attribute keeps the single-modality tasks off their ceiling (with one they sat at
        # Success@5 0.98-1.00, where no effect in either direction can show)
        "world": {"image_size": 32, "n_queries": 300, "n_random_distractors": 300, "n_neighbours": 6},
        # 2,000 CL steps over 12,000 pairs: at 900 over 6,000 one seed's start fell below the capability check
        # (0.49) and continued CL still gained 0.15, i.e. the "pretrained" model was not yet a trained retriever
        "n_pairs": 12000,
        "heldout_pairs": 640,
        "batch_size": 64,
        "pretrain_steps": 2000,
        "pretrain_lr": 1e-3,
        "steps": 300,
        "lr": 2e-4,
    },
    seeds=[0, 1, 2],
)
# The paper's training hyperparameters were not reachable (README): these stand in for them, and a run that uses
# any of them unchanged fails the `no-placeholder-config` check, so it gives no claim verdict.
_FULL_PLACEHOLDERS: dict[str, Any] = {"batch_size": 1024, "steps": 500, "lr": 1e-6, "warmup": 50, "weight_decay": 0.1}
FULL = ScaleSpec(
    requirements=Requirements(
        minutes=180,
        reference_machine="1 GPU (H100/A100-class), estimate from component costs: not measured (README)",
        gpus=1,
        network=True,
        datasets=["M-BEIR", "LCS-558K"],
        models=["openai/clip-vit-base-patch32", "wkcn/TinyCLIP-ViT-8M-16-Text-3M-YFCC15M"],
        packages=["torch", "transformers", "PIL"],
    ),
    config={
        **_COMMON,
        **_FULL_PLACEHOLDERS,
        "placeholders": dict(_FULL_PLACEHOLDERS),
        "synthetic": False,
        "device": "cuda",
        "precision": "bf16",
        "workers": 8,
        "eval_batch_size": 1024,
        "model": "openai/clip-vit-base-patch32",
        "mbeir_dir": None,  # default: <data dir>/M-BEIR (query/, cand_pool/local/, qrels/, mbeir_images/)
        "mbeir_sets": None,  # default: UniIR's 16 test sets with their pools (mbeir.MBEIR_TEST_SETS)
        "pairs_json": None,  # default: <data dir>/LCS-558K/blip_laion_cc_sbu_558k.json
        "pairs_image_dir": None,
        "n_pairs_limit": None,
        "heldout_pairs": 8192,  # the last pairs of the JSON: 8 held-out batches of 1024
        "pretrain_steps": 0,
        "pretrain_lr": 0.0,
        "tiny": {},
        "world": {},
    },
    seeds=[0, 1, 2],
)


@define_experiment(
    "gcl.gcl_multimodal",
    paper="2509.25638",
    conditions=("pretrained", "cl", "gcl", "cl_fused"),
    scales={"smoke": SMOKE, "proxy": PROXY, "full": FULL},
    metrics=("UniIR-Recall", "Success@5", "Success@1", "Success@10"),
    params=("model", "mbeir_dir", "mbeir_sets", "pairs_json", "pairs_image_dir", "n_pairs_limit", "synthetic"),
    description="Continued training with GCL vs CL (and CL plus fused terms) from a CL-pretrained CLIP; UniIR's "
    "recall on every M-BEIR task, local and global pools.",
)
def gcl_multimodal(ctx: RunContext) -> ExperimentOutput:
    """Continued training with GCL vs CL from a CL-pretrained CLIP; UniIR's recall on every M-BEIR task."""
    from replications.gcl.experiment import run

    return run(ctx)
