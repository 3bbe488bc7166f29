from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from claimcheck.retrieval.schedule import linear_warmup_decay  # noqa: E402


def _factors(warmup: int, total: int) -> list[float]:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = linear_warmup_decay(optimizer, warmup, total)
    out = []
    for _ in range(total):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return out


def test_warms_up_linearly_then_decays_linearly_to_zero() -> None:
    assert _factors(2, 6) == pytest.approx([0.5, 1.0, 1.0, 0.75, 0.5, 0.25])


def test_no_warmup_starts_at_full_rate() -> None:
    assert _factors(0, 4) == pytest.approx([1.0, 0.75, 0.5, 0.25])
    assert _factors(-3, 4) == _factors(0, 4)  # a negative warm-up means none
