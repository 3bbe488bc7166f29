"""Shared fixtures. Every test runs with its own CLAIMCHECK_HOME so nothing touches the user's cache."""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, with one line, in a Python that lacks the package or what it needs: otherwise every test
    module fails to import on its own, and `pytest` and `python -m pytest` (which puts the checkout, and the
    egg-info an editable install leaves there, on sys.path) fail apart."""
    try:
        needs = [re.match(r"[A-Za-z0-9._-]+", r)[0] for r in requires("claimcheck-lab") or [] if "extra" not in r]
        for name in needs:
            version(name)
    except PackageNotFoundError as missing:
        raise pytest.UsageError(
            f"{missing.name} is not installed in this Python ({sys.executable}): run the README's test command, "
            "which installs claimcheck-lab and its locked dependencies into .venv, or activate that .venv"
        ) from None


@pytest.fixture(autouse=True)
def claimcheck_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("claimcheck_home")
    monkeypatch.setenv("CLAIMCHECK_HOME", str(home))
    return home


def shared_dir(name: str, what: str) -> Path:
    """../shared/<name>, or skip: the real collections and seed reports are not part of the repository."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{what} not present at {path} (../shared/{name} beside the checkout)")
    return path


@pytest.fixture
def shared_data() -> Path:
    return shared_dir("data", "real data")


@pytest.fixture
def seeds_dir() -> Path:
    return shared_dir("seeds", "seed reports")


@pytest.fixture
def engine_plugins(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The engine's test experiments installed as entry points, here and for the subprocesses a test starts."""
    import os

    import engine_fixtures as ef
    from plugin_support import install_entry_points

    site = install_entry_points(tmp_path_factory.mktemp("site"), "enginetest", ef.ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(REPO / "tests" / "support")]))
    return site
