"""Tables as pdflatex typesets them: the reader recovers header paths and row labels, and the evidence on the
generated claims meets the issue's bar (the full corpus and its restyled copies run in
benchmarks/evidence_tables.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from evidence_claims import numeric_cases, score, text_cases
from latex_corpus import corpus, restyled
from latex_papers import PDFLATEX, typeset

from claimcheck.models import SourceRef
from claimcheck.sources.cache import PaperMetadata, pdf_path, save_metadata
from claimcheck.sources.evidence import check_claims
from claimcheck.sources.pdf import read_pdf

pytestmark = pytest.mark.skipif(
    PDFLATEX is None,
    reason="pdflatex is not installed (Debian: texlive-latex-base texlive-latex-recommended "
    "texlive-fonts-recommended lmodern)",
)


@pytest.fixture(scope="module")
def typeset_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """The cocodr-like and dense-like papers as written, and one restyled copy of the cocodr-like one."""
    papers = corpus()
    chosen = [papers[0], papers[3], restyled(papers[0], 5)]
    folder = tmp_path_factory.mktemp("latex")
    return [(paper, *typeset(paper, folder)) for paper in chosen]


def _cells(pdf: Path) -> dict[tuple[str, str, str], float | None]:
    parsed = read_pdf(pdf)
    return {(t.label, " / ".join(c.row_headers), " / ".join(c.col_headers)): c.value for t in parsed.tables
            for c in t.cells}  # fmt: skip


def test_two_level_headers_over_cmidrules_and_ablation_rows(typeset_corpus) -> None:
    _, pdf, truth = typeset_corpus[0]
    cells = _cells(pdf)
    first = {(c.table, c.who.dataset, c.who.subject, c.who.condition): c.value for c in truth}
    base = first[("Table 1", "TREC-COVID", "COCO-DR Base", None)]
    # "COCO-DR (Ours)" spans Base | Large along its \cmidrule; "Dense" spans four columns.
    assert cells[("Table 1", "TREC-COVID", "COCO-DR (Ours) / Base")] == base
    assert cells[("Table 1", "BioASQ", "Dense / Contriever")] == first[("Table 1", "BioASQ", "Contriever", None)]
    # Column ablations under a spanning model header, the caption below the table.
    assert cells[("Table 2", "NQ", "COCO-DR Base / −iDRO")] == first[("Table 2", "NQ", "COCO-DR Base", "without iDRO")]
    # Ablation rows belong to the model row above them; the table prints percentages.
    value = first[("Table 3", "SciFact", "COCO-DR Large", "without COCO")]
    assert cells[("Table 3", "COCO-DR Large / − COCO", "SciFact")] == value


def test_group_label_column_and_rule_less_table(typeset_corpus) -> None:
    _, pdf, truth = typeset_corpus[1]
    cells = _cells(pdf)
    want = {(c.table, c.who.subject, c.who.dataset, c.who.metric): c.value for c in truth}
    assert cells[("Table 1", "Dense / TAS-B", "R@100 / FiQA")] == want[("Table 1", "TAS-B", "FiQA", "R@100")]
    assert cells[("Table 1", "Sparse / docT5query", "nDCG@10 / NQ")] == want[("Table 1", "docT5query", "NQ", "nDCG@10")]
    # No rules at all, \scriptsize, leading-dot fractions: found beside its caption.
    assert cells[("Table 3", "SCIDOCS", "TAS-B")] == want[("Table 3", "TAS-B", "SCIDOCS", "nDCG@10")]


@pytest.mark.slow
def test_generated_claims_meet_the_bar(typeset_corpus) -> None:
    """True claims supported, false ones (a neighbouring row's or column's value) contradicted: ≥ 97 % right,
    no false claim supported, no true claim contradicted; text claims likewise."""
    cases = []
    for n, (paper, pdf, truth) in enumerate(typeset_corpus):
        ref = SourceRef(arxiv_id=f"2601.{n + 1:05d}", version=1)
        save_metadata(PaperMetadata(arxiv_id=ref.arxiv_id, version=1, title=paper.title, authors=["A"],
                                    abstract=" ".join(paper.abstract), versions=[1]))  # fmt: skip
        target = pdf_path(ref.arxiv_id, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, target)
        cases += numeric_cases(truth, ref, seed=n)[::5]  # every fifth: the benchmark runs them all
        if n < 2:
            cases += text_cases(paper, ref, [p for p, _, _ in typeset_corpus[:2]], seed=n)
    results, missing = check_claims([c.claim for c in cases], write=False)
    assert not missing
    tallies = score(cases, {r.claim_id: r.verdict for r in results})
    for kind in ("all numeric", "all text"):
        t = tallies[kind]
        assert t.total > 40 and t.false_supported == 0 and t.false_contradicted == 0, (kind, t)
        assert t.right >= 0.97 * t.total, (kind, t)
    assert all(r.cell is not None for c, r in zip(cases, results, strict=True) if c.claim.quantity and r.verdict
               .value == "supported")  # fmt: skip


def test_pdfplumber_reads_the_same_cells(typeset_corpus) -> None:
    """A second parser (pdfminer.six) under the same reader: every cell of the corpus read alike, or the
    difference is listed (the benchmark's --cross-check prints it per shape)."""
    pytest.importorskip("pdfplumber", reason="pdfplumber (a test extra) is not installed")
    from plumber_check import disagreements

    counts, differ = disagreements(typeset_corpus[0][1])
    assert sum(counts.values()) == sum(1 for c in typeset_corpus[0][2]), counts
    assert differ == []


ROTATED = r"""\documentclass[10pt]{article}
\usepackage{graphicx}
\begin{document}
\begin{table}[h]
\centering
\begin{tabular}{l|rrr}
\hline
Language & \rotatebox{90}{mBERT} & \rotatebox{90}{XLM-R} & \rotatebox{-90}{XDist} \\
\hline
Swahili & 12.1\% & 15.8\% & 21.4\% \\
Yoruba & 8.3\% & 10.2\% & 14.9\% \\
\hline
\end{tabular}
\caption{Per-language MAP on the low-resource subset.}
\end{table}
\end{document}
"""


def test_headers_turned_to_read_upwards_are_read_and_other_turns_are_not(tmp_path: Path) -> None:
    """`\rotatebox{90}` is how narrow columns' headers are set; a header turned the other way is left unread
    (its column then has no label, so no claim can pick out its cells)."""
    tex = tmp_path / "rotated.tex"
    tex.write_text(ROTATED)
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", tex.name], cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stdout[-1500:]
    cells = _cells(tmp_path / "rotated.pdf")
    assert cells[("Table 1", "Swahili", "mBERT")] == 12.1
    assert cells[("Table 1", "Yoruba", "XLM-R")] == 10.2
    assert not any(col == "XDist" for _, _, col in cells)
