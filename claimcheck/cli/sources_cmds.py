"""Commands: sources fetch / add / list, evidence, check-reports.

Exit codes: 0 success (missing or unresolved sources are reported, not fatal); 1 bad input (registry, claim id,
arXiv id, unreadable PDF).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from claimcheck.cli.app import app
from claimcheck.models import ClaimRegistry, EvidenceVerdict, SourceRef

sources_app = typer.Typer(help="Source papers: arXiv metadata and PDFs in the local cache.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

console = Console()
err_console = Console(stderr=True)

RegistryOpt = Annotated[Path, typer.Option("--registry", help="The claim registry.")]
_VERDICT_STYLE = {
    EvidenceVerdict.SUPPORTED: "green",
    EvidenceVerdict.CONTRADICTED: "red",
    EvidenceVerdict.NOT_FOUND: "yellow",
}


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(1)


def _registry(path: Path) -> ClaimRegistry:
    from claimcheck.registry import RegistryError, load_registry

    try:
        return load_registry(path, check_experiments=False)
    except (RegistryError, OSError) as exc:
        raise _fail(str(exc).splitlines()[0] if str(exc) else f"cannot read {path}") from None


def _parse_ref(text: str) -> SourceRef:
    from claimcheck.sources.cache import parse_arxiv_id

    try:
        return parse_arxiv_id(text)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def registry_refs(reg: ClaimRegistry) -> list[SourceRef]:
    """Every reference of every report, each report's own arXiv id, and every claim's sources."""
    from claimcheck.sources.report_checks import reference_ids

    refs = [r for report in reg.reports for r in reference_ids(report)]
    refs += [s for claim in reg.claims for s in claim.sources]
    return list({r.versioned_id: r for r in refs}.values())


def _fetch(refs: list[SourceRef], pdf: bool = True) -> list:
    from claimcheck.sources.arxiv_client import ArxivFetcher

    fetcher = ArxivFetcher()
    with console.status("fetching from arXiv (one request per 3 s)") as status:
        outcomes = fetcher.fetch(refs, pdf=pdf, progress=lambda msg: status.update(f"arXiv: {msg}"))
    return outcomes


@sources_app.command("fetch")
def fetch_cmd(
    paper: Annotated[list[str] | None, typer.Option("--paper", help="arXiv id (repeatable); default: all.")] = None,
    registry: RegistryOpt = Path("claims.yaml"),
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Metadata only.")] = False,
) -> None:
    """Fetch metadata and PDFs of the registry's references (or --paper) into the cache.

    Offline unless CLAIMCHECK_NETWORK=1: then it lists what the cache lacks.
    """
    from claimcheck.home import network_allowed

    refs = [_parse_ref(p) for p in paper] if paper else registry_refs(_registry(registry))
    if not refs:
        console.print("no references to fetch")
        return
    outcomes = _fetch(refs, pdf=not no_pdf)
    table = Table(title="sources" + ("" if network_allowed() else " (offline: cache only)"))
    for col in ("paper", "metadata", "PDF", "detail"):
        table.add_column(col)
    for o in outcomes:
        table.add_row(o.ref, o.metadata.value, o.pdf.value if o.pdf else "-", Text(o.detail))
    console.print(table)
    bad = [o.ref for o in outcomes if not o.ok]
    console.print(
        f"{len(outcomes) - len(bad)} of {len(outcomes)} complete" + (f"; incomplete: {', '.join(bad)}" if bad else "")
    )


@sources_app.command("add")
def add_cmd(
    arxiv_id: Annotated[str, typer.Argument(help="arXiv id, with version if known (2210.15212v2).")],
    file: Annotated[
        Path,
        typer.Argument(help="The PDF, or the paper's arXiv abstract page saved as text.", exists=True, dir_okay=False),
    ],
) -> None:
    """Put a paper obtained elsewhere into the cache: its PDF, or its abstract page (title, authors, abstract,
    date) as its metadata."""
    from claimcheck.ingest.errors import IngestError
    from claimcheck.sources.abstract_page import PageError, add_abstract_page
    from claimcheck.sources.arxiv_client import add_pdf
    from claimcheck.sources.pdf import PdfError

    ref = _parse_ref(arxiv_id)
    try:
        with file.open("rb") as handle:
            is_pdf = handle.read(1024).lstrip().startswith(b"%PDF")
        if is_pdf:
            path = add_pdf(ref, file)
        else:
            path, added = add_abstract_page(ref, file)
            if not added:
                console.print(f"kept the arXiv API's metadata of {ref.arxiv_id} ({path}); {file} not needed")
                return
    except (PdfError, PageError, IngestError, OSError) as exc:
        raise _fail(str(exc)) from None
    console.print(Text(f"added {file} as {path.name} ({path})"))


@sources_app.command("list")
def list_cmd() -> None:
    """What the cache holds: metadata and PDF versions per paper."""
    from claimcheck.sources.cache import cached_ids, cached_pdf_versions, load_metadata

    table = Table(title="paper cache")
    for col in ("paper", "title", "latest", "PDFs"):
        table.add_column(col)
    ids = cached_ids()
    for arxiv_id in ids:
        meta = load_metadata(arxiv_id)
        pdfs = ", ".join(f"v{v}" for v in cached_pdf_versions(arxiv_id)) or "-"
        table.add_row(
            Text(arxiv_id), Text(meta.title) if meta else "(no metadata)", f"v{meta.version}" if meta else "-", pdfs
        )
    console.print(table if ids else "the paper cache is empty")


@app.command("evidence")
def evidence_cmd(
    ids: Annotated[list[str] | None, typer.Argument(help="Claim ids (default: all).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the per-claim evidence as JSON.")] = None,
    registry: RegistryOpt = Path("claims.yaml"),
) -> None:
    """Documentary evidence for each claim from its cached source paper: supported / contradicted / not-found."""
    from claimcheck.home import atomic_write_text, network_allowed
    from claimcheck.sources.evidence import check_claims
    from claimcheck.sources.similarity import default_embedder

    reg = _registry(registry)
    try:
        claims = [reg.claim(i) for i in ids] if ids else list(reg.claims)
    except KeyError as exc:
        raise _fail(f"no claim {exc.args[0]!r} in {registry}") from None
    if network_allowed():
        _fetch(list({s.versioned_id: s for c in claims for s in c.sources}.values()))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("evidence", total=len(claims))
        results, missing = check_claims(claims, default_embedder(), progress=lambda _: progress.advance(task))
    table = Table(title="documentary evidence")
    for col in ("claim", "verdict", "source", "evidence", "note"):
        table.add_column(col, overflow="fold")
    for r in results:
        first = r.evidence[0] if r.evidence else None
        where = "" if first is None else ("abstract" if first.page is None else f"p. {first.page}")
        where = r.cell.address if r.cell is not None else where  # the deciding table cell, when one decided
        style = _VERDICT_STYLE[r.verdict]
        table.add_row(Text(r.claim_id), Text(r.verdict.value, style=style), Text(r.source or "-"), where, Text(r.note))
    console.print(table)
    counts = {v: sum(r.verdict == v for r in results) for v in EvidenceVerdict}
    console.print(", ".join(f"{n} {v.value}" for v, n in counts.items()))
    if missing:
        console.print(f"[yellow]missing sources ({'offline' if not network_allowed() else 'not fetched'}):[/yellow]")
        for ref in sorted(missing):
            console.print(Text(f"  {ref}"), highlight=False)
    if json_out:
        rows = [r.model_dump(mode="json") for r in results]
        atomic_write_text(json_out, json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        console.print(Text(f"wrote {json_out}"))


@app.command("check-reports")
def check_reports_cmd(registry: RegistryOpt = Path("claims.yaml")) -> None:
    """Per report: topic drift, reference relevance, methodology figures against its own table."""
    from claimcheck.sources.report_checks import check_report, examined_paper

    reg = _registry(registry)
    table = Table(title="report checks")
    for col in ("report", "check", "result", "detail"):
        table.add_column(col, overflow="fold")
    flagged = 0
    for report in reg.reports:
        for check in check_report(report, reg.claims, examined_paper(report, reg.claims)):
            mark = {True: "[green]ok[/green]", False: "[red]flagged[/red]", None: "[dim]n/a[/dim]"}[check.ok]
            flagged += check.ok is False
            table.add_row(Text(report.id), Text(check.name), mark, Text(check.detail))
    console.print(table if reg.reports else "the registry has no reports")
    console.print(f"{flagged} check(s) flagged")
