"""Task construction: budgets, held-out evaluation disjoint from training bitext, real data when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from replications.optical.tasks import TaskDataMissing, cipher_task, find_data, mafand_task, xquad_task


def _write_mafand(root: Path, lang: str, n_train: int, n_test: int) -> None:
    d = root / f"en-{lang}"
    d.mkdir(parents=True)
    for split, n in (("train", n_train), ("test", n_test)):
        (d / f"{split}.en").write_text("".join(f"{split} english {i}\n" for i in range(n)), encoding="utf-8")
        (d / f"{split}.{lang}").write_text("".join(f"{split} foreign {i}\n" for i in range(n)), encoding="utf-8")


def test_mafand_budget_and_held_out_test_split(tmp_path: Path) -> None:
    _write_mafand(tmp_path, "swa", 10, 6)
    task = mafand_task(tmp_path, "swa", budget=4, n_test=5)
    assert task.dataset == "mafand/swa@4"
    assert task.train_en == [f"train english {i}" for i in range(4)]
    assert len(task.queries) == 5 and all(t.startswith("test foreign") for t in task.queries.values())
    assert not set(task.train_fx) & set(task.queries.values())
    assert not {d["text"] for d in task.corpus.values()} & set(task.train_en)
    for q, rel in task.qrels.items():  # the relevant candidate is the query's own translation
        (doc,) = rel
        assert task.queries[q].split()[-1] == task.corpus[doc]["text"].split()[-1]
    assert mafand_task(tmp_path, "swa", budget=None, n_test=None).dataset == "mafand/swa@all"


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
