"""A tiny random BERT (built from a config, saved to a temp dir) shared by the retrieval tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from claimcheck.retrieval.encoders import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"), seed=0)
