"""Tolerances as data, and the check that a claim's tolerance can tell its cell from the source's other cells.

A value claim is verified when the measurement's interval lies inside claimed ± tolerance. The tolerance is the
claim's own (`tolerance:` in claims.yaml, absolute or relative, with its reason) or, by default, half a unit
of the claimed value's last reported digit (the rounding the claim itself carries) plus `ALLOWANCE`, what a
replication cannot hold fixed: the source's hardware, library versions and tie-breaking. Noise never widens a
tolerance; it widens the interval (`claimcheck.verdicts`).

A tolerance that covers another value the source reports for the same subject and dataset (the neighbouring
cell: "−COCO" beside "−iDRO") lets a perfect replication of one cell verify a claim that quotes the other.
`neighbour_conflicts` lists those, from the values a claim carries (`neighbours:` in claims.yaml) and from the
table cells the evidence step found; `claimcheck.registry` refuses a registry whose own data conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from claimcheck.home import UnsafePathError, evidence_dir, read_model_or_none, safe_child
from claimcheck.models import Claim, EvidenceResult, Quantity, SourceValue, TableCell, Tolerance

# What a replication of a fraction-valued metric cannot hold fixed, in score units (0.1 in percent points): the
# source's hardware and library versions, and how its evaluation broke rank ties. The order of magnitude of the
# drift seen between evaluation stacks on one checkpoint (e.g. trec_eval vs other nDCG implementations on tied
# scores); declared, not measured here. Relative-change claims get none: their size is a ratio of such figures.
ALLOWANCE = 0.001


def half_unit(decimals: int) -> float:
    """Half a unit of the last reported digit: 45.6 → 0.05, 0.456 → 0.0005."""
    return 0.5 * 10.0 ** (-decimals)


def percent_points(quantity: Quantity) -> bool:
    """True when an absolute claim writes a fraction-valued metric in percent points (45.6 for 0.456)."""
    return quantity.kind == "absolute" and (quantity.unit == "percent" or abs(quantity.value) > 1.0)


@dataclass(frozen=True)
class Band:
    """claimed ± half_width, and where the half-width comes from."""

    claimed: float
    half_width: float
    source: str

    def covers(self, value: float) -> bool:
        # float round-off must not move a value that sits exactly on the edge outside the band
        return abs(value - self.claimed) <= self.half_width + 1e-9 * max(1.0, abs(self.claimed))

    def contains(self, interval: tuple[float, float]) -> bool:
        return self.covers(interval[0]) and self.covers(interval[1])


def band(quantity: Quantity, tolerance: Tolerance | None, percent: bool | None = None) -> Band:
    """The tolerance band of a claimed value; `percent` overrides `percent_points` when measurements tell."""
    claimed = quantity.value
    if tolerance is not None:
        width = tolerance.value if tolerance.kind == "absolute" else tolerance.value * abs(claimed)
        return Band(claimed, width, f"the claim's own ({tolerance.kind} {tolerance.value:g}): {tolerance.reason}")
    half = half_unit(quantity.decimals)
    if quantity.kind == "relative-change":
        return Band(claimed, half, f"half a unit of the last digit ({half:g})")
    allowance = ALLOWANCE * (100.0 if (percent_points(quantity) if percent is None else percent) else 1.0)
    return Band(claimed, half + allowance, f"half a unit of the last digit ({half:g}) + allowance {allowance:g}")


# --------------------------------------------------------------------------------------------------- neighbours


def _in_claim_units(value: float, claimed: float) -> float:
    """A table cell printed in percent (78.9) against a claim written as a fraction (0.789), or the reverse."""
    if abs(claimed) <= 1.0 < abs(value) <= 100.0:
        return value / 100.0
    if abs(value) <= 1.0 < abs(claimed) <= 100.0:
        return value * 100.0
    return value


def _cell_value(cell: TableCell, claimed: float) -> SourceValue | None:
    if cell.value is None:
        return None
    return SourceValue(label=f"{cell.row} / {cell.column}", value=_in_claim_units(cell.value, claimed),
                       source=cell.address)  # fmt: skip


def stored_evidence(claim_id: str) -> EvidenceResult | None:
    """The evidence step's verdict for a claim, if it wrote one (an unreadable file, or an id that would name a
    file outside the evidence folder, counts as absent)."""
    try:
        return read_model_or_none(safe_child(evidence_dir(), f"{claim_id}.json"), EvidenceResult)
    except UnsafePathError:
        return None


def neighbour_values(claim: Claim, evidence: EvidenceResult | None = None) -> list[SourceValue]:
    """Every value the source reports for the claim's subject and dataset other than the claimed value itself:
    the claim's own data, and the evidence's cells (the decided cell too, when it holds another value)."""
    q = claim.quantity
    if q is None:
        return []
    found = list(claim.neighbours)
    if evidence is not None:
        cells = ([evidence.cell] if evidence.cell else []) + list(evidence.neighbours)
        found += [v for c in cells if (v := _cell_value(c, q.value)) is not None]
    out: list[SourceValue] = []
    for v in found:
        same_as_claimed = round(v.value, q.decimals) == round(q.value, q.decimals)
        if not same_as_claimed and all(abs(v.value - o.value) > 1e-12 or v.label != o.label for o in out):
            out.append(v)
    return out


@dataclass(frozen=True)
class NeighbourConflict:
    claim_id: str
    neighbour: SourceValue
    band: Band

    def __str__(self) -> str:
        b = self.band
        return (
            f"{self.claim_id}: tolerance ±{b.half_width:g} around {b.claimed:g} covers {self.neighbour.value:g}, "
            f"which the source reports for {self.neighbour.label} ({self.neighbour.source}); "
            f"a tolerance below {abs(self.neighbour.value - b.claimed):.4g} tells them apart"
        )


def claim_conflicts(claim: Claim, evidence: EvidenceResult | None = None) -> list[NeighbourConflict]:
    if claim.quantity is None:
        return []
    b = band(claim.quantity, claim.tolerance)
    return [NeighbourConflict(claim.id, v, b) for v in neighbour_values(claim, evidence) if b.covers(v.value)]


def neighbour_conflicts(
    claims: Iterable[Claim], evidence_for: Callable[[str], EvidenceResult | None] = stored_evidence
) -> list[NeighbourConflict]:
    """Every claim whose tolerance band covers another value its source reports (see the module docstring)."""
    return [c for claim in claims for c in claim_conflicts(claim, evidence_for(claim.id))]
