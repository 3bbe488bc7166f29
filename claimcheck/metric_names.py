"""One spelling per metric: ir_measures' names (`nDCG@10`, `AP`, `R@100`, `RR@10`, `P@5`).

The same metric is written `NDCG@10` (BEIR), `ndcg_at_10` (MTEB), `ndcg_cut_10` (trec_eval) or "MAP" in prose.
"""

from __future__ import annotations

import re

_FAMILIES = {
    "ndcg": "nDCG",
    "ndcg_cut": "nDCG",
    "map": "AP",
    "ap": "AP",
    "map_cut": "AP",
    "recall": "R",
    "r": "R",
    "p": "P",
    "precision": "P",
    "mrr": "RR",
    "rr": "RR",
    "recip_rank": "RR",
    "hit": "Success",
    "success": "Success",
}

_PATTERN = re.compile(r"^\s*([a-z_]+?)(?:[@_ ]?(?:at_|cut_)?(\d+))?\s*$")


def normalise_metric(name: str) -> str:
    """Map any common spelling to the ir_measures name; raise ValueError for an unknown metric."""
    key = name.strip().lower().replace("-", "_")
    match = _PATTERN.match(key)
    if not match or match.group(1).rstrip("_") not in _FAMILIES:
        raise ValueError(f"unknown metric name {name!r}")
    family = _FAMILIES[match.group(1).rstrip("_")]
    cutoff = match.group(2)
    return f"{family}@{cutoff}" if cutoff else family
