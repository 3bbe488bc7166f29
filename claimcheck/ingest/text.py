"""Reading a report file as text, refusing what is not a text report before any parser sees it."""

from __future__ import annotations

import re
from pathlib import Path

from claimcheck.ingest.errors import IngestError

# Files larger than this are not reports; refusing them early keeps a stray dataset out of memory.
MAX_BYTES = 5_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # not tab, LF, VT, FF, CR
_HTML = re.compile(rb"<\s*(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)


def decode_report(data: bytes, name: str | Path) -> str:
    """Bytes → text with LF line ends. Empty, binary, non-UTF-8 and HTML input raise IngestError."""
    if not data.strip():
        raise IngestError(name, "file is empty")
    if b"\x00" in data:
        raise IngestError(name, "file is binary (contains NUL bytes), not a text report")
    if _HTML.search(data[:4096]):
        raise IngestError(name, "file is HTML; save the page as plain text (e.g. copy the rendered text) first")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(name, f"file is not UTF-8 text (byte {exc.start})", line) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        raise IngestError(name, "file contains control characters; not a text report")
    return text


def read_report(path: str | Path) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IngestError(path, "not a regular file")
        if size > MAX_BYTES:
            raise IngestError(path, f"file is {size} bytes; reports are under {MAX_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, exc.strerror or str(exc)) from None
    return decode_report(data, str(path))
