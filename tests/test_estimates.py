"""Run-time estimates from earlier runs on this machine (else the declared minutes), and the time budget."""

from __future__ import annotations

import engine_fixtures as ef

from claimcheck.estimates import Budget, Estimate, estimate
from claimcheck.models import ClaimRegistry, Verdict
from claimcheck.results import CacheMode, RecordStore
from claimcheck.verify import Group, estimate_plan, make_plan, verify

EXPERIMENTS = ef.experiments()


def group(scale: str = "proxy", **config) -> Group:
    exp = EXPERIMENTS[ef.EXPERIMENT]
    return Group(exp, scale, {**exp.config_for(scale), **config}, list(exp.scales[scale].seeds))


def test_estimates_come_from_earlier_runs_here_else_the_declared_minutes() -> None:
    declared = estimate(group(), [])
    assert declared.seconds == 0.05 * 60 and declared.basis == "declared for 2-core CPU"
    reg = ClaimRegistry(claims=[ef.value_claim("c", 0.5, 1)])
    record = verify(reg, scale="proxy", experiments=EXPERIMENTS).runs[0].record
    records = RecordStore().headers()[0]
    same = estimate(group(), records)
    assert same.seconds == record.wall_time_s and same.basis == "median of 1 earlier run(s) here"
    other = estimate(group(n_docs=301), records)
    assert other.seconds == record.wall_time_s and "another config" in other.basis
    elsewhere = [r.model_copy(update={"imported_from": "/mnt/cluster"}) for r in records]
    assert estimate(group(), elsewhere) == declared  # another machine's timing says nothing about this one
    plan = make_plan(reg, scale="proxy", experiments=EXPERIMENTS)
    assert estimate_plan(plan, RecordStore(), CacheMode.ONLY_MISSING).popitem()[1].basis == "reuses a stored record"
    assert estimate_plan(plan, RecordStore(), CacheMode.NEVER).popitem()[1].basis.startswith("median of 1")


def test_budget_admits_a_run_only_while_its_estimate_fits() -> None:
    ticks = iter([0.0, 0.0, 4.0])  # made, first run checked at 0 s, second at 4 s
    budget = Budget(5.0, clock=lambda: next(ticks))
    needs = Estimate(3.0, "declared")
    assert budget.admitted([needs, needs, Estimate(2.0, "x")]) == [True, False, True]  # the forecast, clock unread
    assert budget.refusal(needs) is None
    refusal = budget.refusal(needs)
    assert refusal is not None and "estimated 0.1 min (declared)" in refusal and "0.0 of 0.0833333 min left" in refusal


def test_runs_over_the_budget_are_not_run_with_the_reason_and_their_command() -> None:
    reg = ef.registry()
    out = verify(reg, scale="proxy", experiments=EXPERIMENTS, budget=Budget(1.0))  # each run is declared 3 s
    assert [r.record for r in out.runs] == [None, None]
    for result in out.results:
        if result.claim_id != "background":
            assert result.verdict == Verdict.NOT_RUN and "over the time budget" in result.reason
            assert result.command == f"claimcheck verify {result.claim_id} --scale full"
    assert RecordStore().headers()[0] == []
