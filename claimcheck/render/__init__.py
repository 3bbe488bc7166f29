"""Rendering the verify export (`claimcheck.report.VerifyExport`): the terminal (`terminal`), markdown, one HTML
page, and one claim in full (`claim`). Cells and the grouping by paper are shared (`cells`)."""
