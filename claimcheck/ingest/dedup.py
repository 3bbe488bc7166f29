"""Near-duplicate claims: which mentions state the same thing.

Mentions are first normalised (`statements.normalise`: credit stripped, "the proposed method" and the paper's
method name taken out as the statement's subject, abbreviations and a few synonyms unified). Two mentions then
state the same claim when one of these holds and no guard below objects:

- reworded: their content words overlap with Jaccard ≥ 0.75 ("The loss in …" / "The loss function in …");
- contained: ≥ 90 % of the content words of one (at least 4 of them) appear in the other, and a complete
  statement is at least half as long as the one it is found in ("OPTICAL only requires bitext data for
  distillation training." inside "OPTICAL only needs bitext data for distillation training, which is more
  feasible for low-resource languages."). Truncation-aware: a cut text is compared on what it has, its
  last (cut) word matches any word it begins ("pre" → "precision"), and what the other text says beyond the
  cut is not held against it.

Guards (any one keeps two mentions apart): different subjects (the method each is about); different negations
with what they negate ("without iDRO", "not outperform"); each names a thing the other does not (datasets,
models: TREC-COVID / BioASQ, WikiCLIR / mMARCO); both carry extracted quantities that differ; numbers (digits
or number words) that differ — the longer may add a count only in a trailing clause past everything the
shorter says ("…seven language pairs …, including four low-resource languages"), never a measurement; and two
different rows of one report (a report lists each statement once, so its rows are distinct statements).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from claimcheck.ingest.ids import STOPWORDS
from claimcheck.ingest.statements import normalise
from claimcheck.models import Quantity

JACCARD_MIN = 0.75
CONTAINMENT_MIN = 0.9
CONTAINED_MIN_WORDS = 4  # fewer content words say too little to be found inside another statement
ELABORATION_RATIO_MIN = 0.5  # a complete statement is at least half of the one it is contained in
_NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "nor", "w/o", "neither", "none", "minus"})
# Words that frame rather than state ("a framework designed for X" = "a framework for X").
_FILLERS = frozenset({"designed", "called", "termed", "known"})
_WORD = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:/[a-z]+)?")
_RAW_TOKEN = re.compile(r"[A-Za-z0-9][\w\-@.]*[A-Za-z0-9]|[A-Za-z0-9]")
# A number standing alone (not the 10 of nDCG@10, the 30 of Flickr30k or a version), with its percent sign.
_NUMBER = re.compile(r"(?<![\w.@\-])(\d+(?:\.\d+)?)(?![\w@])(\s*%)?")
_CLAUSE_BREAK = re.compile(r"[,;:()]|\s[-–—]\s")


def _stem(word: str) -> str:
    # Plural/verb "s" only: "logs"→"log", "needs"→"need"; enough for reworded copies of one sentence.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# A named thing: a capital after the first character (iDRO, mMARCO, BioASQ, TREC-COVID, NMT), or a word with
# digits after a first letter (nDCG@10, Flickr30k). Plain capitalised words ("The", "Wikipedia") are not.
_CAPITALS = frozenset(string.ascii_uppercase)
_DIGITS = frozenset(string.digits)


def _is_entity(token: str) -> bool:
    rest = token[1:]
    return any(c in _CAPITALS for c in rest) or (
        token[:1].isascii() and token[:1].isalpha() and any(c in _DIGITS for c in rest)
    )


@dataclass(frozen=True)
class Features:
    key: str  # whitespace- and case-normalised text with its subject: equal keys are the same claim
    subject: str | None  # the examined paper's method when the statement is about it
    tokens: frozenset[str]  # content words (stemmed), numbers included
    order: tuple[str, ...]  # the same, in text order (where a clause sits matters for added counts)
    clauses: tuple[int, ...]  # for each word of `order`, the clause it is in (clauses end at , ; : ( ))
    fragment: str | None  # a cut text's last, possibly partial, word
    numbers: tuple[str, ...]  # sorted, repeats kept: "collection 0 of family 0" states 0 twice
    placed_numbers: tuple[tuple[str, int, bool], ...]  # (number, clause, is a measurement: decimal or percent)
    number_keys: frozenset[tuple[str, ...]]  # the numbers of each leading run of clauses (see `_number_keys`)
    entities: frozenset[str]
    negations: frozenset[str]  # "without idro", "not outperform"
    truncated: bool


@lru_cache(maxsize=1 << 16)  # reports repeat each other's rows verbatim: compute each text once
def features(text: str, truncated: bool, method_name: str | None = None) -> Features:
    norm, subject = normalise(text, method_name)
    parts = _CLAUSE_BREAK.split(norm)
    placed = [(w, c) for c, part in enumerate(parts) for w in _WORD.findall(part.lower())]
    raw = _RAW_TOKEN.findall(norm)
    numbers = [
        (m.group(1), c, bool(m.group(2)) or "." in m.group(1))
        for c, part in enumerate(parts)
        for m in _NUMBER.finditer(part)
    ]
    fragment = None
    if truncated and placed:  # the last word of a cut text may be a fragment ("MS MAR", "mean average pre")
        last, _ = placed.pop()
        raw = raw[:-1]
        fragment = _stem(last) if last.isalpha() and len(last) >= 3 else None
        if numbers and norm.rstrip().endswith(numbers[-1][0]):
            numbers.pop()  # "0.78" may be the start of 0.789
    words = [w for w, _ in placed]
    content = [(w, c) for w, c in placed if w in _NEGATIONS or (w not in STOPWORDS and w not in _FILLERS)]
    order = tuple(_stem(w) for w, _ in content)
    return Features(
        key=" ".join(norm.lower().split()) + (f" | {subject.lower()}" if subject else ""),
        subject=subject.lower() if subject else None,
        tokens=frozenset(order),
        order=order,
        clauses=tuple(c for _, c in content),
        fragment=fragment,
        numbers=tuple(sorted(n for n, _, _ in numbers)),
        placed_numbers=tuple(numbers),
        number_keys=_number_keys(numbers),
        entities=frozenset(t.lower() for t in raw if _is_entity(t)),
        negations=_negations(words),
        truncated=truncated,
    )


def _number_keys(numbers: list[tuple[str, int, bool]]) -> frozenset[tuple[str, ...]]:
    """The numbers of each leading run of clauses: a statement contained in this one states one of these."""
    last = max((c for _, c, _ in numbers), default=0)
    return frozenset(tuple(sorted(n for n, c, _ in numbers if c <= clause)) for clause in range(last + 1))


def _negations(words: list[str]) -> frozenset[str]:
    """Each negation with the first content word after it: "without iDRO" and "without COCO" differ."""
    found = set()
    for i, word in enumerate(words):
        if word in _NEGATIONS:
            target = next((w for w in words[i + 1 :] if w not in STOPWORDS and w not in _NEGATIONS), "")
            found.add(f"{word} {_stem(target)}".strip())
    return frozenset(found)


def _quantity_key(q: Quantity) -> tuple[object, ...]:
    lower = [(v or "").lower() for v in (q.subject, q.condition, q.metric, q.dataset, q.baseline, q.setting)]
    return (q.kind, q.value, q.unit, *lower)


def _has(other: Features, token: str) -> bool:
    return token in other.tokens or (other.fragment is not None and token.startswith(other.fragment))


def _contained(x: Features, y: Features) -> bool:
    """Whether nearly all that `x` says (a cut `x`: all it still has) is said in `y`."""
    size = len(x.tokens) + (x.fragment is not None)
    if size < CONTAINED_MIN_WORDS:
        return False
    found = sum(_has(y, t) for t in x.tokens)
    if x.fragment is not None:
        found += any(t.startswith(x.fragment) for t in y.tokens) or (y.fragment or "\0").startswith(x.fragment)
    if found < CONTAINMENT_MIN * size:
        return False
    # a complete statement found in a much longer one is a part of a different, larger statement
    return x.truncated or len(x.tokens) >= ELABORATION_RATIO_MIN * len(y.tokens)


def _numbers_agree(x: Features, y: Features) -> bool:
    """The clauses of `y` that say what `x` says state `x`'s numbers; later clauses may add counts (not
    measurements): "…on seven language pairs …, including four low-resource languages"."""
    if x.numbers == y.numbers:
        return True
    first: dict[str, int] = {}
    for i, token in enumerate(y.order):
        first.setdefault(token, i)
    # the clause of `y` in which everything `x` says has been said (each word at its first occurrence)
    span_end = max((first[t] for t in x.tokens if t in first), default=-1)
    last_clause = y.clauses[span_end] if span_end >= 0 else -1
    within = tuple(sorted(n for n, c, _ in y.placed_numbers if c <= last_clause))
    return within == x.numbers and not any(measure for _, c, measure in y.placed_numbers if c > last_clause)


def same_statement(a: Features, b: Features, qa: Quantity | None = None, qb: Quantity | None = None) -> bool:
    if a.key == b.key:
        return True
    if a.numbers != b.numbers and not (set(a.numbers) <= set(b.numbers) or set(b.numbers) <= set(a.numbers)):
        return False  # each states a number the other does not (the full check is `_numbers_agree`)
    if a.subject and b.subject and a.subject != b.subject:
        return False
    if a.negations != b.negations:
        return False
    if (a.entities - b.entities) and (b.entities - a.entities):
        return False  # each names something the other does not: different datasets, models or methods
    if qa is not None and qb is not None and _quantity_key(qa) != _quantity_key(qb):
        return False
    if not a.tokens or not b.tokens:
        return False
    if len(a.tokens & b.tokens) / len(a.tokens | b.tokens) >= JACCARD_MIN:
        return _numbers_agree(a, b) or _numbers_agree(b, a)
    return any(_contained(x, y) and _numbers_agree(x, y) for x, y in ((a, b), (b, a)))


@dataclass
class _Cluster:
    members: list[int] = field(default_factory=list)
    distinct: list[int] = field(default_factory=list)  # the first member of each key: repeats compare alike
    rows: set[tuple[str, str]] = field(default_factory=set)  # (report, key) of its mentions
    groups: set[str] = field(default_factory=set)  # the reports its mentions come from
    min_tokens: int = 1 << 30

    def open_to(self, key: str, group: str | None) -> bool:
        """Closed to a different row of a report it already holds a row of (a repeated row may join)."""
        return group is None or group not in self.groups or (group, key) in self.rows


class Deduplicator:
    """Groups items (features + optional quantity + the report they come from) into clusters of the same
    statement, in input order.

    An item joins the first cluster holding a member it matches, unless that cluster already holds a different
    row of the same report. Candidates come from an inverted index on content words: a cluster is compared only
    when it shares enough words for either rule to hold.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Features, Quantity | None]] = []
        self.clusters: list[_Cluster] = []
        self._exact: dict[str, int] = {}
        # number key → content word → clusters: only statements whose numbers can agree are ever compared
        self._postings: dict[tuple[str, ...], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))

    def add(self, feats: Features, quantity: Quantity | None = None, group: str | None = None) -> int:
        """Add one item; return the index of the cluster it joined (or started)."""
        index = len(self.items)
        self.items.append((feats, quantity))
        cluster = self._find(feats, quantity, group)
        if cluster is None:
            cluster = len(self.clusters)
            self.clusters.append(_Cluster())
        joined = self.clusters[cluster]
        joined.members.append(index)
        if self._exact.get(feats.key) != cluster:
            joined.distinct.append(index)
        joined.min_tokens = min(joined.min_tokens, len(feats.tokens))
        if group is not None:
            joined.groups.add(group)
            joined.rows.add((group, feats.key))
        self._exact.setdefault(feats.key, cluster)
        for key in feats.number_keys:
            postings = self._postings[key]
            for token in feats.tokens:
                bucket = postings[token]
                if not bucket or bucket[-1] != cluster:
                    bucket.append(cluster)
        return cluster

    def _find(self, feats: Features, quantity: Quantity | None, group: str | None) -> int | None:
        exact = self._exact.get(feats.key)
        if exact is not None and self.clusters[exact].open_to(feats.key, group):
            return exact
        if not feats.tokens:
            return None
        counts: Counter[int] = Counter()
        for key in feats.number_keys:
            postings = self._postings.get(key)
            if postings:
                shared = Counter(c for token in feats.tokens for c in set(postings.get(token, ())))
                counts |= shared  # a cluster under two keys: the larger count
        size = len(feats.tokens)
        for index in sorted(counts):
            cluster = self.clusters[index]
            # both rules need this many shared words, less two for cut words matched as prefixes
            if counts[index] < max(1, math.floor(JACCARD_MIN * min(size, cluster.min_tokens)) - 2):
                continue
            if not cluster.open_to(feats.key, group):
                continue
            for member in cluster.distinct:
                other, other_q = self.items[member]
                if same_statement(feats, other, quantity, other_q):
                    return index
        return None
