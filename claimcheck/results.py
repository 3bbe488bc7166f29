"""Run records: content-addressed JSON files under `claimcheck.home.records_dir()`, the cache, and import.

A record's file is `<key>.json`, where the key is the sha256 of the canonical JSON of everything that defines
the run: experiment name, scale, config, seeds and the code version (package version, a hash of the claimcheck
sources a replication may use, and a hash of the replication package's source files; see `code_version`).
A record is reused only when its key matches, so a change of config, seeds or code reruns the experiment.

Files are written whole (temp file + rename) after the run ends: an interrupted run leaves no record and no
half-written file, and readers skip temp files.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claimcheck import __version__
from claimcheck.experiments import Experiment
from claimcheck.home import read_model, read_model_or_none, records_dir, sha256_file, write_model
from claimcheck.models import RunRecord, Scale


class CacheMode(StrEnum):
    ONLY_MISSING = "only-missing"  # reuse matching records, run what is missing
    ALWAYS = "always"  # reuse only, never run
    NEVER = "never"  # rerun everything


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def source_files(experiment: Experiment) -> list[Path]:
    """The files that define an experiment: its package's code and data files (checkpoints.yaml chooses how a
    model loads), or its own module file when it came from a lone module or from code."""
    package = sys.modules.get(experiment.package or "")
    init = getattr(package, "__file__", None)
    if init and hasattr(package, "__path__"):
        folder = Path(init).parent
        return sorted([*folder.rglob("*.py"), *folder.rglob("*.yaml")])
    path = inspect.getsourcefile(experiment.fn) or getattr(sys.modules.get(experiment.fn.__module__), "__file__", None)
    return [Path(path)] if path else []


# The part of claimcheck a replication may depend on (DESIGN.md: claimcheck.retrieval and claimcheck.models, plus
# the experiment API); the CLI, reports, ingest and sources cannot change a measurement.
ENGINE_SOURCES = ("retrieval", "models.py", "experiments.py", "home.py", "metric_names.py")


@functools.lru_cache(maxsize=4096)
def _file_digest(path: Path, mtime_ns: int, size: int) -> str:
    # keyed by the file's stat: verdicts over many records ask for the same sources again and again
    return sha256_file(path)


def _hash_files(paths: list[Path]) -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in paths:
        resolved = path.resolve()
        stat = resolved.stat()
        name = str(resolved.relative_to(root)) if resolved.is_relative_to(root) else resolved.name
        digest.update(name.encode())
        digest.update(_file_digest(resolved, stat.st_mtime_ns, stat.st_size).encode())
    return digest.hexdigest()


def source_hash(experiment: Experiment) -> str:
    return _hash_files(source_files(experiment))


@functools.lru_cache(maxsize=1)
def engine_hash() -> str:
    package = Path(__file__).resolve().parent
    paths = []
    for name in ENGINE_SOURCES:
        target = package / name
        paths += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return _hash_files(paths)


@functools.lru_cache(maxsize=1)
def dependencies_hash() -> str:
    """Python and the versions of the libraries a measurement runs on (torch, transformers, ir_measures, ...)."""
    from claimcheck.provenance import package_versions

    return hashlib.sha256(canonical_json(package_versions()).encode("utf-8")).hexdigest()


def code_version(experiment: Experiment) -> dict[str, str]:
    """What code defines a run: the replication's own sources, the claimcheck code it may use, and the versions
    of the libraries it runs on.

    Content hashes rather than the git commit, so an unrelated commit (or a dirty tree) neither discards nor
    wrongly reuses records; the commit itself is kept in the record's provenance.
    """
    return {
        "package_version": __version__,
        "engine_sha256": engine_hash(),
        "source_sha256": source_hash(experiment),
        "dependencies_sha256": dependencies_hash(),
    }


def run_key(experiment: str, scale: Scale, config: dict[str, Any], seeds: list[int], code: dict[str, str]) -> str:
    payload = {"experiment": experiment, "scale": scale, "config": config, "seeds": list(seeds), "code": code}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


# Library versions decide reuse on one machine, but a record made on a GPU machine (torch 2.x+cu12, faiss-gpu)
# must still count on a CPU one (torch 2.x+cpu): they are provenance there, not a reason to discard the result.
MACHINE_DEPENDENT = frozenset({"dependencies_sha256"})


def stale_code(record: RunRecord, experiment: Experiment) -> list[str]:
    """What differs between the code that made `record` and this code (empty: the record is current)."""
    if not record.code:
        return ["unknown (the record predates code versions in records)"]
    current = code_version(experiment)
    names = sorted((current.keys() | record.code.keys()) - MACHINE_DEPENDENT)
    return [name for name in names if current.get(name) != record.code.get(name)]


def key_matches_contents(record: RunRecord) -> bool:
    """Whether the record's key is the hash of what it says defined it (records with no code cannot tell)."""
    if not record.code:
        return True
    return run_key(record.experiment, record.scale, record.config, record.seeds, record.code) == record.key


def config_matches(record: RunRecord, config: dict[str, Any]) -> bool:
    return canonical_json(record.config) == canonical_json(config)


@dataclass
class ImportSummary:
    imported: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)


class RecordStore:
    """The records directory: one `<key>.json` per run."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else records_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> RunRecord | None:
        return read_model_or_none(self.path(key), RunRecord)

    def put(self, record: RunRecord) -> Path:
        """Store `record` under its key, except that a failed run never replaces a successful one."""
        path = self.path(record.key)
        if record.status == "error":
            stored = self.get(record.key)
            if stored is not None and stored.status == "ok":
                return path
        write_model(path, record)
        return path

    def files(self) -> Iterator[Path]:
        # Temp files of an interrupted write start with a dot; they are never records.
        yield from sorted(p for p in self.root.glob("*.json") if not p.name.startswith("."))

    def scan(self) -> tuple[list[RunRecord], list[tuple[Path, str]]]:
        """All readable records, and the files that are not valid records (with why)."""
        records, invalid = [], []
        for path in self.files():
            try:
                records.append(read_model(path, RunRecord))
            except (ValidationError, ValueError, OSError) as exc:
                invalid.append((path, _first_line(exc)))
        return records, invalid

    def all(self) -> list[RunRecord]:
        return self.scan()[0]

    def find(self, experiment: str, scale: Scale, config: dict[str, Any]) -> list[RunRecord]:
        """Records of this experiment/scale/config from any code version or machine, newest first."""
        found = [r for r in self.all() if r.experiment == experiment and r.scale == scale and config_matches(r, config)]
        return sorted(found, key=lambda r: r.started_at, reverse=True)

    def import_dir(self, source: Path) -> ImportSummary:
        """Validate every `*.json` record under `source` and add those not yet here, marking where they came from."""
        summary = ImportSummary()
        files = [source] if source.is_file() else sorted(source.rglob("*.json"))
        for path in files:
            if path.name.startswith("."):
                continue
            try:
                record = read_model(path, RunRecord)
            except (ValidationError, ValueError, OSError) as exc:
                summary.invalid.append((str(path), _first_line(exc)))
                continue
            if len(record.key) != 64 or any(c not in "0123456789abcdef" for c in record.key):
                summary.invalid.append((str(path), f"key {record.key!r} is not a sha256 hex digest"))
                continue
            if not key_matches_contents(record):
                summary.invalid.append((str(path), "key is not the hash of the record's experiment, config and code"))
                continue
            stored = self.get(record.key)
            if stored is not None and not (stored.status == "error" and record.status == "ok"):
                summary.already_present.append(record.key)
                continue
            if record.imported_from is None:
                record = record.model_copy(update={"imported_from": str(path.resolve())})
            self.put(record)
            summary.imported.append(record.key)
        return summary


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        return f"{exc.error_count()} validation error(s); first: {loc}: {err['msg']}"
    return text.splitlines()[0] if text else type(exc).__name__
