"""The seeds' three papers as the drift tests and benchmark see them: our own summaries, not the papers' words.

Each has a title (the real one), an "abstract" and a few sentences of "full text" written for these checks.
"""

from __future__ import annotations

from datetime import date

from claimcheck.sources.drift import PaperText

COCO_DR = PaperText(
    title="COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and "
    "Distributionally Robust Learning",
    abstract="We present COCO-DR, a zero-shot dense retrieval method that combats the distribution shifts between "
    "source training tasks and target scenarios. COCO continues contrastive pretraining of the language model on "
    "the target corpora, and implicit distributionally robust optimization (iDRO) reweights query clusters during "
    "fine-tuning on MS MARCO. COCO-DR achieves superior average nDCG@10 on BEIR, the zero-shot retrieval benchmark.",
    published=date(2022, 10, 27),
    method_names=("COCO-DR", "COCO", "iDRO"),
)
COCO_DR_FULL = "Dense retrieval with BERT encoders generalises poorly to new domains. We fine-tune on MS MARCO " \
    "passage ranking and evaluate zero-shot on the 18 BEIR datasets, including TREC-COVID, BioASQ, NFCorpus, " \
    "SciFact and FiQA. Baselines are BM25, DPR, ANCE, Contriever, GTR and GPT-3 embeddings. COCO-DR Base reaches " \
    "0.462 nDCG@10 averaged over BEIR."  # fmt: skip
OPTICAL = PaperText(
    title="Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation",
    abstract="Multilingual pre-trained language models show a gap between high- and low-resource languages, and "
    "cross-lingual retrieval models built on them inherit it. Unlike English retrieval, where large collections "
    "such as MS MARCO exist, cross-lingual retrieval data for low-resource languages is scarce. We propose OPTICAL, "
    "which casts cross-lingual token alignment as an optimal transport problem and distills a well-trained "
    "monolingual retrieval model using only bitext. OPTICAL significantly outperforms strong baselines on "
    "low-resource languages, including neural machine translation.",
    published=date(2023, 1, 30),
    method_names=("OPTICAL", "CAL"),
)
OPTICAL_FULL = "We evaluate on seven language pairs built from the WikiCLIR and mMARCO collections, four of them " \
    "low-resource. Mean average precision (MAP) is reported. Baselines are mBERT and XLM-R fine-tuned on English " \
    "data and a translate-then-retrieve pipeline with an NMT system."  # fmt: skip
GCL = PaperText(
    title="Generalized Contrastive Learning for Universal Multimodal Retrieval",
    abstract="Cross-modal retrieval models such as CLIP degrade when keys fuse image and text. We propose "
    "Generalized Contrastive Learning (GCL), a loss that contrasts all modalities within a mini-batch using "
    "existing image-caption pairs, and show consistent gains for VISTA, CLIP and TinyCLIP on the M-BEIR, MMEB and "
    "CoVR benchmarks.",
    published=date(2025, 9, 30),
    method_names=("GCL",),
)
GCL_FULL = "Training uses LCS-558K image-caption pairs. M-BEIR covers WebQA, OVEN, InfoSeek, CIRR, FashionIQ, " \
    "MSCOCO, Fashion200K, VisualNews, NIGHTS and EDIS; we report Recall@5."  # fmt: skip
FULL = {id(COCO_DR): COCO_DR_FULL, id(OPTICAL): OPTICAL_FULL, id(GCL): GCL_FULL}


def with_full_text(paper: PaperText) -> PaperText:
    """The paper as when its PDF is cached (9 pages)."""
    return PaperText(**{**paper.__dict__, "full_text": FULL[id(paper)], "pages": 9})
