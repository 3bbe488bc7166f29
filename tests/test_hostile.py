"""Hostile and careless inputs (issue 19), replayed: each case as an attacker or a careless user met it, through
the same commands. benchmarks/fuzz.py replays these at scale, with random damage on top."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import engine_fixtures as ef
import pytest
import yaml
from cli_support import cli, write_registry
from report_fixtures import COCO_ROWS, synthesis_report

from claimcheck.experiments import get_experiment
from claimcheck.models import ClaimRegistry, ExperimentOutput, Measurement, Verdict
from claimcheck.provenance import collect
from claimcheck.results import RecordStore, code_version, run_key, sign_record
from claimcheck.verify import CacheMode, claim_config, results_from_store, verify

pytestmark = pytest.mark.usefixtures("engine_plugins")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------------------------------- records


def full_record():
    """A genuine full-scale record of the `bm25-ndcg` claim, made and signed here."""
    out = verify(ef.registry(), ["bm25-ndcg"], scale="full")
    assert out.results[0].verdict in (Verdict.VERIFIED, Verdict.REFUTED)
    record = out.runs[0].record
    assert record is not None
    return record


def test_the_issues_forgery_a_smoke_key_claiming_full_scale_with_no_code_gives_no_verdict(tmp_path: Path) -> None:
    """The record of the issue: the smoke group's key, "scale": "full", "code": {}, the claimed value measured."""
    smoke = verify(ef.registry(), ["bm25-ndcg"], scale="smoke").runs[0].record
    assert smoke is not None
    forged = json.loads(smoke.model_dump_json())
    forged.update(scale="full", code={}, signature=None)
    for m in forged["output"]["measurements"]:
        m["value"], m["per_query"] = 0.5, {}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, text = cli("results", "import", tmp_path / "forged.json")
    assert code == 1 and "code map lacks" in flat(text)
    RecordStore().path(smoke.key).write_text(json.dumps(forged))  # placed in the store by hand
    again = verify(ef.registry(), ["bm25-ndcg"], scale="smoke")
    assert not again.runs[0].reused and again.results[0].verdict == Verdict.NOT_RUN  # rerun, never reused
    full_here = verify(ef.registry(), ["bm25-ndcg"], scale="smoke", cache=CacheMode.ALWAYS)
    assert full_here.results[0].verdict == Verdict.NOT_RUN
    assert results_from_store(ef.registry(), ["bm25-ndcg"])[0].verdict == Verdict.NOT_RUN


TAMPERING = {
    "a measurement": lambda d: d["output"]["measurements"][0].update(value=0.5),
    "a per-query score": lambda d: d["output"]["measurements"][0]["per_query"].update(q0=1.0),
    "the wall time": lambda d: d.update(wall_time_s=1.0),
    "the hostname": lambda d: d["provenance"].update(hostname="trusted-cluster"),
    "the status": lambda d: d.update(status="ok", error=None, claim_ids=["bm25-ndcg", "x"]),
    "the code map emptied": lambda d: d.update(code={}),
    "one code hash": lambda d: d["code"].update(source_sha256="0" * 64),
    "the scale": lambda d: d.update(scale="proxy"),
    "the seeds": lambda d: d.update(seeds=[0]),
    "the config": lambda d: d["config"].update(n_docs=1),
    "the signature removed": lambda d: d.update(signature=None),
    "the signature's key": lambda d: d["signature"].update(public_key="ab" * 32),
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_a_tampered_record_never_gives_a_verdict(what: str) -> None:
    record = full_record()
    data = json.loads(record.model_dump_json())
    TAMPERING[what](data)
    store = RecordStore()
    store.path(record.key).write_text(json.dumps(data))
    result = results_from_store(ef.registry(), ["bm25-ndcg"])[0]
    assert result.verdict == Verdict.NOT_RUN, (what, result.reason)
    cached = verify(ef.registry(), ["bm25-ndcg"], scale="full", cache=CacheMode.ALWAYS)
    assert cached.results[0].verdict == Verdict.NOT_RUN and not cached.runs[0].reused


def test_a_re_signed_forgery_under_the_key_of_another_group_gives_no_verdict() -> None:
    """Even signed by this machine: a record filed under another group's key is not that group's record."""
    record = full_record()
    smoke_key = verify(ef.registry(), ["bm25-ndcg"], scale="smoke").runs[0].group.key
    moved = sign_record(record.model_copy(update={"key": smoke_key}))
    store = RecordStore()
    store.path(record.key).unlink()  # the genuine full record would (rightly) answer for the claim
    store.path(smoke_key).write_text(moved.model_dump_json())
    again = verify(ef.registry(), ["bm25-ndcg"], scale="smoke", cache=CacheMode.ALWAYS)
    assert again.results[0].verdict == Verdict.NOT_RUN and not again.runs[0].reused


def test_a_record_from_another_machine_with_the_same_code_and_config_still_gives_its_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, claimcheck_home: Path
) -> None:
    reg = write_registry(tmp_path / "claims.yaml")
    cluster = tmp_path / "cluster-home"
    monkeypatch.setenv("CLAIMCHECK_HOME", str(cluster))
    made = full_record()
    # what differs on a GPU machine: its own key, its host and GPU, and its library builds (torch+cu12)
    code = {**made.code, "dependencies_sha256": "f" * 64}
    theirs = made.model_copy(update={
        "code": code, "key": run_key(made.experiment, made.scale, made.config, made.seeds, code),
        "provenance": collect().model_copy(update={"hostname": "gpu-node-7", "gpu": "8 × H100"}),
    })  # fmt: skip
    theirs = sign_record(theirs)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / f"{theirs.key}.json").write_text(theirs.model_dump_json())
    their_key = cli("results", "key")[1].splitlines()[0]
    monkeypatch.setenv("CLAIMCHECK_HOME", str(claimcheck_home))
    assert cli("results", "import", outbox, "--trust", their_key)[0] == 0
    out = tmp_path / "report.json"
    code_, text = cli("report", "bm25-ndcg", "--registry", reg, "--json", out)
    result = json.loads(out.read_text())["claims"][0]["result"]
    assert code_ == 0 and result["verdict"] in ("verified", "refuted") and result["scale"] == "full"
    assert result["details"]["record_origin"]["signer"] == their_key
    assert "gpu-node-7" in result["reason"] and "a trusted key" in result["reason"]
    assert their_key[:24] in flat(text)  # the signer in the terminal table too
    md = tmp_path / "r.md"
    cli("report", "bm25-ndcg", "--registry", reg, "--markdown", md)
    assert their_key[:24] in md.read_text()
    proxy = verify(ef.registry(), ["bm25-ndcg"], scale="proxy").results[0]  # a lower run here defers to it
    assert proxy.scale == "full" and proxy.details["record_origin"]["signer"] == their_key


def test_report_reads_in_full_only_the_records_it_cites(monkeypatch: pytest.MonkeyPatch) -> None:
    full_record()
    store = RecordStore()
    per_query = {f"q{i}": 0.5 for i in range(100_000)}  # a few MB: stands for the issue's 54 MB record
    big = ExperimentOutput(measurements=[Measurement(dataset="synthetic", metric="AP", value=0.5, per_query=per_query)])
    code = code_version(get_experiment(ef.NEEDS_DATA))
    key = run_key(ef.NEEDS_DATA, "full", {"n": 1}, [0], code)
    other = store.put(full_record().model_copy(update={
        "experiment": ef.NEEDS_DATA, "config": {"n": 1}, "seeds": [0], "code": code, "key": key, "output": big,
    }))  # fmt: skip
    read: list[str] = []
    original = RecordStore.get
    monkeypatch.setattr(RecordStore, "get", lambda self, key: read.append(key) or original(self, key))
    results = results_from_store(ef.registry(), ["bm25-ndcg"])
    assert results[0].verdict in (Verdict.VERIFIED, Verdict.REFUTED) and other.key not in read


# --------------------------------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize("bad_id", ["../../../escaped", "/tmp/absolute", "x" * 300, "[/]", "a b", ".hidden", ""])
def test_an_id_that_could_become_a_path_or_markup_is_refused_at_load(tmp_path: Path, bad_id: str) -> None:
    data = ef.registry().model_dump(mode="json", exclude_none=True)
    data["claims"][0]["id"] = bad_id
    reg = tmp_path / "claims.yaml"
    reg.write_text(yaml.safe_dump(data, sort_keys=False))
    for command in (("list",), ("verify", "--scale", "smoke"), ("evidence",)):
        code, text = cli(*command, "--registry", reg)
        assert code == 1 and "claims.yaml:" in text and ".id:" in text, (command, text)
    assert not list(tmp_path.parent.rglob("escaped*")) and not Path("/tmp/absolute.json").exists()


# --------------------------------------------------------------------------------------------------- YAML


def alias_bomb(levels: int = 9) -> str:
    """The issue's 589-byte registry: replication.params nests aliases, 10 copies per level (10⁹ leaves)."""
    lines = ["claims:", "- id: bomb", "  text: t", "  replication:", "    experiment: enginetest.lexical",
             "    value: {metric: nDCG@10, dataset: synthetic}", "    params:",
             '      l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]']  # fmt: skip
    lines += [f"      l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", [("list",), ("list", "--json"), ("show", "bomb"), ("verify", "--plan")])
def test_an_alias_bomb_is_refused_fast_with_a_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    reg = tmp_path / "claims.yaml"
    reg.write_text(alias_bomb())
    assert len(reg.read_bytes()) < 700
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    code, text = cli(*command, "--registry", reg)
    assert code == 1 and "alias" in text and re.search(r"claims\.yaml:\d+:", text), text
    assert time.perf_counter() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB: < 200 MB more


def test_a_recursive_alias_is_one_clear_error_not_a_serialisation_traceback(tmp_path: Path) -> None:
    reg = tmp_path / "claims.yaml"
    text = alias_bomb(1).replace('l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]', "l0: &l0 [x, *l0]")
    reg.write_text(text)
    code, out = cli("list", "--registry", reg)
    assert code == 1 and "recursive alias" in out and "Traceback" not in out and "Pydantic" not in out


# --------------------------------------------------------------------------------------------------- lost updates


MAIN = "from claimcheck.cli import main; main()"


@pytest.mark.slow  # 20 processes: ~10 s idle, more under load
def test_ten_pairs_of_concurrent_ingests_lose_nothing(tmp_path: Path) -> None:
    registry = tmp_path / "claims.yaml"
    env = {**os.environ, "COLUMNS": "120"}
    written = []
    for pair in range(10):
        procs = []
        for side in (0, 1):
            n = 2 * pair + side
            rows = [(f"Method-{n} reaches an nDCG@10 score of 0.{n + 10} on collection {n}.", "✓", "0.5"), *COCO_ROWS]
            report = tmp_path / f"report-{n}.txt"
            report.write_text(synthesis_report(rows, title=f"Report number {n}"))
            written.append(n)
            command = [sys.executable, "-c", MAIN, "ingest", str(report), "--registry", str(registry)]
            procs.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        for proc in procs:
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, out.decode()
    data = yaml.safe_load(registry.read_text())
    titles = {r["title"] for r in data["reports"]}
    assert titles == {f"Report number {n}" for n in written}
    assert len({c["id"] for c in data["claims"] if c["id"].startswith("method-")}) == 20


def test_a_symlinked_registry_is_updated_through_its_link(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "claims.yaml"
    real.parent.mkdir()
    link = tmp_path / "claims.yaml"
    link.symlink_to(real)
    report = tmp_path / "r.txt"
    report.write_text(synthesis_report())
    assert cli("ingest", report, "--registry", link)[0] == 0
    assert link.is_symlink() and "COCO-DR Base" in real.read_text()
    stale = real.parent / ".claims.yaml.killed.tmp"  # a writer killed between mkstemp and rename
    stale.write_text("half")
    long_ago = time.time() - 3600
    os.utime(stale, (long_ago, long_ago))
    assert cli("ingest", report, "--registry", link)[0] == 0
    assert not stale.exists() and link.is_symlink()


# --------------------------------------------------------------------------------------------------- the small ones


def test_markup_in_file_names_experiment_names_and_paths_never_crashes(tmp_path: Path) -> None:
    folder = tmp_path / "[bold]"
    folder.mkdir()
    report = folder / "[red]report[bold].txt"
    report.write_text(synthesis_report())
    reg = folder / "[i]claims.yaml"
    code, text = cli("ingest", report, "--registry", reg)
    assert code == 0 and "[bold]/[i]" in text, text  # printed as text, not taken as markup
    assert cli("list", "--registry", reg)[0] == 0
    data = yaml.safe_load(reg.read_text())
    data["reports"][0]["file"] = "[/]"  # a hand-edited file name: "[/]" closes nothing and crashed rich
    reg.write_text(yaml.safe_dump(data))
    for item in (data["claims"][0]["id"], data["reports"][0]["id"]):
        code, text = cli("show", item, "--registry", reg)
        assert code == 0 and "[/]" in text, text
    data["claims"][0]["replication"] = {"experiment": "[/]", "value": {"metric": "AP", "dataset": "d"}}
    reg.write_text(yaml.safe_dump(data))
    code, text = cli("list", "--registry", reg)
    assert code == 1 and "experiment" in text
    store = RecordStore()
    store.path("a" * 64).write_text(json.dumps({"key": "a" * 64, "experiment": "[/]"}))
    code, text = cli("results", "list")
    assert code == 0 and "invalid" in text
    assert cli("verify", "--plan", "--registry", write_registry(folder / "[i]r.yaml"))[0] == 0


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [("decimals", 10_000_000_000, "less than or equal"), ("decimals", 100_000_000, "less than or equal"),
     ("confidence", ".nan", "finite"), ("confidence", ".inf", "finite"), ("confidence", 7, "less than or equal")],
)  # fmt: skip
def test_absurd_numbers_are_load_errors_naming_the_field(tmp_path: Path, field: str, value: object, problem: str):
    report = tmp_path / "r.txt"
    report.write_text(synthesis_report())
    reg = tmp_path / "claims.yaml"
    assert cli("ingest", report, "--registry", reg)[0] == 0
    text = reg.read_text()
    if field == "decimals":
        text = re.sub(r"decimals: \d+", f"decimals: {value}", text, count=1)
    else:
        text = re.sub(r"confidence: [0-9.]+", f"confidence: {value}", text, count=1)
    reg.write_text(text)
    started = time.perf_counter()
    for command in ("list", "show"):
        code, out = cli(command, *(["coco-dr-base-ndcg10-trec-covid"] if command == "show" else []), "--registry", reg)
        assert code == 1 and f".{field}:" in out and problem in out, out
    assert time.perf_counter() - started < 10


def test_list_json_is_strict_json(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(synthesis_report())
    reg = tmp_path / "claims.yaml"
    assert cli("ingest", report, "--registry", reg)[0] == 0
    code, out = cli("list", "--json", "--registry", reg)
    assert code == 0
    json.loads(out, parse_constant=lambda name: pytest.fail(f"non-JSON constant {name}"))
    data = yaml.safe_load(reg.read_text())
    target = {"condition": "bm25", "metric": "nDCG@10", "dataset": "synthetic"}
    data["claims"][0]["replication"] = {"experiment": ef.EXPERIMENT, "params": {"k1": float("nan")}, "value": target}
    reg.write_text(yaml.safe_dump(data))
    code, out = cli("list", "--json", "--registry", reg)
    assert code == 1 and "finite" in out


def test_a_run_leaves_no_work_folder_and_stale_ones_are_removed() -> None:
    from claimcheck.home import subdir

    work = subdir("work")
    stale = work / "0123456789abcdef"
    (stale / "partial.jsonl").parent.mkdir()
    (stale / "partial.jsonl").write_text("{}\n")
    long_ago = time.time() - 3 * 24 * 3600
    os.utime(stale, (long_ago, long_ago))
    verify(ef.registry(), ["bm25-ndcg"], scale="smoke")
    assert [p for p in work.iterdir() if p.is_dir()] == []


def test_a_claim_for_which_claim_config_fails_is_never_judged_from_a_record_of_another_config() -> None:
    """Records are chosen by the claim's own config at each scale: one made with other params says nothing."""
    record = full_record()
    exp = get_experiment(ef.EXPERIMENT)
    claim = next(c for c in ef.registry().claims if c.id == "bm25-ndcg")
    assert record.config == claim_config(exp, "full", claim.replication)
    other = claim.model_copy(update={"replication": claim.replication.model_copy(update={"params": {"n_docs": 7}})})
    result = results_from_store(ClaimRegistry(claims=[other]))[0]
    assert result.verdict == Verdict.NOT_RUN


def test_a_number_with_hundreds_of_decimals_ingests_with_a_note_instead_of_a_quantity(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    row = ("COCO-DR Base model achieves an nDCG@10 score of 0." + "7" * 400 + " on the TREC-COVID dataset.", "✓", "0.5")
    report.write_text(synthesis_report([row]))
    reg = tmp_path / "claims.yaml"
    code, text = cli("ingest", report, "--registry", reg)
    assert code == 0, text
    (claim,) = yaml.safe_load(reg.read_text())["claims"]
    assert "quantity" not in claim and claim["quantity_note"]  # more decimals than any metric is reported with
