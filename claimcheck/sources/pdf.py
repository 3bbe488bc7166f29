"""PDF → text by page and sentence, and results tables as cells with their row and column headers.

Work is bounded three ways, so a hostile or pathological file costs seconds, never minutes:
- per page, before any table detection: a page with more characters or drawing items than a paper's page
  (`layout.MAX_CHARS`, `layout.MAX_DRAWING_ITEMS`) is skipped or read without tables, with a note;
- per document: pages (`max_pages`) and a time budget checked between pages (`time_budget_s`);
- per document, enforced from outside (`load_pdf`): the reading runs in a child process under an address-space
  limit (`MEMORY_LIMIT_MB`) and is killed at its deadline (`DEADLINE_S`); the source then has no text and the
  note says why, so every claim on it is `not-found` with that reason.

A malformed, encrypted or empty PDF raises PdfError with the reason. The parse is cached beside the PDF, keyed
by the file's sha256 and the parser version.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from claimcheck.home import read_model, sha256_file, write_model
from claimcheck.sources.layout import PageLayout, PageTooComplex, page_layout
from claimcheck.sources.tables import Cell, TableData, parse_number, read_tables
from claimcheck.sources.text import join_lines, split_sentences

__all__ = ["Cell", "PdfError", "PdfText", "TableData", "check_pdf", "load_pdf", "parse_number", "read_pdf"]

PARSER_VERSION = 3
MAX_PAGES = 60
TIME_BUDGET_S = 20.0
DEADLINE_S = 30.0
MEMORY_LIMIT_MB = 1024


class PdfError(Exception):
    """The file cannot be read as a PDF (malformed, encrypted, empty); the message says which and why."""


class Sentence(BaseModel):
    page: int = Field(description="1-based page")
    text: str


class PdfText(BaseModel):
    parser_version: int = PARSER_VERSION
    sha256: str = ""
    pages_total: int
    pages_read: int
    page_texts: list[str] = Field(default_factory=list, description="normalised text of each page read")
    sentences: list[Sentence] = Field(default_factory=list)
    tables: list[TableData] = Field(default_factory=list)
    truncated: bool = False
    notes: list[str] = Field(default_factory=list)

    def cells(self) -> list[Cell]:
        return [cell for table in self.tables for cell in table.cells]


def _open(data: bytes | None, path: str) -> Any:
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf") if data is not None else pymupdf.open(path, filetype="pdf")
        doc.page_count  # noqa: B018  (a damaged page tree fails here, not at open)
    except Exception as exc:  # PyMuPDF raises several types for broken files; all mean "not a readable PDF"
        raise PdfError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    if doc.needs_pass or doc.is_encrypted:
        doc.close()
        raise PdfError(f"{path}: the PDF is encrypted (password protected); save an unencrypted copy")
    if doc.page_count == 0:
        doc.close()
        raise PdfError(f"{path}: the PDF has no pages")
    return doc


def check_pdf(data: bytes, name: str) -> None:
    """Raise PdfError unless `data` opens as a PDF with at least one page."""
    if not data.startswith(b"%PDF"):
        raise PdfError(f"{name}: not a PDF (no %PDF header)")
    _open(data, name).close()


# --------------------------------------------------------------------------------------------- reading


def read_pdf(path: str | Path, max_pages: int = MAX_PAGES, time_budget_s: float = TIME_BUDGET_S) -> PdfText:
    """Text by page and sentence plus tables, in this process. Stops after `max_pages` pages or
    `time_budget_s` seconds; `load_pdf` adds the hard deadline and memory limit."""
    path = Path(path)
    doc = _open(None, str(path))
    started = time.monotonic()
    out = PdfText(pages_total=doc.page_count, pages_read=0)
    try:
        for number in range(min(doc.page_count, max_pages)):
            if time.monotonic() - started > time_budget_s:
                out.truncated = True
                out.notes.append(f"stopped after {time_budget_s:.0f} s at page {number + 1} of {doc.page_count}")
                break
            try:
                _read_page(page_layout(doc[number], number + 1), out)
            except PageTooComplex as exc:
                out.notes.append(f"page {number + 1} not read: {exc}")
                out.page_texts.append("")
            except Exception as exc:  # one bad page is noted; the rest of the document is still read
                out.notes.append(f"page {number + 1} unreadable: {type(exc).__name__}: {exc}")
                out.page_texts.append("")
            out.pages_read = number + 1
        if doc.page_count > max_pages:
            out.truncated = True
            out.notes.append(f"read the first {max_pages} of {doc.page_count} pages")
    finally:
        doc.close()
    return out


def _read_page(layout: PageLayout, out: PdfText) -> None:
    if layout.no_tables:
        out.notes.append(f"page {layout.number}: tables not read ({layout.no_tables})")
    tables, in_tables = read_tables(layout, len(out.tables))
    out.tables.extend(tables)
    # Paragraphs are PyMuPDF's blocks, less the words of the tables (captions stay: they are sentences).
    blocks: dict[int, dict[int, list[str]]] = {}
    for i, w in enumerate(layout.words):
        if i not in in_tables:
            blocks.setdefault(w.block, {}).setdefault(w.line, []).append(w.text)
    paragraphs = [join_lines([" ".join(ws) for ws in lines.values()]) for lines in blocks.values()]
    out.page_texts.append(" ".join(p for p in paragraphs if p))
    for paragraph in paragraphs:
        out.sentences.extend(Sentence(page=layout.number, text=s) for s in split_sentences(paragraph) if len(s) > 2)


# --------------------------------------------------------------------------------------------- bounded


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation past it fails inside the reader instead of the machine."""
    try:
        import resource
    except ImportError:  # not POSIX: the deadline still bounds the work
        return
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def read_pdf_bounded(path: str | Path, deadline_s: float = DEADLINE_S, memory_mb: int = MEMORY_LIMIT_MB) -> PdfText:
    """read_pdf in a child process under a memory limit, killed at the deadline. PdfError for a file that is not
    a readable PDF; a PdfText with no pages read and the reason in its notes when the child ran out of time or
    memory."""
    path = Path(path)
    budget = max(1.0, deadline_s - 5.0)  # the child stops itself between pages before the kill comes
    command = [sys.executable, "-m", "claimcheck.sources.pdf", str(path), str(budget), str(memory_mb)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=deadline_s, check=False)
    except subprocess.TimeoutExpired:
        return _gave_up(f"reading {path.name} passed the {deadline_s:.0f} s deadline and was stopped")
    if done.returncode == 2:
        raise PdfError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1])
    if done.returncode != 0:
        why = "ran out of memory" if b"MemoryError" in done.stderr else f"failed (exit {done.returncode})"
        return _gave_up(f"reading {path.name} {why} under the {memory_mb} MB limit")
    return PdfText.model_validate_json(done.stdout)


def _gave_up(note: str) -> PdfText:
    return PdfText(pages_total=0, pages_read=0, truncated=True, notes=[note])


def load_pdf(path: str | Path, **limits: Any) -> PdfText:
    """read_pdf_bounded with a cache beside the PDF (`<name>.parsed.json`), reused while sha256 and parser
    match. A reading that was stopped is not cached: a less loaded machine may finish it."""
    path = Path(path)
    digest = sha256_file(path)
    cache = path.with_suffix(".parsed.json")
    if cache.is_file():
        try:
            cached = read_model(cache, PdfText)
            if cached.sha256 == digest and cached.parser_version == PARSER_VERSION:
                return cached
        except ValueError:
            pass  # a stale or damaged cache is simply re-parsed
    parsed = read_pdf_bounded(path, **limits)
    parsed.sha256 = digest
    if parsed.pages_read:
        with contextlib.suppress(OSError):  # a read-only directory only loses the cache
            write_model(cache, parsed)
    return parsed


def _child(argv: list[str]) -> int:
    """`python -m claimcheck.sources.pdf PATH BUDGET_S MEMORY_MB`: the parse as JSON on stdout; exit 2 with the
    reason on stderr for a file that is not a readable PDF."""
    path, budget, memory = argv[0], float(argv[1]), int(argv[2])
    _limit_memory(memory)
    try:
        parsed = read_pdf(path, time_budget_s=budget)
    except PdfError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(parsed.model_dump(mode="json")))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
