"""Crops decoded once and cached, the same batches with and without DataLoader workers, JPEGs through Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
Image = pytest.importorskip("PIL.Image")

from replications.gcl.images import Collate, CropStore, ItemDataset, Items, batches, sequential  # noqa: E402
from replications.gcl.model import ImagePreprocessor, TinyClipSpec, load_dual_encoder, write_tiny_checkpoint  # noqa: E402
from replications.gcl.pairs import write_image  # noqa: E402
from replications.gcl.world import vocabulary  # noqa: E402

PRE = ImagePreprocessor(size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})


def _images(tmp_path: Path, n: int, suffix: str = ".npy") -> list[Path]:
    rng = np.random.default_rng(0)
    out = []
    for k in range(n):
        array = rng.integers(0, 256, size=(20 + k, 24, 3), dtype=np.uint8)
        path = tmp_path / f"img{k}{suffix}"
        if suffix == ".npy":
            write_image(path, array)
        else:
            Image.fromarray(array).save(path)
        out.append(path)
    return out


def test_crop_is_a_resized_centre_crop_in_bytes() -> None:
    crop = PRE.crop(np.full((20, 30, 3), 200, dtype=np.uint8))
    assert crop.shape == (16, 16, 3) and crop.dtype == np.uint8 and (crop == 200).all()
    out = PRE.normalise(torch.from_numpy(crop[None]))
    assert out.shape == (1, 3, 16, 16) and out.dtype == torch.float32


def test_cached_crops_equal_decoded_ones_and_are_read_back_without_decoding(tmp_path: Path) -> None:
    paths = _images(tmp_path, 5, ".png")  # a real image file format, read with Pillow
    plain = CropStore(paths, PRE)
    cached = CropStore([*paths, paths[0]], PRE, tmp_path / "cache")  # a repeated path is one row
    assert plain.file is None and cached.file is not None and len(cached.paths) == 5
    first = [cached.crop(p) for p in paths]
    assert all(np.array_equal(a, plain.crop(p)) for a, p in zip(first, paths, strict=True))
    for p in paths:
        p.unlink()  # a second store on the same list reads the cache: the files are no longer needed
    again = CropStore(paths, PRE, tmp_path / "cache")
    assert again.file == cached.file
    assert all(np.array_equal(again.crop(p), a) for p, a in zip(paths, first, strict=True))
    assert CropStore(paths[:4], PRE, tmp_path / "cache").file != cached.file  # another list, another file


def test_workers_give_the_same_batches_as_the_main_process(tmp_path: Path) -> None:
    spec = TinyClipSpec(image_size=16, patch_size=8, hidden=16, layers=1, heads=2, projection_dim=16)
    encoder = load_dual_encoder(write_tiny_checkpoint(tmp_path / "ckpt", vocabulary(), spec))
    paths = _images(tmp_path, 7)
    items = Items([str(k) for k in range(7)], ["red circle", None, "blue", None, "two shapes", "the", "cyan"],
                  [paths[0], paths[1], None, paths[3], paths[4], None, paths[6]],
                  ["image,text", "image", "text", "image", "image,text", "text", "image,text"])  # fmt: skip
    data = ItemDataset(items, CropStore(paths, encoder.preprocessor, tmp_path / "cache"))
    collate = Collate(encoder.tokenizer, encoder.max_text_len)
    order = [[6, 0, 2], [1, 5], [4, 3]]
    main = list(batches(data, order, collate))
    workers = list(batches(data, order, collate, workers=2))
    for a, b in zip(main, workers, strict=True):
        assert a.rows == b.rows and a.image_rows == b.image_rows and a.text_rows == b.text_rows
        for x, y in ((a.crops, b.crops), (a.input_ids, b.input_ids)):
            assert (x is None and y is None) or torch.equal(x, y)
    assert main[0].rows == [6, 0, 2] and main[0].image_rows == [0, 1] and main[0].text_rows == [0, 1, 2]
    assert main[1].input_ids is not None and main[1].crops is not None and main[1].crops.shape[0] == 1
    assert sequential(5, 2) == [[0, 1], [2, 3], [4]]


def test_an_image_item_without_an_image_is_an_error(tmp_path: Path) -> None:
    data = ItemDataset(Items(["q1"], ["x"], [None], ["image,text"]), CropStore([], PRE))
    with pytest.raises(ValueError, match="q1 of modality 'image,text' has no image path"):
        data[0]
    with pytest.raises(ValueError, match="unknown modality"):
        ItemDataset(Items(["q2"], ["x"], [None], ["audio"]), CropStore([], PRE))[0]
