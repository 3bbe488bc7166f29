"""M-BEIR's files (UniIR, TIGER-AI-Lab) and its evaluation sets as UniIR's test configuration names them.

Layout under an M-BEIR directory:

    query/<split>/mbeir_<set>_<split>.jsonl         {"qid", "query_txt", "query_img_path", "query_modality",
                                                     "pos_cand_list", "neg_cand_list", "task_id", ...}
    cand_pool/local/mbeir_<pool>_cand_pool.jsonl    {"did", "txt", "img_path", "modality", ...}
    qrels/<split>/mbeir_<set>_<split>_qrels.txt     "<qid> 0 <did> <relevance> <task_id>" per line

A set's queries and qrels are named after the set (`mscoco_task0`), its local pool after UniIR's
`correspond_cand_pools_name`: the same name, except MSCOCO, whose val and test pools are separate files
(`mscoco_task0_test`, `mscoco_task3_test`). The global pool (UniIR's "UNION", M-BEIR's 5.6 M candidates) is the
concatenation of the local pools of the evaluated sets, as UniIR's embedder builds it; every set is also ranked
against it, with the same qrels. Image paths are relative to the M-BEIR directory.

UniIR's `compute_recall_at_k` is 1 when any relevant candidate is among the top k and 0 otherwise (0 for a query
without relevant candidates): ir_measures calls that `Success@k`. UniIR reports it at k = 10 for Fashion200K
and FashionIQ and at k = 5 elsewhere (`correspond_metrics_name`); `UniIR-Recall` is that reported figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from replications.gcl.images import Items
from replications.gcl.pairs import write_image

if TYPE_CHECKING:
    from replications.gcl.world import Task

UNIIR_RECALL = "UniIR-Recall"
UNION = "union"


class MBeirSet(BaseModel):
    """One evaluation set: its queries and qrels, its local pool, and the recall cutoff UniIR reports for it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="dataset-task name of the query and qrels files, e.g. mscoco_task0")
    pool: str = Field(description="local candidate pool, e.g. mscoco_task0_test")
    k: int = Field(default=5, ge=1, description="UniIR's reported Recall@k for this set")


def _uniir_set(name: str) -> MBeirSet:
    pool = f"{name}_test" if name.startswith("mscoco_") else name  # MSCOCO: separate val and test pools
    return MBeirSet(name=name, pool=pool, k=10 if name.startswith(("fashion200k", "fashioniq")) else 5)


# UniIR's test sets (clip_scorefusion/.../eval/inbatch/retrieval.yaml), in its order.
MBEIR_TEST_SETS: tuple[MBeirSet, ...] = tuple(
    _uniir_set(n)
    for n in (
        "visualnews_task0", "mscoco_task0", "fashion200k_task0", "webqa_task1", "edis_task2", "webqa_task2",
        "visualnews_task3", "mscoco_task3", "fashion200k_task3", "nights_task4", "oven_task6", "infoseek_task6",
        "fashioniq_task7", "cirr_task7", "oven_task8", "infoseek_task8",
    )
)  # fmt: skip


def mbeir_sets(names: Sequence[str | dict[str, Any]] | None) -> list[MBeirSet]:
    """The sets a config names: UniIR's names (their pools and k as UniIR has them) or explicit entries."""
    if not names:
        return list(MBEIR_TEST_SETS)
    known = {s.name: s for s in MBEIR_TEST_SETS}
    out = []
    for entry in names:
        if isinstance(entry, dict):
            out.append(MBeirSet.model_validate(entry))
        elif entry in known:
            out.append(known[entry])
        else:
            raise ValueError(f"mbeir_sets: unknown set {entry!r}; UniIR's test sets: {', '.join(known)}")
    return out


def union_name(dataset: str) -> str:
    """Measurement name of a set ranked against the global pool."""
    return f"{dataset}@{UNION}"


class MBeirQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")  # released files carry more fields (query_src_content, ...)

    qid: str
    query_txt: str | None = None
    query_img_path: str | None = None
    query_modality: str
    pos_cand_list: list[str] = []
    neg_cand_list: list[str] = []
    task_id: int | None = None


class MBeirCandidate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    did: str
    txt: str | None = None
    img_path: str | None = None
    modality: str


def paths(root: str | Path, name: str, split: str = "test", pool: str | None = None) -> dict[str, Path]:
    r = Path(root)
    return {
        "query": r / "query" / split / f"mbeir_{name}_{split}.jsonl",
        "pool": r / "cand_pool" / "local" / f"mbeir_{pool or name}_cand_pool.jsonl",
        "qrels": r / "qrels" / split / f"mbeir_{name}_{split}_qrels.txt",
    }


def _existing(path: Path, kind: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"M-BEIR {kind} file missing: {path} (source: TIGER-Lab/M-BEIR on the HF hub)")
    return path


def _records(path: Path, model: type[BaseModel]) -> Iterator[Any]:
    """Validated records of a JSONL file; a bad line is an error naming file, line and field."""
    with path.open() as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield model.model_validate_json(line)
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(x) for x in err["loc"]) or "line"
                raise ValueError(f"{path}:{number}: {field}: {err['msg']}") from None


def read_qrels(path: Path) -> dict[str, set[str]]:
    """UniIR's qrels: `qid 0 did relevance task_id`; only positive relevance counts."""
    qrels: dict[str, set[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 4 or not fields[3].lstrip("-").isdigit():
            raise ValueError(f"{path}:{number}: malformed qrels line {line!r} (want: qid 0 did relevance task_id)")
        if int(fields[3]) > 0:
            qrels.setdefault(fields[0], set()).add(fields[2])
    return qrels


@dataclass
class QuerySet:
    set: MBeirSet
    queries: Items
    qrels: dict[str, set[str]]


def _image(root: Path, rel: str | None) -> Path | None:
    return root / rel if rel else None


def load_queries(root: str | Path, s: MBeirSet, split: str = "test") -> QuerySet:
    """A set's queries and qrels; raises FileNotFoundError naming a missing file."""
    r, p = Path(root), paths(root, s.name, split, s.pool)
    queries = list(_records(_existing(p["query"], "query"), MBeirQuery))
    items = Items([q.qid for q in queries], [q.query_txt for q in queries],
                  [_image(r, q.query_img_path) for q in queries], [q.query_modality for q in queries])  # fmt: skip
    return QuerySet(s, items, read_qrels(_existing(p["qrels"], "qrels")))


def load_pool(root: str | Path, pool: str, split: str = "test") -> Items:
    """A local candidate pool as columns (the released pools hold up to ~1 M candidates each)."""
    r = Path(root)
    path = _existing(paths(root, pool, split, pool)["pool"], "pool")
    ids: list[str] = []
    texts: list[str | None] = []
    images: list[Path | None] = []
    modalities: list[str] = []
    for c in _records(path, MBeirCandidate):
        ids.append(c.did)
        texts.append(c.txt)
        images.append(_image(r, c.img_path))
        modalities.append(c.modality)
    return Items(ids, texts, images, modalities)


def check_union(pools: dict[str, Items]) -> None:
    """UniIR's global index requires unique candidate ids across the pools it concatenates."""
    seen: dict[str, str] = {}
    for name, pool in pools.items():
        for did in pool.ids:
            if did in seen:
                raise ValueError(f"candidate {did} is in pool {seen[did]} and in pool {name}: the global pool "
                                 "needs unique ids (UniIR asserts them)")  # fmt: skip
            seen[did] = name


def write_world_task(root: str | Path, task: Task, split: str = "test") -> MBeirSet:
    """Write a synthetic-world task in M-BEIR's layout (images as .npy under mbeir_images/)."""
    r = Path(root)
    s = MBeirSet(name=task.mbeir_name, pool=task.mbeir_name, k=5)
    p = paths(r, s.name, split, s.pool)
    for path in p.values():
        path.parent.mkdir(parents=True, exist_ok=True)

    def image_path(prefix: str, item_id: str) -> str:
        return f"mbeir_images/{s.name}/{prefix}{item_id}.npy"

    with p["query"].open("w") as f:
        for q in task.queries:
            img = image_path("q", q.id) if q.image is not None else None
            if img:
                write_image(r / img, q.image)
            record = MBeirQuery(
                qid=f"{task.task_id}:{q.id}", query_txt=q.text, query_img_path=img, query_modality=q.modality,
                pos_cand_list=[f"{task.task_id}:{task.qrels[q.id]}"], task_id=task.task_id,
            )  # fmt: skip
            f.write(record.model_dump_json() + "\n")
    with p["pool"].open("w") as f:
        for c in task.candidates:
            img = image_path("c", c.id) if c.image is not None else None
            if img:
                write_image(r / img, c.image)
            record = MBeirCandidate(did=f"{task.task_id}:{c.id}", txt=c.text, img_path=img, modality=c.modality)
            f.write(record.model_dump_json() + "\n")
    lines = [f"{task.task_id}:{qid} 0 {task.task_id}:{did} 1 {task.task_id}" for qid, did in task.qrels.items()]
    p["qrels"].write_text("\n".join(lines) + "\n")
    return s


def hit_at_k(relevant: set[str], ranked: Sequence[str], k: int) -> float:
    """UniIR's Recall@k: 1 if any relevant candidate is in the top k, else 0 (0 without relevant ones)."""
    return 1.0 if relevant and relevant.intersection(ranked[:k]) else 0.0
