"""A CLIP-style dual encoder through `transformers.CLIPModel`, with a pluggable fused embedding.

Every scale loads a model the same way: `load_dual_encoder(name_or_path)` reads a hub id (full scale:
`openai/clip-vit-base-patch32`, TinyCLIP) or a local directory in the hub's layout (`config.json` + weights,
`tokenizer.json`/`tokenizer_config.json`, `preprocessor_config.json`). Smoke and proxy first write a tiny random
CLIP in that layout with `write_tiny_checkpoint`, so they exercise the same loading path.

Images are preprocessed by `ImagePreprocessor`, which follows the checkpoint's `preprocessor_config.json` in two
halves: `crop` (PIL bicubic resize of the shortest edge and centre crop, as transformers' CLIP processor) gives
uint8 crops, decoded in DataLoader workers and cached (`images.py`); `normalise` (rescale, mean/std) runs on the
model's device. transformers' processor would hand over float pixels: four times the bytes to cache and to move.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from claimcheck.retrieval.distributed import device_of

if TYPE_CHECKING:
    import torch

HUB_CHECKPOINTS = {
    "clip": "openai/clip-vit-base-patch32",
    "tinyclip": "wkcn/TinyCLIP-ViT-8M-16-Text-3M-YFCC15M",
}
PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"


class TinyClipSpec(BaseModel):
    """Sizes of the tiny CLIP used at smoke and proxy scale."""

    model_config = ConfigDict(extra="forbid")

    image_size: int = 48
    patch_size: int = 8
    hidden: int = 64
    layers: int = 2
    heads: int = 4
    projection_dim: int = 64
    max_text_len: int = 24


class ImagePreprocessor(BaseModel):
    """CLIP preprocessing from a checkpoint's `preprocessor_config.json` (only the fields CLIP uses)."""

    model_config = ConfigDict(extra="ignore")

    size: dict[str, int] | int = {"shortest_edge": 224}
    crop_size: dict[str, int] | int = {"height": 224, "width": 224}
    image_mean: list[float] = [0.48145466, 0.4578275, 0.40821073]
    image_std: list[float] = [0.26862954, 0.26130258, 0.27577711]
    rescale_factor: float = 1 / 255
    do_resize: bool = True
    do_center_crop: bool = True

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> ImagePreprocessor:
        path = Path(name_or_path) / "preprocessor_config.json"
        if not path.is_file():  # a hub id: the file comes from the hub cache (network at full scale)
            from transformers.utils import cached_file

            path = Path(cached_file(str(name_or_path), "preprocessor_config.json"))
        return cls.model_validate(json.loads(path.read_text()))

    @property
    def crop_pixels(self) -> int:
        return self.crop_size if isinstance(self.crop_size, int) else self.crop_size["height"]

    def crop(self, image: np.ndarray) -> np.ndarray:
        """uint8 (H, W, 3) of any size → uint8 (crop, crop, 3): shortest edge resized (PIL bicubic, as
        transformers' CLIP processor), then centre-cropped. Cheap to cache and to move: 1 byte per value."""
        from PIL import Image

        crop = self.crop_pixels
        short = self.size if isinstance(self.size, int) else self.size.get("shortest_edge", crop)
        h, w = image.shape[:2]
        if self.do_resize and min(h, w) != short:
            scale = short / min(h, w)
            size = (max(short, int(w * scale)), max(short, int(h * scale)))  # PIL takes (width, height)
            image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BICUBIC))
        if self.do_center_crop:
            top, left = (image.shape[0] - crop) // 2, (image.shape[1] - crop) // 2
            image = image[top : top + crop, left : left + crop]
        if image.shape[:2] != (crop, crop):
            raise ValueError(f"image of {h}×{w} gives a {image.shape[0]}×{image.shape[1]} crop, expected {crop}")
        return np.ascontiguousarray(image, dtype=np.uint8)

    def normalise(self, crops: torch.Tensor) -> torch.Tensor:
        """uint8 (B, crop, crop, 3) → float (B, 3, crop, crop), rescaled and normalised where `crops` lives
        (on the GPU at full scale: the host only ever holds bytes)."""
        import torch

        mean = torch.tensor(self.image_mean, device=crops.device).view(1, 3, 1, 1)
        std = torch.tensor(self.image_std, device=crops.device).view(1, 3, 1, 1)
        return (crops.permute(0, 3, 1, 2).float() * self.rescale_factor - mean) / std

    def __call__(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        """uint8 (H, W, 3) arrays of any size → normalised (B, 3, crop, crop) float tensor."""
        import torch

        return self.normalise(torch.from_numpy(np.stack([self.crop(image) for image in images])))


def write_tiny_checkpoint(out_dir: str | Path, words: Sequence[str], spec: TinyClipSpec, seed: int = 0) -> Path:
    """A randomly initialised tiny CLIP saved in the hub's layout, with a word-level tokenizer over `words`."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # EOS gets the last id: CLIP's text pooling looks it up by id (id 2 would select legacy argmax pooling)
    vocab = {token: i for i, token in enumerate([PAD, UNK, BOS, *sorted(set(words)), EOS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", special_tokens=[(BOS, vocab[BOS]), (EOS, vocab[EOS])]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, unk_token=UNK, bos_token=BOS, eos_token=EOS,
        model_max_length=spec.max_text_len,
    )  # fmt: skip
    tokenizer.save_pretrained(out)
    layers = {"num_hidden_layers": spec.layers, "num_attention_heads": spec.heads}
    sizes = {"hidden_size": spec.hidden, "intermediate_size": 2 * spec.hidden, **layers}
    config = CLIPConfig(
        text_config={
            **sizes,
            "vocab_size": len(vocab),
            "max_position_embeddings": spec.max_text_len,
            "pad_token_id": vocab[PAD],
            "bos_token_id": vocab[BOS],
            "eos_token_id": vocab[EOS],
        },
        vision_config={**sizes, "image_size": spec.image_size, "patch_size": spec.patch_size},
        projection_dim=spec.projection_dim,
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(out)
    preprocessor = {
        "size": {"shortest_edge": spec.image_size},
        "crop_size": {"height": spec.image_size, "width": spec.image_size},
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
    }
    (out / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=1))
    return out


def _features(output: Any) -> torch.Tensor:
    # transformers 5 returns a model output whose pooler_output is the projection; 4.x returns the tensor
    return output if not hasattr(output, "pooler_output") else output.pooler_output


Fusion = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]


def _sum(image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    return image + text


def _sum_of_unit(image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    import torch.nn.functional as F

    return F.normalize(image, dim=-1) + F.normalize(text, dim=-1)


# Fused embedding before normalisation. "sum" is UniIR's CLIP score fusion (the default, per REFERENCE.md).
FUSIONS: dict[str, Fusion] = {"sum": _sum, "sum_of_unit": _sum_of_unit}


class DualEncoder:
    """A CLIPModel with its tokenizer and preprocessor; embeds images, texts and image+text pairs."""

    def __init__(self, model: Any, tokenizer: Any, preprocessor: ImagePreprocessor, fusion: str = "sum") -> None:
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; known: {sorted(FUSIONS)}")
        self.model = model
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
        self.fusion = fusion

    @property
    def max_text_len(self) -> int:
        return int(self.model.config.text_config.max_position_embeddings)

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_text_len, return_tensors="pt"
        )
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    @property
    def device(self) -> torch.device:
        return device_of(self.model)

    def image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Features of normalised float pixels, or of uint8 crops (normalised on the model's device)."""
        import torch

        pixels = pixel_values.to(self.device)
        if pixels.dtype == torch.uint8:
            pixels = self.preprocessor.normalise(pixels)
        return _features(self.model.get_image_features(pixel_values=pixels))

    def text_features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        ids, mask = input_ids.to(self.device), attention_mask.to(self.device)
        return _features(self.model.get_text_features(input_ids=ids, attention_mask=mask))

    def fuse(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return FUSIONS[self.fusion](image, text)

    def temperature(self) -> torch.Tensor:
        """CLIP's learned temperature, 1 / exp(logit_scale), with CLIP's cap of 100 on the scale."""
        return 1.0 / self.model.logit_scale.clamp(max=np.log(100.0)).exp()


PRECISIONS = ("fp32", "bf16")


def autocast(precision: str, device: torch.device | str) -> Any:
    """bf16 autocast where asked (the GPU's full scale), else a no-op; losses are taken in fp32 either way."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; known: {PRECISIONS}")
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=precision == "bf16")


def load_dual_encoder(name_or_path: str | Path, fusion: str = "sum", device: str = "cpu") -> DualEncoder:
    """Load a CLIP dual encoder from a hub id or a local directory in the hub's layout."""
    from transformers import AutoTokenizer, CLIPModel

    model = CLIPModel.from_pretrained(str(name_or_path)).to(device)
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    return DualEncoder(model, tokenizer, ImagePreprocessor.from_pretrained(name_or_path), fusion=fusion)


def weight_files(path: str | Path) -> list[Path]:
    """The weight files of a local checkpoint directory (for fingerprints)."""
    p = Path(path)
    return sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")) if p.is_dir() else []
