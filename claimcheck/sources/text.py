"""Text helpers shared by the PDF reader, the evidence matcher and the report checks.

One normalisation (NFKC, unified dashes/quotes, collapsed spaces) so that a report's copy of a sentence and the
PDF's extraction of it compare equal; one sentence splitter that does not cut at "e.g.", "et al." or "0.789".
"""

from __future__ import annotations

import functools
import re
import unicodedata

_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "’": "'", "‘": "'",
                         "“": '"', "”": '"', "\u00a0": " "})  # fmt: skip

# A period after these words does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e et al etc fig figs eq eqs sec tab cf vs dr mr ms no approx resp incl viz".split()  # noqa: SIM905
)

STOPWORDS = frozenset(
    """a an the and or of in on for to from with by as at is are was were be been being that this these those it its
    their there which who whom whose than then also only more most very such into over under between across about
    can could may might will would should has have had do does did we our they them he she his her not no via using
    used based each both all any several other while where when what how per so if but""".split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[a-z0-9]+(?:[.@-][a-z0-9]+)*")
_ABLATION = re.compile(r"^\s*(?:-|w/o|w\.o\.|without|no|minus|remove|removing)\s*(.+?)\s*$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|cannot|neither|nor|fails?|failed|without|worse|underperforms?)\b|n't\b")


def normalise(text: str) -> str:
    """NFKC (splits ligatures such as 'ﬁ'), one kind of dash and quote, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return re.sub(r"\s+", " ", text).strip()


def join_lines(lines: list[str]) -> str:
    """Join the lines of a PDF text block, undoing end-of-line hyphenation ("distri-" + "bution")."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            # "distri-" + "bution" was hyphenated by the layout; "COCO-" + "DR" is a compound that keeps its dash.
            out = out[:-1] + line if line[:1].islower() else out + line
        else:
            out = f"{out} {line}" if out else line
    return normalise(out)


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised paragraph. Splits after . ! ? followed by space and an upper-case start."""
    text = normalise(text)
    sentences: list[str] = []
    start = 0
    for match in re.finditer(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])", text):
        end = match.end()
        word = re.search(r"([A-Za-z.]+)\.$", text[start:end])
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        # A single capital letter before the period is an initial ("J. Smith"), not a sentence end.
        if re.search(r"(?:^|\s)[A-Z]\.$", text[start:end]):
            continue
        sentences.append(text[start:end].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; keeps 'ndcg@10', 'trec-covid' and '0.789' whole."""
    return _TOKEN.findall(normalise(text).lower())


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1]


def stem(token: str) -> str:
    """Crude and deliberate: drop a plural s, keep 6 letters ('requires' ~ 'require', 'labels' ~ 'label')."""
    if not token.isalpha():
        return token
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        token = token[:-1]
    return token[:6]


def coverage(claim: str, passage: str) -> float:
    """Fraction of the claim's distinct content words that the passage contains (1.0 = every word is there)."""
    wanted = {stem(t) for t in content_tokens(claim)}
    if not wanted:
        return 0.0
    have = set(content_tokens(passage))
    # Also accept a claim word that the passage has as part of a hyphenated compound ("COCO" in "COCO-DR").
    have |= {part for tok in have for part in tok.split("-")}
    return len(wanted & {stem(t) for t in have}) / len(wanted)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(normalise(text).lower()))


def negations(text: str) -> int:
    return len(_NEGATION.findall(normalise(text).lower()))


def _plain(text: str) -> str:
    """Lower case without accents ('Touché' → 'touche')."""
    decomposed = unicodedata.normalize("NFKD", normalise(text).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)  # table labels are compared with every claim: the same few hundred strings
def key(text: str) -> str:
    """Comparison key for names: lower case, letters and digits only ('TREC-COVID' == 'trec covid')."""
    return re.sub(r"[^a-z0-9]+", "", _plain(text))


@functools.lru_cache(maxsize=65536)
def name_tokens(text: str) -> tuple[str, ...]:
    """The words of a name or header as keys: 'COCO-DR (Ours)' → ['cocodr', 'ours']; 'BM25+CE' → ['bm25', 'ce'].

    A hyphen joins (TREC-COVID is one word); spaces, brackets, slashes, '+', commas and marks separate."""
    parts = re.split(r"[\s()\[\]{}/+,;:&*†‡§¶|]+", _plain(text))
    return tuple(k for k in (key(p) for p in parts) if k)


def ablated(text: str) -> str | None:
    """'-iDRO', 'w/o iDRO', 'without iDRO' → 'idro'; None when the text does not name an ablation."""
    match = _ABLATION.match(normalise(text))
    return key(match.group(1)) if match else None
