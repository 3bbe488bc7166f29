"""claims.yaml: round trip, readable output, errors naming file/line/field, replication links, atomic save."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import report_fixtures as rf

from claimcheck.experiments import Experiment, Requirements, ScaleSpec
from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.parse import parse_text
from claimcheck.models import ClaimRegistry, EffectTarget, ExperimentOutput, Replication, ValueTarget
from claimcheck.plugins import ExperimentRegistry
from claimcheck.registry import (
    RegistryError,
    dump_registry,
    load_registry,
    parse_registry,
    registry_schema,
    save_registry,
)


@pytest.fixture
def registry() -> ClaimRegistry:
    reports = [parse_text(rf.synthesis_report(), "a.txt"), parse_text(rf.ARXIV_PAGE, "page.txt")]
    return ingest_reports(ClaimRegistry(), reports)[0]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_round_trip(tmp_path: Path, registry: ClaimRegistry) -> None:
    path = tmp_path / "claims.yaml"
    save_registry(registry, path)
    loaded = load_registry(path)
    assert loaded == registry
    first = path.read_bytes()
    save_registry(loaded, path)
    assert path.read_bytes() == first  # saving what was loaded changes nothing


def test_yaml_is_readable(registry: ClaimRegistry) -> None:
    text = dump_registry(registry)
    assert "null" not in text and ": []" not in text and ": {}" not in text
    assert "\n- id: coco-dr-base-ndcg10-trec-covid\n  text: COCO-DR Base model" in text  # block style, model order
    assert "✓" not in text or "\\u" not in text  # unicode kept as is


@pytest.mark.parametrize("dumper", ["CSafeDumper", "SafeDumper"])  # libyaml's writer, and the fallback without it
def test_hand_edited_text_survives_either_writer(registry: ClaimRegistry, monkeypatch, dumper: str) -> None:
    import yaml

    import claimcheck.registry as registry_module

    if not hasattr(yaml, dumper):
        pytest.skip(f"PyYAML built without {dumper}")
    monkeypatch.setattr(registry_module, "_Dumper", getattr(yaml, dumper))
    tricky = ["yes", "null", "2026-06-09", "0.5", "a: b", "x #y", "- z", "'q' \"d\"", "line\nbreak", "tab\there", "✓ ×"]
    claims = [c.model_copy(update={"notes": note}) for c, note in zip(registry.claims, tricky, strict=False)]
    edited = registry.model_copy(update={"claims": claims})
    text = dump_registry(edited)
    assert parse_registry(text, "claims.yaml") == edited
    assert text.startswith("# claimcheck claim registry.") and "\n- id: " in text and "{" not in text  # block style


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_registry(empty) == ClaimRegistry()
    with pytest.raises(RegistryError, match="no such registry file"):
        load_registry(tmp_path / "nope.yaml")
    assert load_registry(tmp_path / "nope.yaml", missing_ok=True) == ClaimRegistry()


def test_unknown_field_names_file_line_and_field(registry: ClaimRegistry) -> None:
    text = dump_registry(registry).replace("    dataset: TREC-COVID", "    datset: TREC-COVID", 1)
    with pytest.raises(RegistryError) as err:
        parse_registry(text, "claims.yaml")
    line = _line_of(text, "datset:")
    assert str(err.value) == (
        f"claims.yaml:{line}: claims[0] (coco-dr-base-ndcg10-trec-covid).quantity.datset: "
        "unknown field (not in the schema; see `claimcheck schema`)"
    )


def test_wrong_type_names_the_line(registry: ClaimRegistry) -> None:
    text = dump_registry(registry).replace("    value: 0.789", "    value: high", 1)
    with pytest.raises(RegistryError) as err:
        parse_registry(text, "claims.yaml")
    assert err.value.line == _line_of(text, "value: high")
    assert err.value.field == "claims[0] (coco-dr-base-ndcg10-trec-covid).quantity.value"


def test_yaml_syntax_error_names_the_line(registry: ClaimRegistry) -> None:
    text = dump_registry(registry).replace("  kind: numeric", "  kind: [numeric", 1)
    with pytest.raises(RegistryError, match=r"^claims\.yaml:\d+: YAML syntax error"):
        parse_registry(text, "claims.yaml")


@pytest.mark.parametrize("text", ["- just\n- a list\n", "plain words\n", "!!python/object:os.system {}\n"])
def test_not_a_registry(text: str) -> None:
    with pytest.raises(RegistryError):
        parse_registry(text, "claims.yaml")


def test_duplicate_ids_and_dangling_mentions(registry: ClaimRegistry) -> None:
    dup = registry.model_copy(update={"claims": [registry.claims[0], registry.claims[0]]})
    with pytest.raises(RegistryError, match=r"claims\[1\].*duplicate id"):
        parse_registry(dump_registry(dup), "claims.yaml")
    dangling = registry.model_copy(update={"reports": registry.reports[1:]})
    with pytest.raises(RegistryError, match="not in 'reports'"):
        parse_registry(dump_registry(dangling), "claims.yaml")


def _fake_experiment(name: str) -> Experiment:
    """Built directly, handed to the registry check (no entry point involved)."""
    spec = ScaleSpec(requirements=Requirements(minutes=0.1), config={"k": 10})
    return Experiment(
        name=name,
        fn=lambda ctx: ExperimentOutput(),
        paper="0000.00000",
        description="fake",
        conditions=("default",),
        scales={"smoke": spec, "full": spec},
        params=frozenset({"lr"}),
    )


def _linked(registry: ClaimRegistry, experiment: str, params: dict) -> str:
    target = ValueTarget(metric="nDCG@10", dataset="trec-covid")
    rep = Replication(experiment=experiment, params=params, value=target)
    claims = [registry.claims[0].model_copy(update={"replication": rep}), *registry.claims[1:]]
    return dump_registry(registry.model_copy(update={"claims": claims}))


def test_replication_must_name_a_registered_experiment(registry) -> None:
    installed = ExperimentRegistry([_fake_experiment("test_registry.fake")])
    linked = _linked(registry, "test_registry.fake", {"k": 5, "lr": 1e-5})
    assert parse_registry(linked, experiments=installed).claims[0].replication
    with pytest.raises(RegistryError, match=r"replication\.experiment: unknown experiment 'no_such\.thing'"):
        parse_registry(_linked(registry, "no_such.thing", {}), experiments=installed)
    with pytest.raises(RegistryError, match=r"did you mean 'test_registry\.fake'\?"):
        parse_registry(_linked(registry, "test_registry.fak", {}), experiments=installed)
    with pytest.raises(RegistryError, match=r"replication\.params: .*no parameter 'bogus'"):
        parse_registry(_linked(registry, "test_registry.fake", {"bogus": 1}), experiments=installed)
    # the check is skippable for tools that only read texts
    assert parse_registry(_linked(registry, "no_such.thing", {}), check_experiments=False)


def test_failed_save_leaves_the_old_file(tmp_path: Path, registry: ClaimRegistry, monkeypatch) -> None:
    path = tmp_path / "claims.yaml"
    save_registry(registry, path)
    before = path.read_bytes()
    smaller = registry.model_copy(update={"claims": registry.claims[:1]})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_registry(smaller, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.yaml"]  # no temp file left behind


def test_crash_while_writing_leaves_the_old_file(tmp_path: Path, registry: ClaimRegistry, monkeypatch) -> None:
    path = tmp_path / "claims.yaml"
    save_registry(registry, path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        save_registry(registry.model_copy(update={"claims": []}), path)
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_schema_describes_the_registry() -> None:
    schema = registry_schema()
    assert set(schema["properties"]) == {"version", "reports", "claims"}
    assert schema["$defs"]["Claim"]["additionalProperties"] is False


def test_real_experiment_registry_is_consulted(registry: ClaimRegistry) -> None:
    with pytest.raises(RegistryError, match=r"unknown experiment 'no_such\.thing' \(installed: .*coco_dr"):
        parse_registry(_linked(registry, "no_such.thing", {}))


def test_cache_serves_a_saved_registry_and_never_a_stale_one(tmp_path: Path, registry, monkeypatch) -> None:
    path = tmp_path / "claims.yaml"
    save_registry(registry, path)
    import claimcheck.registry as reg_module

    def no_yaml(*args, **kwargs):
        raise AssertionError("YAML parsed although the cache holds this content")

    with monkeypatch.context() as patch:
        patch.setattr(reg_module, "parse_registry", no_yaml)
        assert load_registry(path) == registry
    edited = path.read_text().replace("kind: numeric", "kind: effect", 1)
    path.write_text(edited)
    assert load_registry(path).claims[0].kind == "effect"  # new bytes, new cache key
    for cached in (Path(os.environ["CLAIMCHECK_HOME"]) / "registry-cache").glob("*.json"):
        cached.write_text("{not json")
    assert load_registry(path).claims[0].kind == "effect"  # a damaged cache entry is ignored


def test_cached_registry_is_still_checked_against_the_experiments(tmp_path: Path, registry) -> None:
    installed = ExperimentRegistry([_fake_experiment("test_registry.fake")])
    path = tmp_path / "claims.yaml"
    path.write_text(_linked(registry, "test_registry.fake", {}))
    assert load_registry(path, experiments=installed).claims[0].replication is not None  # valid, and now cached
    with pytest.raises(RegistryError) as err:
        load_registry(path, experiments=ExperimentRegistry())
    assert err.value.line == _line_of(path.read_text(), "experiment: test_registry.fake")


def test_bundled_implementation_tests_name_tests_that_exist() -> None:
    """A method claim is shown by the tests it names; a renamed or deleted test must not leave a dead citation."""
    import ast

    from claimcheck.registry import load_registry

    repo = Path(__file__).resolve().parent.parent
    cited = [t for c in load_registry(repo / "claims.yaml").claims for t in c.implementation_tests]
    assert cited
    for node_id in cited:
        file, _, name = node_id.partition("::")
        tree = ast.parse((repo / file).read_text(encoding="utf-8"))
        defined = {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}
        assert name in defined, f"{node_id}: no such test"


def test_replication_params_survive_a_save_as_written(tmp_path: Path) -> None:
    from claimcheck.models import Claim, Replication, ValueTarget

    params = {"metrics": [], "top_k": None, "protocol": {"title_join": None, "dataset_overrides": {}}}
    target = ValueTarget(metric="nDCG@10", dataset="scifact")
    rep = Replication(experiment="beir.beir_eval", value=target, params=params)
    text = dump_registry(ClaimRegistry(claims=[Claim(id="a", text="t", replication=rep)]))
    assert parse_registry(text).claims[0].replication.params == params  # type: ignore[union-attr]


def test_a_key_written_twice_is_an_error_naming_both_lines() -> None:
    text = (
        "claims:\n- id: a\n  text: t\n  tolerance: {kind: absolute, value: 0.1, reason: r}\n"
        "  tolerance: {kind: relative, value: 5, reason: r}\n"
    )
    with pytest.raises(RegistryError, match=r"claims.yaml:5: .*key 'tolerance' appears twice \(first on line 4\)"):
        parse_registry(text)
    merged = "claims:\n- &c {id: a, text: t}\n- {<<: *c, id: b}\n"  # a merge key may be overridden
    assert [c.id for c in parse_registry(merged).claims] == ["a", "b"]


def test_a_target_must_name_a_condition_and_metric_the_experiment_measures(registry) -> None:
    import dataclasses

    exp = dataclasses.replace(_fake_experiment("test_registry.fake"), conditions=("full", "erm"), metrics=("AP",))
    installed = ExperimentRegistry([exp])

    def check(text: str) -> ClaimRegistry:
        return parse_registry(text, experiments=installed)

    def linked(target) -> str:
        rep = Replication(experiment=exp.name, **target)
        claims = [registry.claims[0].model_copy(update={"replication": rep}), *registry.claims[1:]]
        return dump_registry(registry.model_copy(update={"claims": claims}))

    ok = EffectTarget(condition="full", baseline="erm", metric="map", datasets=["d"])
    assert check(linked({"effect": ok})).claims[0].replication  # "map" is AP under another name
    with pytest.raises(RegistryError, match=r"effect\.baseline: test_registry\.fake has no condition 'idro'"):
        check(linked({"effect": ok.model_copy(update={"baseline": "idro"})}))
    with pytest.raises(RegistryError, match=r"value\.metric: test_registry\.fake does not measure 'nDCG@10'"):
        check(linked({"value": ValueTarget(condition="full", metric="nDCG@10", dataset="d")}))
    with pytest.raises(RegistryError, match=r"does not measure 'Accuracy'"):  # not an ir_measures name: no traceback
        check(linked({"value": ValueTarget(condition="full", metric="Accuracy", dataset="d")}))
    scored = ok.model_copy(update={"condition": "full+maxsim"})  # a declared condition under an extra scoring
    assert check(linked({"effect": scored})).claims[0].replication


# --------------------------------------------------------------------------------------------------- hostile files


def _bomb(levels: int) -> str:
    lines = ["claims:", "- id: b", "  text: t", "  notes: &n0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  x{i}: &n{i} [{', '.join([f'*n{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_aliases_may_share_values_but_not_explode() -> None:
    shared = "reports: []\nclaims:\n- id: a\n  text: &t shared text\n- id: b\n  text: *t\n"
    assert [c.text for c in parse_registry(shared).claims] == ["shared text", "shared text"]
    with pytest.raises(RegistryError, match=r"claims\.yaml:\d+: aliases expand to [\d,]+ values"):
        parse_registry(_bomb(7))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("claims: &a [*a]\n", "recursive alias"), ("claims: " + "[" * 100 + "]" * 100 + "\n", "nested more than"),
     ("version: " + "9" * 5000 + "\n", "cannot read the value"), ("claims: !!python/object:os.system {}\n", "YAML")],
)  # fmt: skip
def test_hostile_yaml_is_one_line_naming_the_file(text: str, problem: str) -> None:
    with pytest.raises(RegistryError, match=problem) as info:
        parse_registry(text)
    assert str(info.value).startswith("claims.yaml") and "\n" not in str(info.value)


def test_a_registry_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "claims.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RegistryError, match="not a regular file"):
        load_registry(fifo)


def test_update_registry_merges_with_what_is_there_now_and_writes_through_links(
    tmp_path: Path, registry: ClaimRegistry
) -> None:
    from claimcheck.registry import update_registry

    real = tmp_path / "data" / "claims.yaml"
    real.parent.mkdir()
    save_registry(registry, real)
    link = tmp_path / "claims.yaml"
    link.symlink_to(real)

    def drop_first(current: ClaimRegistry) -> tuple[ClaimRegistry, int]:
        return current.model_copy(update={"claims": current.claims[1:]}), len(current.claims)

    assert update_registry(link, drop_first) == len(registry.claims)
    assert link.is_symlink() and load_registry(real).claims == registry.claims[1:]
    assert (real.parent / ".claims.yaml.lock").exists() and not (tmp_path / ".claims.yaml.lock").exists()


def test_a_registry_the_cache_cannot_serialise_costs_speed_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_core import PydanticSerializationError

    import claimcheck.registry as registry_module

    def fail(*_a, **_k):
        raise PydanticSerializationError("Circular reference detected (id repeated)")

    monkeypatch.setattr(registry_module, "atomic_write_text", fail)
    registry_module._cache_put("x", ClaimRegistry())  # no traceback
