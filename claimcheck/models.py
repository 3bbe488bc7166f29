"""Domain types: every record that crosses a file boundary (claims.yaml, run records, evidence, exports).

Pydantic v2 models with `extra="forbid"` so that a typo in a hand-edited claims.yaml is an error naming the
field, not a silently ignored key.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date as Date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

SCHEMA_VERSION = 1

# Identifiers become file names (evidence/<claim id>.json) and command-line arguments, and are printed through
# rich: a letter or digit, then letters, digits, `.`, `_` and `-`, at most 128 characters. No separator, no
# markup bracket, no space, never `.` or `..`.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
ID_MAX_LENGTH = 128
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
# Registered experiment names: dotted Python-like names (`coco_dr.idro_ablation`), at most 128 characters.
EXPERIMENT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
ExperimentName = Annotated[str, StringConstraints(pattern=EXPERIMENT_PATTERN, max_length=ID_MAX_LENGTH)]
# arXiv identifiers as `sources.cache.parse_arxiv_id` reads them: 2210.15212, or old-style cs/0112017.
ARXIV_ID_PATTERN = r"^(\d{4}\.\d{4,5}|[A-Za-z][A-Za-z.-]{0,31}/\d{7})$"
# More decimal places than a double holds digits is not a reported precision.
MAX_DECIMALS = 17

Scale = Literal["smoke", "proxy", "full"]
SCALES: tuple[Scale, ...] = ("smoke", "proxy", "full")


class Record(BaseModel):
    """Base for every file-crossing record: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# Run records write NaN as the JSON constant NaN (not null), so a record of an invalid measurement reads back as
# one; exports (ClaimResult, VerifyExport) stay strict JSON.
_RECORD_NAN = ConfigDict(extra="forbid", populate_by_name=True, ser_json_inf_nan="constants")


# --------------------------------------------------------------------------------------------------- sources


class SourceRef(Record):
    """A paper a report cites or examines, identified by its arXiv id (version kept when the report gives it)."""

    arxiv_id: str = Field(pattern=ARXIV_ID_PATTERN, description="arXiv identifier without version, e.g. 2210.15212")
    version: int | None = Field(default=None, description="arXiv version the report cites (v2 → 2)")
    title: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


# --------------------------------------------------------------------------------------------------- reports


class Methodology(Record):
    """The figures a report gives about its own making; kept as asserted, checked later against its table."""

    papers_retrieved: int | None = None
    claims_extracted: int | None = None
    claims_verified: int | None = None
    quality_score: float | None = Field(default=None, allow_inf_nan=False, description="out of 10")


class Report(Record):
    """One ingested document: a synthesis report or an arXiv abstract page."""

    id: Identifier = Field(description="stable id derived from the file's content")
    kind: Literal["synthesis", "arxiv-abstract"]
    file: str = Field(description="file name the report was ingested from")
    layout: Literal["markdown", "plain", "arxiv-abstract"]
    title: str
    date: Date | None = None
    abstract: str | None = None
    examined_paper: str | None = Field(default=None, description="title of the paper the report examines")
    research_question: str | None = None
    methodology: Methodology = Field(default_factory=Methodology)
    references: list[SourceRef] = Field(default_factory=list)
    # arXiv abstract pages only
    authors: list[str] = Field(default_factory=list)
    arxiv: SourceRef | None = None
    comments: str | None = None
    subjects: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------- claims


class Quantity(Record):
    """A measurable statement extracted from a claim's text.

    `kind="absolute"`: `subject` scores `value` of `metric` on `dataset` (under `condition`).
    `kind="relative-change"`: `subject` changes `metric` by `value` percent relative to `baseline`.
    `kind="absolute-change"`: `subject` changes `metric` by `value` (in the metric's units; `unit="percent"`:
    percentage points) against `baseline`; `from_value`/`to_value` when the claim states the end points.
    `unit="percent"` on an absolute value: a fraction-valued metric written in percent (78.9 for 0.789).
    A range ("between 0.42 and 0.45") sets `low`/`high` and `value` to its midpoint: a measurement anywhere in
    the range agrees with the claim. `deviation` is a stated spread ("0.789 ± 0.004").
    Metric names follow ir_measures (`nDCG@10`, `AP`, `R@100`).
    """

    kind: Literal["absolute", "relative-change", "absolute-change"] = "absolute"
    subject: str | None = Field(default=None, description="model or variant, e.g. 'COCO-DR Base'")
    metric: str | None = Field(default=None, description="ir_measures name, e.g. nDCG@10, AP")
    value: float = Field(allow_inf_nan=False)
    unit: Literal["score", "percent"] = "score"
    decimals: int = Field(ge=0, le=MAX_DECIMALS, description="decimal places the claim reports the value with")
    low: float | None = Field(default=None, allow_inf_nan=False, description="lower end of a stated range")
    high: float | None = Field(default=None, allow_inf_nan=False, description="upper end of a stated range")
    deviation: float | None = Field(default=None, allow_inf_nan=False, description="stated ± spread")
    from_value: float | None = Field(
        default=None, allow_inf_nan=False, description="absolute change: the value before ('from 46.1%'), in `unit`"
    )
    to_value: float | None = Field(
        default=None, allow_inf_nan=False, description="absolute change: the value after ('to 48.4%'), in `unit`"
    )
    dataset: str | None = None
    condition: str | None = Field(default=None, description="ablation condition, e.g. 'without iDRO'")
    baseline: str | None = Field(default=None, description="what a relative change is measured against")
    setting: str | None = Field(default=None, description="e.g. 'low-resource languages'")


class Mention(Record):
    """Where a claim appears, with what the report asserted about it. Never our verdict."""

    report: Identifier = Field(description="id of the report")
    line: int | None = Field(default=None, description="1-based line of the claims-table row or sentence")
    text: str = Field(description="the claim text exactly as this report gives it")
    tick: bool | None = Field(default=None, description="the report's own ✓ (true) / × (false)")
    confidence: float | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False, description="the report's own confidence (0..1), if given"
    )


class Tolerance(Record):
    """How far a measurement may sit from the claimed value and still verify it."""

    kind: Literal["absolute", "relative"]
    value: float = Field(gt=0, allow_inf_nan=False)
    reason: str = Field(min_length=1)


class ValueTarget(Record):
    """The claim states the value of `metric` for `condition` on `dataset`."""

    condition: str = "default"
    metric: str
    dataset: str


class PaperFigures(Record):
    """What the source itself reports for an effect: per-dataset scores of the condition and the baseline (on
    the source's datasets, which a proxy's need not be), or only the size of a relative change. The verdict
    engine takes the paper's effect size from here for its power check and the graded reproduction measures."""

    condition: dict[str, float] = Field(default_factory=dict, description="dataset → the condition's score")
    baseline: dict[str, float] = Field(default_factory=dict, description="dataset → the baseline's score")
    relative_percent: float | None = Field(default=None, description="the relative change the source states, in %")
    source: str = Field(min_length=1, description="where the figures were read (table, page, or REFERENCE.md)")

    @model_validator(mode="after")
    def _has_figures(self) -> PaperFigures:
        if set(self.condition) != set(self.baseline):
            raise ValueError("condition and baseline must name the same datasets")
        if not self.condition and self.relative_percent is None:
            raise ValueError("give per-dataset condition and baseline scores, or relative_percent")
        return self


class EffectTarget(Record):
    """The claim implies `condition` beats (`direction="greater"`) or trails `baseline` on `metric`.

    `relative=True` measures the effect as (condition − baseline) / baseline, for claims such as
    "a 13.7% improvement in MAP"; otherwise as an absolute difference. The figure over several datasets is the
    mean of the per-dataset figures (equal weights unless `weights` says otherwise), as papers report it.
    """

    condition: str
    baseline: str
    metric: str
    datasets: list[str] = Field(min_length=1)
    direction: Literal["greater", "less"] = "greater"
    relative: bool = False
    weights: dict[str, float] = Field(
        default_factory=dict, description="dataset → weight in the aggregate figure (rescaled to sum 1); empty: equal"
    )
    paper: PaperFigures | None = Field(default=None, description="the source's own figures for this comparison")

    @model_validator(mode="after")
    def _weights_name_the_datasets(self) -> EffectTarget:
        if self.weights and (set(self.weights) != set(self.datasets) or min(self.weights.values()) <= 0):
            raise ValueError(f"weights must give every dataset of {self.datasets} a positive weight")
        return self


def _non_finite(value: Any, where: str = "") -> Iterator[str]:
    """The dotted paths of the NaN and infinite floats inside a JSON-like value."""
    if isinstance(value, float) and not math.isfinite(value):
        yield where or "value"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_finite(item, f"{where}[{i}]")


class Replication(Record):
    """Link from a claim to a registered experiment. Named, never imported from a path read here."""

    experiment: ExperimentName = Field(description="registered experiment name, e.g. coco_dr.idro_ablation")
    params: dict[str, Any] = Field(
        default_factory=dict, description="overrides of the experiment config at the claim's own scale"
    )
    scale: Scale = Field(default="full", description="the claim's own scale: where a value verdict is possible")
    value: ValueTarget | None = None
    effect: EffectTarget | None = None
    proxy_effect: EffectTarget | None = Field(
        default=None, description="the direction of effect a proxy run checks for this claim"
    )

    @field_validator("params")
    @classmethod
    def _finite(cls, params: dict[str, Any]) -> dict[str, Any]:
        # NaN or infinity has no JSON spelling: it would make `list --json` and run keys invalid JSON
        bad = next(_non_finite(params), None)
        if bad is not None:
            raise ValueError(f"params.{bad} is not a finite number")
        return params

    @model_validator(mode="after")
    def _has_target(self) -> Replication:
        if not (self.value or self.effect or self.proxy_effect):
            raise ValueError("a replication needs at least one of value, effect, proxy_effect")
        return self


class SourceValue(Record):
    """A value the claim's source reports beside the claimed one for the same subject and dataset (another
    condition or column): a value verdict must be able to tell the claimed cell from it."""

    label: str = Field(min_length=1, description="which cell, e.g. 'COCO-DR Base −iDRO, TREC-COVID'")
    value: float = Field(allow_inf_nan=False, description="in the claim's own units")
    source: str = Field(min_length=1, description="where it was read")


class Claim(Record):
    id: Identifier = Field(description="stable readable id (letters, digits, . _ -; at most 128 characters)")
    text: str = Field(description="canonical claim text (the longest mention's, kept verbatim)")
    truncated: bool = Field(default=False, description="the report cut the text (about 120 characters)")
    completed_text: str | None = Field(default=None, description="text completed from the source paper")
    kind: Literal["numeric", "effect", "method", "background"] = "background"
    sources: list[SourceRef] = Field(default_factory=list)
    quantity: Quantity | None = None
    quantity_note: str | None = Field(
        default=None, description="why the claim has no quantity though it states a number, or how it was read"
    )
    mentions: list[Mention] = Field(default_factory=list)
    replication: Replication | None = None
    tolerance: Tolerance | None = None
    neighbours: list[SourceValue] = Field(
        default_factory=list, description="other values the source reports for the same subject and dataset"
    )
    implementation_tests: list[str] = Field(
        default_factory=list,
        description="pytest node ids that show a method claim true of our implementation (nothing to measure)",
    )
    notes: str | None = None

    @property
    def ticks_disagree(self) -> bool:
        ticks = {m.tick for m in self.mentions if m.tick is not None}
        return len(ticks) > 1


class ClaimRegistry(Record):
    """The whole of claims.yaml."""

    version: int = SCHEMA_VERSION
    reports: list[Report] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(claim_id)


# --------------------------------------------------------------------------------------------------- runs


class Measurement(Record):
    """One metric for one condition on one dataset with one seed, with its per-query scores."""

    model_config = _RECORD_NAN

    condition: str = "default"
    dataset: str
    metric: str = Field(description="ir_measures name")
    seed: int = 0
    value: float
    per_query: dict[str, float] = Field(default_factory=dict)
    query_weights: dict[str, float] = Field(
        default_factory=dict,
        description="each query's weight in `value`, mean 1 (a composite's forums count equally); empty: all 1",
    )

    @field_validator("value")
    @classmethod
    def _finite_or_nan(cls, v: float) -> float:
        # NaN is allowed through so the verdict can call it an error; infinities are never meaningful here.
        if math.isinf(v):
            raise ValueError("measurement is infinite")
        return v


class ValidityCheck(Record):
    """A named check an experiment computes from its own run: can this run test the claims it serves?

    The engine gives a claim verdict only when every check that applies to the claim passed; otherwise the claim
    is `not-applicable`, naming the failed checks. A check applies to every claim the run serves unless `targets`
    names conditions (a claim's value condition, or an effect's condition or baseline): then only to claims whose
    target names one of them (for example a stand-in baseline that is not what the claim names); `applies_to`
    narrows that to effect or value claims.
    """

    name: str = Field(min_length=1, description="short identifier, e.g. 'treatment-improved-on-held-out'")
    passed: bool
    detail: str = Field(description="what was measured, with the figures, and the threshold it was held to")
    targets: list[str] = Field(
        default_factory=list, description="conditions the check concerns; empty: every target of the run"
    )
    applies_to: Literal["all", "effect", "value"] = Field(
        default="all",
        description="which claims among those `targets` selects: effect claims only (a treatment that did not act "
        "cannot show its effect, yet the model it trained still has a value), value claims only, or both",
    )


class ExperimentOutput(Record):
    """What an experiment function returns."""

    model_config = _RECORD_NAN

    measurements: list[Measurement] = Field(default_factory=list)
    fingerprints: dict[str, str] = Field(
        default_factory=dict, description="sha256 of every data file and weight file read, by name"
    )
    notes: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict, description="experiment-specific tables, JSON-able")
    validity: list[ValidityCheck] = Field(
        default_factory=list, description="the experiment's own checks that this run can test its claims"
    )


class Provenance(Record):
    git_commit: str | None
    git_dirty: bool | None = None
    python: str
    platform: str
    packages: dict[str, str]
    cpu: str
    gpu: str | None = None
    threads: int
    hostname: str | None = None


class RecordSignature(Record):
    """Who vouches for a run record: an ed25519 signature over its canonical content (see claimcheck.signing)."""

    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(pattern=r"^[0-9a-f]{64}$", description="the signer's raw public key, hex")
    value: str = Field(pattern=r"^[0-9a-f]{128}$", description="the signature, hex")


class RunHeader(Record):
    """A run record less its output: what choosing, listing and checking records reads.

    Read from a record file with `RecordHeader` it skips the measurements, so a store holding a 50 MB record does
    not make every `report` read 50 MB into Python objects.
    """

    model_config = _RECORD_NAN

    schema_version: int = SCHEMA_VERSION
    key: str = Field(description="sha256 of what defines the run: experiment, scale, config, seeds, code")
    experiment: ExperimentName
    scale: Scale
    config: dict[str, Any]
    seeds: list[int]
    code: dict[str, str] = Field(
        default_factory=dict, description="the code hashes in `key` (results.code_version); a record without is invalid"
    )
    claim_ids: list[Identifier] = Field(default_factory=list)
    status: Literal["ok", "error"]
    error: str | None = None
    provenance: Provenance
    started_at: str
    wall_time_s: float
    peak_memory_mb: float
    imported_from: str | None = Field(
        default=None, description="where `results import` found it (set here, not covered by the signature)"
    )
    signature: RecordSignature | None = Field(
        default=None, description="the signing machine's ed25519 signature over everything else (claimcheck.signing)"
    )


class RecordHeader(RunHeader):
    """The header view of a record file: its output is skipped, not parsed into objects."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, ser_json_inf_nan="constants")


class RunRecord(RunHeader):
    """One experiment run at one scale: content-addressed by `key`."""

    output: ExperimentOutput = Field(default_factory=ExperimentOutput)


# --------------------------------------------------------------------------------------------------- verdicts


class Verdict(StrEnum):
    VERIFIED = "verified"
    REFUTED = "refuted"
    DIRECTION_REPRODUCED = "direction-reproduced"
    DIRECTION_NOT_REPRODUCED = "direction-not-reproduced"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not-applicable"
    NOT_RUN = "not-run"
    ERROR = "error"


class ClaimResult(Record):
    """Our verdict on one claim from the run records (never from the report's own tick)."""

    claim_id: str
    verdict: Verdict
    scale: Scale | None = None
    experiment: str | None = None
    claimed: float | None = None
    measured: float | None = None
    interval: tuple[float, float] | None = Field(default=None, description="95% interval of the measurement")
    tolerance: float | None = Field(default=None, description="absolute half-width used for the verdict")
    effect: float | None = Field(default=None, description="effect size (mean paired difference)")
    p_value: float | None = None
    seeds: list[int] = Field(default_factory=list)
    datasets: list[str] = Field(default_factory=list)
    reason: str = ""
    command: str | None = Field(default=None, description="how to run it where it can run")
    records: list[str] = Field(default_factory=list, description="keys of the run records used")
    wall_time_s: float | None = None
    details: dict[str, Any] = Field(default_factory=dict, description="per-dataset / per-seed breakdown")


class EvidenceVerdict(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_FOUND = "not-found"


class EvidencePassage(Record):
    page: int | None = Field(description="1-based PDF page; None for the arXiv abstract")
    text: str
    score: float | None = None


class TableCell(Record):
    """One cell of a results table in a source paper, with the address a reader can find it by."""

    page: int = Field(description="1-based PDF page")
    table: str | None = Field(default=None, description="the table's label as printed, e.g. 'Table 2'")
    caption: str | None = None
    row: str = Field(description="row label path, e.g. 'TREC-COVID' or 'Zero-shot / TREC-COVID'")
    column: str = Field(description="column header path, e.g. 'COCO-DR Base / −iDRO'")
    text: str = Field(description="the cell as printed")
    value: float | None = Field(default=None, description="the number the cell holds as printed (percent stays %)")

    @property
    def address(self) -> str:
        table = self.table or "table"
        return f"p. {self.page}, {table}, row {self.row}, column {self.column}"


class EvidenceResult(Record):
    claim_id: str
    verdict: EvidenceVerdict
    evidence: list[EvidencePassage] = Field(default_factory=list)
    note: str = ""
    cell: TableCell | None = Field(default=None, description="the table cell that decided a numeric claim")
    neighbours: list[TableCell] = Field(
        default_factory=list,
        description="other cells for the same subject and dataset (other conditions / columns of the same model): "
        "the values a replication's interval must exclude to tell the claimed cell from them",
    )
    source: str | None = Field(default=None, description="arXiv id (with version) the evidence comes from")
    completed_text: str | None = Field(default=None, description="a truncated claim's text completed from the source")
