"""Passage ranking: BM25 over word tokens, and MiniLM sentence embeddings when the packaged model loads.

The embedding model is loaded lazily, once per process, through the shared `claimcheck.retrieval.encoders`
(the `minilm` protocol: mean pooling, L2-normalised, cosine). Where it cannot load (no torch, no package,
or CLAIMCHECK_EMBEDDINGS=0) ranking is lexical only and `Embedder.reason` says why.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence

import numpy as np

from claimcheck.sources.text import content_tokens

EMBEDDINGS_ENV = "CLAIMCHECK_EMBEDDINGS"


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75, Lucene's idf) over already tokenised passages."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.lengths = np.array([len(d) for d in docs], dtype=float)
        self.avg = float(self.lengths.mean()) if len(docs) else 0.0
        df = Counter(t for d in self.tf for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.tf))
        if not self.tf or self.avg == 0:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avg)
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            tf = np.array([d.get(term, 0) for d in self.tf], dtype=float)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def bm25_scores(query: str, passages: Sequence[str]) -> np.ndarray:
    return BM25([content_tokens(p) for p in passages]).scores(content_tokens(query))


class Embedder:
    """MiniLM sentence embeddings (unit vectors) with a per-process memo of texts already embedded."""

    def __init__(self) -> None:
        self._encoder = None
        self.reason: str | None = None
        self._memo: dict[str, np.ndarray] = {}
        if os.environ.get(EMBEDDINGS_ENV, "1") == "0":
            self.reason = f"embeddings switched off ({EMBEDDINGS_ENV}=0)"

    @property
    def available(self) -> bool:
        if self._encoder is None and self.reason is None:
            try:
                from claimcheck.retrieval.encoders import Encoder, minilm_path

                self._encoder = Encoder(minilm_path(), "minilm")
            except Exception as exc:  # any failure to load means lexical-only ranking, said in the note
                self.reason = f"MiniLM unavailable ({type(exc).__name__}: {exc}); lexical similarity only"
        return self._encoder is not None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not self.available:
            raise RuntimeError(self.reason or "no embedding model")
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if todo:
            vectors = self._encoder.encode_texts(todo, 256).numpy()  # type: ignore[union-attr]
            self._memo.update(zip(todo, vectors, strict=True))
        return np.stack([self._memo[t] for t in texts]) if texts else np.zeros((0, 384))

    def cosine(self, query: str, passages: Sequence[str]) -> np.ndarray:
        vectors = self.embed([query, *passages])
        return vectors[1:] @ vectors[0]


_DEFAULT: Embedder | None = None


def default_embedder() -> Embedder:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Embedder()
    return _DEFAULT
