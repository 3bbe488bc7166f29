"""arXiv abstract pages saved as text: the record of the paper, and its abstract's result statements as claims.

The page is read by its fields, in the renderings arXiv (and its mirrors, which serve the same pages) produce:
- the abstract page as a browser copies it: `Title:X`, `Authors:X`, `Abstract:X` (sometimes run together with
  the link before it: "View PDFAbstract:"), `Comments:`, `Subjects:`, `Cite as: arXiv:<id>`,
  `[Submitted on 30 Sep 2025]` or the older `(Submitted on 27 Oct 2022 (v1), last revised … (this version, v2))`,
  and the submission history (`[v1] Tue, 30 Sep 2025 …`);
- the same with a space after each label, or with each label on a line of its own and its value below;
- arXiv's plain-text record (listing mails, `?fmt=txt`): `Date:`, `Title:`, `Authors:`, `Categories:`,
  `Comments:`, then the abstract between `\\\\` lines, long fields wrapped onto indented lines.
The id comes from the `Cite as:` line, else the id the page names most (`arXiv:<id>`, an `abs/` or `pdf/` URL,
the DOI 10.48550/arXiv.<id>). A page without any id still ingests; the parse says the id is missing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from claimcheck.ingest.dates import read_date
from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.normalise import verbatim
from claimcheck.ingest.parsed import ParsedReport
from claimcheck.ingest.references import ARXIV_ID, ID_PATTERN
from claimcheck.models import Mention, Report, SourceRef

# The page's labels, as arXiv prints them on the page and in its text record → the field they fill.
_LABEL_NAMES = {
    "Title": "title",
    "Authors": "authors",
    "Author": "authors",
    "Abstract": "abstract",
    "Comments": "comments",
    "Comment": "comments",
    "Subjects": "subjects",
    "Categories": "subjects",
    "Journal reference": "journal_ref",
    "Journal-ref": "journal_ref",
    "Cite as": "cite_as",
    "DOI": "doi",
    "Report number": "report_no",
    "Report-no": "report_no",
    "MSC classes": "msc",
    "MSC-class": "msc",
    "ACM classes": "acm",
    "ACM-class": "acm",
    "Date": "date",
}
# A label is capitalised as arXiv prints it and starts a field at the start of a line or glued to what a copy ran
# into it ("View PDFAbstract:"), never after a lower-case letter (then it ends a word: "Subtitle:"). No two
# quantifiers meet: linear on any line.
_LABEL = re.compile(
    r"(?<![a-z])(?P<label>" + "|".join(sorted(map(re.escape, _LABEL_NAMES), key=len, reverse=True)) + r")[ \t]?:"
)
_CATEGORY = re.compile(r"[a-z-]+\.[A-Za-z-]+|[a-z-]+")  # cs.IR, math.ST, hep-th
# Fields whose value may wrap onto indented lines (arXiv's text record); the abstract wraps onto any line.
_WRAPPING = {"title", "authors", "comments"}
# arXiv:2509.25638v1, arxiv.org/abs/2509.25638, the DOI 10.48550/arXiv.2509.25638
_ID_MENTION = re.compile(r"(?:\barXiv[:.] ?|arxiv\.org/(?:abs|pdf)/)" + ID_PATTERN, re.IGNORECASE)
_SUBMITTED = re.compile(r"[\[(]Submitted on (?P<d>\d{1,2} \w{3,9} \d{4})")
_THIS_VERSION = re.compile(r"(?:last revised (?P<d>\d{1,2} \w{3,9} \d{4}) )?\(this version, v(?P<v>\d{1,3})\)")
_HISTORY = re.compile(r"^\s*\[v(?P<v>\d{1,3})\]\s*(?:\w{3},\s*)?(?P<d>\d{1,2} \w{3} \d{4})?")
_TEXT_DATE = re.compile(r"^(?:\w{3},\s*)?(?P<d>\d{1,2} \w{3} \d{4})")
_REVISED = re.compile(r"^Date \(revised v(?P<v>\d{1,3})\)\s*:", re.IGNORECASE)
_RECORD_BREAK = "\\\\"  # the `\\` lines of arXiv's plain-text record
# Sentences asserting a result, an effect or a problem (as opposed to background and method description).
_RESULT = re.compile(
    r"\b(?:show(?:s|n|ed|ing)?|improv\w*|outperform\w*|degrad\w*|fail\w*|achiev\w*|demonstrat\w*|surpass\w*"
    r"|boost\w*|reduc\w*|increas\w*|gain\w*|better|worse|state-of-the-art|significant\w*|effective\w*)\b",
    re.I,
)
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "cf.", "vs.", "Fig.", "Eq.", "approx.")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y")
# arXiv caps abstracts at 1,920 characters; far beyond that the "abstract" is a page read wrongly, and its
# sentences would become claims.
MAX_ABSTRACT_CHARS = 10_000


@dataclass
class ArxivPage:
    """The fields of one abstract page, as the page gives them (lines 1-based)."""

    title: str
    abstract: str
    abstract_lines: tuple[int, int]  # first line, line after the last
    authors: list[str] = field(default_factory=list)
    ref: SourceRef | None = None
    submitted: date | None = None  # of v1
    updated: date | None = None  # of the latest version the page lists
    versions: list[int] = field(default_factory=list)
    comments: str | None = None
    subjects: list[str] = field(default_factory=list)
    journal_ref: str | None = None
    doi: str | None = None


def split_sentences(text: str) -> list[str]:
    protected = text
    for i, abbr in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbr, f"\x00{i}\x00")
    sentences = _SENTENCE_BREAK.split(protected)
    out = []
    for sentence in sentences:
        for i, abbr in enumerate(_ABBREVIATIONS):
            sentence = sentence.replace(f"\x00{i}\x00", abbr)
        if sentence.strip():
            out.append(sentence.strip())
    return out


def _starts_field(line: str) -> bool:
    return _LABEL.match(line.strip()) is not None


@dataclass
class _Field:
    value: str
    line: int  # 0-based line of the label
    end: int  # 0-based line after the value


def _value_lines(lines: list[str], i: int, name: str, first: str) -> tuple[list[str], int]:
    """The value starting with `first` on line `i`, with the lines it continues on; and the line after it."""
    parts = [first] if first else []
    j = i + 1
    if not parts:  # the label stands alone: its value is on the next non-empty line
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and not _starts_field(lines[j]) and lines[j].strip() != _RECORD_BREAK:
            parts.append(lines[j].strip())
            j += 1
    if name == "abstract":
        while j < len(lines) and lines[j].strip() and not _starts_field(lines[j]):
            parts.append(lines[j].strip())
            j += 1
    elif name in _WRAPPING:
        while j < len(lines) and lines[j][:1].isspace() and lines[j].strip() and not _starts_field(lines[j]):
            parts.append(lines[j].strip())
            j += 1
    return parts, j


def _fields(lines: list[str]) -> dict[str, _Field]:
    """The first occurrence of each field. On a line holding several labels each value ends at the next label,
    except the abstract's, which holds the rest of its line (an abstract may contain "Title:"). Lines a value
    continues on are not searched for labels."""
    found: dict[str, _Field] = {}
    i = 0
    while i < len(lines):
        line, after = lines[i], i + 1
        matches = list(_LABEL.finditer(line)) if ":" in line else []
        for k, match in enumerate(matches):
            name = _LABEL_NAMES[match["label"]]
            last = name == "abstract" or k + 1 == len(matches)
            if name not in found:
                first = line[match.end() : len(line) if last else matches[k + 1].start()].strip()
                parts, end = _value_lines(lines, i, name, first)
                found[name] = _Field(" ".join(" ".join(parts).split()), i, end)
                after = max(after, end)
            if last:
                break
        i = after
    return found


def _record_abstract(lines: list[str], after: int) -> _Field | None:
    """arXiv's plain-text record: the abstract is the block between the first two `\\` lines after the header."""
    breaks = [i for i in range(after, len(lines)) if lines[i].strip() == _RECORD_BREAK]
    if len(breaks) < 1:
        return None
    start = breaks[0] + 1
    stop = next((i for i in range(start, len(lines)) if lines[i].strip().startswith(_RECORD_BREAK)), len(lines))
    text = " ".join(" ".join(lines[start:stop]).split())
    return _Field(text, start, stop) if text else None


def _date(text: str) -> date | None:
    return read_date(text, _DATE_FORMATS)


def _page_id(text: str, cite_as: str | None) -> tuple[str | None, list[int]]:
    """The page's arXiv id (the `Cite as:` one, else the one named most) and the versions named with it."""
    mentions = [(m["id"], m["version"]) for m in _ID_MENTION.finditer(text)]
    cited = _ID_MENTION.search(cite_as or "") or ARXIV_ID.search(cite_as or "")
    if cited:
        arxiv_id = cited["id"]
    elif mentions:
        counts = Counter(i for i, _ in mentions)
        arxiv_id = max(counts, key=lambda i: (counts[i], -[m for m, _ in mentions].index(i)))
    else:
        return None, []
    return arxiv_id, [int(v) for i, v in mentions if i == arxiv_id and v]


def _history(lines: list[str]) -> tuple[list[int], dict[int, date]]:
    """Versions the page lists, with their dates where given: "[v2] Mon, 7 Nov 2022 …", "Date (revised v2): …"."""
    versions: list[int] = []
    dates: dict[int, date] = {}
    for line in lines:
        match = _HISTORY.match(line) or _REVISED.match(line.strip())
        if not match:
            continue
        version = int(match["v"])
        versions.append(version)
        when = match.groupdict().get("d")
        if not when and _REVISED.match(line.strip()):
            tail = _TEXT_DATE.match(line.split(":", 1)[1].strip())
            when = tail["d"] if tail else None
        day = _date(when) if when else None
        if day is not None:
            dates[version] = day
    return versions, dates


def _authors(text: str) -> list[str]:
    """Names separated by commas or "and", affiliations in parentheses kept with their name."""
    names, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth <= 0:
            names.append(current)
            current = ""
        else:
            current += ch
    names.append(current)
    out = []
    for name in names:
        out += [n.strip() for n in re.split(r" and ", name.strip()) if n.strip()]
    return out


def _subjects(text: str) -> list[str]:
    """ "Computer Vision (cs.CV); Machine Learning (cs.LG)" on the page, "cs.IR cs.CL" in the text record."""
    codes = text.split()
    if codes and ";" not in text and all(_CATEGORY.fullmatch(c) for c in codes):
        return codes
    return [s.strip() for s in text.split(";") if s.strip()]


def _submitted(text: str, lines: list[str], fields: dict[str, _Field], dates: dict[int, date]) -> date | None:
    match = _SUBMITTED.search(text)
    if match and _date(match["d"]):
        return _date(match["d"])
    if "date" in fields:
        tail = _TEXT_DATE.match(fields["date"].value)
        if tail and _date(tail["d"]):
            return _date(tail["d"])
    return dates.get(1)


def read_arxiv_page(text: str, file: str) -> ArxivPage | None:
    """The page's fields; None when the text has no title and abstract (not an abstract page). Fields present
    but empty raise IngestError."""
    lines = text.split("\n")
    fields = _fields(lines)
    if "title" not in fields:
        return None
    abstract = fields.get("abstract") or _record_abstract(lines, fields["title"].line)
    if abstract is None:
        return None
    if not fields["title"].value:
        raise IngestError(file, "arXiv page: empty 'Title:' field", fields["title"].line + 1)
    if not abstract.value:
        raise IngestError(file, "arXiv page: empty 'Abstract:' field", abstract.line + 1)
    if len(abstract.value) > MAX_ABSTRACT_CHARS:
        problem = f"arXiv page: the abstract runs to {len(abstract.value)} characters (arXiv allows 1,920)"
        raise IngestError(file, problem, abstract.line + 1)
    arxiv_id, named_versions = _page_id(text, fields["cite_as"].value if "cite_as" in fields else None)
    listed, dates = _history(lines)
    this_version = []
    for match in _THIS_VERSION.finditer(text):
        this_version.append(int(match["v"]))
        revised = _date(match["d"]) if match["d"] else None
        if revised is not None:
            dates.setdefault(int(match["v"]), revised)
    versions = sorted({*named_versions, *listed, *this_version})
    latest = max(versions) if versions else None
    value = {name: f.value for name, f in fields.items()}
    return ArxivPage(
        title=value["title"],
        abstract=abstract.value,
        abstract_lines=(abstract.line + 1, abstract.end + 1),
        authors=_authors(value.get("authors", "")),
        ref=SourceRef(arxiv_id=arxiv_id, version=latest, title=value["title"]) if arxiv_id else None,
        submitted=_submitted(text, lines, fields, dates),
        updated=dates.get(latest) if latest else None,
        versions=versions,
        comments=value.get("comments") or None,
        subjects=_subjects(value.get("subjects", "")),
        journal_ref=value.get("journal_ref") or None,
        doi=value.get("doi") or None,
    )


def is_abstract_page(page: ArxivPage, text: str) -> bool:
    """Title and abstract fields, and something only an abstract page has: an author list, subjects, an arXiv id."""
    return bool(page.ref or page.authors or page.subjects or "arxiv" in text.lower())


def parse_arxiv_page(
    page: ArxivPage, text: str, file: str, name: str, report_id: str, raw: str | None = None
) -> ParsedReport:
    """The report and its result sentences from `page` (read from the normalised `text`); `raw` is the page as
    read (default: `text`): mentions keep the page's own characters."""
    first, stop = page.abstract_lines
    raw_abstract = "\n".join((raw if raw is not None else text).split("\n")[first - 1 : stop - 1])
    report = Report(
        id=report_id,
        kind="arxiv-abstract",
        file=name,
        layout="arxiv-abstract",
        title=page.title,
        date=page.submitted,
        abstract=page.abstract,
        examined_paper=page.title,
        authors=page.authors,
        arxiv=page.ref,
        comments=page.comments,
        subjects=page.subjects,
    )
    mentions = [
        Mention(report=report_id, line=first, text=verbatim(raw_abstract, sentence))
        for sentence in split_sentences(page.abstract)
        if _RESULT.search(sentence)
    ]
    missing = f"{file}: the page names no arXiv id (no 'arXiv:' line, abs/ URL or arXiv DOI); ingested by its title"
    warnings = [] if page.ref else [missing]
    return ParsedReport(report=report, mentions=mentions, rows=len(mentions), warnings=warnings)
