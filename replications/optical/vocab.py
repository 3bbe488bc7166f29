"""Keep only the embedding rows a run's texts use: exact, and what makes a 250k-vocabulary student cheap on a CPU.

multilingual-e5-small has 250,037 word-embedding rows (96 M of its 118 M parameters). A run touches a few
thousand of them, but AdamW still reads and writes every row of a dense embedding each step: measured here
(2 cores, batch 32 × 32 tokens) the optimizer step took 1.0–1.4 s with the full table and 0.05 s without it,
against 0.7 s for forward and backward. Rows no text uses are never read, and with no gradient they receive
no Adam update that any output could see, so dropping them changes no vector and no training step: the
restricted model computes exactly what the full one computes on these texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn


class RowSubsetEmbedding(nn.Module):
    """An embedding that stores only `rows` of a larger table and looks full-vocabulary ids up through a map.

    An id outside the kept rows is an error (it would silently read another token's row otherwise).
    """

    def __init__(self, full: torch.Tensor, rows: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(full[rows].clone())
        lookup = torch.full((full.shape[0],), -1, dtype=torch.long)
        lookup[rows] = torch.arange(len(rows))
        self.register_buffer("lookup", lookup, persistent=False)
        self.num_embeddings, self.embedding_dim = full.shape  # as nn.Embedding reports them

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        local = self.lookup[ids]
        if bool((local < 0).any()):
            missing = sorted(set(ids[local < 0].tolist()))[:5]
            raise ValueError(f"token ids {missing} are not among the kept embedding rows")
        return nn.functional.embedding(local, self.weight)


def used_ids(tokenizer: Any, texts: Iterable[str], max_length: int, extra: Iterable[int] = ()) -> list[int]:
    """Every token id `tokenizer` gives `texts` (truncated as the run truncates them), plus `extra`."""
    ids = set(extra)
    batch = list(texts)
    for start in range(0, len(batch), 1024):
        for seq in tokenizer(batch[start : start + 1024], truncation=True, max_length=max_length)["input_ids"]:
            ids.update(seq)
    return sorted(ids)


def restrict_vocabulary(model: Any, ids: Iterable[int]) -> Any:
    """`model` with its input embedding cut to `ids` (in place; returned for chaining)."""
    full = model.get_input_embeddings().weight.detach()
    model.set_input_embeddings(RowSubsetEmbedding(full, torch.tensor(sorted(set(ids)), dtype=torch.long)))
    return model
