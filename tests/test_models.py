"""The domain types refuse what would become a path, markup, an absurd precision or a non-JSON number."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from claimcheck.models import ID_MAX_LENGTH, Claim, Mention, Quantity, Replication, RunRecord, SourceRef, ValueTarget


@pytest.mark.parametrize("good", ["coco-dr-base-ndcg10-trec-covid", "report-1a2b3c4d", "A.b_c-9", "x" * ID_MAX_LENGTH])
def test_identifiers_that_are_plain_names_load(good: str) -> None:
    assert Claim(id=good, text="t").id == good
    assert Mention(report=good, text="t").report == good


@pytest.mark.parametrize("bad", ["", "../x", "/abs", "a/b", "[/]", "a b", ".x", "-x", "x" * (ID_MAX_LENGTH + 1), "é"])
def test_identifiers_that_could_be_paths_or_markup_do_not(bad: str) -> None:
    with pytest.raises(ValidationError):
        Claim(id=bad, text="t")
    with pytest.raises(ValidationError):
        Mention(report=bad, text="t")


@pytest.mark.parametrize("name", ["os.system(1)", "../x", "[/]", "a..b", "", "x y"])
def test_experiment_names_are_dotted_names(name: str) -> None:
    with pytest.raises(ValidationError):
        Replication(experiment=name, value=ValueTarget(metric="AP", dataset="d"))


def test_arxiv_ids_are_arxiv_ids() -> None:
    assert SourceRef(arxiv_id="2210.15212").arxiv_id == "2210.15212"
    assert SourceRef(arxiv_id="cs/0112017").arxiv_id == "cs/0112017"
    for bad in ("..", "../../etc", "2210.15212/../x", "x" * 100):
        with pytest.raises(ValidationError):
            SourceRef(arxiv_id=bad)


@pytest.mark.parametrize("decimals", [18, 100_000_000, 10_000_000_000, -1])
def test_an_absurd_precision_is_refused(decimals: int) -> None:
    with pytest.raises(ValidationError):
        Quantity(value=0.5, decimals=decimals)


@pytest.mark.parametrize("confidence", [float("nan"), float("inf"), -0.1, 1.5])
def test_a_confidence_is_a_finite_number_in_0_1(confidence: float) -> None:
    with pytest.raises(ValidationError):
        Mention(report="r", text="t", confidence=confidence)


def test_params_hold_only_finite_numbers_so_exports_stay_json() -> None:
    target = ValueTarget(metric="AP", dataset="d")
    with pytest.raises(ValidationError, match=r"params\.a\.b\[1\]"):
        Replication(experiment="x.y", params={"a": {"b": [1.0, float("nan")]}}, value=target)
    claim = Claim(id="c", text="t", replication=Replication(experiment="x.y", params={"k": 0.9}, value=target))
    json.loads(claim.model_dump_json(), parse_constant=lambda c: pytest.fail(c))


def test_old_records_without_a_signature_still_load() -> None:
    old = {"key": "a" * 64, "experiment": "x.y", "scale": "proxy", "config": {}, "seeds": [0], "status": "ok",
           "provenance": {"git_commit": None, "python": "3", "platform": "p", "packages": {}, "cpu": "c", "threads": 1},
           "started_at": "2026", "wall_time_s": 1.0, "peak_memory_mb": 1.0}  # fmt: skip
    record = RunRecord.model_validate(old)
    assert record.signature is None and record.code == {}
