"""The terminal report: one line per claim at any width, grouped by paper, reasons where they matter, colours."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from render_fixtures import every_verdict_export
from rich.cells import cell_len
from rich.console import Console

from claimcheck.cli.registry_cmds import resolve_id
from claimcheck.models import Claim, ClaimRegistry, ClaimResult, Verdict
from claimcheck.render.cells import EXPLAINED
from claimcheck.render.terminal import render_summary, render_table, short_id
from claimcheck.report import build_export

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def rendered(width: int, **console) -> list[str]:
    registry, export = every_verdict_export()
    out = StringIO()
    render_summary(export, registry, Console(file=out, width=width, **console))
    return out.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 120, 200])
def test_every_claim_is_one_line_no_wider_than_the_terminal(width: int) -> None:
    registry, export = every_verdict_export()
    lines = rendered(width)
    assert all(cell_len(line) <= width for line in lines)
    ids = [c.id for c in registry.claims]
    claim_lines = lines[2 : next(i for i, line in enumerate(lines) if line.startswith("report checks flagged"))]
    shown = [line.split()[0] for line in claim_lines if line.startswith("  ") and not line.startswith("   ")]
    assert len(shown) == len(export.claims)  # one line each
    for entry, text in zip(export.claims, shown, strict=True):
        assert resolve_id(text, ids) == entry.id  # the whole id, or a prefix `claimcheck show` resolves to it
        assert text == entry.id or ("…" in text and width < 120)


def test_ids_are_cut_only_when_nothing_else_gives_room_and_then_stay_unique() -> None:
    ids = ["coco-dr-base-ndcg10-trec-covid", "coco-dr-base-ndcg10-trec-covid-without-idro",
           "coco-dr-large-ndcg10-trec-covid", "experimental-dataset-included-fdb766",
           "experimental-dataset-included-92e9a9"]  # fmt: skip
    assert short_id(ids[1], 60, ids) == ids[1]
    for claim_id in ids:
        for width in (12, 20, 29):
            cut = short_id(claim_id, width, ids)
            assert len(cut) <= width and "…" in cut and resolve_id(cut, ids) == claim_id, (claim_id, cut)
    assert short_id(ids[3], 16, ids) == "experime…-fdb766"  # the tail tells the two apart
    wide = rendered(200)
    assert not any("…" in line.split()[0] for line in wide if line.startswith("  ") and line.split())


def test_grouped_by_paper_with_counts() -> None:
    lines = rendered(120)
    headings = [line for line in lines if line.startswith("arXiv ") or line.startswith("claims that name")]
    assert [h.split()[1] for h in headings[:3]] == ["2210.15212", "2301.12566", "2509.25638"]
    counted = r"\d+ (verified|refuted|not-run|error|inconclusive|not-applicable|direction-)"
    assert all(re.search(counted, h) for h in headings)  # the counts come before the title, which may be cut


def test_undecided_claims_say_why_once_and_decided_ones_add_no_line() -> None:
    _, export = every_verdict_export()
    lines = rendered(120)
    reasons = [line for line in lines if line.lstrip().startswith("↳")]
    explained = [e for e in export.claims if e.result.verdict in EXPLAINED]
    noted = [line for line in lines if re.match(r"\[\d+\] ", line)]
    assert noted and reasons  # shared reasons as numbered notes, the others on their claim's second line
    assert len(reasons) + sum(int(re.search(r"\((\d+) claims\)", n).group(1)) for n in noted) == len(explained)
    assert any("run: claimcheck verify ID --scale full" in line for line in lines)  # the shared command, once


def test_colours_follow_the_verdict_unless_no_color_or_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    coloured = "\n".join(rendered(120, force_terminal=True, color_system="truecolor"))
    green, red, yellow = "\x1b[1;32m", "\x1b[1;31m", "\x1b[33m"
    assert green in coloured and red in coloured and yellow in coloured  # verified, refuted, inconclusive
    assert re.search(r"\x1b\[2m(not-run|not-applicable)", coloured)  # dim
    monkeypatch.setenv("NO_COLOR", "1")
    plain = "\n".join(rendered(120, force_terminal=True))
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", plain)  # no colour at all (bold and dim are not colours)
    monkeypatch.delenv("NO_COLOR")
    assert not ANSI.search("\n".join(rendered(120)))  # not a terminal: plain text


def test_reasons_and_claim_text_are_printed_as_written_not_as_markup() -> None:
    claim = Claim(id="m", text="uses the [CLS] token [/CLS] vector")
    reason = "KeyError: '[/data]' ([type=float_type, input_value=None])"
    result = ClaimResult(claim_id="m", verdict=Verdict.ERROR, reason=reason)
    registry = ClaimRegistry(claims=[claim])
    export = build_export(registry, [result], command="report", registry_path="claims.yaml")
    for render in (lambda c: render_summary(export, registry, c), lambda c: render_table(export, c)):
        buffer = StringIO()
        render(Console(file=buffer, width=300))
        assert "'[/data]'" in buffer.getvalue() and "[type=float_type" in buffer.getvalue()
    wide = StringIO()
    render_table(export, Console(file=wide, width=300))
    assert "[CLS] token [/CLS]" in wide.getvalue()
