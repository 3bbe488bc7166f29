"""The documented benchmark list and how a text is searched for names."""

from __future__ import annotations

from claimcheck.sources.benchmarks import NameIndex, known_benchmarks, name_key, named_benchmarks, suite_of


def test_spellings_match_but_hyphenated_words_stay_whole() -> None:
    index = NameIndex("We train on MS-MARCO, test on TREC COVID and compare with COCO-DR and M-BEIR's numbers.")
    assert {"msmarco", "treccovid", "cocodr", "mbeir"} <= index.keys
    assert "coco" not in index and "beir" not in index  # COCO-DR is not COCO, M-BEIR is not BEIR
    assert name_key("Touché-2020") == name_key("touche 2020") == "touche2020"


def test_acronyms_spelled_out() -> None:
    index = NameIndex("implicit distributionally robust optimization and cross-lingual information retrieval")
    assert index.spells_out("DRO") and index.spells_out("CLIR") and not index.spells_out("MTOP")
    assert not index.spells_out("IR")  # two letters occur by chance


def test_the_list_is_consistent() -> None:
    known = known_benchmarks()
    names = {b.name for b in known}
    assert len(names) == len(known) > 60
    assert all(suite in names for b in known for suite in b.part_of)  # every suite is itself listed
    assert all(1990 < b.year < 2030 for b in known)
    keys = [k for b in known for k in b.keys]
    assert len(keys) == len(set(keys))  # no spelling names two benchmarks


def test_named_benchmarks_and_their_suites() -> None:
    index = NameIndex("Results on the BEIR benchmark and on WebFAQ.")
    assert [b.name for b in named_benchmarks(index)] == ["BEIR", "WebFAQ"]
    scifact = next(b for b in known_benchmarks() if b.name == "SciFact")
    assert suite_of(scifact, index) == "BEIR" and suite_of(scifact, NameIndex("M-BEIR only")) is None
