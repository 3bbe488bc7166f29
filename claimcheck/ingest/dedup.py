"""Near-duplicate claims: which mentions state the same thing.

Two mentions state the same claim when their content words overlap strongly (Jaccard ≥ 0.75 on normalised,
stopword-free tokens; a cut text instead counts as the same when ≥ 90 % of its words appear in the other) and
nothing that identifies *what* is claimed differs: the numbers, the named things (datasets, models, methods:
tokens like TREC-COVID, iDRO, mMARCO), negations and ablations ("without", "not"), and, when both carry one,
the extracted quantity. "The loss in OPTICAL is defined…" and "The loss function in OPTICAL is defined…" merge;
0.789 and 0.771, or TREC-COVID and BioASQ, never do.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from claimcheck.ingest.ids import STOPWORDS
from claimcheck.models import Quantity

JACCARD_MIN = 0.75
TRUNCATED_CONTAINMENT_MIN = 0.9
_NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "nor", "w/o", "neither", "none", "minus"})
_WORD = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:/[a-z]+)?")
_RAW_TOKEN = re.compile(r"[A-Za-z0-9][\w\-@.]*[A-Za-z0-9]|[A-Za-z0-9]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _stem(word: str) -> str:
    # Plural/verb "s" only: "logs"→"log", "needs"→"need"; enough for reworded copies of one sentence.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# A named thing: a capital after the first character (iDRO, mMARCO, BioASQ, TREC-COVID, NMT), or a word with
# digits (nDCG@10, Flickr30k). Plain capitalised words ("The", "Wikipedia") are not.
_ENTITY = re.compile(r".+[A-Z]|[A-Za-z].*\d")


@dataclass(frozen=True)
class Features:
    key: str  # whitespace- and case-normalised text: equal keys are the same claim
    tokens: frozenset[str]
    numbers: frozenset[str]
    entities: frozenset[str]
    negations: frozenset[str]
    truncated: bool


@lru_cache(maxsize=1 << 16)  # reports repeat each other's rows verbatim: compute each text once
def features(text: str, truncated: bool) -> Features:
    words = _WORD.findall(text.lower())
    raw = _RAW_TOKEN.findall(text)
    if truncated:  # the last word of a cut text may be a fragment ("MS MAR")
        words, raw = words[:-1], raw[:-1]
    return Features(
        key=" ".join(text.lower().split()),
        tokens=frozenset(_stem(w) for w in words if w not in STOPWORDS or w in _NEGATIONS),
        numbers=frozenset(n for tok in raw for n in _NUMBER.findall(tok) if not tok[0].isalpha()),
        entities=frozenset(t.lower() for t in raw if _ENTITY.match(t)),
        negations=frozenset(w for w in words if w in _NEGATIONS),
        truncated=truncated,
    )


def _quantity_key(q: Quantity) -> tuple[object, ...]:
    lower = [(v or "").lower() for v in (q.subject, q.condition, q.metric, q.dataset, q.baseline, q.setting)]
    return (q.kind, q.value, q.unit, *lower)


def same_statement(a: Features, b: Features, qa: Quantity | None = None, qb: Quantity | None = None) -> bool:
    if a.key == b.key:
        return True
    if a.numbers != b.numbers or a.negations != b.negations:
        return False
    if (a.entities - b.entities) and (b.entities - a.entities):
        return False  # each names something the other does not: different datasets, models or methods
    if qa is not None and qb is not None and _quantity_key(qa) != _quantity_key(qb):
        return False
    if not a.tokens or not b.tokens:
        return False
    common = len(a.tokens & b.tokens)
    if common / len(a.tokens | b.tokens) >= JACCARD_MIN:
        return True
    # a cut text is a prefix of its statement: it is the same claim when the other contains nearly all of it
    return any(x.truncated and common / len(x.tokens) >= TRUNCATED_CONTAINMENT_MIN for x in (a, b))


@dataclass
class _Cluster:
    members: list[int] = field(default_factory=list)


class Deduplicator:
    """Groups items (features + optional quantity) into clusters of the same statement, in input order.

    An item joins the first cluster holding a member it matches. Candidates come from an inverted index on
    tokens, partitioned by the numbers stated (different numbers never merge): 13,000 mentions take about
    half a CPU-second.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Features, Quantity | None]] = []
        self.clusters: list[_Cluster] = []
        self._exact: dict[str, int] = {}
        self._postings: dict[frozenset[str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))

    def add(self, feats: Features, quantity: Quantity | None = None) -> int:
        """Add one item; return the index of the cluster it joined (or started)."""
        index = len(self.items)
        self.items.append((feats, quantity))
        cluster = self._find(feats, quantity)
        if cluster is None:
            cluster = len(self.clusters)
            self.clusters.append(_Cluster())
        self.clusters[cluster].members.append(index)
        self._exact.setdefault(feats.key, cluster)
        postings = self._postings[feats.numbers]
        for token in feats.tokens:
            bucket = postings[token]
            if not bucket or bucket[-1] != cluster:
                bucket.append(cluster)
        return cluster

    def _find(self, feats: Features, quantity: Quantity | None) -> int | None:
        if feats.key in self._exact:
            return self._exact[feats.key]
        postings = self._postings.get(feats.numbers)
        if not postings or not feats.tokens:
            return None
        counts: Counter[int] = Counter()
        for token in feats.tokens:
            counts.update(set(postings.get(token, ())))
        # Jaccard ≥ 0.75 needs at least 0.75·|tokens| shared; half of that admits cut texts down to ~40 % of this
        # one's length. A cut text shorter still is not compared (an accepted miss: it says too little to merge).
        floor = max(1, math.floor(min(JACCARD_MIN, TRUNCATED_CONTAINMENT_MIN) * len(feats.tokens) * 0.5))
        for cluster in sorted(c for c, n in counts.items() if n >= floor):
            for member in self.clusters[cluster].members:
                other, other_q = self.items[member]
                if same_statement(feats, other, quantity, other_q):
                    return cluster
        return None
