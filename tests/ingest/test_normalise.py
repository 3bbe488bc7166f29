"""Typographic variants: one spelling before parsing, the report's own characters in its mentions."""

from __future__ import annotations

import re
from pathlib import Path

import report_fixtures as rf

from claimcheck.ingest.build import ingest_reports
from claimcheck.ingest.normalise import inline, normalise, verbatim
from claimcheck.ingest.parse import parse_files, parse_text
from claimcheck.models import ClaimRegistry

NBSP, NB_HYPHEN, EN_DASH, ZWSP = "\u00a0", "\u2011", "\u2013", "\u200b"


def typographic(text: str) -> str:
    """What an LLM-written copy of a report looks like: non-breaking hyphens inside words, en dashes between
    spaced words, curly quotes, a non-breaking space after each sentence-ending colon and number, zero-width
    spaces after some words, the minus sign."""
    text = re.sub(r"(?<=\w)-(?=\w)", NB_HYPHEN, text)
    text = text.replace(" - ", f" {EN_DASH} ")
    text = re.sub(r"'(\w[^'\n]*)'", "\u2018\\1\u2019", text)
    text = re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)
    text = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", text)
    text = re.sub(r"(?<=\d) (?=[a-z])", NBSP, text)
    text = text.replace("question: ", f"question:{NBSP}")
    return re.sub(r"\b(COCO|OPTICAL|WikiCLIR)\b", f"\\1{ZWSP}", text)


def test_normalise_maps_each_variant_and_keeps_lines() -> None:
    raw = f"COCO{NB_HYPHEN}DR\u2019s 0.42{EN_DASH}0.45\n\u201cok\u201d{NBSP}x{ZWSP}y \u2212 1 \ufb01ne\r"
    assert normalise(raw) == 'COCO-DR\'s 0.42-0.45\n"ok" xy - 1 fine\r'
    assert normalise(raw).count("\n") == raw.count("\n")
    assert inline(f"  a{NBSP}{NBSP}b\t c ") == "a b c"


def test_verbatim_gives_back_the_reports_own_characters() -> None:
    raw = f"x\tCOCO{NB_HYPHEN}DR Base{NBSP}model achieves 0.789 on TREC{NB_HYPHEN}COVID.\t\u2713"
    assert verbatim(raw, "COCO-DR Base model achieves 0.789 on TREC-COVID.") == (
        f"COCO{NB_HYPHEN}DR Base{NBSP}model achieves 0.789 on TREC{NB_HYPHEN}COVID."
    )
    assert verbatim("plain ascii", "plain") == "plain"
    assert verbatim(f"caf\u00e9{ZWSP} e\u0301t\u00e9", "été") == "e\u0301t\u00e9"  # combining marks stay whole
    assert verbatim("unrelated", "missing text") == "missing text"


def _claims_view(registry: ClaimRegistry) -> list[dict]:
    """The claims without what names the report: its id in each mention and the mention's verbatim text."""
    return [c.model_dump(exclude={"mentions": {"__all__": {"report", "text"}}}) for c in registry.claims]


def test_unicode_variant_of_every_seed_ingests_to_the_same_claims(seeds_dir: Path, tmp_path: Path) -> None:
    for seed in sorted(seeds_dir.glob("00[0-3]_*.txt")):
        variant = tmp_path / f"variant-{seed.name}"
        variant.write_text(typographic(seed.read_text(encoding="utf-8")), encoding="utf-8")
        assert variant.read_bytes() != seed.read_bytes()
        plain = ingest_reports(ClaimRegistry(), parse_files([seed]))[0]
        fancy = ingest_reports(ClaimRegistry(), parse_files([variant]))[0]
        assert _claims_view(fancy) == _claims_view(plain), seed.name
        # mentions keep the variant's own characters
        assert any(NB_HYPHEN in m.text for c in fancy.claims for m in c.mentions), seed.name
        both = ingest_reports(ClaimRegistry(), parse_files([seed, variant]))[0]
        assert [c.id for c in both.claims] == [c.id for c in plain.claims], seed.name
        assert all(len(c.mentions) == 2 for c in both.claims), seed.name


def test_curly_quotes_and_dashes_in_rows_give_the_plain_rows_claims() -> None:
    rows = [
        ("COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.763 on the TREC-COVID dataset.", "×", "0.1"),
        ('The "implicit" DRO in COCO-DR doesn\'t need group labels - it clusters queries.', "✓", "0.2"),
        ("COCO-DR's 'continuous' pretraining scores between 0.42-0.45 nDCG@10 on BioASQ.", "✓", "0.3"),
    ]
    plain = parse_text(rf.synthesis_report(rows), "plain.txt")
    fancy = parse_text(typographic(rf.synthesis_report(rows)), "fancy.txt")
    assert [m.text for m in fancy.mentions] != [m.text for m in plain.mentions]
    assert [inline(m.text) for m in fancy.mentions] == [m.text for m in plain.mentions]
    assert fancy.report.examined_paper == plain.report.examined_paper
    reg_plain = ingest_reports(ClaimRegistry(), [plain])[0]
    reg_fancy = ingest_reports(ClaimRegistry(), [fancy])[0]
    assert _claims_view(reg_fancy) == _claims_view(reg_plain)
    q = reg_fancy.claims[0].quantity
    assert (q.subject, q.condition, q.dataset) == ("COCO-DR Base", "without iDRO", "TREC-COVID")
