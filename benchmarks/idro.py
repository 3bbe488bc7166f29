"""Cost of an iDRO training step (K = 50) against an ERM step, and against the official per-group loop.

Proxy model all-MiniLM-L6-v2, global batch 32 (query, positive, hard negative), documents of exactly
`--doc-tokens` tokens (128), iDRO over the last 3 layers. Three trainers start from the same weights; each
timed step is preceded by the same RNG seed so dropout masks match, and the loop's and the recorder's new
weights `h` are compared after every step. Steps alternate between methods so machine load hits all alike; the
median per method is reported. Acceptance: recorder/ERM <= 2 (the loop is ~9x).
Run: `python benchmarks/idro.py [--steps 2 --batch 32 --groups 50 --doc-tokens 128]`.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time


def _synthetic_train(n_queries: int, doc_words: int, seed: int):
    """Queries of 12 words and documents long enough to fill `doc_words` tokens after truncation."""
    import random

    from claimcheck.retrieval.data import Dataset

    rng = random.Random(seed)
    words = "the of and to in is was for on that with as by at from this be are an which or".split()  # noqa: SIM905
    words += [f"term{i}" for i in range(300)]
    corpus = {f"d{i}": {"title": "", "text": " ".join(rng.choices(words, k=doc_words))} for i in range(4 * n_queries)}
    queries = {f"q{i}": " ".join(rng.choices(words, k=12)) for i in range(n_queries)}
    qrels = {f"q{i}": {f"d{i}": 1} for i in range(n_queries)}
    return Dataset("bench", corpus, queries, qrels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2, help="timed steps per method")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--doc-tokens", type=int, default=128)
    args = parser.parse_args()

    import tempfile
    from pathlib import Path

    import numpy as np
    import torch
    from rich.console import Console
    from rich.table import Table

    from claimcheck.retrieval.encoders import get_protocol, minilm_path
    from replications.coco_dr.model import load
    from replications.coco_dr.train import Episode, FinetuneConfig, Trainer
    from replications.coco_dr.trainset import from_dataset

    console = Console()
    protocol = get_protocol("minilm").model_copy(update={"doc_max_length": args.doc_tokens, "query_max_length": 32})
    base, tokenizer = load(minilm_path())
    tmp = tempfile.TemporaryDirectory()
    train = from_dataset(_synthetic_train(2 * args.batch, 3 * args.doc_tokens, seed=0), protocol, tokenizer,
                         Path(tmp.name) / "passages")  # fmt: skip
    n = len(train.queries)
    gen = torch.Generator().manual_seed(0)
    episode = Episode(
        negatives=[np.array([n + i, 2 * n + i]) for i in range(n)],
        groups=torch.randint(0, args.groups, (n,), generator=gen),
        stream=np.array([(q, j) for q in range(n) for j in range(2)]),
    )
    common = {
        "batch_size": args.batch, "n_groups": args.groups, "steps_per_episode": args.steps + 1, "lr": 5e-6,
        "optimizer": "adamw", "max_grad_norm": None,
    }  # fmt: skip
    trainers = {
        "ERM": Trainer(copy.deepcopy(base), tokenizer, protocol, train, FinetuneConfig(objective="erm", **common)),
        "iDRO, autograd.grad loop (official)": Trainer(
            copy.deepcopy(base), tokenizer, protocol, train, FinetuneConfig(gram_method="loop", **common)
        ),
        "iDRO, one-backward Gram (ours)": Trainer(
            copy.deepcopy(base), tokenizer, protocol, train, FinetuneConfig(gram_method="recorder", **common)
        ),
    }
    loop_name, ours_name = list(trainers)[1:]
    times: dict[str, list[float]] = {name: [] for name in trainers}
    max_diff = 0.0
    batches = [episode.stream[torch.randperm(len(episode.stream), generator=gen)[: args.batch].numpy()]
               for _ in range(args.steps + 1)]  # fmt: skip
    for step, batch in enumerate(batches):
        names = list(trainers) if step % 2 == 0 else list(reversed(trainers))
        for name in names:
            torch.manual_seed(1000 + step)  # same dropout masks for every method
            start = time.perf_counter()
            trainers[name].step(episode, batch, 0, step)
            if step > 0:  # the first round warms up allocators and caches
                times[name].append(time.perf_counter() - start)
            console.print(f"step {step} {name}: {time.perf_counter() - start:.2f} s")
        diff = float((trainers[loop_name].h - trainers[ours_name].h).abs().max())
        max_diff = max(max_diff, diff)
    erm = statistics.median(times["ERM"])
    title = f"iDRO step cost: MiniLM-L6, batch {args.batch}, docs {args.doc_tokens} tokens, K {args.groups}"
    table = Table(title=title)
    table.add_column("method")
    table.add_column("median step (s)", justify="right")
    table.add_column("× ERM", justify="right")
    for name, values in times.items():
        med = statistics.median(values)
        table.add_row(name, f"{med:.2f}", f"{med / erm:.2f}")
    console.print(table)
    console.print(f"max |h_loop - h_ours| over {len(batches)} steps: {max_diff:.2e} (same start, same batches)")
    console.print(f"threads: {torch.get_num_threads()}; the machine is shared, so read the ratios, not the times")


if __name__ == "__main__":
    main()
