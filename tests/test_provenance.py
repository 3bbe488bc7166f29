"""Provenance: what a run record says about where it was made, and per-run peak memory."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from claimcheck.provenance import collect


def test_collect_names_code_software_and_hardware() -> None:
    prov = collect()
    assert prov.python == sys.version.split()[0]
    assert prov.packages["numpy"] == np.__version__ and "pydantic" in prov.packages
    assert prov.cpu and prov.threads >= 1 and prov.hostname
    assert prov.git_commit is None or len(prov.git_commit) == 40


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM reset is Linux-only")
def test_peak_memory_is_per_run_after_reset() -> None:
    # In a fresh interpreter: inside the suite's process, memory other tests left to be freed can fall away
    # while the small array is made, and the step it should add to the peak is then blurred.
    code = """
import numpy as np
from claimcheck.provenance import peak_memory_mb, reset_peak_memory
big = np.ones(300_000_000 // 8)  # 300 MB touched
high = peak_memory_mb()
del big
assert reset_peak_memory()
baseline = peak_memory_mb()
assert baseline < high - 200, (baseline, high)
small = np.ones(100_000_000 // 8)
assert peak_memory_mb() > baseline + 80, (peak_memory_mb(), baseline)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-1500:]
