"""The recorder's one-backward group-gradient Gram equals the official per-group autograd.grad loop."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from replications.coco_dr.gram import GroupGradRecorder, last_layer_names, loop_group_grads  # noqa: E402
from replications.coco_dr.idro import group_stats  # noqa: E402
from replications.coco_dr.model import encoder_of, load  # noqa: E402
from replications.coco_dr.smoke import build_tiny_bert  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert", dropout=0.1)


def _losses(model, n: int, gen: torch.Generator, recorder=None) -> torch.Tensor:
    """Triplet cross-entropy of n random (query, pos, neg) token sequences with padding of varying length."""
    from contextlib import nullcontext

    def batch(rows: int, width: int) -> dict[str, torch.Tensor]:
        ids = torch.randint(5, 100, (rows, width), generator=gen)
        lengths = torch.randint(2, width + 1, (rows,), generator=gen)
        mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
        return {"input_ids": ids * mask, "attention_mask": mask}

    def enc(b):
        return encoder_of(model)(**b)[0][:, 0]

    rows = torch.arange(n)
    tag = recorder.rows if recorder else (lambda _: nullcontext())
    with tag(rows):
        q = enc(batch(n, 6))
    with tag(torch.cat([rows, rows])):
        d = enc(batch(2 * n, 11))
    scores = torch.stack([(q * d[:n]).sum(-1), (q * d[n:]).sum(-1)], 1)
    return torch.nn.functional.cross_entropy(scores, torch.zeros(n, dtype=torch.long), reduction="none")


@pytest.mark.parametrize("seed", [0, 1])
def test_recorder_gram_equals_autograd_loop(tiny: Path, seed: int) -> None:
    k, n = 7, 10
    model, _ = load(tiny)
    model.train()
    names = last_layer_names(encoder_of(model), 2)
    gen = torch.Generator().manual_seed(seed)
    groups = torch.randint(0, k, (n,), generator=gen)
    groups[groups == 3] = 4  # group 3 absent
    h = torch.rand(k, generator=gen, dtype=torch.float64) + 0.05
    counts = torch.bincount(groups, minlength=k).double()
    present = torch.nonzero(counts > 0).flatten()

    # reference: same dropout masks via the same RNG state
    torch.manual_seed(seed)
    losses = _losses(model, n, torch.Generator().manual_seed(100 + seed))
    sums, _ = group_stats(losses, groups, k)
    means = sums / counts.clamp(min=1).float()
    recorder = GroupGradRecorder(encoder_of(model), names)
    ref = loop_group_grads(means, counts > 0, recorder.params).double()
    ref_gram = ref @ ref.T

    torch.manual_seed(seed)
    losses2 = _losses(model, n, torch.Generator().manual_seed(100 + seed), recorder)
    torch.testing.assert_close(losses2, losses)
    sums2, _ = group_stats(losses2, groups, k)
    robust = ((sums2 / counts.clamp(min=1).float()) * h.float()).sum()
    robust.backward()
    gram = recorder.gram(groups, 1.0 / h[groups], k, present)
    recorder.close()
    scale = ref_gram.abs().max()
    assert scale > 0
    torch.testing.assert_close(gram / scale, ref_gram / scale, atol=1e-5, rtol=1e-5)
    assert (gram[3] == 0).all() and (gram[:, 3] == 0).all()


def test_last_layer_names_picks_whole_top_layers(tiny: Path) -> None:
    model, _ = load(tiny)
    names = last_layer_names(encoder_of(model), 2)
    assert names and all(".layer.1." in n or ".layer.2." in n for n in names)
    assert not any(".layer.0." in n for n in names)
