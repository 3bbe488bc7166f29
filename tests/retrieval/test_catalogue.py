from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.retrieval import catalogue


def test_downloads_need_the_network_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMCHECK_NETWORK", raising=False)
    assert not catalogue.network_allowed()
    with pytest.raises(PermissionError):
        catalogue.download("scifact")


def test_manual_datasets_are_never_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_NETWORK", "1")
    with pytest.raises(FileNotFoundError, match="bioasq"):
        catalogue.download("bioasq")
    assert "registration" in catalogue.source_hint("bioasq")


def test_every_entry_names_a_source_and_licence() -> None:
    for name, e in catalogue.CATALOGUE.items():
        assert e.name == name and e.source.startswith("http") and e.licence
    assert catalogue.entry("xquad_r/de-en") is catalogue.CATALOGUE["xquad_r"]
    assert "not in the catalogue" in catalogue.source_hint("my-private-set")


def test_verify_reports_files_that_differ(tmp_path: Path) -> None:
    e = catalogue.CATALOGUE["scifact"]
    (tmp_path / "corpus.jsonl").write_text("not the corpus\n")
    assert catalogue.verify(e, tmp_path) == ["corpus.jsonl"]


def test_shared_scifact_matches_the_catalogue(shared_data: Path, tmp_path: Path) -> None:
    import gzip

    assert catalogue.verify(catalogue.CATALOGUE["scifact"], shared_data / "scifact") == []
    packed = tmp_path / "corpus.jsonl.gz"
    packed.write_bytes(gzip.compress((shared_data / "scifact" / "corpus.jsonl").read_bytes()))
    assert catalogue.verify(catalogue.CATALOGUE["scifact"], tmp_path) == []  # a gzipped copy is the same data


def test_a_collection_member_has_its_collection_entry() -> None:
    assert catalogue.entry("cqadupstack/gis").name == "cqadupstack"  # type: ignore[union-attr]
    assert catalogue.entry("xquad_r/de-en").name == "xquad_r"  # type: ignore[union-attr]
    assert catalogue.entry("no-such-set") is None
