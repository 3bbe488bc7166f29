"""Loading the encoder and embedding text with gradients (training side; evaluation uses `retrieval.Encoder`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimcheck.retrieval.distributed import device_of

if TYPE_CHECKING:
    import torch
    from torch import nn

    from claimcheck.retrieval.encoders import EncodingProtocol


def load(source: str | Path, *, mlm: bool = False, dropout: float | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) from a local directory or a hub id (hub only with CLAIMCHECK_NETWORK=1).

    `mlm=True` loads the masked-LM head too (COCO's MLM term); `dropout` overrides the config's dropout rates
    (0 makes training deterministic, which the DDP equivalence test needs). The model is placed on this
    process's GPU when there is one (`distributed.default_device`).
    """
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

    from claimcheck.home import network_allowed
    from claimcheck.retrieval.distributed import default_device

    local = Path(source).expanduser().exists()
    kwargs: dict[str, Any] = {"local_files_only": not local and not network_allowed()}
    config = AutoConfig.from_pretrained(str(source), **kwargs)
    if dropout is not None:
        config.hidden_dropout_prob = dropout
        config.attention_probs_dropout_prob = dropout
    cls = AutoModelForMaskedLM if mlm else AutoModel
    model = cls.from_pretrained(str(source), config=config, attn_implementation="eager", **kwargs)
    return model.to(default_device()), AutoTokenizer.from_pretrained(str(source), **kwargs)


def encoder_of(model: nn.Module) -> nn.Module:
    """The bare encoder (BertModel) inside a masked-LM model, or the model itself."""
    return getattr(model, "base_model", model)


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int) -> dict[str, torch.Tensor]:
    return tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")


def pad_ids(tokenizer: Any, rows: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
    """A padded batch from token-id rows without special tokens: [CLS] row [SEP] (RoBERTa's cls/sep likewise)."""
    import torch

    full = [[tokenizer.cls_token_id, *(int(t) for t in r), tokenizer.sep_token_id] for r in rows]
    width = max(len(r) for r in full)
    ids = torch.full((len(full), width), tokenizer.pad_token_id or 0, dtype=torch.long)
    mask = torch.zeros((len(full), width), dtype=torch.long)
    for i, r in enumerate(full):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def autocast(model: nn.Module, enabled: bool):
    """bf16 autocast on the model's device when enabled (helps on GPUs; on CPUs without bf16 units it is slower)."""
    import contextlib

    import torch

    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_of(model).type, dtype=torch.bfloat16)


def embed_batch(model: nn.Module, batch: dict[str, torch.Tensor], pooling: str, normalize: bool) -> torch.Tensor:
    """Pooled (optionally L2-normalised) embeddings of a tokenised batch, differentiable; float32."""
    import torch

    from claimcheck.retrieval.encoders import pool

    device = device_of(model)
    mask = batch["attention_mask"].to(device)
    hidden = encoder_of(model)(input_ids=batch["input_ids"].to(device), attention_mask=mask)[0]
    emb = pool(hidden.float(), mask, pooling)
    return torch.nn.functional.normalize(emb, dim=-1) if normalize else emb


def embed_texts(
    model: nn.Module, tokenizer: Any, texts: Sequence[str], max_length: int, protocol: EncodingProtocol
) -> torch.Tensor:
    return embed_batch(model, tokenize(tokenizer, texts, max_length), protocol.pooling, protocol.normalize)
