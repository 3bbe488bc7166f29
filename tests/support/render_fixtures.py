"""An export for the rendering tests: the bundled claims.yaml (real ids, titles, texts) with a result of every
verdict, long reasons and commands, evidence with a table-cell address, and run records.

The results are made up on purpose: these tests check layout (widths, grouping, escaping), never a verdict.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

from claimcheck.models import (
    ClaimRegistry,
    ClaimResult,
    EvidenceResult,
    EvidenceVerdict,
    TableCell,
    Verdict,
)
from claimcheck.registry import load_registry
from claimcheck.report import ClaimEntry, VerifyExport, build_export

REPO = Path(__file__).resolve().parent.parent.parent
LONG_REASON = (
    "full scale cannot run here: needs 1 GPU(s), found 0; needs network access (set CLAIMCHECK_NETWORK=1 where it "
    "is available); dataset trec-covid not found in /home/researcher/.local/share/claimcheck/data"
)


def bundled_registry() -> ClaimRegistry:
    return load_registry(REPO / "claims.yaml", check_experiments=False)


def _result(claim_id: str, verdict: Verdict, i: int) -> ClaimResult:
    base = {"claim_id": claim_id, "verdict": verdict, "command": f"claimcheck verify {claim_id} --scale full"}
    if verdict in (Verdict.VERIFIED, Verdict.REFUTED):
        m = 0.7 + i / 1000
        reason = "|measured − claimed| = 0.0771 > tolerance 0.0123"
        return ClaimResult(**base, scale="full", claimed=0.789, measured=m, interval=(m - 0.012, m + 0.011),
                           tolerance=0.0123, reason=reason, records=["ab" * 32])  # fmt: skip
    if verdict in (Verdict.DIRECTION_REPRODUCED, Verdict.DIRECTION_NOT_REPRODUCED, Verdict.INCONCLUSIVE):
        e = 0.0512 if verdict != Verdict.DIRECTION_NOT_REPRODUCED else -0.0312
        p = 0.0012 if verdict != Verdict.INCONCLUSIVE else 0.41
        reason = "paired randomization test over 3 seeds × 300 queries"
        return ClaimResult(**base, scale="proxy", measured=e, effect=e, interval=(e - 0.02, e + 0.02), p_value=p,
                           reason=reason, details={"direction": "greater"})  # fmt: skip
    if verdict == Verdict.NOT_APPLICABLE:
        return ClaimResult(**base, scale="proxy", reason=f"validity check treatment-acted failed: Δ loss {i} < 0.01")
    if verdict == Verdict.ERROR:
        return ClaimResult(**base, scale="smoke", reason="KeyError: '[/data]' ([type=float_type, input_value=None])")
    return ClaimResult(**base, reason=LONG_REASON if i % 2 else "smoke run: exercises the code path, gives no verdict")


def every_verdict_export(registry: ClaimRegistry | None = None) -> tuple[ClaimRegistry, VerifyExport]:
    """One result per claim of `registry` (default: the bundled one), the verdicts in turn; evidence on some."""
    registry = registry or bundled_registry()
    verdicts = cycle(list(Verdict))
    results = [_result(c.id, next(verdicts), i) for i, c in enumerate(registry.claims)]
    export = build_export(registry, results, command="verify", registry_path="claims.yaml", scale="auto")
    cell = TableCell(page=6, table="Table 2", row="Zero-shot / TREC-COVID", column="COCO-DR Base / −iDRO",
                     text="76.3", value=76.3)  # fmt: skip
    claims = [
        e.model_copy(update={"evidence": EvidenceResult(claim_id=e.id, verdict=EvidenceVerdict.SUPPORTED, cell=cell)})
        if i % 3 == 0 else e
        for i, e in enumerate(export.claims)
    ]  # fmt: skip
    return registry, export.model_copy(update={"claims": claims})


def entry(export: VerifyExport, verdict: Verdict) -> ClaimEntry:
    return next(e for e in export.claims if e.result.verdict == verdict)
