"""Sharded encoding under `torchrun --nproc_per_node 2` (gloo, CPU) gives exactly the single-process result."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

SCRIPT = """
import sys, torch, torch.distributed as dist
from claimcheck.retrieval.distributed import init_from_env, rank_and_world
from tests_shard import encode_and_search

torch.set_num_threads(1)
init_from_env("gloo")
rank, world = rank_and_world()
torch.save({**encode_and_search(sys.argv[1]), "world": world}, f"{sys.argv[2]}.{rank}")
dist.destroy_process_group()
"""
HELPER = """
from claimcheck.retrieval.data import synthetic_dataset
from claimcheck.retrieval.encoders import Encoder, EncodingProtocol
from claimcheck.retrieval.search import exact_search


def encode_and_search(model_dir):
    ds = synthetic_dataset(n_docs=90, n_queries=12, seed=1)
    enc = Encoder(model_dir, EncodingProtocol(pooling="mean", similarity="cos", doc_max_length=32), batch_size=8)
    docs = enc.encode_corpus(list(ds.corpus.values()))
    queries = enc.encode_queries(list(ds.queries.values()))
    return {"docs": docs, "queries": queries, "idx": exact_search(queries, docs, 10, "cos")[1]}
"""


def _run(cmd: list[str], cwd: Path) -> None:
    paths = [str(cwd), str(Path(__file__).resolve().parents[2])]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_torchrun_two_gloo_ranks_equal_one_process(tiny_bert: Path, tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun not on PATH")
    script = tmp_path / "shard.py"
    script.write_text(SCRIPT)
    (tmp_path / "tests_shard.py").write_text(HELPER)
    _run(
        [torchrun, "--standalone", "--nproc_per_node", "2", str(script), str(tiny_bert), str(tmp_path / "multi")],
        tmp_path,
    )
    # the single-process reference, computed here with the same thread count as each rank
    namespace: dict = {}
    exec(HELPER, namespace)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single = namespace["encode_and_search"](str(tiny_bert))
    finally:
        torch.set_num_threads(threads)
    ranks = [torch.load(tmp_path / f"multi.{r}", weights_only=True) for r in (0, 1)]
    assert all(r["world"] == 2 for r in ranks)
    for r in ranks:  # every rank holds the whole result, in the original order
        assert torch.equal(r["docs"], single["docs"])
        assert torch.equal(r["queries"], single["queries"])
        assert torch.equal(r["idx"], single["idx"])


def test_each_rank_takes_its_own_gpu_and_nccl_when_there_are_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch.distributed as dist

    from claimcheck.retrieval import distributed

    assert distributed.default_device() == ("cuda:0" if torch.cuda.is_available() else "cpu")
    calls: dict[str, object] = {}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "set_device", lambda d: calls.__setitem__("device", d))
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(dist, "init_process_group", lambda backend: calls.__setitem__("backend", backend))
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert distributed.default_device() == "cuda:1"
    assert distributed.init_from_env() and calls == {"device": "cuda:1", "backend": "cpu:gloo,cuda:nccl"}
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)  # each rank sees only its own GPU
    assert distributed.default_device() == "cuda:0"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert distributed.init_from_env() and calls["backend"] == "gloo"
    assert distributed.default_device() == "cpu"


def test_an_encoder_leaves_a_module_on_its_device(tiny_bert: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    from claimcheck.retrieval.encoders import Encoder

    module = AutoModel.from_pretrained(tiny_bert)
    enc = Encoder(module, "minilm", tokenizer=AutoTokenizer.from_pretrained(tiny_bert))
    assert enc.device == torch.device("cpu") and enc.model is module
