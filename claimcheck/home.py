"""Where claimcheck keeps its state, and how it writes files without ever leaving half of one.

All state (run records, evidence, paper cache, downloaded data) lives under one directory:
`CLAIMCHECK_HOME`, else the platform's user cache directory.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import hashlib
import os
import shutil
import stat
import tempfile
import time
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


# A file name's longest form on common file systems (ext4, APFS, NTFS: 255 bytes).
NAME_MAX_BYTES = 255


class UnsafePathError(ValueError):
    """A name taken from data would not stay inside the folder it is meant for."""


def safe_child(folder: str | Path, name: str) -> Path:
    """`folder / name`, refused unless `name` is one plain file name that stays inside `folder`.

    Every path built from data (a claim id, a record key, an arXiv id) goes through here: no separator, no `.` or
    `..`, no NUL, not empty, at most 255 bytes, and, after symlinks are resolved, still inside `folder`.
    """
    separators = {"/", "\0", os.sep, os.altsep or "/"}
    if not name or name in (".", "..") or any(c in name for c in separators):
        raise UnsafePathError(f"{name!r} is not a plain file name inside {folder}")
    if len(name.encode("utf-8", "surrogateescape")) > NAME_MAX_BYTES:
        raise UnsafePathError(f"file name {name[:40]!r}… is longer than {NAME_MAX_BYTES} bytes")
    folder = Path(folder)
    child = folder / name
    if not child.resolve().is_relative_to(folder.resolve()):
        raise UnsafePathError(f"{name!r} leads outside {folder}")
    return child


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


# The largest file read as one record or registry: far above any real one (a full-scale record with per-query
# scores for every BEIR collection is tens of MB), far below what would exhaust memory.
MAX_FILE_BYTES = 128 * 1024 * 1024


def read_regular_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file, refusing anything else before reading a byte.

    A FIFO, a device (`/dev/zero`), a directory or, with `follow_symlinks=False`, a symlink raises `OSError` at
    once (the open never blocks: O_NONBLOCK), and a file larger than `max_bytes` raises `ValueError`.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise OSError(errno.ELOOP, "is a symlink, not a regular file", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > max_bytes:
            raise ValueError(f"{path}: {info.st_size} bytes, more than the {max_bytes}-byte limit")
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        data = fh.read(max_bytes + 1)  # a file that grows while read is cut off here, not read forever
    if len(data) > max_bytes:
        raise ValueError(f"{path}: more than the {max_bytes}-byte limit")
    return data


def read_model(path: str | Path, cls: type[M], *, follow_symlinks: bool = True) -> M:
    return cls.model_validate_json(read_regular_file(path, follow_symlinks=follow_symlinks))


def read_model_or_none(path: str | Path, cls: type[M], *, follow_symlinks: bool = True) -> M | None:
    """The record at `path`, or None when it is absent or unreadable (a damaged file, a FIFO or a device is
    treated as missing)."""
    try:
        return read_model(path, cls, follow_symlinks=follow_symlinks)
    except (ValidationError, ValueError, OSError):
        return None


# A temp file an atomic write left behind when it was killed (SIGKILL, power loss) between mkstemp and rename.
# Live writes take seconds; one this old belongs to no running process.
STALE_TEMP_S = 15 * 60


def remove_stale_temp_files(folder: str | Path, prefix: str = "", older_than_s: float = STALE_TEMP_S) -> list[Path]:
    """Delete the orphan temp files of killed atomic writes (`.<prefix><random>.tmp`, as `atomic_writer` names
    them) in `folder`; return them. In a folder claimcheck does not own, `prefix` names the file written there."""
    removed: list[Path] = []
    cutoff = time.time() - older_than_s
    try:
        candidates = list(Path(folder).glob(f".{glob.escape(prefix)}*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


@contextmanager
def file_lock(path: str | Path, *, shared: bool = False, blocking: bool = True) -> Iterator[bool]:
    """Hold an advisory lock (flock) on the file `path` for the block, exclusive unless `shared`; yields whether
    it was taken (always True when `blocking`).

    The lock file is separate from the data it guards: an atomic write replaces the data file's inode, and a lock
    on the old inode would guard nothing. The kernel drops the lock when the process dies, so a killed holder
    never leaves it stuck.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666 & ~_umask())
    try:
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            fcntl.flock(fd, mode if blocking else mode | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def remove_tree(path: str | Path) -> None:
    """Remove a folder and everything in it; symlinks inside are removed, never followed."""
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------------------------------- work folders
# A run works in `work/<key prefix>` and holds a shared lock on `work/.<key prefix>.lock` while it runs (the
# ranks of a torchrun job share it). Removal takes the lock exclusively without waiting, so a folder in use is
# never removed. An interrupted run's folder (OPTICAL's partial.jsonl) is kept until it is a day old.
STALE_WORK_S = 24 * 3600


def work_dir(name: str) -> Path:
    return safe_child(subdir("work"), name)


def work_lock(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.lock")


def release_work_dir(folder: Path) -> bool:
    """Remove a run's work folder unless another process still holds it; whether it was removed."""
    with file_lock(work_lock(folder), blocking=False) as taken:
        if taken:
            remove_tree(folder)
    return taken


def _orphan_lock(root: Path, name: str) -> bool:
    return name.startswith(".") and name.endswith(".lock") and not (root / name[1 : -len(".lock")]).exists()


def remove_stale_work_dirs(older_than_s: float = STALE_WORK_S) -> list[Path]:
    """Remove the work folders (and their lock files) no run has touched for `older_than_s` and none holds now."""
    root = subdir("work")
    cutoff = time.time() - older_than_s
    removed = []
    for child in sorted(root.iterdir()):
        try:
            info = child.lstat()
        except OSError:
            continue
        if info.st_mtime >= cutoff:
            continue
        if stat.S_ISDIR(info.st_mode) and release_work_dir(child):
            removed.append(child)
        elif _orphan_lock(root, child.name):
            with file_lock(child, blocking=False) as taken:
                if taken:
                    child.unlink(missing_ok=True)
    return removed


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
