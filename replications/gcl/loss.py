"""Generalized contrastive learning (GCL) and plain image–text contrastive learning (CL) as one function.

Every sample j of a batch of N contributes three L2-normalised embeddings: image `e_i[j]`, text `e_t[j]` and
fused image+text `e_it[j]`. A *directional term* (a, b) is an InfoNCE loss whose anchors are the modality-`a`
embeddings and whose positive for anchor j is the modality-`b` embedding of the same sample j.

GCL (arXiv 2509.25638, as `../shared/REFERENCE.md` states it) is the mean of the six terms
(i,t), (i,it), (t,i), (t,it), (it,t), (it,i), each with a softmax denominator over *all 3N embeddings of the
batch except the anchor itself*. CL is the (i,t), (t,i) special case with CLIP's denominator (the N embeddings
of the positive's modality). The ablation "CL plus the fused terms" (`cl_fused`) keeps GCL's six terms but gives
each CLIP's denominator: it trains the fused embedding without GCL's joint softmax over every modality, so a
GCL − cl_fused difference is what the joint normalisation adds beyond training the fused embedding at all.
All three go through `directional_infonce` (the `LOSSES` table), so they cannot drift apart.

Options the paper's text leaves open are arguments with stated defaults:
- `candidates`: "all" (every embedding of the modalities present, anchor excluded; GCL's default) or
  "positive_modality" (only the positive's modality, as CLIP; CL's default).
- `mask_same_sample`: also drop from the denominator the anchor's *own sample's* embeddings other than the
  positive (for GCL: the third modality of sample j, which is a positive of another term). Default False:
  the reference's formula keeps them as negatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import torch

Modality = Literal["i", "t", "it"]
Pair = tuple[Modality, Modality]
Candidates = Literal["all", "positive_modality"]

GCL_PAIRS: tuple[Pair, ...] = (("i", "t"), ("i", "it"), ("t", "i"), ("t", "it"), ("it", "t"), ("it", "i"))
CL_PAIRS: tuple[Pair, ...] = (("i", "t"), ("t", "i"))
MODALITIES: tuple[Modality, ...] = ("i", "t", "it")
LossName = Literal["cl", "gcl", "cl_fused"]
# name -> (terms, denominators): the training objectives the experiment compares
LOSSES: dict[str, tuple[tuple[Pair, ...], Candidates]] = {
    "cl": (CL_PAIRS, "positive_modality"),
    "gcl": (GCL_PAIRS, "all"),
    "cl_fused": (GCL_PAIRS, "positive_modality"),
}


def directional_infonce(
    embeddings: dict[Modality, torch.Tensor],
    pairs: Sequence[Pair],
    temperature: float | torch.Tensor,
    *,
    candidates: Candidates = "all",
    mask_same_sample: bool = False,
) -> torch.Tensor:
    """Mean over `pairs` of the directional InfoNCE terms; embeddings are (N, d) and already L2-normalised.

    With `candidates="all"` the candidate set is every embedding of every modality named in `pairs`, stacked
    modality-major (row m*N + j is modality m of sample j); one similarity matrix serves all terms.
    """
    import torch

    if not pairs:
        raise ValueError("need at least one (anchor, positive) modality pair")
    if candidates not in ("all", "positive_modality"):
        raise ValueError(f"unknown candidates option {candidates!r}")
    used = [m for m in MODALITIES if any(m in pair for pair in pairs)]
    missing = [m for m in used if m not in embeddings]
    if missing:
        raise ValueError(f"pairs need embeddings for modalities {missing}")
    n = embeddings[used[0]].shape[0]
    offset = {m: k * n for k, m in enumerate(used)}
    stacked = torch.cat([embeddings[m] for m in used], dim=0)  # (M*N, d)
    logits = stacked @ stacked.T / temperature  # (M*N, M*N)
    device = stacked.device
    j = torch.arange(n, device=device)
    # All terms in one cross-entropy: row p*N + j is term p's anchor j. Every term has N rows, so the mean over
    # rows is the mean over terms of each term's mean over anchors.
    rows = torch.cat([offset[a] + j for a, _ in pairs])
    if candidates == "positive_modality":
        # only sample j's positive is of the positive's modality: nothing of sample j to exclude or mask
        cols = torch.stack([offset[b] + j for _, b in pairs]).repeat_interleave(n, dim=0)  # (P*N, N)
        return torch.nn.functional.cross_entropy(logits[rows[:, None], cols], j.repeat(len(pairs)))
    block = logits[rows]  # (P*N, M*N)
    excluded_rows, excluded_cols = [], []
    for p, (a, b) in enumerate(pairs):
        drop = [m for m in used if m not in (a, b)] if mask_same_sample else []
        for m in [a, *drop]:  # the anchor itself, and optionally sample j's other non-positive embeddings
            excluded_rows.append(p * n + j)
            excluded_cols.append(offset[m] + j)
    excluded = torch.zeros_like(block, dtype=torch.bool)
    excluded[torch.cat(excluded_rows), torch.cat(excluded_cols)] = True
    targets = torch.cat([offset[b] + j for _, b in pairs])
    return torch.nn.functional.cross_entropy(block.masked_fill(excluded, float("-inf")), targets)


def named_loss(
    name: str,
    e_i: torch.Tensor,
    e_t: torch.Tensor,
    e_it: torch.Tensor,
    temperature: float | torch.Tensor,
    *,
    mask_same_sample: bool = False,
) -> torch.Tensor:
    """The objective `name` of `LOSSES` (`mask_same_sample` applies where the denominators mix modalities)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known: {sorted(LOSSES)}")
    pairs, candidates = LOSSES[name]
    embeddings = {"i": e_i, "t": e_t, "it": e_it}
    return directional_infonce(
        embeddings, pairs, temperature, candidates=candidates, mask_same_sample=mask_same_sample and candidates == "all"
    )
