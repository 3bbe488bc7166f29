"""Report fixtures for the registry tests: both synthesis layouts, built from rows so a test varies one thing.

`tests/support/` is on pytest's `pythonpath` (pyproject.toml) and holds only these helper modules, so
`import report_fixtures` can never shadow an installed package (as `tests/replications/` once shadowed `replications`).
"""

from __future__ import annotations

from collections.abc import Sequence

COCO_TITLE = (
    "COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and Distributionally "
    "Robust Learning"
)
OPTICAL_TITLE = (
    "Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation"
)

COCO_ROWS = [
    ("COCO-DR Base model achieves an nDCG@10 score of 0.789 on the TREC-COVID dataset.", "×", "0.10"),
    ("COCO-DR Large model achieves an nDCG@10 score of 0.771 on the TREC-COVID dataset.", "×", "0.09"),
    ("COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.763 on the TREC-COVID dataset.", "×", "0.10"),
    ("COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.353 on the BioASQ dataset.", "×", "0.11"),
    (
        "Dense retrieval has shown strong advantages over sparse retrieval methods, although the advantages are "
        "more observed in",
        "×",
        "0.12",
    ),
]


def synthesis_report(
    rows: Sequence[tuple[str, ...]] = COCO_ROWS,
    *,
    layout: str = "markdown",
    title: str = "Contrastive Pretraining for Retrieval",
    examined: str = COCO_TITLE,
    references: Sequence[str] = ("2601.18190v1", "2210.15212v2"),
    sep: str = "\t",
) -> str:
    h = "## " if layout == "markdown" else ""
    table = "\n".join(sep.join(r) for r in rows)
    refs = "\n".join(f"- <http://arxiv.org/abs/{r}>" for r in references)
    return f"""

{h.replace("##", "#")}{title}

Assignee Research

June 9, 2026

{h}Abstract

This report synthesises findings from 14 peer-reviewed papers.

{h}1 Introduction

This paper examines: {examined}. Research question: Does it work?.

{h}2 Methodology

Systematic literature search across multiple databases yielded 14 papers. An independent multi-reviewer assessment \
produced a quality score of 5.2/10.

{h}3 Results

14 papers retrieved. 10 claims extracted; 2 independently verified. Quality review score: 5.2/10.

{h}5 Extracted Claims

Claim{sep}Verified{sep}Confidence
{table}

{h}References

{refs}"""


ARXIV_PAGE = """Skip to main content
arxiv logo > cs > arXiv:2509.25638

Computer Science > Computer Vision and Pattern Recognition

arXiv:2509.25638 (cs)
[Submitted on 30 Sep 2025]

Title:Generalized Contrastive Learning for Universal Multimodal Retrieval

Authors:Jungsoo Lee, Janghoon Cho, Sungha Choi
View a PDF of the paper titled Generalized Contrastive Learning, by Jungsoo Lee and 2 other authors
Abstract:Despite their consistent performance improvements, cross-modal retrieval models (e.g., CLIP) show degraded \
performances with retrieving keys composed of fused image-text modality. A common approach involves constructing new \
composed sets of image-text triplets. To overcome these limitations, this paper proposes Generalized Contrastive \
Learning (GCL), a novel loss formulation that improves multimodal retrieval performance without the burdensome need \
for new dataset curation. Specifically, GCL operates by enforcing contrastive learning across all modalities.
Comments: Accepted to NeurIPS 2025
Subjects: Computer Vision and Pattern Recognition (cs.CV); Machine Learning (cs.LG)
Cite as: arXiv:2509.25638 [cs.CV]
  (or arXiv:2509.25638v1 [cs.CV] for this version)

Submission history
[v1] Tue, 30 Sep 2025 01:25:04 UTC (651 KB)
"""

COCO_ABSTRACT = (
    "We present a new zero-shot dense retrieval (ZeroDR) method, COCO-DR, to improve the generalization ability of "
    "dense retrieval by combating the distribution shifts between source training tasks and target scenarios. "
    "COCO-DR outperforms other ZeroDR models with 60x larger size on the BEIR benchmark."
)

_WRAP_AT = COCO_ABSTRACT.index(" dense retrieval by")  # where the text record wraps its lines

# The same abstract page in the renderings arXiv and its mirrors produce (each saved as text).
ARXIV_RENDERINGS = {
    # arXiv before its 2023 redesign: a space after each label, the submission line in parentheses
    "classic": f"""arXiv.org > cs > arXiv:2210.15212

Computer Science > Information Retrieval

Title: COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and Distributionally \
Robust Learning
Authors: Yue Yu, Chenyan Xiong, Si Sun, Chao Zhang, Arnold Overwijk
(Submitted on 27 Oct 2022 (v1), last revised 7 Nov 2022 (this version, v2))

    Abstract: {COCO_ABSTRACT}

Comments: EMNLP 2022 Main Conference
Subjects: Information Retrieval (cs.IR); Computation and Language (cs.CL)
Cite as: arXiv:2210.15212 [cs.IR]
""",
    # each label on a line of its own (a reader view), the abstract below a blank line, "View PDF" glued on
    "stacked": f"""export.arxiv.org/abs/2210.15212v2
Title:
COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and Distributionally Robust \
Learning
Authors:
Yue Yu (Georgia Institute of Technology), Chenyan Xiong, Si Sun and Arnold Overwijk
View PDFAbstract:
{COCO_ABSTRACT}
Subjects:
Information Retrieval (cs.IR)
[v1] Thu, 27 Oct 2022 08:20:47 UTC (510 KB)
[v2] Mon, 7 Nov 2022 02:11:06 UTC (511 KB)
""",
    # arXiv's plain-text record (listing mails, ?fmt=txt)
    "record": f"""\\\\
arXiv:2210.15212
Date: Thu, 27 Oct 2022 08:20:47 GMT   (510kb,D)
Date (revised v2): Mon, 7 Nov 2022 02:11:06 GMT   (511kb,D)

Title: COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with
  Contrastive and Distributionally Robust Learning
Authors: Yue Yu, Chenyan Xiong, Si Sun, Chao Zhang, Arnold Overwijk
Categories: cs.IR cs.CL cs.LG
Comments: EMNLP 2022 Main Conference
\\\\
  {COCO_ABSTRACT[:_WRAP_AT]}
{COCO_ABSTRACT[_WRAP_AT + 1 :]}
\\\\ ( https://arxiv.org/abs/2210.15212 ,  510kb)
""",
    # the page copied without its header, its id and its citation lines
    "no-id": f"""Title:COCO-DR: Combating Distribution Shifts in Zero-Shot Dense Retrieval with Contrastive and \
Distributionally Robust Learning
Authors:Yue Yu, Chenyan Xiong, Si Sun, Chao Zhang, Arnold Overwijk
View PDF HTML (experimental)Abstract:{COCO_ABSTRACT}
Comments: EMNLP 2022 Main Conference
Subjects: Information Retrieval (cs.IR)
""",
}
