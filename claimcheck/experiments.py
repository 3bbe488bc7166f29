"""What an experiment is: its scales and their requirements, the context it runs in, and how one is declared.

A replication package declares an experiment with a decorator,

    @define_experiment(
        "coco_dr.idro_ablation",
        paper="2210.15212",
        conditions=("full", "without_idro", "without_coco", "untrained"),
        scales={"smoke": ScaleSpec(...), "proxy": ScaleSpec(...), "full": ScaleSpec(...)},
    )
    def idro_ablation(ctx: RunContext) -> ExperimentOutput: ...

and names it under the entry-point group `claimcheck.replications` in its pyproject.toml; `claimcheck.plugins`
finds it there. claims.yaml names `coco_dr.idro_ablation`; a name read from YAML is only ever looked up among
the installed entry points, never imported, so a registry file cannot make claimcheck run code nobody installed.

Declaring modules must stay cheap to import (no torch at module level): listing the experiments imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from claimcheck.home import sha256_path
from claimcheck.models import ExperimentOutput, Record, Scale


class Requirements(Record):
    """What a scale needs from the machine; the engine checks these before running."""

    gpus: int = Field(default=0, ge=0, description="CUDA devices needed")
    network: bool = Field(default=False, description="needs to download (hub weights, official data)")
    datasets: list[str] = Field(default_factory=list, description="dataset names looked up in the data dirs")
    models: list[str] = Field(default_factory=list, description="model weights: hub ids or packaged names")
    packages: list[str] = Field(default_factory=list, description="importable Python modules")
    minutes: float = Field(description="compute on the reference machine for this scale")
    reference_machine: str = Field(default="2-core CPU", description="what `minutes` was measured on")


class FixedModel(Record):
    """Declares that a scale evaluates a fixed (released) checkpoint deterministically: between replications of
    its runs on the same queries only numerical and hardware drift varies, not training seeds. The value rule
    then takes the measurement ± `drift` as its interval instead of asking for ≥ 3 training seeds."""

    drift: float = Field(gt=0, allow_inf_nan=False, description="bound on |Δ metric| between replications")
    reason: str = Field(min_length=1, description="how the bound is known")


class ScaleSpec(Record):
    requirements: Requirements
    config: dict[str, Any] = Field(default_factory=dict)
    seeds: list[int] = Field(default_factory=lambda: [0])
    fixed_model: FixedModel | None = Field(
        default=None, description="set when the scale evaluates a released checkpoint (no training)"
    )
    launcher: str | None = Field(
        default=None, description="command prefix for multi-process runs, e.g. 'torchrun --nproc_per_node 8'"
    )


class RunContext:
    """What an experiment function receives: its scale, config and seeds, and hooks for progress.

    `step`/`advance` drive the engine's live progress bar; standalone runs print nothing unless a
    reporter is given. `fingerprint` records the sha256 of a data or weight file the run read.
    """

    def __init__(
        self,
        *,
        experiment: str,
        scale: Scale,
        config: dict[str, Any],
        seeds: list[int],
        data_dir: Path | None = None,
        work_dir: Path,
        on_step: Callable[[str, float | None], None] | None = None,
        on_advance: Callable[[float], None] | None = None,
    ) -> None:
        self.experiment = experiment
        self.scale = scale
        self.config = config
        self.seeds = seeds
        self.data_dir = data_dir
        self.work_dir = work_dir
        self.fingerprints: dict[str, str] = {}
        self._on_step = on_step
        self._on_advance = on_advance

    def step(self, description: str, total: float | None = None) -> None:
        if self._on_step:
            self._on_step(description, total)

    def advance(self, amount: float = 1.0) -> None:
        if self._on_advance:
            self._on_advance(amount)

    def fingerprint(self, name: str, path: str | Path) -> str:
        digest = sha256_path(path)
        self.fingerprints[name] = digest
        return digest


ExperimentFn = Callable[[RunContext], ExperimentOutput]


@dataclass(frozen=True)
class Experiment:
    name: str
    fn: ExperimentFn
    paper: str
    description: str
    conditions: tuple[str, ...]
    scales: dict[Scale, ScaleSpec]
    metrics: tuple[str, ...] = ()
    params: frozenset[str] = field(default_factory=frozenset)
    # the import package whose files define the experiment (hashed into its run keys, run by `python -m`); set
    # from the entry point it was found through, None for one built in code
    package: str | None = None

    def config_for(self, scale: Scale, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scale's default config with a claim's `params` laid over it (unknown keys are errors)."""
        if scale not in self.scales:
            raise KeyError(f"experiment {self.name} has no {scale} scale")
        config = dict(self.scales[scale].config)
        for key, value in (params or {}).items():
            if key not in self.params and key not in config:
                raise KeyError(f"experiment {self.name} has no parameter {key!r}")
            config[key] = value
        return config


def define_experiment(
    name: str,
    *,
    paper: str,
    scales: dict[Scale, ScaleSpec],
    conditions: tuple[str, ...] = ("default",),
    metrics: tuple[str, ...] = (),
    params: tuple[str, ...] = (),
    description: str = "",
) -> Callable[[ExperimentFn], Experiment]:
    """Make `fn` the experiment `name`; the package's entry point named `name` then points at the result."""

    def decorator(fn: ExperimentFn) -> Experiment:
        return Experiment(
            name=name,
            fn=fn,
            paper=paper,
            description=description or (fn.__doc__ or "").strip().split("\n")[0],
            conditions=conditions,
            scales=scales,
            metrics=metrics,
            params=frozenset(params),
        )

    return decorator


def get_experiment(name: str) -> Experiment:
    """The installed experiment `name` (see `claimcheck.plugins`); unknown names raise UnknownExperimentError."""
    from claimcheck.plugins import installed_experiments

    return installed_experiments()[name]
