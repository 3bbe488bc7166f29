"""One entry point for any report file: detect its kind, parse it, or fail with one IngestError."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from claimcheck.ingest.arxiv_page import is_abstract_page, parse_arxiv_page, read_arxiv_page
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.ids import report_id
from claimcheck.ingest.normalise import normalise
from claimcheck.ingest.parsed import ParsedReport
from claimcheck.ingest.synthesis import has_claims_section, parse_synthesis
from claimcheck.ingest.text import decode_report, read_report


def parse_text(text: str, file: str, name: str | None = None) -> ParsedReport:
    """`file` names the input in errors; `name` (default: the file's base name) is recorded in the Report.

    The parsers read the normalised text (one spelling for dashes, quotes and spaces); mentions keep the
    report's own characters. The report's id is its content as read: two files differing in typography are
    two reports, whose rows then merge into the same claims."""
    name = name or Path(file).name
    rid = report_id(text)
    norm = normalise(text)
    try:
        if has_claims_section(norm):
            return parse_synthesis(norm, file, name, rid, raw=text)
        page = read_arxiv_page(norm, file)
        if page is not None and is_abstract_page(page, norm):
            return parse_arxiv_page(page, norm, file, name, rid, raw=text)
    except ValidationError as exc:  # a field the parsers read is out of range for the model
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise IngestError(file, f"invalid {where}: {first['msg']}") from None
    raise IngestError(
        file,
        "unknown layout: neither a synthesis report (no 'Extracted Claims' table) nor an arXiv abstract page",
        foreign=True,
    )


def parse_bytes(data: bytes, file: str) -> ParsedReport:
    return parse_text(decode_report(data, file), file)


def parse_file(path: str | Path) -> ParsedReport:
    return parse_text(read_report(path), str(path))


def parse_files(paths: Iterable[str | Path]) -> list[ParsedReport]:
    """Parse every file first: one bad file fails the batch before anything is written."""
    return [parse_file(p) for p in paths]
