"""Translation baseline for OPTICAL: a word-based statistical translator learned from the same bitext budget.

Translate-then-retrieve needs a foreign → English MT system trained on the same bitext the distillation sees.
No pretrained NMT model is available offline, and an NMT model trained from scratch on 500–3,000 sentence pairs
produces little usable output (Koehn & Knowles 2017, "Six challenges for NMT": below roughly 10^5 words of
bitext, phrase/word-based SMT beats NMT). The strongest translator that can be learned from this budget in
seconds on a CPU is therefore lexical: IBM Model 1 (Brown et al. 1993) estimated by EM, translating each foreign
word to its most probable English word. It stands in for the paper's NMT pipeline; it is weaker than a real NMT
system trained on large bitext, which is a deviation the README states.

At full scale translate-then-retrieve uses a pretrained neural MT model instead (`nmt.NeuralTranslator`);
`translator_for` picks by config. Each translator says what it is (`kind`), so the run can state whether its
MT baseline is of the kind a claim names.

The other baselines need no translator: `teacher_foreign` is the teacher encoding untranslated foreign
queries, `bm25_foreign` is BM25 over the untranslated query's words (what shared names, numbers and cognates
alone retrieve), and `sentence_distill` is `distill.train_student(objective="sentence")`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from replications.optical.nmt import NMTConfig

# Combining marks (U+0300–U+036F, U+1DC0–U+1DFF) are not \w: Yoruba tone marks written as combining characters
# after a dotted vowel (ọ̀ = ọ + U+0300) would otherwise split a word in two.
_MARKS = "\u0300-\u036f\u1dc0-\u1dff"
_WORD = re.compile(rf"[\w{_MARKS}]+(?:['’][\w{_MARKS}]+)*|[^\w\s{_MARKS}]", re.UNICODE)
NULL = "<null>"


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks (Unicode-aware: keeps Yoruba tone marks inside words)."""
    return _WORD.findall(unicodedata.normalize("NFC", text.lower()))


@dataclass
class IBM1Translator:
    """t(e | f) for foreign words f and English words e, from IBM Model 1 EM on line-aligned bitext."""

    best: dict[str, str] = field(default_factory=dict)  # f → argmax_e t(e | f)
    table: dict[tuple[str, str], float] = field(default_factory=dict)  # (f, e) → t(e | f), kept for inspection
    pairs: int = 0  # bitext pairs it was learned from
    kind = "word-statistical"

    @classmethod
    def fit(cls, foreign: Sequence[str], english: Sequence[str], iterations: int = 10) -> IBM1Translator:
        """EM for p(E | F) = Π_j Σ_i t(e_j | f_i) / (|F| + 1), f_0 = NULL; vectorised over all co-occurrences.

        Each English position j of sentence s is a group; its candidates are the foreign words of s plus NULL.
        E-step: posterior of each (j, i) link = t(e_j|f_i) / Σ_i' t(e_j|f_i'); M-step: t(e|f) ∝ Σ posteriors.
        """
        if len(foreign) != len(english):
            raise ValueError("foreign and english must be line-aligned")
        f_vocab: dict[str, int] = {NULL: 0}
        e_vocab: dict[str, int] = {}
        link_f: list[np.ndarray] = []
        link_e: list[np.ndarray] = []
        link_group: list[np.ndarray] = []
        group = 0
        for f_text, e_text in zip(foreign, english, strict=True):
            fs = [0] + [f_vocab.setdefault(w, len(f_vocab)) for w in words(f_text)]
            es = [e_vocab.setdefault(w, len(e_vocab)) for w in words(e_text)]
            if not es:
                continue
            f_arr = np.asarray(fs)
            for e in es:
                link_f.append(f_arr)
                link_e.append(np.full(len(fs), e))
                link_group.append(np.full(len(fs), group))
                group += 1
        if not link_f:
            return cls(pairs=len(foreign))
        lf, le, lg = np.concatenate(link_f), np.concatenate(link_e), np.concatenate(link_group)
        # One parameter per distinct (f, e) co-occurrence; links point into it.
        pair_key = lf.astype(np.int64) * len(e_vocab) + le
        pairs, link_pair = np.unique(pair_key, return_inverse=True)
        pair_f = pairs // len(e_vocab)
        t = np.ones(len(pairs))  # uniform start (normalisation per f is implied by the first M-step)
        for _ in range(iterations):
            vals = t[link_pair]
            post = vals / np.bincount(lg, weights=vals)[lg]
            counts = np.bincount(link_pair, weights=post, minlength=len(pairs))
            t = counts / np.bincount(pair_f, weights=counts, minlength=len(f_vocab))[pair_f]
        f_words = list(f_vocab)
        e_words = list(e_vocab)
        pair_e = pairs % len(e_vocab)
        best: dict[str, str] = {}
        order = np.lexsort((-t, pair_f))  # by f, then by probability descending
        seen: set[int] = set()
        for k in order:
            f = int(pair_f[k])
            if f not in seen:
                seen.add(f)
                best[f_words[f]] = e_words[int(pair_e[k])]
        table = {(f_words[int(f)], e_words[int(e)]): float(p) for f, e, p in zip(pair_f, pair_e, t, strict=True)}
        best.pop(NULL, None)
        return cls(best=best, table=table, pairs=len(foreign))

    def translate(self, text: str) -> str:
        """Word by word: each foreign word → its most probable English word; unseen words (names, numbers)
        are copied, as an MT system does with untranslatable tokens."""
        return " ".join(self.best.get(w, w) for w in words(text))

    def translate_all(self, texts: Sequence[str]) -> list[str]:
        return [self.translate(t) for t in texts]

    @property
    def name(self) -> str:
        return f"IBM Model 1 word translator learned from {self.pairs} bitext pairs"


def translator_for(cfg: NMTConfig, language: str, foreign: Sequence[str], english: Sequence[str], device: str) -> Any:
    """The MT of translate-then-retrieve for one task: IBM-1 from the task's bitext, or a hub NMT model."""
    if cfg.kind == "ibm1":
        return IBM1Translator.fit(foreign, english, iterations=cfg.ibm1_iterations)
    from replications.optical.nmt import load_translator

    return load_translator(cfg, language, device)
