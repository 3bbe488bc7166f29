"""arXiv abstract pages saved as text: the record of the paper, and its abstract's result statements as claims."""

from __future__ import annotations

import re
from datetime import datetime

from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parsed import ParsedReport
from claimcheck.ingest.references import ARXIV_ID
from claimcheck.models import Mention, Report, SourceRef

_FIELD = re.compile(
    r"^(?P<label>Title|Authors?|Abstract|Comments|Subjects|Journal reference|Cite as|DOI)\s*:\s*(?P<v>.*)$"
)
_ARXIV_LINE = re.compile(r"\barXiv:" + ARXIV_ID.pattern)
_SUBMITTED = re.compile(r"\[Submitted on (?P<d>\d{1,2} \w{3,9} \d{4})")
_VERSION_LINE = re.compile(r"^\[v(?P<v>\d{1,3})\]")
# Sentences asserting a result, an effect or a problem (as opposed to background and method description).
_RESULT = re.compile(
    r"\b(?:show(?:s|n|ed|ing)?|improv\w*|outperform\w*|degrad\w*|fail\w*|achiev\w*|demonstrat\w*|surpass\w*"
    r"|boost\w*|reduc\w*|increas\w*|gain\w*|better|worse|state-of-the-art|significant\w*|effective\w*)\b",
    re.I,
)
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "cf.", "vs.", "Fig.", "Eq.", "approx.")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


def looks_like_arxiv_page(text: str) -> bool:
    labels = {m["label"] for m in map(_FIELD.match, text.split("\n")) if m}
    return {"Title", "Abstract"} <= labels and bool(_ARXIV_LINE.search(text))


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


def _fields(lines: list[str]) -> dict[str, tuple[str, int]]:
    """First occurrence of each labelled field (the abstract with its continuation lines)."""
    found: dict[str, tuple[str, int]] = {}
    i = 0
    while i < len(lines):
        match = _FIELD.match(lines[i].strip())
        if not match or match["label"] in found:
            i += 1
            continue
        value, start = [match["v"].strip()], i
        i += 1
        # only the abstract wraps over lines; other fields are followed by unrelated page text
        wraps = match["label"] == "Abstract"
        while wraps and i < len(lines) and lines[i].strip() and not _FIELD.match(lines[i].strip()):
            value.append(lines[i].strip())
            i += 1
        found[match["label"]] = (" ".join(" ".join(value).split()), start + 1)
    return found


def _arxiv_ref(text: str, lines: list[str]) -> SourceRef | None:
    ids = [(m["id"], m["version"]) for m in _ARXIV_LINE.finditer(text)]
    if not ids:
        return None
    arxiv_id = ids[0][0]
    versions = [int(v) for i, v in ids if i == arxiv_id and v]
    versions += [int(m["v"]) for m in map(_VERSION_LINE.match, lines) if m]
    return SourceRef(arxiv_id=arxiv_id, version=max(versions) if versions else None)


def parse_arxiv_page(text: str, file: str, name: str, report_id: str) -> ParsedReport:
    lines = text.split("\n")
    fields = _fields(lines)
    title, _ = fields.get("Title", ("", 0))
    abstract, abstract_line = fields.get("Abstract", ("", 0))
    if not title:
        raise IngestError(file, "arXiv page: empty 'Title:' field")
    if not abstract:
        raise IngestError(file, "arXiv page: empty 'Abstract:' field", abstract_line or None)
    arxiv = _arxiv_ref(text, lines)
    submitted = _SUBMITTED.search(text)
    submitted_on = None
    if submitted:
        for fmt in ("%d %b %Y", "%d %B %Y"):
            try:
                submitted_on = datetime.strptime(submitted["d"], fmt).date()
                break
            except ValueError:
                continue
    authors_text = fields.get("Authors", fields.get("Author", ("", 0)))[0]
    authors = [a.strip() for a in re.split(r",\s*|\s+and\s+", authors_text) if a.strip()]
    subjects = [s.strip() for s in fields.get("Subjects", ("", 0))[0].split(";") if s.strip()]
    if arxiv is not None:
        arxiv = arxiv.model_copy(update={"title": title})
    report = Report(
        id=report_id,
        kind="arxiv-abstract",
        file=name,
        layout="arxiv-abstract",
        title=title,
        date=submitted_on,
        abstract=abstract,
        examined_paper=title,
        authors=authors,
        arxiv=arxiv,
        comments=fields.get("Comments", (None, 0))[0] or None,
        subjects=subjects,
    )
    mentions = [
        Mention(report=report_id, line=abstract_line, text=sentence)
        for sentence in split_sentences(abstract)
        if _RESULT.search(sentence)
    ]
    return ParsedReport(report=report, mentions=mentions, rows=len(mentions))
