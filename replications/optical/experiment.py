"""`optical.optical_clir`: OPTICAL against its baselines on low-resource CLIR, per language and bitext budget.

Conditions (measurement `condition` names):
- `optical`: student trained with the OT token-alignment loss ⟨P, C⟩_F on the bitext; queries by the student.
- `teacher_foreign`: the teacher encoding the untranslated foreign query (no training).
- `translate_retrieve`: foreign query translated by an IBM-1 translator learned from the same bitext, then
  encoded by the teacher (the stand-in for the paper's NMT pipeline; see baselines.py).
- `sentence_distill`: student trained on the same bitext with pooled-sentence MSE, no transport (ablation).
With `extra_scorings: ["late_interaction"]` every condition is also evaluated with MaxSim scoring, recorded as
`<condition>+maxsim` (same trained students; evaluation cost only).
Documents are English and always encoded by the teacher. Metric: `AP` per query (MAP over queries).
Deterministic conditions (teacher_foreign, translate_retrieve) are computed once and recorded under every
seed, so that every seed has every condition.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement
from replications.optical.tasks import Task, cipher_task, find_data, mafand_task, xquad_task

CONDITIONS = ("optical", "teacher_foreign", "translate_retrieve", "sentence_distill")
SUFFIX = {"pooled": "pooled", "late_interaction": "maxsim"}


def load_encoder(cfg: dict[str, Any], ctx: RunContext) -> tuple[Any, Any]:
    """(teacher model, tokenizer) on this process's GPU if there is one, else the CPU.

    `model: "tiny-random"` builds a small random BERT on the MiniLM vocabulary.
    """
    from claimcheck.retrieval.distributed import default_device

    model, tokenizer = _load_encoder(cfg, ctx)
    return model.to(default_device()), tokenizer


def _load_encoder(cfg: dict[str, Any], ctx: RunContext) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

    from claimcheck.home import network_allowed
    from claimcheck.retrieval.encoders import minilm_path

    name = cfg.get("model", "minilm")
    if name in ("minilm", "tiny-random"):
        path = minilm_path()
        ctx.fingerprint("all-MiniLM-L6-v2", path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        if name == "minilm":
            return AutoModel.from_pretrained(path), tokenizer
        torch.manual_seed(0)
        tiny = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
        )
        return BertModel(tiny, add_pooling_layer=False), tokenizer
    offline = not network_allowed()
    tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=offline)
    return AutoModel.from_pretrained(name, local_files_only=offline), tokenizer


def build_tasks(cfg: dict[str, Any], ctx: RunContext) -> list[Task]:
    tasks: list[Task] = []
    if cfg.get("synthetic"):
        return [cipher_task(b, cfg.get("n_test", 8)) for b in cfg["budgets"]]
    if cfg.get("languages"):
        root = Path(cfg["mafand_dir"]) if cfg.get("mafand_dir") else find_data("bitext/mafand_mt", ctx.data_dir)
        for lang in cfg["languages"]:
            for budget in cfg["budgets"]:
                tasks.append(mafand_task(root, lang, budget, cfg.get("n_test")))
    if cfg.get("xquad_languages"):
        root = Path(cfg["xquad_dir"]) if cfg.get("xquad_dir") else find_data("xquad_r", ctx.data_dir)
        for lang in cfg["xquad_languages"]:
            tasks.append(
                xquad_task(root, lang, cfg.get("xquad_train_articles", 24), cfg.get("xquad_budget"), cfg.get("n_test"))
            )
    for task in tasks:
        for f in task.files:
            ctx.fingerprint(str(f.relative_to(f.parents[1])), f)
    return tasks


def index_key(corpus: dict[str, dict]) -> int:
    """Candidate sets are shared by content, not by ids: every MAFAND language numbers its test sentences d0, d1,
    ... so ids alone would hand one language's English index to another."""
    return hash(tuple((docid, doc.get("title", ""), doc.get("text", "")) for docid, doc in corpus.items()))


def choose_threads(setting: int | str, loadavg: Path = Path("/proc/loadavg")) -> int:
    """`"auto"`: every core unless other jobs already keep the cores busy right now, then one thread.

    "Right now" is the kernel's count of runnable tasks (/proc/loadavg, field 4), not the load average: the
    1-minute average lags, and after one heavy job it made the next start with a single thread on an idle
    machine (measured: OPTICAL's proxy ran at half speed). On an oversubscribed CPU a second intra-op thread
    mostly waits at barriers for a descheduled partner: tiny-model steps ran 14× slower with 2 threads than with
    1 under a load average of 11 on 2 cores.
    """
    import os

    if setting != "auto":
        return int(setting)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        running = int(loadavg.read_text().split()[3].split("/")[0]) - 1  # minus this process
    except (OSError, IndexError, ValueError):
        return cores
    return cores if running < cores else 1


def _measure(condition: str, task: Task, seed: int, per_query: dict[str, float]) -> Measurement:
    return Measurement(
        condition=condition,
        dataset=task.dataset,
        metric="AP",
        seed=seed,
        value=float(np.mean(list(per_query.values()))) if per_query else float("nan"),
        per_query=per_query,
    )


def run(ctx: RunContext) -> ExperimentOutput:
    import torch

    from replications.optical.baselines import IBM1Translator
    from replications.optical.distill import DistillConfig, train_student
    from replications.optical.scoring import DocumentIndex

    cfg = ctx.config
    torch.set_num_threads(choose_threads(cfg.get("threads", "auto")))
    teacher, tokenizer = load_encoder(cfg, ctx)
    teacher.eval()
    tasks = build_tasks(cfg, ctx)
    distill = DistillConfig.model_validate(cfg.get("distill", {}))
    conditions = [c for c in cfg.get("conditions", CONDITIONS) if c in CONDITIONS]
    trained = [c for c in conditions if c in ("optical", "sentence_distill")]
    total_steps = (
        sum(int(np.ceil(distill.epochs * len(t.train_en) / distill.batch_size)) for t in tasks)
        * len(trained)
        * len(ctx.seeds)
    )
    out = ExperimentOutput()
    ctx.step(f"OPTICAL: {len(tasks)} tasks × {len(ctx.seeds)} seeds, {total_steps} training steps", total_steps)
    max_length = int(cfg.get("eval_max_length", 64))
    scoring = cfg.get("scoring", "pooled")
    # The primary scoring names the conditions; extra scorings add "<condition>+<suffix>" at evaluation cost only.
    scorings = {scoring: ""} | {
        extra: f"+{SUFFIX[extra]}" for extra in cfg.get("extra_scorings", []) if extra != scoring
    }
    timings: dict[str, float] = {}
    indexes: dict[int, DocumentIndex] = {}
    memos: dict[str, dict] = {}  # dataset → the teacher's vectors of its English bitext side (see distill)
    fixed: dict[str, dict[str, dict[str, float]]] = {}  # dataset → condition → per-query AP
    partial = ctx.work_dir / "partial.jsonl"  # measurements as they come, for runs cut short
    ctx.work_dir.mkdir(parents=True, exist_ok=True)

    def record(m: Measurement) -> None:
        out.measurements.append(m)
        with partial.open("a", encoding="utf-8") as fh:
            fh.write(m.model_dump_json() + "\n")

    def evaluate(model: Any, queries: dict[str, str], task: Task) -> dict[str, dict[str, float]]:
        """{suffix: per-query AP} for every scoring; English candidates indexed once, queries encoded once."""
        key = index_key(task.corpus)
        if key not in indexes:
            indexes[key] = DocumentIndex(teacher, tokenizer, task.corpus, max_length)
        results = indexes[key].evaluate(model, tokenizer, queries, task.qrels, list(scorings))
        return {suffix: results[name] for name, suffix in scorings.items()}

    # Seeds outermost: after the first seed every task has every condition, so a cut-short run is still usable.
    for seed in ctx.seeds:
        for task in tasks:
            if task.dataset not in fixed:
                fixed[task.dataset] = {}
                if "teacher_foreign" in conditions:
                    for suffix, per_query in evaluate(teacher, task.queries, task).items():
                        fixed[task.dataset]["teacher_foreign" + suffix] = per_query
                if "translate_retrieve" in conditions:
                    translator = IBM1Translator.fit(
                        task.train_fx, task.train_en, iterations=int(cfg.get("ibm1_iterations", 10))
                    )
                    translated = {q: translator.translate(text) for q, text in task.queries.items()}
                    for suffix, per_query in evaluate(teacher, translated, task).items():
                        fixed[task.dataset]["translate_retrieve" + suffix] = per_query
            for condition, per_query in fixed[task.dataset].items():
                record(_measure(condition, task, seed, per_query))
            for condition in trained:
                objective = "ot" if condition == "optical" else "sentence"
                start = time.perf_counter()
                student = train_student(
                    teacher,
                    tokenizer,
                    task.train_en,
                    task.train_fx,
                    distill.model_copy(update={"objective": objective}),
                    seed=seed,
                    on_step=lambda *_: ctx.advance(1),
                    teacher_memo=memos.setdefault(task.dataset, {}),
                )
                timings[condition] = timings.get(condition, 0.0) + time.perf_counter() - start
                for suffix, per_query in evaluate(student, task.queries, task).items():
                    record(_measure(condition + suffix, task, seed, per_query))
                del student
    out.fingerprints = dict(ctx.fingerprints)
    out.extra = {
        "summary": summarise(out.measurements),
        "training_seconds": timings,
        "datasets": {
            t.dataset: {"train_pairs": len(t.train_en), "queries": len(t.queries), "candidates": len(t.corpus)}
            for t in tasks
        },
    }
    out.notes.append(
        "translate_retrieve uses an IBM-1 word translator learned from the same bitext (stand-in for NMT); "
        f"scoring={scoring}; distillation={distill.model_dump()}"
    )
    return out


def summarise(measurements: list[Measurement]) -> list[dict[str, Any]]:
    """Per dataset: MAP of every condition (mean over seeds), and OPTICAL's relative gain over the MT baseline
    with a 95% bootstrap interval over queries and a paired randomisation test (per-query AP averaged over seeds)."""
    from claimcheck.retrieval.stats import bootstrap_relative_ci, paired_randomization_test, relative_change

    by: dict[tuple[str, str], list[dict[str, float]]] = {}
    for m in measurements:
        by.setdefault((m.dataset, m.condition), []).append(m.per_query)
    rows = []
    for dataset in sorted({d for d, _ in by}):
        row: dict[str, Any] = {"dataset": dataset}
        averaged: dict[str, np.ndarray] = {}
        for (d, condition), runs in by.items():
            if d != dataset:
                continue
            qids = sorted(runs[0])
            averaged[condition] = np.mean([[r[q] for q in qids] for r in runs], axis=0)
            row[condition] = float(averaged[condition].mean())
        for suffix in ["", *(f"+{s}" for s in SUFFIX.values())]:
            a, b = averaged.get("optical" + suffix), averaged.get("translate_retrieve" + suffix)
            if a is None or b is None:
                continue
            row[f"gain_over_mt_percent{suffix}"] = float(relative_change(a, b))
            row[f"gain_ci95{suffix}"] = list(bootstrap_relative_ci(a, b, n_resamples=2000))
            row[f"p_value{suffix}"] = paired_randomization_test(a, b, n_resamples=2000)
        rows.append(row)
    return rows
