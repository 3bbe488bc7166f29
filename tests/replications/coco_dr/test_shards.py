"""The streaming data path: span and passage shards written from a stream, memory-mapped, each rank its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from replications.coco_dr.shards import PassageShard, SpanShard, write_passage_shard, write_span_shards


def _spans(texts: list[str], shard: int) -> list[list[list[int]] | None]:
    out = []
    for t in texts:
        words = t.split()
        out.append(None if len(words) < 2 else [[len(w) for w in words[: len(words) // 2]], [shard + 100]])
    return out


def _stream(n: int):
    for i in range(n):
        yield "x" if i % 7 == 0 else " ".join(["ab"] * (i % 5 + 2))


def test_span_shards_deal_documents_and_drop_filtered(tmp_path: Path) -> None:
    paths = write_span_shards(_stream(50), tmp_path, 3, _spans)
    shards = [SpanShard.open(p) for p in paths]
    assert sum(s.meta["docs_seen"] for s in shards) == 50
    assert sum(s.n_docs for s in shards) == 50 - len(range(0, 50, 7))
    for k, s in enumerate(shards):
        assert isinstance(s.span_tokens, np.memmap)
        spans = s.spans_of(0)
        assert [int(x) for x in spans[1]] == [k + 100]  # this shard's documents only


def test_a_rank_writes_only_its_shards_and_finished_shards_are_reused(tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(texts: list[str], shard: int):
        calls.append(shard)
        return _spans(texts, shard)

    mine = write_span_shards(_stream(20), tmp_path, 2, counting, only=[1])
    assert [p.name for p in mine] == ["shard001"] and set(calls) == {1}
    assert not (tmp_path / "shard000").exists()
    calls.clear()
    write_span_shards(_stream(20), tmp_path, 2, counting, only=[1])
    assert calls == []  # already written: nothing tokenised again


def test_passage_shard_round_trip(tmp_path: Path) -> None:
    items = ((f"doc{i}", "w " * (i % 4 + 1)) for i in range(10))
    path = write_passage_shard(items, tmp_path / "p", lambda texts: [[len(t)] * len(t.split()) for t in texts])
    shard = PassageShard.open(path)
    assert len(shard) == 10 and shard.docid(3) == "doc3"
    assert shard.row(3).tolist() == [8] * 4
