"""`claimcheck verify / report / results / experiments` on the computed test experiments (support/engine_fixtures)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import engine_fixtures as ef
import pytest
import yaml
from cli_support import cli, runner, write_registry

from claimcheck.cli import app
from claimcheck.models import Claim, ClaimRegistry, Replication, RunRecord, ValueTarget, Verdict
from claimcheck.report import SCHEMA, VerifyExport
from claimcheck.results import HEADER_INDEX

SUPPORT = Path(__file__).resolve().parent.parent / "support"


pytestmark = pytest.mark.usefixtures("engine_plugins")


def test_smoke_verify_json_every_claim_accounted_and_cache(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    ids = [c.id for c in ef.registry().claims]  # named, so no full smoke pass runs the bundled papers too
    timings = {}
    for scale in ("smoke", "proxy"):
        for attempt in ("first", "cached"):
            out = tmp_path / f"{scale}-{attempt}.json"
            code, text = cli("verify", *ids, "--registry", reg, "--scale", scale, "--json", out)
            assert code == 0, text
            export = VerifyExport.model_validate_json(out.read_text())
            timings[scale, attempt] = export.seconds
            raw = json.loads(out.read_text())
            assert raw["schema"] == SCHEMA == "claimcheck.verify/2"
            assert set(raw) == {"schema", "generated_at", "command", "registry", "scale", "cache", "seconds", "counts",
                                "claims", "runs", "reports"}  # fmt: skip
            assert set(raw["claims"][0]) == {"id", "text", "claimed", "result", "evidence"}
            assert {c.id for c in export.claims} == {c.id for c in ef.registry().claims}
            assert sum(export.counts.values()) == len(export.claims)
            for entry in export.claims:
                assert entry.result.verdict != Verdict.NOT_RUN or entry.result.reason
            assert all(run.reused == (attempt == "cached") for run in export.runs)
            if scale == "smoke":
                assert {r.experiment for r in export.runs} == {ef.EXPERIMENT, ef.NEEDS_DATA}
                assert {e.result.verdict for e in export.claims} == {Verdict.NOT_RUN}
    for scale in ("smoke", "proxy"):
        first, cached = timings[scale, "first"], timings[scale, "cached"]
        print(f"{scale}: first run {first:.3f}s, cached {cached:.3f}s ({100 * cached / first:.1f}%)")
    # Reuse is asserted above (`reused`); the times only show it saves the work. The bound is loose because a
    # shared 2-core machine stretches the cached run's fixed costs far more than the first run's total.
    assert timings["smoke", "cached"] < 0.5 * timings["smoke", "first"]
    # A cached proxy run still recomputes its verdicts (randomization tests, bootstraps): cheaper, not free.
    assert timings["proxy", "cached"] < timings["proxy", "first"]


def test_fail_on_and_exit_codes(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    code, text = cli("verify", "random-beats-bm25", "--registry", reg, "--scale", "full", "--fail-on", "refuted")
    assert code == 1 and "refuted" in text
    assert cli("verify", "random-beats-bm25", "--registry", reg, "--scale", "full")[0] == 0
    # bm25-ndcg now has a stored full-scale record (refuted); needs-data has none, and smoke gives no verdict.
    assert cli("verify", "bm25-ndcg", "--registry", reg, "--scale", "smoke", "--fail-on", "refuted")[0] == 1
    assert cli("verify", "needs-data", "--registry", reg, "--scale", "smoke", "--fail-on", "any")[0] == 0
    assert cli("verify", "--registry", reg, "--scale", "huge")[0] == 2
    assert cli("verify", "--registry", reg, "--fail-on", "sometimes")[0] == 2
    code, text = cli("verify", "no-such-claim", "--registry", reg)
    assert code == 1 and "no-such-claim" in text


def test_bad_registry_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "claims.yaml"
    data = ef.registry().model_dump(mode="json")
    data["claims"][0]["replication"]["experiment"] = "nobody.registered_this"
    bad.write_text(yaml.safe_dump(data))
    code, text = cli("verify", "--registry", bad)
    assert code == 1 and "nobody.registered_this" in text
    assert len(text.strip().splitlines()) == 1
    assert cli("report", "--registry", tmp_path / "missing.yaml")[0] == 1


def test_plan_names_a_command_for_every_not_run_claim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default --registry claims.yaml, so commands carry no long paths
    write_registry(tmp_path / "claims.yaml")
    out = tmp_path / "smoke.json"
    assert cli("verify", *[c.id for c in ef.registry().claims], "--scale", "smoke", "--json", out)[0] == 0
    code, plan = cli("verify", "--plan")
    assert code == 0
    flat = re.sub(r"\s+", " ", plan)
    for entry in VerifyExport.model_validate_json(out.read_text()).claims:
        if entry.result.verdict != Verdict.NOT_RUN or entry.id == "background":
            continue
        assert entry.result.command
        assert entry.result.command in flat
    assert "claimcheck verify needs-data --scale full" in flat and "no-such-collection" in flat
    assert "no executable replication applies" in flat


def test_results_import_merges_records_from_another_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, claimcheck_home: Path
) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    other = tmp_path / "cluster-home"
    monkeypatch.setenv("CLAIMCHECK_HOME", str(other))
    assert cli("verify", "bm25-ndcg", "--registry", reg, "--scale", "full")[0] == 0
    code, their_key = cli("results", "key")
    assert code == 0 and re.fullmatch(r"ed25519:[0-9a-f]{64}", their_key.splitlines()[0])
    carried = tmp_path / "carried"
    shutil.copytree(other / "records", carried)
    monkeypatch.setenv("CLAIMCHECK_HOME", str(claimcheck_home))
    code, text = cli("report", "bm25-ndcg", "--registry", reg)
    assert code == 0 and "no stored run record" in re.sub(r"\s+", " ", text)
    code, text = cli("results", "import", carried)  # signed by a key this machine does not trust
    assert code == 1 and "imported 0 record(s)" in text and "not a trusted key" in re.sub(r"\s+", " ", text)
    code, text = cli("results", "import", carried, "--trust", their_key.splitlines()[0])
    assert code == 0 and "imported 1 record(s)" in text
    out = tmp_path / "report.json"
    code, text = cli("report", "bm25-ndcg", "--registry", reg, "--json", out)
    assert code == 0
    export = VerifyExport.model_validate_json(out.read_text())
    assert export.command == "report" and export.claims[0].result.scale == "full"
    assert export.claims[0].result.verdict in (Verdict.VERIFIED, Verdict.REFUTED)
    assert export.runs[0].imported_from and export.runs[0].provenance.python
    origin = export.claims[0].result.details["record_origin"]
    assert origin["signer"] == their_key.splitlines()[0] and "imported from" in export.claims[0].result.reason
    # a proxy run here takes its verdict from the imported full record, and the export carries that record
    code, _ = cli("verify", "bm25-ndcg", "--registry", reg, "--scale", "proxy", "--json", out)
    export = VerifyExport.model_validate_json(out.read_text())
    assert export.claims[0].result.scale == "full"
    assert set(export.claims[0].result.records) <= {r.key for r in export.runs}
    assert any(r.imported_from for r in export.runs)
    assert cli("results", "import", tmp_path / "nowhere")[0] == 1
    code, listing = cli("results", "list")
    assert code == 0 and ef.EXPERIMENT in listing


def test_report_outputs(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    assert cli("verify", "--registry", reg, "--scale", "full")[0] == 0
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    code, text = cli("report", "--registry", reg, "--markdown", md, "--html", html)
    assert code == 0 and "3 refuted" in text
    page = html.read_text()
    assert page.count("<svg") == 3  # one plot per claim with a measurement
    assert "<script" not in page and not re.search(r"(src|href)=['\"]?https?:", page)
    assert "tolerance band" in page
    table = md.read_text()
    assert "| **bm25-ndcg**" in table and "refuted" in table and "## Runs" in table


def test_experiments_lists_scales_and_requirements() -> None:
    code, text = cli("experiments")
    assert code == 0
    assert ef.EXPERIMENT in text and "no-such-collection" in text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_run_leaves_valid_records_and_report_works(tmp_path: Path, claimcheck_home: Path, sig: int) -> None:
    slow = Claim(
        id="slow",
        text="slow",
        replication=Replication(
            experiment=ef.SLOW, scale="proxy", value=ValueTarget(metric="nDCG@10", dataset="synthetic")
        ),
    )
    reg = write_registry(tmp_path / "claims.yaml", ClaimRegistry(claims=[*ef.registry().claims[:1], slow]))
    script = "import sys; from claimcheck.cli import main; sys.argv[0] = 'claimcheck'; main()"
    env = {**os.environ, "CLAIMCHECK_HOME": str(claimcheck_home)}  # PYTHONPATH: the entry points (engine_plugins)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "verify", "--registry", str(reg), "--scale", "proxy"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    records = claimcheck_home / "records"
    deadline = time.monotonic() + 60
    while not list(records.glob("[!.]*.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)  # the lexical run finishes first; the slow one is then in progress
    time.sleep(1.0)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode != 0
    files = [f for f in records.iterdir() if f.name != HEADER_INDEX]  # the store's index of record headers
    assert len(files) == 1  # the finished run's record, nothing from the killed one, no temp file
    record = RunRecord.model_validate_json(files[0].read_text())
    assert record.experiment == ef.EXPERIMENT
    code, text = cli("report", "--registry", reg)
    assert code == 0 and "no stored run record" in re.sub(r"\s+", " ", text)


def test_max_minutes_prints_the_plan_first_and_runs_what_fits(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    out = tmp_path / "budget.json"
    # each proxy run is declared 3 s: the first fits 3.1 s, the second no longer fits what the first left
    code, text = cli("verify", "--registry", reg, "--scale", "proxy", "--max-minutes", "0.0517", "--json", out)
    assert code == 0, text
    assert text.index("plan: 2 run(s) here: 2 to make") < text.index("claimcheck verify ·")  # the plan comes first
    assert "over the budget: not run" in text and "a started run finishes" in re.sub(r"\s+", " ", text)
    results = {e.id: e.result for e in VerifyExport.model_validate_json(out.read_text()).claims}
    assert results["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED  # ran
    assert results["needs-data"].verdict == Verdict.NOT_RUN and "over the time budget" in results["needs-data"].reason
    assert results["needs-data"].command == "claimcheck verify needs-data --scale full --registry " + str(reg)
    assert cli("verify", "--registry", reg, "--max-minutes", "-1")[0] == 2


def test_default_view_is_one_line_per_claim_and_wide_the_full_table(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    result = runner.invoke(app, ["verify", "--registry", str(reg), "--scale", "full"], env={"COLUMNS": "80"})
    lines = result.output.splitlines()
    assert result.exit_code == 0 and all(len(line) <= 80 for line in lines)
    for claim in ef.registry().claims:
        assert sum(line.startswith(f"  {claim.id} ") for line in lines) == 1
    code, wide = cli("report", "--registry", reg, "--wide")
    assert code == 0 and "reason / command" in wide and "measured ± interval" in wide


def test_show_names_the_verdict_evidence_and_records_and_takes_a_short_id(tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    assert cli("verify", "bm25-ndcg", "--registry", reg, "--scale", "full")[0] == 0
    code, text = cli("show", "bm25-nd…", "--registry", reg)
    assert code == 0 and "verdict (from the stored run records)" in text and "run records this verdict cites" in text
    stored = next(Path(os.environ["CLAIMCHECK_HOME"], "records").glob("[!.]*.json"))
    record = RunRecord.model_validate_json(stored.read_text())
    assert record.key[:12] in text and "tolerance_source" in text  # every field of the result, details included
    code, text = cli("show", "bm25", "--registry", reg)
    assert code == 1 and "start of several ids: bm25-ndcg, bm25-beats-tf" in text
    code, text = cli("show", "bm25-ndgc", "--registry", reg)
    assert code == 1 and "did you mean bm25-ndcg?" in text
    code, text = cli("verify", "bm25-ndgc", "--registry", reg)
    assert code == 1 and "did you mean bm25-ndcg?" in text
