"""How long a planned run will take, and which runs a time budget lets start.

An estimate comes from the stored records of earlier runs of the same experiment and scale on this machine (the
same config first), else from the minutes the scale declares for its reference machine. A budget admits a run
while its estimate fits the time left; a run that has started is never cut short, so the whole can end later
than the budget by as much as the last admitted run overruns its estimate.
"""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claimcheck.models import RunHeader
from claimcheck.provenance import cpu_model
from claimcheck.results import canonical_json

if TYPE_CHECKING:
    from claimcheck.verify import Group


@dataclass(frozen=True)
class Estimate:
    seconds: float
    basis: str  # what the figure rests on, in words

    @property
    def minutes(self) -> float:
        return self.seconds / 60


REUSED = Estimate(0.0, "reuses a stored record")


def _here(record: RunHeader, host: str, cpu: str) -> bool:
    """A record made on this machine (not imported): its timing says something about the next run here."""
    p = record.provenance
    return record.imported_from is None and p.hostname == host and p.cpu.startswith(cpu)


def _median(records: Sequence[RunHeader]) -> float:
    return statistics.median(r.wall_time_s for r in records)


def estimate(group: Group, records: Sequence[RunHeader]) -> Estimate:
    """Earlier runs here with this config, else with another config at this scale, else the declared minutes."""
    host, cpu = socket.gethostname(), cpu_model()
    same = [
        r for r in records
        if r.experiment == group.experiment.name and r.scale == group.scale and r.status == "ok" and _here(r, host, cpu)
    ]  # fmt: skip
    config = canonical_json(group.config)
    exact = [r for r in same if canonical_json(r.config) == config]
    if exact:
        return Estimate(_median(exact), f"median of {len(exact)} earlier run(s) here")
    if same:
        return Estimate(_median(same), f"median of {len(same)} earlier run(s) here with another config")
    req = group.experiment.scales[group.scale].requirements
    return Estimate(req.minutes * 60, f"declared for {req.reference_machine}")


@dataclass
class Budget:
    """Wall-clock seconds for the runs of one `verify`, counted from when it is made."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def left(self) -> float:
        return self.seconds - (self.clock() - self.started)

    def refusal(self, needed: Estimate, left: float | None = None) -> str | None:
        """Why a run estimated at `needed` may not start with `left` seconds to go (default: the time left now)."""
        left = self.left() if left is None else left
        if needed.seconds <= left:
            return None
        return (
            f"over the time budget: estimated {needed.minutes:.1f} min ({needed.basis}), "
            f"{max(left, 0) / 60:.1f} of {self.seconds / 60:g} min left (--max-minutes)"
        )

    def admitted(self, needs: Sequence[Estimate]) -> list[bool]:
        """Which runs, in order, the budget lets start if every estimate holds (the plan's forecast)."""
        left, out = self.seconds, []
        for needed in needs:
            fits = self.refusal(needed, left) is None
            left -= needed.seconds if fits else 0.0
            out.append(fits)
        return out
