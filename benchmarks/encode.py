"""Encoding SciFact's corpus with all-MiniLM-L6-v2 (256 tokens): claimcheck's fast path vs sentence-transformers.

Baseline: `SentenceTransformer.encode` in fp32 (batch 32, its own length sorting). Ours: `Encoder` with a
`--backend` and a `--precision` (defaults "auto" and "fast": `encoders.fast_path` picks torch bf16 where the CPU
computes bf16 natively, AVX512-BF16 or AMX, else fp32 through ONNX Runtime's fused kernels; no int8 recipe kept
nDCG@10 within 0.002), token-budget batches over length-sorted texts. The CPU's model and the flags the choice
was made on are printed first. The corpus
is cut into `--rounds` slices and the two encoders alternate slice by slice (which goes first alternates too), so
the load of a shared machine falls on both alike; the totals are the sums over slices. Both embeddings are then
evaluated on the SciFact test queries (nDCG@10, trec_eval semantics). Acceptance: ratio ≥ 2.5 and
|ΔnDCG@10| ≤ 0.002. Figures per CPU are in the README, "Encoding speed".
Run: `python benchmarks/encode.py [--limit 500] [--rounds 6] [--backend auto|torch|onnxruntime] [--precision ...]`.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("CLAIMCHECK_DATA", str(DEFAULT_DATA)))
    parser.add_argument("--limit", type=int, default=None, help="encode only the first N documents (quick check)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved slices")
    parser.add_argument("--precision", default="fast", choices=["fast", "fp32", "bf16", "int8"])
    parser.add_argument("--backend", default="auto", choices=["auto", "torch", "onnxruntime"])
    parser.add_argument("--token-budget", type=int, default=16384)
    parser.add_argument("--st-batch", type=int, default=32, help="sentence-transformers batch size (its default)")
    args = parser.parse_args()

    import torch
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table
    from sentence_transformers import SentenceTransformer

    from claimcheck.provenance import PRECISION_FLAGS, cpu_flags, cpu_model
    from claimcheck.retrieval.data import load_dataset
    from claimcheck.retrieval.encoders import Encoder, get_protocol, minilm_path
    from claimcheck.retrieval.metrics import evaluate, mean
    from claimcheck.retrieval.search import exact_search, to_run

    console = Console()
    present = [flag for flag in PRECISION_FLAGS if flag in cpu_flags()]
    missing = [flag for flag in PRECISION_FLAGS if flag not in cpu_flags()]
    console.print(f"CPU: {cpu_model()}; flags present: {' '.join(present) or 'none'}; absent: {' '.join(missing)}")
    ds = load_dataset("scifact", "test", args.data_dir)
    protocol = get_protocol("minilm", "scifact")
    docids = list(ds.corpus)[: args.limit]
    texts = [protocol.doc_text(ds.corpus[d]) for d in docids]
    qids = list(ds.queries)
    queries = [protocol.query_text(ds.queries[q]) for q in qids]

    st = SentenceTransformer(str(minilm_path()), device="cpu")
    st.max_seq_length = protocol.doc_max_length
    ours = Encoder(
        minilm_path(), protocol, precision=args.precision, token_budget=args.token_budget, backend=args.backend
    )
    console.print(
        f"{len(texts)} documents, {args.rounds} interleaved slices, torch threads {torch.get_num_threads()}, "
        f"ours: {ours.backend} {ours.precision}; load average before: {os.getloadavg()[0]:.1f}"
    )

    def st_encode(batch: list[str]) -> torch.Tensor:
        return st.encode(batch, batch_size=args.st_batch, convert_to_tensor=True, show_progress_bar=False).cpu()

    def our_encode(batch: list[str]) -> torch.Tensor:
        return ours.encode_texts(batch, protocol.doc_max_length)

    runners = {"sentence-transformers fp32": st_encode, f"claimcheck {ours.backend} {ours.precision}": our_encode}
    seconds = dict.fromkeys(runners, 0.0)
    parts: dict[str, list[torch.Tensor]] = {name: [] for name in runners}
    size = -(-len(texts) // args.rounds)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("encoding", total=2 * len(texts))
        for r, start in enumerate(range(0, len(texts), size)):
            chunk = texts[start : start + size]
            order = list(runners) if r % 2 == 0 else list(reversed(runners))
            for name in order:
                t0 = time.perf_counter()
                parts[name].append(runners[name](chunk))
                seconds[name] += time.perf_counter() - t0
                progress.advance(task, len(chunk))

    q_st = st.encode(queries, batch_size=args.st_batch, convert_to_tensor=True, show_progress_bar=False).cpu()
    q_ours = ours.encode_queries(list(ds.queries.values()))
    ndcg: dict[str, float] = {}
    for name, q_emb in zip(runners, (q_st, q_ours), strict=True):
        scores, idx = exact_search(q_emb, torch.cat(parts[name]), 1000, protocol.similarity)
        ndcg[name] = mean(evaluate(to_run(scores, idx, qids, docids), ds.qrels, ["nDCG@10"])["nDCG@10"])

    base, fast = list(runners)
    table = Table(title=f"SciFact corpus ({len(texts)} docs), all-MiniLM-L6-v2, 256 tokens")
    for col in ("encoder", "seconds", "docs/s", "nDCG@10"):
        table.add_column(col, justify="right" if col != "encoder" else "left")
    for name in runners:
        table.add_row(name, f"{seconds[name]:.1f}", f"{len(texts) / seconds[name]:.1f}", f"{ndcg[name]:.4f}")
    console.print(table)
    ratio = seconds[base] / seconds[fast]
    delta = ndcg[fast] - ndcg[base]
    console.print(
        f"speed-up {ratio:.2f}× (target ≥ 2.5), ΔnDCG@10 {delta:+.4f} (target |Δ| ≤ 0.002); "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
