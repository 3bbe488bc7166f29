"""Reading a paper PDF (text + tables): claimcheck's `read_pdf` vs PyMuPDF's default `find_tables` on every page.

Baseline: text blocks plus `page.find_tables()` with PyMuPDF's defaults, which (PyMuPDF ≥ 2) run its ONNX layout
model on every page. Ours: `read_pdf`, which reads tables from the page's positioned words and rules
(`claimcheck/sources/tables.py`) and never calls `find_tables`. The paper is synthetic (`claimcheck.sources.synthetic`):
`--pages` pages of prose, one ruled results table and one booktabs table. Both readers alternate round by round
so the load of a shared machine falls on both alike; the totals are sums over rounds. The table shows how many
tables each found (both should find the two).
Run: `python benchmarks/pdf_tables.py [--pages 12] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

PROSE = (
    "Dense retrieval maps queries and documents into one vector space and ranks by inner product. "
    "When the target corpus differs from the training data, accuracy drops, and the drop differs by dataset. "
) * 6


def baseline_read(path: Path) -> int:
    """Text blocks and default table detection on every page; returns the number of tables found."""
    import pymupdf

    found = 0
    with pymupdf.open(path) as doc:
        for page in doc:
            page.get_text("blocks")
            found += len(page.find_tables().tables)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from claimcheck.sources.pdf import read_pdf
    from claimcheck.sources.synthetic import example_table, write_pdf

    pages: list = [PROSE] * args.pages
    pages[2] = [PROSE[:400], example_table("grid")]
    pages[5] = [PROSE[:400], example_table("booktabs")]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_pdf(Path(tmp) / "paper.pdf", pages)
        ours_s = base_s = 0.0
        ours_tables = base_tables = 0
        for r in range(args.rounds):
            order = ("ours", "base") if r % 2 == 0 else ("base", "ours")
            for who in order:
                start = time.perf_counter()
                if who == "ours":
                    ours_tables = len(read_pdf(path, max_pages=args.pages + 1, time_budget_s=600).tables)
                    ours_s += time.perf_counter() - start
                else:
                    base_tables = baseline_read(path)
                    base_s += time.perf_counter() - start
    table = Table(title=f"reading a {args.pages}-page PDF, {args.rounds} rounds (sum)")
    for col in ("reader", "seconds", "tables found"):
        table.add_column(col)
    table.add_row("PyMuPDF default find_tables (layout model, every page)", f"{base_s:.2f}", str(base_tables))
    table.add_row("claimcheck read_pdf (words and rules)", f"{ours_s:.2f}",
                  str(ours_tables))  # fmt: skip
    table.add_row("ratio baseline / ours", f"{base_s / ours_s:.1f}×", "")
    Console().print(table)


if __name__ == "__main__":
    main()
