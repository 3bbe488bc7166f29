"""Where claimcheck keeps its state, and how it writes files without ever leaving half of one.

All state (run records, evidence, paper cache, downloaded data) lives under one directory:
`CLAIMCHECK_HOME`, else the platform's user cache directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

HOME_ENV = "CLAIMCHECK_HOME"
DATA_ENV = "CLAIMCHECK_DATA"
NETWORK_ENV = "CLAIMCHECK_NETWORK"


def network_allowed() -> bool:
    """Off unless CLAIMCHECK_NETWORK=1: by default nothing (papers, datasets, hub weights) is fetched by surprise."""
    return os.environ.get(NETWORK_ENV, "") == "1"


def home_dir() -> Path:
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("claimcheck"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def subdir(name: str) -> Path:
    path = home_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def records_dir() -> Path:
    return subdir("records")


def evidence_dir() -> Path:
    return subdir("evidence")


def papers_dir() -> Path:
    return subdir("papers")


def data_dirs(explicit: str | Path | None = None) -> list[Path]:
    """Directories searched for datasets, in order: the explicit one, `CLAIMCHECK_DATA`, then home/data."""
    dirs: list[Path] = []
    if explicit:
        dirs.append(Path(explicit).expanduser())
    if os.environ.get(DATA_ENV):
        dirs.extend(Path(p).expanduser() for p in os.environ[DATA_ENV].split(os.pathsep) if p)
    dirs.append(home_dir() / "data")
    return dirs


def _umask() -> int:
    """The process umask, read without setting it (os.umask would change it for every thread meanwhile)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file that becomes `path` only when the block ends without error: written to a temp file in the same
    directory, fsynced, then renamed over the target. A reader (or a crash, or another process writing the same
    path) sees either the old file or a whole new one, never a part.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); keep the mode the file had, or what a plain open() would give
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see `atomic_writer`)."""
    with atomic_writer(path) as fh:
        fh.write(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_model(path: str | Path, model: BaseModel) -> None:
    atomic_write_text(path, model.model_dump_json(indent=2) + "\n")


def read_model(path: str | Path, cls: type[M]) -> M:
    return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


def read_model_or_none(path: str | Path, cls: type[M]) -> M | None:
    """The record at `path`, or None when it is absent or unreadable (a damaged file is treated as missing)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return read_model(path, cls)
    except (ValidationError, ValueError, OSError):
        return None


def sha256_file(path: str | Path, chunk: int = 1 << 20, opener: Callable[..., IO[bytes]] = open) -> str:
    """sha256 of a file's bytes, read through `opener` (`gzip.open` hashes a .gz file's content)."""
    digest = hashlib.sha256()
    with opener(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_path(path: str | Path) -> str:
    """sha256 of a file, or of a directory as the sorted (relative name, file digest) pairs."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    digest = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(child.relative_to(path)).encode())
        digest.update(sha256_file(child).encode())
    return digest.hexdigest()
