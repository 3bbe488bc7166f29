"""Numeric evidence: the table cell for a claim's subject, condition, dataset and metric, and what it holds.

A cell fits a claim when its row and column header paths name the claim's dataset, its subject (all of the
subject's words, from labels that hold nothing else but filler such as "(Ours)"), its condition (an ablation
"−iDRO" / "w/o iDRO" for "without iDRO"; no ablation or addition at all for the full model) and, where the
table names metrics, its metric. Labels the claim does not explain are allowed above the subject in a path (a
group: "Dense", "Baselines"); below it they make a variant ("COCO-DR (Ours) / Base" for the claim "COCO-DR").
The caption stands in for the subject or dataset only when no label of the table names it and the cell's
labels are all explained.

Verdicts:
- `supported`: every best-fitting cell holds the claimed value at the claim's precision (or the source's, if
  coarser; ×100 for percentages);
- `contradicted`: none of them does, the fit is exact (no variant, the metric known, the dataset named); the
  note names the cell that does hold the claimed value, when one does;
- `not-found` otherwise: no cell fits, the best-fitting cells disagree among themselves (the claim does not say
  which one it means), or the fit is not exact enough to contradict. The note says what was searched.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from claimcheck.metric_names import normalise_metric
from claimcheck.models import EvidenceVerdict, Quantity
from claimcheck.sources.tables import Cell, TableData
from claimcheck.sources.text import ablated, key, name_tokens, normalise

_FILLER = {"model", "models", "method", "approach", "variant", "the", "our", "ours", "proposed", "this", "work"}
_FULL = {"full", "fullmodel", "all", "complete", "both", "default"}
_METRIC_WORD = re.compile(
    r"(?i)(?<![a-z])(n?dcg(?:@\d+)?|map(?:@\d+)?|mrr(?:@\d+)?|recall@\d+|r@\d+|p@\d+|precision@\d+|success@\d+"
    r"|top-?\d+)(?![a-z])"
)
_ADDITION = re.compile(r"^\s*(?:\+|w/\s|with\s)\s*(.+?)\s*$", re.IGNORECASE)
_INNER_ABLATION = re.compile(r"^(.+?)\s+(?:w/o|without|minus|-)\s+(.+)$", re.IGNORECASE)


@dataclass
class NumericFinding:
    verdict: EvidenceVerdict
    note: str
    cell: Cell | None = None
    table: TableData | None = None
    holders: list[Cell] = field(default_factory=list)  # cells holding the claimed value, nearest first
    neighbours: list[Cell] = field(default_factory=list)  # same subject and dataset, another condition


@dataclass
class Fit:
    table: TableData
    cell: Cell
    exact: bool  # no variant labels below the subject
    metric_known: bool
    setting: bool  # a label or the caption names the claim's setting
    via_caption: bool


# ------------------------------------------------------------------------------------------------ metrics


def _metric(text: str) -> str | None:
    word = text.strip().lower()
    top = re.fullmatch(r"top-?(\d+)", word)
    if top:
        return f"R@{top.group(1)}"  # "Top-20 accuracy" in QA retrieval is recall (success) at 20
    try:
        return normalise_metric(word)
    except ValueError:
        return None


def metrics_named(text: str) -> set[str]:
    return {m for m in map(_metric, _METRIC_WORD.findall(normalise(text))) if m}


def _same_metric(wanted: str, named: str) -> bool:
    if wanted == named:
        return True
    # "nDCG" in a caption covers the claim's "nDCG@10": the cutoff is often only in the text. "R" and "Success"
    # at the same cutoff are one measure for a single relevant item (QA retrieval's top-k accuracy).
    families = {wanted.split("@")[0], named.split("@")[0]}
    cut_w, cut_n = wanted.partition("@")[2], named.partition("@")[2]
    return (not cut_n or not cut_w or cut_w == cut_n) and (len(families) == 1 or families == {"R", "Success"})


def _wanted_metric(q: Quantity) -> str | None:
    if not q.metric:
        return None
    return _metric(q.metric) or q.metric


# ------------------------------------------------------------------------------------------------ labels


@dataclass(frozen=True)
class Terms:
    """What a claim asks of a cell's labels."""

    subject: frozenset[str]
    subject_key: str  # the subject's words joined ("cocodrbase"), for labels that spell it as one word
    dataset: str | None
    dataset_tokens: frozenset[str]
    ablation: str | None  # the removed part's key ("idro")
    addition: frozenset[str]  # tokens of a non-ablation condition ("GCL", "+ reranking")
    metric: str | None
    setting: frozenset[str]


def terms_of(q: Quantity) -> Terms:
    condition = normalise(q.condition or "")
    removed = ablated(condition) if condition else None
    plus = _ADDITION.match(condition)
    words = name_tokens(plus.group(1) if plus else condition)
    addition = frozenset() if removed or key(condition) in _FULL else frozenset(words)
    subject = [w for w in name_tokens(q.subject or "") if w not in _FILLER]
    return Terms(
        subject=frozenset(subject),
        subject_key="".join(subject),
        dataset=key(q.dataset) if q.dataset else None,
        dataset_tokens=frozenset(name_tokens(q.dataset or "")),
        ablation=removed,
        addition=addition,
        metric=_wanted_metric(q),
        setting=frozenset(name_tokens(q.setting or "")) - _FILLER,
    )


@dataclass(frozen=True)
class LabelRead:
    """What one header label says about a claim (cached per label and claim: never changed once made)."""

    dataset: bool = False
    subject: frozenset[str] = frozenset()  # subject tokens this label supplies
    extra: bool = False  # it also holds words that are not the subject's (a variant, when below the subject)
    ablation: str | None = None
    addition: bool = False  # an addition ("+ X") or a condition word the claim names
    foreign_addition: bool = False  # an addition the claim does not name
    metric: str | None = None
    setting: bool = False
    full: bool = False


@functools.lru_cache(maxsize=65536)  # one claim's terms meet the same labels in every cell of a table
def read_label(label: str, t: Terms) -> LabelRead:
    text = normalise(label).strip(" *†‡§¶")
    inner = _INNER_ABLATION.match(text)
    if inner and not ablated(text):  # "GCL w/o fused": the name, then what was removed from it
        return replace(read_label(inner.group(1), t), ablation=key(inner.group(2)))
    removed = ablated(text)
    if removed:
        return LabelRead(ablation=removed)
    plus = _ADDITION.match(text)
    if plus:
        named = bool(t.addition) and set(name_tokens(plus.group(1))) <= t.addition
        return LabelRead(addition=named, foreign_addition=not named)
    tokens = set(name_tokens(text))
    if not tokens:
        return LabelRead()
    if _METRIC_WORD.fullmatch(text) and _metric(text):
        return LabelRead(metric=_metric(text))
    if t.dataset and (key(text) == t.dataset or (t.dataset_tokens and t.dataset_tokens <= tokens)):
        return LabelRead(dataset=True)
    if key(text) in _FULL:
        return LabelRead(full=True)
    if t.addition and tokens <= t.addition | _FILLER:
        return LabelRead(addition=True)
    own = frozenset(tokens & t.subject)
    extra = bool(own) and bool(tokens - t.subject - _FILLER)
    if not own and t.subject_key and key(text) == t.subject_key:  # "COCO-DR-Base" spelled as one word
        own = t.subject
    rest = tokens - _FILLER
    setting = bool(t.setting and rest and (rest <= t.setting or t.setting <= tokens))
    return LabelRead(subject=own, extra=extra, setting=setting)


def fit_cell(table: TableData, cell: Cell, t: Terms, *, any_condition: bool = False) -> Fit | None:
    """How the cell fits the claim's terms, or None when it does not."""
    if not t.subject:
        return None
    paths = [cell.row_headers, cell.col_headers]
    reads = [[read_label(label, t) for label in path] for path in paths]
    flat = [r for path in reads for r in path]
    if t.metric and any(r.metric and not _same_metric(t.metric, r.metric) for r in flat):
        return None
    if not any_condition:
        ablations = {r.ablation for r in flat if r.ablation}
        if t.ablation and ablations != {t.ablation}:
            return None
        if not t.ablation and ablations:
            return None
        if any(r.foreign_addition for r in flat):
            return None
        if t.addition and not any(r.addition for r in flat):
            return None
    caption_tokens = set(name_tokens(table.caption))
    via_caption = False
    if t.dataset and not any(r.dataset for r in flat):
        if not (t.dataset_tokens and t.dataset_tokens <= caption_tokens and not _table_names(table, t, "dataset")):
            return None
        via_caption = True
    supplied = {tok for r in flat for tok in r.subject}
    if not t.subject <= supplied and _spelled_together(paths, t):
        supplied = set(t.subject)
    if not t.subject <= supplied:
        if not (t.subject <= caption_tokens and not _table_names(table, t, "subject")):
            return None
        via_caption = True
    if via_caption and any(_unexplained(r) for r in flat):
        return None
    exact = not any(r.subject and r.extra for r in flat) and not any(_variant_below(path) for path in reads)
    metric_known = _metric_known(table, flat, t)
    setting = any(r.setting for r in flat) or bool(t.setting and t.setting <= caption_tokens)
    return Fit(table, cell, exact, metric_known, setting, via_caption)


def _spelled_together(paths: list[list[str]], t: Terms) -> bool:
    """The claim writes as one word what the path splits over labels, or the reverse: "COCO-DR-Base" for
    "COCO-DR (Ours) / Base", "COCODR Base" for "COCO-DR Base". Adjacent label words, filler left out, must spell
    the subject exactly."""
    for path in paths:
        words = [w for label in path for w in name_tokens(label) if w not in _FILLER]
        for i in range(len(words)):
            joined = ""
            for w in words[i:]:
                joined += w
                if joined == t.subject_key:
                    return True
                if not t.subject_key.startswith(joined):
                    break
    return False


def _unexplained(r: LabelRead) -> bool:
    return not (r.dataset or r.subject or r.ablation or r.addition or r.metric or r.setting or r.full)


def _variant_below(path: list[LabelRead]) -> bool:
    """An unexplained label inside (below) the subject's label: "COCO-DR (Ours) / Base" for "COCO-DR"."""
    seen_subject = False
    for r in path:
        if r.subject:
            seen_subject = True
        elif seen_subject and _unexplained(r):
            return True
    return False


def _table_names(table: TableData, t: Terms, what: str) -> bool:
    """Whether any label of the table names the claim's dataset (or subject): then the caption may not."""
    for cell in table.cells:
        for label in cell.row_headers + cell.col_headers:
            r = read_label(label, t)
            if (what == "dataset" and r.dataset) or (what == "subject" and r.subject):
                return True
    return False


def _metric_known(table: TableData, flat: list[LabelRead], t: Terms) -> bool:
    if not t.metric:
        return True
    if any(r.metric for r in flat):
        return True  # the path names it, and a different one was refused above
    named = metrics_named(table.caption)
    return bool(named) and any(_same_metric(t.metric, n) for n in named)


def _metric_refused(table: TableData, t: Terms) -> bool:
    """The caption names metrics and none of them is the claim's: the table reports something else."""
    named = metrics_named(table.caption)
    return bool(t.metric and named and not any(_same_metric(t.metric, n) for n in named))


# ------------------------------------------------------------------------------------------------ values


def scaled_match(cell: Cell, q: Quantity) -> float | None:
    """The cell's value in the claim's scale when it equals the claimed value at the shared precision."""
    if cell.value is None or cell.decimals is None:
        return None
    for factor, extra in ((1.0, 0), (0.01, 2), (100.0, -2)):
        value = cell.value * factor
        decimals = min(q.decimals, max(cell.decimals + extra, 0))
        if abs(value - q.value) <= 0.5 * 10**-decimals + 1e-9:
            return value
    return None


def _same_value(a: Cell, b: Cell) -> bool:
    return a.value == b.value and a.percent == b.percent


def fits(q: Quantity, tables: list[TableData], *, any_condition: bool = False) -> list[Fit]:
    t = terms_of(q)
    out = []
    for table in tables:
        if _metric_refused(table, t) and not any_condition:
            continue
        for cell in table.cells:
            if cell.value is None:
                continue
            found = fit_cell(table, cell, t, any_condition=any_condition)
            if found is not None:
                out.append(found)
    return out


def best_fits(candidates: list[Fit]) -> list[Fit]:
    """Exact fits before variants, those naming the claim's setting before those that do not."""
    for keep in (lambda f: f.exact, lambda f: f.setting, lambda f: not f.via_caption):
        narrowed = [f for f in candidates if keep(f)]
        candidates = narrowed or candidates
    return candidates


def _where(holder: Cell, cell: Cell) -> str:
    if holder.table != cell.table:
        return "another table"
    if holder.row == cell.row:
        return "the neighbouring column" if abs(holder.col - cell.col) == 1 else "another column of the same row"
    if holder.col == cell.col:
        return "the neighbouring row" if abs(holder.row - cell.row) == 1 else "another row of the same column"
    return "another cell of the same table"


def _label(fit: Fit) -> str:
    return fit.table.address(fit.cell).address


def numeric_evidence(q: Quantity, tables: list[TableData]) -> NumericFinding:
    """Find the claim's cell in the tables and compare it with the claimed value."""
    if q.kind != "absolute":
        return NumericFinding(EvidenceVerdict.NOT_FOUND, "a relative change is not read from a single cell")
    claimed = f"{q.value:.{q.decimals}f}"
    all_cells = [c for t in tables for c in t.cells]
    holders = [c for c in all_cells if scaled_match(c, q) is not None]
    found = best_fits(fits(q, tables))
    if not found:
        note = f"no table cell for {_describe(q)}"
        if holders:
            where = "; ".join(_address(tables, h) for h in holders[:3])
            note += f". The claimed {claimed} appears in {where}, which does not fit the claim"
        return NumericFinding(EvidenceVerdict.NOT_FOUND, note, holders=holders)
    matching = [f for f in found if scaled_match(f.cell, q) is not None]
    first = (matching or found)[0]
    neighbours = _neighbours(q, tables, first)
    if matching and len(matching) == len(found):
        note = f"table cell {_label(first)} holds the claimed {claimed} ({first.cell.text})"
        return NumericFinding(EvidenceVerdict.SUPPORTED, note, first.cell, first.table, holders, neighbours)
    if matching:
        shown = "; ".join(f"{_label(f)} = {f.cell.text}" for f in found[:4])
        note = f"cells that fit {_describe(q)} disagree ({shown}); the claim does not say which it means"
        return NumericFinding(EvidenceVerdict.NOT_FOUND, note, None, None, holders, [])
    values = sorted({f.cell.text for f in found})
    strict = all(f.exact and f.metric_known for f in found) and bool(q.dataset)
    if not strict:
        why = "it fits only loosely (a variant of the subject, or no metric named)"
        note = f"table cell {_label(first)} holds {first.cell.text}, not the claimed {claimed}; {why}, so no verdict"
        return NumericFinding(EvidenceVerdict.NOT_FOUND, note, None, None, holders, [])
    cell = first.cell
    note = f"table cell {_label(first)} holds {cell.text}, not the claimed {claimed}"
    if len(values) > 1:
        note += f" (other cells that fit hold {', '.join(v for v in values if v != cell.text)})"
    ranked = sorted(holders, key=lambda h: (h.table != cell.table, h.row != cell.row and h.col != cell.col,
                                           abs(h.row - cell.row) + abs(h.col - cell.col)))  # fmt: skip
    if ranked:
        note += f"; the claimed value is in {_where(ranked[0], cell)}: {_address(tables, ranked[0])}"
    else:
        note += "; no table cell holds the claimed value"
    return NumericFinding(EvidenceVerdict.CONTRADICTED, note, cell, first.table, ranked, neighbours)


def _neighbours(q: Quantity, tables: list[TableData], chosen: Fit) -> list[Cell]:
    """Cells of the same table for the same subject and dataset under another condition (or column)."""
    same = [f for f in fits(q, [chosen.table], any_condition=True) if f.exact and f.cell is not chosen.cell]
    return [f.cell for f in same]


def _address(tables: list[TableData], cell: Cell) -> str:
    table = next(t for t in tables if t.index == cell.table)
    return table.address(cell).address + f" = {cell.text}"


def _describe(q: Quantity) -> str:
    parts = [q.subject or "?", q.condition or "", q.metric or "", f"on {q.dataset}" if q.dataset else "",
             f"({q.setting})" if q.setting else ""]  # fmt: skip
    return " ".join(p for p in parts if p)
