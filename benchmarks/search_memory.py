"""Peak memory of exact top-k search: claimcheck's chunked search vs the naive full score matrix.

Each measurement runs in a fresh subprocess (so peak RSS is that run's alone): generate `--n` random `--dim`-d
float32 corpus vectors and `--queries` queries, then search top `--k`. The naive baseline computes the whole
queries × corpus score matrix and takes its top k. At the default size (1,000,000 × 768, 1,000 queries) the
naive run needs the corpus (2.9 GiB) plus a 3.7 GiB score matrix and topk's working copies, on a machine other
people share, so by default its figure is the theoretical size of those arrays (the table says "theoretical");
`--run-naive` measures it for real. Acceptance: chunked peak < 6 GiB.
Run: `python benchmarks/search_memory.py [--n 1000000 --dim 768 --queries 1000 --k 1000] [--run-naive]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

GIB = 1024**3

CHILD = """
import json, resource, sys, time
import torch
n, dim, nq, k, chunk = (int(a) for a in sys.argv[1:6])
mode = sys.argv[6]
g = torch.Generator().manual_seed(0)
corpus = torch.empty(n, dim)
for s in range(0, n, 100_000):  # generated in slices: randn's temporaries would otherwise count in the peak
    corpus[s:s + 100_000] = torch.randn(min(100_000, n - s), dim, generator=g)
queries = torch.randn(nq, dim, generator=g)
data_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if mode == "chunked":
    from claimcheck.retrieval.search import exact_search
    scores, idx = exact_search(queries, corpus, k, "dot", chunk_size=chunk)
else:
    scores, idx = torch.topk(queries @ corpus.T, k, dim=1)
seconds = time.perf_counter() - t0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_bytes": peak_kib * 1024, "data_bytes": data_kib * 1024, "seconds": seconds,
                  "top": idx[:2, :3].tolist()}))
"""


def measure(args: argparse.Namespace, mode: str) -> dict:
    cmd = [sys.executable, "-c", CHILD, *map(str, (args.n, args.dim, args.queries, args.k, args.chunk)), mode]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=50_000, help="corpus rows per chunk")
    parser.add_argument("--run-naive", action="store_true", help="really run the full-matrix baseline")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console()
    with console.status("chunked search in a subprocess…"):
        ours = measure(args, "chunked")
    data = 4 * (args.n + args.queries) * args.dim
    if args.run_naive:
        with console.status("naive full-matrix search in a subprocess…"):
            naive = measure(args, "naive")
        naive_row = ("naive full matrix (measured)", naive["peak_bytes"], f"{naive['seconds']:.1f}")
        same = "yes" if naive["top"] == ours["top"] else "NO"
    else:
        # corpus + queries + score matrix + topk's copy of the matrix rows it sorts (at least the output)
        matrix = 4 * args.queries * args.n
        theoretical = data + matrix + 12 * args.queries * args.k
        naive_row = ("naive full matrix (theoretical, not run)", theoretical, "—")
        same = "not run"
    table = Table(title=f"exact top-{args.k}: {args.n:,} × {args.dim}-d corpus, {args.queries:,} queries")
    for col in ("search", "peak RSS (GiB)", "search seconds"):
        table.add_column(col, justify="left" if col == "search" else "right")
    table.add_row(
        f"claimcheck chunked ({args.chunk:,} rows/chunk)", f"{ours['peak_bytes'] / GIB:.2f}", f"{ours['seconds']:.1f}"
    )
    table.add_row(naive_row[0], f"{naive_row[1] / GIB:.2f}", naive_row[2])
    console.print(table)
    console.print(
        f"vectors alone: {data / GIB:.2f} GiB (process RSS after generating them: {ours['data_bytes'] / GIB:.2f} GiB); "
        f"chunked peak {'<' if ours['peak_bytes'] < 6 * GIB else '≥'} 6 GiB; memory ratio naive/chunked "
        f"{naive_row[1] / ours['peak_bytes']:.2f}; same top results: {same}"
    )


if __name__ == "__main__":
    main()
