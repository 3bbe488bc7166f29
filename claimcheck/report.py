"""The verify export: what `verify` and `report` hand to the renderings (`claimcheck.render`) and write as JSON.

JSON export schema `claimcheck.verify/2` (`VerifyExport`; additive changes keep the version, anything else
bumps it). Version 2: the `not-applicable` verdict (counted apart from `inconclusive`); value verdicts have
three outcomes with an interval over seeds (or a released checkpoint's drift); `result.details` of an effect
holds per-dataset figures, the seeds × queries standard error, `validity` (every check that applied, the
engine's `power` check among them) and `reproduction` (effect ratio, ΔRI). `VerifyExport` still reads /1.
Added within /2: a value-rule result's details hold `claimed_region` ([low, high]; one point twice), `band` (its
edges, the region ± `tolerance`) and, for a stated ±, `stated_deviation`; a judged change's size its `unit`
("%", "points" or "score") and any `stated_end_points`.

    {
      "schema": "claimcheck.verify/2",
      "generated_at": ISO-8601 UTC,
      "command": "verify" | "report",
      "registry": path of claims.yaml,
      "scale": requested scale ("smoke" | "proxy" | "full" | "auto") or null for `report`,
      "cache": "only-missing" | "always" | "never" | null,
      "seconds": wall time of the command or null,
      "counts": {verdict: number of claims},          # every Verdict value present, zeros included
      "claims": [{
          "id", "text",
          "claimed": human-readable claimed value or null,
          "result": ClaimResult (models.py: verdict, scale, experiment, claimed, measured, interval,
                    tolerance, effect, p_value, seeds, datasets, reason, command, records, wall_time_s,
                    details),
          "evidence": EvidenceResult or null          # the source-evidence verdict, when the evidence step ran
      }],
      "runs": [{key, experiment, scale, status, error, reused, seconds, wall_time_s, peak_memory_mb,
                started_at, config, seeds, claim_ids, fingerprints, imported_from, provenance}],
      "reports": [{id, title, file,                    # the reports that mention the claims shown
                   "checks": [{name, ok (true passes, false flagged, null cannot judge here), detail}]}]
    }
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from claimcheck.models import Claim, ClaimRegistry, ClaimResult, EvidenceResult, Provenance, Record, RunRecord, Verdict
from claimcheck.sources.report_checks import ReportCheck, check_report, examined_paper
from claimcheck.tolerances import stored_evidence as load_evidence
from claimcheck.verdicts.forms import format_quantity

SCHEMA = "claimcheck.verify/2"


class ClaimEntry(Record):
    id: str
    text: str
    claimed: str | None = None
    result: ClaimResult
    evidence: EvidenceResult | None = None


class RunSummary(Record):
    key: str
    experiment: str
    scale: str
    status: str
    error: str | None = None
    reused: bool | None = None
    seconds: float | None = None
    wall_time_s: float
    peak_memory_mb: float
    started_at: str
    config: dict[str, Any]
    seeds: list[int]
    claim_ids: list[str]
    fingerprints: dict[str, str]
    imported_from: str | None = None
    provenance: Provenance


class ReportEntry(Record):
    id: str
    title: str
    file: str
    checks: list[ReportCheck]


class VerifyExport(Record):
    """The versioned JSON document `--json` writes (see the module docstring)."""

    schema_: Literal["claimcheck.verify/1", "claimcheck.verify/2"] = Field(default=SCHEMA, alias="schema")
    generated_at: str
    command: Literal["verify", "report"]
    registry: str
    scale: str | None = None
    cache: str | None = None
    seconds: float | None = None
    counts: dict[str, int]
    claims: list[ClaimEntry]
    runs: list[RunSummary] = Field(default_factory=list)
    reports: list[ReportEntry] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


# --------------------------------------------------------------------------------------------------- building


def format_claimed(claim: Claim, with_metric: bool = True) -> str | None:
    """`0.789 nDCG@10`, `0.42–0.45 nDCG@10`, `0.789 ± 0.004 nDCG@10`, `+13.7% AP` or `+2.3 points nDCG@10`
    (without the metric where a narrow terminal needs the room); the forms are `verdicts.forms.format_quantity`'s."""
    return format_quantity(claim.quantity, with_metric) if claim.quantity is not None else None


def count_verdicts(results: Sequence[ClaimResult]) -> dict[str, int]:
    counts = Counter(r.verdict.value for r in results)
    return {v.value: counts.get(v.value, 0) for v in Verdict}


def run_summary(record: RunRecord, reused: bool | None = None, seconds: float | None = None) -> RunSummary:
    return RunSummary(
        key=record.key,
        experiment=record.experiment,
        scale=record.scale,
        status=record.status,
        error=record.error,
        reused=reused,
        seconds=seconds,
        wall_time_s=record.wall_time_s,
        peak_memory_mb=record.peak_memory_mb,
        started_at=record.started_at,
        config=record.config,
        seeds=record.seeds,
        claim_ids=record.claim_ids,
        fingerprints=record.output.fingerprints,
        imported_from=record.imported_from,
        provenance=record.provenance,
    )


def build_export(
    registry: ClaimRegistry,
    results: Sequence[ClaimResult],
    *,
    command: Literal["verify", "report"],
    registry_path: str | Path,
    runs: Sequence[RunSummary] = (),
    scale: str | None = None,
    cache: str | None = None,
    seconds: float | None = None,
) -> VerifyExport:
    claims = {c.id: c for c in registry.claims}
    entries = [
        ClaimEntry(
            id=r.claim_id,
            text=claims[r.claim_id].text,
            claimed=format_claimed(claims[r.claim_id]),
            result=r,
            evidence=load_evidence(r.claim_id),
        )
        for r in results
    ]
    return VerifyExport(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        registry=str(registry_path),
        scale=scale,
        cache=cache,
        seconds=seconds,
        counts=count_verdicts(results),
        claims=entries,
        runs=list(runs),
        reports=report_entries(registry, {r.claim_id for r in results}),
    )


def report_entries(registry: ClaimRegistry, claim_ids: set[str]) -> list[ReportEntry]:
    """The report checks of every report that mentions one of `claim_ids`."""
    mentioned = {m.report for c in registry.claims if c.id in claim_ids for m in c.mentions}
    return [
        ReportEntry(
            id=report.id,
            title=report.title,
            file=report.file,
            checks=check_report(report, registry.claims, examined_paper(report, registry.claims)),
        )
        for report in registry.reports
        if report.id in mentioned
    ]


def flagged_checks(export: VerifyExport) -> list[tuple[ReportEntry, ReportCheck]]:
    return [(entry, check) for entry in export.reports for check in entry.checks if check.ok is False]
