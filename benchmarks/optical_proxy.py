"""OPTICAL's proxy wall time from its parts: time a few training steps and encodings, multiply by the config's counts.

The proxy itself takes minutes on an idle 2-core CPU and far longer on a shared one; this prints, in one run,
the measured cost of each part (loading multilingual-e5-small, one training step of each objective, encoding
queries and candidates) and the proxy's total from the counts its config implies, against the 24-minute budget.
It reads the same tasks and config as the proxy (`../shared/data` or CLAIMCHECK_DATA).

Run: `python benchmarks/optical_proxy.py [--steps 6 --threads 2 --precision fp32|bf16]` (default: the proxy's own).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

BUDGET_MINUTES = 24.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per objective (after 1 warm-up)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default=None, help="default: the proxy config's")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()

    import numpy as np
    import torch

    from claimcheck.experiments import RunContext, get_experiment
    from claimcheck.retrieval.encoders import EncodingProtocol
    from replications.optical.distill import DistillConfig, make_optimizer, make_student, pair_batches, train_step
    from replications.optical.experiment import (
        Bench,
        build_probes,
        build_tasks,
        index_key,
        load_encoder,
        whole_pairs,
    )
    from replications.optical.vocab import restrict_vocabulary, used_ids

    torch.set_num_threads(args.threads)
    exp = get_experiment("optical.optical_clir")
    spec = exp.scales["proxy"]
    cfg = {**spec.config, **({"precision": args.precision} if args.precision else {})}
    ctx = RunContext(experiment=exp.name, scale="proxy", config=cfg, seeds=spec.seeds, data_dir=args.data,
                     work_dir=Path("/tmp"))  # fmt: skip
    t0 = time.perf_counter()
    teacher, tokenizer = load_encoder(cfg, ctx)
    load_s = time.perf_counter() - t0
    protocol = EncodingProtocol.model_validate(cfg["encoding"])
    distill = DistillConfig.model_validate({**cfg["distill"], "precision": cfg["precision"]})
    fits = whole_pairs(tokenizer, protocol.query_prefix, distill.max_length) if cfg.get("whole_pairs_only") else None
    tasks, probes = build_tasks(cfg, ctx, fits), build_probes(cfg, ctx)
    texts = [protocol.query_prefix + t for task in tasks for t in [*task.train_en, *task.train_fx, *task.dev_fx]]
    texts += [protocol.doc_text(d) for task in [*tasks, *probes] for d in task.corpus.values()]
    texts += [protocol.query_text(q) for task in [*tasks, *probes] for q in task.queries.values()]
    restrict_vocabulary(teacher, used_ids(tokenizer, texts, 128, [tokenizer.pad_token_id, tokenizer.mask_token_id]))

    task = max(tasks, key=lambda t: (len(t.train_en), t.language == "yor"))  # the longest bitext of the largest budget
    step_s = {}
    for objective in ("ot", "sentence"):
        c = distill.model_copy(update={"objective": objective})
        student, memo = make_student(teacher), {}
        optimizer = make_optimizer(student, c)
        en = [protocol.query_prefix + t for t in task.train_en]
        fx = [protocol.query_prefix + t for t in task.train_fx]
        batches = list(pair_batches(tokenizer, en, fx, c, "cpu"))[: args.steps + 1]
        for b in batches[:1] * 2:  # warm-up, and the teacher memo filled as training's first epoch fills it
            train_step(student, teacher, b, c, optimizer, memo)
        start = time.perf_counter()
        for b in batches[1:]:
            train_step(student, teacher, b, c, optimizer)  # no memo: the first seed pays the teacher's forward
        step_s[objective] = (time.perf_counter() - start) / len(batches[1:])

    scorings = {"pooled": ""} | {e: f"+{e}" for e in cfg.get("extra_scorings", [])}
    bench = Bench(teacher, tokenizer, protocol, scorings, cfg["precision"])
    sample = dict(list(task.test.queries.items())[:128])
    start = time.perf_counter()
    bench.evaluate(teacher, task.test, sample)  # encodes the candidates once, then the sample queries
    first = time.perf_counter() - start
    start = time.perf_counter()
    bench.evaluate(teacher, task.test, sample)
    per_query = (time.perf_counter() - start) / len(sample)
    per_doc = max(0.0, first - per_query * len(sample)) / len(task.corpus)

    seeds, trained = len(spec.seeds), 2
    steps = sum(math.ceil(distill.epochs * len(t.train_en) / distill.batch_size) for t in tasks) * seeds
    heads = [t for t in tasks if t.dev_en]
    queries = sum(len(t.queries) for t in tasks) * (2 + trained * seeds)  # teacher_foreign, MT, then students
    queries += sum(len(t.dev_fx) for t in heads) * (1 + trained * seeds) + sum(len(p.queries) for p in probes)
    docs = sum({index_key(t.corpus): len(t.corpus) for t in tasks}.values())  # each candidate set encoded once
    docs += sum(len(t.dev_en) for t in heads) + sum(len(p.corpus) for p in probes)
    held_out = sum(len(t.dev_en) for t in heads) * trained * (1 + seeds) / distill.batch_size  # forward batches
    parts = {
        "load e5": load_s,
        "training (OT)": steps * step_s["ot"],
        "training (sentence)": steps * step_s["sentence"],
        "held-out loss": held_out * step_s["ot"] / 3,  # a forward pass is about a third of a training step
        "query encoding": queries * per_query,
        "candidate encoding": docs * per_doc,
    }
    print(f"threads {args.threads}, precision {cfg['precision']}, load average {Path('/proc/loadavg').read_text()}")
    print(f"step: OT {step_s['ot']:.3f} s, sentence {step_s['sentence']:.3f} s ({task.dataset}, batch "
          f"{distill.batch_size}, ≤ {distill.max_length} tokens); per query {per_query * 1e3:.1f} ms, per candidate "
          f"{per_doc * 1e3:.1f} ms")  # fmt: skip
    print(f"counts: {steps} steps per objective, {queries} queries, {docs} candidates")
    for name, seconds in parts.items():
        print(f"  {name:<20} {seconds / 60:6.1f} min")
    total = float(np.sum(list(parts.values()))) / 60
    print(f"estimated proxy wall time {total:.1f} min = {total / BUDGET_MINUTES:.2f} × the {BUDGET_MINUTES:g}-minute "
          f"budget (BM25, IBM-1 and the checks add seconds)")  # fmt: skip


if __name__ == "__main__":
    main()
