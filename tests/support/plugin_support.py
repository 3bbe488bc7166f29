"""Installing entry points in a test: a distribution's metadata folder on sys.path, what pip leaves behind.

`install_entry_points(site, "enginetest", {...})` writes `site/enginetest-0.0.dist-info/` with METADATA and
entry_points.txt; importlib.metadata then reports the entry points like those of any installed package. The test
puts `site` on sys.path (monkeypatch.syspath_prepend) and on PYTHONPATH for the subprocesses it starts.
"""

from __future__ import annotations

from pathlib import Path

from claimcheck.plugins import GROUP


def install_entry_points(site: Path, dist: str, entries: dict[str, str]) -> Path:
    info = site / f"{dist}-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0\n", encoding="utf-8")
    lines = "".join(f"{name} = {value}\n" for name, value in entries.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}", encoding="utf-8")
    return site
