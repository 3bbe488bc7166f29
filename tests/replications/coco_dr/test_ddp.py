"""Two gloo processes train exactly what one process trains with the same global batch (iDRO and COCO)."""

from __future__ import annotations

import json
from pathlib import Path

import coco_ddp_worker
import pytest

torch = pytest.importorskip("torch")
mp = pytest.importorskip("torch.multiprocessing")

STEPS = coco_ddp_worker.STEPS


@pytest.mark.timeout(600)  # ~15 s idle; the shared machine can be far slower
def test_two_gloo_processes_match_one(tmp_path: Path) -> None:
    from replications.coco_dr.smoke import build_tiny_bert

    model_dir = str(build_tiny_bert(tmp_path / "bert", layers=2, hidden=16, dropout=0.0))
    out_file = tmp_path / "ddp.json"
    mp.spawn(coco_ddp_worker.worker, args=(2, str(tmp_path / "init"), model_dir, str(out_file)), nprocs=2, join=True)
    ddp = json.loads(out_file.read_text())
    single = coco_ddp_worker.train(model_dir, None, str(tmp_path))
    assert len(single["ft_losses"]) == 2 * STEPS and len(single["coco_losses"]) == STEPS
    assert single["ft_losses"] == pytest.approx(ddp["ft_losses"], rel=1e-5, abs=1e-6)
    assert single["coco_losses"] == pytest.approx(ddp["coco_losses"], rel=1e-5, abs=1e-6)
    for a, b in zip(single["weights"], ddp["weights"], strict=True):
        assert a == pytest.approx(b, rel=1e-5, abs=1e-7)
    assert single["params"] == pytest.approx(ddp["params"], rel=1e-5, abs=1e-5)
    for a, b in zip(single["probe"], ddp["probe"], strict=True):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-6)
