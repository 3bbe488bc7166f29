"""What sort of statement a claim is: a number, an effect, a description of the method, or background."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from claimcheck.models import Quantity

ClaimKind = Literal["numeric", "effect", "method", "background"]

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
    names = [re.escape(n) for n in method_names if n]
    if _SELF.search(text) or (names and re.search(rf"(?<![\w-])(?:{'|'.join(names)})(?![\w-])", text)):
        return "method"
    return "background"
