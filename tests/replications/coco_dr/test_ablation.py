"""The registered experiment at smoke scale, the evaluation sub-collections and COCO's span pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from claimcheck.experiments import RunContext, get_experiment  # noqa: E402
from claimcheck.retrieval.data import Dataset  # noqa: E402
from replications.coco_dr.ablation import CONDITIONS, subsample  # noqa: E402
from replications.coco_dr.coco import contrastive_loss, spans_of  # noqa: E402


@pytest.mark.timeout(600)  # ~10 s idle
def test_smoke_runs_every_condition(tmp_path: Path) -> None:
    exp = get_experiment("coco_dr.idro_ablation")
    ctx = RunContext(experiment=exp.name, scale="smoke", config=exp.config_for("smoke"), seeds=[0], work_dir=tmp_path)
    out = exp.fn(ctx)
    seen = {(m.condition, m.dataset) for m in out.measurements}
    assert seen == {(c, d) for c in CONDITIONS for d in ("synthetic-a", "synthetic-b")}
    for m in out.measurements:
        assert m.metric == "nDCG@10" and 0.0 <= m.value <= 1.0 and len(m.per_query) == 12
    # every trained condition actually trained: its loss curve is recorded and finite
    for cond in ("full", "without_idro", "without_coco"):
        log = out.extra["training"][f"{cond}/seed0"]
        assert log["first_loss"] and all(v == v for v in log["first_loss"] + log["last_loss"])


def test_subsample_keeps_queries_and_their_judgments() -> None:
    corpus = {f"d{i}": {"title": "", "text": f"doc {i}"} for i in range(100)}
    qrels = {f"q{i}": {f"d{j}": 1 for j in range(i, i + 10)} for i in range(20)}
    ds = Dataset("t", corpus, {q: q for q in qrels}, qrels)
    small = subsample(ds, max_queries=8, max_docs=30, max_rel_per_query=2)
    assert len(small.corpus) == 30 and len(small.queries) == 8
    for q, rels in small.qrels.items():
        assert rels and all(d in small.corpus for d in rels)
        assert set(rels) == {d for d in qrels[q] if d in small.corpus}
    assert subsample(ds, 8, 30, 2).qrels == small.qrels  # deterministic


def test_subsample_cuts_each_part_of_a_composite_on_its_own() -> None:
    from claimcheck.retrieval.data import composite

    def forum(name: str) -> Dataset:
        corpus = {f"d{i}": {"title": "", "text": f"{name} {i}"} for i in range(50)}
        qrels = {f"q{i}": {f"d{i}": 1} for i in range(10)}
        return Dataset(name, corpus, {q: q for q in qrels}, qrels)

    whole = composite("c", [forum("c/a"), forum("c/b")])
    small = subsample(whole, max_queries=6, max_docs=40)
    assert [p.name for p in small.parts] == ["c/a", "c/b"]
    for part, tag in zip(small.parts, ("a/", "b/"), strict=True):
        assert len(part.queries) == 3 and len(part.corpus) == 20  # the budget shared out over the parts
        assert all(d.startswith(tag) for d in part.corpus)  # ids keep one prefix, not two
    assert len(small.queries) == 6 and len(small.corpus) == 40


class _WordTokenizer:
    def __call__(self, text: str, add_special_tokens: bool = False) -> dict:
        return {"input_ids": [len(w) for w in text.split()]}


def test_spans_pack_sentences_up_to_the_limit() -> None:
    spans = spans_of("a bb ccc. dd e. ffff gg hhh iiii jj kk.", _WordTokenizer(), 4)
    assert all(len(s) <= 4 for s in spans)
    assert [x for s in spans for x in s] == [1, 2, 4, 2, 2, 4, 2, 3, 4, 2, 3]
    assert spans[0] == [1, 2, 4]  # the next sentence (2 tokens) would overflow 4


def test_contrastive_loss_pairs_neighbours() -> None:
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    good = contrastive_loss(emb, 10.0)
    bad = contrastive_loss(emb[[0, 2, 1, 3]], 10.0)
    assert good < 1e-3 < bad
