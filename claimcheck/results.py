"""Run records: content-addressed JSON files under `claimcheck.home.records_dir()`, the cache, and import.

A record's file is `<key>.json`, where the key is the sha256 of the canonical JSON of everything that defines
the run: experiment name, scale, config, seeds and the code version (package version, a hash of the claimcheck
sources a replication may use, and a hash of the replication package's source files; see `code_version`).
A record gives a verdict only for what made it, recomputed from its contents (`earn_problems`): its key must be
the hash of the experiment, scale, config, seeds and code it states, those must be what this machine would run
for the claim, and it must be signed by a trusted key (this machine's, or one trusted on import; see
`claimcheck.signing`). Nothing is taken from the record's own word.

Files are written whole (temp file + rename) after the run ends: an interrupted run leaves no record and no
half-written file, and readers skip temp files.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimcheck import __version__, signing
from claimcheck.experiments import Experiment
from claimcheck.home import (
    MAX_FILE_BYTES,
    UnsafePathError,
    read_model,
    read_model_or_none,
    read_regular_file,
    records_dir,
    remove_stale_temp_files,
    safe_child,
    sha256_file,
    write_model,
)
from claimcheck.models import RecordHeader, RunHeader, RunRecord, Scale


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


# Every name `code_version` gives: a record lacking one cannot say what code made it.
CODE_FIELDS = ("package_version", "engine_sha256", "source_sha256", "dependencies_sha256")
_KEY = re.compile(r"[0-9a-f]{64}")


# Library versions decide reuse on one machine, but a record made on a GPU machine (torch 2.x+cu12, faiss-gpu)
# must still count on a CPU one (torch 2.x+cpu): they are provenance there, not a reason to discard the result.
MACHINE_DEPENDENT = frozenset({"dependencies_sha256"})


def stale_code(record: RunHeader, experiment: Experiment) -> list[str]:
    """What differs between the code that made `record` and this code (empty: the record is current)."""
    if not record.code:
        return ["unknown (the record has no code versions)"]
    current = code_version(experiment)
    names = sorted((current.keys() | record.code.keys()) - MACHINE_DEPENDENT)
    return [name for name in names if current.get(name) != record.code.get(name)]


# --------------------------------------------------------------------------------------------------- earning


def integrity_problems(record: RunHeader) -> list[str]:
    """What makes a record's own word unusable, from its contents alone: a key that is not a sha256 digest, a code
    map that is empty or incomplete, or a key that is not the hash of the experiment, scale, config, seeds and code
    the record states. Pure (no I/O): the verdict rules check it too."""
    if not _KEY.fullmatch(record.key):
        return [f"key {record.key[:80]!r} is not a sha256 hex digest"]
    missing = [name for name in CODE_FIELDS if not record.code.get(name)]
    if missing:
        return [f"its code map lacks {', '.join(missing)}"]
    if run_key(record.experiment, record.scale, record.config, record.seeds, record.code) != record.key:
        return ["key is not the hash of the record's experiment, scale, config, seeds and code"]
    return []


def output_problems(record: RunRecord) -> list[str]:
    """Measurements of seeds the record does not list were not made by the run it describes."""
    extra = sorted({m.seed for m in record.output.measurements} - set(record.seeds))
    return [f"it holds measurements of seeds {extra} that it does not list"] if extra else []


def record_payload(record: RunRecord) -> bytes:
    """The bytes a signature covers: the record's canonical JSON less `imported_from` (a note the importing machine
    adds) and the signature itself. Fields at their default are left out, so an optional field added to the model
    later leaves older signatures valid."""
    content = record.model_dump(mode="json", exclude={"imported_from", "signature"}, exclude_defaults=True)
    return canonical_json(content).encode("utf-8")


def sign_record(record: RunRecord) -> RunRecord:
    unsigned = record.model_copy(update={"signature": None})
    return unsigned.model_copy(update={"signature": signing.sign_bytes(record_payload(unsigned))})


def record_signer(record: RunRecord) -> str:
    """The key id that validly signed `record`; SignatureError when it is unsigned or the signature fails."""
    if record.signature is None:
        raise signing.SignatureError("it is unsigned: nothing says who made it")
    return signing.verify_bytes(record.signature, record_payload(record))


def signer_problems(record: RunRecord, trusted: set[str] | None = None) -> list[str]:
    """Empty when a key in `trusted` (default: this machine's and the keys trusted on import) signed `record`."""
    try:
        signer = record_signer(record)
    except signing.SignatureError as exc:
        return [str(exc)]
    trusted = signing.trusted_keys() if trusted is None else trusted
    if signer not in trusted:
        return [f"it is signed by {signer}, which is not a trusted key (import it with --trust {signer} if it is)"]
    return []


def earn_problems(record: RunRecord, experiment: Experiment, scale: Scale, config: dict[str, Any]) -> list[str]:
    """Why `record` cannot give a verdict for `experiment` at `scale` with `config` (empty: it can, provided its
    code is current, which `stale_code` says). Everything is recomputed from the record's contents and this
    machine's experiment registry; nothing is taken from the record's word."""
    problems = integrity_problems(record)
    if record.experiment != experiment.name:
        problems.append(f"it is a record of {record.experiment}, not {experiment.name}")
    if record.scale != scale:
        problems.append(f"it is a {record.scale} record, not {scale}")
    spec = experiment.scales.get(scale)
    if spec is not None and list(record.seeds) != list(spec.seeds):
        problems.append(f"it ran seeds {record.seeds}, the {scale} scale runs {list(spec.seeds)}")
    if not config_matches(record, config):
        problems.append("its config is not the config this claim runs with")
    return problems + output_problems(record) + signer_problems(record)


def config_matches(record: RunHeader, config: dict[str, Any]) -> bool:
    return canonical_json(record.config) == canonical_json(config)


HEADER_INDEX = ".headers.json"


class HeaderEntry(BaseModel):
    """One record file in the header index: its stat stamp, and its header or why it is not a record."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

    stamp: list[int] = Field(description="size, mtime_ns, inode: any change and the file is read again")
    header: RecordHeader | None = None
    invalid: str | None = None


class HeaderIndex(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: dict[str, HeaderEntry] = Field(default_factory=dict)


# The largest record file `results import` reads (records carry per-query scores: tens of MB at full scale).
IMPORT_MAX_BYTES = MAX_FILE_BYTES


@dataclass
class ImportSummary:
    imported: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)


class RecordStore:
    """The records directory: one `<key>.json` per run, each signed by the machine that made it."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else records_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(self.root)

    def path(self, key: str) -> Path:
        """The file of `key`; UnsafePathError for a key that is not a plain file name."""
        return safe_child(self.root, f"{key}.json")

    def get(self, key: str) -> RunRecord | None:
        """The record stored under `key`, or None (absent, unreadable, not a regular file, or not a record)."""
        try:
            path = self.path(key)
        except UnsafePathError:
            return None
        return read_model_or_none(path, RunRecord, follow_symlinks=False)

    def put(self, record: RunRecord) -> RunRecord:
        """Store `record` under its key, except that a failed run never replaces a successful one; return it as
        signed. A record made here (not imported) is signed with this machine's key: storing it is this machine
        vouching for it."""
        path = self.path(record.key)
        if record.imported_from is None:
            record = sign_record(record)
        if record.status == "error":
            stored = self.get(record.key)
            if stored is not None and stored.status == "ok":
                return record
        write_model(path, record)
        return record

    def files(self) -> Iterator[Path]:
        # Temp files of an interrupted write start with a dot; they are never records.
        yield from sorted(p for p in self.root.glob("*.json") if not p.name.startswith("."))

    def headers(self) -> tuple[list[RecordHeader], list[tuple[Path, str]]]:
        """Every record's header (its output skipped), and the files that are not records (with why).

        Headers are kept in `.headers.json`, each under its file's name, size, mtime and inode: a file is read
        again only when it changed, so a 50 MB record costs one read, not one per `report`. The index only
        chooses; a record that gives a verdict is read in full and checked (`earn_problems`).
        """
        index_path = self.root / HEADER_INDEX
        try:
            index = HeaderIndex.model_validate_json(read_regular_file(index_path, follow_symlinks=False)).entries
        except (ValidationError, ValueError, OSError):
            index = {}  # absent or damaged: rebuilt from the files
        fresh: dict[str, HeaderEntry] = {}
        for path in self.files():
            try:
                info = path.lstat()
            except OSError:
                continue
            stamp = [info.st_size, info.st_mtime_ns, info.st_ino]
            entry = index.get(path.name)
            if entry is None or entry.stamp != stamp:
                try:
                    entry = HeaderEntry(stamp=stamp, header=read_model(path, RecordHeader, follow_symlinks=False))
                except (ValidationError, ValueError, OSError) as exc:
                    entry = HeaderEntry(stamp=stamp, invalid=_first_line(exc))
            fresh[path.name] = entry
        if fresh != index:
            with contextlib.suppress(OSError):  # an index that cannot be written costs speed only
                write_model(index_path, HeaderIndex(entries=fresh))
        headers = [e.header for e in fresh.values() if e.header is not None]
        invalid = [(self.root / name, e.invalid) for name, e in fresh.items() if e.invalid is not None]
        return headers, invalid

    def import_dir(self, source: Path, trust: set[str] | None = None) -> ImportSummary:
        """Check every `*.json` record under `source` and add those not yet here, marking where they came from.

        A record is taken only when it is a regular file within the size limit (no FIFO, device or symlink), a
        valid record whose key is the hash of its contents, and signed by a trusted key: this machine's, one
        trusted before, or one of `trust` (which are then remembered as trusted).
        """
        if trust:
            signing.trust(trust)
        trusted = signing.trusted_keys() | (trust or set())
        summary = ImportSummary()
        for path in _record_files(source):
            try:
                data = read_regular_file(path, IMPORT_MAX_BYTES, follow_symlinks=False)
                record = RunRecord.model_validate_json(data)
            except (ValidationError, ValueError, OSError) as exc:
                summary.invalid.append((str(path), _first_line(exc)))
                continue
            problems = integrity_problems(record) + output_problems(record) + signer_problems(record, trusted)
            if problems:
                summary.invalid.append((str(path), "; ".join(problems)))
                continue
            stored = self.get(record.key)
            if stored is not None and not (stored.status == "error" and record.status == "ok"):
                summary.already_present.append(record.key)
                continue
            self.put(record.model_copy(update={"imported_from": str(path.resolve())}))
            summary.imported.append(record.key)
        return summary


def _record_files(source: Path) -> Iterator[Path]:
    """`source` itself, or the `*.json` files under it (hidden ones and symlinked folders left out)."""
    if not source.is_dir():
        yield source
        return
    for folder, dirs, names in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield from (Path(folder) / n for n in sorted(names) if n.endswith(".json") and not n.startswith("."))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        return f"{exc.error_count()} validation error(s); first: {loc}: {err['msg']}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return text.splitlines()[0] if text else type(exc).__name__
