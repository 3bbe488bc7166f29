"""Synthesis reports: title, date, abstract, examined paper, methodology figures, claims table, references.

Two layouts occur: markdown headings (`## 5 Extracted Claims`) and plain ones (`5 Extracted Claims`). The
claims table is tab-separated `Claim / Verified / Confidence`; the tick and confidence are what the report
asserted, kept as such.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parsed import ParsedReport
from claimcheck.ingest.references import arxiv_refs
from claimcheck.models import Mention, Methodology, Report

_SECTION_NAMES = (
    r"abstract|introduction|background|methodology|methods?|results|findings|limitations|discussion|conclusions?"
    r"|extracted claims|claims|references|bibliography"
)
_HEADING = re.compile(rf"^(?P<hash>#{{1,6}})?\s*(?:\d+(?:\.\d+)*\.?\s+)?(?P<name>{_SECTION_NAMES})\s*:?\s*$", re.I)
_CLAIMS_HEADING = re.compile(r"^(?P<hash>#{1,6})?\s*(?:\d+(?:\.\d+)*\.?\s+)?(?:extracted\s+)?claims\s*:?\s*$", re.I)
_TABLE_HEADER = re.compile(r"^claims?\s*(?:\t|\s{2,})\s*verified\s*(?:\t|\s{2,})\s*confidence\s*$", re.I)
# A row whose tabs became runs of spaces: text, two or more spaces, a tick, then an optional confidence.
_SPACED_ROW = re.compile(r"^(?P<claim>.+?)\s{2,}(?P<tick>\S{1,8})(?:\s+(?P<conf>\S+))?\s*$")
_TICKS = {
    **dict.fromkeys(["✓", "✔", "☑", "✅", "yes", "y", "true", "verified"], True),
    **dict.fromkeys(["×", "✗", "✘", "❌", "x", "no", "n", "false", "unverified"], False),
    **dict.fromkeys(["", "-", "–", "?", "n/a", "na"], None),
}
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
_EXAMINES = re.compile(r"This paper examines:\s*(?P<paper>.+?)(?:\.\s+Research question:\s*(?P<rq>.+?))?\s*$")
_FIGURES = {
    "papers_retrieved": re.compile(r"(\d+) papers retrieved|yielded (\d+) papers", re.I),
    "claims_extracted": re.compile(r"(\d+) claims (?:were )?extracted", re.I),
    "claims_verified": re.compile(r"(\d+) (?:were |claims )?independently verified", re.I),
    "quality_score": re.compile(r"score(?: of)?:?\s*(\d+(?:\.\d+)?)\s*/\s*10\b", re.I),
}


def has_claims_section(text: str) -> bool:
    return any(_CLAIMS_HEADING.match(line.strip()) for line in text.split("\n"))


def _heading(line: str) -> re.Match[str] | None:
    return _HEADING.match(line.strip())


def _section(lines: list[str], name: str) -> str | None:
    """The paragraph text under the heading `name`, up to the next heading."""
    for i, line in enumerate(lines):
        match = _heading(line)
        if match and match["name"].lower() == name:
            body: list[str] = []
            for following in lines[i + 1 :]:
                if _heading(following) or _CLAIMS_HEADING.match(following.strip()):
                    break
                body.append(following.strip())
            return " ".join(" ".join(body).split()) or None
    return None


_DATE_SHAPE = re.compile(r"\w+ \d{1,2}, \d{4}|\d{1,2} \w+ \d{4}|\d{4}-\d{2}-\d{2}")


def _date(lines: list[str]) -> date | None:
    for line in lines:
        candidate = " ".join(line.split())
        if not _DATE_SHAPE.fullmatch(candidate):
            continue
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None


def _methodology(text: str) -> Methodology:
    found: dict[str, float | int] = {}
    for name, pattern in _FIGURES.items():
        match = pattern.search(text)
        if match:
            number = next(g for g in match.groups() if g is not None)
            found[name] = float(number) if name == "quality_score" else int(number)
    return Methodology(**found)


def _tick(cell: str, file: str, line: int) -> bool | None:
    key = cell.strip().lower()
    if key not in _TICKS:
        raise IngestError(file, f"claims table: unrecognised Verified cell {cell.strip()!r} (expected ✓ or ×)", line)
    return _TICKS[key]


def _confidence(cell: str | None, file: str, line: int) -> float | None:
    cell = (cell or "").strip()
    if not cell or cell in {"-", "–", "n/a"}:
        return None
    try:
        value = float(cell.rstrip("%")) / (100 if cell.endswith("%") else 1)
    except ValueError:
        raise IngestError(file, f"claims table: confidence {cell!r} is not a number", line) from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise IngestError(file, f"claims table: confidence {cell!r} is outside 0..1", line)
    return value


def _row_cells(raw: str, file: str, line: int) -> tuple[str, str, str | None]:
    cells = [c.strip() for c in raw.split("\t")]
    while len(cells) > 3 and not cells[-1]:
        cells.pop()
    if len(cells) == 1:
        spaced = _SPACED_ROW.match(raw.strip())
        if not spaced or spaced["tick"].lower() not in _TICKS:
            raise IngestError(file, "claims table: row has no Verified column (expected tab-separated cells)", line)
        return spaced["claim"], spaced["tick"], spaced["conf"]
    if len(cells) > 3:
        raise IngestError(file, f"claims table: row has {len(cells)} cells, expected 3", line)
    return cells[0], cells[1], cells[2] if len(cells) == 3 else None


def _claims_table(lines: list[str], start: int, file: str, report_id: str) -> list[Mention]:
    """Rows after the claims heading at `start`, up to the next heading or the end of the file."""
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _TABLE_HEADER.match(lines[i].strip()):
        raise IngestError(file, "claims table header 'Claim<TAB>Verified<TAB>Confidence' not found", i + 1)
    mentions: list[Mention] = []
    for j in range(i + 1, len(lines)):
        raw = lines[j]
        if not raw.strip():
            continue
        if _heading(raw) or raw.lstrip().startswith("#"):
            break
        text, tick, conf = _row_cells(raw, file, j + 1)
        text = " ".join(text.split())
        if not text:
            raise IngestError(file, "claims table: empty claim text", j + 1)
        mentions.append(
            Mention(
                report=report_id,
                line=j + 1,
                text=text,
                tick=_tick(tick, file, j + 1),
                confidence=_confidence(conf, file, j + 1),
            )
        )
    if not mentions:
        raise IngestError(file, "claims table has no rows", i + 1)
    return mentions


def parse_synthesis(text: str, file: str, name: str, report_id: str) -> ParsedReport:
    """`file` names the input in errors; `name` is what the Report records (the file name only)."""
    lines = text.split("\n")
    claims_at = next((i for i, line in enumerate(lines) if _CLAIMS_HEADING.match(line.strip())), None)
    if claims_at is None:
        raise IngestError(file, "no 'Extracted Claims' section: not a synthesis report in a known layout")
    title_at = next(i for i, line in enumerate(lines) if line.strip())
    title = lines[title_at].strip().lstrip("#").strip()
    if not title or _heading(lines[title_at]):
        raise IngestError(file, "no title on the first non-empty line", title_at + 1)
    front = lines[:claims_at]
    examines = next((m for m in map(_EXAMINES.search, front) if m), None)
    research_question = examines["rq"] if examines and examines["rq"] else None
    if research_question and research_question.endswith("?."):
        research_question = research_question[:-1]
    mentions = _claims_table(lines, claims_at, file, report_id)
    report = Report(
        id=report_id,
        kind="synthesis",
        file=name,
        layout="markdown" if lines[claims_at].lstrip().startswith("#") else "plain",
        title=" ".join(title.split()),
        date=_date(front[title_at + 1 :]),
        abstract=_section(front, "abstract"),
        examined_paper=examines["paper"].strip().rstrip(".") if examines else None,
        research_question=research_question,
        methodology=_methodology("\n".join(front)),
        references=arxiv_refs("\n".join(lines[claims_at:])),
    )
    return ParsedReport(report=report, mentions=mentions, rows=len(mentions))
