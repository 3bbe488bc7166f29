"""Synthesis reports: title, date, abstract, examined paper, methodology figures, claims table, references.

Two layouts occur: markdown headings (`## 5 Extracted Claims`) and plain ones (`5 Extracted Claims`). The
claims table is tab-separated `Claim / Verified / Confidence`; the tick and confidence are what the report
asserted, kept as such.
"""

from __future__ import annotations

import math
import re
from datetime import date

from claimcheck.ingest.dates import read_date
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.normalise import verbatim
from claimcheck.ingest.parsed import ParsedReport
from claimcheck.ingest.references import arxiv_refs
from claimcheck.models import Mention, Methodology, Report

_SECTION_NAMES = (
    r"abstract|introduction|background|methodology|methods?|results|findings|limitations|discussion|conclusions?"
    r"|extracted claims|claims|references|bibliography"
)
# Every pattern here is linear in the line: no two adjacent quantifiers can match the same characters (one
# `\s*(?::\s*)?$` tail, never `\s*:?\s*$`), since a report line may be hostile (a header row of "Claim" and
# 3,000 spaces once took 30 s). Lines longer than MAX_HEADING_CHARS are never headings and are not matched at all.
MAX_HEADING_CHARS = 200
_NUMBERING = r"(?:\d+(?:\.\d+)*\.?\s+)?"
_HEADING = re.compile(rf"^(?P<hash>#{{1,6}})?\s*{_NUMBERING}(?P<name>{_SECTION_NAMES})\s*(?::\s*)?$", re.I)
_CLAIMS_HEADING = re.compile(rf"^(?P<hash>#{{1,6}})?\s*{_NUMBERING}(?:extracted\s+)?claims\s*(?::\s*)?$", re.I)
# Claim / Verified / Confidence, each gap a tab or two or more spaces (checked in `_is_table_header`).
_TABLE_HEADER = re.compile(r"^claims?(?P<gap1>\s+)verified(?P<gap2>\s+)confidence$", re.I)
_WORD = re.compile(r"\S+")
_TICKS = {
    **dict.fromkeys(["✓", "✔", "☑", "✅", "yes", "y", "true", "verified"], True),
    **dict.fromkeys(["×", "✗", "✘", "❌", "x", "no", "n", "false", "unverified"], False),
    **dict.fromkeys(["", "-", "–", "?", "n/a", "na"], None),
}
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
_EXAMINES = re.compile(r"This paper examines:\s*")
_RESEARCH_QUESTION = re.compile(r"\.\s+Research question:\s*")
# A count is a whole run of at most 9 digits: the look-behind keeps a long digit run from being rescanned at every
# offset (quadratic), and the cap keeps int() within Python's digit limit and the figure a plausible count.
_COUNT = r"(?<!\d)(\d{1,9})(?!\d)"
_FIGURES = {
    "papers_retrieved": re.compile(rf"{_COUNT} papers retrieved|yielded {_COUNT} papers", re.I),
    "claims_extracted": re.compile(rf"{_COUNT} claims (?:were )?extracted", re.I),
    "claims_verified": re.compile(rf"{_COUNT} (?:were |claims )?independently verified", re.I),
    "quality_score": re.compile(r"score(?: of)?:?\s*(?<![\d.])(\d{1,3}(?:\.\d{1,6})?)\s*/\s*10\b", re.I),
}
# A claims-table row longer than this is not a claim (the reports' rows are sentences of about 120 characters);
# refusing it also bounds the pairwise work deduplication does on a row's words.
MAX_CLAIM_CHARS = 5000


def _claims_heading(line: str) -> re.Match[str] | None:
    line = line.strip()
    return _CLAIMS_HEADING.match(line) if len(line) <= MAX_HEADING_CHARS else None


def has_claims_section(text: str) -> bool:
    return any(map(_claims_heading, text.split("\n")))


def _heading(line: str) -> re.Match[str] | None:
    line = line.strip()
    return _HEADING.match(line) if len(line) <= MAX_HEADING_CHARS else None


def _is_table_header(line: str) -> bool:
    match = _TABLE_HEADER.match(line.strip()) if len(line) <= MAX_HEADING_CHARS else None
    return bool(match) and all("\t" in gap or len(gap) >= 2 for gap in (match["gap1"], match["gap2"]))


def _section(lines: list[str], name: str) -> str | None:
    """The paragraph text under the heading `name`, up to the next heading."""
    for i, line in enumerate(lines):
        match = _heading(line)
        if match and match["name"].lower() == name:
            body: list[str] = []
            for following in lines[i + 1 :]:
                if _heading(following) or _claims_heading(following):
                    break
                body.append(following.strip())
            return " ".join(" ".join(body).split()) or None
    return None


_DATE_SHAPE = re.compile(r"\b[A-Za-z]+ \d{1,2}, \d{4}|\b\d{1,2} [A-Za-z]+ \d{4}|\b\d{4}-\d{2}-\d{2}")


def _date(lines: list[str]) -> date | None:
    for line in lines:
        candidate = " ".join(line.split())
        found = read_date(candidate, _DATE_FORMATS) if _DATE_SHAPE.fullmatch(candidate) else None
        if found is not None:
            return found
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


def _spaced_cells(row: str) -> tuple[str, str, str | None] | None:
    """A row whose tabs became runs of spaces: the claim, then two or more spaces, a tick (at most 8 characters)
    and an optional confidence. Read from the right, word by word (a regex for it backtracks quadratically)."""
    words = list(_WORD.finditer(row))
    for n in (2, 1):  # tick and confidence, else a tick alone
        if len(words) <= n:
            continue
        before, tick = words[-n - 1], words[-n]
        if tick.end() - tick.start() <= 8 and tick.start() - before.end() >= 2 and tick[0].lower() in _TICKS:
            return row[: before.end()], tick[0], words[-1][0] if n == 2 else None
    return None


def _row_cells(raw: str, file: str, line: int) -> tuple[str, str, str | None]:
    cells = [c.strip() for c in raw.split("\t")]
    while len(cells) > 3 and not cells[-1]:
        cells.pop()
    if len(cells) == 1:
        spaced = _spaced_cells(raw.strip())
        if spaced is None:
            raise IngestError(file, "claims table: row has no Verified column (expected tab-separated cells)", line)
        return spaced
    if len(cells) > 3:
        raise IngestError(file, f"claims table: row has {len(cells)} cells, expected 3", line)
    return cells[0], cells[1], cells[2] if len(cells) == 3 else None


def _claims_table(lines: list[str], raw_lines: list[str], start: int, file: str, report_id: str) -> list[Mention]:
    """Rows after the claims heading at `start`, up to the next heading or the end of the file. `lines` are
    normalised, `raw_lines` as the report has them: a mention keeps the report's own characters."""
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _is_table_header(lines[i]):
        raise IngestError(file, "claims table header 'Claim<TAB>Verified<TAB>Confidence' not found", i + 1)
    mentions: list[Mention] = []
    for j in range(i + 1, len(lines)):
        row = lines[j]
        if not row.strip():
            continue
        if _heading(row) or row.lstrip().startswith("#"):
            break
        if len(row) > MAX_CLAIM_CHARS:
            problem = f"claims table: row is {len(row)} characters; claims are under {MAX_CLAIM_CHARS}"
            raise IngestError(file, problem, j + 1)
        text, tick, conf = _row_cells(row, file, j + 1)
        text = " ".join(text.split())
        if not text:
            raise IngestError(file, "claims table: empty claim text", j + 1)
        mentions.append(
            Mention(
                report=report_id,
                line=j + 1,
                text=text if raw_lines[j] == row else verbatim(raw_lines[j], text),
                tick=_tick(tick, file, j + 1),
                confidence=_confidence(conf, file, j + 1),
            )
        )
    if not mentions:
        raise IngestError(file, "claims table has no rows", i + 1)
    return mentions


def _examines(front: list[str]) -> tuple[str | None, str | None]:
    """(examined paper, research question) from the line "This paper examines: X. Research question: Q?."."""
    for line in front:
        found = _EXAMINES.search(line)
        if not found:
            continue
        rest = line[found.end() :].strip()
        split = _RESEARCH_QUESTION.search(rest)
        paper, question = (rest[: split.start()], rest[split.end() :].strip()) if split else (rest, None)
        if question and question.endswith("?."):
            question = question[:-1]
        return paper.strip().rstrip(".") or None, question or None
    return None, None


def parse_synthesis(text: str, file: str, name: str, report_id: str, raw: str | None = None) -> ParsedReport:
    """`text` is normalised (`normalise.normalise`), `raw` the report as read (default: `text`); `file` names the
    input in errors; `name` is what the Report records (the file name only)."""
    lines = text.split("\n")
    raw_lines = raw.split("\n") if raw is not None else lines
    claims_at = next((i for i, line in enumerate(lines) if _claims_heading(line)), None)
    if claims_at is None:
        raise IngestError(file, "no 'Extracted Claims' section: not a synthesis report in a known layout")
    title_at = next(i for i, line in enumerate(lines) if line.strip())
    title = lines[title_at].strip().lstrip("#").strip()
    if not title or _heading(lines[title_at]):
        raise IngestError(file, "no title on the first non-empty line", title_at + 1)
    front = lines[:claims_at]
    examined, research_question = _examines(front)
    mentions = _claims_table(lines, raw_lines, claims_at, file, report_id)
    report = Report(
        id=report_id,
        kind="synthesis",
        file=name,
        layout="markdown" if lines[claims_at].lstrip().startswith("#") else "plain",
        title=" ".join(title.split()),
        date=_date(front[title_at + 1 :]),
        abstract=_section(front, "abstract"),
        examined_paper=examined,
        research_question=research_question,
        methodology=_methodology("\n".join(front)),
        references=arxiv_refs("\n".join(lines[claims_at:])),
    )
    return ParsedReport(report=report, mentions=mentions, rows=len(mentions))
