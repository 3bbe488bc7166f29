"""One claim's verdict in full, for `claimcheck show ID`: every field of the result (whatever the engine adds
shows up without a layout change), the evidence with its address in the source, and the run records cited."""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from claimcheck.models import ClaimResult, EvidenceResult, RunRecord
from claimcheck.render.cells import VERDICT_STYLE, evidence_address, format_effect_details, format_measured

# shown in the panel's head; every other field of the result follows as written
_HEAD = {"claim_id", "verdict", "scale", "measured", "interval", "tolerance", "effect", "p_value", "reason", "command",
         "records"}  # fmt: skip


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str | int | bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(_value(v) for v in value)
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False).strip()


def fields_table(rows: Sequence[tuple[str, object]]) -> Table:
    """Name / value rows, empty values left out; values are text, never markup."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        if value not in (None, "", [], {}):
            table.add_row(name, Text(_value(value)))
    return table


def result_panel(result: ClaimResult) -> Panel:
    head = Text(result.verdict.value, style=VERDICT_STYLE[result.verdict])
    head += Text(f" at {result.scale} scale" if result.scale else "")
    measured = format_measured(result)
    rows: list[tuple[str, object]] = [("measured", measured if measured != "—" else ""), ("reason", result.reason)]
    rows.append(("effect", format_effect_details(result)))
    rows += [(f"check {c['name']}", f"{'passed' if c['passed'] else 'FAILED'}: {c['detail']}")
             for c in result.details.get("validity", [])]  # fmt: skip
    rows += [("command", result.command), ("records", [key[:12] for key in result.records])]
    rest = result.model_dump(mode="json", exclude=_HEAD, exclude_defaults=True)
    rows += list(rest.items())
    return Panel(Group(head, fields_table(rows)), title="verdict (from the stored run records)")


def evidence_panel(evidence: EvidenceResult | None) -> Panel:
    if evidence is None:
        return Panel(Text("no evidence verdict stored (claimcheck evidence ID)", style="dim"), title="evidence")
    rows: list[tuple[str, object]] = [
        ("verdict", evidence.verdict.value),
        ("address", evidence_address(evidence)),
        ("source", evidence.source),
        ("cell", evidence.cell.text if evidence.cell else ""),
        ("note", evidence.note),
        ("neighbours", [f"{c.address}: {c.text}" for c in evidence.neighbours]),
        ("passages", [f"p. {p.page}: {p.text}" if p.page is not None else p.text for p in evidence.evidence]),
        ("completed text", evidence.completed_text),
    ]
    return Panel(fields_table(rows), title="evidence (the source paper)")


def records_table(records: Sequence[RunRecord]) -> Table:
    table = Table.grid(padding=(0, 2), pad_edge=True)
    for _ in range(5):
        table.add_column(no_wrap=True)
    table.add_column(overflow="fold", style="dim")
    for r in records:
        origin = r.imported_from or r.provenance.hostname or ""
        when = r.started_at[:16].replace("T", " ")
        table.add_row(r.key[:12], r.scale, r.status, f"{r.wall_time_s:.1f}s", when, origin)
    return table


def verdict_panels(result: ClaimResult, evidence: EvidenceResult | None, records: Sequence[RunRecord]) -> Group:
    parts: list[object] = [result_panel(result), evidence_panel(evidence)]
    if records:
        parts += [Text("run records this verdict cites", style="bold"), records_table(records)]
    return Group(*parts)
