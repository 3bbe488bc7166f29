"""The cross-lingual retrieval tasks OPTICAL is evaluated on: training bitext plus held-out retrieval data.

- `mafand_task`: MAFAND-MT news bitext (English–Swahili/Yoruba/Hausa/Zulu). The student trains on the first
  `budget` training pairs; evaluation uses the held-out *test* split: each foreign test sentence is a query, the
  English test sentences are the candidates, and the relevant one is its own translation (MAP = MRR here).
- `xquad_task`: XQuAD-R (de, es, tr, vi → en). No bitext for these languages is available offline, so the
  training bitext is the parallel questions (English ↔ the language) of the first half of the 48 articles;
  evaluation is XQuAD-R's own task (question in the language → English answer sentence among all English
  candidate sentences, real QA relevance) restricted to the questions of the other, unseen articles.
- `cipher_task` (smoke): a synthetic "foreign language" made by a fixed word cipher of English sentences.
Nothing of a task's evaluation side (queries, candidates, relevance) is in its training bitext.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from claimcheck.home import data_dirs


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


def mafand_task(root: Path, lang: str, budget: int | None, n_test: int | None) -> Task:
    """Bitext budget `budget` (None: all training pairs); the first `n_test` test pairs (None: all) as the task."""
    d = root / f"en-{lang}"
    files = [d / f"{split}.{side}" for split in ("train", "test") for side in ("en", lang)]
    train_en, train_fx, test_en, test_fx = (_lines(f) for f in files)
    if len(train_en) != len(train_fx) or len(test_en) != len(test_fx):
        raise ValueError(f"{d}: bitext sides differ in length")
    keep = [i for i in range(len(train_en)) if train_en[i].strip() and train_fx[i].strip()]
    keep = keep[:budget] if budget else keep
    test = [i for i in range(len(test_en)) if test_en[i].strip() and test_fx[i].strip()][:n_test]
    return Task(
        dataset=f"mafand/{lang}@{budget if budget else 'all'}",
        language=lang,
        train_en=[train_en[i] for i in keep],
        train_fx=[train_fx[i] for i in keep],
        queries={f"q{i}": test_fx[i] for i in test},
        corpus={f"d{i}": {"title": "", "text": test_en[i]} for i in test},
        qrels={f"q{i}": {f"d{i}": 1} for i in test},
        files=files,
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


def cipher_task(n_train: int, n_test: int, seed: int = 0) -> Task:
    """Random English word sequences and their word-by-word cipher: a language whose alignment is learnable."""
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choice(_CIPHER_WORDS) for _ in range(rng.randint(4, 8)))

    en = [sentence() for _ in range(n_train + n_test)]
    fx = [" ".join(_cipher(w) for w in s.split()) for s in en]
    test = range(n_train, n_train + n_test)
    return Task(
        dataset=f"cipher@{n_train}",
        language="cipher",
        train_en=en[:n_train],
        train_fx=fx[:n_train],
        queries={f"q{i}": fx[i] for i in test},
        corpus={f"d{i}": {"title": "", "text": en[i]} for i in test},
        qrels={f"q{i}": {f"d{i}": 1} for i in test},
    )
