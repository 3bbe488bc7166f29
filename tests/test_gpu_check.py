"""scripts/gpu_check.py at tiny shapes on the CPU: every check runs inside a one-process group and reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(600)
def test_the_gpu_check_passes_at_tiny_shapes_on_the_cpu() -> None:
    script = REPO / "scripts" / "gpu_check.py"
    out = subprocess.run(
        [sys.executable, str(script), "--device", "cpu", "--shape", "tiny"], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout + out.stderr
    rows = {line.split()[0]: line for line in out.stdout.splitlines() if line.split() and " ok " in line}
    assert {"SciFact", "coco_dr", "optical", "gcl"} <= set(rows), out.stdout
    assert all(" cpu " in row for row in rows.values())
