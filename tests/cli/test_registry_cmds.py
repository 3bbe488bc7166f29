"""The ingest / list / show / schema commands through typer's CliRunner."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import report_fixtures as rf
from typer.testing import CliRunner

from claimcheck.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def reports(tmp_path: Path) -> list[Path]:
    a = tmp_path / "a.txt"
    a.write_text(rf.synthesis_report())
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_PAGE)
    return [a, page]


def test_ingest_then_list_json(tmp_path: Path, reports: list[Path]) -> None:
    reg = tmp_path / "out.yaml"
    result = run("ingest", *reports, "--registry", reg)
    assert result.exit_code == 0, result.output
    assert "distinct claims" in result.output and "quantity coverage" in result.output
    assert "4/4" in result.output
    assert str(tmp_path) not in reg.read_text()  # file names only, no machine paths
    listed = run("list", "--registry", reg, "--json")
    assert listed.exit_code == 0
    claims = json.loads(listed.stdout)
    assert len(claims) == 7
    for key in ("id", "text", "truncated", "sources", "quantity", "mentions", "replication"):
        assert all(key in c for c in claims)
    assert claims[0]["quantity"]["value"] == 0.789


def test_list_table_and_show(tmp_path: Path, reports: list[Path]) -> None:
    reg = tmp_path / "out.yaml"
    run("ingest", *reports, "--registry", reg)
    table = run("list", "--registry", reg)
    assert table.exit_code == 0 and "coco-dr-base-ndcg10-trec-covid" in table.output
    shown = run("show", "coco-dr-base-ndcg10-trec-covid", "--registry", reg)
    assert shown.exit_code == 0 and "0.789" in shown.output and "a.txt" in shown.output
    report_id = next(line.split()[2] for line in reg.read_text().splitlines() if line.startswith("- id: report-"))
    shown_report = run("show", report_id, "--registry", reg)
    assert shown_report.exit_code == 0 and "Contrastive Pretraining for Retrieval" in shown_report.output
    missing = run("show", "no-such-claim", "--registry", reg)
    assert missing.exit_code == 1 and "no-such-claim" in missing.stderr


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x00\x01binary", b"<html><body>page</body></html>", b"# Title\n\nno claims here\n"],
)
def test_bad_file_fails_the_batch_and_leaves_the_registry(tmp_path: Path, reports: list[Path], bad: bytes) -> None:
    reg = tmp_path / "out.yaml"
    assert run("ingest", reports[0], "--registry", reg).exit_code == 0
    before = reg.read_bytes()
    broken = tmp_path / "broken.txt"
    broken.write_bytes(bad)
    result = run("ingest", reports[1], broken, "--registry", reg)
    assert result.exit_code == 1
    first, last = result.stderr.splitlines()  # the bad file on its line, then what became of the batch
    assert "broken.txt" in first and "nothing written" in last
    assert "Traceback" not in result.output + result.stderr
    assert reg.read_bytes() == before


def test_broken_registry_is_one_line_and_untouched(tmp_path: Path, reports: list[Path]) -> None:
    reg = tmp_path / "claims.yaml"
    reg.write_text("version: 1\nclaims:\n- id: x\n  text: y\n  colour: blue\n")
    before = reg.read_bytes()
    for args in (("ingest", reports[0]), ("list",), ("show", "x")):
        result = run(*args, "--registry", reg)
        assert result.exit_code == 1
        assert (
            result.stderr.strip() == f"error: {reg}:5: claims[0] (x).colour: unknown field (not in the schema; see "
            "`claimcheck schema`)"
        )
    assert reg.read_bytes() == before


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("ingest").exit_code == 2
    assert run("list", "--bogus").exit_code == 2
    assert run("show").exit_code == 2


def test_schema_command(tmp_path: Path) -> None:
    printed = run("schema")
    assert printed.exit_code == 0 and json.loads(printed.stdout)["title"]
    out = tmp_path / "schema.json"
    assert run("schema", "--output", out).exit_code == 0
    assert "Claim" in json.loads(out.read_text())["$defs"]


def test_help_mentions_every_command() -> None:
    result = run("--help")
    for name in ("ingest", "list", "show", "schema"):
        assert name in result.output


def test_a_directory_stands_for_its_files(tmp_path: Path, reports: list[Path]) -> None:
    (tmp_path / ".hidden").write_text("not a report")
    reg = tmp_path / "sub" / "out.yaml"
    result = run("ingest", tmp_path, "--registry", reg)
    assert result.exit_code == 0, result.output
    assert len(json.loads(run("list", "--registry", reg, "--json").stdout)) == 7
    assert ".hidden" not in result.stderr


def _bad_reports(folder: Path) -> list[Path]:
    one = folder / "no-table.txt"
    one.write_text(rf.synthesis_report().replace("Claim\tVerified\tConfidence\n", ""))
    two = folder / "bad-tick.txt"
    two.write_text(rf.synthesis_report([("A claim about retrieval.", "maybe", "0.1")]))
    return [one, two]


def test_a_batch_with_two_bad_files_lists_both_and_writes_nothing(tmp_path: Path, reports: list[Path]) -> None:
    reg = tmp_path / "out.yaml"
    bad = _bad_reports(tmp_path)
    result = run("ingest", reports[0], *bad, reports[1], "--registry", reg)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and "no-table.txt" in lines[0] and "bad-tick.txt" in lines[1]
    assert "2 bad files of 4" in lines[2]
    assert not reg.exists()


def test_skip_bad_ingests_the_good_files_and_lists_the_rest(tmp_path: Path, reports: list[Path]) -> None:
    reg = tmp_path / "out.yaml"
    result = run("ingest", reports[0], *_bad_reports(tmp_path), reports[1], "--skip-bad", "--registry", reg)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("skipped (bad):") == 2
    assert len(json.loads(run("list", "--registry", reg, "--json").stdout)) == 7


def test_a_folder_is_walked_and_its_non_reports_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    (folder / "2026" / "june").mkdir(parents=True)  # only sub-folders at the top
    (folder / "2026" / "june" / "a.txt").write_text(rf.synthesis_report())
    (folder / "2026" / "page.txt").write_text(rf.ARXIV_PAGE)
    (folder / "2026" / "SOURCES.tsv").write_text("id\tfile\n1\ta.txt\n")
    (folder / "2026" / "paper.pdf").write_bytes(b"%PDF-1.4\n\x00\x01\x02")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    reg = tmp_path / "out.yaml"
    result = run("ingest", folder, "--registry", reg)
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 2 and any("SOURCES.tsv" in s for s in skipped) and any("paper.pdf" in s for s in skipped)
    assert "HEAD" not in result.stderr
    assert len(json.loads(run("list", "--registry", reg, "--json").stdout)) == 7


def test_a_report_with_a_fault_in_a_folder_fails_the_batch(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(rf.synthesis_report())
    _bad_reports(tmp_path)
    result = run("ingest", tmp_path, "--registry", tmp_path / "out.yaml")
    assert result.exit_code == 1 and result.stderr.count("error:") == 3


@pytest.mark.parametrize("content", [None, b"id\tfile\n"])
def test_finding_nothing_is_an_error(tmp_path: Path, content: bytes | None) -> None:
    folder = tmp_path / "empty"
    (folder / "sub").mkdir(parents=True)
    if content is not None:
        (folder / "sub" / "SOURCES.tsv").write_bytes(content)
    result = run("ingest", folder, "--registry", tmp_path / "out.yaml")
    assert result.exit_code == 1 and "nothing to ingest" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_a_utf16_report_ingests(tmp_path: Path) -> None:
    report = tmp_path / "windows.txt"
    report.write_bytes(rf.synthesis_report().replace("\n", "\r\n").encode("utf-16"))
    reg = tmp_path / "out.yaml"
    assert run("ingest", report, "--registry", reg).exit_code == 0
    assert len(json.loads(run("list", "--registry", reg, "--json").stdout)) == 5


def test_committed_registry_lists_through_the_real_entry_point() -> None:
    """The bundled claims.yaml validates (replication links included) and lists, in a fresh interpreter."""
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    entry = "from claimcheck.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", entry, "list", "--json", "--registry", str(repo / "claims.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    claims = json.loads(done.stdout)
    assert any(c["id"] == "coco-dr-base-ndcg10-bioasq-without-idro" for c in claims)
    # the seeds' one disagreement: 001 ticks the bitext statement, 002 and 003 cross it
    disagreeing = [c for c in claims if c["ticks_disagree"]]
    assert [[m["tick"] for m in c["mentions"]] for c in disagreeing] == [[True, False, False]]
    assert "bitext data" in disagreeing[0]["text"]


def test_show_gives_the_stored_verdict_with_its_validity_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine_fixtures as ef
    from plugin_support import install_entry_points

    from claimcheck.registry import save_registry
    from claimcheck.verify import verify

    monkeypatch.syspath_prepend(str(install_entry_points(tmp_path / "site", "enginetest", ef.ENTRY_POINTS)))
    reg = tmp_path / "claims.yaml"
    save_registry(ef.registry(), reg)
    verify(ef.registry(), ["random-beats-bm25"], scale="proxy")
    result = run("show", "random-beats-bm25", "--registry", reg)
    text = " ".join(result.output.split())
    assert result.exit_code == 0 and "verdict (from the stored run records)" in text
    assert "direction-not-reproduced" in text
    assert "check bm25-beats-random passed" in text and "check power" in text


def test_show_gives_the_quantity_note(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    row = ("COCO-DR Base model achieves an nDCG@10 score of 78.9 on the TREC-COVID dataset.", "✓", "0.5")
    report.write_text(rf.synthesis_report([row]))
    reg = tmp_path / "out.yaml"
    assert run("ingest", report, "--registry", reg).exit_code == 0
    shown = run("show", "coco-dr-base-ndcg10-trec-covid", "--registry", reg)
    assert "quantity note" in shown.output and "read as percent" in shown.output
    assert "78.9%" in shown.output
