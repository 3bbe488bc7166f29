"""COCO's documents as spans, and its masking: the rules of the official `COCO/helper/create_train_co_short.py`
(pre-processing) and `COCO/data.py` (collator).

Pre-processing (once, into the span shards): a document is split into sentences; one with fewer than 2 sentences
is dropped. Sentences are tokenised without special tokens and packed greedily into spans: a span is closed before
a sentence that would take it past `span_tokens` (30) tokens, *or at random with probability `early_break` (0.1)*
before any sentence; a sentence longer than the limit is not cut (it becomes a span of its own). A document with
fewer than 2 spans, or whose first span has at most 2 tokens, is dropped.

Collation (every step): a span longer than the model's window is cut to `max_tokens` at a random offset; 15% of
each span's tokens are chosen by *whole-word* masking (a word is a token and its `##` continuations; words are
taken in random order while they fit the budget `max(1, round(0.15 n))`), then 80% of the chosen become [MASK],
10% a random token, 10% stay.

The sentence splitter is a regular expression (end punctuation followed by white space), where the official code
uses NLTK's Punkt model; see the README for why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def pack_spans(sentences: Sequence[Sequence[int]], span_tokens: int, early_break: float, rng: Any) -> list[list[int]]:
    """Token-id spans from tokenised sentences by the official packing rule (no sentence is cut)."""
    spans: list[list[int]] = []
    current: list[int] = []
    for ids in sentences:
        if not ids:
            continue
        if len(ids) + len(current) > span_tokens or rng.random() <= early_break:
            if current:
                spans.append(current)
            current = []
        current.extend(ids)
    if current:
        spans.append(current)
    return spans


def document_spans(
    sentences: Sequence[Sequence[int]], span_tokens: int, early_break: float, rng: Any
) -> list[list[int]] | None:
    """The document's spans, or None when the official filter drops it (≤ 1 sentence, < 2 spans, short first)."""
    if len(sentences) <= 1:
        return None
    spans = pack_spans(sentences, span_tokens, early_break, rng)
    if len(spans) < 2 or len(spans[0]) <= 2:
        return None
    return spans


def chunk_spanner(tokenizer: Any, span_tokens: int, early_break: float, seed: int):
    """`spans_of_chunk(texts, shard)` for `shards.write_span_shards`: one tokenizer call per chunk of documents.

    The early-break draws come from one generator per shard, seeded, so a shard's spans do not depend on how many
    ranks wrote the shards."""
    import random

    rngs: dict[int, random.Random] = {}

    def spans_of_chunk(texts: list[str], shard: int) -> list[list[list[int]] | None]:
        rng = rngs.setdefault(shard, random.Random(f"coco-spans-{seed}-{shard}"))
        sentences = [split_sentences(t) for t in texts]
        flat = [s for doc in sentences for s in doc]
        ids = tokenizer(flat, add_special_tokens=False)["input_ids"] if flat else []
        out, at = [], 0
        for doc in sentences:
            out.append(document_spans(ids[at : at + len(doc)], span_tokens, early_break, rng))
            at += len(doc)
        return out

    return spans_of_chunk


# --------------------------------------------------------------------------------------------------- collation


def truncate(span: np.ndarray, max_tokens: int, rng: np.random.Generator) -> np.ndarray:
    """The official `_truncate`: a span longer than `max_tokens` loses a random number of tokens on the left and
    the rest on the right."""
    extra = len(span) - max_tokens
    if extra <= 0:
        return span
    left = int(rng.integers(0, extra + 1))
    return span[left : left + max_tokens]


def continuation_table(tokenizer: Any) -> np.ndarray:
    """Per vocabulary id whether the token continues a word (WordPiece `##`), for whole-word masking."""
    table = np.zeros(len(tokenizer), dtype=bool)
    for token, i in tokenizer.get_vocab().items():
        if token.startswith("##") and i < len(table):
            table[i] = True
    return table


def whole_word_selection(span: np.ndarray, continues: np.ndarray, probability: float, rng: np.random.Generator):
    """Boolean mask of the span's tokens chosen for prediction by the official whole-word rule."""
    words: list[list[int]] = []
    for i, token in enumerate(span.tolist()):
        if words and continues[token]:
            words[-1].append(i)
        else:
            words.append([i])
    order = rng.permutation(len(words))
    budget = max(1, round(len(span) * probability))
    chosen = np.zeros(len(span), dtype=bool)
    taken = 0
    for w in order:
        if taken >= budget:
            break
        if taken + len(words[w]) > budget:
            continue
        chosen[words[w]] = True
        taken += len(words[w])
    return chosen


def token_selection(span: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Plain BERT selection: each token independently with `probability`."""
    return rng.random(len(span)) < probability


def mask_row(
    span: np.ndarray, chosen: np.ndarray, mask_id: int, vocab_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(input ids, labels) of a span: 80% of the chosen tokens become [MASK], 10% a random id, 10% stay; labels are
    the original ids at the chosen tokens and -100 elsewhere."""
    ids = span.astype(np.int64).copy()
    labels = np.where(chosen, ids, -100)
    roll = rng.random(len(span))
    ids[chosen & (roll < 0.8)] = mask_id
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    ids[swap] = rng.integers(0, vocab_size, int(swap.sum()))
    return ids, labels
