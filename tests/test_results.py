"""Run records: content-addressed keys, the store, signatures, and import of records made elsewhere."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import time
from pathlib import Path

import pytest
from records import CODE, honest

import claimcheck.results as results_module
from claimcheck import signing
from claimcheck.experiments import Experiment, Requirements, ScaleSpec
from claimcheck.home import records_dir
from claimcheck.models import ExperimentOutput, Measurement, RunRecord
from claimcheck.provenance import collect
from claimcheck.results import (
    RecordStore,
    code_version,
    integrity_problems,
    record_signer,
    run_key,
    sign_record,
    source_files,
)


def make_record(**kw) -> RunRecord:
    fields = dict(
        key="0" * 64,
        experiment="x.y",
        scale="proxy",
        config={"n": 1},
        seeds=[0],
        status="ok",
        output=ExperimentOutput(measurements=[Measurement(dataset="d", metric="AP", value=0.5)]),
        provenance=collect(),
        started_at="2026-01-01T00:00:00+00:00",
        wall_time_s=1.0,
        peak_memory_mb=10.0,
    )
    fields.update(kw)
    return honest(RunRecord(**fields))


def made_elsewhere(record: RunRecord, home: Path, monkeypatch: pytest.MonkeyPatch) -> RunRecord:
    """`record` as another machine (its own CLAIMCHECK_HOME, so its own key) signs it; returns to this home."""
    here = os.environ["CLAIMCHECK_HOME"]
    monkeypatch.setenv("CLAIMCHECK_HOME", str(home))
    signed = sign_record(record)
    monkeypatch.setenv("CLAIMCHECK_HOME", here)
    return signed


def test_run_key_is_canonical_and_sensitive_to_what_defines_a_run() -> None:
    base = run_key("x.y", "proxy", {"a": 1, "b": [1, 2]}, [0, 1], CODE)
    assert base == run_key("x.y", "proxy", {"b": [1, 2], "a": 1}, [0, 1], dict(reversed(CODE.items())))
    assert len(base) == 64
    variants = [
        run_key("x.z", "proxy", {"a": 1, "b": [1, 2]}, [0, 1], CODE),
        run_key("x.y", "full", {"a": 1, "b": [1, 2]}, [0, 1], CODE),
        run_key("x.y", "proxy", {"a": 2, "b": [1, 2]}, [0, 1], CODE),
        run_key("x.y", "proxy", {"a": 1, "b": [1, 2]}, [0, 2], CODE),
        run_key("x.y", "proxy", {"a": 1, "b": [1, 2]}, [0, 1], {**CODE, "source_sha256": "changed"}),
    ]
    assert len({base, *variants}) == 6


def test_code_version_follows_the_experiment_source(tmp_path: Path) -> None:
    module = tmp_path / "exp_mod.py"
    module.write_text("def run(ctx):\n    return None\n")
    loader_spec = importlib.util.spec_from_file_location("exp_mod", module)
    assert loader_spec and loader_spec.loader
    loaded = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(loaded)
    spec = ScaleSpec(requirements=Requirements(minutes=1))
    exp = Experiment("t.x", loaded.run, "p", "", ("default",), {"smoke": spec})
    assert source_files(exp) == [module]
    before = code_version(exp)
    module.write_text("def run(ctx):\n    return 1\n")
    after = code_version(exp)
    assert before["source_sha256"] != after["source_sha256"]
    assert before["engine_sha256"] == after["engine_sha256"] and before["package_version"]


def test_integrity_a_key_must_be_the_hash_of_a_complete_contents() -> None:
    honest_record = make_record()
    assert integrity_problems(honest_record) == []
    assert "code map lacks" in integrity_problems(honest_record.model_copy(update={"code": {}}))[0]
    partial = {k: v for k, v in CODE.items() if k != "source_sha256"}
    assert "source_sha256" in integrity_problems(honest(make_record(), code=partial))[0]
    for change in ({"scale": "full"}, {"config": {"n": 2}}, {"seeds": [0, 1]}, {"experiment": "x.z"}):
        assert "not the hash" in integrity_problems(honest_record.model_copy(update=change))[0], change
    assert "not a sha256" in integrity_problems(honest_record.model_copy(update={"key": "../../etc"}))[0]


def test_store_signs_round_trips_and_lists_headers_skipping_temp_and_invalid() -> None:
    store = RecordStore()
    assert store.root == records_dir()
    rec = make_record()
    stored = store.put(rec)
    assert store.path(rec.key).name == f"{rec.key}.json"
    assert store.get(rec.key) == stored and stored.model_copy(update={"signature": None}) == rec
    assert record_signer(stored) == signing.local_key_id()
    assert store.get("b" * 64) is None and store.get("../../x") is None
    (store.root / f".{'c' * 64}.json.x1.tmp").write_text("{half")  # an interrupted write's leftover
    (store.root / "broken.json").write_text("{not json")
    headers, invalid = store.headers()
    assert [h.key for h in headers] == [rec.key] and headers[0].signature == stored.signature
    assert [p.name for p, _ in invalid] == ["broken.json"]


def test_headers_are_read_once_per_file_version(monkeypatch: pytest.MonkeyPatch) -> None:
    store = RecordStore()
    first, second = store.put(make_record()), store.put(make_record(seeds=[0, 1]))
    assert {h.key for h in store.headers()[0]} == {first.key, second.key}
    reads: list[str] = []
    original = results_module.read_model
    monkeypatch.setattr(results_module, "read_model", lambda path, *a, **k: reads.append(Path(path).name) or
                        original(path, *a, **k))  # fmt: skip
    assert {h.key for h in store.headers()[0]} == {first.key, second.key} and reads == []
    store.put(first.model_copy(update={"wall_time_s": 9.0}))  # rewritten: read again, the other one not
    headers = {h.key: h for h in store.headers()[0]}
    assert reads == [f"{first.key}.json"] and headers[first.key].wall_time_s == 9.0
    (store.root / ".headers.json").write_text("{damaged")
    assert len(store.headers()[0]) == 2  # a damaged index is rebuilt from the files


def test_an_orphan_temp_file_is_removed_once_stale() -> None:
    root = RecordStore().root
    fresh, old = root / ".a.json.fresh.tmp", root / ".b.json.old.tmp"
    for path in (fresh, old):
        path.write_text("{half")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    RecordStore()
    assert fresh.exists() and not old.exists()  # a live write may still be renaming the fresh one


def test_a_signature_covers_every_field_but_the_import_note() -> None:
    signed = sign_record(make_record())
    assert record_signer(signed.model_copy(update={"imported_from": "/elsewhere/r.json"}))
    changes = [
        {"wall_time_s": 2.0},
        {"status": "error"},
        {"claim_ids": ["other"]},
        {"provenance": signed.provenance.model_copy(update={"hostname": "forged"})},
        {"output": ExperimentOutput(measurements=[Measurement(dataset="d", metric="AP", value=0.789)])},
    ]
    for change in changes:
        with pytest.raises(signing.SignatureError):
            record_signer(signed.model_copy(update=change))
    with pytest.raises(signing.SignatureError, match="unsigned"):
        record_signer(signed.model_copy(update={"signature": None}))


def test_import_takes_records_signed_by_trusted_keys_and_keeps_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "from-cluster"
    elsewhere.mkdir()
    their_home = tmp_path / "cluster-home"
    provenance = collect().model_copy(update={"hostname": "gpu-node-7", "gpu": "8 × A100"})
    remote = made_elsewhere(make_record(scale="full", provenance=provenance), their_home, monkeypatch)
    (elsewhere / "good.json").write_text(remote.model_dump_json())
    (elsewhere / "bad.json").write_text(json.dumps({"key": "e" * 64, "experiment": "x.y"}))
    (elsewhere / "badkey.json").write_text(remote.model_copy(update={"key": "not-a-sha"}).model_dump_json())
    store = RecordStore()
    untrusted = store.import_dir(elsewhere)
    assert untrusted.imported == [] and "not a trusted key" in dict(untrusted.invalid)[str(elsewhere / "good.json")]
    their_key = signing.key_id(bytes.fromhex(remote.signature.public_key))  # type: ignore[union-attr]
    summary = store.import_dir(elsewhere, trust={their_key})
    assert summary.imported == [remote.key]
    assert {Path(p).name for p, _ in summary.invalid} == {"bad.json", "badkey.json"}
    stored = store.get(remote.key)
    assert stored is not None and record_signer(stored) == their_key  # kept as they signed it
    assert stored.imported_from == str((elsewhere / "good.json").resolve())
    assert stored.provenance.hostname == "gpu-node-7" and stored.provenance.gpu == "8 × A100"
    assert their_key in signing.trusted_keys()  # remembered: later imports and verdicts trust it
    again = store.import_dir(elsewhere)
    assert again.imported == [] and again.already_present == [remote.key]


@pytest.mark.parametrize(
    "damage",
    ["unsigned", "tampered measurement", "code emptied", "key of another group", "extra seed measured"],
)
def test_import_refuses_forged_and_tampered_records(tmp_path: Path, damage: str) -> None:
    record = sign_record(make_record())
    if damage == "unsigned":
        record = record.model_copy(update={"signature": None})
    elif damage == "tampered measurement":
        forged = ExperimentOutput(measurements=[Measurement(dataset="d", metric="AP", value=0.789)])
        record = record.model_copy(update={"output": forged})
    elif damage == "code emptied":
        record = sign_record(record.model_copy(update={"code": {}}))
    elif damage == "key of another group":
        record = sign_record(record.model_copy(update={"key": make_record(scale="smoke").key}))
    else:
        extra = [*record.output.measurements, Measurement(dataset="d", metric="AP", value=0.9, seed=7)]
        record = sign_record(record.model_copy(update={"output": ExperimentOutput(measurements=extra)}))
    (tmp_path / "r.json").write_text(record.model_dump_json())
    summary = RecordStore().import_dir(tmp_path)
    assert summary.imported == [] and len(summary.invalid) == 1, summary


@pytest.mark.parametrize("bad_field", ["status", "scale"])
def test_records_with_invalid_fields_are_rejected_on_import(tmp_path: Path, bad_field: str) -> None:
    data = json.loads(sign_record(make_record()).model_dump_json())
    data[bad_field] = "bogus"
    (tmp_path / "r.json").write_text(json.dumps(data))
    summary = RecordStore().import_dir(tmp_path)
    assert summary.imported == [] and bad_field in summary.invalid[0][1]


def test_import_reads_regular_files_only_and_within_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = sign_record(make_record())
    (tmp_path / "good.json").write_text(good.model_dump_json())
    os.mkfifo(tmp_path / "fifo.json")  # read forever before
    (tmp_path / "zero.json").symlink_to("/dev/zero")  # MemoryError before
    (tmp_path / "link.json").symlink_to(tmp_path / "good.json")
    monkeypatch.setattr("claimcheck.results.IMPORT_MAX_BYTES", 4096)
    (tmp_path / "big.json").write_text(good.model_dump_json() + " " * 5000)
    summary = RecordStore().import_dir(tmp_path)
    why = {Path(p).name: reason for p, reason in summary.invalid}
    assert summary.imported == [good.key]
    assert set(why) == {"fifo.json", "zero.json", "link.json", "big.json"}
    assert "not a regular file" in why["fifo.json"] and "symlink" in why["zero.json"] and "limit" in why["big.json"]


def test_a_failed_run_never_replaces_a_successful_record_and_a_good_import_replaces_a_failed_one(
    tmp_path: Path,
) -> None:
    store = RecordStore()
    good, failed = make_record(), make_record(status="error", error="boom")
    signed_good = store.put(good)
    store.put(failed)
    assert store.get(good.key) == signed_good
    store.path(good.key).unlink()
    store.put(failed)
    (tmp_path / "good.json").write_text(signed_good.model_dump_json())
    summary = store.import_dir(tmp_path)
    assert summary.imported == [good.key] and store.get(good.key).status == "ok"  # type: ignore[union-attr]


def test_a_nan_measurement_survives_the_store_and_its_signature() -> None:
    nan = Measurement(dataset="d", metric="AP", value=float("nan"), per_query={"q": float("nan")})
    store = RecordStore()
    record = make_record(output=ExperimentOutput(measurements=[nan]))
    store.put(record)
    back = store.get(record.key)
    assert back is not None and math.isnan(back.output.measurements[0].value)
    assert math.isnan(back.output.measurements[0].per_query["q"])
    assert record_signer(back) == signing.local_key_id()


def test_a_run_key_covers_replication_data_files_and_library_versions() -> None:
    from claimcheck.experiments import get_experiment

    exp = get_experiment("beir.beir_eval")
    assert any(p.name == "checkpoints.yaml" for p in source_files(exp))  # chooses how a named model loads
    assert set(code_version(exp)) == {"package_version", "engine_sha256", "source_sha256", "dependencies_sha256"}
