"""Batches of files and folders: what is parsed, what fails, what is skipped, each file once."""

from __future__ import annotations

from pathlib import Path

import report_fixtures as rf

from claimcheck.ingest.batch import parse_batch


def test_folders_are_walked_and_foreign_files_skipped_but_named_ones_fail(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "r.txt").write_text(rf.synthesis_report())
    (tmp_path / "a" / "notes.tsv").write_text("x\ty\n")
    (tmp_path / "a" / "empty.txt").write_text("")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "r.txt").write_text(rf.synthesis_report())  # hidden folders are left out
    batch = parse_batch([tmp_path])
    assert [p.report.file for p in batch.parsed] == ["r.txt"]
    assert sorted(Path(e.file).name for e in batch.skipped) == ["empty.txt", "notes.tsv"]
    assert not batch.failed and batch.files == 3
    named = parse_batch([tmp_path / "a" / "notes.tsv"])  # named on its own, a foreign file is a failure
    assert not named.parsed and [Path(e.file).name for e in named.failed] == ["notes.tsv"]


def test_a_damaged_report_in_a_folder_fails_and_a_file_reached_twice_counts_once(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(rf.synthesis_report())
    (tmp_path / "broken.txt").write_text(rf.synthesis_report().replace("Claim\tVerified\tConfidence\n", ""))
    batch = parse_batch([tmp_path, report, tmp_path / "missing.txt"])
    assert len(batch.parsed) == 1
    assert sorted(Path(e.file).name for e in batch.failed) == ["broken.txt", "missing.txt"]
    assert all("\n" not in str(e) for e in batch.failed)
