"""Run records: content-addressed keys, the store, import of records made elsewhere."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from claimcheck.experiments import Experiment, Requirements, ScaleSpec
from claimcheck.home import records_dir
from claimcheck.models import ExperimentOutput, Measurement, RunRecord
from claimcheck.provenance import collect
from claimcheck.results import RecordStore, code_version, run_key, source_files

CODE = {"git_commit": "abc", "source_sha256": "def"}


def make_record(key: str, **kw) -> RunRecord:
    fields = dict(
        key=key,
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
    return RunRecord(**fields)


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


def test_store_round_trip_and_scan_skips_temp_and_reports_invalid() -> None:
    store = RecordStore()
    assert store.root == records_dir()
    rec = make_record("a" * 64)
    path = store.put(rec)
    assert path.name == f"{'a' * 64}.json"
    assert store.get("a" * 64) == rec
    assert store.get("b" * 64) is None
    (store.root / f".{'c' * 64}.json.x1.tmp").write_text("{half")  # an interrupted write's leftover
    (store.root / "broken.json").write_text("{not json")
    records, invalid = store.scan()
    assert [r.key for r in records] == ["a" * 64]
    assert [p.name for p, _ in invalid] == ["broken.json"]
    assert store.find("x.y", "proxy", {"n": 1}) == [rec]
    assert store.find("x.y", "proxy", {"n": 2}) == []


def test_import_validates_and_keeps_provenance(tmp_path: Path) -> None:
    elsewhere = tmp_path / "from-cluster"
    elsewhere.mkdir()
    remote = make_record("d" * 64, scale="full").model_copy(
        update={"provenance": collect().model_copy(update={"hostname": "gpu-node-7", "gpu": "8 × A100"})}
    )
    (elsewhere / "good.json").write_text(remote.model_dump_json())
    (elsewhere / "bad.json").write_text(json.dumps({"key": "e" * 64, "experiment": "x.y"}))
    (elsewhere / "badkey.json").write_text(make_record("not-a-sha").model_dump_json())
    store = RecordStore()
    summary = store.import_dir(elsewhere)
    assert summary.imported == ["d" * 64]
    assert {Path(p).name for p, _ in summary.invalid} == {"bad.json", "badkey.json"}
    stored = store.get("d" * 64)
    assert stored is not None
    assert stored.imported_from == str((elsewhere / "good.json").resolve())
    assert stored.provenance.hostname == "gpu-node-7" and stored.provenance.gpu == "8 × A100"
    again = store.import_dir(elsewhere)
    assert again.imported == [] and again.already_present == ["d" * 64]


@pytest.mark.parametrize("bad_field", ["status", "scale"])
def test_records_with_invalid_fields_are_rejected_on_import(tmp_path: Path, bad_field: str) -> None:
    data = json.loads(make_record("f" * 64).model_dump_json())
    data[bad_field] = "bogus"
    (tmp_path / "r.json").write_text(json.dumps(data))
    summary = RecordStore().import_dir(tmp_path)
    assert summary.imported == [] and bad_field in summary.invalid[0][1]


def test_a_failed_run_never_replaces_a_successful_record_and_a_good_import_replaces_a_failed_one(
    tmp_path: Path,
) -> None:
    store = RecordStore()
    good, failed = make_record("a" * 64), make_record("a" * 64, status="error", error="boom")
    store.put(good)
    store.put(failed)
    assert store.get("a" * 64) == good
    store.path("a" * 64).unlink()
    store.put(failed)
    (tmp_path / "good.json").write_text(good.model_dump_json())
    summary = store.import_dir(tmp_path)
    assert summary.imported == ["a" * 64] and store.get("a" * 64).status == "ok"  # type: ignore[union-attr]


def test_import_rejects_a_record_whose_key_is_not_its_contents(tmp_path: Path) -> None:
    code = {"package_version": "1", "engine_sha256": "e", "source_sha256": "s"}
    honest = make_record(run_key("x.y", "proxy", {"n": 1}, [0], code), code=code)
    forged = make_record("b" * 64, code=code)
    (tmp_path / "honest.json").write_text(honest.model_dump_json())
    (tmp_path / "forged.json").write_text(forged.model_dump_json())
    summary = RecordStore().import_dir(tmp_path)
    assert summary.imported == [honest.key]
    assert [(Path(p).name, why) for p, why in summary.invalid] == [
        ("forged.json", "key is not the hash of the record's experiment, config and code")
    ]


def test_a_nan_measurement_survives_the_store() -> None:
    nan = Measurement(dataset="d", metric="AP", value=float("nan"), per_query={"q": float("nan")})
    store = RecordStore()
    store.put(make_record("c" * 64, output=ExperimentOutput(measurements=[nan])))
    back = store.get("c" * 64)
    assert back is not None and math.isnan(back.output.measurements[0].value)
    assert math.isnan(back.output.measurements[0].per_query["q"])


def test_a_run_key_covers_replication_data_files_and_library_versions() -> None:
    from claimcheck.experiments import get_experiment

    exp = get_experiment("beir.beir_eval")
    assert any(p.name == "checkpoints.yaml" for p in source_files(exp))  # chooses how a named model loads
    assert set(code_version(exp)) == {"package_version", "engine_sha256", "source_sha256", "dependencies_sha256"}
