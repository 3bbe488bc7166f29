"""Documentary evidence on papers typeset by pdflatex: right, false supported, false contradicted, not-found.

Builds the corpus (`tests/support/latex_corpus.py`: four invented papers, fifteen tables in the shapes IR/ML
papers print), generates claims from its cells and sentences (`tests/support/evidence_claims.py`: true claims
and false ones quoting a neighbouring row's or column's value; text claims reworded or falsified) and runs
`claimcheck.sources.evidence.check_claims` on them exactly as `claimcheck evidence` does (the PDF is read in
the bounded child process, abstracts come from the metadata cache). Prints one line per table shape and per
kind of text claim. Targets: ≥ 97 % right, 0 false claims supported, 0 true claims contradicted.

Run: `python benchmarks/evidence_tables.py [--embedder none|minilm] [--keep DIR]` (needs pdflatex).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# The corpus and claim generators are test code (tests/support), which the package does not ship.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedder", choices=("none", "minilm"), default="minilm")
    parser.add_argument("--keep", type=Path, help="Write the corpus (.tex, .pdf) here and keep it.")
    parser.add_argument("--show", type=int, default=10, help="Print this many wrong verdicts with their notes.")
    parser.add_argument(
        "--spellings",
        action="store_true",
        help="Write names in claims as other writers do (case, hyphens, accents, w/o, NDCG@10).",
    )
    parser.add_argument(
        "--cross-check",
        action="store_true",
        help="Also read every table with pdfplumber (pdfminer.six) and count the cells read otherwise.",
    )
    parser.add_argument(
        "--variants",
        type=int,
        default=0,
        help="Also typeset each paper this many more times in random styles (numeric claims).",
    )
    args = parser.parse_args()

    from latex_corpus import corpus, restyled
    from latex_papers import PDFLATEX

    if PDFLATEX is None:
        print("pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended "
              "texlive-fonts-recommended lmodern)")  # fmt: skip
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLAIMCHECK_HOME"] = str(Path(tmp) / "home")
        folder = args.keep or Path(tmp) / "corpus"
        papers = corpus()
        variants = [restyled(p, k) for k in range(args.variants) for p in papers]
        return run(args, folder, papers, variants)


def run(args: argparse.Namespace, folder: Path, papers: list, variants: list) -> int:
    from evidence_claims import numeric_cases, score, text_cases
    from latex_papers import typeset
    from plumber_check import disagreements
    from rich.console import Console
    from rich.table import Table

    from claimcheck.models import SourceRef
    from claimcheck.sources.cache import PaperMetadata, pdf_path, save_metadata
    from claimcheck.sources.evidence import check_claims
    from claimcheck.sources.similarity import default_embedder

    cases = []
    cross: dict[str, list[int]] = {}  # shape → [cells read, cells pdfplumber reads otherwise]
    shown_disagreements: list[str] = []
    started = time.perf_counter()
    for n, paper in enumerate(papers + variants):
        ref = SourceRef(arxiv_id=f"2601.{n + 1:05d}", version=1)
        pdf, truth = typeset(paper, folder)
        if args.cross_check:
            shape_of = {c.table: c.shape for c in truth}
            counts, differ = disagreements(pdf)
            for label, n_cells in counts.items():
                cross.setdefault(shape_of.get(label, "?"), [0, 0])[0] += n_cells
            for label, line in differ:
                cross.setdefault(shape_of.get(label, "?"), [0, 0])[1] += 1
                shown_disagreements.append(line)
        save_metadata(PaperMetadata(arxiv_id=ref.arxiv_id, version=1, title=paper.title, authors=["A. Author"],
                                    abstract=" ".join(paper.abstract), versions=[1]))  # fmt: skip
        target = pdf_path(ref.arxiv_id, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, target)
        cases += numeric_cases(truth, ref, seed=n, spell=args.spellings)
        if paper in papers:  # the wording is the same in every style: its text claims are asked once
            cases += text_cases(paper, ref, papers, seed=n)
    typeset_s = time.perf_counter() - started
    embedder = default_embedder() if args.embedder == "minilm" else None
    started = time.perf_counter()
    results, missing = check_claims([c.claim for c in cases], embedder, write=False)
    check_s = time.perf_counter() - started
    verdicts = {r.claim_id: r.verdict for r in results}
    tallies = score(cases, verdicts)
    console = Console(width=150)
    method = "BM25" if embedder is None or not embedder.available else "MiniLM cosine + BM25"
    title = f"documentary evidence on {len(papers)} typeset papers"
    title += f" and {len(variants)} restyled copies" if variants else ""
    table = Table(title=f"{title} ({method})")
    columns = ["shape", "claims", "right", "false supported", "false contradicted", "not-found", "right %"]
    columns += ["cells read", "pdfplumber differs"] if args.cross_check else []
    for col in columns:
        table.add_column(col, justify="left" if col == "shape" else "right")
    order = sorted(tallies, key=lambda k: (k.startswith("all"), k.startswith("text"), k))
    for shape in order:
        t = tallies[shape]
        style = "bold" if shape.startswith("all") else None
        row = [
            shape,
            str(t.total),
            str(t.right),
            str(t.false_supported),
            str(t.false_contradicted),
            str(t.not_found),
            f"{100 * t.right / t.total:.1f}",
        ]
        if args.cross_check:
            totals = [sum(v[0] for v in cross.values()), sum(v[1] for v in cross.values())]
            row += [str(v) for v in (totals if shape == "all numeric" else cross.get(shape, ["", ""]))]
        table.add_row(*row, style=style)
    console.print(table)
    numeric = tallies["all numeric"]
    true_n = sum(1 for c in cases if c.claim.quantity and c.true)
    console.print(f"{numeric.total} numeric claims ({true_n} true, {numeric.total - true_n} false), "
                  f"{tallies['all text'].total} text claims; typesetting {typeset_s:.1f} s, evidence {check_s:.1f} s "
                  f"(wall clock; a shared machine's figure)")  # fmt: skip
    if missing:
        console.print(f"[red]sources missing: {missing}[/red]")
    for line in shown_disagreements[: args.show]:
        console.print(f"[yellow]pdfplumber reads otherwise:[/yellow] {line}", highlight=False)
    wrong = [(c, r) for c, r in zip(cases, results, strict=True) if r.verdict != c.expected]
    for case, result in wrong[: args.show]:
        console.print(f"[yellow]{case.shape}[/yellow] expected {case.expected.value}, got {result.verdict.value}: "
                      f"{case.claim.text}\n    {result.note[:400]}", highlight=False)  # fmt: skip
    every = tallies["all numeric"], tallies["all text"]
    ok = all(t.false_supported == 0 and t.right >= 0.97 * t.total for t in every) and numeric.false_contradicted == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
