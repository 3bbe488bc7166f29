"""Small PDFs that cost a reader far more than their size: written byte by byte, content streams deflated.

- `tiny_spans_pdf`: one page of 240,000 one-letter spans in two alternating fonts (about 20 KB on disk);
- `ruled_grid_pdf`: one page ruled into a 200 × 200 grid of rectangles, a number in some cells (about 120 KB).
"""

from __future__ import annotations

import zlib
from pathlib import Path


def _pdf(content: bytes, fonts: bool = True) -> bytes:
    stream = zlib.compress(content, 9)
    resources = b"/Font << /F1 4 0 R /F2 5 0 R >>" if fonts else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << " + resources
        + b" >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream",
    ]  # fmt: skip
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def tiny_spans_pdf(path: Path, spans: int = 240_000) -> Path:
    pair = b"/F1 0.6 Tf (a) Tj /F2 0.6 Tf (b) Tj 0.002 -0.0025 Td\n"
    path.write_bytes(_pdf(b"BT 50 740 Td\n" + pair * (spans // 2) + b"ET\n"))
    return path


def ruled_grid_pdf(path: Path, cells: int = 200) -> Path:
    size = 540 / cells
    parts = [b"0.2 w\n"]
    for r in range(cells):
        for c in range(cells):
            parts.append(f"{36 + c * size:.2f} {100 + r * size:.2f} {size:.2f} {size:.2f} re S\n".encode())
    text = [b"BT /F1 2 Tf\n"]
    for r in range(0, cells, 10):
        for c in range(0, cells, 10):
            value = (r * c) % 997 / 1000
            text.append(f"1 0 0 1 {37 + c * size:.2f} {101 + r * size:.2f} Tm ({value:.3f}) Tj\n".encode())
    text.append(b"ET\n")
    path.write_bytes(_pdf(b"".join(parts + text)))
    return path
