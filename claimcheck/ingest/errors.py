"""The one error type ingestion raises: a bad input file, named with its line when one is to blame."""

from __future__ import annotations

from pathlib import Path


class IngestError(ValueError):
    """A report file cannot be ingested. `str()` is one line: `file:line: problem`.

    `foreign`: the file is not a report at all (empty, binary, HTML, an unknown layout, not a regular file), as
    opposed to a report with a fault. A folder's foreign files are skipped; a damaged report fails the batch."""

    def __init__(self, file: str | Path, problem: str, line: int | None = None, *, foreign: bool = False) -> None:
        self.file = str(file)
        self.problem = " ".join(problem.split())  # one line, whatever the problem text held
        self.line = line
        self.foreign = foreign
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {self.problem}")
