"""The plan `verify` prints before it runs anything: each run, its scale and claims, its estimated time and what
the estimate rests on; what a `--max-minutes` budget leaves out; and (with `--plan`) every claim that cannot run
at its own scale here, with what it lacks and the command that runs it elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from claimcheck.estimates import REUSED, Budget, Estimate
from claimcheck.models import Verdict

if TYPE_CHECKING:
    from claimcheck.verify import ClaimPlan, Group, Plan


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 6 else f"{seconds:.0f} s"


def _print(console: Console, text: Text) -> None:
    console.print(text, no_wrap=True, overflow="ellipsis", crop=True)


def _group_line(group: Group, needed: Estimate, width: int, fits: bool | None) -> Text:
    n = len(group.claims)
    claims = f"{n} claim{'s' if n != 1 else ''}" if n else "unlinked"  # a full smoke pass runs every experiment
    line = Text("  ") + Text(group.experiment.name.ljust(width), style="bold") + Text(f"  {group.scale:<5}  ")
    line += Text(f"{claims:<9}  ~{_minutes(needed.seconds):<8}  ")
    if fits is False:
        return line + Text("over the budget: not run", style="yellow")
    return line + Text(needed.basis, style="dim")


def _elsewhere(plan: Plan) -> list[ClaimPlan]:
    """Claims with a replication whose own scale cannot run here (a lower scale may still run)."""
    return [cp for cp in plan.claims if cp.claim.replication is not None and not cp.own_scale_runnable]


def render_plan(
    plan: Plan,
    estimates: dict[str, Estimate],
    console: Console,
    budget: Budget | None = None,
    every_claim: bool = False,
) -> None:
    needs = [estimates[g.key] for g in plan.groups]
    admitted = budget.admitted(needs) if budget else [True] * len(needs)
    elsewhere = _elsewhere(plan)
    unlinked = [cp for cp in plan.claims if cp.claim.replication is None]
    fresh = [n for n in needs if n is not REUSED]
    total = _minutes(sum(n.seconds for n in fresh))
    head = f"plan: {len(plan.groups)} run(s) here: {len(fresh)} to make (about {total})"
    head += f", {len(needs) - len(fresh)} reusing stored records" if len(fresh) < len(needs) else ""
    _print(console, Text(head, style="bold"))
    width = max((len(g.experiment.name) for g in plan.groups), default=0)
    for group, needed, fits in zip(plan.groups, needs, admitted, strict=True):
        _print(console, _group_line(group, needed, width, fits if budget else None))
    if budget is not None:
        _print_budget(console, budget, needs, admitted)
    errors = [cp for cp in plan.claims if cp.result is not None and cp.result.verdict == Verdict.ERROR]
    for cp in errors:
        _print(console, Text(f"  {cp.claim.id}: ", style="bold") + Text(cp.result.reason, style="red"))
    if not every_claim:
        others = f"{len(elsewhere)} claim(s) cannot run at their own scale here; {len(unlinked)} have no replication"
        _print(console, Text(f"{others} (--plan)", style="dim"))
        return
    _print_claims(console, plan)
    if unlinked:
        console.print(Text(f"no executable replication applies ({len(unlinked)}): ", style="bold"), end="")
        console.print(Text(", ".join(cp.claim.id for cp in unlinked), style="dim"))


def _print_budget(console: Console, budget: Budget, needs: Sequence[Estimate], admitted: Sequence[bool]) -> None:
    fit = [n for n, ok in zip(needs, admitted, strict=True) if ok and n is not REUSED]
    fresh = sum(1 for n in needs if n is not REUSED)
    longest = max((n.seconds for n in fit), default=0.0)
    text = f"budget {budget.seconds / 60:g} min: {len(fit)} of the {fresh} run(s) to make fit if the estimates hold"
    if fit:
        text += f" (about {_minutes(sum(n.seconds for n in fit))})"
    # a run is checked against the time left before it starts; once started it runs to its end
    text += "; a run starts only while its estimate fits the time left, and a started run finishes" + (
        f" (the longest admitted: ~{_minutes(longest)})" if fit else ""
    )
    console.print(Text(text, style="yellow"))


def _print_claims(console: Console, plan: Plan) -> None:
    """Every claim with a replication: where it runs here, what its own scale lacks, the command for that scale."""
    linked = [cp for cp in plan.claims if cp.claim.replication is not None]
    own_here = [cp for cp in linked if cp.own_scale_runnable]
    for title, claims in (("own scale runs here", own_here), ("own scale cannot run here", _elsewhere(plan))):
        if not claims:
            continue
        console.print(Text(f"claims whose {title} ({len(claims)}):", style="bold"))
        for cp in claims:
            here = f"runs here at {cp.group.scale}" if cp.group is not None else "does not run here"
            _print(console, Text(f"  {cp.claim.id}", style="bold") + Text(f"  {here}", style="dim"))
            if cp.own_scale_unmet:
                console.print(Text("    needs: " + "; ".join(cp.own_scale_unmet), style="dim"))
            if cp.command:
                console.print(Text("    run: ") + Text(cp.command))
    if _elsewhere(plan):
        console.print(
            "Run a command there, copy its $CLAIMCHECK_HOME/records here, then: claimcheck results import DIR",
            style="dim",
        )
