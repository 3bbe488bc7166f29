"""An abstract page saved as text becomes its paper's cached metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
import report_fixtures as rf

from claimcheck.models import SourceRef
from claimcheck.sources.abstract_page import PageError, add_abstract_page
from claimcheck.sources.cache import load_metadata


@pytest.mark.parametrize("rendering", sorted(rf.ARXIV_RENDERINGS))
def test_every_rendering_gives_the_same_metadata(tmp_path: Path, rendering: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_RENDERINGS[rendering])
    path, added = add_abstract_page(SourceRef(arxiv_id="2210.15212"), page)
    meta = load_metadata("2210.15212")
    assert added and path.is_file() and meta is not None
    assert (meta.title, meta.abstract, meta.source) == (rf.COCO_TITLE, rf.COCO_ABSTRACT, "abstract-page")
    assert meta.authors[:1] in (["Yue Yu"], ["Yue Yu (Georgia Institute of Technology)"])
    if rendering != "no-id":  # the page without an id or dates keeps the id it is added as, version 1
        assert (meta.version, meta.versions, str(meta.published.date())) == (2, [1, 2], "2022-10-27")


def test_a_page_of_another_paper_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(rf.ARXIV_PAGE)
    with pytest.raises(PageError, match=r"the page is arXiv:2509\.25638, not 2210\.15212"):
        add_abstract_page(SourceRef(arxiv_id="2210.15212"), page)
