"""The fine-tuning data: passages as a memory-mapped passage shard, queries and their positive rows, and the
held-out queries the validity checks score before and after training.

Small sources (proxy, smoke) come through `claimcheck.retrieval.load_dataset`; a large one (MS MARCO at full
scale) is streamed from its BEIR files (`corpus.jsonl` line by line, never a dict of the corpus), and qrels are
resolved to rows by binary search over the shard's sorted ids.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from replications.coco_dr.shards import PassageShard, write_passage_shard

if TYPE_CHECKING:
    import torch

    from claimcheck.retrieval.data import Dataset
    from claimcheck.retrieval.encoders import Encoder, EncodingProtocol

ENCODE_CHUNK = 65_536  # passages turned into id lists at a time when encoding the whole shard


@dataclass
class TrainSet:
    name: str
    passages: PassageShard
    qids: list[str]
    queries: list[str]  # raw query texts (the protocol adds its prefix and lower-casing when encoding)
    query_tokens: list[np.ndarray]  # the protocol's query text tokenised without special tokens (for BM25)
    positives: list[np.ndarray]  # passage rows judged relevant, per query
    vocab_size: int
    _bm25: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def passage_input(self, row: int) -> np.ndarray:
        return self.passages.row(row)

    def passage_inputs(self, tokenizer: Any, rows: range | None = None) -> Iterator[list[list[int]]]:
        """Encoder inputs ([CLS] passage [SEP]) in chunks, so the whole corpus is never a list of lists."""
        rows = rows if rows is not None else range(len(self.passages))
        cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
        for start in range(rows.start, rows.stop, ENCODE_CHUNK):
            yield [
                [cls, *self.passages.row(i).tolist(), sep] for i in range(start, min(start + ENCODE_CHUNK, rows.stop))
            ]

    def encode_passages(self, enc: Encoder, tokenizer: Any) -> torch.Tensor:
        import torch

        return torch.cat([enc.encode_ids(chunk) for chunk in self.passage_inputs(tokenizer)])

    def bm25_top(self, k: int, k1: float, b: float) -> list[np.ndarray]:
        """BM25's top k passage rows per query (index built once per settings and kept)."""
        from replications.coco_dr.bm25 import BM25Index

        key = (k1, b)
        if key not in self._bm25:
            self._bm25 = {
                key: BM25Index.build(self.passages.tokens, self.passages.offsets, self.vocab_size, k1=k1, b=b)
            }
        index = self._bm25[key]
        out: list[np.ndarray] = []
        for start in range(0, len(self.query_tokens), 1024):
            out += index.top_k(self.query_tokens[start : start + 1024], k)
        return out

    def subset(self, rows: np.ndarray, name: str) -> TrainSet:
        rows = [int(r) for r in rows]
        return TrainSet(
            name,
            self.passages,
            [self.qids[r] for r in rows],
            [self.queries[r] for r in rows],
            [self.query_tokens[r] for r in rows],
            [self.positives[r] for r in rows],
            self.vocab_size,
            self._bm25,
        )

    def split_heldout(self, n_heldout: int, seed: int) -> tuple[TrainSet, TrainSet]:
        """(training queries, held-out queries): `n_heldout` queries set aside, the same for every seed."""
        order = np.random.default_rng([seed, 991]).permutation(len(self.queries))
        return self.subset(np.sort(order[n_heldout:]), self.name), self.subset(
            np.sort(order[:n_heldout]), f"{self.name}-heldout"
        )


def _tokenizer_fn(tokenizer: Any, max_length: int):
    def tokenize(texts: list[str]) -> list[list[int]]:
        return tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_length)["input_ids"]

    return tokenize


def _query_tokens(tokenizer: Any, protocol: EncodingProtocol, queries: list[str]) -> list[np.ndarray]:
    texts = [protocol.query_text(q) for q in queries]
    ids = _tokenizer_fn(tokenizer, protocol.query_max_length - 2)(texts) if texts else []
    return [np.asarray(x, dtype=np.int64) for x in ids]


def from_dataset(ds: Dataset, protocol: EncodingProtocol, tokenizer: Any, folder: Path) -> TrainSet:
    """A TrainSet from a loaded (small) dataset; its passages are written to a shard in `folder`."""
    items = ((d, protocol.doc_text(doc)) for d, doc in ds.corpus.items())
    shard = PassageShard.open(write_passage_shard(items, folder, _tokenizer_fn(tokenizer, protocol.doc_max_length - 2)))
    row_of = {d: i for i, d in enumerate(ds.corpus)}
    qids, positives = [], []
    for q in ds.queries:
        rows = sorted(row_of[d] for d, r in ds.qrels.get(q, {}).items() if r > 0 and d in row_of)
        if rows:
            qids.append(q)
            positives.append(np.asarray(rows, dtype=np.int64))
    queries = [ds.queries[q] for q in qids]
    return TrainSet(
        ds.name, shard, qids, queries, _query_tokens(tokenizer, protocol, queries), positives, len(tokenizer)
    )


# --------------------------------------------------------------------------------------------------- streaming


def open_text(path: Path) -> IO[str]:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def stream_beir_corpus(path: Path, title: bool = True) -> Iterator[tuple[str, dict]]:
    """(id, {"title", "text"}) for each line of a BEIR corpus.jsonl, one line in memory at a time."""
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                yield (
                    str(doc["_id"]),
                    {"title": (doc.get("title") or "") if title else "", "text": doc.get("text") or ""},
                )
            except (json.JSONDecodeError, KeyError) as exc:
                raise ValueError(f"{path}:{n}: not a BEIR corpus line ({exc})") from None


def read_queries_and_qrels(queries_path: Path, qrels_path: Path) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = {}
    with open_text(qrels_path) as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if n == 1 and parts[:2] == ["query-id", "corpus-id"]:
                continue
            if len(parts) != 3:
                raise ValueError(f"{qrels_path}:{n}: expected 'query-id<TAB>corpus-id<TAB>score'")
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries = {}
    with open_text(queries_path) as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                q = json.loads(line)
                if str(q["_id"]) in qrels:
                    queries[str(q["_id"])] = q["text"]
            elif not line:
                raise ValueError(f"{queries_path}:{n}: empty")
    return queries, qrels


def from_beir_stream(folder: Path, split: str, protocol: EncodingProtocol, tokenizer: Any, out: Path) -> TrainSet:
    """A TrainSet from a BEIR folder without loading its corpus: passages streamed into a shard at `out`."""
    from claimcheck.retrieval.data import beir_files

    files = beir_files(folder, split)
    if files is None:
        raise FileNotFoundError(f"{folder}: not a BEIR folder with corpus.jsonl, queries.jsonl, qrels/{split}.tsv")
    items = ((d, protocol.doc_text(doc)) for d, doc in stream_beir_corpus(files["corpus"]))
    shard = PassageShard.open(write_passage_shard(items, out, _tokenizer_fn(tokenizer, protocol.doc_max_length - 2)))
    queries, qrels = read_queries_and_qrels(files["queries"], files["qrels"])
    order = np.argsort(shard.ids)
    sorted_ids = np.asarray(shard.ids)[order]
    qids, positives = [], []
    for q in queries:
        wanted = np.array([d.encode() for d, r in qrels[q].items() if r > 0], dtype=sorted_ids.dtype)
        at = np.searchsorted(sorted_ids, wanted)
        hit = (at < len(sorted_ids)) & (sorted_ids[np.minimum(at, len(sorted_ids) - 1)] == wanted)
        if hit.any():
            qids.append(q)
            positives.append(np.sort(order[at[hit]]).astype(np.int64))
    texts = [queries[q] for q in qids]
    return TrainSet(
        folder.name, shard, qids, texts, _query_tokens(tokenizer, protocol, texts), positives, len(tokenizer)
    )
