from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from claimcheck.home import evidence_dir, read_model
from claimcheck.models import Claim, EvidenceResult, EvidenceVerdict, SourceRef
from claimcheck.sources.cache import pdf_path
from claimcheck.sources.evidence import SUPPORT_COSINE, check_claims, complete_truncated

from .conftest import PAPER_REF, numeric_claim


def text_claim(cid: str, text: str, truncated: bool = False, sources: list[SourceRef] | None = None) -> Claim:
    return Claim(id=cid, text=text, truncated=truncated, sources=sources or [PAPER_REF])


def by_id(results: list[EvidenceResult]) -> dict[str, EvidenceResult]:
    return {r.claim_id: r for r in results}


def test_table_claims_supported_and_contradicted_with_the_holding_cell(cached_paper) -> None:
    claims = [
        numeric_claim("right", "COCO-DR Base", 0.789, "TREC-COVID"),
        numeric_claim("right-ablation", "COCO-DR Base", 0.424, "BioASQ", condition="iDRO"),
        numeric_claim("neighbour", "COCO-DR Base", 0.763, "TREC-COVID", condition="iDRO"),
        numeric_claim("absent", "COCO-DR Base", 0.5, "SciFact"),
    ]
    results, missing = check_claims(claims)
    got = by_id(results)
    assert not missing
    assert got["right"].verdict == EvidenceVerdict.SUPPORTED
    assert got["right"].evidence[0].page == 2
    assert "COCO-DR Base / Full" in got["right"].evidence[0].text
    assert got["right-ablation"].verdict == EvidenceVerdict.SUPPORTED
    contra = got["neighbour"]
    assert contra.verdict == EvidenceVerdict.CONTRADICTED
    assert "neighbouring column" in contra.note and "column COCO-DR Base / -COCO = 0.763" in contra.note
    assert [e.text for e in contra.evidence[:2]] == [
        "p. 2, Table 2, row TREC-COVID, column COCO-DR Base / -iDRO: 0.771",
        "p. 2, Table 2, row TREC-COVID, column COCO-DR Base / -COCO: 0.763",
    ]
    # The shared record: the deciding cell's address, and the other conditions of the same model and dataset.
    assert contra.cell.address == "p. 2, Table 2, row TREC-COVID, column COCO-DR Base / -iDRO"
    assert {n.column for n in contra.neighbours} == {"COCO-DR Base / Full", "COCO-DR Base / -COCO"}
    assert got["absent"].verdict == EvidenceVerdict.NOT_FOUND
    assert got["right"].source == "2210.15212v2"
    # Every result is on disk for `claimcheck verify` to show beside the replication verdict.
    for claim in claims:
        assert read_model(evidence_dir() / f"{claim.id}.json", EvidenceResult) == got[claim.id]


def test_value_stated_only_in_the_text_supports(cached_paper) -> None:
    results, _ = check_claims([numeric_claim("avg", "COCO-DR Base", 0.462, "BEIR")], write=False)
    assert results[0].verdict == EvidenceVerdict.SUPPORTED
    assert results[0].evidence[0].page == 2 and "0.462" in results[0].evidence[0].text


def test_sentence_evidence_is_a_similarity_judgement_and_never_contradicts(cached_paper) -> None:
    claims = [
        text_claim("copy", "The implicit robust optimization does not require group labels."),
        text_claim("negated", "The implicit robust optimization requires group labels."),
        text_claim("unrelated", "Quantum annealing solves travelling salesman instances in linear time."),
    ]
    got = by_id(check_claims(claims, write=False)[0])
    assert got["copy"].verdict == EvidenceVerdict.SUPPORTED
    assert got["copy"].evidence[0].page == 3
    assert "similarity judgement" in got["copy"].note
    assert got["negated"].verdict == EvidenceVerdict.NOT_FOUND
    assert "negation" in got["negated"].note
    assert got["unrelated"].verdict == EvidenceVerdict.NOT_FOUND
    assert all(r.verdict != EvidenceVerdict.CONTRADICTED for r in got.values())


class FakeEmbedder:
    """Cosines chosen by the test: passages containing `near` get `high`, the rest 0.1."""

    reason = None
    available = True

    def __init__(self, near: str, high: float) -> None:
        self.near, self.high = near, high

    def cosine(self, query: str, passages: Sequence[str]) -> np.ndarray:
        return np.array([self.high if self.near in p else 0.1 for p in passages])


def test_cosine_decides_between_the_coverage_thresholds(cached_paper) -> None:
    # 5 of 6 words ("needs no" for "does not require"): below the 85% word rule, above the 75% the cosine needs.
    claim = text_claim("para", "The implicit robust optimization needs no group labels.")
    assert check_claims([claim], write=False)[0][0].verdict == EvidenceVerdict.NOT_FOUND
    above = check_claims([claim], FakeEmbedder("group labels", SUPPORT_COSINE + 0.05), write=False)[0][0]
    assert above.verdict == EvidenceVerdict.SUPPORTED
    assert "cosine 0.85" in above.note and above.evidence[0].page == 3
    below = check_claims([claim], FakeEmbedder("group labels", SUPPORT_COSINE - 0.1), write=False)[0][0]
    assert below.verdict == EvidenceVerdict.NOT_FOUND
    # A high cosine with few shared words is never support on its own.
    loose = text_claim("loose", "Training on in-domain text first narrows the gap in wording between domains.")
    high = check_claims([loose], FakeEmbedder("vocabulary mismatch", 0.95), write=False)[0][0]
    assert high.verdict == EvidenceVerdict.NOT_FOUND


def test_truncated_claim_completed_when_unambiguous(cached_paper) -> None:
    cut = (
        "COCO-DR introduces two training techniques: continuous contrastive pretraining on the target corpora "
        "(COCO) and impl"
    )
    result = check_claims([text_claim("cut", cut, truncated=True)], write=False)[0][0]
    assert result.completed_text is not None
    assert result.completed_text.endswith("implicit distributionally robust optimization (iDRO) during fine-tuning.")
    assert result.verdict == EvidenceVerdict.SUPPORTED
    assert "completed from the source" in result.note


def test_registry_completed_text_is_what_gets_judged(cached_paper) -> None:
    claim = text_claim("kept", "The implicit robust optimization does not", truncated=True)
    claim.completed_text = "The implicit robust optimization does not require group labels."
    result = check_claims([claim], write=False)[0][0]
    assert result.verdict == EvidenceVerdict.SUPPORTED and "registry's completed text" in result.note


def test_truncated_claim_left_alone_when_ambiguous() -> None:
    texts = [(None, "Continuous contrastive pretraining on the target corpora (COCO) helps."),
             (3, "Continuous contrastive pretraining on the target corpora reduces mismatch.")]  # fmt: skip
    completed, how = complete_truncated("continuous contrastive pretraining on the target corpora", texts)
    assert completed is None and "2 different completions" in how
    completed, how = complete_truncated("nothing like this occurs anywhere in it", texts)
    assert completed is None and "does not occur" in how


def test_missing_source_and_broken_pdf_never_stop_other_claims(cached_paper) -> None:
    broken = SourceRef(arxiv_id="2301.12566", version=1)
    path = pdf_path(broken.arxiv_id, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.5\n%%EOF garbage")
    absent = SourceRef(arxiv_id="2509.25638", version=1)
    claims = [
        text_claim("broken", "OPTICAL only needs bitext data.", sources=[broken]),
        text_claim("absent", "GCL improves retrieval.", sources=[absent]),
        numeric_claim("fine", "COCO-DR Base", 0.789, "TREC-COVID"),
        Claim(id="no-source", text="Something without a source."),
    ]
    results, missing = check_claims(claims)
    got = by_id(results)
    assert got["fine"].verdict == EvidenceVerdict.SUPPORTED
    assert got["broken"].verdict == EvidenceVerdict.NOT_FOUND and "PDF unreadable" in got["broken"].note
    assert got["absent"].verdict == EvidenceVerdict.NOT_FOUND
    assert "2509.25638v1" in got["absent"].note and "sources fetch" in got["absent"].note
    assert got["no-source"].note == "claim names no source"
    assert set(missing) == {"2301.12566v1", "2509.25638v1"}


def test_cited_version_missing_uses_the_cached_one_and_says_so(cached_paper) -> None:
    claim = numeric_claim("v1", "COCO-DR Base", 0.789, "TREC-COVID")
    claim.sources = [SourceRef(arxiv_id="2210.15212", version=1)]
    result = check_claims([claim], write=False)[0][0]
    assert result.verdict == EvidenceVerdict.SUPPORTED
    assert "cited v1, using cached v2" in result.note


def test_number_in_text_needs_the_dataset_or_the_percent_sign() -> None:
    from claimcheck.models import EvidencePassage, Quantity
    from claimcheck.sources.evidence import number_in_text

    passages = [
        EvidencePassage(page=4, text="OPTICAL improves MAP by 13.7% over NMT on low-resource languages."),
        EvidencePassage(page=5, text="On TREC-COVID the base model reaches 78.9 nDCG@10."),
    ]
    relative = Quantity(kind="relative-change", subject="OPTICAL", metric="AP", value=13.7, unit="percent", decimals=1)
    assert number_in_text(relative, passages).page == 4
    assert number_in_text(relative.model_copy(update={"value": 13.8}), passages) is None
    absolute = Quantity(subject="Base", metric="nDCG@10", value=0.789, decimals=3, dataset="TREC-COVID")
    assert number_in_text(absolute, passages).page == 5  # 78.9 is 0.789 in percent
    assert number_in_text(absolute.model_copy(update={"dataset": "BioASQ"}), passages) is None
