"""M-BEIR files round-trip, UniIR's sets, pools and cutoffs, and hit@k equals UniIR's definition and ir_measures'
Success@k."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replications.gcl.images import Items
from replications.gcl.mbeir import (
    MBEIR_TEST_SETS,
    MBeirSet,
    check_union,
    hit_at_k,
    load_pool,
    load_queries,
    mbeir_sets,
    paths,
    read_qrels,
    write_world_task,
)
from replications.gcl.world import WorldConfig, build_tasks


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[MBeirSet]]:
    root = tmp_path_factory.mktemp("mbeir")
    tasks = build_tasks(WorldConfig(seed=1, image_size=32, n_queries=8, n_random_distractors=8))
    return root, [write_world_task(root, t) for t in tasks]


def test_world_tasks_round_trip_through_mbeir_files(world_dir: tuple[Path, list[MBeirSet]]) -> None:
    root, sets = world_dir
    assert sets[0].name == "world_task0" and {s.name for s in sets} >= {"worldsame_task2", "worldcompl_task8"}
    for s in sets:
        qs, pool = load_queries(root, s), load_pool(root, s.pool)
        assert len(qs.queries) == 8 and qs.qrels
        for qid in qs.queries.ids:
            assert qs.qrels[qid] <= set(pool.ids)
        assert all(p is None or p.is_file() for p in qs.queries.images + pool.images)
    check_union({s.pool: load_pool(root, s.pool) for s in sets})  # the world's ids are unique across tasks


def test_uniir_test_sets_pools_and_cutoffs() -> None:
    by_name = {s.name: s for s in MBEIR_TEST_SETS}
    assert len(MBEIR_TEST_SETS) == 16
    assert by_name["mscoco_task0"].pool == "mscoco_task0_test" and by_name["mscoco_task3"].pool == "mscoco_task3_test"
    assert by_name["webqa_task2"].pool == "webqa_task2"
    assert {s.name for s in MBEIR_TEST_SETS if s.k == 10} == {"fashion200k_task0", "fashion200k_task3",
                                                               "fashioniq_task7"}  # fmt: skip
    assert mbeir_sets(None) == list(MBEIR_TEST_SETS)
    assert mbeir_sets(["cirr_task7", {"name": "x_task1", "pool": "y"}])[1] == MBeirSet(name="x_task1", pool="y")
    with pytest.raises(ValueError, match="unknown set 'mscoco'"):
        mbeir_sets(["mscoco"])


def test_released_files_with_extra_fields_load_and_missing_files_are_named(tmp_path: Path) -> None:
    s = MBeirSet(name="mscoco_task0", pool="mscoco_task0_test")
    p = paths(tmp_path, s.name, pool=s.pool)
    assert p["pool"].name == "mbeir_mscoco_task0_test_cand_pool.jsonl"
    for path in p.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    query = {"qid": "9:1", "query_txt": "A dog.", "query_img_path": None, "query_modality": "text",
             "query_src_content": None, "pos_cand_list": ["9:7"], "neg_cand_list": [], "task_id": 0}  # fmt: skip
    p["query"].write_text(json.dumps(query) + "\n")
    cand = {"txt": None, "img_path": "mbeir_images/x.jpg", "modality": "image", "did": "9:7", "src_content": "{}"}
    p["pool"].write_text(json.dumps(cand) + "\n")
    p["qrels"].write_text("9:1 0 9:7 1 0\n9:1 0 9:8 0 0\n")
    qs, pool = load_queries(tmp_path, s), load_pool(tmp_path, s.pool)
    assert qs.qrels == {"9:1": {"9:7"}} and pool.modalities == ["image"]
    assert pool.images == [tmp_path / "mbeir_images/x.jpg"]
    p["qrels"].unlink()
    with pytest.raises(FileNotFoundError, match="qrels"):
        load_queries(tmp_path, s)


def test_a_bad_record_names_file_line_and_field(tmp_path: Path) -> None:
    p = paths(tmp_path, "cirr_task7")["pool"]
    p.parent.mkdir(parents=True)
    p.write_text(json.dumps({"did": "1:1", "modality": "image"}) + "\n\n" + json.dumps({"txt": "no id"}) + "\n")
    with pytest.raises(ValueError, match=r"mbeir_cirr_task7_cand_pool\.jsonl:3: did: Field required"):
        load_pool(tmp_path, "cirr_task7")


def test_qrels_reject_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "q.txt"
    bad.write_text("1:1 0 2:2 1 0\n1:1 0 2:2\n")
    with pytest.raises(ValueError, match=r"q\.txt:2: malformed"):
        read_qrels(bad)


def test_global_pool_refuses_an_id_in_two_pools() -> None:
    a = Items(["1:1", "1:2"], ["x", "y"], [None, None], ["text", "text"])
    b = Items(["1:2"], ["z"], [None], ["text"])
    with pytest.raises(ValueError, match="1:2 is in pool a and in pool b"):
        check_union({"a": a, "b": b})


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
