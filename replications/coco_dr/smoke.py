"""Local stand-ins for the smoke scale: a tiny random BERT (config + word-level vocabulary written to a directory)
and tiny synthetic retrieval sets whose relevance is topical, so training has something to learn."""

from __future__ import annotations

import random
from pathlib import Path

from claimcheck.retrieval.data import Dataset

_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
N_TOPICS = 8
WORDS_PER_TOPIC = 12


def _word(topic: int, i: int) -> str:
    return f"t{topic}w{i}"


def vocabulary() -> list[str]:
    return (
        _SPECIALS + ["the", "of", "and", "."] + [_word(t, i) for t in range(N_TOPICS) for i in range(WORDS_PER_TOPIC)]
    )


def _tokenizer():
    """A BERT WordPiece tokenizer over `vocabulary()` (built from a `tokenizers` object: transformers 5 ignores a
    bare vocab_file)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    vocab = {w: i for i, w in enumerate(vocabulary())}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
    specials = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]"}
    return BertTokenizerFast(tokenizer_object=tok, mask_token="[MASK]", **specials)


def build_tiny_bert(
    out_dir: Path, *, layers: int = 3, hidden: int = 32, dropout: float = 0.0, seed: int = 0, init_range: float = 0.2
) -> Path:
    """A randomly initialised BERT with an MLM head, saved with its tokenizer to `out_dir`.

    `init_range` is 10x BERT's 0.02: at 0.02 a tiny random BERT maps every input to nearly the same [CLS]
    vector, gradients vanish and Adam turns rounding noise into updates."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer()
    config = BertConfig(
        vocab_size=len(vocabulary()),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=128,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        initializer_range=init_range,
    )
    torch.manual_seed(seed)
    BertForMaskedLM(config).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def synthetic_dataset(name: str, topics: list[int], n_docs: int, n_queries: int, seed: int) -> Dataset:
    """Documents are sentences over one topic's words; a query is three words of one document."""
    rng = random.Random(f"{name}-{seed}")
    corpus: dict[str, dict] = {}
    for i in range(n_docs):
        topic = topics[i % len(topics)]
        sentences = [
            " ".join(rng.choice([_word(topic, j) for j in range(WORDS_PER_TOPIC)] + ["the", "of"]) for _ in range(6))
            + " ."
            for _ in range(3)
        ]
        corpus[f"{name}-d{i}"] = {"title": "", "text": " ".join(sentences)}
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    docids = list(corpus)
    for i in range(n_queries):
        d = docids[rng.randrange(len(docids))]
        words = [w for w in corpus[d]["text"].split() if w.startswith("t")]
        queries[f"{name}-q{i}"] = " ".join(rng.sample(words, 3))
        qrels[f"{name}-q{i}"] = {d: 1}
    return Dataset(name, corpus, queries, qrels)


def smoke_source() -> Dataset:
    """The smoke scale's fine-tuning source: topics 0-3."""
    return synthetic_dataset("source", [0, 1, 2, 3], 40, 40, seed=0)


def smoke_targets() -> dict[str, Dataset]:
    """The smoke scale's targets (and COCO corpora): topics 4-5 and 6-7, unseen in the source."""
    return {
        "synthetic-a": synthetic_dataset("synthetic-a", [4, 5], 30, 12, seed=1),
        "synthetic-b": synthetic_dataset("synthetic-b", [6, 7], 30, 12, seed=2),
    }
