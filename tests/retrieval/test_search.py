from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from claimcheck.retrieval.search import exact_search, to_run


def _reference(q: torch.Tensor, c: torch.Tensor, k: int, cos: bool) -> tuple[torch.Tensor, torch.Tensor]:
    if cos:
        q, c = torch.nn.functional.normalize(q, dim=-1), torch.nn.functional.normalize(c, dim=-1)
    return torch.topk(q @ c.T, k, dim=1)


@pytest.mark.parametrize("similarity", ["dot", "cos"])
@pytest.mark.parametrize("chunk_size", [7, 64, 10_000])
def test_chunked_search_equals_full_matrix(similarity: str, chunk_size: int) -> None:
    g = torch.Generator().manual_seed(0)
    q, c = torch.randn(13, 16, generator=g), torch.randn(301, 16, generator=g) * torch.rand(301, 1, generator=g)
    scores, idx = exact_search(q, c, 10, similarity=similarity, chunk_size=chunk_size, query_chunk_size=5)
    ref_s, ref_i = _reference(q, c, 10, similarity == "cos")
    assert torch.equal(idx, ref_i)
    assert torch.allclose(scores, ref_s, atol=1e-5)


def test_k_larger_than_corpus_and_numpy_memmap_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    corpus = rng.standard_normal((9, 8)).astype(np.float32)
    path = tmp_path / "emb.f32"
    corpus.tofile(path)
    mm = np.memmap(path, dtype=np.float32, mode="r", shape=(9, 8))
    q = rng.standard_normal((3, 8)).astype(np.float32)
    scores, idx = exact_search(q, mm, 100, chunk_size=4)
    assert idx.shape == (3, 9)
    ref_s, ref_i = _reference(torch.from_numpy(q), torch.from_numpy(corpus), 9, False)
    assert torch.equal(idx, ref_i) and torch.allclose(scores, ref_s, atol=1e-5)


def test_faiss_backend_agrees() -> None:
    pytest.importorskip("faiss")
    g = torch.Generator().manual_seed(2)
    q, c = torch.randn(6, 12, generator=g), torch.randn(200, 12, generator=g)
    s_t, i_t = exact_search(q, c, 5, similarity="cos", chunk_size=50)
    s_f, i_f = exact_search(q, c, 5, similarity="cos", chunk_size=50, backend="faiss")
    assert torch.equal(i_t, i_f) and torch.allclose(s_t, s_f, atol=1e-5)


def test_to_run_maps_rows_to_ids() -> None:
    run = to_run(torch.tensor([[0.9, 0.5]]), torch.tensor([[1, 0]]), ["q"], ["a", "b"])
    assert run == {"q": {"b": pytest.approx(0.9), "a": pytest.approx(0.5)}}


def test_unknown_similarity_is_an_error() -> None:
    with pytest.raises(ValueError):
        exact_search(torch.ones(1, 2), torch.ones(2, 2), 1, similarity="l2")  # type: ignore[arg-type]


def test_device_search_returns_host_tensors_equal_to_the_default() -> None:
    g = torch.Generator().manual_seed(2)
    q, c = torch.randn(6, 8, generator=g), torch.randn(50, 8, generator=g)
    want_s, want_i = exact_search(q, c, 4, chunk_size=16)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:  # corpus already on the device: it stays there, only the top k come back
        scores, idx = exact_search(q, c.to(device), 4, chunk_size=16, device=device)
        assert scores.device.type == idx.device.type == "cpu"
        assert torch.equal(idx, want_i) and torch.allclose(scores, want_s, atol=1e-5)
    with pytest.raises(ValueError, match="faiss"):
        exact_search(q, c, 4, backend="faiss", device="cuda")
