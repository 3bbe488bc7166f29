"""LCS-558K-style pair files and image files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from replications.gcl.pairs import load_lcs_pairs, read_image, write_image, write_lcs_pairs


def test_pairs_round_trip(tmp_path: Path) -> None:
    images = [np.full((8, 8, 3), k, dtype=np.uint8) for k in range(3)]
    path = write_lcs_pairs(tmp_path, list(zip(images, ["a", "b", "c"], strict=True)))
    pairs = load_lcs_pairs(path)
    assert [c for _, c in pairs] == ["a", "b", "c"]
    assert [int(read_image(p)[0, 0, 0]) for p, _ in pairs] == [0, 1, 2]
    assert len(load_lcs_pairs(path, limit=2)) == 2


def test_lcs_records_without_a_caption_are_skipped_and_image_dir_is_honoured(tmp_path: Path) -> None:
    records = [
        {"id": "1", "image": "00001/1.jpg", "conversations": [{"from": "human", "value": "<image>"}]},
        {"id": "2", "image": "00001/2.jpg", "conversations": [{"from": "gpt", "value": " a cat "}]},
    ]
    (tmp_path / "lcs.json").write_text(json.dumps(records))
    assert load_lcs_pairs(tmp_path / "lcs.json", image_dir="/imgs") == [(Path("/imgs/00001/2.jpg"), "a cat")]


def test_read_image_rejects_non_rgb_arrays(tmp_path: Path) -> None:
    write_image(tmp_path / "ok.npy", np.zeros((4, 4, 3), dtype=np.uint8))
    assert read_image(tmp_path / "ok.npy").shape == (4, 4, 3)
    np.save(tmp_path / "bad.npy", np.zeros((4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="uint8"):
        read_image(tmp_path / "bad.npy")
