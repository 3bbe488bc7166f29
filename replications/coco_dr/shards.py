"""The streaming data path: corpora tokenised once into memory-mapped shards, each rank reading only its own.

A shard is a folder of flat binary arrays (numpy `memmap`, int32 token ids, int64 offsets) and a `meta.json`:

* a **span shard** (COCO) holds `span_tokens` / `span_offsets` (span i = tokens[offsets[i]:offsets[i+1]]) and
  `doc_offsets` (document j = spans doc_offsets[j]..doc_offsets[j+1]);
* a **passage shard** (fine-tuning corpus) holds `tokens` / `offsets` (passage i, special tokens left out) and
  `ids` (fixed-width bytes), so a passage is found by row without a dict of the corpus.

Documents are streamed from the source files one at a time (BEIR's `corpus.jsonl` line by line; the small classic
collections through their loaders) and dealt to shard `i % n_shards`; the writer keeps one chunk of documents in
memory, never a corpus. Shards are written once per (corpus, tokenizer, settings) key and reused, and a finished
shard is renamed into place so a killed run leaves no half shard behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CHUNK_DOCS = 2048  # documents tokenised per batch call: large enough for the fast tokenizer, small in memory


# --------------------------------------------------------------------------------------------------- arrays


class _ArrayWriter:
    """Appends numpy arrays of one dtype to a raw binary file."""

    def __init__(self, path: Path, dtype: str) -> None:
        self.path, self.dtype, self.count = path, np.dtype(dtype), 0
        self._file = path.open("wb")

    def extend(self, values: np.ndarray | list[int]) -> None:
        data = np.asarray(values, dtype=self.dtype)
        self._file.write(data.tobytes())
        self.count += len(data)

    def close(self) -> int:
        self._file.close()
        return self.count


def _open(folder: Path, name: str, meta: dict[str, Any]) -> np.ndarray:
    dtype, count = meta["arrays"][name]
    if count == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(folder / f"{name}.bin", dtype=dtype, mode="r", shape=(count,))


def _finish(tmp: Path, final: Path, meta: dict[str, Any]) -> Path:
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    try:
        os.replace(tmp, final)
    except OSError:  # another rank or run finished the same shard first (same content): keep theirs
        if not (final / "meta.json").exists():
            raise
        shutil.rmtree(tmp)
    return final


def _tmp_dir(final: Path) -> Path:
    tmp = final.with_name(f".{final.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def shard_key(**parts: Any) -> str:
    """A short stable key for a shard's settings (corpus names, tokenizer, span rule, shard count)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------------- span shards


@dataclass
class SpanShard:
    """One shard of COCO's tokenised documents, memory-mapped."""

    folder: Path
    span_tokens: np.ndarray
    span_offsets: np.ndarray
    doc_offsets: np.ndarray
    meta: dict[str, Any]

    @classmethod
    def open(cls, folder: Path) -> SpanShard:
        meta = json.loads((folder / "meta.json").read_text())
        return cls(folder, *(_open(folder, n, meta) for n in ("span_tokens", "span_offsets", "doc_offsets")), meta)

    @property
    def n_docs(self) -> int:
        return max(0, len(self.doc_offsets) - 1)

    def spans_of(self, doc: int) -> list[np.ndarray]:
        lo, hi = int(self.doc_offsets[doc]), int(self.doc_offsets[doc + 1])
        return [self.span_tokens[self.span_offsets[i] : self.span_offsets[i + 1]] for i in range(lo, hi)]


def write_span_shards(
    docs: Iterable[Any],
    out: Path,
    n_shards: int,
    spans_of_chunk: Callable[[list[str], int], list[list[list[int]] | None]],
    *,
    only: Iterable[int] | None = None,
    text_of: Callable[[Any], str] = str,
) -> list[Path]:
    """Tokenise `docs` into `n_shards` span shards under `out` (document i goes to shard i % n_shards).

    `spans_of_chunk(texts, shard)` returns per text its spans (lists of token ids) or None when the span filter
    drops it. `only` limits the work to some shards (a rank writes its own); `text_of` turns a stream item into
    its text and is called only for the shards written, so a rank skips the others' raw lines unparsed."""
    wanted = set(range(n_shards) if only is None else only)
    finals = [out / f"shard{s:03d}" for s in range(n_shards)]
    todo = {s for s in wanted if not (finals[s] / "meta.json").exists()}
    if todo:
        tmps = {s: _tmp_dir(finals[s]) for s in todo}
        writers = {
            s: {
                "span_tokens": _ArrayWriter(tmps[s] / "span_tokens.bin", "int32"),
                "span_offsets": _ArrayWriter(tmps[s] / "span_offsets.bin", "int64"),
                "doc_offsets": _ArrayWriter(tmps[s] / "doc_offsets.bin", "int64"),
            }
            for s in todo
        }
        state = {s: {"tokens": 0, "spans": 0, "seen": 0, "kept": 0} for s in todo}
        for w in writers.values():
            w["span_offsets"].extend([0])
            w["doc_offsets"].extend([0])
        for shard, texts in _chunks_by_shard(docs, n_shards, todo, text_of):
            st, w = state[shard], writers[shard]
            for spans in spans_of_chunk(texts, shard):
                st["seen"] += 1
                if spans is None:
                    continue
                st["kept"] += 1
                ends = array("q")
                for span in spans:
                    w["span_tokens"].extend(span)
                    st["tokens"] += len(span)
                    ends.append(st["tokens"])
                w["span_offsets"].extend(np.frombuffer(ends, dtype=np.int64))
                st["spans"] += len(spans)
                w["doc_offsets"].extend([st["spans"]])
        for s in todo:
            counts = {name: wr.close() for name, wr in writers[s].items()}
            meta = {
                "arrays": {n: [str(writers[s][n].dtype), c] for n, c in counts.items()},
                "docs_seen": state[s]["seen"],
                "docs_kept": state[s]["kept"],
            }
            _finish(tmps[s], finals[s], meta)
    return [finals[s] for s in sorted(wanted)]


def _chunks_by_shard(
    docs: Iterable[Any], n_shards: int, todo: set[int], text_of: Callable[[Any], str]
) -> Iterator[tuple[int, list[str]]]:
    pending: dict[int, list[str]] = {s: [] for s in todo}
    for i, item in enumerate(docs):
        s = i % n_shards
        if s not in pending:
            continue
        pending[s].append(text_of(item))
        if len(pending[s]) >= CHUNK_DOCS:
            yield s, pending[s]
            pending[s] = []
    for s, texts in pending.items():
        if texts:
            yield s, texts


# --------------------------------------------------------------------------------------------------- passages


@dataclass
class PassageShard:
    """Tokenised passages (no special tokens) and their ids, memory-mapped: row i is passage `ids[i]`."""

    folder: Path
    tokens: np.ndarray
    offsets: np.ndarray
    ids: np.ndarray
    meta: dict[str, Any]

    @classmethod
    def open(cls, folder: Path) -> PassageShard:
        meta = json.loads((folder / "meta.json").read_text())
        ids_dtype, n_ids = meta["ids"]
        ids = np.memmap(folder / "ids.bin", dtype=ids_dtype, mode="r", shape=(n_ids,)) if n_ids else np.zeros(0)
        return cls(folder, _open(folder, "tokens", meta), _open(folder, "offsets", meta), ids, meta)

    def __len__(self) -> int:
        return max(0, len(self.offsets) - 1)

    def row(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i] : self.offsets[i + 1]]

    def docid(self, i: int) -> str:
        return bytes(self.ids[i]).decode()


def write_passage_shard(
    items: Iterable[tuple[str, str]], out: Path, tokenize: Callable[[list[str]], list[list[int]]], id_width: int = 40
) -> Path:
    """Tokenise `(id, text)` pairs into one passage shard at `out` (streamed in chunks; reused when present)."""
    if (out / "meta.json").exists():
        return out
    tmp = _tmp_dir(out)
    tokens = _ArrayWriter(tmp / "tokens.bin", "int32")
    offsets = _ArrayWriter(tmp / "offsets.bin", "int64")
    ids = _ArrayWriter(tmp / "ids.bin", f"S{id_width}")
    offsets.extend([0])
    total = 0
    batch: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal total
        ends = array("q")
        for row in tokenize([text for _, text in batch]):
            tokens.extend(row)
            total += len(row)
            ends.append(total)
        offsets.extend(np.frombuffer(ends, dtype=np.int64))
        encoded = [d.encode() for d, _ in batch]
        too_long = next((d for d in encoded if len(d) > id_width), None)
        if too_long is not None:
            raise ValueError(f"passage id {too_long!r} is longer than {id_width} bytes")
        ids.extend(np.array(encoded, dtype=f"S{id_width}"))
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= CHUNK_DOCS:
            flush()
    if batch:
        flush()
    counts = {"tokens": tokens.close(), "offsets": offsets.close()}
    n_ids = ids.close()
    meta = {"arrays": {"tokens": ["int32", counts["tokens"]], "offsets": ["int64", counts["offsets"]]}}
    meta["ids"] = [f"S{id_width}", n_ids]
    return _finish(tmp, out, meta)
