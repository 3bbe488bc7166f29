"""The home directory helpers: atomic writes keep a file whole and keep its permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from claimcheck.home import atomic_write_text


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
