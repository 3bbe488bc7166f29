"""Tolerances as data, and the neighbour check (claimcheck.tolerances)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.home import evidence_dir, write_model
from claimcheck.models import EvidenceResult, EvidenceVerdict, Quantity, TableCell, Tolerance
from claimcheck.registry import RegistryError, dump_registry, load_registry
from claimcheck.tolerances import ALLOWANCE, band, neighbour_conflicts, neighbour_values

BUNDLED = Path(__file__).resolve().parent.parent / "claims.yaml"
WITHOUT_IDRO = "coco-dr-base-ndcg10-trec-covid-without-idro"


def test_the_default_band_is_half_a_unit_plus_the_allowance_and_a_claims_own_replaces_it() -> None:
    assert band(Quantity(value=0.456, decimals=3), None).half_width == pytest.approx(0.0005 + ALLOWANCE)
    assert band(Quantity(value=45.6, decimals=1), None).half_width == pytest.approx(0.05 + 100 * ALLOWANCE)
    rel = Quantity(kind="relative-change", value=13.7, unit="percent", decimals=1)
    assert band(rel, None).half_width == pytest.approx(0.05)
    own = band(Quantity(value=2.0, decimals=1), Tolerance(kind="relative", value=0.1, reason="r"))
    assert own.half_width == pytest.approx(0.2) and "r" in own.source


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
