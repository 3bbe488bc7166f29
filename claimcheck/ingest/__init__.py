"""Report text → Report + Claims: synthesis reports (both layouts), arXiv abstract pages, quantities, dedup.

    batch = parse_batch(paths)                        # every file first; failures and skips collected
    registry, summary = ingest_reports(registry, batch.parsed)

Modules: `text` (decode, refuse non-text input), `normalise` (one spelling for typographic variants),
`synthesis` and `arxiv_page` (parsers), `quantities` (numbers in claims), `kinds`, `dedup` (near-duplicate
rule), `ids` (stable ids), `papers` (examined paper → arXiv id), `batch` (files and folders → parsed, failed,
skipped), `build` (fold into a registry), `errors` (IngestError, the only exception bad input raises).
"""

from claimcheck.ingest.batch import Batch, parse_batch
from claimcheck.ingest.build import IngestSummary, ingest_reports
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_bytes, parse_file, parse_files, parse_text

__all__ = [
    "Batch",
    "IngestError",
    "IngestSummary",
    "ingest_reports",
    "parse_batch",
    "parse_bytes",
    "parse_file",
    "parse_files",
    "parse_text",
]
