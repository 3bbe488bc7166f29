"""The little torch.distributed that sharded encoding needs: who am I, and gather everyone's pieces.

Work is dealt out as whole batches (batch b goes to rank b mod world), so each batch is computed with exactly
the shapes one process would use and the gathered result equals the single-process result bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of an initialised process group, else (0, 1)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_batches(mine: dict[int, torch.Tensor]) -> dict[int, torch.Tensor]:
    """Union over ranks of {batch index: embeddings}; every rank gets the whole dict (works on gloo and nccl)."""
    import torch.distributed as dist

    parts: list[dict[int, torch.Tensor] | None] = [None] * dist.get_world_size()
    dist.all_gather_object(parts, {b: t.cpu() for b, t in mine.items()})
    merged: dict[int, torch.Tensor] = {}
    for part in parts:
        merged.update(part or {})
    return merged


def device_of(module: torch.nn.Module) -> torch.device:
    """Where a module's weights live (its first parameter's device)."""
    return next(module.parameters()).device


def default_device() -> str:
    """This process's accelerator: its local rank's GPU under torchrun, GPU 0 alone, else the CPU."""
    import os

    import torch

    if torch.cuda.is_available():
        # modulo: a launcher may show each rank only its own GPU (CUDA_VISIBLE_DEVICES)
        return f"cuda:{int(os.environ.get('LOCAL_RANK', 0)) % torch.cuda.device_count()}"
    return "cpu"


def init_from_env(backend: str | None = None) -> bool:
    """Join the process group torchrun describes in the environment; False when not launched by torchrun.

    The backend defaults to gloo for CPU tensors plus nccl for CUDA ones, each rank on its own GPU, when there
    are GPUs (training code reduces some small CPU tensors too), and to gloo alone on CPUs.
    """
    import os

    import torch
    import torch.distributed as dist

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return False
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(default_device())
        dist.init_process_group(backend=backend or ("cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"))
    return True
