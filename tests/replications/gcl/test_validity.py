"""The GCL run's validity checks pass and fail on the figures they are computed from."""

from __future__ import annotations

import pytest

from claimcheck.models import Measurement
from replications.gcl import FULL, PROXY
from replications.gcl.heldout import PairedChange
from replications.gcl.validity import (
    baseline_check,
    checks,
    no_placeholder_check,
    placeholders_in_use,
    start_capability_check,
    task_id,
    treatment_check,
)


def test_paired_change_mean_and_standard_error() -> None:
    c = PairedChange.of([2.0, 2.0, 2.0, 2.0], [1.0, 1.2, 0.8, 1.0])
    assert c.change == pytest.approx(-1.0) and c.before == 2.0 and c.after == pytest.approx(1.0)
    assert c.se == pytest.approx(0.0816, abs=1e-4) and c.n == 4
    assert c.lowered(2.0) and c.not_raised(2.0)
    flat = PairedChange.of([1.0, 1.0], [1.0, 1.0])
    assert not flat.lowered(2.0) and flat.not_raised(2.0)
    noisy = PairedChange.of([1.0, 1.0, 1.0], [0.5, 1.6, 0.8])  # a small fall inside its noise
    assert noisy.change < 0 and not noisy.lowered(2.0)
    with pytest.raises(ValueError, match="equal"):
        PairedChange.of([1.0], [1.0, 2.0])


def test_treatment_must_lower_its_held_out_loss_in_every_seed() -> None:
    good = PairedChange.of([2.0, 2.1, 1.9], [1.5, 1.6, 1.4])
    flat = PairedChange.of([2.0, 2.1, 1.9], [2.0, 2.2, 1.8])
    assert treatment_check("gcl", {0: good, 1: good}).passed
    failed = treatment_check("gcl", {0: good, 1: flat})
    assert not failed.passed and failed.targets == ["gcl"] and "seed 1" in failed.detail and "2 SE" in failed.detail
    assert not treatment_check("gcl", {}).passed  # unmeasured is not passed


def test_baseline_fails_when_its_training_broke_it() -> None:
    same = PairedChange.of([1.0, 1.1, 0.9], [1.0, 1.1, 0.9])
    worse_loss = PairedChange.of([1.0, 1.1, 0.9], [1.6, 1.8, 1.5])
    hits_kept = PairedChange.of([1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0])
    hits_lost = PairedChange.of([1.0] * 8, [0.0] * 8)
    assert baseline_check({0: same}, {0: hits_kept}).passed
    assert not baseline_check({0: worse_loss}, {0: hits_kept}).passed
    check = baseline_check({0: same}, {0: hits_lost})
    assert not check.passed and check.targets == ["cl"]


def _m(condition: str, dataset: str, value: float, seed: int = 0) -> Measurement:
    return Measurement(condition=condition, dataset=dataset, metric="UniIR-Recall", seed=seed, value=value,
                       per_query={"q": value})  # fmt: skip


def test_start_capability_reads_the_plain_cross_modal_sets_only() -> None:
    names = {"task0_qt-ci": "world_task0", "task3_qi-ct": "world_task3", "task6_qiqt-ct": "world_task6",
             "task0_qt-ci@union": "world_task0@union"}  # fmt: skip
    capable = [_m("pretrained", "task0_qt-ci", 0.8), _m("pretrained", "task3_qi-ct", 0.7),
               _m("pretrained", "task6_qiqt-ct", 0.0), _m("pretrained", "task0_qt-ci@union", 0.0)]  # fmt: skip
    assert start_capability_check(capable, names).passed
    weak = [*capable, _m("pretrained", "task0_qt-ci", 0.2, seed=1), _m("pretrained", "task3_qi-ct", 0.3, seed=1)]
    check = start_capability_check(weak, names)
    assert not check.passed and "seed 1: 0.250" in check.detail
    assert not start_capability_check([_m("gcl", "task0_qt-ci", 0.9)], names).passed
    assert task_id("mscoco_task3") == 3 and task_id("worldsame_task2") == 2 and task_id("x@union") is None


def test_a_full_run_with_placeholder_values_fails_and_names_them() -> None:
    assert placeholders_in_use(FULL.config) == ["batch_size", "lr", "steps", "warmup", "weight_decay"]
    check = no_placeholder_check(FULL.config)
    assert not check.passed and "lr=1e-06" in check.detail and check.targets == []
    set_by_user = {**FULL.config, "batch_size": 512, "lr": 5e-6, "steps": 1090, "warmup": 100, "weight_decay": 0.2}
    assert no_placeholder_check(set_by_user).passed
    assert no_placeholder_check(PROXY.config).passed


def test_every_check_of_a_run_is_reported() -> None:
    ok = PairedChange.of([2.0, 2.1], [1.0, 1.2])
    names = [c.name for c in checks(PROXY.config, [], {}, {"gcl": {0: ok}}, {})]
    assert names == ["start-retrieves-cross-modal", "gcl-lowered-heldout-loss", "cl_fused-lowered-heldout-loss",
                     "cl-baseline-not-degraded", "no-placeholder-config"]  # fmt: skip
