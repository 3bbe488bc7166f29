"""Keeping only the embedding rows a run uses changes no output and no training step."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")

from replications.optical.distill import DistillConfig, train_student  # noqa: E402
from replications.optical.vocab import restrict_vocabulary, used_ids  # noqa: E402

EN = ["the cat sat on the mat", "a dog ran home", "rivers flow to the big blue sea today"]
FX = ["paka aliketi juu ya mkeka", "mbwa alikimbia nyumbani kwa haraka sana leo", "mito"]


def _restricted(tiny_encoder):
    model, tokenizer = tiny_encoder
    keep = used_ids(tokenizer, EN + FX, 16, extra=[tokenizer.pad_token_id, tokenizer.mask_token_id])
    return model, tokenizer, restrict_vocabulary(copy.deepcopy(model), keep), keep


def test_restricted_model_computes_what_the_full_model_computes(tiny_encoder) -> None:
    model, tokenizer, small, keep = _restricted(tiny_encoder)
    assert small.get_input_embeddings().weight.shape[0] == len(keep) < tokenizer.vocab_size
    enc = tokenizer(EN + FX, truncation=True, max_length=16, padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(small(**enc)[0], model(**enc)[0], rtol=0, atol=0)


def test_training_the_restricted_student_equals_training_the_full_one(tiny_encoder) -> None:
    model, tokenizer, small, _ = _restricted(tiny_encoder)
    cfg = DistillConfig(batch_size=2, lr=1e-3, max_length=16, epochs=2)
    full_student = train_student(copy.deepcopy(model), tokenizer, EN, FX, cfg, seed=3)
    small_student = train_student(small, tokenizer, EN, FX, cfg, seed=3)
    enc = tokenizer(FX, truncation=True, max_length=16, padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(small_student(**enc)[0], full_student(**enc)[0], rtol=1e-5, atol=1e-6)


def test_an_id_outside_the_kept_rows_is_an_error(tiny_encoder) -> None:
    _, tokenizer, small, keep = _restricted(tiny_encoder)
    outside = next(i for i in range(tokenizer.vocab_size) if i not in set(keep))
    with pytest.raises(ValueError, match="not among the kept embedding rows"):
        small(input_ids=torch.tensor([[outside]]), attention_mask=torch.ones(1, 1, dtype=torch.long))
