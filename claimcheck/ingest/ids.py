"""Stable, readable ids: the same text always gives the same id, and a registry never holds two equal ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from claimcheck.models import Quantity

# Words that carry no identity in a slug.
_STOPWORDS_TEXT = """
    a an the and or of in on for to from with by as at is are was were be been being that this these those it its
    their there which who whom whose than then also only more most very such into over under between across about
    can could may might will would should has have had do does did not no via based using used including named
    especially although because while where when what how per each both all any several new"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_id(normalised_text: str) -> str:
    """A report is named by its content, so the same file (any line ends) always gets the same id."""
    return f"report-{sha256_hex(normalised_text)[:8]}"


def slugify(text: str) -> str:
    text = text.lower().replace("@", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _short_hash(text: str) -> str:
    return sha256_hex(" ".join(text.lower().split()))[:6]


def quantity_slug(q: Quantity) -> str:
    """`coco-dr-base-ndcg10-trec-covid-without-idro`: what was measured, not the number claimed."""
    parts = [q.subject, q.metric, q.dataset, q.condition]
    if q.kind == "relative-change":
        parts = [q.subject, q.metric, "vs", _initials(q.baseline), q.setting]
    return slugify(" ".join(p for p in parts if p))


def _initials(phrase: str | None) -> str | None:
    """ "neural machine translation" → "nmt": long baselines would make unreadably long ids."""
    words = re.findall(r"[A-Za-z0-9]+", phrase or "")
    return "".join(w[0] for w in words) if len(words) >= 3 else phrase


def text_slug(text: str, words: int = 4, max_chars: int = 30) -> str:
    """Key words of the text (at most `words`, about `max_chars`) plus a short content hash: readable and distinct."""
    tokens = [slugify(t) for t in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", text) if t.lower() not in STOPWORDS]
    kept: list[str] = []
    for token in filter(None, tokens):
        if len(kept) == words or (kept and len("-".join([*kept, token])) > max_chars):
            break
        kept.append(token)
    return "-".join([*kept, _short_hash(text)])


# Ids are at most models.ID_MAX_LENGTH (128) characters; a longer slug is cut at a word and keeps a hash of the
# whole, leaving room for the suffixes `unique_ids` appends on a clash.
SLUG_MAX = 100


def _bounded(slug: str) -> str:
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{slug[: SLUG_MAX - 7].rsplit('-', 1)[0]}-{_short_hash(slug)}"


def claim_id(text: str, quantity: Quantity | None) -> str:
    slug = quantity_slug(quantity) if quantity else ""
    return _bounded(slug or text_slug(text))


def unique_ids(wanted: Iterable[tuple[str, str]], taken: set[str]) -> list[str]:
    """Give each (base id, text) a unique id; a clash gets the text's hash appended (then a counter)."""
    out: list[str] = []
    used = set(taken)
    for base, text in wanted:
        candidate = base
        if candidate in used:
            candidate = f"{base}-{_short_hash(text)}"
        n = 2
        while candidate in used:
            candidate = f"{base}-{_short_hash(text)}-{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out
