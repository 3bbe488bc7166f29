"""M-BEIR's file format (UniIR, TIGER-AI-Lab) and its evaluation: Recall@k as UniIR computes it, i.e. hit@k.

Layout under an M-BEIR directory, for a dataset-task name such as `mscoco_task0` (released) or `world_task0`:

    query/<split>/mbeir_<name>_<split>.jsonl        {"qid", "query_txt", "query_img_path", "query_modality",
                                                     "pos_cand_list", "neg_cand_list", "task_id", ...}
    cand_pool/local/mbeir_<name>_cand_pool.jsonl    {"did", "txt", "img_path", "modality", ...}
    qrels/<split>/mbeir_<name>_<split>_qrels.txt    "<qid> 0 <did> <relevance> <task_id>" per line

Image paths are relative to the M-BEIR directory. A query or candidate of modality "image,text" is embedded as
the fused embedding (UniIR's CLIP score fusion), "image" as the image embedding, "text" as the text embedding.

UniIR's `compute_recall_at_k` is 1 when any relevant candidate is among the top k and 0 otherwise (0 for a
query without relevant candidates): ir_measures calls that `Success@k`, the name used in our measurements.
Ranking is exact cosine similarity over the task's local pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from replications.gcl.pairs import read_image, write_image

if TYPE_CHECKING:
    import torch

    from replications.gcl.model import DualEncoder
    from replications.gcl.world import Task

# The released M-BEIR dataset-task names per task id (local pools), for full-scale runs.
MBEIR_TEST_SETS: dict[int, tuple[str, ...]] = {
    0: ("visualnews_task0", "mscoco_task0", "fashion200k_task0"),
    1: ("webqa_task1",),
    2: ("edis_task2", "webqa_task2"),
    3: ("visualnews_task3", "mscoco_task3", "fashion200k_task3"),
    4: ("nights_task4",),
    6: ("oven_task6", "infoseek_task6"),
    7: ("fashioniq_task7", "cirr_task7"),
    8: ("oven_task8", "infoseek_task8"),
}
# UniIR reports Recall@10 for these datasets and Recall@5 elsewhere
K_AT_10 = ("fashion200k", "fashioniq")


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


@dataclass
class MBeirTask:
    name: str
    root: Path
    queries: list[MBeirQuery]
    candidates: list[MBeirCandidate]
    qrels: dict[str, set[str]]
    cache_images: bool = True  # the synthetic tasks are small and are evaluated several times per run
    _images: dict[str, np.ndarray] = field(default_factory=dict)

    def image(self, path: str) -> np.ndarray:
        if path in self._images:
            return self._images[path]
        image = read_image(self.root / path)
        if self.cache_images:
            self._images[path] = image
        return image


def paths(root: str | Path, name: str, split: str = "test", pool: str | None = None) -> dict[str, Path]:
    r = Path(root)
    return {
        "query": r / "query" / split / f"mbeir_{name}_{split}.jsonl",
        "pool": r / "cand_pool" / "local" / f"mbeir_{pool or name}_cand_pool.jsonl",
        "qrels": r / "qrels" / split / f"mbeir_{name}_{split}_qrels.txt",
    }


def _read_jsonl(path: Path) -> Iterable[dict]:
    with path.open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> dict[str, set[str]]:
    """UniIR's qrels: `qid 0 did relevance task_id`; only positive relevance counts."""
    qrels: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 4:
            raise ValueError(f"{path}: malformed qrels line {line!r}")
        if int(fields[3]) > 0:
            qrels.setdefault(fields[0], set()).add(fields[2])
    return qrels


def load_task(root: str | Path, name: str, split: str = "test", pool: str | None = None) -> MBeirTask:
    """Queries, local candidate pool and qrels of one M-BEIR dataset-task; raises FileNotFoundError naming
    the missing file (M-BEIR is released at huggingface.co/datasets/TIGER-Lab/M-BEIR)."""
    p = paths(root, name, split, pool)
    for kind, path in p.items():
        if not path.is_file():
            raise FileNotFoundError(f"M-BEIR {kind} file missing: {path} (source: TIGER-Lab/M-BEIR on the HF hub)")
    queries = [MBeirQuery.model_validate(r) for r in _read_jsonl(p["query"])]
    candidates = [MBeirCandidate.model_validate(r) for r in _read_jsonl(p["pool"])]
    return MBeirTask(name, Path(root), queries, candidates, read_qrels(p["qrels"]))


def write_world_task(root: str | Path, task: Task, split: str = "test") -> str:
    """Write a synthetic-world task in M-BEIR's layout (images as .npy under mbeir_images/). Returns its name."""
    r = Path(root)
    name = f"world_task{task.task_id}"
    p = paths(r, name, split)
    for path in p.values():
        path.parent.mkdir(parents=True, exist_ok=True)

    def image_path(prefix: str, item_id: str) -> str:
        return f"mbeir_images/{name}/{prefix}{item_id}.npy"

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
    return name


def encode_items(
    encoder: DualEncoder,
    read: Callable[[str], np.ndarray],
    items: Sequence[tuple[str | None, str | None, str]],
    batch_size: int = 256,
) -> torch.Tensor:
    """L2-normalised embeddings of (text, image path, modality) items, each by its own modality."""
    import torch
    import torch.nn.functional as F

    out = torch.empty(len(items), encoder.model.config.projection_dim)
    with torch.no_grad():
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            with_image = [k for k, (_, img, mod) in enumerate(chunk) if "image" in mod.split(",")]
            with_text = [k for k, (_, _, mod) in enumerate(chunk) if "text" in mod.split(",")]
            image_feats = text_feats = None
            if with_image:
                images = [read(str(chunk[k][1])) for k in with_image]
                image_feats = encoder.image_features(encoder.preprocessor(images))
            if with_text:
                tokens = encoder.tokenize([chunk[k][0] or "" for k in with_text])
                text_feats = encoder.text_features(tokens["input_ids"], tokens["attention_mask"])
            image_row = {k: n for n, k in enumerate(with_image)}
            text_row = {k: n for n, k in enumerate(with_text)}
            for k, (_, _, modality) in enumerate(chunk):
                parts = modality.split(",")
                if "image" in parts and "text" in parts:
                    vec = encoder.fuse(image_feats[image_row[k]], text_feats[text_row[k]])  # type: ignore[index]
                elif "image" in parts:
                    vec = image_feats[image_row[k]]  # type: ignore[index]
                elif "text" in parts:
                    vec = text_feats[text_row[k]]  # type: ignore[index]
                else:
                    raise ValueError(f"unknown modality {modality!r}")
                out[start + k] = F.normalize(vec, dim=-1).cpu()
    return out


def hit_at_k(relevant: set[str], ranked: Sequence[str], k: int) -> float:
    """UniIR's Recall@k: 1 if any relevant candidate is in the top k, else 0 (0 without relevant ones)."""
    return 1.0 if relevant and relevant.intersection(ranked[:k]) else 0.0


def rank(encoder: DualEncoder, task: MBeirTask, depth: int, batch_size: int = 256) -> dict[str, list[str]]:
    """Top-`depth` candidate ids per query by exact cosine similarity over the task's pool."""
    import torch

    encoder.model.eval()
    q = encode_items(encoder, task.image, [(x.query_txt, x.query_img_path, x.query_modality) for x in task.queries],
                     batch_size)  # fmt: skip
    c = encode_items(encoder, task.image, [(x.txt, x.img_path, x.modality) for x in task.candidates], batch_size)
    top = torch.topk(q @ c.T, k=min(depth, len(task.candidates)), dim=1).indices.tolist()
    return {query.qid: [task.candidates[j].did for j in row] for query, row in zip(task.queries, top, strict=True)}


def evaluate_task(
    encoder: DualEncoder, task: MBeirTask, ks: Sequence[int], batch_size: int = 256
) -> dict[int, dict[str, float]]:
    """Per-query hit@k for each k (queries without qrels score 0, as in UniIR)."""
    ranked = rank(encoder, task, max(ks), batch_size)
    return {k: {qid: hit_at_k(task.qrels.get(qid, set()), docs, k) for qid, docs in ranked.items()} for k in ks}
