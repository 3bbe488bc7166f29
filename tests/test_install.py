"""The install is reproducible: the lock agrees with pyproject.toml, and CI runs the README's test command verbatim."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
PROJECT = "claimcheck-lab"
README_EXTRAS = ("all", "test")  # what the README's two commands install


def lock_pins(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.!-]+)", line)
        assert match, f"requirements/lock.txt: {line!r} is not an exact public pin (name==version)"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements/lock.txt: {name} pinned twice"
        pins[name] = match.group(2)
    return pins


def direct_requirements(pyproject: dict, extras: tuple[str, ...]) -> list[Requirement]:
    """The base dependencies plus the extras, with the project's own extras (`claimcheck-lab[retrieval]`) expanded."""
    project = pyproject["project"]
    optional = project["optional-dependencies"]
    out = [Requirement(r) for r in project["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for spec in optional[extra]:
            req = Requirement(spec)
            if canonicalize_name(req.name) == PROJECT:
                todo.extend(req.extras)
            else:
                out.append(req)
    return out


def readme_command(heading_words: str) -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index(heading_words) :]
    return re.search(r"```bash\n(.+?)\n```", section, re.S).group(1).strip()


def test_the_lock_pins_every_requirement_within_its_range() -> None:
    pins = lock_pins((REPO / "requirements" / "lock.txt").read_text())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    for req in direct_requirements(pyproject, README_EXTRAS):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} (pyproject.toml) is missing from requirements/lock.txt: refresh the lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements/lock.txt pins {name}=={pins[name]}, outside pyproject.toml's {req}: refresh the lock"
        )


def test_the_lock_names_nothing_of_the_machine_it_was_made_on() -> None:
    text = (REPO / "requirements" / "lock.txt").read_text()
    assert "file://" not in text and " @ " not in text and "+cpu" not in text
    assert not re.search(r"(^|[\s(])/[\w.-]+/", text, re.M), "an absolute path of the machine the lock was made on"


def test_ci_runs_the_readme_test_command_verbatim_with_the_locked_torch() -> None:
    command = readme_command("Install and run the tests")
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert command in ci, ".ci/run must run the README's test command exactly as written"
    assert "venv --clear" in command and "-c requirements/lock.txt" in command
    torch = lock_pins((REPO / "requirements" / "lock.txt").read_text())["torch"]
    for which in ("Install and run the tests", "Install and run the main job"):
        assert f"torch=={torch} " in readme_command(which), f"the README's {which!r} command pins another torch"


def test_the_lock_checks_catch_a_disagreement() -> None:
    pyproject = {"project": {"dependencies": ["numpy>=9"], "optional-dependencies": {"all": [], "test": []}}}
    (req,) = direct_requirements(pyproject, README_EXTRAS)
    assert not req.specifier.contains(lock_pins("numpy==2.4.6\n")["numpy"])
