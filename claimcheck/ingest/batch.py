"""A batch of paths → what became of each file: parsed, failed (a report with a fault) or skipped (not a report).

Folders are walked recursively (hidden files and folders left out, symbolic links to folders not followed), in
name order. A file named on its own must parse; a file found in a folder is skipped, with the reason, when it is
not a report at all (a `SOURCES.tsv`, a PDF, an empty file; see `IngestError.foreign`), and fails the batch only
when it is a report with a fault. The caller decides what a failure does: nothing is written unless it asks to
skip bad files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_file
from claimcheck.ingest.parsed import ParsedReport


@dataclass
class Batch:
    parsed: list[ParsedReport] = field(default_factory=list)
    failed: list[IngestError] = field(default_factory=list)
    skipped: list[IngestError] = field(default_factory=list)  # files in folders that are not reports

    @property
    def files(self) -> int:
        return len(self.parsed) + len(self.failed) + len(self.skipped)


def _walk(folder: Path, failed: list[IngestError]) -> list[Path]:
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        failed.append(IngestError(exc.filename or folder, f"cannot read the folder: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in sorted(files) if not f.startswith(".")]
    return found


def files_of(paths: Iterable[Path], failed: list[IngestError]) -> list[tuple[Path, bool]]:
    """Each file to read, once, with whether it was named on its own (True) or found in a folder."""
    out: dict[Path, tuple[Path, bool]] = {}
    for path in paths:
        found = [(f, False) for f in _walk(path, failed)] if path.is_dir() else [(path, True)]
        for file, named in found:
            seen = out.get(file.resolve())
            out[file.resolve()] = (file, named or (seen is not None and seen[1]))
    return list(out.values())


def parse_batch(paths: Iterable[Path]) -> Batch:
    """Parse every file of the batch, collecting each failure instead of stopping at the first."""
    batch = Batch()
    for file, named in files_of(paths, batch.failed):
        try:
            batch.parsed.append(parse_file(file))
        except IngestError as exc:
            (batch.skipped if exc.foreign and not named else batch.failed).append(exc)
    return batch
