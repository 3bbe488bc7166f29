"""M-BEIR files round-trip, and hit@k equals UniIR's definition and ir_measures' Success@k."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replications.gcl.mbeir import hit_at_k, load_task, paths, read_qrels, write_world_task
from replications.gcl.world import WorldConfig, build_tasks


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("mbeir")
    tasks = build_tasks(WorldConfig(seed=1, image_size=32, n_queries=8, n_random_distractors=8))
    return root, [write_world_task(root, t) for t in tasks]


def test_world_tasks_round_trip_through_mbeir_files(world_dir: tuple[Path, list[str]]) -> None:
    root, names = world_dir
    assert names[0] == "world_task0"
    for name in names:
        task = load_task(root, name)
        assert len(task.queries) == 8 and task.qrels
        dids = {c.did for c in task.candidates}
        for q in task.queries:
            assert task.qrels[q.qid] == set(q.pos_cand_list) and task.qrels[q.qid] <= dids
            if q.query_img_path:
                assert task.image(q.query_img_path).dtype.name == "uint8"


def test_released_files_with_extra_fields_load_and_missing_files_are_named(tmp_path: Path) -> None:
    p = paths(tmp_path, "mscoco_task0")
    for path in p.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    query = {"qid": "9:1", "query_txt": "A dog.", "query_img_path": None, "query_modality": "text",
             "query_src_content": None, "pos_cand_list": ["9:7"], "neg_cand_list": [], "task_id": 0}  # fmt: skip
    p["query"].write_text(json.dumps(query) + "\n")
    cand = {"txt": None, "img_path": "mbeir_images/x.jpg", "modality": "image", "did": "9:7", "src_content": "{}"}
    p["pool"].write_text(json.dumps(cand) + "\n")
    p["qrels"].write_text("9:1 0 9:7 1 0\n9:1 0 9:8 0 0\n")
    task = load_task(tmp_path, "mscoco_task0")
    assert task.qrels == {"9:1": {"9:7"}} and task.candidates[0].modality == "image"
    p["qrels"].unlink()
    with pytest.raises(FileNotFoundError, match="qrels"):
        load_task(tmp_path, "mscoco_task0")


def test_qrels_reject_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "q.txt"
    bad.write_text("1:1 0 2:2\n")
    with pytest.raises(ValueError, match="malformed"):
        read_qrels(bad)


def test_hit_at_k_is_uniir_recall() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert hit_at_k({"c", "z"}, ranked, 3) == 1.0  # any relevant in the top k, not a fraction of relevant
    assert hit_at_k({"f"}, ranked, 5) == 0.0
    assert hit_at_k(set(), ranked, 5) == 0.0


def test_hit_at_k_equals_ir_measures_success() -> None:
    ir_measures = pytest.importorskip("ir_measures")
    import numpy as np

    rng = np.random.default_rng(0)
    docs = [f"d{i}" for i in range(30)]
    run, qrels, ours = {}, {}, {}
    for q in range(40):
        scores = rng.random(len(docs))
        rel = set(rng.choice(docs, size=int(rng.integers(1, 3)), replace=False).tolist())
        run[f"q{q}"] = {d: float(s) for d, s in zip(docs, scores, strict=True)}
        qrels[f"q{q}"] = {d: 1 for d in rel}
        ranked = [docs[i] for i in np.argsort(-scores)]
        ours[f"q{q}"] = hit_at_k(rel, ranked, 5)
    theirs = {m.query_id: m.value for m in ir_measures.iter_calc([ir_measures.Success @ 5], qrels, run)}
    assert ours == pytest.approx(theirs)
