"""The registered experiment at smoke scale (every stage: COCO with whole-word and Condenser-head MLM, BM25 warm-up,
ANCE episodes with iDRO/ERM and LAMB), its validity checks, the evaluation sub-collections and COCO's span pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from claimcheck.experiments import RunContext, get_experiment  # noqa: E402
from claimcheck.retrieval.data import Dataset  # noqa: E402
from replications.coco_dr.ablation import CONDITIONS, subsample  # noqa: E402
from replications.coco_dr.coco import contrastive_loss  # noqa: E402
from replications.coco_dr.spans import pack_spans  # noqa: E402


@pytest.mark.timeout(600)  # ~25 s idle
def test_smoke_runs_every_condition_and_reports_its_checks(tmp_path: Path) -> None:
    exp = get_experiment("coco_dr.idro_ablation")
    ctx = RunContext(experiment=exp.name, scale="smoke", config=exp.config_for("smoke"), seeds=[0], work_dir=tmp_path)
    out = exp.fn(ctx)
    seen = {(m.condition, m.dataset) for m in out.measurements}
    assert seen == {(c, d) for c in CONDITIONS for d in ("synthetic-a", "synthetic-b")}
    for m in out.measurements:
        assert m.metric == "nDCG@10" and 0.0 <= m.value <= 1.0 and len(m.per_query) == 12
    training = out.extra["training"]
    for stage in ("warmup-coco/seed0", "warmup-base/seed0", "full/seed0", "without_idro/seed0", "without_coco/seed0"):
        log = training[stage]
        assert log["first_loss"] and all(v == v for v in log["first_loss"] + log["last_loss"])
    assert training["coco/seed0"]["steps"] == 3 and training["full/seed0"]["weights"]["steps"] == 4
    names = {c.name for c in out.validity}
    assert names == {
        "distribution-shift", "full-learned", "without_idro-learned", "without_coco-learned",
        "coco-changed-encoder", "coco-on-target-corpora", "idro-weights-moved", "no-placeholders",
    }  # fmt: skip
    by_name = {c.name: c for c in out.validity}
    assert by_name["idro-weights-moved"].targets == ["without_idro"]
    assert all(c.detail for c in out.validity)


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


class _NoBreak:
    def random(self) -> float:
        return 1.0


def test_spans_pack_sentences_up_to_the_limit() -> None:
    """The official packing: a span closes before a sentence that would overflow it; a long sentence stays whole."""
    sentences = [[1, 2, 4], [2, 2], [4, 2, 3, 4, 2, 3], [1]]
    spans = pack_spans(sentences, 4, 0.1, _NoBreak())
    assert spans == [[1, 2, 4], [2, 2], [4, 2, 3, 4, 2, 3], [1]]
    assert pack_spans([[1], [2], [3]], 4, 0.1, _NoBreak()) == [[1, 2, 3]]


def test_contrastive_loss_pairs_neighbours() -> None:
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    good = contrastive_loss(emb, 10.0)
    bad = contrastive_loss(emb[[0, 2, 1, 3]], 10.0)
    assert good < 1e-3 < bad
