"""What a run prints: everything a library or the experiment writes to stdout/stderr (warnings, log lines, its
own progress prints, tqdm bars) is kept in the run's log file, and its latest line is shown in claimcheck's own
progress; the terminal then shows claimcheck's progress and nothing interleaved. transformers' and
huggingface_hub's bars are switched off: set in the environment, which those libraries read when imported (one
imported during a run keeps its bars off for the rest of the process), and through their switches when already
imported (restored after).

Only Python-level writes are caught; a C library writing to file descriptor 2 itself still reaches the terminal,
and a log handler a library made before the run keeps the stream it was given.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from claimcheck.home import subdir

# Read when the libraries are imported (transformers' "Loading weights" bars, huggingface_hub's downloads)
QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def run_log(key: str) -> Path:
    """Where the output of the run with this key is kept (the latest run of it)."""
    return subdir("logs") / f"{key[:16]}.log"


class _LineRouter(io.TextIOBase):
    """A text stream that appends each finished line to the log and hands it, and each redrawn progress bar state
    (text before a carriage return), to `on_line`; the log keeps a bar's last state only. Once the run is over it
    passes writes through to the real stream: a library's log handler made during the run keeps this one."""

    def __init__(self, log: TextIO, on_line: Callable[[str], None], original: TextIO) -> None:
        super().__init__()
        self._log: TextIO | None = log
        self._on_line, self._original = on_line, original
        self._partial = ""
        self.lines = 0

    def detach_log(self) -> None:
        self._log = None

    @property
    def pending(self) -> bool:
        return bool(self._partial)

    def write(self, text: str) -> int:
        if self._log is None:
            return self._original.write(text)
        *done, self._partial = (self._partial + text).split("\n")
        for line in done:
            self._emit(line.rpartition("\r")[2], log=True)
        if "\r" in self._partial:  # a bar redrawn in place: show its state, keep only its last one
            *frames, self._partial = self._partial.split("\r")
            self._emit(frames[-1], log=False)
        return len(text)

    def _emit(self, line: str, log: bool) -> None:
        if log and self._log is not None:
            self._log.write(line + "\n")
        if line.strip():
            self.lines += 1
            self._on_line(line.strip())

    def flush(self) -> None:
        if self._log is None:
            self._original.flush()
            return
        self._log.flush()

    def isatty(self) -> bool:
        return False  # so libraries that draw for terminals draw nothing here

    def fileno(self) -> int:
        return self._original.fileno()  # for code that needs a real descriptor (faulthandler, subprocess)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    """QUIET_ENV for libraries imported from now on; the same switches for those already imported. A setting the
    user made in the environment is kept."""
    saved = {name: os.environ.get(name) for name in QUIET_ENV}
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    transformers = sys.modules.get("transformers")
    bars_were_on = None
    if transformers is not None:
        logging_utils = transformers.utils.logging
        bars_were_on, verbosity = logging_utils.is_progress_bar_enabled(), logging_utils.get_verbosity()
        logging_utils.disable_progress_bar()
        logging_utils.set_verbosity_error()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
        if bars_were_on is not None:
            logging_utils.set_verbosity(verbosity)
            if bars_were_on:
                logging_utils.enable_progress_bar()


@contextlib.contextmanager
def routed_output(log_path: Path, on_line: Callable[[str], None]) -> Iterator[_LineRouter]:
    """Within the block, stdout and stderr go to `log_path` (replaced) and `on_line`; library bars are off."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log, _quiet_libraries():
        router = _LineRouter(log, on_line, sys.stderr)
        try:
            with contextlib.redirect_stdout(router), contextlib.redirect_stderr(router):
                yield router
        finally:
            router.write("\n" if router.pending else "")  # a last line without its newline is kept too
            router.detach_log()
    if router.lines == 0:
        log_path.unlink(missing_ok=True)  # a quiet run leaves no empty log behind
