"""Reading a report file as text, refusing what is not a text report before any parser sees it."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from claimcheck.ingest.errors import IngestError

# Files larger than this are not reports; refusing them early keeps a stray dataset out of memory.
MAX_BYTES = 5_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # not tab, LF, VT, FF, CR
_HTML = re.compile(rb"<\s*(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a mark, UTF-16 text of Latin script has a NUL in (nearly) every other byte and none in the others.
_UTF16_NUL_SHARE = 0.9


def _encoding(data: bytes) -> tuple[str, bytes]:
    """The encoding a report was saved in (a byte-order mark, else UTF-16's NUL pattern, else UTF-8) and the
    bytes after any mark."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, data[len(bom) :]
    sample = data[:4096]
    if len(sample) >= 4 and b"\x00" in sample:
        odd, even = sample[1::2], sample[0::2]
        for nul_half, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
            if nul_half.count(0) >= _UTF16_NUL_SHARE * len(nul_half) and other.count(0) == 0:
                return encoding, data
    return "utf-8", data


def decode_report(data: bytes, name: str | Path) -> str:
    """Bytes → text with LF line ends: UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 (with a mark,
    or UTF-16 recognised by its NUL bytes). Empty, binary, undecodable and HTML input raise IngestError."""
    encoding, body = _encoding(data)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise IngestError(
                name, f"file is not valid {encoding.upper()} text (byte {exc.start})", foreign=True
            ) from None
        if b"\x00" in data:
            raise IngestError(name, "file is binary (contains NUL bytes), not a text report", foreign=True) from None
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(name, f"file is not UTF-8 text (byte {exc.start})", line, foreign=True) from None
    if not text.strip():
        raise IngestError(name, "file is empty", foreign=True)
    if "\x00" in text:
        raise IngestError(name, "file is binary (contains NUL bytes), not a text report", foreign=True)
    if _HTML.search(text[:4096].encode("utf-8", "replace")):
        problem = "file is HTML; save the page as plain text (e.g. copy the rendered text) first"
        raise IngestError(name, problem, foreign=True)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        raise IngestError(name, "file contains control characters; not a text report", foreign=True)
    return text


def read_report(path: str | Path) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IngestError(path, "not a regular file", foreign=True)
        if size > MAX_BYTES:
            raise IngestError(path, f"file is {size} bytes; reports are under {MAX_BYTES}", foreign=True)
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, exc.strerror or str(exc)) from None
    return decode_report(data, str(path))
