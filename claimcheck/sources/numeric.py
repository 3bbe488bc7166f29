"""Numeric evidence: the table cell for a claim's subject, condition, dataset and metric, and what it holds.

`supported` when that cell holds the claimed value at the claim's precision (or the source's, if coarser);
`contradicted` when it holds another value, naming the cells that do hold the claimed value (a value copied
from the neighbouring column is the typical extraction error); `not-found` when no cell fits the claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claimcheck.metric_names import normalise_metric
from claimcheck.models import EvidenceVerdict, Quantity
from claimcheck.sources.pdf import TableCell, TableData
from claimcheck.sources.text import ablated, key, normalise

# Words that name the whole model rather than a variant of it; dropped before matching a subject.
_SUBJECT_FILLER = {"model", "models", "method", "approach", "variant", "the", "our", "proposed"}
_FULL = {"full", "fullmodel", "all", "ours", "complete", "both"}
_METRIC_WORD = re.compile(r"(?i)\b(n?dcg(?:@\d+)?|map(?:@\d+)?|mrr(?:@\d+)?|recall@\d+|r@\d+|p@\d+|precision@\d+)")


@dataclass
class NumericFinding:
    verdict: EvidenceVerdict
    note: str
    cell: TableCell | None = None
    holders: list[TableCell] = field(default_factory=list)


def scaled_match(cell: TableCell, q: Quantity) -> float | None:
    """The cell's value in the claim's scale when it equals the claimed value at the shared precision."""
    if cell.value is None or cell.decimals is None:
        return None
    for factor, extra in ((1.0, 0), (0.01, 2), (100.0, -2)):
        value = cell.value * factor
        decimals = min(q.decimals, max(cell.decimals + extra, 0))
        if abs(value - q.value) <= 0.5 * 10**-decimals + 1e-9:
            return value
    return None


def _subject_score(q: Quantity, headers: list[str], caption: str) -> float:
    """2 exact header, 1 header contains the subject, 0.5 only the caption names it, 0 absent."""
    if not q.subject:
        return 1.0
    words = [w for w in re.split(r"\s+", normalise(q.subject)) if w.lower() not in _SUBJECT_FILLER]
    subject = key(" ".join(words))
    if not subject:
        return 1.0
    keys = [key(h) for h in headers]
    if subject in keys:
        return 2.0
    if any(subject in k for k in keys):
        return 1.0
    # "COCO-DR Base" where the row says "Base" and the caption says "COCO-DR".
    if all(key(w) in (key(caption) + "".join(keys)) for w in words):
        return 0.5
    return 0.0


def _dataset_matches(q: Quantity, headers: list[str]) -> bool:
    if not q.dataset:
        return True
    want = key(q.dataset)
    return any(k == want or (len(want) >= 4 and want in k) for k in map(key, headers))


def _condition_matches(q: Quantity, headers: list[str]) -> bool:
    removed = {a for a in map(ablated, headers) if a}
    if not q.condition or key(q.condition) in _FULL:
        return not removed
    want = ablated(q.condition)
    if want:
        return want in removed
    return any(key(q.condition) in key(h) for h in headers)


def table_metrics(table: TableData) -> set[str]:
    names = [table.caption] + [h for c in table.cells for h in c.col_headers + c.row_headers]
    found = set()
    for text in names:
        for word in _METRIC_WORD.findall(text):
            try:
                found.add(normalise_metric(word))
            except ValueError:
                continue
    return found


def _metric_ok(q: Quantity, table: TableData) -> bool:
    if not q.metric:
        return True
    named = table_metrics(table)
    try:
        wanted = normalise_metric(q.metric)
    except ValueError:
        wanted = q.metric
    # "nDCG" in a caption covers the claim's "nDCG@10": the cutoff is often only in the text.
    return not named or wanted in named or any(wanted.split("@")[0] == n for n in named)


def _where(holder: TableCell, cell: TableCell | None) -> str:
    if cell is None or holder.table != cell.table:
        return "another table"
    if holder.row == cell.row:
        return "the neighbouring column" if abs(holder.col - cell.col) == 1 else "another column of the same row"
    if holder.col == cell.col:
        return "another row of the same column"
    return "another cell of the same table"


def numeric_evidence(q: Quantity, tables: list[TableData]) -> NumericFinding:
    """Find the claim's cell in the tables and compare it with the claimed value."""
    if q.kind != "absolute":
        return NumericFinding(EvidenceVerdict.NOT_FOUND, "a relative change is not read from a single cell")
    candidates: list[tuple[float, TableCell]] = []
    for table in tables:
        if not _metric_ok(q, table):
            continue
        for cell in table.cells:
            if cell.value is None:
                continue
            headers = cell.row_headers + cell.col_headers
            if not (_dataset_matches(q, headers) and _condition_matches(q, headers)):
                continue
            score = _subject_score(q, headers, table.caption)
            if score > 0:
                candidates.append((score, cell))
    all_cells = [c for t in tables for c in t.cells]
    holders = [c for c in all_cells if scaled_match(c, q) is not None]
    claimed = f"{q.value:.{q.decimals}f}"
    if not candidates:
        where = "; ".join(h.label() for h in holders[:3])
        extra = ""
        if holders:
            extra = f" The claimed {claimed} appears in {where}, which does not fit the claim's subject, condition,"
            extra += " dataset or metric."
        return NumericFinding(EvidenceVerdict.NOT_FOUND, f"no table cell for {_describe(q)}.{extra}", None, holders)
    best_score = max(s for s, _ in candidates)
    best = [c for s, c in candidates if s == best_score]
    matching = [c for c in best if scaled_match(c, q) is not None]
    if matching:
        cell = matching[0]
        note = f"table cell {cell.label()} holds the claimed {claimed}"
        others = sorted({c.text for c in best if c is not cell and scaled_match(c, q) is None})
        if others:
            note += f" (other cells that fit the claim hold {', '.join(others)})"
        return NumericFinding(EvidenceVerdict.SUPPORTED, note, cell, holders)
    cell = best[0]
    note = f"table cell {cell.label()} holds {cell.text}, not the claimed {claimed}"
    ranked = sorted(holders, key=lambda h: (h.table != cell.table, h.row != cell.row, abs(h.col - cell.col)))
    if ranked:
        h = ranked[0]
        note += f"; the claimed value is in {_where(h, cell)}: {h.label()}"
    else:
        note += "; no table cell holds the claimed value"
    return NumericFinding(EvidenceVerdict.CONTRADICTED, note, cell, ranked)


def _describe(q: Quantity) -> str:
    parts = [q.subject or "?", q.condition or "", q.metric or "", f"on {q.dataset}" if q.dataset else ""]
    return " ".join(p for p in parts if p)
