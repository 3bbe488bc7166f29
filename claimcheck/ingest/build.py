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


@dataclass
class _Fold:
    """What the phases of one ingest share: the summary they count into and what each report tells."""

    summary: IngestSummary
    contexts: dict[str, _Context]
    new_keys: set[tuple[str, str]]  # mentions (report, text) of the reports being ingested
    table_keys: set[tuple[str, str]]  # of those, the ones from claims tables

    def count(self, claim: Claim, group: list[Mention]) -> None:
        _count(self.summary, claim, group, self.new_keys, self.table_keys)


def ingest_reports(registry: ClaimRegistry, parsed: list[ParsedReport]) -> tuple[ClaimRegistry, IngestSummary]:
    """A new registry with `parsed` folded into `registry` (which is not modified)."""
    summary = IngestSummary()
    incoming = _incoming(parsed, summary)
    reports = [incoming[r.id].report if r.id in incoming else r for r in registry.reports]
    known = {r.id for r in registry.reports}
    reports += [p.report for rid, p in incoming.items() if rid not in known]
    fold = _Fold(
        summary,
        contexts={r.id: _context(r, summary.warnings if r.id in incoming else []) for r in reports},
        new_keys={_key(m) for p in incoming.values() for m in p.mentions},
        table_keys={_key(m) for p in incoming.values() if p.report.kind == "synthesis" for m in p.mentions},
    )
    updated, fresh = _match_claims(registry, _groups(registry, incoming, fold.contexts), fold)
    claims = _kept_claims(registry, updated, summary)
    claims += _new_claims(fresh, {c.id for c in claims}, fold)
    return ClaimRegistry(version=registry.version, reports=reports, claims=claims), summary


def _incoming(parsed: list[ParsedReport], summary: IngestSummary) -> dict[str, ParsedReport]:
    incoming: dict[str, ParsedReport] = {}
    for p in parsed:
        incoming.setdefault(p.report.id, p)  # the same file twice in one batch counts once
    summary.reports = len(incoming)
    summary.rows = sum(p.rows for p in incoming.values())
    summary.table_rows = sum(p.rows for p in incoming.values() if p.report.kind == "synthesis")
    summary.warnings += [w for p in incoming.values() for w in p.warnings]
    return incoming


def _groups(
    registry: ClaimRegistry, incoming: dict[str, ParsedReport], contexts: dict[str, _Context]
) -> list[list[Mention]]:
    """Every mention — kept ones of reports not re-ingested, then the incoming ones — grouped by statement."""
    mentions = [m for c in registry.claims for m in c.mentions if m.report not in incoming]
    mentions += [m for p in incoming.values() for m in p.mentions]
    dedup = Deduplicator()
    for m in mentions:
        name, text = contexts[m.report].method_name, inline(m.text)
        dedup.add(features(text, is_truncated(text), name), read_quantity(text, name).quantity, m.report)
    return [[mentions[i] for i in cluster.members] for cluster in dedup.clusters]


_Fresh = tuple[list[Mention], Mention, Reading]  # a group no claim of the registry holds: mentions, canonical, reading


def _match_claims(
    registry: ClaimRegistry, groups: list[list[Mention]], fold: _Fold
) -> tuple[dict[str, Claim], list[_Fresh]]:
    """Each group onto the registry's claim holding one of its mentions (or a hand-written claim stating the
    same), updated; the groups no claim holds."""
    old_by_key = {_key(m): c.id for c in registry.claims for m in c.mentions}
    old = {c.id: c for c in registry.claims}
    handmade = [c for c in registry.claims if not c.mentions]
    updated: dict[str, Claim] = {}
    fresh: list[_Fresh] = []
    for group in groups:
        canonical = _canonical(group)
        reading = _reading(group, canonical, fold.contexts)
        match = next((old_by_key[_key(m)] for m in group if old_by_key.get(_key(m)) not in (None, *updated)), None)
        if match is None:  # a claim somebody wrote by hand before any report mentioned it
            name = fold.contexts[canonical.report].method_name
            match = _handmade_match(canonical, reading, name, [c for c in handmade if c.id not in updated])
        if match is None:
            fresh.append((group, canonical, reading))
            continue
        updated[match] = _claim(old[match], group, canonical, reading, fold.contexts)
        fold.count(updated[match], group)
    return updated, fresh


def _handmade_match(canonical: Mention, reading: Reading, name: str | None, handmade: list[Claim]) -> str | None:
    text = inline(canonical.text)
    feats = features(text, is_truncated(text), name)
    return next(
        (
            c.id
            for c in handmade
            if same_statement(feats, features(inline(c.text), c.truncated, name), reading.quantity, c.quantity)
        ),
        None,
    )


def _kept_claims(registry: ClaimRegistry, updated: dict[str, Claim], summary: IngestSummary) -> list[Claim]:
    """The registry's claims in their order: updated, hand-written, or kept for their hand-added fields."""
    claims: list[Claim] = []
    for c in registry.claims:
        if c.id in updated:
            claims.append(updated[c.id])
        elif not c.mentions:
            claims.append(c)
        elif any(getattr(c, f) for f in HAND_FIELDS):
            claims.append(c.model_copy(update={"mentions": []}))
            summary.warnings.append(f"claim {c.id}: no report mentions it any more; kept for its hand-added fields")
    return claims


def _new_claims(fresh: list[_Fresh], taken: set[str], fold: _Fold) -> list[Claim]:
    bases = [(claim_id(inline(c.text), r.quantity), inline(c.text)) for _, c, r in fresh]
    claims = []
    for new_id, (group, canonical, reading) in zip(unique_ids(bases, taken), fresh, strict=True):
        claim = _claim(Claim(id=new_id, text=inline(canonical.text)), group, canonical, reading, fold.contexts)
        claims.append(claim)
        fold.summary.new += 1
        fold.count(claim, group)
    return claims


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
