"""The terminal: one line per claim, grouped by paper and fitted to the console's width (`render_summary`), or
the full table (`render_table`, `--wide`).

A line holds the claim's id, claimed value, measurement, verdict and evidence verdict. When they do not fit, the
cells get terser one step at a time (tolerance and p-value go, then the metric name, then the interval), and only
then is an id shortened, to `head…tail` that no other claim's id matches (`claimcheck show` takes that form). No
line is wider than the console, so nothing wraps inside an id. An undecided claim's reason
follows on a dim second line, or, when several claims share it, once as a numbered note below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from claimcheck.models import Claim, ClaimRegistry, Verdict
from claimcheck.render.cells import (
    EXPLAINED,
    VERDICT_STYLE,
    Detail,
    by_paper,
    evidence_address,
    format_effect_details,
    format_measured,
    format_time,
    record_origin,
    shared_reasons,
    summary_line,
)
from claimcheck.report import ClaimEntry, VerifyExport, flagged_checks, format_claimed

INDENT, GAP, MIN_ID = 2, 2, 12
# (claimed value with its metric name, measurement detail), from the fullest line to the tersest
LEVELS: tuple[tuple[bool, Detail], ...] = ((True, "full"), (True, "short"), (False, "short"), (False, "point"))
COLUMNS = ("claimed", "measured", "verdict", "evidence")
HINT = "claimcheck show ID: one claim in full · --wide: every field in one table"


def _matches(short: str, claim_id: str) -> bool:
    """Whether `short` (an id, `head…`, or `head…tail`) stands for `claim_id`."""
    head, cut, tail = short.partition("…")
    if not cut:
        return short == claim_id
    return claim_id.startswith(head) and claim_id.endswith(tail) and len(claim_id) >= len(head) + len(tail)


def short_id(claim_id: str, width: int, ids: Sequence[str]) -> str:
    """The id if it fits in `width`, else `head…tail` in `width` characters that stands for no other id (the tail
    keeps what tells ids apart: a qualifier such as `-without-idro`, a hash); wider only if nothing shorter is
    unique. `claimcheck show` takes the short form."""
    if len(claim_id) <= width:
        return claim_id
    others = [i for i in ids if i != claim_id]
    for room in range(max(width - 1, 2), len(claim_id)):
        for tail in sorted(range(room), key=lambda t: (abs(t - room // 2), -t)):  # balanced first, longer tails
            short = f"{claim_id[: room - tail]}…{claim_id[len(claim_id) - tail :]}"
            if not any(_matches(short, other) for other in others):
                return short
    return claim_id


@dataclass
class _Layout:
    level: tuple[bool, Detail]
    id_width: int
    widths: dict[str, int]  # the columns shown and their widths; a column with nothing to say is left out


def _cells(entry: ClaimEntry, claim: Claim | None, level: tuple[bool, Detail], notes: dict[str, int]) -> list[str]:
    with_metric, detail = level
    r = entry.result
    claimed = (format_claimed(claim, with_metric) if claim is not None else entry.claimed) or ""
    marker = f" [{notes[r.reason]}]" if r.verdict in EXPLAINED and r.reason in notes else ""
    evidence = entry.evidence.verdict.value if entry.evidence else ""
    return [claimed, format_measured(r, detail), r.verdict.value + marker, evidence]


def _fit(entries: Sequence[ClaimEntry], claims: dict[str, Claim], notes: dict[str, int], width: int) -> _Layout:
    natural = max((len(e.id) for e in entries), default=0)
    for level in LEVELS:
        rows = [_cells(e, claims.get(e.id), level, notes) for e in entries]
        widths = {
            name: max(len(name), *(cell_len(row[i]) for row in rows))
            for i, name in enumerate(COLUMNS)
            if any(row[i] not in ("", "—") for row in rows)
        }
        room = width - INDENT - sum(w + GAP for w in widths.values())
        if room >= natural or level == LEVELS[-1]:
            return _Layout(level, max(min(room, natural), MIN_ID), widths)
    raise AssertionError("unreachable: the last level always returns")


def _line(entry: ClaimEntry, claim: Claim | None, layout: _Layout, notes: dict[str, int], ids: Sequence[str]) -> Text:
    cells = dict(zip(COLUMNS, _cells(entry, claim, layout.level, notes), strict=True))
    line = Text(" " * INDENT) + Text(short_id(entry.id, layout.id_width, ids).ljust(layout.id_width), style="bold")
    for name, width in layout.widths.items():
        value = cells[name]
        style = VERDICT_STYLE[entry.result.verdict] if name == "verdict" else ""
        line += Text(" " * GAP) + Text(value, style=style) + Text(" " * (width - cell_len(value)))
    line.rstrip()
    return line


def _print_line(console: Console, text: Text) -> None:
    console.print(text, no_wrap=True, overflow="ellipsis", crop=True, soft_wrap=False)


def render_summary(export: VerifyExport, registry: ClaimRegistry, console: Console | None = None) -> None:
    console = console or Console()
    claims = {c.id: c for c in registry.claims}
    ids = list(claims)
    notes = shared_reasons(export.claims)
    layout = _fit(export.claims, claims, notes, console.width)
    _print_line(console, Text(f"claimcheck {export.command}", style="bold") + Text(f" · {len(export.claims)} claims"))
    header = Text(" " * INDENT + "claim".ljust(layout.id_width))
    for name, width in layout.widths.items():
        header += Text(" " * GAP + name.ljust(width))
    _print_line(console, Text(header.plain.rstrip(), style="dim"))
    for paper in by_paper(export, registry):
        counts = ", ".join(f"{n} {v}" for v, n in paper.counts().items())
        where = f"arXiv {paper.arxiv_id}" if paper.arxiv_id else paper.heading
        title = Text(f"  {paper.title}") if paper.arxiv_id and paper.title else Text()
        _print_line(console, Text(where, style="bold underline") + Text(f"  {counts}", style="dim") + title)
        for entry in paper.entries:
            _print_line(console, _line(entry, claims.get(entry.id), layout, notes, ids))
            r = entry.result
            if r.verdict in EXPLAINED and r.reason and r.reason not in notes:
                _print_line(console, Text(" " * (INDENT + 2) + "↳ " + r.reason, style="dim"))
            elif format_effect_details(r):  # a decided effect: what it rests on
                _print_line(console, Text(" " * (INDENT + 2) + "· " + format_effect_details(r), style="dim"))
            if record_origin(r):  # a verdict from another machine's record names its signer
                _print_line(console, Text(" " * (INDENT + 2) + "· " + record_origin(r), style="dim"))
            if entry.evidence is not None and entry.evidence.cell is not None:  # where the source says it
                _print_line(console, Text(" " * (INDENT + 2) + "· source: " + _evidence_cell(entry), style="dim"))
    _print_notes(console, export.claims, notes)
    _print_flagged(console, export)
    console.print(Text(summary_line(export.counts), style="bold"))
    _print_line(console, Text(HINT, style="dim"))


def _command_pattern(entries: Sequence[ClaimEntry]) -> str | None:
    """The one command, with the claim id written ID, that runs each of these claims; None if they differ."""
    patterns = {e.result.command.replace(e.id, "ID") for e in entries if e.result.command}
    return patterns.pop() if len(patterns) == 1 else None


def _print_notes(console: Console, entries: Sequence[ClaimEntry], notes: dict[str, int]) -> None:
    for reason, number in notes.items():
        sharing = [e for e in entries if e.result.reason == reason and e.result.verdict in EXPLAINED]
        # prose wraps between words; a word wider than the console (a test id, a path) is cut, never folded
        note = Text(f"[{number}] ", style="bold") + Text(f"{reason} ({len(sharing)} claims)", style="dim")
        console.print(note, overflow="ellipsis")
        command = _command_pattern(sharing) if any(e.result.verdict == Verdict.NOT_RUN for e in sharing) else None
        if command:
            console.print(Text("    run: " + command, style="dim"), overflow="ellipsis")


def _print_flagged(console: Console, export: VerifyExport) -> None:
    flagged = flagged_checks(export)
    if not flagged:
        return
    _print_line(console, Text(f"report checks flagged: {len(flagged)} (claimcheck show REPORT-ID for each)", "bold"))
    for entry, check in flagged:
        _print_line(console, Text(f"  {entry.id}  ") + Text(check.name, style="red") + Text(f"  {check.detail}"))


def _evidence_cell(entry: ClaimEntry) -> str:
    """The evidence verdict with where in the source it was found: "contradicted (p. 2, Table 2, row …)"."""
    if entry.evidence is None:
        return ""
    address = evidence_address(entry.evidence)
    return entry.evidence.verdict.value + (f" ({address})" if address else "")


def render_table(export: VerifyExport, console: Console | None = None) -> None:
    """Every field of every claim in one table (`--wide`): wraps cells where the console is too narrow."""
    console = console or Console()
    table = Table(title=f"claimcheck {export.command}", show_lines=False, expand=False)
    for name, kw in [
        ("claim", {"overflow": "fold", "max_width": 48}),
        ("claimed", {}),
        ("measured ± interval", {}),
        ("scale", {}),
        ("verdict", {}),
        ("evidence", {}),
        ("time", {"justify": "right"}),
        ("reason / command", {"overflow": "fold", "max_width": 60}),
    ]:
        table.add_column(name, **kw)
    for entry in export.claims:
        r = entry.result
        note = r.reason + (f"\n→ {r.command}" if r.command and r.verdict == Verdict.NOT_RUN else "")
        note += f"\n{format_effect_details(r)}" if format_effect_details(r) else ""
        text = entry.text if len(entry.text) <= 70 else entry.text[:69] + "…"
        table.add_row(
            Text(f"{entry.id}\n", style="bold") + Text(text, style="dim"),
            entry.claimed or "",
            format_measured(r),
            r.scale or "",
            Text(r.verdict.value, style=VERDICT_STYLE[r.verdict]),
            _evidence_cell(entry),
            format_time(r),
            Text(note),  # reasons quote errors and text: never rich markup
        )
    console.print(table)
    console.print(summary_line(export.counts))
    flagged = flagged_checks(export)
    if flagged:
        checks = Table(title="report checks flagged (`claimcheck show <report id>` for all)")
        for name in ("report", "check", "detail"):
            checks.add_column(name, overflow="fold")
        for entry, check in flagged:
            checks.add_row(f"{entry.id}\n{entry.file}", Text(check.name, style="bold red"), Text(check.detail))
        console.print(checks)
