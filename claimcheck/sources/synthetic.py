"""Synthetic papers: PDFs with text pages and a ruled results table, and arXiv API Atom answers.

For tests, benchmarks and demos on machines without the real papers (which are never committed). The table is
drawn with rules so that PyMuPDF's `find_tables` sees its cells, and a header cell may span several columns
("COCO-DR Base" over "Full | -iDRO | -COCO").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape


@dataclass
class SyntheticTable:
    caption: str
    # Header rows: None marks a cell covered by the spanning cell to its left.
    header: list[list[str | None]]
    rows: list[list[str]]
    col_widths: list[float] = field(default_factory=list)
    # "grid": every cell ruled (PyMuPDF's line finder sees it); "booktabs": top, mid and bottom rules plus a partial
    # rule under each spanning header, with the header text centred over its span, as LaTeX papers print them;
    # "none": text lines only.
    rules: str = "grid"


def write_pdf(path: str | Path, pages: Sequence[str | SyntheticTable | list[str | SyntheticTable]]) -> Path:
    """One page per item; an item is a paragraph, a table, or a list of them drawn top to bottom."""
    import pymupdf

    doc = pymupdf.open()
    for item in pages:
        page = doc.new_page(width=612, height=792)
        y = 72.0
        for part in item if isinstance(item, list) else [item]:
            y = _draw_table(page, part, y) if isinstance(part, SyntheticTable) else _draw_text(page, part, y)
            y += 18
    path = Path(path)
    doc.save(path)
    doc.close()
    return path


def _draw_text(page, text: str, y: float) -> float:
    import pymupdf

    rect = pymupdf.Rect(72, y, 540, 720)
    page.insert_textbox(rect, text, fontsize=10, fontname="helv")
    # Height of what was written: lines at ~12 pt for ~95 characters per line.
    lines = sum(max(1, len(p) // 90 + 1) for p in text.split("\n"))
    return y + 12.5 * lines


def _draw_table(page, table: SyntheticTable, y: float) -> float:
    import pymupdf

    page.insert_text((72, y + 10), table.caption, fontsize=9, fontname="helv")
    y += 18
    grid: list[list[str | None]] = [*table.header, *table.rows]
    n_cols = max(len(r) for r in grid)
    widths = table.col_widths or [90.0] + [62.0] * (n_cols - 1)
    xs = [72.0]
    for w in widths:
        xs.append(xs[-1] + w)
    row_h = 18.0
    ys = [y + i * row_h for i in range(len(grid) + 1)]
    spans = _spans(table.header)
    shape = page.new_shape()
    if table.rules == "none":
        pass
    elif table.rules == "booktabs":
        for yy in (ys[0], ys[len(table.header)], ys[-1]):
            shape.draw_line((xs[0], yy), (xs[-1], yy))
        for r, c, end in spans:
            if end > c + 1:
                shape.draw_line((xs[c] + 4, ys[r + 1]), (xs[end] - 4, ys[r + 1]))
    else:
        for yy in ys:
            shape.draw_line((xs[0], yy), (xs[-1], yy))
        for r, row in enumerate(grid):
            for c in range(n_cols + 1):
                covered = 0 < c < len(row) and row[c] is None
                if not covered:
                    shape.draw_line((xs[c], ys[r]), (xs[c], ys[r + 1]))
    shape.finish(color=(0, 0, 0), width=0.6)
    shape.commit()
    span_end = {(r, c): end for r, c, end in spans}
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if not text:
                continue
            end = span_end.get((r, c), c + 1)
            x = xs[c] + 3
            if table.rules != "grid" and end > c + 1:
                x = (xs[c] + xs[end]) / 2 - pymupdf.get_text_length(text, fontname="helv", fontsize=8.5) / 2
            page.insert_text((x, ys[r] + 13), text, fontsize=8.5, fontname="helv")
    return ys[-1]


def _spans(header: list[list[str | None]]) -> list[tuple[int, int, int]]:
    """(row, first column, end column) of each header cell, a None to its right extending it."""
    out = []
    for r, row in enumerate(header):
        for c, text in enumerate(row):
            if text is None:
                continue
            end = c + 1
            while end < len(row) and row[end] is None:
                end += 1
            out.append((r, c, end))
    return out


def atom_entry(
    arxiv_id: str,
    version: int,
    title: str,
    abstract: str,
    authors: Sequence[str] = ("A. Author",),
    published: str = "2022-10-27T00:00:00Z",
    updated: str = "2022-10-28T00:00:00Z",
    categories: Sequence[str] = ("cs.IR",),
) -> str:
    """One `<entry>` as the arXiv API documents it (user manual, 'Details of Atom Results Returned')."""
    cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories)
    names = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
    return f"""<entry>
    <id>http://arxiv.org/abs/{arxiv_id}v{version}</id>
    <updated>{updated}</updated>
    <published>{published}</published>
    <title>{escape(title)}</title>
    <summary>{escape(abstract)}</summary>
    {names}
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">EMNLP 2022</arxiv:comment>
    <link href="http://arxiv.org/abs/{arxiv_id}v{version}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{arxiv_id}v{version}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{categories[0]}"
      scheme="http://arxiv.org/schemas/atom"/>
    {cats}
  </entry>"""


def atom_feed(entries: Sequence[str]) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?id_list=" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: id_list</title>
  <id>http://arxiv.org/api/synthetic</id>
  <updated>2026-11-22T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{len(entries)}</opensearch:itemsPerPage>
  {"".join(entries)}
</feed>""".encode()


# ------------------------------------------------------------------------------------------- the example paper
# Invented wording and invented (synthetic) numbers in the shape of an ablation table: a method's variants per
# dataset under a two-level header. Not the real paper's text or values.

EXAMPLE_ABSTRACT = (
    "Dense retrievers lose accuracy when the target corpus differs from their training data. "
    "COCO-DR introduces two training techniques: continuous contrastive pretraining on the target corpora "
    "(COCO) and implicit distributionally robust optimization (iDRO) during fine-tuning. "
    "On the BEIR benchmark COCO-DR improves zero-shot dense retrieval over strong baselines."
)


def example_table(rules: str = "grid") -> SyntheticTable:
    return SyntheticTable(
        rules=rules,
        caption="Table 2: nDCG@10 of COCO-DR variants on two BEIR datasets (synthetic values).",
        header=[
            ["", "COCO-DR Base", None, None, "COCO-DR Large", None],
            ["Dataset", "Full", "-iDRO", "-COCO", "Full", "-iDRO"],
        ],
        rows=[
            ["TREC-COVID", "0.789", "0.771", "0.763", "0.804", "0.797"],
            ["BioASQ", "0.429", "0.424", "0.353", "0.450", "0.441"],
        ],
    )


def example_pages() -> list:
    """Three pages: an introduction, the results table between two paragraphs, an analysis."""
    return [
        "Introduction. " + EXAMPLE_ABSTRACT,
        [
            "Experiments. We evaluate every variant on TREC-COVID and BioASQ. Results are listed in Table 2.",
            example_table(),
            "Removing iDRO lowers accuracy on both datasets. Averaged over BEIR, COCO-DR Base scores 0.462 nDCG@10.",
        ],
        "Analysis. Continuous contrastive pretraining on the target corpora reduces the vocabulary mismatch "
        "between the source and target domains. The implicit robust optimization does not require group labels. "
        "Sparse retrieval remains a strong baseline on the shifted datasets in our experiments.",
    ]
