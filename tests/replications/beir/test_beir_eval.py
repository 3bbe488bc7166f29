from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.experiments import RunContext, get_experiment
from claimcheck.retrieval.data import synthetic_dataset, write_beir


def _ctx(name: str, scale: str, tmp_path: Path, params: dict | None = None, data_dir: Path | None = None) -> RunContext:
    exp = get_experiment(name)
    return RunContext(
        experiment=name,
        scale=scale,  # type: ignore[arg-type]
        config=exp.config_for(scale, params),  # type: ignore[arg-type]
        seeds=[0],
        data_dir=data_dir,
        work_dir=tmp_path / "work",
    )


@pytest.mark.parametrize("name", ["beir.beir_eval", "beir.cocodr_eval"])
def test_smoke_run_gives_per_query_measurements_and_fingerprints(name: str, tmp_path: Path) -> None:
    exp = get_experiment(name)
    ctx = _ctx(name, "smoke", tmp_path)
    out = exp.fn(ctx)
    metrics = {m.metric for m in out.measurements}
    assert metrics == {"nDCG@10", "R@100", "AP"}
    for m in out.measurements:
        assert m.dataset == "synthetic" and len(m.per_query) == 8
        assert m.value == pytest.approx(sum(m.per_query.values()) / len(m.per_query))
        assert 0.0 <= m.value <= 1.0
    assert any(k.startswith("weights:") for k in ctx.fingerprints)
    assert out.extra["protocol"]["pooling"] == ("cls" if name == "beir.cocodr_eval" else "mean")


def test_local_model_and_dataset_from_a_data_dir(tmp_path: Path) -> None:
    """A full-scale config pointed at a local checkpoint directory and a BEIR folder in the data dir."""
    from claimcheck.retrieval.encoders import build_tiny_bert

    model = build_tiny_bert(tmp_path / "model")
    write_beir(synthetic_dataset(n_docs=30, seed=5), tmp_path / "data" / "mini")
    ctx = _ctx("beir.beir_eval", "full", tmp_path, {"model": str(model), "dataset": "mini"}, tmp_path / "data")
    out = get_experiment("beir.beir_eval").fn(ctx)
    assert {m.dataset for m in out.measurements} == {"mini"}
    assert {k for k in ctx.fingerprints if k.startswith("data:")} == {
        "data:mini/corpus.jsonl", "data:mini/queries.jsonl", "data:mini/test.tsv"
    }  # fmt: skip


def test_cqadupstack_is_scored_forum_by_forum_and_averaged(tmp_path: Path) -> None:
    from claimcheck.retrieval.data import CQADUPSTACK_FORUMS
    from claimcheck.retrieval.encoders import build_tiny_bert

    model = build_tiny_bert(tmp_path / "model")
    for i, forum in enumerate(CQADUPSTACK_FORUMS):
        write_beir(synthetic_dataset(n_docs=12, n_queries=2 + i % 3, seed=i), tmp_path / "data" / "cqadupstack" / forum)
    params = {"model": str(model), "dataset": "cqadupstack", "metrics": ["nDCG@10"]}
    ctx = _ctx("beir.beir_eval", "full", tmp_path, params, tmp_path / "data")
    (m,) = get_experiment("beir.beir_eval").fn(ctx).measurements
    assert m.dataset == "cqadupstack" and len(m.per_query) == sum(2 + i % 3 for i in range(12))
    by_forum = [[v for q, v in m.per_query.items() if q.startswith(f"{f}/")] for f in CQADUPSTACK_FORUMS]
    assert m.value == pytest.approx(sum(sum(s) / len(s) for s in by_forum) / 12)
    assert "data:cqadupstack/gis/corpus.jsonl" in ctx.fingerprints
    assert len([k for k in ctx.fingerprints if k.startswith("data:")]) == 36


def test_full_scale_requirements_name_what_each_claim_needs() -> None:
    control = get_experiment("beir.beir_eval").scales["full"].requirements
    assert not control.network and control.gpus == 0
    assert control.models == ["sentence-transformers/all-MiniLM-L6-v2"] and control.datasets == ["scifact"]
    coco = get_experiment("beir.cocodr_eval").scales["full"].requirements
    assert coco.network and set(coco.models) == {"OpenMatch/cocodr-base-msmarco", "OpenMatch/cocodr-large-msmarco"}
    assert set(coco.datasets) == {"trec-covid", "bioasq"}
    assert "proxy" not in get_experiment("beir.beir_eval").scales


def test_missing_dataset_fails_with_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimcheck.retrieval.data import DatasetMissing

    monkeypatch.delenv("CLAIMCHECK_NETWORK", raising=False)
    monkeypatch.delenv("CLAIMCHECK_DATA", raising=False)
    ctx = _ctx("beir.beir_eval", "full", tmp_path, {"dataset": "nfcorpus"}, tmp_path)
    with pytest.raises(DatasetMissing, match=r"nfcorpus\.zip"):
        get_experiment("beir.beir_eval").fn(ctx)


def test_a_named_checkpoint_runs_only_under_its_published_protocol(tmp_path: Path) -> None:
    from replications.beir.experiment import check_protocol

    check_protocol("OpenMatch/cocodr-base-msmarco", "coco-dr")
    check_protocol("/some/local/dir", "minilm")
    with pytest.raises(ValueError, match="evaluated under protocol 'coco-dr', not 'minilm'"):
        check_protocol("OpenMatch/cocodr-base-msmarco", "minilm")
    ctx = _ctx("beir.beir_eval", "full", tmp_path, {"model": "OpenMatch/cocodr-base-msmarco"})
    with pytest.raises(ValueError, match="protocol='\"coco-dr\"'"):
        get_experiment("beir.beir_eval").fn(ctx)
