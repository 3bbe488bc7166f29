"""The HTML report: a results page (summary, claims by paper, evidence addresses, collapsible commands), one
self-contained file, and no sideways scrolling at 1280 px as headless Chromium lays it out."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from render_fixtures import every_verdict_export

from claimcheck.models import ClaimResult, Verdict
from claimcheck.render.html import plot_svg, to_html

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_plot_has_band_claimed_line_and_measurement() -> None:
    value = ClaimResult(claim_id="a", verdict=Verdict.REFUTED, claimed=0.5, measured=0.6, interval=(0.58, 0.62),
                        tolerance=0.05)  # fmt: skip
    root = ET.fromstring(plot_svg(value))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "tolerance band" in titles and "claimed 0.5" in titles and "measured 0.6" in titles
    band = next(r for r in root.iter(f"{SVG}rect"))
    point = next(root.iter(f"{SVG}circle"))
    # The measurement (0.6) lies right of the band (0.45–0.55).
    assert float(point.get("cx")) > float(band.get("x")) + float(band.get("width"))
    effect = ClaimResult(claim_id="b", verdict=Verdict.DIRECTION_REPRODUCED, measured=0.03, effect=0.03,
                         interval=(0.01, 0.05), details={"direction": "greater"})  # fmt: skip
    titles = [t.text for t in ET.fromstring(plot_svg(effect)).iter(f"{SVG}title")]
    assert "claimed side" in titles
    assert plot_svg(ClaimResult(claim_id="c", verdict=Verdict.NOT_RUN)) == ""


def test_a_range_claim_is_plotted_as_its_two_ends_inside_the_band_the_verdict_used() -> None:
    # the claim 0.42–0.45 ± 0.006: its band is [0.414, 0.456], not the midpoint ± the tolerance
    r = ClaimResult(claim_id="r", verdict=Verdict.VERIFIED, claimed=0.435, measured=0.448, interval=(0.446, 0.45),
                    tolerance=0.006, details={"claimed_region": [0.42, 0.45], "band": [0.414, 0.456]})  # fmt: skip
    root = ET.fromstring(plot_svg(r))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "claimed 0.42" in titles and "claimed 0.45" in titles and "claimed 0.435" not in titles
    band = next(root.iter(f"{SVG}rect"))
    ends = [float(line.get("x1")) for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    left, width = float(band.get("x")), float(band.get("width"))
    assert all(left < x < left + width for x in ends)  # both ends inside the band, which the midpoint ± 0.006 is not


def test_a_results_page_summary_first_then_claims_by_paper() -> None:
    registry, export = every_verdict_export()
    page = to_html(export, registry)
    assert "<script" not in page and not re.search(r"(src|href)=['\"]?https?:", page)  # self-contained
    summary, _, body = page.partition("<section")
    assert all(f"{n} {v}</span>" in summary for v, n in export.counts.items() if n)  # counts per verdict
    assert summary.count("<tr><td><a href='#paper-") == 4  # counts per paper, linking to its section
    assert page.count("<section id='paper-") == 4 and page.count("<article class='claim'>") == len(export.claims)
    assert "p. 6, Table 2, row Zero-shot / TREC-COVID, column COCO-DR Base / −iDRO" in body  # evidence address
    assert body.count("<details><summary>command</summary>") == len(export.claims)
    text = export.claims[0].text.replace("'", "&#x27;")
    assert f"<p class='text'>{text}</p>" in body  # the claim text in full, beside its verdict


def scroll_width(html: str, folder: Path) -> int:
    """document.documentElement.scrollWidth of the page in headless Chromium at 1280×900."""
    probe = folder / "probe.html"
    script = "<script>document.body.dataset.scrollWidth = document.documentElement.scrollWidth</script>"
    probe.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={folder / 'profile'}", "--window-size=1280,900", "--dump-dom",
               probe.as_uri()]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    return int(re.search(r'data-scroll-width="(\d+)"', dom).group(1))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian: apt-get install chromium)")
def test_no_horizontal_scrolling_at_1280_px(tmp_path: Path) -> None:
    registry, export = every_verdict_export()
    long_token = "x" * 300  # an unbreakable word: an id, a path or a command longer than any column
    claims = [e.model_copy(update={"id": e.id + long_token}) if i == 0 else e for i, e in enumerate(export.claims)]
    claims[1] = claims[1].model_copy(update={"result": claims[1].result.model_copy(
        update={"reason": long_token, "command": "claimcheck verify " + long_token})})  # fmt: skip
    page = to_html(export.model_copy(update={"claims": claims}), registry)
    assert scroll_width(page, tmp_path) <= 1280
    control = page.replace("</body>", f"<pre style='white-space:pre'>{long_token * 2}</pre></body>")
    assert scroll_width(control, tmp_path) > 1280  # the probe does see a page that scrolls sideways
