"""Hostile-input fuzzing: damaged reports, claims.yaml files, run records and PDFs through claimcheck's commands.

    python benchmarks/fuzz.py [--n 10000] [--workers 2] [--case-timeout 30] [--seed 0] [--seeds ../shared/seeds]
                              [--only report,registry,record,pdf] [--out fuzz.json] [--case INDEX ...]

Each case writes one damaged input into a sandbox and runs the commands a user would on it (`ingest`, `list`,
`list --json`, `show`, `verify --plan`, `report --json`, `results import`, `results list`, `sources add`, and the
evidence step's PDF reading), in the same process through the CLI (typer's test runner), in a worker process that
the parent kills when a case passes its deadline. Every case is checked for:

- tracebacks: any exception other than the CLI's own one-line error exit, with its innermost claimcheck frame;
- hangs: the case ran past `--case-timeout` seconds (the worker is killed and replaced);
- writes outside $CLAIMCHECK_HOME and the registry: the sandbox's other folders (inputs, a decoy folder that
  `../` ids aim at, the working directory) are compared before and after;
- registry changes after a failed command (a failed ingest must leave claims.yaml byte for byte);
- forged verdicts: a damaged or forged run record must never give a claim verdict (only genuine smoke records
  exist in the sandbox, and smoke never gives one);
- peak memory: the worker's peak resident memory during the case (VmHWM, reset per case); a worker above
  `--max-rss-mb` is killed and the case counted as a memory failure.

Results are printed per family and damage category, so known problems of one area (the ingest regexes, PDF
table detection) stand apart from the rest, and the innermost claimcheck module of each traceback is named.
Targets (issue 19): 0 tracebacks, 0 writes outside, 0 hangs past 30 s, peak < 1 GiB. Exit status 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
FAMILIES = ("report", "registry", "record", "pdf")
SHARE = {"report": 0.35, "registry": 0.35, "record": 0.2, "pdf": 0.1}  # of --n
VERDICTS = {"verified", "refuted", "direction-reproduced", "direction-not-reproduced"}
GIB = 1024**3

# --------------------------------------------------------------------------------------------------- hostile values

HOSTILE_STRINGS = [
    "[/]", "[bold]", "[/bold]x[red", "../../outside/escaped", "../../../outside/escaped", "/abs/escaped", "x" * 300,
    "", " ", "a/b", "a\\b", "\x00", "\n", "nan", "inf", "1e309", "9" * 400, "✓" * 50, "\u202eevil", "\ud800",
    "<script>alert(1)</script>", "os.system", "__import__('os').system('touch outside/pwned')", "C:\\x", ".", "..",
]  # fmt: skip
HOSTILE_NUMBERS = [1e308, -1, 0, 10**10, 10**100, 100_000_000, float("nan"), float("inf"), -0.0, 2**63, 0.5]
HOSTILE_STRUCTURES: list[Any] = [{}, [], {"a": 1}, None, True, [[[[]]]], {"[/]": "[/]"}]
HOSTILE_LINES = [
    "[/]", "\x00\x01\x02", "1e309", "0." + "9" * 500, "Claim" + "\t" * 40, "x" * 100_000, "✓\t×\t✓", "<html><body>",
    "## 5 Extracted Claims", "Claim\tVerified\tConfidence", "- <http://arxiv.org/abs/../../../etc/passwd>",
    "COCO-DR Base achieves an nDCG@10 score of 1e400 on the TREC-COVID dataset.\t✓\t0.5",
    "A achieves an nDCG@10 score of 0.5 on X.\t✓\tnan", "A achieves an nDCG@10 score of 0.5 on X.\t✓\t1e999",
]  # fmt: skip
# Known blow-ups the ingest engineer fixes (issue 19): whitespace runs after a claims heading or a table header.
REGEX_LINES = ["Claim" + " " * 3000 + "x", "claims" + " " * 20_000 + "x", "## " + " " * 5000 + "x", "Claim" + " " * 999]
YAML_ATTACKS = {
    "alias-bomb": "{l0: &l0 [x,x,x,x,x,x,x,x,x,x], l1: &l1 [*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0], "
    "l2: &l2 [*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1], l3: &l3 [*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2,*l2], "
    "l4: &l4 [*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3,*l3], l5: &l5 [*l4,*l4,*l4,*l4,*l4,*l4,*l4,*l4,*l4,*l4], "
    "l6: &l6 [*l5,*l5,*l5,*l5,*l5,*l5,*l5,*l5,*l5,*l5], l7: [*l6,*l6,*l6,*l6,*l6,*l6,*l6,*l6,*l6,*l6]}",
    "recursive-alias": "&r [x, *r]",
    "deep-nesting": "[" * 5000 + "]" * 5000,
    "python-tag": "!!python/object/apply:os.system ['touch outside/pwned']",
    "python-name": "!!python/name:os.system",
    "binary": "!!binary AAAA",
    "timestamp": "2020-01-01T00:00:00Z",
    "huge-int": "1" * 5000,
}


@dataclass
class Case:
    index: int
    family: str
    category: str
    seed: int


@dataclass
class Outcome:
    index: int
    family: str
    category: str
    description: str = ""
    tracebacks: list[str] = field(default_factory=list)
    traceback_area: str = ""
    writes_outside: list[str] = field(default_factory=list)
    registry_changed_on_failure: bool = False
    forged_verdicts: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float = 0.0
    hang: bool = False
    memory: bool = False
    exit_codes: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------- damage


def damage_bytes(data: bytes, rng: random.Random, steps: int | None = None) -> tuple[bytes, str]:
    """Random byte-level damage (as a careless copy, a bad disk or a hostile edit would leave it)."""
    done = []
    for _ in range(steps or rng.randint(1, 4)):
        kind = rng.choice(["truncate", "flip", "delete-lines", "crlf", "tabs", "cut-middle", "duplicate", "insert"])
        at = rng.randrange(max(len(data), 1))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        elif kind == "delete-lines":
            lines = data.split(b"\n")
            start = rng.randrange(max(len(lines), 1))
            data = b"\n".join(lines[:start] + lines[start + rng.randint(1, 8) :])
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "tabs":
            data = data[:at] + b"\t" * rng.randint(1, 8) + data[at:]
        elif kind == "cut-middle":
            data = data[:at] + data[at + rng.randint(1, 400) :]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + rng.randint(1, 400)] * 2 + data[at:]
        else:
            data = data[:at] + rng.choice(HOSTILE_STRINGS).encode("utf-8", "surrogatepass") + data[at:]
        done.append(kind)
    return data, "+".join(done)


def insert_line(text: str, line: str, rng: random.Random) -> str:
    lines = text.split("\n")
    lines.insert(rng.randrange(len(lines) + 1), line)
    return "\n".join(lines)


def random_path(data: Any, rng: random.Random) -> list[Any]:
    """A random path from the root to some node of a JSON/YAML-like value."""
    path: list[Any] = []
    node = data
    while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append(key)
        node = node[key]
    return path


def set_path(data: Any, path: list[Any], value: Any) -> Any:
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def hostile_value(rng: random.Random) -> Any:
    pool = rng.choice([HOSTILE_STRINGS, HOSTILE_NUMBERS, HOSTILE_STRUCTURES])
    return rng.choice(pool)


# --------------------------------------------------------------------------------------------------- setup


def small_registry(reg: Any) -> Any:
    """The bundled registry cut to one claim per linked experiment, two unlinked claims and the reports they cite:
    every kind of field is there to damage, and each command on it takes milliseconds rather than a second."""
    keep, seen = [], set()
    for claim in reg.claims:
        kind = claim.replication.experiment if claim.replication else f"unlinked-{len(seen) % 2}"
        if kind not in seen:
            seen.add(kind)
            keep.append(claim)
    cited = {m.report for c in keep for m in c.mentions}
    return reg.model_copy(update={"claims": keep, "reports": [r for r in reg.reports if r.id in cited]})


def blowup_pdfs() -> dict[str, bytes]:
    """The PDFs of issue 19 that keep table detection busy: many tiny text spans, a dense ruled grid. Written as
    raw content streams (PyMuPDF's drawing calls would take minutes for 240,000 spans)."""
    import pymupdf

    def one(body: str) -> bytes:
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((10, 10), ".", fontsize=1)  # registers the font the stream below uses
        doc.update_stream(page.get_contents()[0], f"q\n{body}Q\n".encode())
        return doc.tobytes(deflate=True)

    def spans(n: int) -> str:
        return "".join(f"BT 1 0 0 1 {i % 590} {(i // 590) % 830} Tm /helv 1 Tf [<2e>]TJ ET\n" for i in range(n))

    def grid(step: float) -> str:
        lines = [f"0 {y:.2f} m 595 {y:.2f} l" for y in _steps(842, step)]
        lines += [f"{x:.2f} 0 m {x:.2f} 842 l" for x in _steps(595, step)]
        return "0.1 w\n" + "\n".join(lines) + "\nS\n"

    return {"tiny-spans-20k": one(spans(20_000)), "tiny-spans-240k": one(spans(240_000)),
            "ruled-grid-4pt": one(grid(4.0)), "ruled-grid-1pt": one(grid(1.0))}  # fmt: skip


def _steps(length: float, step: float) -> list[float]:
    return [i * step for i in range(int(length / step) + 1)]


@dataclass
class Materials:
    """What every case starts from, made once by the parent."""

    reports: list[bytes]
    registry: bytes
    record: bytes
    record_claim: str
    record_registry: bytes
    record_signer: str
    pdf: bytes
    blowups: dict[str, bytes]


def build_materials(root: Path, seeds: Path) -> Materials:
    from claimcheck.models import ClaimRegistry
    from claimcheck.registry import dump_registry, load_registry
    from claimcheck.results import RecordStore
    from claimcheck.signing import local_key_id
    from claimcheck.sources.synthetic import example_pages, write_pdf
    from claimcheck.verify import verify

    reports = [p.read_bytes() for p in sorted(seeds.iterdir()) if p.is_file()] if seeds.is_dir() else []
    if not reports:
        sys.exit(f"no seed reports in {seeds} (pass --seeds DIR)")
    reg = load_registry(REPO / "claims.yaml")
    registry = dump_registry(small_registry(reg)).encode()
    home = root / "setup-home"
    os.environ["CLAIMCHECK_HOME"] = str(home)
    # a genuine signed record: the cheapest bundled experiment at smoke scale (seconds), for the claim it serves
    claim = next(c for c in reg.claims if c.replication and c.replication.experiment == "beir.cocodr_eval")
    out = verify(reg, [claim.id], scale="smoke")
    run = out.runs[0].record
    if run is None or run.status != "ok":
        sys.exit(f"the setup smoke run failed: {run.error if run else 'no record'}")
    record = RecordStore().get(run.key)
    assert record is not None
    pdf = write_pdf(root / "base.pdf", example_pages()).read_bytes()
    return Materials(
        reports=reports,
        registry=registry,
        record=record.model_dump_json(indent=2).encode(),
        record_claim=claim.id,
        record_registry=dump_registry(ClaimRegistry(claims=[claim])).encode(),
        record_signer=local_key_id(),
        pdf=pdf,
        blowups=blowup_pdfs(),
    )


# --------------------------------------------------------------------------------------------------- worker


class Sandbox:
    """One worker's folders: home ($CLAIMCHECK_HOME), reg (the registry), in (inputs), outside (a decoy that
    `../` ids aim at) and cwd (the working directory). Everything but home and the registry must stay as it was."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home, self.reg_dir, self.inputs = root / "home", root / "reg", root / "in"
        self.outside, self.cwd = root / "outside", root / "cwd"
        self.registry = self.reg_dir / "claims.yaml"
        self.baseline: dict[str, tuple[int, int]] | None = None

    def reset(self) -> None:
        self.baseline = None
        for folder in (self.home, self.inputs, self.reg_dir):
            shutil.rmtree(folder, ignore_errors=True)
        for folder in (self.home, self.inputs, self.reg_dir, self.outside, self.cwd):
            folder.mkdir(parents=True, exist_ok=True)
        (self.outside / "decoy.txt").write_text("must stay")

    def snapshot(self) -> dict[str, tuple[int, int]]:
        seen: dict[str, tuple[int, int]] = {}
        for folder, dirs, names in os.walk(self.root):
            here = Path(folder)
            if here == self.home or self.home in here.parents:
                dirs[:] = []
                continue
            for name in [*names, *dirs]:
                path = here / name
                if path in (self.home, self.reg_dir):
                    continue  # folders whose contents change: what is in them is checked (or allowed) apart
                if here == self.reg_dir and (name == "claims.yaml" or name.startswith(".claims.yaml.")):
                    continue  # the registry, its lock and an atomic write's temp file
                with contextlib.suppress(OSError):
                    info = path.lstat()
                    seen[str(path.relative_to(self.root))] = (info.st_size, info.st_mtime_ns)
        return seen


def _innermost_claimcheck(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/claimcheck/" in f.filename]
    if not frames:
        return "outside claimcheck"
    where = frames[-1]
    return f"{where.filename.split('/claimcheck/', 1)[1]}:{where.lineno}"


@functools.cache
def _cli() -> tuple[Any, Any]:
    """typer's test runner and the `claimcheck` app. typer rebuilds the click command from the app on every invoke
    (a third of a small case's time); the rebuild is cached when this typer version names it `_get_command`."""
    import typer.testing

    from claimcheck.cli import app

    if hasattr(typer.testing, "_get_command"):
        typer.testing._get_command = functools.cache(typer.testing._get_command)
    return typer.testing.CliRunner(), app


class Runner:
    """Runs CLI commands in this process and collects what a case must be checked for."""

    def __init__(self, box: Sandbox, outcome: Outcome) -> None:
        self.box, self.outcome = box, outcome

    def __call__(self, *args: object) -> tuple[int, str]:
        if self.box.baseline is None:  # the inputs are written: from here on only home and the registry may change
            self.box.baseline = self.box.snapshot()
        runner, command = _cli()
        result = runner.invoke(command, [str(a) for a in args], env={"COLUMNS": "160"})
        self.outcome.exit_codes.append(result.exit_code)
        exc = result.exception
        if exc is not None and not isinstance(exc, SystemExit):
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            self.outcome.tracebacks.append(f"{' '.join(map(str, args[:2]))}: " + "".join(lines[-3:]).strip())
            self.outcome.traceback_area = self.outcome.traceback_area or _innermost_claimcheck(exc)
        elif "Traceback (most recent call last)" in result.output:
            self.outcome.tracebacks.append(f"{' '.join(map(str, args[:2]))}: printed a traceback")
        return result.exit_code, result.output


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def run_report(m: Materials, box: Sandbox, rng: random.Random, category: str, run: Runner) -> str:
    text = rng.choice(m.reports).decode("utf-8")
    if category == "bytes":
        data, how = damage_bytes(text.encode(), rng)
    elif category == "regex":
        line = rng.choice(REGEX_LINES)
        data, how = insert_line(text, line, rng).encode(), f"inserted {line[:12]!r}+{len(line)} chars"
    else:
        line = rng.choice(HOSTILE_LINES)
        data, how = insert_line(text, line, rng).encode("utf-8", "surrogatepass"), f"inserted {line[:30]!r}"
    report = box.inputs / rng.choice(["report.txt", "[bold]report.md", "report[red].txt", "r e p o r t.txt"])
    report.write_bytes(data)
    if rng.random() < 0.5:  # else a new registry
        box.registry.write_bytes(m.registry)
    before = _digest(box.registry)
    code, _ = run("ingest", report, "--registry", box.registry)
    if code != 0 and _digest(box.registry) != before:
        run.outcome.registry_changed_on_failure = True
    if code == 0:
        run("list", "--registry", box.registry)
        ids = [c["id"] for c in (yaml.safe_load(box.registry.read_text()) or {}).get("claims", [])]
        if ids:
            run("show", rng.choice(ids), "--registry", box.registry)
    return how


def run_registry(m: Materials, box: Sandbox, rng: random.Random, category: str, run: Runner) -> str:
    base = m.registry.decode("utf-8")
    if category == "bytes":
        data, how = damage_bytes(base.encode(), rng)
    elif category == "yaml-attack":
        name = rng.choice(sorted(YAML_ATTACKS))
        lines = base.split("\n")
        spots = [i for i, line in enumerate(lines) if line.startswith(("  notes:", "    params:", "  id:", "- id:"))]
        at = rng.choice(spots) if spots else 0
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        key = lines[at].strip().split(":")[0].lstrip("- ")
        lines[at] = f"{indent}{'- ' if lines[at].lstrip().startswith('- ') else ''}{key}: {YAML_ATTACKS[name]}"
        data, how = "\n".join(lines).encode(), f"{name} at line {at + 1}"
    else:
        doc = yaml.safe_load(base)
        path = random_path(doc, rng)
        value = hostile_value(rng)
        data = yaml.safe_dump(set_path(doc, path, value), allow_unicode=True, sort_keys=False).encode(
            "utf-8", "surrogatepass"
        )
        how = f"{'.'.join(map(str, path))[:80]} = {value!r:.40}"
    box.registry.write_bytes(data)
    seed = box.inputs / "seed.txt"
    seed.write_bytes(rng.choice(m.reports))
    before = _digest(box.registry)
    run("list", "--registry", box.registry)
    # one more command each time (the costly ones would make 10,000 cases take hours): every one is drawn often
    show_id = rng.choice(["coco-dr-base-ndcg10-trec-covid", "nope", "[/]", "../../outside/x"])
    more = rng.choice([("list", "--json"), ("show", show_id), ("verify", "--plan"), ("check-reports",),
                       ("report", "--json", box.home / "out.json"), ("ingest", seed)])  # fmt: skip
    code, _ = run(*more, "--registry", box.registry)
    reading = more[0] != "ingest"
    if _digest(box.registry) != before and (reading or code != 0):
        run.outcome.registry_changed_on_failure = True  # reading commands never write it, a failed ingest neither
    return how + f"; {more[0]}"


def _record_file(m: Materials, box: Sandbox, rng: random.Random, category: str) -> str:
    from claimcheck.results import run_key

    folder = box.inputs / "records"
    folder.mkdir()
    target = folder / f"{rng.choice(['a' * 64, '../x', '[/]'])}.json".replace("/", "_")
    if category == "bytes":
        data, how = damage_bytes(m.record, rng)
        target.write_bytes(data)
        return how
    if category == "file-kind":
        kind = rng.choice(["fifo", "dev-zero", "outside-link", "directory", "sparse-200MB", "empty", "deep-json",
                           "nan-literals", "big-per-query"])  # fmt: skip
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "dev-zero":
            target.symlink_to("/dev/zero")
        elif kind == "outside-link":
            target.symlink_to(box.outside / "decoy.txt")
        elif kind == "directory":
            target.mkdir()
        elif kind == "sparse-200MB":
            with target.open("wb") as fh:
                fh.truncate(200 * 1024 * 1024)
        elif kind == "empty":
            target.write_bytes(b"")
        elif kind == "deep-json":
            target.write_text("[" * 100_000 + "]" * 100_000)
        elif kind == "nan-literals":
            target.write_bytes(m.record.replace(b'"value": 0.', b'"value": NaN, "x": 0.', 1))
        else:
            doc = json.loads(m.record)
            doc["output"]["measurements"][0]["per_query"] = {f"q{i}": 0.5 for i in range(200_000)}
            target.write_text(json.dumps(doc))
        return kind
    doc = json.loads(m.record)
    path = random_path(doc, rng)
    value = hostile_value(rng) if category == "field" else rng.choice(["full", "proxy", 0.789, {}, [0, 1, 2]])
    doc = set_path(doc, path, value)
    how = f"{'.'.join(map(str, path))[:80]} = {value!r:.40}"
    if category == "rekeyed" and isinstance(doc, dict):
        # what an attacker who knows the code hashes can do: make the key match the forged contents
        with contextlib.suppress(Exception):
            doc["key"] = run_key(doc["experiment"], doc["scale"], doc["config"], doc["seeds"], doc["code"])
            how += " (key recomputed)"
    target.write_text(json.dumps(doc, allow_nan=True))
    return how


def run_record(m: Materials, box: Sandbox, rng: random.Random, category: str, run: Runner) -> str:
    how = _record_file(m, box, rng, category)
    box.registry.write_bytes(m.record_registry)
    run("results", "import", box.inputs / "records", "--trust", m.record_signer)
    run("results", "list")
    out = box.home / "report.json"
    code, _ = run("report", "--registry", box.registry, "--json", out)
    if code == 0 and out.is_file():
        for entry in json.loads(out.read_text())["claims"]:
            if entry["result"]["verdict"] in VERDICTS:
                run.outcome.forged_verdicts.append(f"{entry['id']}: {entry['result']['verdict']}")
    run("verify", m.record_claim, "--scale", "full", "--cache", "always", "--registry", box.registry)
    return how


def run_pdf(m: Materials, box: Sandbox, rng: random.Random, category: str, run: Runner) -> str:
    from claimcheck.models import SourceRef
    from claimcheck.sources.evidence import SourceMissing, load_source

    if category == "blowup":
        how = rng.choice(sorted(m.blowups))
        data = m.blowups[how]
    else:
        data, how = damage_bytes(m.pdf, rng, steps=rng.randint(1, 6))
    pdf = box.inputs / "paper.pdf"
    pdf.write_bytes(data)
    code, _ = run("sources", "add", "2210.15212v2", pdf)
    if code == 0:
        try:
            load_source(SourceRef(arxiv_id="2210.15212", version=2))
        except SourceMissing:
            pass
        except Exception as exc:  # the evidence step would crash on it
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            run.outcome.tracebacks.append("load_source: " + "".join(lines[-3:]).strip())
            run.outcome.traceback_area = run.outcome.traceback_area or _innermost_claimcheck(exc)
    return how


RUNNERS = {"report": run_report, "registry": run_registry, "record": run_record, "pdf": run_pdf}
CATEGORIES = {
    # the regex cases each take seconds until the ingest fix lands: a few keep them in view without taking the run
    "report": ["bytes"] * 25 + ["hostile-line"] * 24 + ["regex"],
    "registry": ["bytes", "field", "field", "yaml-attack"],
    "record": ["bytes", "field", "rekeyed", "file-kind"],
    "pdf": ["bytes"] * 19 + ["blowup"],
}


def worker(conn: Any, root: str, m: Materials) -> None:
    from claimcheck.provenance import peak_memory_mb, reset_peak_memory

    box = Sandbox(Path(root))
    box.reset()
    os.environ["CLAIMCHECK_HOME"] = str(box.home)
    while True:
        case: Case | None = conn.recv()
        if case is None:
            return
        box.reset()
        os.chdir(box.cwd)
        outcome = Outcome(case.index, case.family, case.category)
        rng = random.Random(case.seed)
        reset_peak_memory()
        started = time.perf_counter()
        try:
            outcome.description = RUNNERS[case.family](m, box, rng, case.category, Runner(box, outcome))
        except Exception as exc:  # the harness's own step failed: reported as such, never hidden
            outcome.tracebacks.append(f"harness: {type(exc).__name__}: {exc}")
            outcome.traceback_area = "benchmarks/fuzz.py"
        outcome.seconds = time.perf_counter() - started
        outcome.peak_mb = peak_memory_mb()
        if box.baseline is not None:
            after, before = box.snapshot(), box.baseline
            outcome.writes_outside = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
        conn.send(outcome)


# --------------------------------------------------------------------------------------------------- parent


class Pool:
    """Workers fed one case at a time; a case past its deadline or memory cap kills its worker."""

    def __init__(self, n: int, root: Path, m: Materials, timeout: float, max_rss_mb: float) -> None:
        self.ctx = mp.get_context("fork")
        self.root, self.m, self.timeout, self.max_rss_mb = root, m, timeout, max_rss_mb
        self.slots: list[dict[str, Any]] = [self._start(i) for i in range(n)]

    def _start(self, i: int) -> dict[str, Any]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker, args=(child, str(self.root / f"w{i}"), self.m), daemon=True)
        proc.start()
        return {"i": i, "proc": proc, "conn": parent, "case": None, "since": 0.0}

    def _rss_mb(self, pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
        return 0.0

    def run(self, cases: list[Case], progress: Any) -> list[Outcome]:
        pending = list(reversed(cases))
        results: list[Outcome] = []
        while pending or any(s["case"] for s in self.slots):
            for s in self.slots:
                if s["case"] is None and pending:
                    s["case"], s["since"] = pending.pop(), time.monotonic()
                    s["conn"].send(s["case"])
            for k, s in enumerate(self.slots):
                case = s["case"]
                if case is None:
                    continue
                if s["conn"].poll(0.02):
                    try:
                        results.append(s["conn"].recv())
                    except (EOFError, ConnectionResetError):  # the worker died (a crash in C code)
                        results.append(Outcome(case.index, case.family, case.category, tracebacks=["worker died"]))
                        self.slots[k] = self._replace(s)
                        continue
                    s["case"] = None
                    progress(len(results))
                    continue
                over_time = time.monotonic() - s["since"] > self.timeout
                over_memory = self._rss_mb(s["proc"].pid) > self.max_rss_mb
                if over_time or over_memory:
                    results.append(Outcome(case.index, case.family, case.category, hang=over_time,
                                           memory=over_memory, seconds=time.monotonic() - s["since"]))  # fmt: skip
                    self.slots[k] = self._replace(s)
                    progress(len(results))
        return results

    def _replace(self, slot: dict[str, Any]) -> dict[str, Any]:
        slot["proc"].kill()
        slot["proc"].join()
        return self._start(slot["i"])

    def close(self) -> None:
        for s in self.slots:
            with contextlib.suppress(OSError, BrokenPipeError):
                s["conn"].send(None)
            s["proc"].join(timeout=5)
            if s["proc"].is_alive():
                s["proc"].kill()


def make_cases(n: int, seed: int, families: list[str]) -> list[Case]:
    rng = random.Random(seed)
    total = sum(SHARE[f] for f in families)
    cases: list[Case] = []
    for family in families:
        count = round(n * SHARE[family] / total)
        for _ in range(count):
            cases.append(Case(len(cases), family, rng.choice(CATEGORIES[family]), rng.randrange(2**32)))
    rng.shuffle(cases)  # families interleaved: a slow family does not sit on one worker
    return cases


def summarise(results: list[Outcome], seconds: float, timeout: float, limit: int, replay: str) -> dict[str, Any]:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    peak: dict[tuple[str, str], float] = defaultdict(float)
    slowest: dict[tuple[str, str], float] = defaultdict(float)
    for r in results:
        key = (r.family, r.category)
        c = rows[key]
        c["cases"] += 1
        c["tracebacks"] += bool(r.tracebacks)
        c["hangs"] += r.hang
        c["memory"] += r.memory
        c["writes outside"] += bool(r.writes_outside)
        c["registry changed on failure"] += r.registry_changed_on_failure
        c["forged verdicts"] += bool(r.forged_verdicts)
        c["failed commands"] += any(code != 0 for code in r.exit_codes)
        peak[key] = max(peak[key], r.peak_mb)
        slowest[key] = max(slowest[key], r.seconds)
    console = Console(width=200)
    cols = ["cases", "failed commands", "tracebacks", "hangs", "memory", "writes outside",
            "registry changed on failure", "forged verdicts"]  # fmt: skip
    table = Table(title=f"claimcheck fuzz: {len(results)} damaged inputs in {seconds:.0f} s")
    for col in ["family", "category", *cols, "slowest s", "peak MB"]:
        table.add_column(col, justify="left" if col in ("family", "category") else "right")
    for key in sorted(rows):
        c = rows[key]
        table.add_row(*key, *(str(c[col]) for col in cols), f"{slowest[key]:.1f}", f"{peak[key]:.0f}")
    console.print(table)
    failures = [r for r in results if r.tracebacks or r.hang or r.memory or r.writes_outside
                or r.registry_changed_on_failure or r.forged_verdicts]  # fmt: skip
    areas = Counter(r.traceback_area for r in results if r.tracebacks)
    if areas:
        console.print("tracebacks by innermost claimcheck frame: " + ", ".join(f"{a} ×{n}" for a, n in areas.items()))
    for r in failures[:limit]:
        what = r.tracebacks[:1] or r.writes_outside[:3] or r.forged_verdicts[:1] or [
            "hang" if r.hang else "memory" if r.memory else "registry changed on failure"]  # fmt: skip
        console.print(Text(f"case {r.index} [{r.family}/{r.category}] {r.description}: {what[0]} ({replay} {r.index})"))
    totals = {
        "cases": len(results),
        "tracebacks": sum(bool(r.tracebacks) for r in results),
        "hangs_past_timeout": sum(r.hang for r in results),
        "memory_kills": sum(r.memory for r in results),
        "writes_outside": sum(bool(r.writes_outside) for r in results),
        "registry_changed_on_failure": sum(r.registry_changed_on_failure for r in results),
        "forged_verdicts": sum(bool(r.forged_verdicts) for r in results),
        "peak_mb": max((r.peak_mb for r in results), default=0.0),
        "seconds": seconds,
        "case_timeout_s": timeout,
    }
    console.print(Text(
        f"totals: {totals['cases']} cases, {totals['tracebacks']} with tracebacks, {totals['hangs_past_timeout']} "
        f"hangs past {timeout:.0f} s, {totals['memory_kills']} memory kills, {totals['writes_outside']} writes outside "
        f"$CLAIMCHECK_HOME and the registry, {totals['registry_changed_on_failure']} registry changes after a failed "
        f"command, {totals['forged_verdicts']} forged verdicts, peak memory {totals['peak_mb']:.0f} MB "
        f"(target < {GIB / 2**20:.0f})"
    ))  # fmt: skip
    return {"totals": totals, "failures": [asdict(r) for r in failures]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="damaged inputs in all (default 10,000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--case-timeout", type=float, default=30.0, help="seconds before a case counts as a hang")
    parser.add_argument("--max-rss-mb", type=float, default=2048.0, help="a worker above this is killed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="seed reports (../shared/seeds)")
    parser.add_argument("--only", default=",".join(FAMILIES), help="families: report,registry,record,pdf")
    parser.add_argument("--show", type=int, default=25, help="failures printed in full")
    parser.add_argument("--case", type=int, action="append", default=[], help="replay only case INDEX (repeatable)")
    parser.add_argument("--out", type=Path, default=None, help="write totals and every failure as JSON")
    args = parser.parse_args(argv)
    families = [f for f in args.only.split(",") if f]
    if unknown := set(families) - set(FAMILIES):
        parser.error(f"unknown families: {', '.join(sorted(unknown))}")
    root = Path(tempfile.mkdtemp(prefix="claimcheck-fuzz-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill still stops the workers and removes the sandbox
    try:
        started = time.perf_counter()
        materials = build_materials(root, args.seeds)
        import claimcheck.cli  # noqa: F401  (imported once here: every forked worker starts warm)

        cases = make_cases(args.n, args.seed, families)
        if args.case:  # the same --n, --seed and --only reproduce a printed case by its index
            cases = [c for c in cases if c.index in set(args.case)]
        print(f"setup {time.perf_counter() - started:.1f} s; {len(cases)} cases on {args.workers} workers", flush=True)
        pool = Pool(args.workers, root, materials, args.case_timeout, args.max_rss_mb)
        t0 = time.perf_counter()
        step = max(len(cases) // 20, 1)

        def progress(done: int) -> None:
            if done % step == 0:
                print(f"  {done}/{len(cases)} ({time.perf_counter() - t0:.0f} s)", flush=True)

        try:
            results = pool.run(cases, progress)
        finally:
            pool.close()
        replay = f"replay: python benchmarks/fuzz.py --n {args.n} --seed {args.seed} --only {args.only} --case"
        summary = summarise(sorted(results, key=lambda r: r.index), time.perf_counter() - t0, args.case_timeout,
                            args.show, replay)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    t = summary["totals"]
    missed = t["tracebacks"] or t["hangs_past_timeout"] or t["memory_kills"] or t["writes_outside"]
    missed = missed or t["registry_changed_on_failure"] or t["forged_verdicts"] or t["peak_mb"] >= GIB / 2**20
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
