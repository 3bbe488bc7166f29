"""COCO's corpora as span shards: streamed from the data directories, tokenised once, reused across runs.

Every `heldout_every`-th document (up to `heldout_docs`) is set aside from COCO's training shards: those documents
are what the validity checks use to see that COCO changed the encoder and learnt its task on unseen text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimcheck.experiments import RunContext
from replications.coco_dr.shards import SpanShard, shard_key, write_span_shards


def _beir_folders(name: str, data_dir: Path | None) -> list[Path] | None:
    """The BEIR folders of a corpus (a composite's parts), or None when it is not in BEIR format."""
    from claimcheck.retrieval.data import COMPOSITES, beir_files, find_dataset

    path = find_dataset(name, data_dir)
    if path is None:
        return None
    folders = [path / part for part in COMPOSITES[name]] if name in COMPOSITES else [path]
    return folders if all(beir_files(f) for f in folders) else None


def corpus_items(name: str, ctx: RunContext) -> Iterator[str | tuple[str]]:
    """The documents of one corpus as stream items: a BEIR corpus.jsonl line is passed on raw, as a 1-tuple, and
    parsed only by the rank whose shard it goes to (`item_text`); the small classic collections and synthetic
    sets come through their loaders as texts."""
    from claimcheck.retrieval.data import beir_files, load_dataset
    from replications.coco_dr.trainset import open_text

    if name.startswith("synthetic"):
        from replications.coco_dr.smoke import smoke_targets

        yield from (d["text"] for d in smoke_targets()[name].corpus.values())
        return
    folders = _beir_folders(name, ctx.data_dir)
    if folders is None:
        ds = load_dataset(name, split="test", data_dir=ctx.data_dir)
        for part, path in ds.files_by_part():
            ctx.fingerprint(f"{part}:{path.name}", path)
        yield from ((d["title"] + " " + d["text"]).strip() for d in ds.corpus.values())
        return
    for folder in folders:
        corpus = beir_files(folder)["corpus"]  # type: ignore[index]
        ctx.fingerprint(f"{name}:{folder.name}/{corpus.name}", corpus)
        with open_text(corpus) as f:
            yield from ((line,) for line in f if line.strip())


def item_text(item: str | tuple[str]) -> str:
    """A stream item's text: title + text of a raw BEIR line, or the text itself."""
    if isinstance(item, str):
        return item
    doc = json.loads(item[0])
    return ((doc.get("title") or "") + " " + (doc.get("text") or "")).strip()


@dataclass
class CocoData:
    shards: list[SpanShard]  # this rank's training shards
    n_shards: int
    heldout: list[SpanShard]  # the held-out documents (one shard), for the checks
    heldout_texts: list[str]


def _split_heldout(items: Iterable[Any], every: int, limit: int, out: list[str]) -> Iterator[Any]:
    for i, item in enumerate(items):
        if every and len(out) < limit and i % every == every - 1:
            out.append(item_text(item))
        else:
            yield item


def build_coco_data(ctx: RunContext, tokenizer: Any, cfg: dict[str, Any]) -> CocoData:
    """This rank's COCO span shards (written once under the claimcheck cache, keyed by corpora, tokenizer and the
    span rule) and the held-out documents."""
    from claimcheck.home import atomic_write_text, subdir
    from claimcheck.retrieval.distributed import rank_and_world
    from replications.coco_dr.spans import chunk_spanner

    rank, world = rank_and_world()
    n_shards = int(cfg.get("n_shards") or world)
    corpora = list(ctx.config["coco_corpora"])
    every, limit = int(cfg.get("heldout_every", 20)), int(cfg.get("heldout_docs", 1000))
    key = shard_key(
        corpora=corpora, tokenizer=tokenizer.name_or_path, vocab=len(tokenizer), span_tokens=cfg["span_tokens"],
        early_break=cfg.get("early_break", 0.1), n_shards=n_shards, heldout=(every, limit), seed=0,
    )  # fmt: skip
    # full scale: tokenised once per machine and reused; smaller scales: in the run's own work dir
    base = (subdir("cache") if ctx.scale == "full" else ctx.work_dir) / "coco_spans" / key
    spanner = chunk_spanner(tokenizer, cfg["span_tokens"], cfg.get("early_break", 0.1), seed=0)
    heldout_texts: list[str] = []

    def texts() -> Iterator[Any]:
        for name in corpora:
            yield from corpus_items(name, ctx)

    saved = base / "heldout_texts.json"
    train = write_span_shards(
        _split_heldout(texts(), every, limit, heldout_texts), base / "train", n_shards, spanner,
        only=range(rank, n_shards, world), text_of=item_text,
    )  # fmt: skip
    if heldout_texts:  # the stream was read: keep the held-out documents for runs that find the shards written
        atomic_write_text(saved, json.dumps(heldout_texts))
    elif saved.exists():
        heldout_texts = json.loads(saved.read_text())
    else:  # shards written by a run that stopped before saving them: read the stream's held-out part again
        for _ in _split_heldout(texts(), every, limit, heldout_texts):
            pass
        atomic_write_text(saved, json.dumps(heldout_texts))
    held = write_span_shards(heldout_texts, base / "heldout", 1, spanner)
    return CocoData(
        shards=[SpanShard.open(p) for p in train],
        n_shards=n_shards,
        heldout=[SpanShard.open(p) for p in held],
        heldout_texts=heldout_texts,
    )
