"""The cross-lingual retrieval tasks OPTICAL is evaluated on: training bitext plus held-out retrieval data.

- `mafand_task`: MAFAND-MT news bitext (English–Swahili/Yoruba/Hausa/Zulu). The student trains on the first
  `budget` training pairs; evaluation uses the held-out *test* split: each of the first `n_test` foreign test
  sentences is a query, every English test sentence is a candidate, and the relevant one is its own translation
  (MAP = MRR here).
  The first `n_dev` pairs of the *dev* split are the held-out set the validity checks read (held-out loss, and
  the same sentence retrieval on dev), so that no check looks at the test queries.
- `xquad_task`: XQuAD-R (de, es, tr, vi → en). No bitext for these languages is available offline, so the
  training bitext is the parallel questions (English ↔ the language) of the first half of the 48 articles;
  evaluation is XQuAD-R's own task (question in the language → English answer sentence among all English
  candidate sentences, real QA relevance) restricted to the questions of the other, unseen articles. Used as a
  probe of the start model's cross-lingual retrieval (the `start-is-multilingual` check).
- `clir_task`: a CLIR test collection in BEIR's format (queries in the language, English corpus, qrels) in
  place of a MAFAND task's sentence retrieval; training and held-out bitext stay MAFAND's. For the paper's own
  collections, which could not be confirmed here (see README).
- `cipher_task` (smoke): a synthetic "foreign language" made by a fixed word cipher of English sentences.
Nothing of a task's evaluation side (queries, candidates, relevance) is in its training bitext, and nothing of
its dev side is in either.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from claimcheck.home import data_dirs


@dataclass
class Retrieval:
    """Foreign queries against English candidates."""

    queries: dict[str, str]
    corpus: dict[str, dict]
    qrels: dict[str, dict[str, int]]


@dataclass
class Task:
    dataset: str  # measurement dataset name, e.g. "mafand/swa@1000"
    language: str
    train_en: list[str]
    train_fx: list[str]
    queries: dict[str, str]  # foreign queries
    corpus: dict[str, dict]  # English candidates
    qrels: dict[str, dict[str, int]]
    files: list[Path] = field(default_factory=list)
    dev_en: list[str] = field(default_factory=list)  # held-out bitext: checks only, never trained on
    dev_fx: list[str] = field(default_factory=list)

    @property
    def test(self) -> Retrieval:
        return Retrieval(self.queries, self.corpus, self.qrels)

    @property
    def dev(self) -> Retrieval | None:
        """Each held-out foreign sentence retrieves its own translation among the held-out English ones."""
        return translation_retrieval(self.dev_en, self.dev_fx) if self.dev_en else None


def translation_retrieval(english: list[str], foreign: list[str], ids: list[int] | None = None) -> Retrieval:
    ids = ids if ids is not None else list(range(len(english)))
    return Retrieval(
        queries={f"q{i}": f for i, f in zip(ids, foreign, strict=True)},
        corpus={f"d{i}": {"title": "", "text": e} for i, e in zip(ids, english, strict=True)},
        qrels={f"q{i}": {f"d{i}": 1} for i in ids},
    )


class TaskDataMissing(FileNotFoundError):
    pass


def find_data(relative: str, explicit: str | Path | None = None) -> Path:
    """First data directory holding `relative` (explicit dir, CLAIMCHECK_DATA, home/data)."""
    for base in data_dirs(explicit):
        if (base / relative).exists():
            return base / relative
    looked = ", ".join(str(b / relative) for b in data_dirs(explicit))
    raise TaskDataMissing(f"{relative} not found (looked in: {looked})")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _bitext(d: Path, split: str, lang: str) -> tuple[list[Path], list[str], list[str], list[int]]:
    """(files, English lines, foreign lines, indices of the pairs with both sides non-empty)."""
    files = [d / f"{split}.en", d / f"{split}.{lang}"]
    en, fx = (_lines(f) for f in files)
    if len(en) != len(fx):
        raise ValueError(f"{d}: {split}.en has {len(en)} lines, {split}.{lang} {len(fx)}")
    return files, en, fx, [i for i in range(len(en)) if en[i].strip() and fx[i].strip()]


def mafand_task(
    root: Path,
    lang: str,
    budget: int | None,
    n_test: int | None,
    n_dev: int | None = 0,
    fits: Callable[[str, str], bool] | None = None,
    n_candidates: int | None = None,
) -> Task:
    """Bitext budget `budget` (None: all training pairs); the first `n_test` test sentences (None: all) as queries
    against the English sides of the first `n_candidates` test pairs (None: all); the first `n_dev` dev pairs
    (None: all, 0: none) as its held-out set. With `fits(english, foreign)`, the budget is filled with the first
    training pairs that fit (see experiment)."""
    d = root / f"en-{lang}"
    train_files, train_en, train_fx, keep = _bitext(d, "train", lang)
    test_files, test_en, test_fx, test = _bitext(d, "test", lang)
    test = test[: max(n_candidates, n_test or 0)] if n_candidates else test
    keep = [i for i in keep if fits(train_en[i], train_fx[i])] if fits else keep
    keep = keep[:budget] if budget else keep
    dev_files, dev_en, dev_fx, dev = _bitext(d, "dev", lang) if n_dev != 0 else ([], [], [], [])
    dev = dev[:n_dev]
    retrieval = translation_retrieval([test_en[i] for i in test], [test_fx[i] for i in test], test)
    asked = list(retrieval.queries)[:n_test]  # candidates beyond the queries' own translations are distractors
    return Task(
        dataset=f"mafand/{lang}@{budget if budget else 'all'}",
        language=lang,
        train_en=[train_en[i] for i in keep],
        train_fx=[train_fx[i] for i in keep],
        queries={q: retrieval.queries[q] for q in asked},
        corpus=retrieval.corpus,
        qrels={q: retrieval.qrels[q] for q in asked},
        files=train_files + test_files + dev_files,
        dev_en=[dev_en[i] for i in dev],
        dev_fx=[dev_fx[i] for i in dev],
    )


def clir_task(bitext: Task, root: Path, split: str = "test") -> Task:
    """`bitext`'s training and held-out pairs, evaluated on the BEIR-format CLIR collection at `root`."""
    from claimcheck.retrieval.data import load_beir

    collection = load_beir(root, split)
    budget = bitext.dataset.rsplit("@", 1)[-1]
    return replace(
        bitext,
        dataset=f"clir/{root.name}/{bitext.language}@{budget}",
        queries=collection.queries,
        corpus=collection.corpus,
        qrels=collection.qrels,
        files=[*bitext.files, *collection.files],
    )


def _article_of_question(path: Path) -> dict[str, int]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {qa["id"]: a for a, article in enumerate(data) for p in article["paragraphs"] for qa in p["qas"]}


def xquad_task(
    root: Path, lang: str, train_articles: int = 24, budget: int | None = None, n_test: int | None = None
) -> Task:
    """Questions of articles < `train_articles` are the bitext (the first `budget` of them); the first `n_test`
    questions of the other articles are the retrieval queries, against every English candidate sentence."""
    from claimcheck.retrieval.data import load_xquad_r

    cross = load_xquad_r(root, lang, "en")
    english = load_xquad_r(root, "en", "en").queries  # same ids: the English originals of the questions
    article = _article_of_question(root / "en.json")
    train_ids = sorted(q for q in cross.queries if article[q] < train_articles and q in english)
    train_ids = train_ids[:budget] if budget else train_ids
    test_ids = [q for q in cross.queries if article[q] >= train_articles][:n_test]
    return Task(
        dataset=f"xquad_r/{lang}-en",
        language=lang,
        train_en=[english[q] for q in train_ids],
        train_fx=[cross.queries[q] for q in train_ids],
        queries={q: cross.queries[q] for q in test_ids},
        corpus=cross.corpus,
        qrels={q: cross.qrels[q] for q in test_ids},
        files=[root / f"{lang}.json", root / "en.json"],
    )


_CIPHER_WORDS = [
    "the",
    "cat",
    "dog",
    "sat",
    "on",
    "a",
    "mat",
    "ran",
    "to",
    "house",
    "red",
    "blue",
    "green",
    "big",
    "small",
    "river",
    "city",
    "king",
    "queen",
    "ate",
    "fish",
    "bread",
    "water",
    "went",
    "from",
    "school",
    "teacher",
    "student",
    "book",
    "read",
    "wrote",
    "letter",
    "sun",
    "moon",
    "star",
    "night",
    "day",
]


def _cipher(word: str) -> str:
    # A fixed, invertible word substitution: reversed letters with a suffix ("cat" → "tacu").
    return word[::-1] + "u"


def cipher_task(n_train: int, n_test: int, seed: int = 0, n_dev: int = 0) -> Task:
    """Random English word sequences and their word-by-word cipher: a language whose alignment is learnable."""
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choice(_CIPHER_WORDS) for _ in range(rng.randint(4, 8)))

    en = [sentence() for _ in range(n_train + n_test)]
    fx = [" ".join(_cipher(w) for w in s.split()) for s in en]
    test = list(range(n_train, n_train + n_test))
    retrieval = translation_retrieval([en[i] for i in test], [fx[i] for i in test], test)
    dev_en = [sentence() for _ in range(n_dev)]
    return Task(
        dataset=f"cipher@{n_train}",
        language="cipher",
        train_en=en[:n_train],
        train_fx=fx[:n_train],
        queries=retrieval.queries,
        corpus=retrieval.corpus,
        qrels=retrieval.qrels,
        dev_en=dev_en,
        dev_fx=[" ".join(_cipher(w) for w in s.split()) for s in dev_en],
    )
