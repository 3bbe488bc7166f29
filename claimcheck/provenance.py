"""Where and with what a run was made: git commit, package versions, Python, hardware, threads.

Cheap to call: package versions come from installed metadata (no imports), and the GPU is read only when
torch is already imported (an experiment that needs a GPU has imported it; one that has not, ran on CPU).
"""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from claimcheck.models import Provenance

# Distributions whose versions can change a measurement.
TRACKED_PACKAGES = (
    "claimcheck-lab",
    "numpy",
    "scipy",
    "torch",
    "transformers",
    "sentence-transformers",
    "tokenizers",
    "ir-measures",
    "pytrec-eval-terrier",
    "faiss-cpu",
    "pot",
    "beir",
    "pydantic",
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip()


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout claimcheck runs from, or None for an installed package."""
    commit = _git("rev-parse", "HEAD")
    return commit or None


def git_dirty() -> bool | None:
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@functools.lru_cache(maxsize=1)
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# The instruction-set features that decide which low-precision paths are native (see retrieval/encoders.py).
PRECISION_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as /proc/cpuinfo lists them (empty where it cannot be read, e.g. not Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def native_bf16_cpu() -> bool:
    """True where the CPU computes bf16 in hardware (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def gpu_model() -> str | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        if torch.cuda.is_available():
            n = torch.cuda.device_count()
            return f"{n} × {torch.cuda.get_device_name(0)}"
    except Exception:  # a broken CUDA install must not fail the record
        return None
    return None


def thread_count() -> int:
    torch = sys.modules.get("torch")
    if torch is not None:
        return int(torch.get_num_threads())
    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() else (os.cpu_count() or 1)


def collect() -> Provenance:
    return Provenance(
        git_commit=git_commit(),
        git_dirty=git_dirty(),
        python=sys.version.split()[0],
        platform=platform.platform(),
        packages=package_versions(),
        cpu=f"{cpu_model()} ({os.cpu_count()} logical cores)",
        gpu=gpu_model(),
        threads=thread_count(),
        hostname=socket.gethostname(),
    )


def reset_peak_memory() -> bool:
    """Restart the peak-RSS count (Linux ≥ 4.0: writing 5 to /proc/self/clear_refs resets VmHWM).

    Then `peak_memory_mb` after a run measures that run's peak, not the largest of all runs before it.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_mb() -> float:
    """Peak resident memory of this process since `reset_peak_memory` (VmHWM), else since it started (ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024
