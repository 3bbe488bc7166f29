"""Shared fixtures. Every test runs with its own CLAIMCHECK_HOME so nothing touches the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def claimcheck_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("claimcheck_home")
    monkeypatch.setenv("CLAIMCHECK_HOME", str(home))
    return home


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip: the real collections are not part of the repository."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"real data not present at {path} (../shared/data beside the checkout)")
    return path


@pytest.fixture
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip(f"seed reports not present at {path} (../shared/seeds beside the checkout)")
    return path
