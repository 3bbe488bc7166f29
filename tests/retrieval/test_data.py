from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from claimcheck.retrieval import data
from claimcheck.retrieval.data import Dataset, DatasetMissing


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CRAN_DOCS = """.I 1
.T
wing flow
.A
someone
.B
j. ae. 1958
.W
wing flow
  over a plate .
.I 2
.T
shock
.W
shock waves .
.I 3
.T
heat
.W
heat transfer .
"""
# .I numbers skip (001, 004) as in the real cran.qry; qrels number the queries by file position.
CRAN_QRY = """.I 001
.W
what about wings .
.I 004
.W
what about heat .
"""
CRAN_REL = "1 1 1\n1 2 -1\n2 3 4\n2 1 2\n"


def test_cranfield_numbers_queries_by_position_and_maps_grades(tmp_path: Path) -> None:
    _write(tmp_path / "cran.all.1400", CRAN_DOCS)
    _write(tmp_path / "cran.qry", CRAN_QRY)
    _write(tmp_path / "cranqrel", CRAN_REL)
    ds = data.load_cranfield(tmp_path)
    assert ds.queries == {"1": "what about wings .", "2": "what about heat ."}
    assert ds.corpus["1"] == {"title": "wing flow", "text": "wing flow over a plate ."}
    # code 1 (complete answer) is the highest grade; -1 is judged non-relevant (0); code 4 is the lowest.
    assert ds.qrels == {"1": {"1": 4, "2": 0}, "2": {"3": 1, "1": 3}}


def test_cranfield_rejects_qrels_for_unknown_query(tmp_path: Path) -> None:
    _write(tmp_path / "cran.all.1400", CRAN_DOCS)
    _write(tmp_path / "cran.qry", CRAN_QRY)
    _write(tmp_path / "cranqrel", "3 1 1\n")
    with pytest.raises(ValueError, match="query 3"):
        data.load_cranfield(tmp_path)


def test_cisi_keeps_only_judged_queries(tmp_path: Path) -> None:
    docs = ".I 1\n.T\nDewey\n.A\nX\n.W\nclassification history\n.X\n1 5 1\n.I 2\n.T\nUse\n.W\nlibraries\n"
    _write(tmp_path / "CISI.ALL", docs)
    _write(tmp_path / "CISI.QRY", ".I 1\n.W\nwhat is dewey?\n.I 2\n.T\nA title\n.W\nunjudged query\n")
    _write(tmp_path / "CISI.REL", "     1     1\t0\t0.000000\n     1     2\t0\t0.000000\n")
    ds = data.load_cisi(tmp_path)
    assert ds.queries == {"1": "what is dewey?"}
    assert ds.qrels == {"1": {"1": 1, "2": 1}}
    assert ds.corpus["1"]["text"] == "classification history"  # the .X cross-references are not text


def _xquad(lang: str, sentences: list[str], questions: list[tuple[str, str, int]]) -> dict:
    context, breaks = "", []
    for s in sentences:
        start = len(context) + (1 if context else 0)
        context = f"{context} {s}" if context else s
        breaks.append([start, start + len(s)])
    qas = [{"id": qid, "question": q, "answers": [{"answer_start": a, "text": "x"}]} for qid, q, a in questions]
    para = {"context": context, "sentences": sentences, "sentence_breaks": breaks, "qas": qas}
    return {"version": lang, "data": [{"paragraphs": [para]}]}


def test_xquad_r_relevant_candidate_is_the_answer_sentence(tmp_path: Path) -> None:
    en = _xquad("en", ["Alpha one.", "Beta two."], [("q1", "Which beta?", 12), ("q2", "Which alpha?", 0)])
    de = _xquad("de", ["Alpha eins.", "Beta zwei."], [("q1", "Welches Beta?", 13), ("q2", "Welches Alpha?", 2)])
    _write(tmp_path / "en.json", json.dumps(en))
    _write(tmp_path / "de.json", json.dumps(de))
    ds = data.load_xquad_r(tmp_path, "de", "en")
    assert ds.name == "xquad_r/de-en"
    assert ds.queries == {"q1": "Welches Beta?", "q2": "Welches Alpha?"}
    assert ds.corpus["en-0-1"]["text"] == "Beta two."
    assert ds.qrels == {"q1": {"en-0-1": 1}, "q2": {"en-0-0": 1}}


def _toy() -> Dataset:
    corpus = {"d1": {"title": "T1", "text": "one"}, "d2": {"text": "two"}}
    return Dataset("toy", corpus, {"q1": "first", "q2": "unjudged"}, {"q1": {"d1": 1, "d2": 0}})


def test_beir_round_trip_plain_and_gzipped(tmp_path: Path) -> None:
    folder = data.write_beir(_toy(), tmp_path / "toy")
    ds = data.load_beir(folder)
    assert ds.corpus == {"d1": {"title": "T1", "text": "one"}, "d2": {"title": "", "text": "two"}}
    assert ds.queries == {"q1": "first"}  # BEIR keeps judged queries only
    assert ds.qrels == {"q1": {"d1": 1, "d2": 0}}
    for name in ("corpus.jsonl", "queries.jsonl"):
        raw = (folder / name).read_bytes()
        (folder / name).unlink()
        (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
    again = data.load_beir(folder)
    assert (again.corpus, again.queries, again.qrels) == (ds.corpus, ds.queries, ds.qrels)
    assert any(p.suffix == ".gz" for p in again.files)


def test_load_dataset_searches_data_dirs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir, explicit = tmp_path / "env", tmp_path / "explicit"
    data.write_beir(_toy(), env_dir / "toy")
    monkeypatch.setenv("CLAIMCHECK_DATA", str(env_dir))
    assert data.find_dataset("toy") == env_dir / "toy"
    data.write_beir(_toy(), explicit / "toy")
    assert data.find_dataset("toy", explicit) == explicit / "toy"
    assert data.load_dataset("toy").name == "toy"
    assert data.find_dataset("toy", split="train") is None


def test_find_dataset_knows_bitext_and_whole_xquad_r_folders(tmp_path: Path) -> None:
    # Experiments name these in their requirements; `verify` checks them before running (a BEIR-only check
    # once reported the real MAFAND folder as missing).
    pair = tmp_path / "bitext" / "mafand_mt" / "en-swa"
    pair.mkdir(parents=True)
    assert data.find_dataset("bitext/mafand_mt", tmp_path) is None
    (pair / "train.swa").write_text("habari\n", encoding="utf-8")
    assert data.find_dataset("bitext/mafand_mt", tmp_path) == tmp_path / "bitext" / "mafand_mt"
    (tmp_path / "xquad_r").mkdir()
    assert data.find_dataset("xquad_r", tmp_path) is None
    (tmp_path / "xquad_r" / "en.json").write_text("{}", encoding="utf-8")
    assert data.find_dataset("xquad_r", tmp_path) == tmp_path / "xquad_r"


def test_missing_dataset_says_where_it_looked_and_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMCHECK_NETWORK", raising=False)
    with pytest.raises(DatasetMissing) as info:
        data.load_dataset("trec-covid", data_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "trec-covid") in message
    assert "BEIR/datasets/trec-covid.zip" in message
    assert "CLAIMCHECK_NETWORK=1" in message


def test_synthetic_dataset_is_deterministic_and_consistent() -> None:
    a, b = data.synthetic_dataset(seed=3), data.synthetic_dataset(seed=3)
    assert (a.corpus, a.queries, a.qrels) == (b.corpus, b.queries, b.qrels)
    assert data.synthetic_dataset(seed=4).queries != a.queries
    for qid, judged in a.qrels.items():
        assert qid in a.queries and set(judged) <= set(a.corpus)


# ----------------------------------------------------------------------------------------- real collections


def test_real_collections_have_the_documented_sizes(shared_data: Path) -> None:
    sizes = {
        "scifact": (5183, 300, 339),
        "cranfield": (1400, 225, 1837),  # 1,837 rows: `wc -l` says 1,836 because the last row has no newline
        "cisi": (1460, 76, 3114),
        "xquad_r/de-en": (1180, 1190, 1190),
    }
    for name, (n_docs, n_queries, n_judged) in sizes.items():
        ds = data.load_dataset(name, data_dir=shared_data)
        assert (len(ds.corpus), len(ds.queries)) == (n_docs, n_queries), name
        assert sum(len(v) for v in ds.qrels.values()) == n_judged, name
    cran = data.load_dataset("cranfield", data_dir=shared_data)
    grades = {g for docs in cran.qrels.values() for g in docs.values()}
    assert grades == {0, 1, 2, 3, 4}


def _forum(name: str, n_docs: int = 3) -> Dataset:
    corpus = {str(i): {"title": "", "text": f"{name} post {i}"} for i in range(n_docs)}
    return Dataset(name, corpus, {"1": f"{name} question"}, {"1": {"0": 1}})


def test_cqadupstack_is_a_composite_of_its_twelve_forums(tmp_path: Path) -> None:
    root = tmp_path / "cqadupstack"
    for forum in data.CQADUPSTACK_FORUMS[:-1]:
        data.write_beir(_forum(forum), root / forum)
    assert data.find_dataset("cqadupstack", tmp_path) is None  # one forum missing: not the dataset
    assert data.find_dataset("cqadupstack/android", tmp_path) == root / "android"
    data.write_beir(_forum(data.CQADUPSTACK_FORUMS[-1]), root / data.CQADUPSTACK_FORUMS[-1])

    ds = data.load_dataset("cqadupstack", data_dir=tmp_path)
    assert [p.name for p in ds.parts] == [f"cqadupstack/{f}" for f in data.CQADUPSTACK_FORUMS]
    assert len(ds.corpus) == 36 and len(ds.queries) == 12 and len(ds.files) == 36
    assert ds.qrels["gis/1"] == {"gis/0": 1} and ds.corpus["gis/2"]["text"] == "gis post 2"
    assert set(ds.parts[3].queries) == {"gis/1"}  # a part holds its own forum, ids as in the union
    assert "in 12 parts" in ds.summary()
    alone = data.load_dataset("cqadupstack/gis", data_dir=tmp_path)
    assert alone.name == "cqadupstack/gis" and alone.qrels == {"1": {"0": 1}} and not alone.parts


def test_union_keeps_parts_whose_ids_are_already_unique() -> None:
    whole = data.composite("pair", [_forum("a/x"), _forum("b/y", n_docs=2)])
    assert set(whole.corpus) == {"x/0", "x/1", "x/2", "y/0", "y/1"}
    again = data.union("pair", whole.parts)
    assert again.corpus == whole.corpus and again.qrels == whole.qrels and len(again.parts) == 2


def test_union_refuses_parts_that_share_ids() -> None:
    with pytest.raises(ValueError, match="share corpus ids"):
        data.composite("pair", [_forum("a/x"), _forum("b/x")])  # both tagged "x/"


def test_beir_qrels_without_a_header_are_refused_and_numeric_ids_become_strings(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    _write(folder / "corpus.jsonl", '{"_id": 1, "title": "", "text": "one"}\n{"_id": "2", "text": "two"}\n')
    _write(folder / "queries.jsonl", '{"_id": 7, "text": "q"}\n')
    _write(folder / "qrels" / "test.tsv", "7\t1\t1\n")
    with pytest.raises(ValueError, match=r"test\.tsv:1: the first line is a judgment"):
        data.load_beir(folder)
    _write(folder / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\n7\t1\t1\n")
    with pytest.raises(ValueError, match=r"judges query '7', which .*queries\.jsonl does not hold"):
        data.load_beir(folder)  # the query's "_id" is the number 7, the qrels name the string "7"
    _write(folder / "queries.jsonl", '{"_id": "7", "text": "q"}\n')
    ds = data.load_beir(folder)
    assert set(ds.corpus) == {"1", "2"} and set(ds.queries) == {"7"} and ds.qrels == {"7": {"1": 1}}
