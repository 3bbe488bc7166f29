"""The home directory helpers: atomic writes keep a file whole and keep its permissions."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from claimcheck.home import (
    UnsafePathError,
    atomic_write_text,
    file_lock,
    read_regular_file,
    release_work_dir,
    remove_stale_temp_files,
    remove_stale_work_dirs,
    safe_child,
    work_dir,
    work_lock,
)


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    shared = tmp_path / "claims.yaml"
    shared.write_text("old")
    os.chmod(shared, 0o664)
    atomic_write_text(shared, "new")
    assert shared.read_text() == "new" and stat.S_IMODE(shared.stat().st_mode) == 0o664
    fresh = tmp_path / "sub" / "export.json"
    atomic_write_text(fresh, "{}")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask  # as a plain open() would make it, not 0600
    assert not [p for p in tmp_path.rglob(".*")]  # no temp file left behind


# --------------------------------------------------------------------------------------------------- hostile paths


def test_safe_child_refuses_every_name_that_leaves_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    assert safe_child(folder, "claim-1.json") == folder / "claim-1.json"
    (folder / "inside").symlink_to(folder / "claim-1.json")
    assert safe_child(folder, "inside") == folder / "inside"  # a link that stays inside is fine
    (folder / "out").symlink_to(tmp_path)
    for name in ["", ".", "..", "../x.json", "/etc/passwd", "a/b", "x\0y", "x" * 256, "é" * 128, "out"]:
        with pytest.raises(UnsafePathError):
            safe_child(folder, name)


def test_read_regular_file_refuses_fifos_devices_links_and_big_files(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text("{}")
    assert read_regular_file(good) == b"{}"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path / "fifo")  # returns at once: no writer is waited for
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path / "zero")
    with pytest.raises(OSError, match="symlink"):
        read_regular_file(tmp_path / "zero", follow_symlinks=False)
    with pytest.raises(OSError, match="not a regular file"):
        read_regular_file(tmp_path)
    with pytest.raises(ValueError, match="limit"):
        read_regular_file(good, max_bytes=1)


def test_stale_temp_files_go_and_other_files_and_fresh_temps_stay(tmp_path: Path) -> None:
    old = time.time() - 3600
    names = [".claims.yaml.ab12.tmp", ".notes.txt.ab12.tmp", ".claims.yaml.fresh.tmp", "keep.tmp", ".keep"]
    for name in names:
        (tmp_path / name).write_text("x")
        if "fresh" not in name:
            os.utime(tmp_path / name, (old, old))
    removed = remove_stale_temp_files(tmp_path, prefix="claims.yaml.")
    assert [p.name for p in removed] == [".claims.yaml.ab12.tmp"]  # another program's temp file is not ours
    assert {p.name for p in tmp_path.iterdir()} == set(names) - {".claims.yaml.ab12.tmp"}


def test_a_work_folder_in_use_is_never_removed(tmp_path: Path) -> None:
    busy, idle = work_dir("busy"), work_dir("idle")
    for folder in (busy, idle):
        (folder / "state").parent.mkdir()
        (folder / "state").write_text("x")
        old = time.time() - 3 * 24 * 3600
        os.utime(folder, (old, old))
    with file_lock(work_lock(busy), shared=True), file_lock(work_lock(busy), shared=True):  # two ranks of one run
        assert release_work_dir(busy) is False
        assert remove_stale_work_dirs() == [idle]
        assert busy.is_dir() and not idle.exists()
    assert release_work_dir(busy) is True and not busy.exists()
