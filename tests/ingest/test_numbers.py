"""Number expressions: what binds to a number, and what is not a number at all."""

from __future__ import annotations

import pytest

from claimcheck.ingest.numbers import Unreadable, number_expressions


def _read(text: str) -> list[tuple]:
    return [(v.value, v.unit, v.low, v.high, v.deviation, v.pair) for v in number_expressions(text)]


RANGE = (0.435, None, 0.42, 0.45, None, False)  # value (midpoint), unit, low, high, deviation, pair


def test_what_binds_to_a_number() -> None:
    assert _read("0.42-0.45 and 46.1% to 48.4%") == [RANGE, (47.25, "%", 46.1, 48.4, None, False)]
    assert _read("from 46.1% to 48.4%") == [(48.4, "%", 46.1, 48.4, None, True)]
    assert _read("ranges from 0.42 to 0.45") == [RANGE]
    assert _read("0.789 (± 0.004)") == [(0.789, None, None, None, 0.004, False)]
    assert [(v.value, v.unit) for v in number_expressions("-2.3 points, a 2.3-point gain")] == [
        (-2.3, "points"),
        (2.3, "points"),
    ]
    # a second number without the first one's unit is no range
    assert [v.text for v in number_expressions("by 2.3 points to 48.4")] == ["2.3 points", "48.4"]


@pytest.mark.parametrize("text", ["nDCG@10", "Flickr30k", "v1.5", "top-10", "score 5.2/10", "BM25", "arXiv 2301x"])
def test_parts_of_names_are_not_numbers(text: str) -> None:
    assert [v.text for v in number_expressions(text) if v.measurement] == []


def test_too_many_digits_is_unreadable_not_an_overflow() -> None:
    with pytest.raises(Unreadable, match="more digits"):
        number_expressions("9" * 400)
    assert [v.measurement for v in number_expressions("18 datasets from 2019-2020")] == [False, False]
