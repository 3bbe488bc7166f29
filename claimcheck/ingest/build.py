"""Fold parsed reports into a registry: deduplicate mentions into claims, keep what hands and later stages added.

Mentions keep each report's own characters; everything else reads their normalised form (`normalise.inline`:
one spelling for dashes, quotes and spaces), so a report with typographic punctuation gives the same claims,
ids and quantities as its plain copy. A claim's `text` is its canonical mention's normalised text.

Ingest owns a claim's `text`, `truncated`, `kind`, `sources`, `quantity`, `quantity_note` and `mentions`;
everything else (`replication`, `tolerance`, `implementation_tests`, `notes`, `completed_text`) belongs to
people and later stages and survives re-ingest. Claims added by hand (no mentions) survive too. Re-ingesting a
report replaces its mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claimcheck.ingest.dedup import Deduplicator, features, same_statement
from claimcheck.ingest.ids import claim_id, unique_ids
from claimcheck.ingest.kinds import KIND_ORDER, claim_kind
from claimcheck.ingest.normalise import inline
from claimcheck.ingest.papers import find_paper, source_for
from claimcheck.ingest.parsed import ParsedReport, is_truncated
from claimcheck.ingest.quantities import Reading, has_measurement, read_quantity
from claimcheck.models import Claim, ClaimRegistry, Mention, Report, SourceRef

HAND_FIELDS = ("replication", "tolerance", "implementation_tests", "notes", "completed_text")


@dataclass
class IngestSummary:
    reports: int = 0
    rows: int = 0
    table_rows: int = 0  # of the rows, claims-table rows of synthesis reports (the rest: abstract sentences)
    distinct: int = 0  # claims the ingested reports mention
    distinct_from_tables: int = 0  # of those, claims some ingested claims table mentions
    new: int = 0  # of those, claims not in the registry before
    truncated: int = 0  # of those, claims whose text is cut
    numeric: int = 0  # of those, claims stating a measurement
    with_quantity: int = 0  # of the numeric ones, those with an extracted quantity
    warnings: list[str] = field(default_factory=list)

    @property
    def merged(self) -> int:
        return self.rows - self.distinct

    @property
    def coverage(self) -> float | None:
        return self.with_quantity / self.numeric if self.numeric else None


@dataclass
class _Context:
    """What a report tells about its claims: the source paper and the method's names."""

    source: SourceRef | None
    method_names: tuple[str, ...]
    method_name: str | None = None  # the method's own name ("the proposed method"), not its parts' names


def _context(report: Report, warnings: list[str]) -> _Context:
    paper = find_paper(report.examined_paper)
    if paper is not None:
        refs = [*report.references, *([report.arxiv] if report.arxiv else [])]
        return _Context(source_for(paper, refs), tuple(paper.method_names), paper.name)
    if report.arxiv is not None:
        return _Context(report.arxiv, ())
    warnings.append(
        f"{report.file}: examined paper {report.examined_paper!r} is not a known paper; its claims get no source"
    )
    return _Context(None, ())


def _key(m: Mention) -> tuple[str, str]:
    return m.report, inline(m.text)


def _canonical(mentions: list[Mention]) -> Mention:
    """The longest complete text; a cut one only when no report gives the whole sentence."""
    complete = [m for m in mentions if not is_truncated(inline(m.text))]
    return max(complete or mentions, key=lambda m: len(inline(m.text)))


def _sources(mentions: list[Mention], contexts: dict[str, _Context]) -> list[SourceRef]:
    out: dict[str, SourceRef] = {}
    for m in mentions:
        src = contexts[m.report].source
        if src is not None and (src.arxiv_id not in out or (src.version and not out[src.arxiv_id].version)):
            out[src.arxiv_id] = src
    return list(out.values())


def _reading(mentions: list[Mention], canonical: Mention, contexts: dict[str, _Context]) -> Reading:
    """The first mention's quantity that reads; else the canonical text's note (why it has none)."""
    first = None
    for m in [canonical, *mentions]:
        reading = read_quantity(m.text, contexts[m.report].method_name)
        if reading.quantity is not None:
            return reading
        first = first or reading
    return first or Reading(None)


def ingest_reports(registry: ClaimRegistry, parsed: list[ParsedReport]) -> tuple[ClaimRegistry, IngestSummary]:
    """A new registry with `parsed` folded into `registry` (which is not modified)."""
    summary = IngestSummary()
    incoming: dict[str, ParsedReport] = {}
    for p in parsed:
        incoming.setdefault(p.report.id, p)  # the same file twice in one batch counts once
    summary.reports = len(incoming)
    summary.rows = sum(p.rows for p in incoming.values())
    summary.table_rows = sum(p.rows for p in incoming.values() if p.report.kind == "synthesis")
    summary.warnings += [w for p in incoming.values() for w in p.warnings]

    reports = [incoming[r.id].report if r.id in incoming else r for r in registry.reports]
    known = {r.id for r in registry.reports}
    reports += [p.report for rid, p in incoming.items() if rid not in known]
    contexts = {r.id: _context(r, summary.warnings if r.id in incoming else []) for r in reports}
    # mentions (report, text) that come from the claims tables of the reports being ingested
    table_keys = {_key(m) for p in incoming.values() if p.report.kind == "synthesis" for m in p.mentions}

    # every mention: kept ones from reports not re-ingested, then the incoming ones
    mentions = [m for c in registry.claims for m in c.mentions if m.report not in incoming]
    new_keys = set()
    for p in incoming.values():
        mentions += p.mentions
        new_keys.update(_key(m) for m in p.mentions)
    dedup = Deduplicator()
    for m in mentions:
        name, text = contexts[m.report].method_name, inline(m.text)
        dedup.add(features(text, is_truncated(text), name), read_quantity(text, name).quantity, m.report)
    groups = [[mentions[i] for i in cluster.members] for cluster in dedup.clusters]

    old_by_key = {_key(m): c.id for c in registry.claims for m in c.mentions}
    old = {c.id: c for c in registry.claims}
    handmade = [c for c in registry.claims if not c.mentions]
    taken: set[str] = set()
    updated: dict[str, Claim] = {}
    fresh: list[tuple[list[Mention], Mention, Reading]] = []
    for group in groups:
        canonical = _canonical(group)
        reading = _reading(group, canonical, contexts)
        quantity = reading.quantity
        match = next((old_by_key[_key(m)] for m in group if old_by_key.get(_key(m)) not in (None, *taken)), None)
        if match is None:  # a claim somebody wrote by hand before any report mentioned it
            name, text = contexts[canonical.report].method_name, inline(canonical.text)
            feats = features(text, is_truncated(text), name)
            match = next(
                (
                    c.id
                    for c in handmade
                    if c.id not in taken
                    and same_statement(feats, features(c.text, c.truncated, name), quantity, c.quantity)
                ),
                None,
            )
        if match is None:
            fresh.append((group, canonical, reading))
            continue
        taken.add(match)
        updated[match] = _claim(old[match], group, canonical, reading, contexts)
        _count(summary, updated[match], group, new_keys, table_keys)

    claims: list[Claim] = []
    for c in registry.claims:
        if c.id in updated:
            claims.append(updated[c.id])
        elif not c.mentions:
            claims.append(c)
        elif any(getattr(c, f) for f in HAND_FIELDS):
            claims.append(c.model_copy(update={"mentions": []}))
            summary.warnings.append(f"claim {c.id}: no report mentions it any more; kept for its hand-added fields")
    bases = [(claim_id(inline(c.text), r.quantity), inline(c.text)) for _, c, r in fresh]
    for new_id, (group, canonical, reading) in zip(unique_ids(bases, {c.id for c in claims}), fresh, strict=True):
        claim = _claim(Claim(id=new_id, text=inline(canonical.text)), group, canonical, reading, contexts)
        claims.append(claim)
        summary.new += 1
        _count(summary, claim, group, new_keys, table_keys)
    return ClaimRegistry(version=registry.version, reports=reports, claims=claims), summary


def _claim(
    base: Claim, group: list[Mention], canonical: Mention, reading: Reading, contexts: dict[str, _Context]
) -> Claim:
    names = [n for m in group for n in contexts[m.report].method_names]
    quantity = reading.quantity or base.quantity
    # merged wordings may differ in how specific they are ("Experiments were performed on …" / "OPTICAL was
    # evaluated on …"): the claim is of the most specific kind any of them shows
    texts = dict.fromkeys(inline(m.text) for m in [canonical, *group])
    kinds = {claim_kind(text, quantity, names) for text in texts}
    text = inline(canonical.text)
    return base.model_copy(
        update={
            "text": text,
            "truncated": is_truncated(text),
            "kind": min(kinds, key=KIND_ORDER.index),
            "sources": _sources(group, contexts) or base.sources,
            "quantity": quantity,
            # a note on the reading that gave the quantity, or on why there is none (a hand-set one has none)
            "quantity_note": reading.note if reading.quantity is not None or quantity is None else None,
            "mentions": group,
        }
    )


def _count(
    summary: IngestSummary,
    claim: Claim,
    group: list[Mention],
    new_keys: set[tuple[str, str]],
    table_keys: set[tuple[str, str]],
) -> None:
    if not any(_key(m) in new_keys for m in group):
        return
    summary.distinct += 1
    summary.distinct_from_tables += any(_key(m) in table_keys for m in group)
    summary.truncated += claim.truncated
    if claim.quantity is not None or has_measurement(claim.text):
        summary.numeric += 1
        summary.with_quantity += claim.quantity is not None
