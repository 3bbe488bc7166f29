"""Tolerances as data, and the check that a claim's tolerance can tell its cell from the source's other cells.

A value claim is verified when the measurement's interval lies inside the band: the claimed region widened by
the tolerance on each side. The claimed region is the claimed value, or for a stated range ("between 0.42 and
0.45": `low`/`high`) the whole range. The tolerance is the claim's own (`tolerance:` in claims.yaml, absolute,
or relative to the claimed value, a range's midpoint; with its reason) or, by default, half a unit of the
claimed value's last reported digit (the rounding the claim itself carries) plus `ALLOWANCE`, what a
replication cannot hold fixed: the source's hardware, library versions and tie-breaking. Noise never widens a
tolerance; it widens the interval (`claimcheck.verdicts`). Nor does a stated deviation ("0.789 ± 0.004"): it
says how the source's runs spread, not how far its mean may be from ours.

A tolerance that covers another value the source reports for the same subject and dataset (the neighbouring
cell: "−COCO" beside "−iDRO") lets a perfect replication of one cell verify a claim that quotes the other.
`neighbour_conflicts` lists those, from the values a claim carries (`neighbours:` in claims.yaml) and from the
table cells the evidence step found; `claimcheck.registry` refuses a registry whose own data conflict. A value
inside a stated range is one the claim itself allows, not a neighbour; a change claim's neighbours are the
changes it carries (table cells hold scores, not changes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from claimcheck.home import UnsafePathError, evidence_dir, read_model_or_none, safe_child
from claimcheck.models import Claim, EvidenceResult, Quantity, SourceValue, TableCell, Tolerance

# What a replication of a fraction-valued metric cannot hold fixed, in score units (0.1 in percent points): the
# source's hardware and library versions, and how its evaluation broke rank ties. The order of magnitude of the
# drift seen between evaluation stacks on one checkpoint (e.g. trec_eval vs other nDCG implementations on tied
# scores); declared, not measured here. Change claims (relative or absolute) get none: they compare two figures
# of one evaluation stack, whose common drift cancels in the comparison.
ALLOWANCE = 0.001
CHANGES = ("relative-change", "absolute-change")


def half_unit(decimals: int) -> float:
    """Half a unit of the last reported digit: 45.6 → 0.05, 0.456 → 0.0005."""
    return 0.5 * 10.0 ** (-decimals)


def percent_points(quantity: Quantity) -> bool:
    """True when an absolute claim writes a fraction-valued metric in percent points (45.6 for 0.456)."""
    return quantity.kind == "absolute" and (quantity.unit == "percent" or abs(quantity.value) > 1.0)


def claimed_region(quantity: Quantity) -> tuple[float, float]:
    """The values the claim states: [low, high] for a range, else the claimed value alone."""
    if quantity.low is not None and quantity.high is not None:
        return min(quantity.low, quantity.high), max(quantity.low, quantity.high)
    return quantity.value, quantity.value


@dataclass(frozen=True)
class Band:
    """The claimed region [low, high] (one point for a point claim) widened by `tolerance` on each side, and
    where the tolerance comes from."""

    low: float
    high: float
    tolerance: float
    source: str

    @property
    def claimed(self) -> float:
        """The claimed value: a range's midpoint."""
        return (self.low + self.high) / 2

    @property
    def half_width(self) -> float:
        """Half the band's width about `claimed`: half the stated range plus the tolerance."""
        return (self.high - self.low) / 2 + self.tolerance

    @property
    def edges(self) -> tuple[float, float]:
        return self.low - self.tolerance, self.high + self.tolerance

    def _slack(self) -> float:
        # float round-off must not move a value that sits exactly on the edge outside the band
        return 1e-9 * max(1.0, abs(self.low), abs(self.high))

    def covers(self, value: float) -> bool:
        lower, upper = self.edges
        return lower - self._slack() <= value <= upper + self._slack()

    def contains(self, interval: tuple[float, float]) -> bool:
        return self.covers(interval[0]) and self.covers(interval[1])

    def excludes(self, interval: tuple[float, float]) -> bool:
        """Whether the interval lies entirely outside the band."""
        lower, upper = self.edges
        return interval[1] < lower - self._slack() or interval[0] > upper + self._slack()

    def distance(self, value: float) -> float:
        """How far a value lies from the claimed region (0 inside it)."""
        return max(self.low - value, value - self.high, 0.0)

    def __str__(self) -> str:
        if self.low == self.high:
            return f"claimed {self.low:g} ± {self.tolerance:.4g}"
        lower, upper = self.edges
        return f"claimed {self.low:g}–{self.high:g} ± {self.tolerance:.4g} (band [{lower:.4g}, {upper:.4g}])"


def band(quantity: Quantity, tolerance: Tolerance | None, percent: bool | None = None) -> Band:
    """The tolerance band of a claim; `percent` overrides `percent_points` when measurements tell."""
    low, high = claimed_region(quantity)
    if tolerance is not None:
        width = tolerance.value if tolerance.kind == "absolute" else tolerance.value * abs(quantity.value)
        return Band(low, high, width, f"the claim's own ({tolerance.kind} {tolerance.value:g}): {tolerance.reason}")
    half = half_unit(quantity.decimals)
    if quantity.kind in CHANGES:
        return Band(low, high, half, f"half a unit of the last digit ({half:g})")
    allowance = ALLOWANCE * (100.0 if (percent_points(quantity) if percent is None else percent) else 1.0)
    return Band(low, high, half + allowance, f"half a unit of the last digit ({half:g}) + allowance {allowance:g}")


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


def _allowed(quantity: Quantity, value: float) -> bool:
    """Whether the claim itself states this value: its claimed value, or a value in its stated range, at the
    claim's own rounding."""
    low, high = claimed_region(quantity)
    d = quantity.decimals
    return low <= value <= high or round(low, d) <= round(value, d) <= round(high, d)


def neighbour_values(claim: Claim, evidence: EvidenceResult | None = None) -> list[SourceValue]:
    """Every value the source reports for the claim's subject and dataset other than what the claim states: the
    claim's own data, and for a claim of a score the evidence's cells (the decided cell too, when it holds
    another value). A change claim takes its own data only: a table cell is a score, not a change."""
    q = claim.quantity
    if q is None:
        return []
    found = list(claim.neighbours)
    if evidence is not None and q.kind not in CHANGES:
        cells = ([evidence.cell] if evidence.cell else []) + list(evidence.neighbours)
        found += [v for c in cells if (v := _cell_value(c, q.value)) is not None]
    out: list[SourceValue] = []
    for v in found:
        if not _allowed(q, v.value) and all(abs(v.value - o.value) > 1e-12 or v.label != o.label for o in out):
            out.append(v)
    return out


@dataclass(frozen=True)
class NeighbourConflict:
    claim_id: str
    neighbour: SourceValue
    band: Band

    def __str__(self) -> str:
        b = self.band
        region = f"{b.low:g}" if b.low == b.high else f"the stated range {b.low:g}–{b.high:g}"
        return (
            f"{self.claim_id}: tolerance ±{b.tolerance:g} around {region} covers {self.neighbour.value:g}, "
            f"which the source reports for {self.neighbour.label} ({self.neighbour.source}); "
            f"a tolerance below {b.distance(self.neighbour.value):.4g} tells them apart"
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
