"""The evidence corpus: four invented papers, fifteen tables in the shapes IR/ML papers print.

Shapes (the benchmark reports per shape): a wide `table*` with two header levels and bold/underlined best values
(models as columns); column ablations "Full | −iDRO | −COCO" under spanning model headers; ablation rows
("− iDRO") under model rows with percentages; section rows ("High-resource") with `±` deviations and significance
stars; "w/o X" rows under a two-level dataset header; a ruled grid with `\\cline` and metrics as sub-columns; a
three-level header with settings over models over methods and subscript deviations; models as rows with section
rows, dagger marks and missing cells; two single-column tables on one page, one of them without any rules; a
group-label column with metrics over datasets; a grid with percent signs and footnote marks on labels; a caption
below a rule-less `\\scriptsize` table with leading-dot fractions; a wide 13-column table of 19 datasets. Values
are invented; names are those of real models and datasets so the prose reads like a paper.
"""

from __future__ import annotations

import copy
import random

from latex_papers import Col, Identity, PaperSpec, Row, Style, TableSpec, fill_values

BEIR = ["TREC-COVID", "BioASQ", "NFCorpus", "NQ", "HotpotQA", "FiQA", "Signal-1M", "TREC-NEWS", "Robust04",
        "ArguAna", r"Touch\'e-2020", "CQADupStack", "Quora", "DBPedia", "SCIDOCS", "FEVER", "Climate-FEVER",
        "SciFact", "MS MARCO"]  # fmt: skip


def plain(latex: str) -> str:
    """A LaTeX name as a claim would spell it."""
    return latex.replace(r"\'e", "é").replace("$-$", "−").replace(r"\textsc{", "").replace("}", "")


def _models(names: list[tuple[tuple[str, ...], str]], **who: str) -> list[Col]:
    return [Col(path, Identity(subject=subject, **who)) for path, subject in names]


def _datasets(names: list[str], **who: str) -> list[Row]:
    return [Row((n,), Identity(dataset=plain(n), **who)) for n in names]


def wide_main() -> TableSpec:
    models = [(("Sparse", "BM25"), "BM25"), (("Sparse", "DeepCT"), "DeepCT"), (("Sparse", "SPARTA"), "SPARTA"),
              (("Dense", "DPR"), "DPR"), (("Dense", "ANCE"), "ANCE"), (("Dense", "Contriever"), "Contriever"),
              (("Dense", "GTR-XL"), "GTR-XL"), (("COCO-DR (Ours)", "Base"), "COCO-DR Base"),
              (("COCO-DR (Ours)", "Large"), "COCO-DR Large")]  # fmt: skip
    return TableSpec(
        name="wide two-level, models as columns",
        caption=r"Zero-shot nDCG@10 on BEIR. Best in \textbf{bold}, second best \underline{underlined}.",
        cols=_models(models),
        rows=_datasets(BEIR[:12]),
        corner=("Dataset",),
        who=Identity(metric="nDCG@10"),
        style=Style(wide=True, size=r"\small", tabcolsep=4),
        seed=1,
    )


def column_ablation() -> TableSpec:
    cols = [Col(("COCO-DR Base", "Full"), Identity(subject="COCO-DR Base")),
            Col(("COCO-DR Base", "$-$iDRO"), Identity(subject="COCO-DR Base", condition="without iDRO")),
            Col(("COCO-DR Base", "$-$COCO"), Identity(subject="COCO-DR Base", condition="without COCO")),
            Col(("COCO-DR Large", "Full"), Identity(subject="COCO-DR Large")),
            Col(("COCO-DR Large", "$-$iDRO"), Identity(subject="COCO-DR Large", condition="without iDRO"))]  # fmt: skip
    return TableSpec(
        name="column ablations under spanning models",
        caption="Ablation of the two techniques (nDCG@10).",
        cols=cols,
        rows=_datasets(BEIR[:6]),
        who=Identity(metric="nDCG@10"),
        style=Style(caption_below=True, size=r"\small", tabcolsep=3, marks="none"),
        seed=2,
    )


def row_ablation() -> TableSpec:
    rows = []
    for model in ("COCO-DR Base", "COCO-DR Large"):
        rows.append(Row((model,), Identity(subject=model)))
        rows.append(Row((r"\quad $-$ iDRO",), Identity(subject=model, condition="without iDRO")))
        rows.append(Row((r"\quad $-$ COCO",), Identity(subject=model, condition="without COCO")))
    cols = [Col((plain(d),), Identity(dataset=plain(d))) for d in ("FiQA", "SciFact", "ArguAna", "SCIDOCS")]
    return TableSpec(
        name="ablation rows, percentages",
        caption="nDCG@10 ($\\times 100$) of the ablations on four further datasets.",
        cols=cols,
        rows=rows,
        corner=("Model",),
        who=Identity(metric="nDCG@10"),
        style=Style(fmt="pct1", marks="bold", best_by="col"),
        seed=3,
    )


def paper_cocodr() -> PaperSpec:
    t1, t2, t3 = wide_main(), column_ablation(), row_ablation()
    return PaperSpec(
        name="cocodr_like",
        title="Robust Dense Retrieval under Distribution Shift",
        abstract=[
            "Dense retrievers lose accuracy when the target corpus differs from their training data.",
            "COCO-DR combines continuous contrastive pretraining on the target corpora with implicit "
            "distributionally robust optimization during fine-tuning.",
            "On the BEIR benchmark COCO-DR outperforms dense retrievers with ten times more parameters.",
        ],
        sections=[
            (
                "Introduction",
                [
                    "Zero-shot dense retrieval transfers a model trained on MS MARCO to new domains. "
                    "The vocabulary of a biomedical corpus differs from that of web search queries.",
                ],
            ),
            (
                "Results",
                [
                    "Table 1 lists nDCG@10 on twelve BEIR datasets for sparse and dense baselines.",
                    t1,
                    "Table 2 removes one technique at a time.",
                    t2,
                    "Removing iDRO lowers accuracy on most datasets, and removing COCO lowers it more.",
                    t3,
                    "The implicit robust optimization does not require group labels.",
                ],
            ),
        ],
        font="times",
    )


# ----------------------------------------------------------------------------------------------- OPTICAL-like

PAIRS_HIGH = ["en-de", "en-fr", "en-es"]
PAIRS_LOW = ["en-sw", "en-so", "en-tl", "en-mr"]


def clir_main() -> TableSpec:
    rows = [Row((p,), Identity(dataset=p), group="High-resource") for p in PAIRS_HIGH]
    rows += [Row((p,), Identity(dataset=p), group="Low-resource") for p in PAIRS_LOW]
    cols = [Col((m,), Identity(subject=m)) for m in ("NMT", "mBERT", "XLM-R", "OPTICAL")]
    return TableSpec(
        name="section rows, ± deviations, stars",
        caption=r"MAP (\%) on seven language pairs, mean $\pm$ std over 3 runs. * marks the two best values.",
        cols=cols,
        rows=rows,
        corner=("Pair",),
        who=Identity(metric="MAP"),
        style=Style(fmt="pct1", marks="star", deviation="pm", tabcolsep=5),
        seed=4,
        low=0.1,
        high=0.45,
    )


def clir_ablation() -> TableSpec:
    rows = [Row(("OPTICAL",), Identity(subject="OPTICAL")),
            Row(("w/o OT",), Identity(subject="OPTICAL", condition="without OT")),
            Row(("w/o distillation",), Identity(subject="OPTICAL", condition="without distillation"))]  # fmt: skip
    cols = [Col(("Low-resource", p), Identity(dataset=p)) for p in PAIRS_LOW[:2]]
    cols += [Col(("High-resource", p), Identity(dataset=p)) for p in PAIRS_HIGH[:2]]
    return TableSpec(
        name="w/o rows under a two-level header",
        caption="Ablation of OPTICAL, MAP.",
        cols=cols,
        rows=rows,
        who=Identity(metric="MAP"),
        style=Style(rules="hline", fmt="dot3", marks="none", caption_below=True),
        seed=5,
        low=0.1,
        high=0.45,
    )


def clir_grid() -> TableSpec:
    cols = []
    for pair in ("en-sw", "en-so", "en-tl"):
        cols += [Col((pair, "MAP"), Identity(dataset=pair, metric="MAP")),
                 Col((pair, "P@10"), Identity(dataset=pair, metric="P@10"))]  # fmt: skip
    rows = [Row((m,), Identity(subject=m)) for m in ("BM25+NMT", "mDPR", "ColBERT-X", "OPTICAL")]
    return TableSpec(
        name="ruled grid, metrics as sub-columns",
        caption="MAP and P@10 on three low-resource pairs.",
        cols=cols,
        rows=rows,
        corner=("Model",),
        style=Style(rules="grid", fmt="frac3", marks="none", size=r"\small"),
        seed=6,
        low=0.1,
        high=0.6,
    )


def paper_optical() -> PaperSpec:
    return PaperSpec(
        name="optical_like",
        title="Cross-lingual Retrieval on Low-Resource Languages via Optimal Transport",
        abstract=[
            "Multilingual language models show a performance gap between high and low-resource languages.",
            "We propose OPTICAL, a novel optimal transport based knowledge distillation framework for "
            "low-resource cross-lingual information retrieval (CLIR).",
            "OPTICAL only needs bitext data for distillation training.",
            "With minimal training data OPTICAL significantly outperforms strong baselines on low-resource "
            "languages, including neural machine translation.",
        ],
        sections=[
            (
                "Method",
                [
                    "OPTICAL forms the cross-lingual token alignment task as an optimal transport problem. "
                    "The teacher is a monolingual retrieval model that already knows query document matching.",
                ],
            ),
            (
                "Experiments",
                [
                    clir_main(),
                    "Table 1 shows MAP on seven language pairs.",
                    clir_ablation(),
                    clir_grid(),
                    "The neural machine translation baseline is strong on high-resource pairs.",
                ],
            ),
        ],
        two_column=False,
        font="palatino",
        pt=11,
    )


# ----------------------------------------------------------------------------------------------- GCL-like

MBEIR = ["WebQA", "OVEN", "InfoSeek", "CIRR", "FashionIQ", "NIGHTS"]


def three_level() -> TableSpec:
    cols = []
    for pool in ("Local pool", "Global pool"):
        for model in ("CLIP-SF", "VISTA"):
            for method in ("CL", "GCL"):
                who = Identity(subject=model, condition=method, setting=pool.lower())
                cols.append(Col((pool, model, method), who))
    return TableSpec(
        name="three-level header, subscript deviations",
        caption="Recall@5 on M-BEIR tasks with local and global candidate pools; subscripts give the std.",
        cols=cols,
        rows=_datasets(MBEIR),
        corner=("Task",),
        who=Identity(metric="R@5"),
        style=Style(wide=True, fmt="pct1", deviation="sub", marks="none", size=r"\footnotesize", tabcolsep=3.5),
        seed=7,
    )


def models_as_rows() -> TableSpec:
    rows = [Row((m,), Identity(subject=m), group="Baselines") for m in ("CLIP", "BLIP", "TinyCLIP")]
    rows += [Row((m,), Identity(subject=m), group="Ours") for m in ("CLIP+GCL", "BLIP+GCL")]
    cols = [Col((d,), Identity(dataset=d)) for d in ("MSCOCO", "Flickr30K", "CoVR", "MMEB")]
    return TableSpec(
        name="models as rows, section rows, dagger, missing",
        caption=r"Recall@10 (\%). $\dagger$: best in its column. -- : not reported.",
        cols=cols,
        rows=rows,
        corner=("Model",),
        who=Identity(metric="R@10"),
        style=Style(fmt="pct2", marks="sup", best_by="col", missing=0.15),
        seed=8,
    )


def small_booktabs() -> TableSpec:
    rows = [
        Row(("CL",), Identity(subject="CL")),
        Row(("GCL",), Identity(subject="GCL")),
        Row(("GCL w/o fused",), Identity(subject="GCL", condition="without fused")),
    ]
    cols = [Col((d,), Identity(dataset=d)) for d in ("WebQA", "CIRR")]
    return TableSpec(
        name="two tables on one page (booktabs)",
        caption="Loss variants with TinyCLIP, averaged over 3 seeds; GCL adds 2.4 points on average (R@5).",
        cols=cols,
        rows=rows,
        who=Identity(metric="R@5", setting="tinyclip"),
        style=Style(fmt="pct1", marks="bold"),
        seed=9,
    )


def small_plain() -> TableSpec:
    rows = [Row((f"{b} pairs",), Identity(setting=f"{b} pairs")) for b in ("10K", "100K", "558K")]
    cols = [Col((m,), Identity(subject=m)) for m in ("CL", "GCL")]
    return TableSpec(
        name="two tables on one page (no rules)",
        caption="R@5 on WebQA by training set size.",
        cols=cols,
        rows=rows,
        corner=("Data",),
        who=Identity(metric="R@5", dataset="WebQA"),
        style=Style(rules="none", fmt="pct1", marks="none"),
        seed=10,
    )


def paper_gcl() -> PaperSpec:
    return PaperSpec(
        name="gcl_like",
        title="Generalized Contrastive Learning for Multimodal Retrieval",
        abstract=[
            "Cross-modal retrieval models such as CLIP degrade when queries and candidates mix modalities.",
            "To overcome this limitation we propose Generalized Contrastive Learning (GCL), a loss that contrasts "
            "every modality of a pair with every other.",
            "GCL needs no new datasets and improves VISTA, CLIP and TinyCLIP on M-BEIR, MMEB and CoVR.",
        ],
        sections=[
            ("Approach", ["GCL computes six directional InfoNCE terms over image, text and fused embeddings."]),
            (
                "Results",
                [
                    three_level(),
                    models_as_rows(),
                    "The fused embedding helps most when the query holds an image and a text.",
                    small_booktabs(),
                    small_plain(),
                ],
            ),
        ],
        font="helvet",
    )


# ----------------------------------------------------------------------------------------------- dense-like


def group_label_column() -> TableSpec:
    groups = [
        ("Sparse", "BM25"),
        ("", "docT5query"),
        ("Dense", "DPR"),
        ("", "TAS-B"),
        ("", "GenQ"),
        ("Late", "ColBERT"),
    ]
    rows = [Row(labels, Identity(subject=labels[1])) for labels in groups]
    cols = [Col(("nDCG@10", d), Identity(dataset=d, metric="nDCG@10")) for d in ("NQ", "HotpotQA", "FiQA")]
    cols += [Col(("R@100", d), Identity(dataset=d, metric="R@100")) for d in ("NQ", "HotpotQA", "FiQA")]
    return TableSpec(
        name="group-label column, metrics over datasets",
        caption="Retrieval quality by architecture.",
        cols=cols,
        rows=rows,
        corner=("Type", "Model"),
        style=Style(fmt="frac3", marks="bold", tabcolsep=4, wide=True),
        seed=11,
    )


def grid_percent() -> TableSpec:
    names = [("BM25", "BM25"), ("DPR$^\\dagger$", "DPR"), ("ANCE$^\\dagger$", "ANCE"), ("RocketQA", "RocketQA")]
    rows = [Row((label,), Identity(subject=subject)) for label, subject in names]
    cols = [Col(("Top-20",), Identity(metric="R@20")), Col(("Top-100",), Identity(metric="R@100"))]
    return TableSpec(
        name="ruled grid, percent signs, marks on labels",
        caption=r"Top-k retrieval accuracy on NQ test. $\dagger$: our reimplementation.",
        cols=cols,
        rows=rows,
        corner=("Retriever",),
        who=Identity(dataset="NQ"),
        style=Style(rules="grid", fmt="pctsign", marks="none"),
        seed=12,
    )


def rule_less_small() -> TableSpec:
    rows = _datasets(["SciFact", "NFCorpus", "SCIDOCS", "FiQA"])
    cols = [Col((m,), Identity(subject=m)) for m in ("BM25", "DPR", "TAS-B", "GTR-Base")]
    return TableSpec(
        name="no rules, scriptsize, caption below",
        caption="nDCG@10 on four small corpora.",
        cols=cols,
        rows=rows,
        corner=("Corpus",),
        who=Identity(metric="nDCG@10"),
        style=Style(rules="none", fmt="dot3", marks="none", size=r"\scriptsize", tabcolsep=3, caption_below=True),
        seed=13,
    )


def wide_thirteen() -> TableSpec:
    names = ["BM25", "DeepCT", "SPARTA", "docT5query", "DPR", "ANCE", "TAS-B", "GenQ", "ColBERT", "Contriever",
             "GTR-XL", "CPT-XL", "COCO-DR"]  # fmt: skip
    return TableSpec(
        name="wide 13 columns x 19 rows, resized",
        caption="nDCG@10 of thirteen retrievers on the BEIR datasets.",
        cols=[Col((n,), Identity(subject=n)) for n in names],
        rows=_datasets(BEIR),
        corner=("Dataset",),
        who=Identity(metric="nDCG@10"),
        style=Style(wide=True, resize=True, fmt="frac3", marks="bold"),
        seed=14,
    )


def paper_dense() -> PaperSpec:
    return PaperSpec(
        name="dense_like",
        title="A Comparison of Sparse, Dense and Late-Interaction Retrievers",
        abstract=[
            "We compare sparse, dense and late-interaction retrievers on in-domain and zero-shot benchmarks.",
            "Late interaction is the most robust architecture on the zero-shot datasets.",
            "Dense retrievers trained on NQ transfer poorly to specialised domains.",
        ],
        sections=[
            (
                "Setup",
                [
                    "All retrievers use the same BERT-base encoder where applicable. "
                    "We report nDCG@10 and R@100 unless a table says otherwise."
                ],
            ),
            (
                "Results",
                [
                    group_label_column(),
                    grid_percent(),
                    "BM25 remains a strong baseline on argument retrieval.",
                    rule_less_small(),
                    wide_thirteen(),
                ],
            ),
        ],
        font="cm",
    )


def corpus() -> list[PaperSpec]:
    """The papers with their values filled, equal values for the same identity within a paper."""
    papers = [paper_cocodr(), paper_optical(), paper_gcl(), paper_dense()]
    for paper in papers:
        seen: dict[tuple, float] = {}
        for table in paper.tables():
            fill_values(table)
            for r, row in enumerate(table.rows):
                for c, col in enumerate(table.cols):
                    key = table.who.merge(col.who).merge(row.who).astuple()
                    if table.values[r][c] is None:
                        continue
                    # The same model, condition and dataset gets the same value in every table of a paper.
                    table.values[r][c] = seen.setdefault(key, table.values[r][c])
        add_result_sentences(paper)
    return papers


def add_result_sentences(paper: PaperSpec) -> None:
    """Sentences quoting cells, as results sections do (numbers in body text, checked by the sentence rule)."""
    tables = paper.tables()
    first = tables[0]
    lines = []
    for r in range(min(2, len(first.rows))):
        c = len(first.cols) - 1
        value = first.values[r][c]
        who = first.who.merge(first.cols[c].who).merge(first.rows[r].who)
        if value is None or who.subject is None or who.dataset is None:
            continue
        shown = f"{value:.3f}" if not first.style.fmt.startswith("pct") else f"{value * 100:.1f}"
        lines.append(f"On {who.dataset}, {who.subject} reaches {shown} {who.metric or ''}".rstrip() + ".")
    paper.sections.append(("Discussion", [" ".join(lines) + " Further analysis is left to future work."]))


def restyled(paper: PaperSpec, seed: int) -> PaperSpec:
    """The same paper and values set another way: font, size, columns, and each table's rules, number format,
    marks, deviations, spacing, width and caption side drawn at random (for the benchmark's --variants)."""
    rng = random.Random(f"{paper.name}:{seed}")
    out = copy.deepcopy(paper)
    out.name = f"{paper.name}_v{seed}"
    out.font = rng.choice(["times", "palatino", "helvet", "lmodern", "cm"])
    out.pt = rng.choice([10, 11, 12])
    out.two_column = rng.random() < 0.6
    for table in out.tables():
        old = table.style
        style = Style(
            rules=rng.choice(["booktabs", "booktabs", "grid", "hline", "none"]),
            cmidrule=rng.random() < 0.8,
            # a percentage table stays a percentage table: the values were drawn for it
            fmt=rng.choice(["pct1", "pct2", "pctsign"]) if old.fmt.startswith("pct") else rng.choice(["frac3", "dot3"]),
            marks=rng.choice(["bold", "sup", "star", "none"]),
            deviation=rng.choice(["none", "none", "pm", "sub"]),
            missing=old.missing,
            size=rng.choice(["", r"\small", r"\footnotesize", r"\scriptsize"]),
            tabcolsep=rng.choice([None, 2.5, 3, 4, 5]),
            caption_below=rng.random() < 0.4,
            wide=old.wide or len(table.cols) > 5,
            best_by=old.best_by,
        )
        # authors shrink a table that would run past the margin (\resizebox); a restyle does the same
        style.resize = rng.random() < 0.2 or _width_pt(table, style, out.pt) > (500 if style.wide else 240)
        table.style = style
    return out


def _width_pt(table: TableSpec, style: Style, pt: int) -> float:
    """A rough natural width of the tabular: half an em a character plus the column separation."""
    em = pt * {"": 1.0, r"\small": 0.9, r"\footnotesize": 0.8, r"\scriptsize": 0.7}[style.size]
    cell = 5 + {"none": 0, "pm": 7, "sub": 4}[style.deviation] + (1 if style.marks in ("sup", "star") else 0)
    cols = [max(cell, len(c.path[-1])) for c in table.cols]
    label = max(len(" ".join(r.labels)) for r in table.rows)
    sep = 2 * (style.tabcolsep if style.tabcolsep is not None else 6)
    return sum(0.5 * em * n + sep for n in [label, *cols])
