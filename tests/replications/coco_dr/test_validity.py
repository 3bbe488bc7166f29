"""The ablation's validity checks pass and fail on the figures they are given, and name their thresholds."""

from __future__ import annotations

from replications.coco_dr import validity
from replications.coco_dr.scales import FULL


def test_distribution_shift_needs_the_margin() -> None:
    assert validity.distribution_shift({"a": 0.2, "b": 0.3}, 0.5).passed
    weak = validity.distribution_shift({"a": 0.45, "b": 0.5}, 0.5)
    assert not weak.passed and "needs >= 0.1" in weak.detail


def test_learned_needs_every_seed() -> None:
    start = {"loss": 1.0, "ndcg10": 0.5}
    good = {"losses": [2.0, 1.5, 1.0, 0.5], "heldout": {"loss": 0.8, "ndcg10": 0.6}}
    worse = {"losses": [2.0, 1.5, 1.0, 0.5], "heldout": {"loss": 0.8, "ndcg10": 0.45}}
    flat = {"losses": [1.0, 1.0, 1.1, 1.2], "heldout": {"loss": 0.8, "ndcg10": 0.6}}
    assert validity.learned("full", {0: good, 1: good}, start).passed
    assert not validity.learned("full", {0: good, 1: worse}, start).passed  # ends below its start on held-out
    assert not validity.learned("full", {0: flat}, start).passed  # training loss did not fall
    assert validity.learned("full", {0: good}, start).targets == ["full"]
    assert not validity.learned("full", {}, start).passed


def test_coco_changed_needs_loss_and_movement() -> None:
    assert validity.coco_changed({0: {"heldout_loss": 2.0, "cosine": 0.95}}, 3.0).passed
    assert not validity.coco_changed({0: {"heldout_loss": 2.0, "cosine": 0.999}}, 3.0).passed
    assert not validity.coco_changed({0: {"heldout_loss": 3.5, "cosine": 0.9}}, 3.0).passed


def test_idro_check_reads_the_agreement_term_not_the_presence_history() -> None:
    # applied weights far from uniform (a group back from the eps floor) but a flat agreement term: not iDRO acting
    history = validity.weight_spread([[0.5, 0.49, 0.01]] * 5, [1.01] * 5)
    assert history["applied_max_min"] > 40
    assert not validity.idro_moved({"full/seed0": history}).passed
    moved = validity.weight_spread([[0.4, 0.6]] * 5, [1.3] * 5)
    assert validity.idro_moved({"full/seed0": moved}).passed
    assert validity.idro_moved({"full/seed0": moved}).targets == ["without_idro"]


def test_coco_must_read_every_target_corpus() -> None:
    cfg = {"coco": {"contrastive_weight": 1.0}, "targets": ["a", "b"], "coco_corpora": ["a"]}
    check = validity.coco_on_targets(cfg)
    assert not check.passed and "b" in check.detail


def test_the_full_scale_refuses_verdicts_while_it_holds_placeholders() -> None:
    check = validity.no_placeholders(FULL.config)
    assert not check.passed
    for name in FULL.config["placeholders"]:
        assert name in check.detail
    assert validity.no_placeholders({"placeholders": []}).passed
