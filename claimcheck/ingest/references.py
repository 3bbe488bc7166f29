"""arXiv identifiers in text (new-style ids, version kept when given)."""

from __future__ import annotations

import re

from claimcheck.models import SourceRef

# An id with its version; ARXIV_ID also refuses digits or a dot before it (it is then part of a longer number).
ID_PATTERN = r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d{1,3}))?(?!\d)"
ARXIV_ID = re.compile(r"(?<![\d.])" + ID_PATTERN)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/" + ARXIV_ID.pattern, re.I)


def arxiv_refs(text: str) -> list[SourceRef]:
    """Every arXiv URL in the text, in order, without repeats."""
    refs: list[SourceRef] = []
    seen: set[tuple[str, int | None]] = set()
    for match in _ARXIV_URL.finditer(text):
        key = (match["id"], int(match["version"]) if match["version"] else None)
        if key not in seen:
            seen.add(key)
            refs.append(SourceRef(arxiv_id=key[0], version=key[1]))
    return refs
