"""The five real seeds from ../shared/seeds (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.parse import parse_files
from claimcheck.models import ClaimRegistry


@pytest.fixture
def seeds(seeds_dir: Path):
    return parse_files(sorted(seeds_dir.iterdir()))


@pytest.fixture
def registry(seeds) -> ClaimRegistry:
    return ingest_reports(ClaimRegistry(), seeds)[0]


def test_layouts_and_rows(seeds) -> None:
    assert [p.report.layout for p in seeds] == ["markdown", "plain", "plain", "plain", "arxiv-abstract"]
    assert sum(p.rows for p in seeds if p.report.kind == "synthesis") == 56
    coco = seeds[0].report
    assert coco.title.startswith("Continuous Contrastive Pretraining")
    assert coco.examined_paper.startswith("COCO-DR: Combating Distribution Shifts")
    assert (coco.methodology.papers_retrieved, coco.methodology.claims_extracted) == (14, 10)
    assert (coco.methodology.claims_verified, coco.methodology.quality_score) == (2, 5.2)
    assert "2210.15212v2" in [r.versioned_id for r in coco.references]


def test_arxiv_seed(seeds) -> None:
    page = seeds[4]
    r = page.report
    assert r.arxiv.versioned_id == "2509.25638v1"
    assert r.title == "Generalized Contrastive Learning for Universal Multimodal Retrieval"
    assert r.authors[0] == "Jungsoo Lee" and len(r.authors) == 7
    assert r.comments == "Accepted to NeurIPS 2025"
    texts = [m.text for m in page.mentions]
    assert any("show degraded performances" in t for t in texts)
    assert any("improves multimodal retrieval performance without the burdensome need" in t for t in texts)
    assert any("VISTA, CLIP, and TinyCLIP" in t and "M-BEIR, MMEB, and CoVR" in t for t in texts)
    assert not any(t.startswith("A common approach involves") for t in texts)


def test_duplicates_merge_and_numbers_stay_apart(seeds, registry: ClaimRegistry) -> None:
    _, summary = ingest_reports(ClaimRegistry(), seeds)
    table_claims = [c for c in registry.claims if any(m.tick is not None for m in c.mentions)]
    assert (summary.rows, summary.table_rows) == (56 + 4, 56)
    assert summary.distinct_from_tables == len(table_claims)
    assert len(table_claims) < 56 - 10  # the OPTICAL reports repeat most of their rows
    loss = [c for c in registry.claims if "Frobenius inner product" in c.text]
    assert len(loss) == 1 and len(loss[0].mentions) == 3
    coco = [c for c in registry.claims if c.quantity and c.quantity.subject and "COCO-DR" in c.quantity.subject]
    assert sorted(c.quantity.value for c in coco) == [0.353, 0.424, 0.429, 0.763, 0.771, 0.789]


def test_coco_dr_quantities(registry: ClaimRegistry) -> None:
    claim = registry.claim("coco-dr-base-ndcg10-bioasq-without-idro")
    assert claim.text == "COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.353 on the BioASQ dataset."
    q = claim.quantity
    assert (q.subject, q.condition, q.metric, q.value, q.decimals, q.dataset) == (
        "COCO-DR Base",
        "without iDRO",
        "nDCG@10",
        0.353,
        3,
        "BioASQ",
    )
    assert [s.versioned_id for s in claim.sources] == ["2210.15212v2"]
    assert claim.kind == "numeric"


def test_relative_change_claim(registry: ClaimRegistry) -> None:
    [claim] = [c for c in registry.claims if "13.7%" in c.text]
    assert claim.truncated and len(claim.mentions) == 2
    q = claim.quantity
    assert (q.kind, q.value, q.unit, q.metric) == ("relative-change", 13.7, "percent", "AP")
    assert (q.baseline, q.setting, q.subject) == ("neural machine translation", "low-resource languages", "OPTICAL")
    assert [s.versioned_id for s in claim.sources] == ["2301.12566v1"]


def test_every_numeric_claim_has_a_quantity(seeds) -> None:
    _, summary = ingest_reports(ClaimRegistry(), seeds)
    assert summary.numeric == 7 and summary.with_quantity == 7


def test_truncated_claims_are_marked(registry: ClaimRegistry) -> None:
    cut = [c for c in registry.claims if c.truncated]
    assert cut and all(len(c.text) >= 110 and not c.text.endswith(".") for c in cut)
    assert any(c.text.endswith("although the advantages are more observed in") for c in cut)


def test_reingest_is_a_fixed_point(seeds, registry: ClaimRegistry) -> None:
    again, summary = ingest_reports(registry, seeds)
    assert again == registry and summary.new == 0


def test_committed_claims_yaml_matches_the_seeds(seeds, registry: ClaimRegistry) -> None:
    """The same grouping of mentions into claims. Ids may differ: re-ingesting keeps a merged claim's old id."""
    from claimcheck.registry import load_registry

    committed = load_registry(Path(__file__).resolve().parents[2] / "claims.yaml")

    def groups(reg: ClaimRegistry) -> list[list[str]]:
        return sorted(sorted(m.model_dump_json() for m in c.mentions) for c in reg.claims if c.mentions)

    assert groups(committed) == groups(registry)


def test_table_rows_become_one_claim_per_statement(seeds, registry: ClaimRegistry) -> None:
    _, summary = ingest_reports(ClaimRegistry(), seeds)
    assert (summary.table_rows, summary.distinct_from_tables) == (56, 31)

    def claim_of(text: str):
        [claim] = [c for c in registry.claims if any(m.text == text for m in c.mentions)]
        return claim

    merged = [
        (
            "OPTICAL is a novel Optimal",
            "The paper presents OPTICAL, a novel",
            "OPTICAL is a novel Optimal Transport-based knowledge distillation framework designed",
        ),
        ("WikiCLIR is a large cross-lingual", "Sasaki et al. proposed a large cross-lingual"),
        ("OPTICAL only needs bitext", "OPTICAL only requires bitext"),
        ("OPTICAL significantly outperforms several", "In terms of mean average precision (MAP), the proposed method"),
        ("OPTICAL was evaluated on seven", "Experiments were performed on seven"),
    ]
    texts = [m.text for p in seeds for m in p.mentions]
    for starts in merged:
        found = [next(t for t in texts if t.startswith(start)) for start in starts]
        claims = {claim_of(t).id for t in found}
        assert len(claims) == 1, starts
        assert len(claim_of(found[0]).mentions) == 3  # one mention per report, each kept verbatim
    bitext = claim_of("OPTICAL only requires bitext data for distillation training.")
    assert [m.tick for m in bitext.mentions] == [True, False, False] and bitext.ticks_disagree
    assert bitext.text.startswith("OPTICAL only needs bitext data") and not bitext.truncated  # longest complete
    seven = claim_of("Experiments were performed on seven language pairs for CLIR training and evaluation.")
    assert seven.text.startswith("Experiments were performed") and seven.kind == "method"
    # the report's own distinct rows stay distinct claims
    apart = ["CAL significantly", "The proposed method achieved a 13.7%", "In terms of mean average precision"]
    assert len({claim_of(next(t for t in texts if t.startswith(a))).id for a in apart}) == 3
    four_three = ["The experimental dataset included four", "The experimental dataset included three"]
    assert len({claim_of(next(t for t in texts if t.startswith(a))).id for a in four_three}) == 2
