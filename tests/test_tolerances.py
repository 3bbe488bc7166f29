"""Tolerances as data, and the neighbour check (claimcheck.tolerances)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.home import evidence_dir, write_model
from claimcheck.models import Claim, EvidenceResult, EvidenceVerdict, Quantity, SourceValue, TableCell, Tolerance
from claimcheck.registry import RegistryError, dump_registry, load_registry
from claimcheck.tolerances import ALLOWANCE, band, claim_conflicts, neighbour_conflicts, neighbour_values

BUNDLED = Path(__file__).resolve().parent.parent / "claims.yaml"
WITHOUT_IDRO = "coco-dr-base-ndcg10-trec-covid-without-idro"


def test_the_default_band_is_half_a_unit_plus_the_allowance_and_a_claims_own_replaces_it() -> None:
    assert band(Quantity(value=0.456, decimals=3), None).half_width == pytest.approx(0.0005 + ALLOWANCE)
    assert band(Quantity(value=45.6, decimals=1), None).half_width == pytest.approx(0.05 + 100 * ALLOWANCE)
    rel = Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1)
    assert band(rel, None).half_width == pytest.approx(0.05)
    own = band(Quantity(value=2.0, decimals=1), Tolerance(kind="relative", value=0.1, reason="r"))
    assert own.half_width == pytest.approx(0.2) and "r" in own.source


def test_a_range_band_is_the_range_widened_by_the_tolerance_and_a_change_gets_no_allowance() -> None:
    b = band(Quantity(value=0.435, low=0.42, high=0.45, decimals=2), None)
    assert (b.low, b.high, b.tolerance) == (0.42, 0.45, pytest.approx(0.005 + ALLOWANCE))
    assert b.edges == pytest.approx((0.414, 0.456)) and b.claimed == pytest.approx(0.435)
    assert b.contains((0.447, 0.449)) and not b.contains((0.45, 0.457)) and b.excludes((0.457, 0.46))
    assert str(b) == "claimed 0.42–0.45 ± 0.006 (band [0.414, 0.456])"
    points = Quantity(kind="absolute-change", value=2.3, unit="percent", decimals=1)
    assert band(points, None).tolerance == pytest.approx(0.05)  # two figures of one stack: common drift cancels
    assert band(Quantity(value=0.789, deviation=0.004, decimals=3), None).tolerance == pytest.approx(0.0015)


def test_the_neighbour_check_treats_a_range_as_the_region_it_states() -> None:
    ranged = Quantity(value=0.435, low=0.420, high=0.450, decimals=3)
    inside = SourceValue(label="X −COCO", value=0.43, source="Table 2")  # the claim itself allows it
    margin = SourceValue(label="X −iDRO", value=0.451, source="Table 2")  # only the tolerance covers it
    far = SourceValue(label="X full", value=0.47, source="Table 2")
    claim = Claim(id="r", text="t", quantity=ranged, neighbours=[inside, margin, far])
    assert [n.value for n in neighbour_values(claim)] == [0.451, 0.47]
    (conflict,) = claim_conflicts(claim)
    assert conflict.neighbour == margin
    assert "around the stated range 0.42–0.45 covers 0.451" in str(conflict)
    assert "a tolerance below 0.001 tells them apart" in str(conflict)  # from the range's end, not its midpoint


def test_a_change_claims_neighbours_are_its_own_changes_not_table_scores() -> None:
    change = Quantity(kind="absolute-change", value=2.3, unit="percent", decimals=1)
    other = SourceValue(label="X −COCO change", value=2.5, source="Table 2")
    claim = Claim(id="c", text="t", quantity=change, neighbours=[other])
    cell = TableCell(page=7, table="Table 2", row="TREC-COVID", column="X", text="2.4", value=2.4)
    evidence = EvidenceResult(claim_id="c", verdict=EvidenceVerdict.SUPPORTED, neighbours=[cell])
    assert [n.value for n in neighbour_values(claim, evidence)] == [2.5]


def test_no_bundled_claim_fails_the_neighbour_check() -> None:
    registry = load_registry(BUNDLED)
    assert neighbour_conflicts(registry.claims) == []
    claim = registry.claim(WITHOUT_IDRO)
    assert {n.value for n in neighbour_values(claim)} == {0.789, 0.771}  # the row the issue names


def test_the_old_tolerance_of_the_misquoted_claim_is_refused_with_its_line(tmp_path: Path) -> None:
    registry = load_registry(BUNDLED)
    claim = registry.claim(WITHOUT_IDRO)
    claim.tolerance = Tolerance(kind="absolute", value=0.01, reason="the old one")
    path = tmp_path / "claims.yaml"
    path.write_text(dump_registry(registry), encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    message = str(err.value)
    assert f"({WITHOUT_IDRO}).tolerance" in message and "covers 0.771" in message and message.startswith(str(path))


def test_stored_evidence_cells_are_neighbours_in_the_claims_units() -> None:
    registry = load_registry(BUNDLED)
    claim = registry.claim("coco-dr-large-ndcg10-trec-covid")  # 0.771, no neighbours of its own
    cell = TableCell(page=7, table="Table 2", row="TREC-COVID", column="COCO-DR Large", text="77.1", value=77.1)
    near = TableCell(page=7, table="Table 2", row="TREC-COVID", column="COCO-DR Large / −iDRO", text="77.2",
                     value=77.2)  # fmt: skip
    evidence = EvidenceResult(claim_id=claim.id, verdict=EvidenceVerdict.SUPPORTED, cell=cell, neighbours=[near])
    values = neighbour_values(claim, evidence)
    assert [v.value for v in values] == [pytest.approx(0.772)]  # the claimed cell itself is not a neighbour
    conflicts = neighbour_conflicts([claim], lambda _id: evidence)
    assert len(conflicts) == 1 and "p. 7, Table 2" in str(conflicts[0])


def test_the_tolerances_command_lists_conflicts_from_stored_evidence(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["tolerances", "--registry", str(BUNDLED)])
    assert result.exit_code == 0 and "no tolerance covers" in result.output
    near = TableCell(page=7, table="Table 2", row="TREC-COVID", column="Large / −iDRO", text="77.2", value=77.2)
    write_model(evidence_dir() / "coco-dr-large-ndcg10-trec-covid.json",
                EvidenceResult(claim_id="coco-dr-large-ndcg10-trec-covid", verdict=EvidenceVerdict.SUPPORTED,
                               neighbours=[near]))  # fmt: skip
    result = runner.invoke(app, ["tolerances", "--registry", str(BUNDLED)])
    assert result.exit_code == 1 and "coco-dr-large-ndcg10-trec-covid" in result.output
