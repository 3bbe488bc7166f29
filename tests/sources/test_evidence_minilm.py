"""The one test that loads the packaged MiniLM: the cosine threshold separates copies from topical passages.

Measured with all-MiniLM-L6-v2: a verbatim copy 1.00, a close rewording 0.97; reworded paraphrases that rename
the method 0.56-0.67; same-topic sentences that state something else 0.42-0.70, but a contrary statement that
shares the words 0.85. Hence the rule in evidence.py: cosine ≥ SUPPORT_COSINE counts only together with a high
share of the claim's words, and the contrary statement below must stay not-found.
"""

from __future__ import annotations

import pytest

from claimcheck.models import Claim, EvidenceVerdict
from claimcheck.sources.evidence import SUPPORT_COSINE, check_claims
from claimcheck.sources.similarity import Embedder

from .conftest import PAPER_REF

CLOSE = [
    ("COCO addresses distribution shifts via continuously pretraining the language model on the target corpora",
     "COCO continuously pretrains the language model on the target corpora to handle distribution shifts."),
]  # fmt: skip
DIFFERENT = [
    ("Dense retrieval has shown strong advantages over sparse retrieval methods.",
     "Sparse retrieval remains a strong baseline on the shifted datasets in our experiments."),
    ("The implicit robust optimization does not require group labels.",
     "The implicit robust optimization reweights groups of queries during fine-tuning."),
    ("WikiCLIR is a large cross-lingual retrieval collection based on linked Wikipedia articles.",
     "mMARCO is a multilingual passage ranking dataset built by translating MS MARCO."),
]  # fmt: skip


@pytest.mark.slow
def test_minilm_threshold_and_end_to_end(monkeypatch: pytest.MonkeyPatch, cached_paper) -> None:
    monkeypatch.delenv("CLAIMCHECK_EMBEDDINGS", raising=False)
    embedder = Embedder()
    if not embedder.available:
        pytest.skip(embedder.reason or "MiniLM unavailable")
    for claim, passage in CLOSE:
        assert embedder.cosine(claim, [passage])[0] >= SUPPORT_COSINE
    for claim, passage in DIFFERENT:
        assert embedder.cosine(claim, [passage])[0] < SUPPORT_COSINE - 0.05
    claims = [
        Claim(id="close", text="The implicit robust optimization needs no group labels.", sources=[PAPER_REF]),
        Claim(id="topical", text="Dense retrieval beats sparse retrieval on shifted datasets.", sources=[PAPER_REF]),
    ]
    results = {r.claim_id: r for r in check_claims(claims, embedder, write=False)[0]}
    assert results["close"].verdict == EvidenceVerdict.SUPPORTED
    assert "cosine" in results["close"].note and results["close"].evidence[0].page == 3
    # Cosine 0.85 with "Sparse retrieval remains a strong baseline on the shifted datasets": not support.
    assert results["topical"].evidence[0].score >= SUPPORT_COSINE
    assert results["topical"].verdict == EvidenceVerdict.NOT_FOUND, results["topical"]
