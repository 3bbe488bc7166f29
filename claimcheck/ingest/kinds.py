"""What sort of statement a claim is: a number, an effect, a description of the method, or background."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from claimcheck.models import Quantity

ClaimKind = Literal["numeric", "effect", "method", "background"]
KIND_ORDER: tuple[ClaimKind, ...] = ("numeric", "effect", "method", "background")  # most specific first

_EFFECT = re.compile(
    r"\b(?:outperform\w*|improv\w*|better|worse|degrad\w*|surpass\w*|beats?|gains?|boost\w*|underperform\w*)\b", re.I
)
_SELF = re.compile(r"\b(?:the (?:proposed|presented) (?:method|approach|model|framework)|this paper proposes)\b", re.I)


def claim_kind(text: str, quantity: Quantity | None, method_names: Iterable[str] = ()) -> ClaimKind:
    """numeric: states a quantity; effect: says something improves or beats something; method: says how the
    examined paper's method works (names it); background: anything else (datasets, prior work)."""
    if quantity is not None:
        return "numeric"
    if _EFFECT.search(text):
        return "effect"
    names = _names_pattern(tuple(sorted(set(method_names))))
    if _SELF.search(text) or (names is not None and names.search(text)):
        return "method"
    return "background"


@lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    escaped = [re.escape(n) for n in names if n]
    return re.compile(rf"(?<![\w-])(?:{'|'.join(escaped)})(?![\w-])") if escaped else None
