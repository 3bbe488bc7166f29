from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

pytest.importorskip("onnxruntime", reason="the onnxruntime backend is optional (extra 'onnx')")
pytest.importorskip("onnx", reason="exporting to ONNX needs the onnx package (extra 'onnx')")

from claimcheck.retrieval.encoders import PROTOCOLS, Encoder, PrecisionUnavailable
from claimcheck.retrieval.onnx_runtime import _check_quantised, onnx_encoder, quantised_parts, weights_key

DOCS = [
    {"title": "Wing Flow", "text": "the pressure over a wing in a slipstream"},
    {"title": "", "text": "heat transfer in a boundary layer"},
    {"title": "Cancer", "text": " ".join(["tumor cells and drug dose"] * 40)},
    {"title": "x", "text": "a"},
]


def test_fp32_onnx_equals_torch_and_int8_stays_close(tiny_bert: Path) -> None:
    p = PROTOCOLS["minilm"]
    reference = Encoder(tiny_bert, p, batch_size=2, token_budget=64).encode_corpus(DOCS)
    fp32 = Encoder(tiny_bert, p, batch_size=2, token_budget=64, backend="onnxruntime").encode_corpus(DOCS)
    assert fp32.dtype == torch.float32 and fp32.shape == reference.shape
    assert torch.allclose(fp32, reference, atol=1e-4)
    encoder = Encoder(tiny_bert, p, precision="int8", backend="onnxruntime")
    int8 = encoder.encode_corpus(DOCS)
    assert not torch.equal(int8, reference)
    assert torch.all(torch.nn.functional.cosine_similarity(int8, reference, dim=-1) > 0.98)
    # what runs is the quantised graph: every GEMM weight of the 2-layer model (fused QKV, attention output, two
    # FFN matrices per layer) is an 8-bit integer matrix, whatever its outputs happen to round to
    ops, integer_weights = quantised_parts(encoder.model.path)
    assert "QAttention" in ops and integer_weights == 4 * 2


def test_an_int8_graph_left_in_float_is_an_error(tiny_bert: Path) -> None:
    from transformers import AutoModel

    fp32 = onnx_encoder(AutoModel.from_pretrained(tiny_bert).eval(), "fp32", threads=1)
    assert quantised_parts(fp32.path) == (set(), 0)
    with pytest.raises(PrecisionUnavailable, match="left the graph in float"):
        _check_quantised(fp32.path)


def test_export_is_cached_by_weights_and_precision(tiny_bert: Path, claimcheck_home: Path) -> None:
    from transformers import AutoModel

    model = AutoModel.from_pretrained(tiny_bert).eval()
    first = onnx_encoder(model, "fp32", threads=1)
    stamp = first.path.stat().st_mtime_ns
    assert onnx_encoder(model, "fp32", threads=1).path == first.path
    assert first.path.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert first.path.is_relative_to(claimcheck_home / "onnx")
    assert onnx_encoder(model, "int8", threads=1).path != first.path
    assert not list((claimcheck_home / "onnx").glob(".build-*"))  # no staging left behind
    stem = first.path.parent.name.rsplit("-r", 1)[0]
    for stale in (f"{stem}", f"{stem}-r0"):  # entries an older recipe built from the same weights
        (claimcheck_home / "onnx" / stale).mkdir()
    shutil.rmtree(first.path.parent)
    assert onnx_encoder(model, "fp32", threads=1).path == first.path  # rebuilt ...
    assert not (claimcheck_home / "onnx" / stem).exists() and not (claimcheck_home / "onnx" / f"{stem}-r0").exists()
    assert len(list((claimcheck_home / "onnx").glob("*-int8-r*"))) == 1  # ... and the other precision kept
    with torch.no_grad():
        model.encoder.layer[0].output.dense.bias.add_(1.0)
    assert weights_key(model) not in str(first.path)  # changed weights, new entry


def test_int8_quantises_the_gemms_and_keeps_the_embedding_table_float(tiny_bert: Path) -> None:
    import onnx
    from transformers import AutoModel

    session = onnx_encoder(AutoModel.from_pretrained(tiny_bert).eval(), "int8", threads=1)
    ops = {node.op_type for node in onnx.load(str(session.path)).graph.node}
    assert {"QAttention", "MatMulInteger"} <= ops or {"QAttention", "DynamicQuantizeMatMul"} <= ops
    assert "EmbedLayerNormalization" in ops and "QEmbedLayerNormalization" not in ops
    assert "MatMul" not in ops  # every dense layer runs in int8


def test_onnx_backend_refuses_what_it_cannot_run(tiny_bert: Path) -> None:
    with pytest.raises(ValueError, match="onnxruntime backend"):
        Encoder(tiny_bert, "minilm", precision="bf16", backend="onnxruntime")
