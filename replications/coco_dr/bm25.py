"""BM25 over token ids, for the warm-up stage's negatives (the official warm-up trains on BM25 negatives).

Documents and queries are the encoder tokenizer's ids (special tokens dropped), read from the memory-mapped
passage shards, so mining needs no second tokenisation and no corpus held as Python objects. Scores are Lucene's
BM25 (as Anserini/Pyserini, the source of MS MARCO's BM25 triples):

    idf(t) = ln(1 + (N - df_t + 0.5) / (df_t + 0.5))
    s(q, d) = sum_{t in q} idf(t) * tf_td (k1 + 1) / (tf_td + k1 (1 - b + b |d| / avgdl))

with each query term counted once per occurrence in the query. The index is a sparse (vocab x docs) matrix of the
per-term document weights; a batch of queries is one sparse product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class BM25Index:
    weights: sparse.csr_matrix  # (vocab, docs): idf(t) * saturated tf of t in d
    vocab_size: int

    @classmethod
    def build(
        cls, tokens: np.ndarray, offsets: np.ndarray, vocab_size: int, *, k1: float = 0.9, b: float = 0.4
    ) -> BM25Index:
        """From a ragged array of documents: document i is `tokens[offsets[i]:offsets[i + 1]]`.

        k1 0.9, b 0.4 are Anserini's MS MARCO passage settings."""
        lengths = np.diff(np.asarray(offsets, dtype=np.int64))
        n_docs = len(lengths)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        counts = sparse.coo_matrix(
            (np.ones(len(doc_of), dtype=np.float32), (np.asarray(tokens, dtype=np.int64), doc_of)),
            shape=(vocab_size, n_docs),
        ).tocsr()
        counts.sum_duplicates()
        df = np.diff(counts.indptr).astype(np.float64)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if n_docs else 0.0
        norm = k1 * (1.0 - b + b * lengths / max(avgdl, 1e-9))
        tf = counts.data.astype(np.float64)
        docs = counts.indices
        term_of = np.repeat(np.arange(vocab_size), np.diff(counts.indptr))
        counts.data = (idf[term_of] * tf * (k1 + 1.0) / (tf + norm[docs])).astype(np.float32)
        return cls(weights=counts, vocab_size=vocab_size)

    def scores(self, queries: list[np.ndarray]) -> sparse.csr_matrix:
        """(queries, docs) BM25 scores; zero where a document shares no term with the query."""
        rows = np.repeat(np.arange(len(queries)), [len(q) for q in queries])
        cols = np.concatenate([np.asarray(q, dtype=np.int64) for q in queries]) if queries else np.zeros(0, int)
        q = sparse.csr_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(queries), self.vocab_size)
        )
        return (q @ self.weights).tocsr()

    def top_k(self, queries: list[np.ndarray], k: int) -> list[np.ndarray]:
        """Per query the ids of its (up to) k best-scoring documents, best first; ties broken by lower id."""
        scored = self.scores(queries)
        out = []
        for i in range(scored.shape[0]):
            start, end = scored.indptr[i], scored.indptr[i + 1]
            docs, vals = scored.indices[start:end], scored.data[start:end]
            order = np.lexsort((docs, -vals))[:k]
            out.append(docs[order].astype(np.int64))
        return out
