"""ONNX Runtime execution of a `transformers` encoder, for CPUs without native bf16.

On an AVX2-only CPU, torch's eager BERT runs its attention, GELU and LayerNorm as separate memory passes and
has no fast low-precision path (bf16 is emulated). ONNX Runtime's transformer optimiser fuses each attention
block, bias+GELU and residual+LayerNorm into single kernels, and its int8 GEMMs (per-channel weights, dynamic
per-batch activations) use the AVX2 integer units. `Encoder(..., backend="onnxruntime")` swaps the model for an
`OnnxEncoderModel`; tokenisation, batching, pooling and normalisation stay in `Encoder`, so both backends share
the protocol code.

The ONNX file is derived from the loaded weights: exported once per (weights, precision, recipe) and cached under
`<home>/onnx/<sha256 of the weights>-<precision>-r<recipe>/model.onnx`. A cache entry is written in a temporary
directory and renamed into place, so a crash never leaves a half-written model for the next run.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from claimcheck.home import subdir

OnnxPrecision = Literal["fp32", "int8"]

# Only the GEMMs are quantised. The fused EmbedLayerNormalization is a table lookup that int8 does not speed up, and
# quantising its word-embedding table cost the most accuracy: on 300 CISI abstracts all-MiniLM-L6-v2's int8 vectors
# sat at mean cosine 0.971 to fp32 with it, 0.993 without.
QUANTISED_OPS = ("MatMul", "Attention")
# Bumped whenever the export/fuse/quantise recipe changes, so a cache entry built by an older recipe is never reused.
RECIPE = "2"


class OnnxEncoderModel:
    """Callable like a `transformers` encoder: `model(input_ids=, attention_mask=)[0]` is the last hidden state."""

    def __init__(self, path: Path, hidden_size: int, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.config = SimpleNamespace(hidden_size=hidden_size)  # what `Encoder` reads of a model's config
        self.path = path

    def __call__(self, input_ids: Any, attention_mask: Any) -> tuple[Any]:
        import numpy as np
        import torch

        feed = {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        (hidden,) = self.session.run(["last_hidden_state"], feed)
        return (torch.from_numpy(hidden),)


def weights_key(model: Any) -> str:
    """sha256 over the parameter names, shapes and bytes: the cache key of everything exported from them."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tuple(data.shape)}:{data.dtype}".encode())
        digest.update(data.view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def onnx_encoder(model: Any, precision: OnnxPrecision = "fp32", threads: int | None = None) -> OnnxEncoderModel:
    """An ONNX Runtime session for this torch encoder (a BERT-family `transformers` model), built or reused."""
    import torch

    stem = f"{weights_key(model)}-{precision}"
    target = subdir("onnx") / f"{stem}-r{RECIPE}" / "model.onnx"
    if not target.is_file():
        _build(model, precision, target)
        _prune_older_recipes(target.parent, stem)
    return OnnxEncoderModel(target, int(model.config.hidden_size), threads or torch.get_num_threads())


def _prune_older_recipes(entry: Path, stem: str) -> None:
    """Delete what older recipes built from the same weights at the same precision: nothing will read it again."""
    for old in [entry.parent / stem, *entry.parent.glob(f"{stem}-r*")]:
        if old != entry and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _build(model: Any, precision: OnnxPrecision, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent.parent))
    try:
        plain, fused = staging / "plain.onnx", staging / "fused.onnx"
        _export(model, plain)
        _fuse(plain, fused, model.config)
        final = staging / "final"
        final.mkdir()
        if precision == "int8":
            _quantize(fused, final / "model.onnx")
            _check_quantised(final / "model.onnx")
        else:
            shutil.move(fused, final / "model.onnx")
        try:
            final.rename(target.parent)
        except OSError:  # another process finished the same entry first: theirs is identical
            if not target.is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _last_hidden(model: Any) -> Any:
    """The model as a module of positional (input_ids, attention_mask, token_type_ids) → last hidden state."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]

    return LastHidden()


def _export(model: Any, path: Path) -> None:
    import warnings

    import torch

    # Eager attention exports as plain MatMul/Softmax, the pattern ONNX Runtime's optimiser fuses; SDPA would not.
    previous = getattr(model.config, "_attn_implementation", None)
    model.config._attn_implementation = "eager"
    ids = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # exporter notices about tracing; the graph is checked by tests
            torch.onnx.export(
                _last_hidden(model.float().eval()),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(path),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
    finally:
        model.config._attn_implementation = previous


def _fuse(source: Path, target: Path, config: Any) -> None:
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    fused.save_model_to_file(str(target))


def quantised_parts(path: Path) -> tuple[set[str], int]:
    """The quantised operators of an ONNX graph and how many of its weight initialisers are 8-bit integers."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    integer = {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}
    ops = {node.op_type for node in graph.node} & {"QAttention", "MatMulInteger", "DynamicQuantizeMatMul", "QGemm"}
    return ops, sum(1 for init in graph.initializer if init.data_type in integer and len(init.dims) == 2)


def _check_quantised(path: Path) -> None:
    """An int8 entry whose GEMMs came out float (a quantiser that skipped them) is an error, never fp32 as int8."""
    from claimcheck.retrieval.encoders import PrecisionUnavailable

    ops, weights = quantised_parts(path)
    if not ops or not weights:
        raise PrecisionUnavailable(
            f"int8: ONNX Runtime's quantiser left the graph in float ({len(ops)} quantised operators, "
            f"{weights} integer weight matrices)"
        )


def _quantize(source: Path, target: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the quantiser logs a pre-processing suggestion on the root logger for every model (it targets static
    # quantisation of CNNs); keep it off the user's terminal
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(source),
            str(target),
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=list(QUANTISED_OPS),
            # the fused Attention/SkipLayerNorm ops come from ONNX Runtime's own domain, where shape inference
            # cannot type their outputs; they are float tensors
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
