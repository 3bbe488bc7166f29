"""The engine end to end on a real (tiny, computed) experiment: tests/engine_fixtures.py."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import engine_fixtures as ef
import pytest

from claimcheck.experiments import Requirements, RunContext, ScaleSpec, define_experiment
from claimcheck.home import evidence_dir, write_model
from claimcheck.models import (
    Claim,
    ClaimRegistry,
    EffectTarget,
    EvidenceResult,
    EvidenceVerdict,
    ExperimentOutput,
    Measurement,
    PaperFigures,
    Replication,
    TableCell,
    Tolerance,
    ValidityCheck,
    Verdict,
)
from claimcheck.plugins import ExperimentRegistry, installed_experiments
from claimcheck.results import CacheMode, RecordStore, code_version, run_key
from claimcheck.verdicts import SMOKE_REASON
from claimcheck.verify import (
    INTERRUPTED_BEFORE,
    INTERRUPTED_DURING,
    RichReporter,
    choose_scale,
    command_for,
    make_plan,
    results_from_store,
    standalone_main,
    unmet_requirements,
)
from claimcheck.verify import verify as run_verify


def by_id(results) -> dict:
    return {r.claim_id: r for r in results}


def verify(registry: ClaimRegistry, *args, **kwargs):
    """The engine over this file's experiments (`EXPERIMENTS`, at the end): handed in, never looked up globally."""
    return run_verify(registry, *args, experiments=EXPERIMENTS, **kwargs)


def stored(registry: ClaimRegistry) -> dict:
    return by_id(results_from_store(registry, experiments=EXPERIMENTS))


def test_smoke_runs_every_experiment_and_gives_no_claim_verdict() -> None:
    out = verify(ef.registry(), scale="smoke")
    assert {r.group.experiment.name for r in out.runs} == {ef.EXPERIMENT, ef.NEEDS_DATA}  # the others lack smoke
    assert all(r.record is not None and r.record.status == "ok" for r in out.runs)
    results = by_id(out.results)
    assert results["background"].reason == "no executable replication applies"
    for cid in ("bm25-ndcg", "bm25-beats-tf", "random-beats-bm25", "needs-data"):
        assert results[cid].verdict == Verdict.NOT_RUN
        assert results[cid].reason == SMOKE_REASON
        assert results[cid].command == f"claimcheck verify {cid} --scale full"


def test_full_smoke_pass_runs_unlinked_installed_experiments() -> None:
    background = ClaimRegistry(claims=[c for c in ef.registry().claims if c.replication is None])
    installed = ExperimentRegistry([ef.lexical])  # no claim links to it
    out = run_verify(background, scale="smoke", experiments=installed)
    assert [(r.group.experiment.name, r.record.status) for r in out.runs] == [(ef.EXPERIMENT, "ok")]
    assert [r.verdict for r in out.results] == [Verdict.NOT_RUN]
    assert run_verify(background, ["background"], scale="smoke", experiments=installed).runs == []  # full pass only


def test_live_progress_on_a_terminal_and_silence_elsewhere() -> None:
    from rich.console import Console

    terminal = Console(file=io.StringIO(), force_terminal=True, width=150)
    verify(ef.registry(), ["bm25-ndcg"], scale="smoke", reporter=RichReporter(terminal))
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.file.getvalue())
    assert f"{ef.EXPERIMENT} [smoke]" in shown and "ranking" in shown and "ETA" in shown
    pipe = Console(file=io.StringIO(), force_terminal=False)
    verify(ef.registry(), ["bm25-ndcg"], scale="smoke", cache=CacheMode.NEVER, reporter=RichReporter(pipe))
    assert pipe.file.getvalue() == ""


def test_claims_sharing_a_run_run_it_once_and_the_cache_reuses_it() -> None:
    first = verify(ef.registry(), ["bm25-ndcg", "random-beats-bm25"], scale="proxy")
    assert len(first.runs) == 1 and not first.runs[0].reused
    record = first.runs[0].record
    assert record is not None and set(record.claim_ids) == {"bm25-ndcg", "random-beats-bm25"}
    assert record.seeds == [0, 1, 2] and record.provenance.python and record.wall_time_s > 0
    assert record.peak_memory_mb > 0 and "synthetic-corpus" in record.output.fingerprints
    second = verify(ef.registry(), ["bm25-ndcg", "random-beats-bm25"], scale="proxy")
    assert second.runs[0].reused and second.runs[0].record == record
    assert second.seconds < first.seconds
    assert [r.model_dump() for r in second.results] == [r.model_dump() for r in first.results]
    rerun = verify(ef.registry(), ["bm25-ndcg"], scale="proxy", cache=CacheMode.NEVER)
    assert not rerun.runs[0].reused and rerun.runs[0].record.started_at >= record.started_at


def test_cache_always_never_runs() -> None:
    out = verify(ef.registry(), ["bm25-ndcg"], scale="proxy", cache=CacheMode.ALWAYS)
    assert out.runs[0].record is None
    result = out.results[0]
    assert result.verdict == Verdict.NOT_RUN and "--cache always" in result.reason
    assert RecordStore().headers() == ([], [])


def test_proxy_direction_verdicts_are_computed() -> None:
    results = by_id(verify(ef.registry(), scale="proxy").results)
    bm25 = results["bm25-ndcg"]  # value claim at full scale: its proxy_effect (BM25 vs TF) is checked
    assert bm25.verdict == Verdict.DIRECTION_REPRODUCED and bm25.scale == "proxy"
    assert bm25.p_value < 0.05 and bm25.interval[0] > 0 and bm25.seeds == [0, 1, 2]
    assert set(bm25.details["seed_differences"]) == {"0", "1", "2"} and "synthetic" in bm25.details["per_dataset"]
    assert results["random-beats-bm25"].verdict == Verdict.DIRECTION_NOT_REPRODUCED
    assert results["needs-data"].verdict == Verdict.NOT_RUN
    assert results["needs-data"].reason == "claimed at full scale"


def test_close_conditions_are_inconclusive() -> None:
    claim = Claim(
        id="flat",
        text="BM25 length normalisation helps",
        replication=Replication(
            experiment=ef.EXPERIMENT,
            effect=EffectTarget(
                condition="bm25", baseline="bm25_flat", metric="nDCG@10", datasets=["synthetic"],
                paper=PaperFigures(condition={"synthetic": 0.6}, baseline={"synthetic": 0.4}, source="test"),
            ),
        ),
    )  # fmt: skip
    result = verify(ClaimRegistry(claims=[claim]), scale="proxy").results[0]
    assert result.verdict == Verdict.INCONCLUSIVE and result.p_value >= 0.05
    power = next(c for c in result.details["validity"] if c["name"] == "power")
    assert power["passed"] and "below the source's effect +0.2" in power["detail"]
    # The same run held to a paper effect it cannot detect: not-applicable, naming the power check and its figures.
    small = claim.replication.effect.model_copy(
        update={"paper": PaperFigures(condition={"synthetic": 0.401}, baseline={"synthetic": 0.4}, source="test")}
    )
    weak = claim.model_copy(update={"replication": claim.replication.model_copy(update={"effect": small})})
    result = verify(ClaimRegistry(claims=[weak]), scale="proxy").results[0]
    assert result.verdict == Verdict.NOT_APPLICABLE and "power: minimum detectable effect" in result.reason
    assert "not below the source's effect +0.001" in result.reason


def test_a_proxy_experiment_without_validity_checks_gives_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ef, "ranker_check", lambda measurements: [])
    result = by_id(verify(ef.registry(), ["random-beats-bm25"], scale="proxy", cache=CacheMode.NEVER).results)
    assert result["random-beats-bm25"].verdict == Verdict.NOT_APPLICABLE
    assert "the experiment declares no validity checks" in result["random-beats-bm25"].reason
    assert result["random-beats-bm25"].effect is not None  # what it measured is still shown


def test_a_failed_check_that_targets_a_condition_concerns_only_its_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    def checks(measurements: list) -> list[ValidityCheck]:
        ok = ValidityCheck(name="ran", passed=True, detail="every condition measured")
        return [ok, ValidityCheck(name="tf-is-a-stand-in", passed=False, detail="not what the claim names",
                                  targets=["tf"])]  # fmt: skip

    monkeypatch.setattr(ef, "ranker_check", checks)
    results = by_id(verify(ef.registry(), ["bm25-ndcg", "random-beats-bm25"], scale="proxy").results)
    assert results["bm25-ndcg"].verdict == Verdict.NOT_APPLICABLE  # its proxy effect is BM25 vs tf
    assert "tf-is-a-stand-in: not what the claim names" in results["bm25-ndcg"].reason
    assert results["random-beats-bm25"].verdict == Verdict.DIRECTION_NOT_REPRODUCED
    assert [c["name"] for c in results["random-beats-bm25"].details["validity"]] == ["ran", "power"]


def test_full_scale_value_verdicts_against_measured_values() -> None:
    # Measure first (3 seeds: a retrained model's interval over seeds), then claim values against that interval.
    probe = verify(ClaimRegistry(claims=[ef.value_claim("probe", 0.5, 1)]), scale="full").results[0]
    assert probe.scale == "full" and probe.details["rule"] == "value" and probe.interval is not None
    assert "training seeds (3, 95% Student t)" in probe.details["interval_over"]
    lo, hi = probe.interval
    half = (hi - lo) / 2
    wide = Tolerance(kind="absolute", value=2 * half, reason="test: twice the interval's half-width")
    near = ef.value_claim("near", round(probe.measured, 2), 2).model_copy(update={"tolerance": wide})
    far = ef.value_claim("far", round(probe.measured + 4 * half + 0.02, 2), 2).model_copy(update={"tolerance": wide})
    narrow = wide.model_copy(update={"value": half / 2})  # the interval covers the band and more
    edge = ef.value_claim("edge", round(probe.measured, 4), 4).model_copy(update={"tolerance": narrow})
    default = ef.value_claim("default", round(probe.measured, 2), 2)
    results = by_id(verify(ClaimRegistry(claims=[near, far, edge, default]), scale="full").results)
    assert results["near"].verdict == Verdict.VERIFIED and results["near"].tolerance == pytest.approx(2 * half)
    assert results["far"].verdict == Verdict.REFUTED
    assert results["edge"].verdict == Verdict.INCONCLUSIVE and "overlaps the tolerance edge" in results["edge"].reason
    assert results["default"].tolerance == pytest.approx(0.005 + 0.001)  # half a unit + the allowance, no noise
    assert results["default"].interval == pytest.approx(probe.interval)  # noise is in the interval only
    percent = ef.value_claim("percent", round(probe.measured * 100, 1), 1)  # written as 94.5 rather than 0.945
    percent = percent.model_copy(update={"tolerance": wide.model_copy(update={"value": 200 * half})})
    assert verify(ClaimRegistry(claims=[percent]), scale="full").results[0].verdict == Verdict.VERIFIED


def test_a_claim_the_interval_cannot_tell_from_a_neighbouring_cell_is_not_verified() -> None:
    probe = verify(ClaimRegistry(claims=[ef.value_claim("probe", 0.5, 1)]), scale="full").results[0]
    lo, hi = probe.interval
    wide = Tolerance(kind="absolute", value=0.05, reason="test")
    claim = ef.value_claim("cell", round(probe.measured, 3), 3).model_copy(update={"tolerance": wide})
    assert verify(ClaimRegistry(claims=[claim]), scale="full").results[0].verdict == Verdict.VERIFIED
    # The evidence step found the source's table: another cell of the same row holds a value inside the interval.
    value = round(lo + 0.2 * (hi - lo), 4)
    assert lo < value < hi and round(value, 3) != claim.quantity.value
    inside = TableCell(page=3, table="Table 2", row="synthetic", column="BM25 / flat", text="x", value=value)
    cell = TableCell(page=3, table="Table 2", row="synthetic", column="BM25", text="x", value=claim.quantity.value)
    write_model(evidence_dir() / "cell.json", EvidenceResult(claim_id="cell", verdict=EvidenceVerdict.SUPPORTED,
                                                             cell=cell, neighbours=[inside]))  # fmt: skip
    result = verify(ClaimRegistry(claims=[claim]), scale="full").results[0]
    assert result.verdict == Verdict.INCONCLUSIVE
    assert "cannot tell the claimed cell from synthetic / BM25 / flat" in result.reason and "Table 2" in result.reason


def test_unmet_requirements_give_not_run_with_command() -> None:
    exp = EXPERIMENTS[ef.NEEDS_DATA]
    assert choose_scale(exp, "auto", None) == ("proxy", "")
    scale, why = choose_scale(exp, "full", None)
    assert scale is None and "no-such-collection" in why
    result = by_id(verify(ef.registry(), ["needs-data"], scale="full").results)["needs-data"]
    assert result.verdict == Verdict.NOT_RUN and "no-such-collection" in result.reason
    assert result.command == "claimcheck verify needs-data --scale full"


def test_requirement_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert unmet_requirements(Requirements(minutes=1)) == []
    monkeypatch.setattr("claimcheck.verify.gpu_count", lambda: 1)  # importing torch to count takes seconds
    assert "needs 2 GPU(s), found 1" in unmet_requirements(Requirements(minutes=1, gpus=2))[0]
    assert unmet_requirements(Requirements(minutes=1, gpus=1)) == []
    monkeypatch.delenv("CLAIMCHECK_NETWORK", raising=False)
    assert "network" in unmet_requirements(Requirements(minutes=1, network=True))[0]
    assert "model" in unmet_requirements(Requirements(minutes=1, models=["org/never-downloaded"]))[0]
    assert unmet_requirements(Requirements(minutes=1, models=[str(tmp_path)])) == []
    assert "package" in unmet_requirements(Requirements(minutes=1, packages=["no_such_module_xyz"]))[0]
    monkeypatch.setenv("CLAIMCHECK_NETWORK", "1")
    assert unmet_requirements(Requirements(minutes=1, network=True, datasets=["no-such-collection"])) == []


FAILING = "enginetest.failing"
INTERRUPTED = "enginetest.interrupted"


@define_experiment(
    FAILING, paper="engine-test", params=("nan",), scales={"proxy": ScaleSpec(requirements=Requirements(minutes=0))}
)
def failing(ctx: RunContext) -> ExperimentOutput:
    """With `nan`, measures NaN for the condition; otherwise the run fails."""
    if ctx.config.get("nan"):
        per_q = {"q1": 0.5, "q2": float("nan")}
        return ExperimentOutput(
            measurements=[
                Measurement(condition=c, dataset="d", metric="AP", value=0.5, per_query=per_q) for c in ("a", "b")
            ]
        )
    raise RuntimeError("diverged")


@define_experiment(INTERRUPTED, paper="engine-test", scales={"proxy": ScaleSpec(requirements=Requirements(minutes=0))})
def interrupted(ctx: RunContext) -> ExperimentOutput:
    """Ctrl-C in the middle of a run."""
    ctx.step("working", total=2)
    ctx.advance()
    raise KeyboardInterrupt


def test_failed_and_nan_runs_are_errors_and_failed_runs_rerun() -> None:
    def claim(cid: str, **params) -> Claim:
        target = EffectTarget(condition="a", baseline="b", metric="AP", datasets=["d"])
        # params apply at the claim's own scale only, so these claims are declared at the scale that runs
        rep = Replication(experiment=FAILING, params=params, scale="proxy", effect=target)
        return Claim(id=cid, text="t", replication=rep)

    reg = ClaimRegistry(claims=[claim("fails"), claim("nan", nan=True)])
    first = verify(reg, scale="proxy")
    results = by_id(first.results)
    assert results["fails"].verdict == Verdict.ERROR and "RuntimeError: diverged" in results["fails"].reason
    assert results["nan"].verdict == Verdict.ERROR and "NaN" in results["nan"].reason
    again = verify(reg, scale="proxy")
    failed_run = next(r for r in again.runs if r.group.config == {})
    assert not failed_run.reused  # an error record is not a cache hit


def test_claim_params_apply_at_the_claims_own_scale_only() -> None:
    from claimcheck.verify import claim_config

    exp = EXPERIMENTS[FAILING]
    rep = Replication(experiment=FAILING, params={"nan": True}, scale="full", effect=EffectTarget(
        condition="a", baseline="b", metric="AP", datasets=["d"]))  # fmt: skip
    assert claim_config(exp, "proxy", rep) == exp.config_for("proxy")
    if "full" in exp.scales:
        assert claim_config(exp, "full", rep)["nan"] is True


def test_ctrl_c_stops_between_groups_keeps_finished_records_and_still_judges() -> None:
    target = EffectTarget(condition="a", baseline="b", metric="AP", datasets=["d"])
    stopped = Claim(id="i", text="t", replication=Replication(experiment=INTERRUPTED, effect=target))
    first, needs = ef.registry().claims[0], ef.registry().claims[3]
    fresh = Claim(id="fresh", text="t", replication=needs.replication.model_copy(
        update={"scale": "proxy", "params": {"n_docs": 31}}))  # fmt: skip
    verify(ClaimRegistry(claims=[needs]), scale="proxy")  # stored before: a group after Ctrl-C may still reuse it
    out = verify(ClaimRegistry(claims=[first, stopped, needs, fresh]), scale="proxy")
    assert out.interrupted
    # ran, interrupted during, reused, not started
    assert [(r.reused, r.interrupted) for r in out.runs] == [(0, 0), (0, 1), (1, 0), (0, 1)]
    results = by_id(out.results)
    assert results["i"].verdict == Verdict.NOT_RUN and results["i"].reason == INTERRUPTED_DURING
    assert results["fresh"].verdict == Verdict.NOT_RUN and results["fresh"].reason == INTERRUPTED_BEFORE
    assert results[first.id].verdict == Verdict.DIRECTION_REPRODUCED  # the run before Ctrl-C counts
    stored = sorted(r.experiment for r in RecordStore().headers()[0])
    assert stored == [ef.EXPERIMENT, ef.NEEDS_DATA]  # none interrupted


def test_stored_own_scale_record_gives_the_verdict_of_a_lower_scale_run() -> None:
    reg = ClaimRegistry(claims=[ef.value_claim("c", 0.5, 1)])
    full = verify(reg, scale="full").results[0]
    assert full.verdict == Verdict.REFUTED and full.scale == "full"
    proxy = verify(reg, scale="proxy")
    assert proxy.runs[0].group.scale == "proxy" and not proxy.runs[0].reused  # the proxy run was made
    result = proxy.results[0]
    assert result.verdict == Verdict.REFUTED and result.scale == "full" and "stored full record" in result.reason
    assert result.records == full.records


def test_launcher_command_runs_the_package_under_torchrun() -> None:
    exp = EXPERIMENTS[ef.EXPERIMENT]
    full = exp.scales["full"].model_copy(update={"launcher": "torchrun --nproc_per_node 8"})
    multi_gpu = dataclasses.replace(exp, scales={**exp.scales, "full": full}, package="replications.enginetest")
    claim = ef.value_claim("c", 0.5, 1)
    claim.replication.params["conditions"] = ["bm25", "tf"]
    command = command_for(claim, multi_gpu, "claims.yaml")
    assert command == (
        "torchrun --nproc_per_node 8 -m replications.enginetest enginetest.lexical --scale full "
        """--param 'conditions=["bm25","tf"]' && claimcheck results import $CLAIMCHECK_HOME/records"""
    )
    assert command_for(claim, exp, "other.yaml") == "claimcheck verify c --scale full --registry other.yaml"


def test_plan_and_report_from_store() -> None:
    plan = make_plan(ef.registry(), scale="auto", experiments=EXPERIMENTS)
    plans = {p.claim.id: p for p in plan.claims}
    assert plans["needs-data"].group.scale == "proxy" and not plans["needs-data"].own_scale_runnable
    assert plans["bm25-ndcg"].group.scale == "full" and plans["bm25-ndcg"].own_scale_runnable
    assert {g.experiment.name for g in plan.groups} == {ef.EXPERIMENT, ef.NEEDS_DATA}
    verify(ef.registry(), scale="proxy")
    from_store = stored(ef.registry())
    assert from_store["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED
    verify(ef.registry(), ["bm25-ndcg"], scale="full")
    assert stored(ef.registry())["bm25-ndcg"].scale == "full"  # own scale preferred


def test_standalone_main_prints_and_stores_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [ef.EXPERIMENT, "--scale", "smoke", "--param", "n_docs=40"]
    assert standalone_main("engine_fixtures", argv, EXPERIMENTS) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["experiment"] == ef.EXPERIMENT and record["config"]["n_docs"] == 40
    assert RecordStore().get(record["key"]) is not None
    with pytest.raises(SystemExit):
        standalone_main("engine_fixtures", [ef.EXPERIMENT, "--param", "nope=1"], EXPERIMENTS)


def test_a_record_made_by_other_code_is_reported_but_gives_no_verdict() -> None:
    verify(ef.registry(), ["bm25-ndcg"], scale="full")
    store = RecordStore()
    (current,) = [store.get(h.key) for h in store.headers()[0] if h.scale == "full"]
    assert current.code == code_version(EXPERIMENTS[ef.EXPERIMENT])
    assert stored(ef.registry())["bm25-ndcg"].verdict in (Verdict.VERIFIED, Verdict.REFUTED)
    older = {**current.code, "engine_sha256": "0" * 64}
    stale = current.model_copy(
        update={"code": older, "key": run_key(current.experiment, "full", current.config, current.seeds, older),
                "started_at": "2099-01-01T00:00:00+00:00"}
    )  # fmt: skip
    store.path(current.key).unlink()
    store.put(stale)
    result = stored(ef.registry())["bm25-ndcg"]
    assert result.verdict == Verdict.NOT_RUN and "other code (engine_sha256)" in result.reason
    assert "it said" in result.reason and result.records == [stale.key]
    store.put(current)  # this code's record wins over a newer one made by other code
    assert stored(ef.registry())["bm25-ndcg"].records == [current.key]


def test_a_full_scale_record_from_elsewhere_answers_a_full_run_this_machine_cannot_make() -> None:
    from claimcheck.verify import claim_config

    proxy = verify(ef.registry(), ["needs-data"], scale="proxy").runs[0].record
    exp = EXPERIMENTS[ef.NEEDS_DATA]
    claim = next(c for c in ef.registry().claims if c.id == "needs-data")
    config = claim_config(exp, "full", claim.replication)
    code = code_version(exp)
    key = run_key(exp.name, "full", config, proxy.seeds, code)
    RecordStore().put(proxy.model_copy(update={"scale": "full", "config": config, "key": key, "code": code}))
    result = verify(ef.registry(), ["needs-data"], scale="full").results[0]
    assert result.verdict in (Verdict.VERIFIED, Verdict.REFUTED, Verdict.INCONCLUSIVE)
    assert "stored full record" in result.reason and result.details["rule"] == "value"
    assert result.records == [key]


def test_a_fresh_lower_scale_record_speaks_before_a_stale_own_scale_one_and_library_versions_do_not_stale() -> None:
    verify(ef.registry(), ["bm25-ndcg"], scale="full")
    store = RecordStore()
    (full,) = [store.get(h.key) for h in store.headers()[0] if h.scale == "full"]
    elsewhere = {**full.code, "dependencies_sha256": "gpu-machine"}  # torch+cu12 there, torch+cpu here
    moved = full.model_copy(update={"code": elsewhere, "key": run_key(full.experiment, "full", full.config,
                                                                      full.seeds, elsewhere)})  # fmt: skip
    store.path(full.key).unlink()
    store.put(moved)
    assert stored(ef.registry())["bm25-ndcg"].scale == "full"  # still counts
    older = {**full.code, "engine_sha256": "0" * 64}
    store.put(full.model_copy(update={"code": older, "key": run_key(full.experiment, "full", full.config,
                                                                    full.seeds, older)}))  # fmt: skip
    store.path(moved.key).unlink()
    verify(ef.registry(), ["bm25-ndcg"], scale="proxy")
    assert stored(ef.registry())["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED


EXPERIMENTS = ef.experiments(failing, interrupted)


def test_a_claim_on_a_plugin_that_fails_to_load_is_an_error_and_the_others_still_run() -> None:
    from importlib.metadata import EntryPoint

    from claimcheck.registry import dump_registry, parse_registry

    group = "claimcheck.replications"
    installed = ExperimentRegistry.from_entry_points([
        EntryPoint(ef.EXPERIMENT, "engine_fixtures:lexical", group),
        EntryPoint("broken.exp", "no_such_module_anywhere:exp", group),
    ])  # fmt: skip
    broken = Claim(id="broken", text="t", replication=Replication(
        experiment="broken.exp", scale="proxy", effect=EffectTarget(condition="a", baseline="b", metric="AP",
                                                                    datasets=["d"])))  # fmt: skip
    reg = ClaimRegistry(claims=[ef.registry().claims[0], broken])
    assert parse_registry(dump_registry(reg), experiments=installed) == reg  # loads: the engine reports it
    results = by_id(run_verify(reg, scale="proxy", experiments=installed).results)
    assert results["broken"].verdict == Verdict.ERROR
    assert "'broken.exp' (no_such_module_anywhere:exp) failed to load: ModuleNotFoundError" in results["broken"].reason
    assert results["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED


def test_the_scifact_control_claim_stays_verified_at_full_scale() -> None:
    # The bundled control: a released checkpoint evaluated deterministically (beir.beir_eval declares it), one
    # evaluation measuring 0.645082 against 0.6451 ± 0.002; the engine takes the declared drift as the interval.
    from claimcheck.registry import load_registry
    from claimcheck.verify import judge_record

    claim = load_registry(Path(__file__).resolve().parent.parent / "claims.yaml").claim(
        "all-minilm-l6-v2-ndcg10-scifact"
    )
    experiment = installed_experiments()["beir.beir_eval"]
    measured = Measurement(dataset="scifact", metric="nDCG@10", value=0.645082)
    record = ef_record(experiment.name, [measured])
    result = judge_record(claim, record, experiment, None)
    assert result.verdict == Verdict.VERIFIED, result.reason
    assert "numerical drift" in result.details["interval_over"] and result.tolerance == pytest.approx(0.002)


def ef_record(experiment: str, ms: list[Measurement]):
    from claimcheck.models import Provenance, RunRecord

    prov = Provenance(git_commit=None, python="3", platform="t", packages={}, cpu="t", threads=1)
    from records import honest

    return honest(RunRecord(key="k" * 64, experiment=experiment, scale="full", config={}, seeds=[0], status="ok",
                            output=ExperimentOutput(measurements=ms), provenance=prov,
                            started_at="2026-01-01T00:00:00", wall_time_s=1.0, peak_memory_mb=1.0))  # fmt: skip
