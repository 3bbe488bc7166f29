"""`claimcheck new-replication NAME`: a new replication package, written from `templates/replication/`.

The package declares one experiment with smoke, proxy and full scales through the entry-point group
`claimcheck.replications`, has a `python -m` entry, a README with the protocol / deviations / compute sections a
replication must fill in, and a smoke test. As written it is a working example (BM25 against term overlap), so
`pip install` and `pytest` pass before the first line of the paper's method is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from claimcheck.home import atomic_write_text

TEMPLATES = Path(__file__).resolve().parent / "templates" / "replication"
# output path (with {package}) → template file
FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "{package}/__init__.py": "init.py.tmpl",
    "{package}/__main__.py": "main.py.tmpl",
    "{package}/experiment.py": "experiment.py.tmpl",
    "tests/test_smoke.py": "test_smoke.py.tmpl",
}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FUNCTION = "replication"


class ScaffoldError(ValueError):
    """The name or the target folder cannot be used; nothing was written."""


def write_package(name: str, target: Path, *, paper: str = "", title: str = "") -> list[Path]:
    """Write the package `name` into `target` (a new or empty folder); the files written, in order."""
    if not NAME.match(name):
        raise ScaffoldError(f"{name!r} is not a usable package name: lower-case letters, digits and _, first a letter")
    if any(c in paper + title for c in '"\\\n'):
        raise ScaffoldError("paper and title may not hold quotes, backslashes or line breaks (both go into code)")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} exists and is not an empty folder: nothing written")
    values = {
        "package": name,
        "function": FUNCTION,
        "experiment": f"{name}.{FUNCTION}",
        "distribution": "claimcheck-" + name.replace("_", "-"),
        "paper": paper or "unpublished",
        "paper_title": title or name,
    }
    written = []
    for out, template in FILES.items():
        text = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)
        path = target / out.format(package=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        written.append(path)
    return written
