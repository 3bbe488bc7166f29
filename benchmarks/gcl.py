"""Cost of a GCL training step against a plain CL (CLIP) step at the same batch size.

Both steps run one image pass and one text pass through the same tiny CLIP (the proxy's size unless told
otherwise); GCL's fused embedding reuses those outputs, so only the 3N×3N loss is extra. The cl_fused ablation
(GCL's six terms with CLIP's denominators) is timed beside them. Steps alternate CL/GCL/cl_fused so machine load
hits all alike; the median of each is compared. Acceptance: GCL/CL ≤ 1.15.
Run: `python benchmarks/gcl.py [--batch 64 --steps 30 --hidden 64 --layers 2 --image-size 32 --threads 1]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per loss")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the proxy trains on one)")
    args = parser.parse_args()

    import numpy as np
    import torch
    from rich.console import Console
    from rich.table import Table

    from replications.gcl.model import TinyClipSpec, load_dual_encoder, write_tiny_checkpoint
    from replications.gcl.train import pair_batch, training_step
    from replications.gcl.world import World, WorldConfig, vocabulary

    torch.set_num_threads(args.threads)
    spec = TinyClipSpec(hidden=args.hidden, layers=args.layers, image_size=args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        encoder = load_dual_encoder(write_tiny_checkpoint(tmp, vocabulary(), spec))
    images, captions = zip(*World(WorldConfig(image_size=args.image_size)).pairs(args.batch), strict=True)
    batch = pair_batch(encoder, list(images), list(captions))
    optimizer = torch.optim.AdamW(encoder.model.parameters(), lr=1e-5)
    encoder.model.train()
    times: dict[str, list[float]] = {"cl": [], "gcl": [], "cl_fused": []}
    for step in range(args.steps + 3):  # 3 warm-up rounds are not timed
        for loss in ("cl", "gcl", "cl_fused") if step % 2 == 0 else ("cl_fused", "gcl", "cl"):
            start = time.perf_counter()
            training_step(encoder, optimizer, batch, loss)  # type: ignore[arg-type]
            if step >= 3:
                times[loss].append(time.perf_counter() - start)
    cl, gcl = statistics.median(times["cl"]), statistics.median(times["gcl"])
    table = Table(title=f"training step, batch {args.batch}, tiny CLIP hidden {args.hidden} × {args.layers} layers")
    for column in ("loss", "median step (ms)", "min step (ms)", "steps"):
        table.add_column(column)
    for name, value in (("CL (baseline)", times["cl"]), ("GCL", times["gcl"]), ("CL + fused terms", times["cl_fused"])):
        table.add_row(name, f"{statistics.median(value) * 1e3:.1f}", f"{min(value) * 1e3:.1f}", str(len(value)))
    table.add_row("ratio GCL/CL", f"{gcl / cl:.3f}", f"{min(times['gcl']) / min(times['cl']):.3f}", "")
    Console().print(table)
    print(f"threads={torch.get_num_threads()} load={np.round(np.array(__import__('os').getloadavg()), 2).tolist()}")
    print("PASS" if gcl / cl <= 1.15 else "FAIL", f"GCL/CL = {gcl / cl:.3f} (limit 1.15)")


if __name__ == "__main__":
    main()
