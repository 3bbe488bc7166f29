"""Items (image, text or both) read for training and evaluation: images decoded in DataLoader workers into uint8
crops and cached in a memory-mapped file, texts tokenised in the same workers.

At full scale M-BEIR's pools hold about 3 M images and every condition of every seed embeds them again;
decoding a JPEG and resizing it costs more than CLIP ViT-B/32's forward pass on a GPU. So each distinct image is
decoded once into a uint8 crop (crop × crop × 3 bytes: 150 KB at 224 px) in a memory-mapped file under
`cache_dir`, and later passes read bytes. The file is named by a hash of the crop geometry and the list of image
paths (another preprocessor or another image list gets another file); it assumes an image does not change under
its path. Without a `cache_dir` every pass decodes again and nothing is written.

One `ItemDataset` serves image–caption training pairs (every item "image,text") and M-BEIR queries and
candidates (each item of its own modality); batches come in the order given, so CL and GCL see the same batches.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from replications.gcl.pairs import read_image

if TYPE_CHECKING:
    import torch

    from replications.gcl.model import ImagePreprocessor


class CropStore:
    """uint8 crops of a fixed list of image files, decoded on first use; cached on disk when `cache_dir` is set.

    Workers write distinct rows of one shared mapping (a row written twice gets the same bytes), and a row's
    "filled" flag is set only after its bytes, so a reader never takes a half-written crop.
    """

    def __init__(self, paths: Sequence[Path], preprocessor: ImagePreprocessor, cache_dir: Path | None = None) -> None:
        self.paths = list(dict.fromkeys(Path(p) for p in paths))
        self.row = {p: i for i, p in enumerate(self.paths)}
        self.preprocessor = preprocessor
        self.size = preprocessor.crop_pixels
        self.file: Path | None = None
        self._maps: tuple[np.memmap, np.memmap] | None = None
        if cache_dir is not None and self.paths:
            geometry = preprocessor.model_dump(include={"size", "crop_size", "do_resize", "do_center_crop"})
            key = hashlib.sha256(json.dumps([geometry, [str(p) for p in self.paths]]).encode()).hexdigest()[:16]
            self.file = Path(cache_dir) / f"crops-{key}-{len(self.paths)}x{self.size}.u8"
            self._create()

    def _create(self) -> None:
        """Make the cache files once, atomically (zero-filled: every row unfilled)."""
        assert self.file is not None
        flags = self.file.with_suffix(".filled")
        if self.file.is_file() and flags.is_file():
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        for path, nbytes in ((self.file, len(self.paths) * self.size * self.size * 3), (flags, len(self.paths))):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                f.truncate(nbytes)  # sparse: disk fills as crops are written
            os.replace(tmp, path)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_maps": None}  # each worker maps the files itself

    def _mapped(self) -> tuple[np.memmap, np.memmap]:
        if self._maps is None:
            assert self.file is not None
            shape = (len(self.paths), self.size, self.size, 3)
            crops = np.memmap(self.file, dtype=np.uint8, mode="r+", shape=shape)
            self._maps = crops, np.memmap(self.file.with_suffix(".filled"), dtype=np.uint8, mode="r+")
        return self._maps

    def crop(self, path: Path) -> np.ndarray:
        """The (crop, crop, 3) uint8 crop of `path` (one of the store's paths)."""
        if self.file is None:
            return self.preprocessor.crop(read_image(path))
        row = self.row[Path(path)]
        crops, filled = self._mapped()
        if not filled[row]:
            crops[row] = self.preprocessor.crop(read_image(path))
            filled[row] = 1
        return np.array(crops[row])


@dataclass
class Items:
    """Columns of queries or candidates: a text and/or an image path per item, and its modality."""

    ids: list[str]
    texts: list[str | None]
    images: list[Path | None]
    modalities: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def __post_init__(self) -> None:
        lengths = {len(self.ids), len(self.texts), len(self.images), len(self.modalities)}
        if len(lengths) != 1:
            raise ValueError(f"item columns differ in length: {sorted(lengths)}")

    @classmethod
    def pairs(cls, images: Sequence[Path], captions: Sequence[str]) -> Items:
        """Image–caption pairs as items of modality "image,text"."""
        if len(images) != len(captions):
            raise ValueError(f"{len(images)} images but {len(captions)} captions")
        n = len(images)
        return cls([str(k) for k in range(n)], list(captions), [Path(p) for p in images], ["image,text"] * n)

    @staticmethod
    def concat(parts: Sequence[Items]) -> Items:
        columns = ("ids", "texts", "images", "modalities")
        return Items(*([x for part in parts for x in getattr(part, c)] for c in columns))


def has_image(modality: str) -> bool:
    return "image" in modality.split(",")


def has_text(modality: str) -> bool:
    return "text" in modality.split(",")


@dataclass
class ItemBatch:
    """One batch: crops of the items with an image, tokens of the items with a text, and where each sits."""

    rows: list[int]  # dataset rows, in batch order
    crops: torch.Tensor | None  # (n_image, crop, crop, 3) uint8
    image_rows: list[int]  # batch positions of the crops
    input_ids: torch.Tensor | None  # (n_text, L)
    attention_mask: torch.Tensor | None
    text_rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)


class ItemDataset:
    """Map-style dataset over `Items`: row → (row, crop or None, text or None)."""

    def __init__(self, items: Items, store: CropStore) -> None:
        self.items, self.store = items, store

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, row: int) -> tuple[int, np.ndarray | None, str | None]:
        modality, image = self.items.modalities[row], self.items.images[row]
        if not (has_image(modality) or has_text(modality)):
            raise ValueError(f"item {self.items.ids[row]}: unknown modality {modality!r}")
        if has_image(modality) and image is None:
            raise ValueError(f"item {self.items.ids[row]} of modality {modality!r} has no image path")
        crop = self.store.crop(image) if has_image(modality) and image is not None else None
        return row, crop, (self.items.texts[row] or "") if has_text(modality) else None


class Collate:
    """Stacks crops and tokenises texts in the worker (holds only the tokenizer, so it pickles small)."""

    def __init__(self, tokenizer: Any, max_length: int) -> None:
        self.tokenizer, self.max_length = tokenizer, max_length

    def __call__(self, samples: list[tuple[int, np.ndarray | None, str | None]]) -> ItemBatch:
        import torch

        image_rows = [k for k, (_, crop, _) in enumerate(samples) if crop is not None]
        text_rows = [k for k, (_, _, text) in enumerate(samples) if text is not None]
        crops = torch.from_numpy(np.stack([samples[k][1] for k in image_rows])) if image_rows else None
        ids = mask = None
        if text_rows:
            enc = self.tokenizer([samples[k][2] for k in text_rows], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")  # fmt: skip
            ids, mask = enc["input_ids"], enc["attention_mask"]
        return ItemBatch([row for row, _, _ in samples], crops, image_rows, ids, mask, text_rows)


def batches(
    dataset: ItemDataset, order: Sequence[Sequence[int]], collate: Collate, workers: int = 0
) -> Iterator[ItemBatch]:
    """The batches of `order` (lists of dataset rows) in that order; `workers` decode and tokenise ahead."""
    from torch.utils.data import DataLoader

    loader = DataLoader(
        dataset,  # type: ignore[arg-type]
        batch_sampler=[list(b) for b in order],
        collate_fn=collate,
        num_workers=workers,
        persistent_workers=False,
        prefetch_factor=4 if workers else None,
    )
    yield from loader


def sequential(n: int, batch_size: int) -> list[list[int]]:
    return [list(range(start, min(n, start + batch_size))) for start in range(0, n, batch_size)]
