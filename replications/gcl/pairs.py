"""Image files and LCS-558K-style image–caption pair files (LLaVA's pretraining captions).

LCS-558K's `blip_laion_cc_sbu_558k.json` is a JSON list of
`{"id": ..., "image": "<relative path>", "conversations": [{"from": "human", ...}, {"from": "gpt", "value": caption}]}`;
the caption is the first "gpt" turn. The synthetic world writes the same layout, with images stored as `.npy`
arrays (Pillow is not installed here); real JPEG/PNG files are read with Pillow.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def read_image(path: str | Path) -> np.ndarray:
    """An (H, W, 3) uint8 array from a `.npy` array or (with Pillow) any image file."""
    p = Path(path)
    if p.suffix == ".npy":
        array = np.load(p, allow_pickle=False)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"{p}: expected an (H, W, 3) uint8 array, got {array.dtype} {array.shape}")
        return array
    try:
        from PIL import Image
    except ImportError as exc:  # full scale only: M-BEIR and LCS-558K ship JPEGs
        raise ImportError(f"reading {p} needs Pillow (pip install pillow)") from exc
    with Image.open(p) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


def write_image(path: str | Path, image: np.ndarray) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    np.save(p, image, allow_pickle=False)


def write_lcs_pairs(out_dir: str | Path, pairs: list[tuple[np.ndarray, str]], name: str = "pairs.json") -> Path:
    """Write pairs in LCS-558K's layout: `name` plus `images/<id>.npy`. Returns the JSON path."""
    out = Path(out_dir)
    records = []
    for k, (image, text) in enumerate(pairs):
        rel = f"images/{k:07d}.npy"
        write_image(out / rel, image)
        conversation = [{"from": "human", "value": "<image>\nDescribe the image."}, {"from": "gpt", "value": text}]
        records.append({"id": f"{k:07d}", "image": rel, "conversations": conversation})
    path = out / name
    path.write_text(json.dumps(records))
    return path


def load_lcs_pairs(
    json_path: str | Path, image_dir: str | Path | None = None, limit: int | None = None
) -> list[tuple[Path, str]]:
    """(image path, caption) pairs from an LCS-558K-style JSON; images resolve against `image_dir` (default:
    the JSON's directory)."""
    path = Path(json_path)
    root = Path(image_dir) if image_dir else path.parent
    records = json.loads(path.read_text())
    out: list[tuple[Path, str]] = []
    for record in records[:limit] if limit else records:
        caption = next((turn["value"] for turn in record["conversations"] if turn.get("from") == "gpt"), None)
        if caption is None or "image" not in record:
            continue  # a record without an image or a caption is no pair
        out.append((root / record["image"], caption.strip()))
    return out
