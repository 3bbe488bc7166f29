"""Tiny CLIP in the hub's layout loads like a hub checkpoint; training steps use one pass per encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.gcl.images import Collate, CropStore, ItemDataset, Items, batches  # noqa: E402
from replications.gcl.model import (  # noqa: E402
    DualEncoder,
    ImagePreprocessor,
    TinyClipSpec,
    load_dual_encoder,
    write_tiny_checkpoint,
)
from replications.gcl.pairs import load_lcs_pairs, write_lcs_pairs  # noqa: E402
from replications.gcl.train import batch_order, embed_pairs, pair_batch, train  # noqa: E402
from replications.gcl.world import World, WorldConfig, vocabulary  # noqa: E402

SPEC = TinyClipSpec(image_size=16, patch_size=8, hidden=16, layers=1, heads=2, projection_dim=16)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_checkpoint(tmp_path_factory.mktemp("tiny_clip"), vocabulary(), SPEC, seed=0)


def test_checkpoint_has_the_hub_layout_and_loads_from_the_directory(checkpoint: Path) -> None:
    names = {p.name for p in checkpoint.iterdir()}
    assert {"config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"} <= names
    encoder = load_dual_encoder(checkpoint)
    tokens = encoder.tokenize(["two red circles on the left", "blue"])
    assert tokens["input_ids"].shape[0] == 2 and (tokens["input_ids"] != encoder.tokenizer.unk_token_id).all()
    text = encoder.text_features(tokens["input_ids"], tokens["attention_mask"])
    image = encoder.image_features(encoder.preprocessor([np.zeros((16, 16, 3), dtype=np.uint8)] * 2))
    assert text.shape == image.shape == (2, SPEC.projection_dim)
    assert torch.allclose(encoder.fuse(image, text), image + text)  # CLIP score fusion: sum before normalising


def test_preprocessor_resizes_crops_and_normalises() -> None:
    pre = ImagePreprocessor(size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16},
                            image_mean=[0.5] * 3, image_std=[0.5] * 3)  # fmt: skip
    out = pre([np.full((20, 30, 3), 255, dtype=np.uint8)])
    assert out.shape == (1, 3, 16, 16)
    assert torch.allclose(out, torch.ones_like(out), atol=1e-4)  # white → (1 − 0.5) / 0.5


def test_unknown_fusion_is_an_error(checkpoint: Path) -> None:
    encoder = load_dual_encoder(checkpoint)
    with pytest.raises(ValueError, match="fusion"):
        DualEncoder(encoder.model, encoder.tokenizer, encoder.preprocessor, fusion="concat")


def test_embedding_a_batch_runs_each_encoder_once(checkpoint: Path) -> None:
    encoder = load_dual_encoder(checkpoint)
    images, captions = zip(*World(WorldConfig(image_size=16)).pairs(8), strict=True)
    batch = pair_batch(encoder, list(images), list(captions))
    calls = {"image": 0, "text": 0}
    vision, text = encoder.model.vision_model.forward, encoder.model.text_model.forward

    def count(kind, fn):
        def wrapped(*args, **kwargs):
            calls[kind] += 1
            return fn(*args, **kwargs)

        return wrapped

    encoder.model.vision_model.forward = count("image", vision)
    encoder.model.text_model.forward = count("text", text)
    *_, e_it = embed_pairs(encoder, batch)
    assert calls == {"image": 1, "text": 1}
    assert torch.allclose(e_it.norm(dim=-1), torch.ones(8), atol=1e-5)


@pytest.mark.parametrize("loss", ["cl", "gcl", "cl_fused"])
def test_training_lowers_the_loss(checkpoint: Path, loss: str) -> None:
    torch.manual_seed(0)
    encoder = load_dual_encoder(checkpoint)
    images, captions = zip(*World(WorldConfig(image_size=16, seed=5)).pairs(8), strict=True)
    batch = pair_batch(encoder, list(images), list(captions))
    losses = train(encoder, [batch] * 12, loss=loss, lr=3e-3, warmup=1)  # type: ignore[arg-type]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_loaded_pairs_equal_in_memory_pairs(checkpoint: Path, tmp_path: Path) -> None:
    encoder = load_dual_encoder(checkpoint)
    pairs = list(World(WorldConfig(image_size=16, seed=6)).pairs(6))
    loaded = load_lcs_pairs(write_lcs_pairs(tmp_path, pairs))
    items = Items.pairs([p for p, _ in loaded], [c for _, c in loaded])
    data = ItemDataset(items, CropStore([p for p in items.images if p], encoder.preprocessor, tmp_path / "crops"))
    got = next(batches(data, [[4, 1, 2]], Collate(encoder.tokenizer, encoder.max_text_len)))
    want = pair_batch(encoder, [pairs[i][0] for i in (4, 1, 2)], [pairs[i][1] for i in (4, 1, 2)])
    assert torch.equal(got.crops, want.crops) and torch.equal(got.input_ids, want.input_ids)


def test_batch_order_is_seeded_and_covers_an_epoch_before_repeating() -> None:
    order = batch_order(10, 4, 3, seed=7)
    assert order == batch_order(10, 4, 3, seed=7) != batch_order(10, 4, 3, seed=8)
    first_epoch = [r for b in order[:3] for r in b]
    assert len(set(first_epoch)) == 9 and all(len(b) == 3 for b in order)


@pytest.mark.parametrize(("h", "w", "crop"), [(37, 53, 16), (61, 29, 16), (240, 320, 224)])
def test_preprocessing_equals_transformers_clip_processor(h: int, w: int, crop: int) -> None:
    """Crop (PIL bicubic shortest edge, centre crop) then normalise = transformers' PIL CLIP image processor."""
    clip_processing = pytest.importorskip("transformers.models.clip.image_processing_pil_clip")
    sizes = {"size": {"shortest_edge": crop}, "crop_size": {"height": crop, "width": crop}}
    theirs = clip_processing.CLIPImageProcessorPil(**sizes)
    image = np.random.default_rng(h).integers(0, 256, (h, w, 3), dtype=np.uint8)
    want = theirs(images=[image], return_tensors="pt")["pixel_values"]
    got = ImagePreprocessor(**sizes)([image])
    assert got.shape == want.shape and torch.allclose(got, want, atol=1e-5)
