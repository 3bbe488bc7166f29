"""COCO-DR's full-scale data path on a synthetic corpus: peak host memory and time, extrapolated to 52.7 M × 8 ranks.

The path measured is the one the full scale runs (`replications/coco_dr/corpora.py`): BEIR-style corpus lines are
streamed, each rank parses and tokenises only the lines dealt to its shard (BERT's uncased WordPiece, the Condenser's
vocabulary), packs them into spans by the official rule (30 tokens, early breaks, the document filter) and appends
them to memory-mapped files; training then reads batches of span pairs from its shard. Synthetic documents (6
sentences of 8-16 words from a Zipf vocabulary of real English word pieces) stand in for the corpora.

    python benchmarks/cocodr_data.py                 # 5 M documents (≤ 10 min idle on 2 cores), rank 0 of 8
    python benchmarks/cocodr_data.py --docs 200000   # a quick check

Prints: documents/s of the writer, peak RSS of the writer and of the reader, shard bytes per document, and the
extrapolation to 52.7 M documents on 8 ranks (per-rank time, memory, disk; COCO steps per epoch).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FULL_DOCS = 52_700_000
RANKS = 8
BATCH_DOCS = 1600


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_lines(n: int, words: list[str], seed: int = 0):
    """BEIR corpus.jsonl lines, generated one at a time (never the whole corpus in memory)."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(words) + 1)
    p = (1 / ranks) / (1 / ranks).sum()
    block = 4096
    for start in range(0, n, block):
        m = min(block, n - start)
        lengths = rng.integers(8, 17, size=(m, 6))
        picks = rng.choice(len(words), size=int(lengths.sum()), p=p)
        at = 0
        for i in range(m):
            sentences = []
            for k in lengths[i]:
                sentences.append(" ".join(words[j] for j in picks[at : at + k]) + ".")
                at += k
            yield (json.dumps({"_id": str(start + i), "title": "", "text": " ".join(sentences)}),)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=5_000_000)
    ap.add_argument("--ranks", type=int, default=RANKS, help="shards; this process writes and reads rank 0's")
    ap.add_argument("--steps", type=int, default=200, help="reader steps timed")
    args = ap.parse_args()

    from transformers import AutoTokenizer

    from claimcheck.retrieval.encoders import minilm_path
    from replications.coco_dr.coco import CocoConfig, SpanSampler, collate
    from replications.coco_dr.corpora import item_text
    from replications.coco_dr.shards import SpanShard, write_span_shards
    from replications.coco_dr.spans import chunk_spanner, continuation_table

    tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()))  # bert-base-uncased's vocabulary
    vocab = [w for w, _ in sorted(tokenizer.get_vocab().items(), key=lambda x: x[1]) if w.isalpha() and len(w) > 2]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w") as f:  # generated first, untimed: the full path reads a file
            for (line,) in synthetic_lines(args.docs, vocab[:20000]):
                f.write(line + "\n")
        rss_start = _rss_mb()

        def lines():
            with corpus.open() as f:
                yield from ((line,) for line in f)

        start = time.perf_counter()
        n_lines = sum(1 for _ in lines())  # what every rank pays for the lines it skips
        read_lines_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        paths = write_span_shards(
            lines(), Path(tmp) / "shards", args.ranks, chunk_spanner(tokenizer, 30, 0.1, seed=0), only=[0],
            text_of=item_text,
        )  # fmt: skip
        write_s, write_cpu = time.perf_counter() - start, time.process_time() - cpu
        write_rss = _rss_mb()
        shard = SpanShard.open(paths[0])
        disk = sum(f.stat().st_size for f in paths[0].iterdir())
        cfg = CocoConfig(batch_docs=BATCH_DOCS // RANKS * args.ranks, mlm_weight=1.0, max_tokens=126)
        sampler = SpanSampler([shard], args.ranks, cfg, 0, args.ranks)  # rank 0 of `ranks`
        continues = continuation_table(tokenizer)
        start, cpu = time.perf_counter(), time.process_time()
        steps = min(args.steps, sampler.steps_per_epoch)
        for step in range(steps):
            collate(sampler.rows(step), tokenizer, cfg, continues)
        read_s = (time.perf_counter() - start) / max(1, steps)
        read_cpu = (time.process_time() - cpu) / max(1, steps)
        read_rss = _rss_mb()
    seen, kept = shard.meta["docs_seen"], shard.meta["docs_kept"]
    per_rank_docs = FULL_DOCS / RANKS
    line_rate = n_lines / read_lines_s
    own_rate = seen / max(1e-9, write_s - read_lines_s)  # parse + tokenise + pack + write, per own document
    rate = seen / write_s
    per_rank_s = FULL_DOCS / line_rate + per_rank_docs / own_rate
    # CPU seconds are what a shared machine inflates least: the same extrapolation from them
    own_cpu_rate = seen / max(1e-9, write_cpu)
    out = {
        "docs": args.docs,
        "shards": args.ranks,
        "rank0": {"seen": seen, "kept": kept, "kept_fraction": round(kept / max(1, seen), 4)},
        "writer": {"wall_s": round(write_s, 1), "cpu_s": round(write_cpu, 1), "own_docs_per_s": round(own_rate),
                   "lines_skipped_per_s": round(line_rate), "docs_per_s_overall": round(rate),
                   "peak_rss_mb": round(write_rss), "rss_before_mb": round(rss_start)},
        "reader": {"s_per_batch_of_rank": round(read_s, 4), "cpu_s_per_batch_of_rank": round(read_cpu, 4),
                   "docs_per_batch_of_rank": BATCH_DOCS // RANKS,
                   "peak_rss_mb": round(read_rss)},
        "shard_bytes_per_doc": round(disk / max(1, kept), 1),
        "extrapolated_52.7M_x_8_ranks": {
            "per_rank_tokenise_h": round(per_rank_s / 3600, 2),
            "per_rank_tokenise_h_from_cpu_s": round(per_rank_docs / own_cpu_rate / 3600, 2),
            "per_rank_peak_rss_mb": round(write_rss),
            "per_rank_disk_gb": round(disk / max(1, kept) * per_rank_docs * kept / max(1, seen) / 1e9, 2),
            "coco_steps_per_epoch": int(FULL_DOCS * kept / max(1, seen) / BATCH_DOCS),
            "coco_steps_8_epochs": int(8 * FULL_DOCS * kept / max(1, seen) / BATCH_DOCS),
        },
    }  # fmt: skip
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
