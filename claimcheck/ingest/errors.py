"""The one error type ingestion raises: a bad input file, named with its line when one is to blame."""

from __future__ import annotations

from pathlib import Path


class IngestError(ValueError):
    """A report file cannot be ingested. `str()` is one line: `file:line: problem`."""

    def __init__(self, file: str | Path, problem: str, line: int | None = None) -> None:
        self.file = str(file)
        self.problem = " ".join(problem.split())  # one line, whatever the problem text held
        self.line = line
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {self.problem}")
