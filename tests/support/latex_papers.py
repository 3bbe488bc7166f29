"""Real-looking papers typeset by pdflatex, from table specs written in code, with the truth about every cell.

Test and benchmark code only (it never ships in the package). A `TableSpec` names its column leaves and rows
with what each stands for (subject, condition, dataset, metric, setting); `latex_table` writes the tabular the
way IR/ML papers set them (booktabs or ruled, `\\multicolumn` + `\\cmidrule` headers of two or three levels, bold
and underlined best values, `±` or subscript deviations, footnote marks, `–` for missing, percentages or
fractions, `table*` or single-column, caption above or below), and every `TruthCell` records the printed text,
the value and the identity of one cell, so a benchmark can generate claims from the cells. The values are
invented. Fonts, sizes, column separation and number formats vary per table so that nothing is tuned to one
layout.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

PDFLATEX = shutil.which("pdflatex")


@dataclass(frozen=True)
class Identity:
    """What a row, a column leaf or a whole table says about its cells; None where it says nothing."""

    subject: str | None = None
    condition: str | None = None
    dataset: str | None = None
    metric: str | None = None
    setting: str | None = None

    def merge(self, other: Identity) -> Identity:
        return Identity(*(a if a is not None else b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[str | None, ...]:
        return (self.subject, self.condition, self.dataset, self.metric, self.setting)


@dataclass(frozen=True)
class Col:
    """A leaf column: its header path as printed (outer to inner, LaTeX source) and what it stands for."""

    path: tuple[str, ...]
    who: Identity


@dataclass(frozen=True)
class Row:
    """A body row: its label cells as printed (one per label column) and what it stands for."""

    labels: tuple[str, ...]
    who: Identity
    group: str | None = None  # a section row ("Baselines") printed above this row when the group changes


@dataclass
class Style:
    rules: str = "booktabs"  # booktabs | grid (\hline and |) | hline (\hline only) | none
    cmidrule: bool = True  # partial rules under spanning headers (\cmidrule, or \cline in ruled tables)
    fmt: str = "frac3"  # frac3 0.789 | dot3 .789 | pct1 78.9 | pct2 78.92 | pctsign 78.9\%
    marks: str = "bold"  # bold (best bold, second underlined) | sup (best gets a dagger) | star | none
    deviation: str = "none"  # none | pm (78.9 $\pm$ 0.3) | sub (78.9$_{\pm 0.3}$)
    missing: float = 0.0  # share of cells printed as -- (missing)
    size: str = ""  # \small, \footnotesize, \scriptsize or "" (the document's size)
    tabcolsep: float | None = None  # pt; None keeps LaTeX's 6pt
    resize: bool = False  # \resizebox{\linewidth}{!}{...} as wide tables often are
    caption_below: bool = False
    wide: bool = False  # table* across both columns of a two-column paper
    best_by: str = "row"  # which values compete for the marks: row | col


@dataclass
class TableSpec:
    name: str  # the shape, as the benchmark reports it
    caption: str
    cols: list[Col]
    rows: list[Row]
    corner: tuple[str, ...] = ()  # header text over the label columns, bottom header row
    who: Identity = field(default_factory=Identity)  # what the whole table says (e.g. the metric)
    style: Style = field(default_factory=Style)
    seed: int = 0
    values: list[list[float | None]] = field(default_factory=list)  # filled by `fill_values` when empty
    low: float = 0.2
    high: float = 0.85


@dataclass(frozen=True)
class TruthCell:
    table: str  # "Table 3"
    shape: str
    row: int  # body row index
    col: int  # leaf column index
    text: str  # as printed, without LaTeX
    value: float | None  # in the printed scale (78.9 for a percentage)
    decimals: int
    percent_scale: bool  # the table prints percentages (78.9 for 0.789)
    who: Identity


@dataclass
class PaperSpec:
    name: str
    title: str
    abstract: list[str]  # sentences
    sections: list[tuple[str, list[str | TableSpec]]]  # (heading, paragraphs and tables in order)
    two_column: bool = True
    font: str = "times"  # times | palatino | helvet | lmodern | cm
    pt: int = 10

    def tables(self) -> list[TableSpec]:
        return [part for _, parts in self.sections for part in parts if isinstance(part, TableSpec)]

    def sentences(self) -> list[str]:
        body = [s for _, parts in self.sections for p in parts if isinstance(p, str) for s in split_plain(p)]
        return self.abstract + body


def split_plain(paragraph: str) -> list[str]:
    """The generator's own prose: sentences end with '. ' (no abbreviations are used in it)."""
    parts = [p.strip() for p in paragraph.replace("~", " ").split(". ")]
    return [p if p.endswith(".") else p + "." for p in parts if p]


# ------------------------------------------------------------------------------------------------ values


def fill_values(spec: TableSpec) -> None:
    """Invented values, distinct within each row and column at the printed precision."""
    if spec.values:
        return
    rng = random.Random(f"{spec.name}:{spec.seed}")
    values: list[list[float | None]] = []
    for _ in spec.rows:
        row: list[float | None] = []
        for _ in spec.cols:
            v = round(rng.uniform(spec.low, spec.high), 3)
            while v in row or any(len(r) > len(row) and r[len(row)] == v for r in values):
                v = round(rng.uniform(spec.low, spec.high), 3)
            row.append(v)
        values.append(row)
    for r, row in enumerate(values):
        for c in range(len(row)):
            if spec.style.missing and rng.random() < spec.style.missing and (r, c) != (0, 0):
                row[c] = None
    spec.values = values


def _printed(value: float, fmt: str) -> tuple[str, str, float, int]:
    """(LaTeX, plain text, printed value, decimals) of a value in a table format."""
    if fmt == "frac3":
        s = f"{value:.3f}"
        return s, s, float(s), 3
    if fmt == "dot3":
        s = f"{value:.3f}"[1:]
        return s, s, float(s), 3
    if fmt == "pct2":
        s = f"{value * 100:.2f}"
        return s, s, float(s), 2
    s = f"{value * 100:.1f}"
    if fmt == "pctsign":
        return s + r"\%", s + "%", float(s), 1
    return s, s, float(s), 1


def _ranks(spec: TableSpec) -> dict[tuple[int, int], int]:
    """Rank (0 best, 1 second) of each cell among the values competing for the marks."""
    out: dict[tuple[int, int], int] = {}
    groups: list[list[tuple[int, int]]]
    if spec.style.best_by == "row":
        groups = [[(r, c) for c in range(len(spec.cols))] for r in range(len(spec.rows))]
    else:
        groups = [[(r, c) for r in range(len(spec.rows))] for c in range(len(spec.cols))]
    for group in groups:
        present = sorted((spec.values[r][c], (r, c)) for r, c in group if spec.values[r][c] is not None)
        for rank, (_, rc) in enumerate(reversed(present[-2:])):
            out[rc] = rank
    return out


def cell_latex(spec: TableSpec, r: int, c: int, rng: random.Random, rank: int | None) -> tuple[str, TruthCell]:
    value = spec.values[r][c]
    who = spec.who.merge(spec.cols[c].who).merge(spec.rows[r].who)
    label = spec.name
    percent = spec.style.fmt.startswith("pct")
    if value is None:
        text = "--"
        return text, TruthCell(label, spec.name, r, c, "–", None, 0, percent, who)
    latex, plain, printed, decimals = _printed(value, spec.style.fmt)
    style = spec.style
    if rank == 0 and style.marks == "bold":
        latex = rf"\textbf{{{latex}}}"
    elif rank == 1 and style.marks == "bold":
        latex = rf"\underline{{{latex}}}"
    if style.deviation != "none":
        dev = f"{rng.uniform(0.1, 0.9):.1f}" if percent else f"{rng.uniform(0.001, 0.009):.3f}"
        latex += rf" $\pm$ {dev}" if style.deviation == "pm" else rf"$_{{\pm {dev}}}$"
        plain += f" ± {dev}"
    if rank == 0 and style.marks == "sup":
        latex += r"$^{\dagger}$"
        plain += "†"
    elif rank is not None and rank <= 1 and style.marks == "star":
        latex += r"\textsuperscript{*}"
        plain += "*"
    return latex, TruthCell(label, spec.name, r, c, plain, printed, decimals, percent, who)


# ------------------------------------------------------------------------------------------------ LaTeX


def _spans(paths: list[tuple[str, ...]], level: int, depth: int) -> list[tuple[int, int, str]]:
    """(first, end, text) of each header cell of `level`, merging adjacent leaves with the same ancestors."""
    out: list[tuple[int, int, str]] = []
    for c, path in enumerate(paths):
        padded = ("",) * (depth - len(path)) + path
        key = padded[: level + 1]
        if out and c > 0:
            prev = ("",) * (depth - len(paths[c - 1])) + paths[c - 1]
            if prev[: level + 1] == key and key[-1]:
                out[-1] = (out[-1][0], c + 1, key[-1])
                continue
        out.append((c, c + 1, key[-1]))
    return out


def latex_table(spec: TableSpec, number: int) -> tuple[str, list[TruthCell]]:
    """The table environment and the truth about its cells (labelled 'Table <number>')."""
    fill_values(spec)
    style = spec.style
    rng = random.Random(f"{spec.name}:{spec.seed}:marks")
    n_label = max(len(r.labels) for r in spec.rows)
    n = n_label + len(spec.cols)
    ruled = style.rules in ("grid", "hline")
    bar = "|" if style.rules == "grid" else ""
    colspec = bar + bar.join(["l"] * n_label) + bar + bar.join(["c"] * len(spec.cols)) + bar
    top, mid, bottom = (
        (r"\toprule", r"\midrule", r"\bottomrule")
        if style.rules == "booktabs"
        else ((r"\hline", r"\hline", r"\hline") if ruled else ("", "", ""))
    )
    lines = [rf"\begin{{tabular}}{{{colspec}}}", top]
    paths = [c.path for c in spec.cols]
    depth = max(len(p) for p in paths)
    for level in range(depth):
        cells = list(spec.corner) + [""] * (n_label - len(spec.corner)) if level == depth - 1 else [""] * n_label
        rules = []
        for first, end, text in _spans(paths, level, depth):
            width = end - first
            align = "c" + bar if bar else "c"
            cells.append(rf"\multicolumn{{{width}}}{{{align}}}{{{text}}}" if width > 1 or bar else text)
            if width > 1 and text and style.cmidrule and level < depth - 1:
                a, b = n_label + first + 1, n_label + end
                rules.append(rf"\cmidrule(lr){{{a}-{b}}}" if style.rules == "booktabs" else rf"\cline{{{a}-{b}}}")
        lines.append(" & ".join(cells) + r" \\" + " ".join(rules))
    lines.append(mid)
    ranks = _ranks(spec)
    truth: list[TruthCell] = []
    group = None
    for r, row in enumerate(spec.rows):
        if row.group is not None and row.group != group:
            group = row.group
            if r > 0 and style.rules == "booktabs":
                lines.append(r"\midrule")
            lines.append(rf"\multicolumn{{{n}}}{{l}}{{\textit{{{group}}}}} \\")
        cells = list(row.labels) + [""] * (n_label - len(row.labels))
        for c in range(len(spec.cols)):
            latex, cell = cell_latex(spec, r, c, rng, ranks.get((r, c)))
            cells.append(latex)
            truth.append(replace(cell, table=f"Table {number}"))
        lines.append(" & ".join(cells) + r" \\" + (r" \hline" if style.rules == "grid" else ""))
    if style.rules != "grid":
        lines.append(bottom)
    lines.append(r"\end{tabular}")
    tabular = "\n".join(lines)
    if style.resize:
        width = r"\textwidth" if style.wide else r"\linewidth"
        tabular = rf"\resizebox{{{width}}}{{!}}{{%" + "\n" + tabular + "}"
    env = "table*" if style.wide else "table"
    head = [rf"\begin{{{env}}}[t]", r"\centering"]
    if style.size:
        head.append(style.size)
    if style.tabcolsep is not None:
        head.append(rf"\setlength{{\tabcolsep}}{{{style.tabcolsep}pt}}")
    caption = rf"\caption{{{spec.caption}}}"
    body = [caption, tabular] if not style.caption_below else [tabular, caption]
    return "\n".join([*head, *body, rf"\end{{{env}}}"]), truth


_FONTS = {
    "times": r"\usepackage{mathptmx}",
    "palatino": r"\usepackage{palatino}",
    "helvet": "\\usepackage[scaled]{helvet}\n\\renewcommand{\\familydefault}{\\sfdefault}",
    "lmodern": r"\usepackage{lmodern}",
    "cm": "",
}


def latex_paper(paper: PaperSpec) -> tuple[str, list[TruthCell]]:
    options = f"{paper.pt}pt" + (",twocolumn" if paper.two_column else "")
    out = [
        rf"\documentclass[{options}]{{article}}",
        # Computer Modern keeps the OT1 encoding: T1 would need the cm-super fonts, which the TeX packages
        # the tests rely on do not include.
        "" if paper.font == "cm" else r"\usepackage[T1]{fontenc}",
        _FONTS[paper.font],
        r"\usepackage{booktabs,graphicx,amsmath}",
        r"\usepackage[margin=0.8in]{geometry}",
        r"\begin{document}",
        rf"\title{{{paper.title}}}",
        r"\author{Anonymous Authors}",
        r"\date{}",
        r"\maketitle",
        r"\begin{abstract}",
        " ".join(paper.abstract),
        r"\end{abstract}",
    ]
    truth: list[TruthCell] = []
    number = 0
    for heading, parts in paper.sections:
        out.append(rf"\section{{{heading}}}")
        for part in parts:
            if isinstance(part, TableSpec):
                number += 1
                env, cells = latex_table(part, number)
                out.append(env)
                truth += cells
            else:
                out.append(part + "\n")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n", truth


class LatexError(RuntimeError):
    pass


def typeset(paper: PaperSpec, folder: Path) -> tuple[Path, list[TruthCell]]:
    """Write <name>.tex and run pdflatex (one pass: the text names its tables by number, not \\ref)."""
    if PDFLATEX is None:
        raise LatexError("pdflatex is not installed")
    source, truth = latex_paper(paper)
    folder.mkdir(parents=True, exist_ok=True)
    tex = folder / f"{paper.name}.tex"
    tex.write_text(source, encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        done = subprocess.run(
            [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={work}", str(tex)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        pdf = Path(work) / f"{paper.name}.pdf"
        if done.returncode != 0 or not pdf.is_file():
            raise LatexError(f"{tex}: pdflatex failed:\n{done.stdout[-2000:]}")
        target = folder / pdf.name
        shutil.copy(pdf, target)
    return target, truth
