"""Claim-by-claim documentary evidence from the cached source papers.

For each claim: the best passages of the abstract and full text (page numbers; the abstract is page None),
numeric evidence from table cells for claims with a quantity, and the completion of a truncated claim when its
cut text occurs in the source with one completion only.

Verdict rules:
- with a quantity: the table cell decides (see `numeric.py`); if no cell fits, a sentence that names the
  subject, the dataset and the value supports it (see `passages.py`); otherwise not-found, saying what was
  searched. Contradicted only when a cell that fits the claim states another value; a number that merely
  appears on the page decides nothing.
- without a quantity: a similarity judgement. Supported when one passage contains ≥ SUPPORT_COVERAGE of the
  claim's content words, or has MiniLM cosine ≥ SUPPORT_COSINE and ≥ COSINE_COVERAGE of the words, holds every
  critical word of the claim (names, numbers, direction words) and agrees in negation (thresholds and their
  measurements below). Never contradicted: similarity cannot tell "says otherwise" from "says something else".
- any failure for one claim (missing source, broken PDF) gives that claim not-found with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from claimcheck.home import evidence_dir, safe_child, write_model
from claimcheck.models import Claim, EvidencePassage, EvidenceResult, EvidenceVerdict, Quantity, SourceRef, TableCell
from claimcheck.sources.cache import find_pdf, load_metadata
from claimcheck.sources.numeric import NumericFinding, numeric_evidence
from claimcheck.sources.passages import agrees_in_negation, number_in_text, word_support
from claimcheck.sources.pdf import Cell, PdfError, TableData, load_pdf
from claimcheck.sources.similarity import Embedder, bm25_scores
from claimcheck.sources.text import normalise, split_sentences

# Measured with all-MiniLM-L6-v2 (tests/sources/test_evidence_minilm.py): a verbatim copy scores 1.00 and a close
# rewording 0.97, but a *contrary* statement that shares the words ("Dense retrieval beats sparse retrieval on
# shifted datasets" vs "Sparse retrieval remains a strong baseline on the shifted datasets") scores 0.85, and
# reworded paraphrases that rename the method only 0.56-0.67. So cosine alone never decides: a passage supports a
# claim when it holds >= SUPPORT_COVERAGE of the claim's content words (claims in these reports are near-verbatim
# copies of source sentences; 0.85 allows a changed word or two in a dozen), or when the cosine is >=
# SUPPORT_COSINE *and* it holds >= COSINE_COVERAGE of the words (a close rewording such as "needs no" for "does not
# require"). Claim and passage must also agree in negation.
SUPPORT_COVERAGE = 0.85
SUPPORT_COSINE = 0.80
COSINE_COVERAGE = 0.75
TOP_K = 3


@dataclass
class SourceText:
    """Everything the evidence of one paper can come from."""

    label: str
    passages: list[EvidencePassage] = field(default_factory=list)
    texts: list[tuple[int | None, str]] = field(default_factory=list)  # (page or None for the abstract, text)
    tables: list[TableData] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class SourceMissing(Exception):
    """Neither metadata nor a readable PDF of the source is in the cache."""


def load_source(ref: SourceRef) -> SourceText:
    meta = load_metadata(ref.arxiv_id)
    pdf, version_note = find_pdf(ref)
    label = ref.versioned_id
    src = SourceText(label=label)
    if version_note and pdf is not None:
        src.notes.append(version_note)
    if meta and meta.abstract:
        src.texts.append((None, normalise(meta.abstract)))
        src.passages.extend(EvidencePassage(page=None, text=s) for s in split_sentences(meta.abstract))
    if pdf is not None:
        try:
            parsed = load_pdf(pdf)
        except PdfError as exc:
            src.notes.append(f"PDF unreadable: {exc}")
        else:
            src.label = pdf.stem
            src.texts.extend((i + 1, t) for i, t in enumerate(parsed.page_texts) if t)
            src.passages.extend(EvidencePassage(page=s.page, text=s.text) for s in parsed.sentences)
            src.tables = parsed.tables
            src.notes.extend(parsed.notes)
    lacking = [what for what, absent in (("metadata", meta is None), ("PDF", pdf is None)) if absent]
    if not src.passages and not src.tables:
        hint = f"`claimcheck sources fetch --paper {label}` (with CLAIMCHECK_NETWORK=1) or `claimcheck sources add`"
        why = "; ".join([f"no {w} in the cache" for w in lacking] + src.notes)
        raise SourceMissing(f"source {label} unavailable ({why}); use {hint}")
    src.notes.extend(f"no {w} of {label} in the cache" for w in lacking)
    return src


# --------------------------------------------------------------------------------------------- completion


def complete_truncated(cut: str, texts: list[tuple[int | None, str]]) -> tuple[str | None, str]:
    """The source sentence a cut claim text starts, if the cut text occurs with exactly one completion."""
    needle = normalise(cut).rstrip(" .…").replace("...", "").strip()
    if len(needle) < 20:
        return None, "cut text too short to complete safely"
    completions: dict[str, int | None] = {}
    low_needle = needle.lower()
    for page, text in texts:
        low = text.lower()
        start = low.find(low_needle)
        while start != -1:
            rest = text[start:]
            first = split_sentences(rest)[0] if rest else ""
            completions.setdefault(first, page)
            start = low.find(low_needle, start + 1)
    if not completions:
        return None, "the cut text does not occur in the source"
    if len(completions) > 1:
        return None, f"the cut text occurs with {len(completions)} different completions; not completed"
    ((sentence, page),) = completions.items()
    where = "abstract" if page is None else f"page {page}"
    return sentence, f"completed from the source ({where})"


# --------------------------------------------------------------------------------------------- ranking


def rank_passages(
    query: str, passages: list[EvidencePassage], embedder: Embedder | None
) -> tuple[list[EvidencePassage], str]:
    """Top passages, scored by cosine when embeddings work, else by BM25; returns them and the method used."""
    if not passages:
        return [], "no passages"
    texts = [p.text for p in passages]
    lexical = bm25_scores(query, texts)
    if embedder is not None and embedder.available:
        scores, method = embedder.cosine(query, texts), "MiniLM cosine"
    else:
        scores, method = lexical, "BM25"
        if embedder is not None and embedder.reason:
            method += f" ({embedder.reason})"
    # Ties in cosine (or BM25) are broken by the lexical score.
    order = np.lexsort((-lexical, -np.asarray(scores)))[:TOP_K]
    ranked = [EvidencePassage(page=passages[i].page, text=passages[i].text, score=round(float(scores[i]), 4))
              for i in order]  # fmt: skip
    return ranked, method


def _similarity_verdict(claim_text: str, top: list[EvidencePassage], method: str) -> tuple[EvidenceVerdict, str]:
    if not top:
        return EvidenceVerdict.NOT_FOUND, "no text in the source"
    uses_cosine = method.startswith("MiniLM")
    for p in top:
        cov, critical = word_support(claim_text, p.text)
        strong = cov >= SUPPORT_COVERAGE or (
            uses_cosine and (p.score or 0) >= SUPPORT_COSINE and cov >= COSINE_COVERAGE
        )
        if strong and critical and agrees_in_negation(claim_text, p.text):
            where = "abstract" if p.page is None else f"page {p.page}"
            score = f"cosine {p.score:.2f}, " if uses_cosine else ""
            return EvidenceVerdict.SUPPORTED, (
                f"similarity judgement: a passage ({where}) matches the claim ({score}{cov:.0%} of its words and "
                f"all its names, numbers and direction words; needs ≥ {SUPPORT_COVERAGE:.0%} of the words, "
                f"or cosine ≥ {SUPPORT_COSINE} with ≥ {COSINE_COVERAGE:.0%}; ranked by {method})"
            )
        if strong and not critical:
            return EvidenceVerdict.NOT_FOUND, (
                "similarity judgement: the closest passage lacks a name, number or direction word of the claim"
            )
        if strong:
            return EvidenceVerdict.NOT_FOUND, "similarity judgement: the closest passage differs in negation"
    best = top[0]
    words = f"{word_support(claim_text, best.text)[0]:.0%} of its words"
    score = f"cosine {best.score:.2f}" if uses_cosine else words
    return EvidenceVerdict.NOT_FOUND, f"similarity judgement: no passage matches strongly (best: {score}; {method})"


# --------------------------------------------------------------------------------------------- per claim


class EvidenceChecker:
    """Checks claims against the cache; loads each source once per run."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder
        self._sources: dict[str, SourceText | SourceMissing] = {}
        self.missing: dict[str, str] = {}

    def source(self, ref: SourceRef) -> SourceText | SourceMissing:
        if ref.versioned_id not in self._sources:
            try:
                self._sources[ref.versioned_id] = load_source(ref)
            except SourceMissing as exc:
                self._sources[ref.versioned_id] = exc
                self.missing[ref.versioned_id] = str(exc)
            except Exception as exc:  # an unexpected failure of one source never stops the run
                err = SourceMissing(f"source {ref.versioned_id}: {type(exc).__name__}: {exc}")
                self._sources[ref.versioned_id] = err
                self.missing[ref.versioned_id] = str(err)
        return self._sources[ref.versioned_id]

    def check(self, claim: Claim) -> EvidenceResult:
        try:
            return self._check(claim)
        except Exception as exc:  # per-claim errors become not-found with the reason, never a stopped run
            note = f"evidence failed: {type(exc).__name__}: {exc}"
            return EvidenceResult(claim_id=claim.id, verdict=EvidenceVerdict.NOT_FOUND, note=note)

    def _check(self, claim: Claim) -> EvidenceResult:
        if not claim.sources:
            return EvidenceResult(claim_id=claim.id, verdict=EvidenceVerdict.NOT_FOUND, note="claim names no source")
        loaded = [(ref, self.source(ref)) for ref in claim.sources]
        sources = [s for _, s in loaded if isinstance(s, SourceText)]
        problems = [str(s) for _, s in loaded if isinstance(s, SourceMissing)]
        if not sources:
            return EvidenceResult(claim_id=claim.id, verdict=EvidenceVerdict.NOT_FOUND, note="; ".join(problems))
        notes = [n for s in sources for n in s.notes] + problems
        text = claim.text
        completed = None
        if claim.completed_text:  # completed earlier (and kept in the registry): judge the whole sentence
            text = claim.completed_text
            notes.insert(0, "judged on the registry's completed text")
        elif claim.truncated or text.rstrip().endswith(("…", "...")):
            completed, how = complete_truncated(text, [t for s in sources for t in s.texts])
            notes.insert(0, f"truncated claim: {how}" + (f': "{completed}"' if completed else ""))
            text = completed or text
        passages = [p for s in sources for p in s.passages]
        # A numeric claim is decided by a cell or by the sentence rule, never by cosine: its passages are only
        # shown, so BM25 ranks them and the claim costs no embedding.
        top, method = rank_passages(text, passages, None if claim.quantity else self.embedder)
        label = sources[0].label
        cell, neighbours = None, []
        if claim.quantity is not None:
            verdict, note, evidence, label, cell, neighbours = self._numeric(claim.quantity, sources, passages, top)
        else:
            verdict, note = _similarity_verdict(text, top, method)
            evidence = top
        return EvidenceResult(
            claim_id=claim.id,
            verdict=verdict,
            evidence=evidence,
            note="; ".join([note, *notes]),
            cell=cell,
            neighbours=neighbours,
            source=label,
            completed_text=completed,
        )

    def _numeric(
        self, q: Quantity, sources: list[SourceText], passages: list[EvidencePassage], top: list[EvidencePassage]
    ) -> tuple[EvidenceVerdict, str, list[EvidencePassage], str, TableCell | None, list[TableCell]]:
        findings: list[NumericFinding] = []
        for src in sources:
            finding = numeric_evidence(q, src.tables)
            if finding.cell is not None and finding.table is not None:
                cells = [finding.cell]
                if finding.verdict == EvidenceVerdict.CONTRADICTED:
                    cells += finding.holders[:1]
                shown = [EvidencePassage(page=c.page, text=_cell_text(src.tables, c)) for c in cells]
                neighbours = [_address(src.tables, c) for c in finding.neighbours]
                cell = finding.table.address(finding.cell)
                return finding.verdict, finding.note, [*shown, *top], src.label, cell, neighbours
            findings.append(finding)
        names = {label for s in sources for t in s.tables for c in t.cells for label in c.row_headers + c.col_headers}
        stated = number_in_text(q, passages, sorted(names))
        if stated is not None:
            where = "abstract" if stated.page is None else f"page {stated.page}"
            note = f"a sentence ({where}) names the subject, the dataset and the claimed value; no table cell fits"
            return EvidenceVerdict.SUPPORTED, note, [stated, *top], sources[0].label, None, []
        table_notes = [f.note for f in findings] if any(s.tables for s in sources) else ["no tables in the source"]
        note = "; ".join(table_notes) + "; no sentence names the subject, the dataset and the claimed value"
        return EvidenceVerdict.NOT_FOUND, note, top, sources[0].label, None, []


def _address(tables: list[TableData], cell: Cell) -> TableCell:
    return next(t for t in tables if t.index == cell.table).address(cell)


def _cell_text(tables: list[TableData], cell: Cell) -> str:
    return f"{_address(tables, cell).address}: {cell.text}"


def check_claims(
    claims: list[Claim],
    embedder: Embedder | None = None,
    write: bool = True,
    progress: Callable[[EvidenceResult], None] | None = None,
) -> tuple[list[EvidenceResult], dict[str, str]]:
    """Evidence for each claim (written to evidence_dir()/<claim_id>.json) and the sources found missing."""
    checker = EvidenceChecker(embedder)
    results = []
    for claim in claims:
        result = checker.check(claim)
        if write:
            write_model(safe_child(evidence_dir(), f"{claim.id}.json"), result)
        results.append(result)
        if progress:
            progress(result)
    return results, checker.missing
