"""Names of benchmarks and datasets, and whether a text mentions one.

`benchmarks.yaml` documents the known ones (release year, modality, languages, task, the suites holding them).
`NameIndex(text)` answers "does this text name X?" for any name, known or not, the way a reader would: case,
spaces and punctuation do not matter ("MS MARCO" = "MSMARCO" = "ms-marco"), but a hyphenated word stays whole,
so "COCO-DR" does not name COCO and "M-BEIR" does not name BEIR.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import Field

from claimcheck.models import Record

_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")
MAX_GRAM = 4  # names run to four words ("TREC Deep Learning track")


class Benchmark(Record):
    name: str
    aliases: list[str] = Field(default_factory=list)
    year: int = Field(description="first public release (preprint or shared task)")
    modality: Literal["text", "image", "video"]
    languages: Literal["en", "multi"]
    task: str | None = None
    part_of: list[str] = Field(default_factory=list, description="suites that contain it")

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(name_key(n) for n in (self.name, *self.aliases))


def name_key(name: str) -> str:
    """ "TREC-COVID" → "treccovid", "Touché-2020" → "touche2020": what two spellings of one name share."""
    plain = unicodedata.normalize("NFKD", name)
    return re.sub(r"[^a-z0-9]+", "", "".join(c for c in plain if not unicodedata.combining(c)).lower())


_FUNCTION_WORDS = frozenset("a an and the of for to in on with by via from".split())  # noqa: SIM905


class NameIndex:
    """Every run of up to MAX_GRAM words of a text, each joined into one key; and the initials of its content
    words, for acronyms the text spells out ("distributionally robust optimization" for DRO)."""

    def __init__(self, text: str) -> None:
        plain = _POSSESSIVE.sub("", name_key_text(text))
        words = [name_key(w) for w in _WORD.findall(plain)]
        self.keys = {"".join(words[i : i + n]) for n in range(1, MAX_GRAM + 1) for i in range(len(words) - n + 1)}
        parts = [w for w in re.findall(r"[a-z0-9]+", plain) if w not in _FUNCTION_WORDS]
        self.initials = "".join(w[0] for w in parts)

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def spells_out(self, acronym: str) -> bool:
        """Whether consecutive content words start with the acronym's letters. Only worth asking of a short text
        (a title, an abstract): in a whole paper any three or four letters occur by chance."""
        return len(acronym) >= 3 and acronym.isalpha() and acronym.lower() in self.initials


def name_key_text(text: str) -> str:
    """Lower case without accents, with apostrophes unified: the text `NameIndex` splits into words."""
    plain = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def known_benchmarks() -> tuple[Benchmark, ...]:
    text = resources.files("claimcheck.sources").joinpath("benchmarks.yaml").read_text(encoding="utf-8")
    return tuple(Benchmark.model_validate(entry) for entry in yaml.safe_load(text) or [])


def named_benchmarks(index: NameIndex) -> list[Benchmark]:
    """The known benchmarks a text names (by any of their spellings)."""
    return [b for b in known_benchmarks() if any(k in index for k in b.keys)]


def suite_of(benchmark: Benchmark, index: NameIndex) -> str | None:
    """The suite holding `benchmark` that the text names, if any ("BEIR" for TREC-COVID)."""
    return next((s for s in benchmark.part_of if name_key(s) in index), None)
