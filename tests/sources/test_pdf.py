from __future__ import annotations

from pathlib import Path

import pytest

from claimcheck.sources.pdf import PdfError, check_pdf, load_pdf, parse_number, read_pdf
from claimcheck.sources.synthetic import SyntheticTable, example_table, write_pdf


def _cell(parsed, row: str, *cols: str):
    hits = [c for c in parsed.cells() if row in c.row_headers and c.col_headers == list(cols)]
    assert len(hits) == 1, [c.label() for c in parsed.cells()]
    return hits[0]


def test_table_cells_carry_two_level_column_headers_and_row_headers(paper_pdf: Path) -> None:
    parsed = read_pdf(paper_pdf)
    assert len(parsed.tables) == 1
    table = parsed.tables[0]
    assert table.page == 2
    assert table.caption.startswith("Table 2: nDCG@10")
    # The spanning "COCO-DR Base" header covers Full, -iDRO and -COCO; "COCO-DR Large" covers the last two.
    assert _cell(parsed, "TREC-COVID", "COCO-DR Base", "Full").value == 0.789
    assert _cell(parsed, "TREC-COVID", "COCO-DR Base", "-iDRO").value == 0.771
    assert _cell(parsed, "TREC-COVID", "COCO-DR Base", "-COCO").value == 0.763
    assert _cell(parsed, "TREC-COVID", "COCO-DR Large", "Full").value == 0.804
    assert _cell(parsed, "BioASQ", "COCO-DR Large", "-iDRO").value == 0.441
    cell = _cell(parsed, "BioASQ", "COCO-DR Base", "-COCO")
    assert (cell.value, cell.decimals, cell.page) == (0.353, 3, 2)
    # Ten data cells: the corner label "Dataset" is not a row header and header rows are not data.
    assert len(parsed.cells()) == 10
    assert all(c.row_headers in (["TREC-COVID"], ["BioASQ"]) for c in parsed.cells())


def test_text_by_page_and_sentence_excludes_table_cells(paper_pdf: Path) -> None:
    parsed = read_pdf(paper_pdf)
    assert parsed.pages_total == parsed.pages_read == 3
    by_text = {s.text: s.page for s in parsed.sentences}
    assert by_text["Removing iDRO lowers accuracy on both datasets."] == 2
    assert by_text["The implicit robust optimization does not require group labels."] == 3
    assert not any(s.text.startswith("0.789") for s in parsed.sentences)


def test_group_rows_label_the_rows_under_them(tmp_path: Path) -> None:
    table = SyntheticTable(
        caption="Table 1: MAP.",
        header=[["Method", "en-sw", "en-so"]],
        rows=[["Baselines", "", ""], ["NMT", "0.20", "0.18"], ["Ours", "", ""], ["OPTICAL", "0.25", "0.22"]],
        col_widths=[90, 62, 62],
    )
    parsed = read_pdf(write_pdf(tmp_path / "t.pdf", [[table]]))
    cells = {(tuple(c.row_headers), tuple(c.col_headers)): c.value for c in parsed.cells()}
    assert cells[(("Baselines", "NMT"), ("en-so",))] == 0.18
    assert cells[(("Ours", "OPTICAL"), ("en-sw",))] == 0.25


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.789", (0.789, 3, False)),
        ("78.9%", (78.9, 1, True)),
        ("**.462**", (0.462, 3, False)),
        ("45.1*", (45.1, 1, False)),
        ("−0.5", (-0.5, 1, False)),
        ("78.9 ± 0.2", (78.9, 1, False)),
        ("0.789 (+2.1)", (0.789, 3, False)),
        ("0.771 0.763", None),
        ("BM25", None),
        ("", None),
    ],
)
def test_parse_number(text: str, expected: tuple | None) -> None:
    assert parse_number(text) == expected


def test_booktabs_table_found_and_spanning_header_spread_along_its_rule(tmp_path: Path) -> None:
    """No vertical rules; "COCO-DR Base" sits centred over its cmidrule."""
    path = write_pdf(tmp_path / "b.pdf", [["Results follow in the table.", example_table("booktabs")]])
    parsed = read_pdf(path)
    assert len(parsed.tables) == 1
    labelled = {(c.row_headers[0], *c.col_headers): c.value for c in parsed.cells() if c.value is not None}
    assert labelled[("TREC-COVID", "COCO-DR Base", "Full")] == 0.789
    assert labelled[("BioASQ", "COCO-DR Large", "-iDRO")] == 0.441
    # Whatever the finder merges, no cell carries a header that is not above it.
    for _row, top, *_rest in labelled:
        assert top in ("COCO-DR Base", "COCO-DR Large")


def test_malformed_pdf_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not really a pdf\n")
    with pytest.raises(PdfError, match=r"not a readable PDF|no pages"):
        read_pdf(bad)
    with pytest.raises(PdfError, match="no %PDF header"):
        check_pdf(b"<html></html>", "page.html")


def test_encrypted_pdf_is_a_clear_error(tmp_path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    path = tmp_path / "locked.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    with pytest.raises(PdfError, match="encrypted"):
        read_pdf(path)


def test_work_is_bounded_by_pages_and_time(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "long.pdf", [f"Page {i} says something." for i in range(6)])
    parsed = read_pdf(path, max_pages=2)
    assert parsed.pages_read == 2 and parsed.truncated
    assert "first 2 of 6 pages" in parsed.notes[0]
    timed = read_pdf(path, time_budget_s=0.0)
    assert timed.truncated and timed.pages_read < 6
    assert "stopped after" in timed.notes[0]


def test_parse_is_cached_beside_the_pdf_and_redone_when_the_file_changes(tmp_path: Path, paper_pdf: Path) -> None:
    path = tmp_path / "p.pdf"
    path.write_bytes(paper_pdf.read_bytes())
    first = load_pdf(path)
    cache = path.with_suffix(".parsed.json")
    assert cache.is_file()
    assert load_pdf(path) == first
    write_pdf(path, ["A different paper entirely."])
    assert load_pdf(path).sentences[0].text == "A different paper entirely."
