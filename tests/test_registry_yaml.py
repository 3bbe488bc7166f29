"""The registry's YAML writer reads back, through yaml.safe_load, as exactly the data written."""

from __future__ import annotations

import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcheck.registry_yaml import dump_yaml

# YAML's own punctuation, so that strings like "Title:: x" or "a #b" turn up, not only random unicode
yaml_punctuation = st.text(alphabet=":# -'\"\\a1.\t\n{}[],&*!|>%@`?~\x85", max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | yaml_punctuation
data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.text(max_size=8), data, max_size=5))
def test_round_trip(value: dict) -> None:
    assert yaml.safe_load(dump_yaml(value)) == (value or None)


def test_tricky_strings_are_quoted_and_plain_ones_are_not() -> None:
    value = {
        "s": ["yes", "null", "2026-06-09", "0.5", "a: b", "x #y", "- z", "\x85", "COCO-DR Base", "(e.g. CLIP)", "T:: x"]
    }
    text = dump_yaml(value)
    assert yaml.safe_load(text) == value
    assert "- COCO-DR Base\n" in text and "- (e.g. CLIP)\n" in text
    assert '- "yes"' in text and '- "2026-06-09"' in text


def test_special_floats() -> None:
    text = dump_yaml({"a": [1e-05, math.inf, -math.inf, 0.789]})
    assert yaml.safe_load(text) == {"a": [1e-05, math.inf, -math.inf, 0.789]}
