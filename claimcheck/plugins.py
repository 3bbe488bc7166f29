"""Finding experiments: the entry-point group `claimcheck.replications`, read into a registry one can also build
by hand (in a test, from a list of experiments).

A replication package names each experiment it declares (`claimcheck.experiments.define_experiment`) under the
group, the entry point's name being the experiment's:

    [project.entry-points."claimcheck.replications"]
    "coco_dr.idro_ablation" = "replications.coco_dr:idro_ablation"

The bundled papers use the same door, so claimcheck imports no replication by name. Names come from the installed
metadata (importlib.metadata, as pluggy's `load_setuptools_entrypoints` reads pytest plugins); a package is imported
only when one of its experiments is asked for. An entry point that fails to load is kept as a failure under its
name and the others still load. claims.yaml can only name an experiment; it never supplies what is imported.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import EntryPoint, distributions

from claimcheck.experiments import Experiment

GROUP = "claimcheck.replications"


class UnknownExperimentError(KeyError):
    """A name no installed entry point declares; the message suggests the closest names."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(known) or f"none: no package declares the entry-point group {GROUP}"
        self.message = f"unknown experiment {name!r}{hint} (installed: {listing})"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass(frozen=True)
class LoadFailure:
    """An entry point that could not give an experiment: its name, what it points at, and why."""

    name: str
    source: str
    error: str

    def __str__(self) -> str:
        return f"experiment {self.name!r} ({self.source}) failed to load: {self.error}"


class ExperimentLoadError(KeyError):
    def __init__(self, failure: LoadFailure) -> None:
        self.failure = failure
        super().__init__(str(failure))

    def __str__(self) -> str:
        return str(self.failure)


def _source(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{ep.value}" + (f" from {dist.name} {dist.version}" if dist is not None else "")


def _package_of(module_name: str) -> str:
    """The import package holding an entry point's module: the module itself when it is a package, else its
    parent (`mypaper.experiments` → `mypaper`), else the lone module."""
    module = sys.modules.get(module_name)
    if module is None or hasattr(module, "__path__"):
        return module_name
    return module_name.rpartition(".")[0] or module_name


def _group_entry_points() -> list[EntryPoint]:
    """The group's entry points in every distribution on the path. `entry_points()` would keep only the first copy
    of a distribution, and a stale `*.egg-info` left in a source checkout (on the path as the working directory)
    would then hide what the installed copy declares; copies that agree count once (`from_entry_points`)."""
    return [ep for dist in distributions() for ep in dist.entry_points if ep.group == GROUP]


class ExperimentRegistry(Mapping[str, Experiment]):
    """Experiments by name. Built from the installed entry points (`from_entry_points`) or from experiments
    given directly; looking a name up loads only the entry point of that name."""

    def __init__(self, experiments: Iterable[Experiment] = ()) -> None:
        self._loaded: dict[str, Experiment] = {}
        self._pending: dict[str, EntryPoint] = {}
        self._failures: dict[str, LoadFailure] = {}
        for experiment in experiments:
            self.add(experiment)

    @classmethod
    def from_entry_points(cls, found: Iterable[EntryPoint] | None = None) -> ExperimentRegistry:
        """The experiments the installed packages declare (or those of `found`). A name two packages declare
        is refused for both: which code a verdict came from must never depend on installation order."""
        registry = cls()
        by_name: dict[str, list[EntryPoint]] = {}
        for ep in _group_entry_points() if found is None else found:
            by_name.setdefault(ep.name, []).append(ep)
        for name, eps in by_name.items():
            if len({ep.value for ep in eps}) == 1:
                registry._pending[name] = eps[0]
            else:
                sources = "; ".join(_source(ep) for ep in eps)
                registry._failures[name] = LoadFailure(name, sources, "declared by more than one entry point")
        return registry

    def add(self, experiment: Experiment) -> Experiment:
        if experiment.name in self.names():
            raise ValueError(f"experiment {experiment.name!r} is already registered")
        self._loaded[experiment.name] = experiment
        return experiment

    def names(self) -> list[str]:
        """Every name known, loaded or not (a failed one included), without importing anything."""
        return sorted({*self._loaded, *self._pending, *self._failures})

    def failure(self, name: str) -> LoadFailure | None:
        if name in self._pending:
            self._load(name)
        return self._failures.get(name)

    def failures(self) -> list[LoadFailure]:
        """Every entry point that could not load (loading all of them to find out)."""
        self.load_all()
        return [self._failures[n] for n in sorted(self._failures)]

    def load_all(self) -> None:
        for name in list(self._pending):
            self._load(name)

    def problem(self, name: str) -> str:
        """Why `name` gives no experiment ('' when it does), for a message that names the way out."""
        try:
            self[name]
        except KeyError as exc:
            return str(exc)
        return ""

    def _load(self, name: str) -> None:
        ep = self._pending.pop(name)
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin is reported under its name; the others still load
            self._failures[name] = LoadFailure(name, _source(ep), f"{type(exc).__name__}: {exc}")
            return
        if not isinstance(obj, Experiment):
            error = f"it gives a {type(obj).__name__}, not an experiment (declare it with @define_experiment)"
        elif obj.name != name:
            error = f"it gives experiment {obj.name!r}: an entry point must be named as its experiment"
        else:
            self._loaded[name] = dataclasses.replace(obj, package=_package_of(ep.module))
            return
        self._failures[name] = LoadFailure(name, _source(ep), error)

    def __getitem__(self, name: str) -> Experiment:
        if name in self._pending:
            self._load(name)
        if name in self._loaded:
            return self._loaded[name]
        if name in self._failures:
            raise ExperimentLoadError(self._failures[name])
        raise UnknownExperimentError(name, self.names())

    def __iter__(self) -> Iterator[str]:
        self.load_all()
        return iter(sorted(self._loaded))

    def __len__(self) -> int:
        self.load_all()
        return len(self._loaded)


def installed_experiments() -> ExperimentRegistry:
    """The experiments of every installed package (read afresh: a package installed since is seen)."""
    return ExperimentRegistry.from_entry_points()
