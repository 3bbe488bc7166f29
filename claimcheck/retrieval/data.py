"""Retrieval datasets in one shape (BEIR's): corpus, queries, graded qrels.

Loaders for BEIR folders (plain or `.gz`), the classic SMART collections (Cranfield, CISI) and XQuAD-R
(any query language × candidate language), plus `load_dataset(name)`, which finds a dataset by name in the
data directories (`claimcheck.home.data_dirs`) and, only when `CLAIMCHECK_NETWORK=1`, downloads the official
release (`claimcheck.retrieval.catalogue`).

A composite dataset (BEIR's CQADupStack: twelve StackExchange forums) is one `Dataset` whose `parts` are the
forums, with ids prefixed by forum (`android/1234`) so they stay unique in the union. Its parts are searched
separately and its figure is the mean of the forums' means, as BEIR reports it (`claimcheck.retrieval.evaluation`).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from claimcheck.home import atomic_write_text, atomic_writer, data_dirs, sha256_file, subdir


class DatasetMissing(FileNotFoundError):
    """A dataset is not in any data directory (and could not be downloaded)."""


@dataclass
class Dataset:
    """A retrieval test collection. `files` lists what was read, for provenance fingerprints."""

    name: str
    corpus: dict[str, dict]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    files: list[Path] = field(default_factory=list)
    parts: list[Dataset] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Every document has both fields as strings: BEIR corpora omit "title" in places, and encoders join them.
        for doc in self.corpus.values():
            doc["title"] = doc.get("title") or ""
            doc["text"] = doc.get("text") or ""

    def files_by_part(self) -> Iterator[tuple[str, Path]]:
        """(part name, file) for every file read; a dataset without parts is its own one part."""
        for part in self.parts or [self]:
            for path in part.files:
                yield part.name, path

    def summary(self) -> str:
        judged = sum(len(v) for v in self.qrels.values())
        parts = f" in {len(self.parts)} parts" if self.parts else ""
        return f"{self.name}: {len(self.corpus)} docs, {len(self.queries)} queries, {judged} judgments{parts}"


def composite(name: str, parts: list[Dataset]) -> Dataset:
    """One dataset over `parts`, each part's ids prefixed with its last name component (`cqadupstack/android` →
    `android/<id>`) so they stay unique. Documents are shared, not copied."""

    def tagged(part: Dataset) -> Dataset:
        tag = part.name.rsplit("/", 1)[-1] + "/"
        return Dataset(
            part.name,
            {tag + d: doc for d, doc in part.corpus.items()},
            {tag + q: text for q, text in part.queries.items()},
            {tag + q: {tag + d: r for d, r in docs.items()} for q, docs in part.qrels.items()},
            files=list(part.files),
        )

    return union(name, [tagged(p) for p in parts])


def union(name: str, parts: list[Dataset]) -> Dataset:
    """The composite of parts whose ids are already unique across them (the parts of another composite)."""
    for kind in ("corpus", "queries"):
        ids = [i for p in parts for i in getattr(p, kind)]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: parts {[p.name for p in parts]} share {kind} ids; give each part its own name")
    return Dataset(
        name,
        {d: doc for p in parts for d, doc in p.corpus.items()},
        {q: text for p in parts for q, text in p.queries.items()},
        {q: docs for p in parts for q, docs in p.qrels.items()},
        files=[f for p in parts for f in p.files],
        parts=list(parts),
    )


# --------------------------------------------------------------------------------------------------- BEIR


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _existing(path: Path) -> Path | None:
    """`path` or `path.gz`, whichever exists."""
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _plain_copy(path: Path) -> Path:
    """A decompressed copy of a `.gz` file in the cache (keyed by its digest), so beir's loader can read it."""
    if path.suffix != ".gz":
        return path
    target = subdir("cache") / "gunzip" / sha256_file(path)[:16] / path.stem
    if not target.is_file():  # torchrun ranks may decompress the same file at once: each writes its own temp file
        with gzip.open(path, "rb") as src, atomic_writer(target) as dst:
            shutil.copyfileobj(src, dst)
    return target


def beir_files(path: str | Path, split: str = "test") -> dict[str, Path] | None:
    """The corpus, queries and qrels files of a BEIR folder (each possibly `.gz`), or None if incomplete."""
    path = Path(path)
    files = {
        "corpus": _existing(path / "corpus.jsonl"),
        "queries": _existing(path / "queries.jsonl"),
        "qrels": _existing(path / "qrels" / f"{split}.tsv"),
    }
    if any(f is None for f in files.values()):
        return None
    return files  # type: ignore[return-value]


def load_beir(path: str | Path, split: str = "test", name: str | None = None) -> Dataset:
    """Load a BEIR folder with beir's `GenericDataLoader` (gzipped files are decompressed to the cache first).

    As in BEIR, only queries with judgments in the split are kept.
    """
    import logging

    os.environ.setdefault("TQDM_DISABLE", "1")  # beir draws a tqdm bar per corpus; claimcheck shows its own
    from beir.datasets.data_loader import GenericDataLoader

    path = Path(path)
    files = beir_files(path, split)
    if files is None:
        raise DatasetMissing(f"{path} is not a BEIR folder with corpus.jsonl, queries.jsonl and qrels/{split}.tsv")
    plain = {key: str(_plain_copy(f)) for key, f in files.items()}
    _require_qrels_header(files["qrels"], Path(plain["qrels"]))
    logging.getLogger("beir").setLevel(logging.WARNING)
    loader = GenericDataLoader(corpus_file=plain["corpus"], query_file=plain["queries"], qrels_file=plain["qrels"])
    try:
        corpus, queries, qrels = loader.load_custom()
    except KeyError as exc:  # beir keeps the queries the qrels name, and looks each up
        raise ValueError(
            f"{files['qrels']}: judges query {exc.args[0]!r}, which {files['queries']} does not hold "
            '(ids are compared as written: a numeric "_id" is not the string the qrels hold)'
        ) from None
    # ids are strings in BEIR's format; a numeric "_id" would otherwise never match the qrels' string ids
    corpus = {str(d): doc for d, doc in corpus.items()}
    queries = {str(q): text for q, text in queries.items()}
    return Dataset(name or path.name, corpus, queries, qrels, files=list(files.values()))


def _require_qrels_header(shown: Path, plain: Path) -> None:
    """beir's loader skips the first qrels line as a header: a file without one would lose a judgment silently."""
    with open(plain, encoding="utf-8") as fh:
        first = fh.readline().rstrip("\n").split("\t")
    if len(first) >= 3 and first[-1].strip().lstrip("-").isdigit():
        raise ValueError(
            f"{shown}:1: the first line is a judgment ({chr(9).join(first)!r}), not the header "
            "'query-id<TAB>corpus-id<TAB>score' that BEIR's format starts with; add the header"
        )


def write_beir(ds: Dataset, out_dir: str | Path, split: str = "test") -> Path:
    """Write `ds` as a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)."""
    out = Path(out_dir)
    corpus = "".join(
        json.dumps({"_id": did, "title": d.get("title", ""), "text": d.get("text", "")}, ensure_ascii=False) + "\n"
        for did, d in ds.corpus.items()
    )
    queries = "".join(json.dumps({"_id": qid, "text": q}, ensure_ascii=False) + "\n" for qid, q in ds.queries.items())
    rows = ["query-id\tcorpus-id\tscore"]
    rows += [f"{qid}\t{did}\t{rel}" for qid, docs in ds.qrels.items() for did, rel in docs.items()]
    atomic_write_text(out / "corpus.jsonl", corpus)
    atomic_write_text(out / "queries.jsonl", queries)
    atomic_write_text(out / "qrels" / f"{split}.tsv", "\n".join(rows) + "\n")
    return out


# --------------------------------------------------------------------------------------------------- SMART

_FIELD = re.compile(r"^\.([A-Z])(?:\s+(\S+))?\s*$")


def parse_smart(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Records of a SMART file: (`.I` number, {field letter: text}). Unknown fields are kept, joined by spaces."""
    number: str | None = None
    fields: dict[str, list[str]] = {}
    current: str | None = None
    with _open_text(path) as fh:
        for line in fh:
            match = _FIELD.match(line.rstrip("\n"))
            if match and match.group(1) == "I":
                if number is not None:
                    yield number, _joined(fields)
                number, fields, current = match.group(2), {}, None
            elif match and match.group(2) is None:
                current = match.group(1)
                fields.setdefault(current, [])
            elif current is not None:
                fields[current].append(line.strip())
    if number is not None:
        yield number, _joined(fields)


def _joined(fields: dict[str, list[str]]) -> dict[str, str]:
    return {k: " ".join(x for x in v if x) for k, v in fields.items()}


def _qrels_rows(path: Path) -> Iterator[list[str]]:
    with _open_text(path) as fh:
        for line in fh:
            parts = line.split()
            if parts:
                yield parts


def _only_judged(queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> dict[str, str]:
    """BEIR's convention: evaluate only queries with at least one judgment."""
    return {qid: text for qid, text in queries.items() if qid in qrels}


# Cleverdon's codes: 1 = complete answer … 4 = minimum interest; -1 = judged not relevant. trec_eval wants
# larger = more relevant, so grade = 5 - code (1→4, 2→3, 3→2, 4→1) and -1 → 0 (judged, non-relevant).
CRANFIELD_GRADES = {1: 4, 2: 3, 3: 2, 4: 1, -1: 0}


def load_cranfield(directory: str | Path) -> Dataset:
    """Cranfield 1400 from `cran.all.1400`, `cran.qry`, `cranqrel` (SMART).

    The queries' `.I` numbers skip values (001, 002, 004, …); the qrels number queries 1..225 in file order,
    so query ids here are the file positions. Grades follow `CRANFIELD_GRADES`.
    """
    d = Path(directory)
    files = [_require(d / "cran.all.1400"), _require(d / "cran.qry"), _require(d / "cranqrel")]
    corpus = {num: {"title": f.get("T", ""), "text": f.get("W", "")} for num, f in parse_smart(files[0])}
    queries = {str(pos): f.get("W", "") for pos, (_, f) in enumerate(parse_smart(files[1]), start=1)}
    qrels: dict[str, dict[str, int]] = {}
    for qid, did, code, *_ in _qrels_rows(files[2]):
        if qid not in queries or did not in corpus:
            raise ValueError(f"cranqrel names query {qid} / document {did} that the collection does not have")
        qrels.setdefault(qid, {})[did] = CRANFIELD_GRADES[int(code)]
    return Dataset("cranfield", corpus, _only_judged(queries, qrels), qrels, files=files)


def load_cisi(directory: str | Path) -> Dataset:
    """CISI from `CISI.ALL`, `CISI.QRY`, `CISI.REL` (SMART; `.REL` rows are `qid docid 0 0`, all relevant).

    Query text is the `.W` field (some queries also carry the `.T`/`.A` of a source paper, not part of the
    request). Only the 76 queries with judgments are kept.
    """
    d = Path(directory)
    files = [_require(d / "CISI.ALL"), _require(d / "CISI.QRY"), _require(d / "CISI.REL")]
    corpus = {num: {"title": f.get("T", ""), "text": f.get("W", "")} for num, f in parse_smart(files[0])}
    queries = {num: f.get("W", "") for num, f in parse_smart(files[1])}
    qrels: dict[str, dict[str, int]] = {}
    for qid, did, *_ in _qrels_rows(files[2]):
        qrels.setdefault(qid, {})[did] = 1
    return Dataset("cisi", corpus, _only_judged(queries, qrels), qrels, files=files)


def _require(path: Path) -> Path:
    found = _existing(path)
    if found is None:
        raise DatasetMissing(f"missing file {path}")
    return found


# --------------------------------------------------------------------------------------------------- XQuAD-R


def _xquad_paragraphs(path: Path) -> list[dict]:
    with _open_text(path) as fh:
        data = json.load(fh)["data"]
    return [p for article in data for p in article["paragraphs"]]


def _answer_sentence(breaks: list[list[int]], start: int) -> int:
    """Index of the sentence whose span holds character `start` (a start in a gap goes to the next sentence)."""
    for i, (_, end) in enumerate(breaks):
        if start < end:
            return i
    return len(breaks) - 1


def load_xquad_r(directory: str | Path, query_lang: str, candidate_lang: str) -> Dataset:
    """XQuAD-R (LAReQA) as a retrieval task: questions in `query_lang`, every sentence of the `candidate_lang`
    contexts as a candidate; a question's relevant candidate is the sentence holding its answer in the
    candidate language (questions share ids across languages; paragraphs are aligned by position).
    """
    d = Path(directory)
    qfile, cfile = _require(d / f"{query_lang}.json"), _require(d / f"{candidate_lang}.json")
    cand_paras = _xquad_paragraphs(cfile)
    corpus: dict[str, dict] = {}
    answer_of: dict[str, str] = {}
    for p_idx, para in enumerate(cand_paras):
        for s_idx, sentence in enumerate(para["sentences"]):
            corpus[f"{candidate_lang}-{p_idx}-{s_idx}"] = {"title": "", "text": sentence}
        for qa in para["qas"]:
            s_idx = _answer_sentence(para["sentence_breaks"], qa["answers"][0]["answer_start"])
            answer_of[qa["id"]] = f"{candidate_lang}-{p_idx}-{s_idx}"
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for para in _xquad_paragraphs(qfile):
        for qa in para["qas"]:
            if qa["id"] in answer_of:
                queries[qa["id"]] = qa["question"]
                qrels[qa["id"]] = {answer_of[qa["id"]]: 1}
    name = f"xquad_r/{query_lang}-{candidate_lang}"
    return Dataset(name, corpus, queries, qrels, files=sorted({qfile, cfile}))


# --------------------------------------------------------------------------------------------------- synthetic


def synthetic_dataset(n_docs: int = 40, n_queries: int = 8, seed: int = 0, words: list[str] | None = None) -> Dataset:
    """A tiny random collection for smoke runs: each query is a few words drawn from its one relevant
    document (grade 2) and one related document (grade 1), so a sensible ranker scores above chance.
    """
    import random

    from claimcheck.retrieval.encoders import TINY_WORDS

    rng = random.Random(seed)
    vocab = words or list(TINY_WORDS)
    corpus = {
        f"d{i}": {"title": " ".join(rng.sample(vocab, 3)), "text": " ".join(rng.choices(vocab, k=rng.randint(5, 40)))}
        for i in range(n_docs)
    }
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for j in range(n_queries):
        best, related = rng.sample(sorted(corpus), 2)
        queries[f"q{j}"] = " ".join(rng.sample(corpus[best]["text"].split(), 3))
        qrels[f"q{j}"] = {best: 2, related: 1}
    return Dataset("synthetic", corpus, queries, qrels)


# --------------------------------------------------------------------------------------------------- by name

_XQUAD = re.compile(r"^xquad_r/([a-z]{2})-([a-z]{2})$")
# BEIR's CQADupStack is released as one folder per forum; BEIR and COCO-DR report the mean over the twelve.
CQADUPSTACK_FORUMS = (
    "android", "english", "gaming", "gis", "mathematica", "physics",
    "programmers", "stats", "tex", "unix", "webmasters", "wordpress",
)  # fmt: skip
# A composite's parts by folder name; the part named `forum` of `cqadupstack` is the dataset `cqadupstack/forum`.
COMPOSITES: dict[str, tuple[str, ...]] = {"cqadupstack": CQADUPSTACK_FORUMS}


def _folder_name(name: str) -> str:
    return "xquad_r" if _XQUAD.match(name) else name


def _complete(name: str, path: Path, split: str) -> bool:
    """Whether `path` holds dataset `name` in the format its loader reads."""
    if name == "cranfield":
        return all(_existing(path / f) for f in ("cran.all.1400", "cran.qry", "cranqrel"))
    if name == "cisi":
        return all(_existing(path / f) for f in ("CISI.ALL", "CISI.QRY", "CISI.REL"))
    match = _XQUAD.match(name)
    if match:
        return all(_existing(path / f"{lang}.json") for lang in match.groups())
    if name == "xquad_r":  # the whole collection (experiments pick their languages)
        return _existing(path / "en.json")
    if name.startswith("bitext/"):  # parallel text: one folder per language pair with train.<lang> files
        return any(_existing(f) for f in path.glob("*/train.*"))
    if name in COMPOSITES:
        return all(beir_files(path / part, split) is not None for part in COMPOSITES[name])
    return beir_files(path, split) is not None


def find_dataset(name: str, data_dir: str | Path | None = None, split: str = "test") -> Path | None:
    """The folder holding dataset `name` in the data directories, or None. Cheap: checks file existence only."""
    for base in data_dirs(data_dir):
        path = base / _folder_name(name)
        if path.is_dir() and _complete(name, path, split):
            return path
    return None


def load_dataset(name: str, split: str = "test", data_dir: str | Path | None = None) -> Dataset:
    """Load dataset `name` ("scifact", "cranfield", "cisi", "xquad_r/de-en", BEIR names) from the data dirs.

    "cqadupstack" is the composite of its twelve forums; "cqadupstack/<forum>" is one forum alone.

    When absent and `CLAIMCHECK_NETWORK=1`, the official release is downloaded into `<home>/data` first;
    otherwise `DatasetMissing` says where we looked and where the data comes from.
    """
    from claimcheck.retrieval import catalogue

    path = find_dataset(name, data_dir, split)
    if path is None:
        if catalogue.network_allowed():
            catalogue.download(name)
            path = find_dataset(name, data_dir, split)
        if path is None:
            looked = ", ".join(str(d / _folder_name(name)) for d in data_dirs(data_dir))
            raise DatasetMissing(
                f"dataset {name!r} (split {split}) not found; looked in: {looked}. {catalogue.source_hint(name)}"
            )
    if name == "cranfield":
        return load_cranfield(path)
    if name == "cisi":
        return load_cisi(path)
    match = _XQUAD.match(name)
    if match:
        return load_xquad_r(path, *match.groups())
    if name in COMPOSITES:
        return composite(name, [load_beir(path / part, split, name=f"{name}/{part}") for part in COMPOSITES[name]])
    return load_beir(path, split, name=name)
