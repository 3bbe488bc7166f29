"""The full scale's stages at smoke size: the official batch composition, BM25 warm-up negatives, the streamed
fine-tuning source, COCO's eval-mode backbone and the Condenser head's weights from a checkpoint's model.pt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from claimcheck.retrieval.data import write_beir  # noqa: E402
from claimcheck.retrieval.encoders import get_protocol  # noqa: E402
from replications.coco_dr.train import FinetuneConfig, mine_episode, triple_stream  # noqa: E402


def test_triple_stream_is_the_official_order() -> None:
    """Shuffled queries, one pass per slice of negatives, each query's triples consecutive."""
    stream = triple_stream(3, [6, 6, 6], 2, np.random.default_rng(0))
    assert len(stream) == 18
    lines = stream.reshape(-1, 2, 2)  # 9 lines of 2 triples
    for line in lines:
        assert line[0, 0] == line[1, 0] and line[1, 1] == line[0, 1] + 1
    order = [int(line[0, 0]) for line in lines[:3]]
    assert sorted(order) == [0, 1, 2]
    assert [int(line[0, 0]) for line in lines[3:6]] == order  # the same query order in every pass
    assert [int(line[0, 1]) for line in lines[3:6]] == [2, 2, 2]  # the next slice of negatives


@pytest.fixture
def tiny(tmp_path: Path):
    from replications.coco_dr.model import load
    from replications.coco_dr.smoke import build_tiny_bert, smoke_source

    model, tok = load(build_tiny_bert(tmp_path / "bert"), mlm=True, dropout=0.1)
    return model, tok, smoke_source()


def test_warmup_negatives_are_bm25s_top_without_the_positives(tiny, tmp_path: Path) -> None:
    from replications.coco_dr.model import encoder_of
    from replications.coco_dr.trainset import from_dataset

    model, tok, source = tiny
    proto = get_protocol("coco-dr").model_copy(update={"query_max_length": 16, "doc_max_length": 32})
    data = from_dataset(source, proto, tok, tmp_path / "p")
    cfg = FinetuneConfig(objective="erm", negatives="bm25", neg_depth=5, neg_keep=5)
    ep = mine_episode(encoder_of(model), tok, proto, data, cfg, 0)
    top = data.bm25_top(5 + 1, cfg.bm25_k1, cfg.bm25_b)
    for negs, pos, t in zip(ep.negatives, data.positives, top, strict=True):
        assert not set(negs.tolist()) & set(pos.tolist())
        assert set(negs.tolist()) == set([x for x in t.tolist() if x not in pos][:5])


def test_streamed_source_equals_the_loaded_one(tiny, tmp_path: Path) -> None:
    from replications.coco_dr.trainset import from_beir_stream, from_dataset

    _, tok, source = tiny
    proto = get_protocol("coco-dr").model_copy(update={"query_max_length": 16, "doc_max_length": 32})
    folder = write_beir(source, tmp_path / "beir", split="train")
    streamed = from_beir_stream(Path(folder), "train", proto, tok, tmp_path / "streamed")
    loaded = from_dataset(source, proto, tok, tmp_path / "loaded")
    assert streamed.qids == loaded.qids and streamed.queries == loaded.queries
    rows = {streamed.passages.docid(i): streamed.passages.row(i).tolist() for i in range(len(streamed.passages))}
    for q, pos_s, pos_l in zip(streamed.qids, streamed.positives, loaded.positives, strict=True):
        assert [loaded.passages.docid(int(r)) for r in pos_l] == [streamed.passages.docid(int(r)) for r in pos_s], q
    assert rows == {loaded.passages.docid(i): loaded.passages.row(i).tolist() for i in range(len(loaded.passages))}


def test_coco_runs_the_backbone_in_eval_mode_and_loads_the_head(tiny, tmp_path: Path) -> None:
    from replications.coco_dr.coco import CocoConfig, coco_pretrain, condenser_head
    from replications.coco_dr.shards import SpanShard, write_span_shards
    from replications.coco_dr.spans import chunk_spanner

    model, tok, source = tiny
    cfg = CocoConfig(steps=2, batch_docs=4, lr=1e-3, span_tokens=8, max_tokens=14, condenser_head=True,
                     head_layers=1, skip_from=1)  # fmt: skip
    saved = condenser_head(model, cfg, None)
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    torch.save({f"c_head.{k}": v + 1.0 for k, v in saved.state_dict().items()}, ckpt / "model.pt")
    loaded = condenser_head(model, cfg, ckpt)
    for k, v in saved.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v + 1.0)
    modes: list[bool] = []
    handle = model.bert.encoder.register_forward_pre_hook(lambda m, _args: modes.append(m.training))
    texts = [d["text"] for d in source.corpus.values()]
    paths = write_span_shards(texts, tmp_path / "spans", 1, chunk_spanner(tok, 8, 0.1, 0))
    log = coco_pretrain(model, tok, [SpanShard.open(p) for p in paths], 1, cfg, checkpoint=ckpt)
    handle.remove()
    assert modes == [False, False] and len(log.losses) == 2 and all(x == x for x in log.mlm)
    assert all(m > 0 for m in log.mlm)  # whole-word MLM + the head's MLM contributed


def test_full_config_reads_the_official_corpora() -> None:
    from replications.coco_dr.scales import BEIR_18, FULL

    corpora = FULL.config["coco_corpora"]
    assert "fever" not in corpora and "climate-fever" in corpora and "msmarco" in corpora
    assert len(corpora) == 18 and set(corpora) - {"msmarco"} == set(BEIR_18) - {"fever"}
    assert len(FULL.seeds) >= 3
    json.dumps(FULL.config)  # the config is plain data (it enters the run key)
