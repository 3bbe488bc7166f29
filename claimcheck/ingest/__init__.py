"""Report text → Report + Claims: synthesis reports (both layouts), arXiv abstract pages, quantities, dedup.

    parsed = parse_files(paths)                       # every file first: one bad file fails the batch
    registry, summary = ingest_reports(registry, parsed)

Modules: `text` (refuse non-text input), `synthesis` and `arxiv_page` (parsers), `quantities` (numbers in
claims), `kinds`, `dedup` (near-duplicate rule), `ids` (stable ids), `papers` (examined paper → arXiv id),
`build` (fold into a registry), `errors` (IngestError, the only exception bad input raises).
"""

from claimcheck.ingest.build import IngestSummary, ingest_reports
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_bytes, parse_file, parse_files, parse_text

__all__ = ["IngestError", "IngestSummary", "ingest_reports", "parse_bytes", "parse_file", "parse_files", "parse_text"]
