"""Task construction: budgets, held-out evaluation disjoint from training bitext, real data when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from replications.optical.tasks import TaskDataMissing, cipher_task, find_data, mafand_task, xquad_task


def _write_mafand(root: Path, lang: str, n_train: int, n_test: int, n_dev: int = 3) -> None:
    d = root / f"en-{lang}"
    d.mkdir(parents=True)
    for split, n in (("train", n_train), ("test", n_test), ("dev", n_dev)):
        (d / f"{split}.en").write_text("".join(f"{split} english {i}\n" for i in range(n)), encoding="utf-8")
        (d / f"{split}.{lang}").write_text("".join(f"{split} foreign {i}\n" for i in range(n)), encoding="utf-8")


def test_mafand_budget_and_held_out_test_split(tmp_path: Path) -> None:
    _write_mafand(tmp_path, "swa", 10, 6)
    task = mafand_task(tmp_path, "swa", budget=4, n_test=5)
    assert task.dataset == "mafand/swa@4"
    assert task.train_en == [f"train english {i}" for i in range(4)]
    assert len(task.queries) == 5 and all(t.startswith("test foreign") for t in task.queries.values())
    assert len(task.corpus) == 6  # every test English sentence is a candidate, asked or not
    assert task.dev is None  # no held-out set unless asked for
    assert len(mafand_task(tmp_path, "swa", budget=4, n_test=2, n_candidates=3).corpus) == 3
    assert not set(task.train_fx) & set(task.queries.values())
    assert not {d["text"] for d in task.corpus.values()} & set(task.train_en)
    for q, rel in task.qrels.items():  # the relevant candidate is the query's own translation
        (doc,) = rel
        assert task.queries[q].split()[-1] == task.corpus[doc]["text"].split()[-1]
    assert mafand_task(tmp_path, "swa", budget=None, n_test=None).dataset == "mafand/swa@all"


def test_the_held_out_dev_pairs_are_neither_trained_on_nor_test_queries(tmp_path: Path) -> None:
    _write_mafand(tmp_path, "yor", 10, 6, n_dev=4)
    task = mafand_task(tmp_path, "yor", budget=None, n_test=None, n_dev=3)
    assert task.dev_en == [f"dev english {i}" for i in range(3)]
    assert not set(task.dev_fx) & (set(task.train_fx) | set(task.queries.values()))
    dev = task.dev
    assert dev is not None and dev.qrels == {f"q{i}": {f"d{i}": 1} for i in range(3)}
    assert dev.queries["q1"] == "dev foreign 1" and dev.corpus["d1"]["text"] == "dev english 1"
    assert any(f.name == "dev.yor" for f in task.files)  # fingerprinted with the rest


def test_a_clir_collection_replaces_the_sentence_retrieval_but_not_the_bitext(tmp_path: Path) -> None:
    from claimcheck.retrieval.data import Dataset, write_beir
    from replications.optical.tasks import clir_task

    _write_mafand(tmp_path, "swa", 6, 2, n_dev=2)
    bitext = mafand_task(tmp_path, "swa", budget=4, n_test=None, n_dev=2)
    collection = Dataset(
        "ciral-like",
        corpus={"e1": {"title": "Rain", "text": "rain fell in Mombasa"}, "e2": {"title": "", "text": "a cup final"}},
        queries={"k1": "mvua Mombasa"},
        qrels={"k1": {"e1": 1}},
    )
    task = clir_task(bitext, write_beir(collection, tmp_path / "clir-swa"))
    assert task.dataset == "clir/clir-swa/swa@4"
    assert task.queries == {"k1": "mvua Mombasa"} and task.qrels == {"k1": {"e1": 1}} and len(task.corpus) == 2
    assert task.train_en == bitext.train_en and task.dev_en == bitext.dev_en
    assert {f.name for f in task.files} >= {"corpus.jsonl", "queries.jsonl", "test.tsv", "train.swa"}


def test_a_fit_rule_fills_the_budget_with_the_first_pairs_it_accepts(tmp_path: Path) -> None:
    _write_mafand(tmp_path, "zul", 10, 2)
    task = mafand_task(tmp_path, "zul", budget=3, n_test=None, fits=lambda en, fx: not en.endswith(("1", "2")))
    assert task.train_en == ["train english 0", "train english 3", "train english 4"]


def test_unequal_bitext_sides_are_an_error_naming_both_files(tmp_path: Path) -> None:
    _write_mafand(tmp_path, "hau", 4, 2)
    (tmp_path / "en-hau" / "train.hau").write_text("one line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"train\.en has 4 lines, train\.hau 1"):
        mafand_task(tmp_path, "hau", budget=None, n_test=None)


def test_missing_data_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(TaskDataMissing, match="looked in"):
        find_data("bitext/mafand_mt", tmp_path)


def test_cipher_task_is_deterministic() -> None:
    assert cipher_task(5, 3, seed=4).train_fx == cipher_task(5, 3, seed=4).train_fx


def test_xquad_training_questions_come_from_other_articles_than_the_queries(shared_data: Path) -> None:
    task = xquad_task(shared_data / "xquad_r", "de", train_articles=24, budget=100, n_test=50)
    assert len(task.train_en) == 100 and len(task.queries) == 50
    assert not set(task.train_fx) & set(task.queries.values())
    train_paragraph_docs = set()
    for q in task.qrels:
        train_paragraph_docs |= set(task.qrels[q])
    assert all(doc in task.corpus for doc in train_paragraph_docs)


def test_real_mafand_low_resource_languages_load(shared_data: Path) -> None:
    for lang in ("swa", "yor", "hau", "zul"):
        task = mafand_task(shared_data / "bitext" / "mafand_mt", lang, budget=200, n_test=100)
        assert len(task.train_en) == 200 and len(task.queries) == 100
