"""k-means grouping of training queries (iDRO's groups): faiss when installed (as the official code), else torch.

The official code runs `faiss.Kmeans(d, 50, niter=500, nredo=5)` over the current model's query embeddings and
assigns every query to its nearest centroid; `niter`/`nredo` stay configurable because 500 x 5 is the paper's
cost, not a requirement of the method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def _torch_kmeans(x: torch.Tensor, k: int, niter: int, nredo: int, seed: int) -> torch.Tensor:
    """Lloyd's algorithm from k-means++ seeds; the best of `nredo` runs by inertia. Returns centroids (k, d)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    best, best_inertia = None, float("inf")
    for _ in range(nredo):
        centroids = x[torch.randint(len(x), (1,), generator=gen)]
        for _ in range(1, k):
            dist2 = torch.cdist(x, centroids).min(dim=1).values.pow(2)
            probs = dist2 / dist2.sum() if dist2.sum() > 0 else torch.full_like(dist2, 1 / len(x))
            centroids = torch.cat([centroids, x[torch.multinomial(probs, 1, generator=gen)]])
        for _ in range(niter):
            assign = torch.cdist(x, centroids).argmin(dim=1)
            sums = torch.zeros_like(centroids).index_add_(0, assign, x)
            counts = torch.bincount(assign, minlength=k).to(x.dtype)
            moved = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], centroids)
            if torch.allclose(moved, centroids):
                break
            centroids = moved
        inertia = float(torch.cdist(x, centroids).min(dim=1).values.pow(2).sum())
        if inertia < best_inertia:
            best, best_inertia = centroids, inertia
    assert best is not None
    return best


def kmeans_assign(
    x: torch.Tensor, k: int, *, niter: int = 500, nredo: int = 5, seed: int = 0, backend: str = "auto"
) -> torch.Tensor:
    """Cluster id (0..k-1) of every row of `x` (n, d); k is capped at n."""
    import torch

    x = x.detach().float().contiguous()
    k = min(k, len(x))
    use_faiss = backend == "faiss"
    if backend == "auto":
        try:
            import faiss

            use_faiss = True
        except ImportError:
            use_faiss = False
    if use_faiss:
        import faiss

        km = faiss.Kmeans(x.shape[1], k, niter=niter, nredo=nredo, seed=seed, verbose=False)
        # faiss samples at most max_points_per_centroid * k points; keep them all, as small sets need.
        km.cp.max_points_per_centroid = max(256, len(x) // k + 1)
        km.cp.min_points_per_centroid = 1
        km.train(x.numpy())
        _, assign = km.index.search(x.numpy(), 1)
        return torch.from_numpy(assign[:, 0]).long()
    centroids = _torch_kmeans(x, k, niter, nredo, seed)
    return torch.cdist(x, centroids).argmin(dim=1)
