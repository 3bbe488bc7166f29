"""claims.yaml: load with errors that name file, line and field; validate replication links; save atomically.

The YAML is read with PyYAML's safe loader only (no Python tags, no code). Line numbers are recovered from the
composed node tree only when something is wrong, so loading a valid registry costs one parse.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import ValidationError

from claimcheck.home import (
    MAX_FILE_BYTES,
    atomic_write_bytes,
    atomic_write_text,
    file_lock,
    read_regular_file,
    remove_stale_temp_files,
)
from claimcheck.metric_names import normalise_metric
from claimcheck.models import ClaimRegistry, EffectTarget, Replication

if TYPE_CHECKING:
    from claimcheck.experiments import Experiment
    from claimcheck.plugins import ExperimentRegistry

DEFAULT_REGISTRY = Path("claims.yaml")
T = TypeVar("T")


# libyaml's C loader and emitter when PyYAML was built with it (pure-Python PyYAML took ~6 CPU-s to write a
# 1,000-report registry; the C emitter ~1.2 s); the pure-Python safe ones otherwise. Both are the safe kind.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when present), refusing a key written twice in one mapping: YAML would keep
    the last silently, so a second `tolerance:` block would replace the first without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<:` merges: a merged key may be overridden here, as YAML means
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                continue  # a complex key: the base constructor says what is wrong with it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {seen[key]})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A value YAML resolves but Python cannot build (an integer of 5,000 digits, a 13th month) raises a bare
        # ValueError; give it the node's line like every other YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            problem = f"cannot read the value {str(node.value)[:40]!r}: {exc}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_HEADER = (
    "# claimcheck claim registry. Schema: `claimcheck schema`. `claimcheck ingest` rewrites text, kind, sources,\n"
    "# quantity and mentions; replication, tolerance, notes and completed_text are yours and survive re-ingest.\n"
)


class RegistryError(ValueError):
    """A registry file is unreadable or invalid. `str()` is one line: `file:line: field: problem`."""

    def __init__(self, file: str | Path, problem: str, line: int | None = None, field: str | None = None) -> None:
        self.file, self.line, self.field = str(file), line, field
        self.problem = " ".join(problem.split())
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {field}: {self.problem}" if field else f"{where}: {self.problem}")


# ----------------------------------------------------------------------------------------------- locations


def _node_at(root: yaml.Node | None, loc: Sequence[Any]) -> tuple[yaml.Node | None, bool]:
    """The deepest node along `loc` (a key's node when the path ends at a key); whether the whole path exists."""
    node = root
    for depth, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return node, False
            node = pair[0] if depth == len(loc) - 1 else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def _line(text: str, loc: Sequence[Any]) -> int | None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    node, _ = _node_at(root, loc)
    return node.start_mark.line + 1 if node is not None else None


def _field(loc: Sequence[Any], data: Any) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    # name the claim too: "claims[3] (coco-dr-base-ndcg10-bioasq)" reads better than an index alone
    if len(loc) >= 2 and loc[0] in ("claims", "reports") and isinstance(loc[1], int):
        try:
            ident = data[loc[0]][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            ident = None
        if ident:
            head = f"{loc[0]}[{loc[1]}]"
            out = out.replace(head, f"{head} ({ident})", 1)
    return out


# ----------------------------------------------------------------------------------------------- budget
# YAML aliases let a few hundred bytes stand for billions of values (`a: &a [x, x]`, `b: &b [*a, *a]`, ...): the
# parser shares them, but validating and saving walk every copy. The composed node graph is measured before
# anything is built: aliases may add at most ALIAS_BUDGET nodes to what the file spells out, nesting is bounded,
# and an anchor used inside itself is refused.
ALIAS_BUDGET = 100_000
MAX_DEPTH = 64


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_budget(root: yaml.Node, file: str | Path) -> None:
    """Refuse a node graph whose aliases expand past the budget, that nests too deep, or that contains itself."""
    size: dict[int, int] = {}  # expanded node count of each finished node
    on_path: set[int] = set()
    shared_line, shared_size = None, 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, finished = stack.pop()
        ident = id(node)
        if finished:
            on_path.discard(ident)
            size[ident] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        line = node.start_mark.line + 1
        if ident in size:  # reached again through an alias
            if size[ident] > shared_size:
                shared_line, shared_size = line, size[ident]
            continue
        if ident in on_path:
            raise RegistryError(file, "recursive alias: an anchor is used inside its own value", line)
        if depth > MAX_DEPTH:
            raise RegistryError(file, f"nested more than {MAX_DEPTH} levels deep", line)
        on_path.add(ident)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))
    if size[id(root)] > len(size) + ALIAS_BUDGET:
        raise RegistryError(
            file,
            f"aliases expand to {size[id(root)]:,} values, more than the file's {len(size):,} plus {ALIAS_BUDGET:,} "
            "(an alias bomb?); write the repeated values out",
            shared_line,
        )


def _load_yaml(text: str, file: str | Path) -> Any:
    """Parse with the safe loader, measuring the node graph (`_check_budget`) before constructing anything."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_budget(node, file)
        return loader.construct_document(node)
    finally:
        loader.dispose()


# ----------------------------------------------------------------------------------------------- load


def parse_registry(
    text: str,
    file: str | Path = "claims.yaml",
    *,
    check_experiments: bool = True,
    experiments: ExperimentRegistry | None = None,
) -> ClaimRegistry:
    try:
        data = _load_yaml(text, file)
    except RecursionError:
        raise RegistryError(file, f"nested too deep to read (more than {MAX_DEPTH} levels)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise RegistryError(file, f"{what}: {exc.problem or exc}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise RegistryError(file, f"YAML error: {exc}") from None
    if data is None:
        return ClaimRegistry()
    if not isinstance(data, dict):
        raise RegistryError(file, f"expected a mapping with 'claims' and 'reports', found {type(data).__name__}", 1)
    try:
        registry = ClaimRegistry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown field (not in the schema; see `claimcheck schema`)"
        raise RegistryError(file, msg, _line(text, loc), _field(loc, data)) from None
    _check_consistency(registry, text, file, data)
    if check_experiments:
        _check_replications(registry, text, file, data, experiments)
    return registry


def _fail(text: str, file: str | Path, data: Any, loc: tuple[Any, ...], problem: str) -> RegistryError:
    return RegistryError(file, problem, _line(text, loc), _field(loc, data))


def _check_consistency(registry: ClaimRegistry, text: str, file: str | Path, data: Any) -> None:
    for section, items in (("reports", registry.reports), ("claims", registry.claims)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                raise _fail(text, file, data, (section, i, "id"), f"duplicate id {item.id!r}")
            seen.add(item.id)
    _check_neighbours(registry, text, file, data)
    reports = {r.id for r in registry.reports}
    for i, claim in enumerate(registry.claims):
        for j, mention in enumerate(claim.mentions):
            if mention.report not in reports:
                loc = ("claims", i, "mentions", j, "report")
                raise _fail(text, file, data, loc, f"mentions report {mention.report!r}, which is not in 'reports'")


def _check_neighbours(registry: ClaimRegistry, text: str, file: str | Path, data: Any) -> None:
    """A claim whose own tolerance covers another value it says its source reports cannot tell them apart."""
    from claimcheck.tolerances import claim_conflicts

    for i, claim in enumerate(registry.claims):
        conflicts = claim_conflicts(claim)
        if conflicts:
            loc = ("claims", i, "tolerance" if claim.tolerance else "quantity")
            raise _fail(text, file, data, loc, str(conflicts[0]))


def _check_replications(
    registry: ClaimRegistry, text: str, file: str | Path, data: Any, experiments: ExperimentRegistry | None
) -> None:
    linked = [(i, c) for i, c in enumerate(registry.claims) if c.replication is not None]
    if not linked:
        return
    if experiments is None:
        from claimcheck.plugins import installed_experiments

        experiments = installed_experiments()
    for i, claim in linked:
        rep = claim.replication
        assert rep is not None
        experiment = experiments.get(rep.experiment)
        if experiment is None:
            if experiments.failure(rep.experiment):
                continue  # installed but broken: its claims get an error verdict naming why; the others still run
            loc = ("claims", i, "replication", "experiment")
            raise _fail(text, file, data, loc, experiments.problem(rep.experiment))
        try:
            config = experiment.config_for(rep.scale, rep.params)
        except KeyError as exc:
            loc = ("claims", i, "replication", "params" if rep.params else "scale")
            raise _fail(text, file, data, loc, str(exc.args[0] if exc.args else exc)) from None
        for where, problem in _target_problems(rep, experiment, config):
            raise _fail(text, file, data, ("claims", i, "replication", *where), problem)


def _metric_name(name: str) -> str:
    try:
        return normalise_metric(name)
    except ValueError:  # not a name ir_measures knows: compare it as written
        return name.strip().lower()


def _target_problems(rep: Replication, experiment: Experiment, config: dict[str, Any]) -> Iterator[tuple[tuple, str]]:
    """Targets naming a condition or metric the experiment never measures: found now, not after a long run."""
    declared = config.get("metrics", [])
    measured = {
        _metric_name(m) for m in [*experiment.metrics, *([declared] if isinstance(declared, str) else declared)]
    }
    targets = [("value", rep.value), ("effect", rep.effect), ("proxy_effect", rep.proxy_effect)]
    for name, target in targets:
        if target is None:
            continue
        conditions = [("condition", target.condition)]
        if isinstance(target, EffectTarget):
            conditions.append(("baseline", target.baseline))
        for field_name, condition in conditions:
            # "<condition>+<scoring>" names the same condition under an extra scoring (OPTICAL's "optical+maxsim")
            if experiment.conditions and condition.split("+", 1)[0] not in experiment.conditions:
                known = ", ".join(experiment.conditions)
                yield (name, field_name), f"{experiment.name} has no condition {condition!r} (it measures: {known})"
        if measured and _metric_name(target.metric) not in measured:
            known = ", ".join(sorted(measured))
            yield (name, "metric"), f"{experiment.name} does not measure {target.metric!r} (it measures: {known})"


def load_registry(
    path: str | Path = DEFAULT_REGISTRY,
    *,
    missing_ok: bool = False,
    check_experiments: bool = True,
    experiments: ExperimentRegistry | None = None,
) -> ClaimRegistry:
    """Read and validate a registry; a missing file is an empty registry only with `missing_ok`."""
    path = Path(path)
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)  # a FIFO or a device is refused, never read forever
    except FileNotFoundError:
        if missing_ok:
            return ClaimRegistry()
        raise RegistryError(path, "no such registry file (create one with `claimcheck ingest REPORT...`)") from None
    except OSError as exc:
        raise RegistryError(path, exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise RegistryError(path, f"too large to be a registry ({exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegistryError(path, "not UTF-8 text", data[: exc.start].count(b"\n") + 1) from None
    digest = _cache_key(data)
    cached = _cache_get(digest)
    if cached is not None:
        try:
            _check_consistency(cached, text, path, None)
            if check_experiments:
                _check_replications(cached, text, path, None, experiments)
            return cached
        except RegistryError:
            pass  # the full parse below reports the problem with its line and field
    registry = parse_registry(text, path, check_experiments=check_experiments, experiments=experiments)
    _cache_put(digest, registry)
    return registry


# ----------------------------------------------------------------------------------------------- cache
# PyYAML builds Python objects slowly (seconds for a 1,000-report registry). A valid registry is also kept as
# JSON under CLAIMCHECK_HOME, named by the sha256 of the YAML file's bytes and of the models' schema: an edit of
# either changes the name, so a stale copy is never read, and the JSON is validated by the same models as the YAML.
CACHE_KEEP = 8


@functools.cache
def _schema_digest() -> str:
    schema = json.dumps(ClaimRegistry.model_json_schema(), sort_keys=True).encode("utf-8")
    return hashlib.sha256(schema).hexdigest()[:16]


def _cache_key(data: bytes) -> str:
    return f"{hashlib.sha256(data).hexdigest()}-{_schema_digest()}"


def _cache_dir() -> Path:
    from claimcheck.home import subdir

    return subdir("registry-cache")


def _cache_get(digest: str) -> ClaimRegistry | None:
    try:
        return ClaimRegistry.model_validate_json((_cache_dir() / f"{digest}.json").read_bytes())
    except (OSError, ValueError):  # absent, unreadable or not a registry: read the YAML instead
        return None


def _cache_put(digest: str, registry: ClaimRegistry) -> None:
    try:
        folder = _cache_dir()
        atomic_write_text(folder / f"{digest}.json", registry.model_dump_json())
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
        remove_stale_temp_files(folder)
    except (OSError, ValueError):
        pass  # a cache that cannot be written (or a registry that cannot be serialised) costs speed only


# ----------------------------------------------------------------------------------------------- save


# Values under these keys are the user's data (experiment parameters), where None or [] can mean something.
_VERBATIM = frozenset({"params"})


def _prune(value: Any) -> Any:
    """Drop None and empty lists/dicts: they are the models' defaults, and a readable file leaves them out."""
    if isinstance(value, dict):
        pruned = {k: v if k in _VERBATIM else _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def dump_registry(registry: ClaimRegistry) -> str:
    data = _prune(registry.model_dump(mode="json"))
    data.setdefault("version", registry.version)
    # block style, keys in model order, text kept readable (no \u escapes), lines folded at 120 columns
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    return _HEADER + text


def save_registry(registry: ClaimRegistry, path: str | Path = DEFAULT_REGISTRY) -> None:
    """Write the whole file to a temp file beside it, then rename: readers see the old file or the new one.

    A registry that is a symlink is written where the link points, and the link stays. Concurrent writers should
    go through `update_registry`, which holds the registry's lock around the re-read and the write.
    """
    data = dump_registry(registry).encode("utf-8")
    atomic_write_bytes(os.path.realpath(path), data)
    _cache_put(_cache_key(data), registry)


@contextmanager
def registry_lock(path: str | Path) -> Iterator[Path]:
    """Hold the registry's exclusive lock (`.<name>.lock` beside the file a link points to); yields that file."""
    target = Path(os.path.realpath(path))
    with file_lock(target.with_name(f".{target.name}.lock")):
        remove_stale_temp_files(target.parent, prefix=f"{target.name}.")  # left by a killed writer
        yield target


def update_registry(
    path: str | Path,
    change: Callable[[ClaimRegistry], tuple[ClaimRegistry, T]],
    *,
    check_experiments: bool = True,
) -> T:
    """Re-read the registry under its lock, apply `change` (registry → (new registry, result)) and save: two
    processes updating one registry at once both land, neither overwrites the other. A missing file starts empty."""
    with registry_lock(path) as target:
        current = load_registry(target, missing_ok=True, check_experiments=check_experiments)
        updated, result = change(current)
        save_registry(updated, target)
    return result


def registry_schema() -> dict[str, Any]:
    schema = ClaimRegistry.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", "claimcheck claims.yaml")
    return schema
