"""The engine end to end on a real (tiny, computed) experiment: tests/engine_fixtures.py."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import engine_fixtures as ef
import pytest

from claimcheck.experiments import Requirements, RunContext, ScaleSpec, get_experiment, register_experiment
from claimcheck.models import (
    Claim,
    ClaimRegistry,
    EffectTarget,
    ExperimentOutput,
    Measurement,
    Replication,
    Verdict,
)
from claimcheck.results import CacheMode, RecordStore, code_version, run_key
from claimcheck.verdicts import SMOKE_REASON
from claimcheck.verify import (
    RichReporter,
    choose_scale,
    command_for,
    make_plan,
    results_from_store,
    standalone_main,
    unmet_requirements,
    verify,
)


def by_id(results) -> dict:
    return {r.claim_id: r for r in results}


def test_smoke_runs_every_experiment_and_gives_no_claim_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("claimcheck.verify.replication_package", lambda e: None)  # keep bundled replications out
    out = verify(ef.registry(), scale="smoke")
    assert {r.group.experiment.name for r in out.runs} == {ef.EXPERIMENT, ef.NEEDS_DATA}
    assert all(r.record is not None and r.record.status == "ok" for r in out.runs)
    results = by_id(out.results)
    assert results["background"].reason == "no executable replication applies"
    for cid in ("bm25-ndcg", "bm25-beats-tf", "random-beats-bm25", "needs-data"):
        assert results[cid].verdict == Verdict.NOT_RUN
        assert results[cid].reason == SMOKE_REASON
        assert results[cid].command == f"claimcheck verify {cid} --scale full"


def test_full_smoke_pass_runs_unlinked_bundled_experiments(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the test experiment ships in a replication package and no claim links to it.
    bundled = {ef.EXPERIMENT: "replications.enginetest"}
    monkeypatch.setattr("claimcheck.verify.replication_package", lambda e: bundled.get(e.name))
    background = ClaimRegistry(claims=[c for c in ef.registry().claims if c.replication is None])
    out = verify(background, scale="smoke")
    assert [(r.group.experiment.name, r.record.status) for r in out.runs] == [(ef.EXPERIMENT, "ok")]
    assert [r.verdict for r in out.results] == [Verdict.NOT_RUN]
    assert verify(background, ["background"], scale="smoke").runs == []  # only a full pass runs them


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
            effect=EffectTarget(condition="bm25", baseline="bm25_flat", metric="nDCG@10", datasets=["synthetic"]),
        ),
    )
    result = verify(ClaimRegistry(claims=[claim]), scale="proxy").results[0]
    assert result.verdict == Verdict.INCONCLUSIVE and result.p_value >= 0.05


def test_full_scale_value_verdicts_against_measured_values() -> None:
    # Measure first, then claim the measured value rounded to 2 decimals (verified) and one 0.1 off (refuted).
    claim = ef.value_claim("probe", 0.5, 1)
    out = verify(ClaimRegistry(claims=[claim]), scale="full")
    measured = out.results[0].measured
    assert out.results[0].scale == "full" and measured is not None
    near = ef.value_claim("near", round(measured, 2), 2)
    far = ef.value_claim("far", round(measured + 0.1, 2), 2)
    results = by_id(verify(ClaimRegistry(claims=[near, far]), scale="full").results)
    assert results["near"].verdict == Verdict.VERIFIED
    assert results["far"].verdict == Verdict.REFUTED
    assert results["near"].tolerance == pytest.approx(0.005 + results["near"].details["spread"])
    percent = ef.value_claim("percent", round(measured * 100, 1), 1)  # written as 94.5 rather than 0.945
    assert verify(ClaimRegistry(claims=[percent]), scale="full").results[0].verdict == Verdict.VERIFIED


def test_unmet_requirements_give_not_run_with_command() -> None:
    exp = get_experiment(ef.NEEDS_DATA)
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


@register_experiment(
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


@register_experiment(
    INTERRUPTED, paper="engine-test", scales={"proxy": ScaleSpec(requirements=Requirements(minutes=0))}
)
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

    exp = get_experiment(FAILING)
    rep = Replication(experiment=FAILING, params={"nan": True}, scale="full", effect=EffectTarget(
        condition="a", baseline="b", metric="AP", datasets=["d"]))  # fmt: skip
    assert claim_config(exp, "proxy", rep) == exp.config_for("proxy")
    if "full" in exp.scales:
        assert claim_config(exp, "full", rep)["nan"] is True


def test_interrupted_run_writes_nothing() -> None:
    target = EffectTarget(condition="a", baseline="b", metric="AP", datasets=["d"])
    claim = Claim(id="i", text="t", replication=Replication(experiment=INTERRUPTED, effect=target))
    reg = ClaimRegistry(claims=[claim])
    with pytest.raises(KeyboardInterrupt):
        verify(reg, scale="proxy")
    assert list(RecordStore().root.iterdir()) == []


def test_stored_own_scale_record_gives_the_verdict_of_a_lower_scale_run() -> None:
    reg = ClaimRegistry(claims=[ef.value_claim("c", 0.5, 1)])
    full = verify(reg, scale="full").results[0]
    assert full.verdict == Verdict.REFUTED and full.scale == "full"
    proxy = verify(reg, scale="proxy")
    assert proxy.runs[0].group.scale == "proxy" and not proxy.runs[0].reused  # the proxy run was made
    result = proxy.results[0]
    assert result.verdict == Verdict.REFUTED and result.scale == "full" and "stored full record" in result.reason
    assert result.records == full.records


def test_launcher_command_runs_the_package_under_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("claimcheck.verify.replication_package", lambda e: "replications.enginetest")
    exp = get_experiment(ef.EXPERIMENT)
    full = exp.scales["full"].model_copy(update={"launcher": "torchrun --nproc_per_node 8"})
    multi_gpu = dataclasses.replace(exp, scales={**exp.scales, "full": full})
    claim = ef.value_claim("c", 0.5, 1)
    claim.replication.params["conditions"] = ["bm25", "tf"]
    command = command_for(claim, multi_gpu, "claims.yaml")
    assert command == (
        "torchrun --nproc_per_node 8 -m replications.enginetest enginetest.lexical --scale full "
        """--param 'conditions=["bm25","tf"]' && claimcheck results import $CLAIMCHECK_HOME/records"""
    )
    assert command_for(claim, exp, "other.yaml") == "claimcheck verify c --scale full --registry other.yaml"


def test_plan_and_report_from_store() -> None:
    plan = make_plan(ef.registry(), scale="auto")
    plans = {p.claim.id: p for p in plan.claims}
    assert plans["needs-data"].group.scale == "proxy" and not plans["needs-data"].own_scale_runnable
    assert plans["bm25-ndcg"].group.scale == "full" and plans["bm25-ndcg"].own_scale_runnable
    assert {g.experiment.name for g in plan.groups} == {ef.EXPERIMENT, ef.NEEDS_DATA}
    verify(ef.registry(), scale="proxy")
    stored = by_id(results_from_store(ef.registry()))
    assert stored["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED
    verify(ef.registry(), ["bm25-ndcg"], scale="full")
    assert by_id(results_from_store(ef.registry()))["bm25-ndcg"].scale == "full"  # own scale preferred


def test_standalone_main_prints_and_stores_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    assert standalone_main("engine_fixtures", [ef.EXPERIMENT, "--scale", "smoke", "--param", "n_docs=40"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["experiment"] == ef.EXPERIMENT and record["config"]["n_docs"] == 40
    assert RecordStore().get(record["key"]) is not None
    with pytest.raises(SystemExit):
        standalone_main("engine_fixtures", [ef.EXPERIMENT, "--param", "nope=1"])


def test_a_record_made_by_other_code_is_reported_but_gives_no_verdict() -> None:
    verify(ef.registry(), ["bm25-ndcg"], scale="full")
    store = RecordStore()
    (current,) = [store.get(h.key) for h in store.headers()[0] if h.scale == "full"]
    assert current.code == code_version(get_experiment(ef.EXPERIMENT))
    assert by_id(results_from_store(ef.registry()))["bm25-ndcg"].verdict in (Verdict.VERIFIED, Verdict.REFUTED)
    older = {**current.code, "engine_sha256": "0" * 64}
    stale = current.model_copy(
        update={"code": older, "key": run_key(current.experiment, "full", current.config, current.seeds, older),
                "started_at": "2099-01-01T00:00:00+00:00"}
    )  # fmt: skip
    store.path(current.key).unlink()
    store.put(stale)
    result = by_id(results_from_store(ef.registry()))["bm25-ndcg"]
    assert result.verdict == Verdict.NOT_RUN and "other code (engine_sha256)" in result.reason
    assert "it said" in result.reason and result.records == [stale.key]
    store.put(current)  # this code's record wins over a newer one made by other code
    assert by_id(results_from_store(ef.registry()))["bm25-ndcg"].records == [current.key]


def test_a_full_scale_record_from_elsewhere_answers_a_full_run_this_machine_cannot_make() -> None:
    from claimcheck.verify import claim_config

    proxy = verify(ef.registry(), ["needs-data"], scale="proxy").runs[0].record
    exp = get_experiment(ef.NEEDS_DATA)
    claim = next(c for c in ef.registry().claims if c.id == "needs-data")
    config = claim_config(exp, "full", claim.replication)
    code = code_version(exp)
    key = run_key(exp.name, "full", config, proxy.seeds, code)
    RecordStore().put(proxy.model_copy(update={"scale": "full", "config": config, "key": key, "code": code}))
    result = verify(ef.registry(), ["needs-data"], scale="full").results[0]
    assert result.verdict in (Verdict.VERIFIED, Verdict.REFUTED) and "stored full record" in result.reason
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
    assert by_id(results_from_store(ef.registry()))["bm25-ndcg"].scale == "full"  # still counts
    older = {**full.code, "engine_sha256": "0" * 64}
    store.put(full.model_copy(update={"code": older, "key": run_key(full.experiment, "full", full.config,
                                                                    full.seeds, older)}))  # fmt: skip
    store.path(moved.key).unlink()
    verify(ef.registry(), ["bm25-ndcg"], scale="proxy")
    assert by_id(results_from_store(ef.registry()))["bm25-ndcg"].verdict == Verdict.DIRECTION_REPRODUCED
