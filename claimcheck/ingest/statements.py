"""One statement, however a report words it: strip who is credited, name "the proposed method", unify synonyms.

Reports reword the same sentence of a paper: "The paper presents OPTICAL, a novel …" / "OPTICAL is a novel …",
"Sasaki et al. proposed a … collection named WikiCLIR" / "WikiCLIR is a … collection", "In terms of mean
average precision (MAP), the proposed method …" / "OPTICAL … in terms of mean average pre…", "only requires" /
"only needs", "Experiments were performed on" / "OPTICAL was evaluated on". `normalise` maps these wordings to
one form so the deduplicator compares what is said, not how. The table is small on purpose: each entry is a
rewording seen in syntheses, never a guess at meaning (no embeddings: ingest must stay fast).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Credit and framing that do not change what is claimed, at the start of a statement.
_ATTRIBUTION = re.compile(
    r"^(?:(?:the|this) (?:paper|authors?|study|work|article)s? (?:presents?|proposes?|introduces?|describes?"
    r"|shows?|reports?|finds?|demonstrates?|argues?)(?: that)?"
    r"|[A-Z][\w'\-]+(?: and [A-Z][\w'\-]+)? et al\.?(?: \(\d{4}\))? (?:proposed|built|introduced|presented"
    r"|developed|created|released|constructed|showed|found|reported)(?: that)?)\s+",
    re.IGNORECASE,
)
# How a report refers to the examined paper's own method without naming it.
_SELF = re.compile(
    r"\b(?:(?:the|this|our) (?:proposed|presented|new) (?:method|approach|model|framework|system)"
    r"|our (?:method|approach|model|framework|system))\b",
    re.IGNORECASE,
)
# Abbreviations (case-sensitive: "MAP", not the word "map") → the words they stand for.
_ABBREVIATIONS = {
    "MAP": "mean average precision",
    "CLIR": "cross-lingual information retrieval",
    "NMT": "neural machine translation",
}
_ABBREVIATION = re.compile(r"(?<![\w\-@])(" + "|".join(_ABBREVIATIONS) + r")(?![\w\-@])")
# Lower-case phrase synonyms: (pattern, replacement).
_SYNONYMS = [
    (re.compile(r"\bexperiments? (?:were|was|are|is) (?:performed|conducted|carried out|run)\b"), "evaluated"),
    (re.compile(r"\b(?:is|are|was|were|has been|have been) (?:evaluated|tested|assessed)\b"), "evaluated"),
    (re.compile(r"\b(?:requires?|required|requiring|needs?|needed|needing)\b"), "needs"),
]
_NUMBER_NAMES = """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty"""
NUMBER_WORDS = {word: str(i) for i, word in enumerate(_NUMBER_NAMES.split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b")


@lru_cache(maxsize=1 << 16)
def normalise(text: str, method_name: str | None = None) -> tuple[str, str | None]:
    """(normalised text, the method it is about) — case kept for entity detection; the method's name is taken
    out of the text (it is the statement's subject, compared on its own) and "the proposed method" resolves to
    `method_name`, the examined paper's method."""
    text = " ".join(text.split())
    text = _ATTRIBUTION.sub("", text, count=1)
    subject = None
    if method_name:
        if _SELF.search(text):
            subject, text = method_name, _SELF.sub(" ", text)
        name = re.compile(rf"(?<![\w\-]){re.escape(method_name)}(?![\w\-])")
        if name.search(text):
            subject, text = method_name, name.sub(" ", text)
    text = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    lowered = text.lower()
    for pattern, replacement in _SYNONYMS:
        if pattern.search(lowered):
            text = pattern.sub(replacement, _case_free(text, pattern))
            lowered = text.lower()
    text = _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1)], _case_free(text, _NUMBER_WORD))
    return " ".join(text.split()), subject


def _case_free(text: str, pattern: re.Pattern[str]) -> str:
    """Lower-case only the spans `pattern` matches in the lower-cased text, so that it can substitute them."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased; fall back to all lower
        return lowered
    out, last = [], 0
    for m in pattern.finditer(lowered):
        out += [text[last : m.start()], lowered[m.start() : m.end()]]
        last = m.end()
    return "".join([*out, text[last:]])
