"""Synthesis report parsing on fixtures written here: both layouts, truncation, spacing, CRLF, missing cells."""

from __future__ import annotations

from datetime import date

import pytest
import report_fixtures as rf
from hostile import BOUND_S, parse_seconds

from claimcheck.ingest.errors import IngestError
from claimcheck.ingest.parse import parse_bytes, parse_text


@pytest.mark.parametrize("layout", ["markdown", "plain"])
def test_both_layouts_give_the_same_report_fields(layout: str) -> None:
    parsed = parse_text(rf.synthesis_report(layout=layout), "r.txt")
    report = parsed.report
    assert report.layout == layout
    assert report.kind == "synthesis"
    assert report.title == "Contrastive Pretraining for Retrieval"
    assert report.date == date(2026, 6, 9)
    assert report.abstract == "This report synthesises findings from 14 peer-reviewed papers."
    assert report.examined_paper == rf.COCO_TITLE
    assert report.research_question == "Does it work?"
    assert report.methodology.papers_retrieved == 14
    assert report.methodology.claims_extracted == 10
    assert report.methodology.claims_verified == 2
    assert report.methodology.quality_score == 5.2
    assert [r.versioned_id for r in report.references] == ["2601.18190v1", "2210.15212v2"]
    assert [m.text for m in parsed.mentions] == [r[0] for r in rf.COCO_ROWS]
    assert [m.tick for m in parsed.mentions] == [False] * 5
    assert parsed.mentions[0].confidence == 0.10


def test_rows_keep_their_line_numbers_and_the_report_id() -> None:
    text = rf.synthesis_report()
    parsed = parse_text(text, "r.txt")
    lines = text.split("\n")
    for m in parsed.mentions:
        assert lines[m.line - 1].startswith(m.text)
        assert m.report == parsed.report.id
    assert parsed.report.id.startswith("report-") and len(parsed.report.id) == len("report-") + 8


def test_crlf_gives_the_same_report_and_id() -> None:
    text = rf.synthesis_report()
    lf = parse_text(text, "r.txt")
    crlf = parse_bytes(text.replace("\n", "\r\n").encode(), "r.txt")
    assert crlf.report == lf.report
    assert crlf.mentions == lf.mentions


def test_odd_spacing_is_tolerated() -> None:
    rows = [("  COCO-DR Large model achieves an nDCG@10 score of 0.771 on the TREC-COVID dataset.  ", " × ", " 0.09 ")]
    text = rf.synthesis_report(rows).replace("## 5 Extracted Claims", "##   5   Extracted   Claims  ")
    text = text.replace("Claim\tVerified\tConfidence\n", "Claim\tVerified\tConfidence\n\n")  # blank line in table
    parsed = parse_text(text, "r.txt")
    assert [m.text for m in parsed.mentions] == [rows[0][0].strip()]
    assert parsed.mentions[0].confidence == 0.09


def test_tabs_turned_into_spaces_still_parse() -> None:
    parsed = parse_text(rf.synthesis_report(rf.COCO_ROWS[:2], sep="    "), "r.txt")
    assert [m.text for m in parsed.mentions] == [r[0] for r in rf.COCO_ROWS[:2]]
    assert parsed.mentions[1].confidence == 0.09


def test_missing_confidence_is_none() -> None:
    rows = [
        ("OPTICAL only requires bitext data for distillation training.", "✓", ""),
        ("In OPTICAL, the optimal transportation plan serves as a soft token alignment.", "×"),
    ]
    parsed = parse_text(rf.synthesis_report(rows), "r.txt")
    assert [(m.tick, m.confidence) for m in parsed.mentions] == [(True, None), (False, None)]


def test_cut_text_is_kept_verbatim() -> None:
    parsed = parse_text(rf.synthesis_report(), "r.txt")
    cut = parsed.mentions[-1]
    assert cut.text.endswith("the advantages are more observed in")


def test_title_with_or_without_hash() -> None:
    md = parse_text(rf.synthesis_report(layout="markdown"), "r.txt").report
    plain = parse_text(rf.synthesis_report(layout="plain"), "r.txt").report
    assert md.title == plain.title


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"  \n\n \t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b"\xfa\xfb not utf-8", "UTF-8"),  # (\xff\xfe would be a UTF-16 byte-order mark)
        (b"\xff\xfe\x00\xd8 x", "not valid UTF-16"),  # a mark, then a lone surrogate
        (b"Just some notes\n\nwith no structure at all.\n", "unknown layout"),
    ],
)
def test_foreign_input_is_one_clear_error(content: bytes, problem: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_bytes(content, "bad.txt")
    message = str(err.value)
    assert message.startswith("bad.txt")
    assert problem in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # with its byte-order mark, as Windows editors save "Unicode"
        lambda t: t.encode("utf-16-le"),  # no mark
        lambda t: t.encode("utf-16-be"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-32"),
    ],
    ids=["utf-16", "utf-16-le", "utf-16-be", "utf-8-bom", "utf-32"],
)
def test_utf16_and_byte_order_marks_decode(encode) -> None:
    text = rf.synthesis_report()
    parsed = parse_bytes(encode(text.replace("\n", "\r\n")), "r.txt")
    assert parsed.report == parse_text(text, "r.txt").report
    assert [m.text for m in parsed.mentions] == [r[0] for r in rf.COCO_ROWS]


def test_missing_claims_table_names_the_line() -> None:
    text = rf.synthesis_report().replace("Claim\tVerified\tConfidence\n", "")
    with pytest.raises(IngestError, match=r"^r\.txt:\d+: .*header") as err:
        parse_text(text, "r.txt")
    assert err.value.line is not None


def test_broken_row_names_its_line() -> None:
    text = rf.synthesis_report()
    broken = text.replace("\t×\t0.09", "")  # a row with no cells
    line = broken.split("\n").index(rf.COCO_ROWS[1][0]) + 1
    with pytest.raises(IngestError) as err:
        parse_text(broken, "r.txt")
    assert err.value.line == line
    assert str(err.value).startswith(f"r.txt:{line}: claims table")


@pytest.mark.parametrize(("tick", "conf"), [("maybe", "0.1"), ("✓", "high"), ("✓", "1.5"), ("✓", "nan")])
def test_bad_cells_are_errors(tick: str, conf: str) -> None:
    rows = [("A claim about retrieval.", tick, conf)]
    with pytest.raises(IngestError, match="claims table"):
        parse_text(rf.synthesis_report(rows), "r.txt")


def test_empty_claims_table_is_an_error() -> None:
    with pytest.raises(IngestError, match="no rows"):
        parse_text(rf.synthesis_report([]), "r.txt")


def _report_with(line: str, replacing: str = "Claim\tVerified\tConfidence") -> str:
    """A 3 KB report whose `replacing` line is `line` (the header row, by default)."""
    return rf.synthesis_report().replace(replacing, line)


@pytest.mark.parametrize(
    "text",
    [
        _report_with("Claim" + " " * 3000),  # once cubic in the header pattern: past 30 s
        _report_with("Claim" + " " * 3000 + "x"),
        _report_with("Claim" + " " * 3000 + "Verified" + " " * 3000 + "x"),
        _report_with("claims" + " " * 200_000, "## 5 Extracted Claims"),  # once quadratic in the heading patterns
        _report_with("claims" + " " * 200_000 + "x", "## 5 Extracted Claims"),
        _report_with("## 1" + " " * 100_000 + "x", "## 1 Introduction"),
        _report_with("COCO-DR" + " " * 100_000 + "x  ✓", rf.COCO_ROWS[0][0] + "\t×\t0.10"),  # a spaced row
        _report_with("This paper examines:" + " " * 100_000 + "x", "This paper examines:"),
        _report_with("1" * 100_000 + " papers retrieved.", "14 papers retrieved."),
        _report_with("score of " + "1" * 100_000 + "/10", "score: 5.2/10"),
    ],
    ids=lambda t: f"{len(t)}-chars",
)
def test_hostile_lines_ingest_or_fail_in_well_under_a_second(text: str) -> None:
    assert parse_seconds(text) < BOUND_S


def test_tabs_or_two_spaces_separate_the_header_cells() -> None:
    for header in ("Claim  Verified  Confidence", "Claims\t Verified \tConfidence", "CLAIM\tVERIFIED\tCONFIDENCE"):
        assert parse_text(_report_with(header), "r.txt").rows == len(rf.COCO_ROWS)
    with pytest.raises(IngestError, match="header"):
        parse_text(_report_with("Claim Verified Confidence"), "r.txt")  # single spaces: words, not cells


def test_a_huge_count_is_not_a_figure() -> None:
    report = parse_text(_report_with("1" * 5000 + " papers retrieved.", "14 papers retrieved."), "r.txt").report
    assert report.methodology.papers_retrieved == 14  # from "yielded 14 papers", not the 5,000-digit run


def test_an_overlong_row_is_an_error_naming_its_line() -> None:
    text = _report_with("A claim " * 1000 + "\t✓\t0.5", rf.COCO_ROWS[0][0] + "\t×\t0.10")
    with pytest.raises(IngestError, match="row is 8006 characters") as err:
        parse_text(text, "r.txt")
    assert err.value.line == text.split("\n").index("A claim " * 1000 + "\t✓\t0.5") + 1
