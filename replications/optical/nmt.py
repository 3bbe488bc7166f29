"""Neural MT for translate-then-retrieve: a pretrained sequence-to-sequence model through `transformers`.

The paper's translate-then-retrieve baseline uses neural machine translation (which system, and whether it was
trained on the same bitext, is not stated in what could be read here; see README). At full scale the baseline
is a public multilingual NMT model from the hub: by default `facebook/nllb-200-distilled-600M`, which covers
Swahili, Yoruba, Hausa and Zulu (and the XQuAD-R languages) → English in one model; per-language OPUS-MT
(Marian) models are an option (`model` as a language → checkpoint map, no language codes).

NLLB is told the source language through its tokenizer (`src_lang`, a FLORES-200 code) and the target by
forcing the first generated token to the target code; Marian models are one pair each and need neither.
Decoding is deterministic (beam search, no sampling), in batches sorted by length, results in input order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from claimcheck.models import Record

# FLORES-200 codes of the languages this replication names (NLLB's `src_lang` / forced target token).
FLORES = {
    "swa": "swh_Latn",
    "yor": "yor_Latn",
    "hau": "hau_Latn",
    "zul": "zul_Latn",
    "de": "deu_Latn",
    "es": "spa_Latn",
    "tr": "tur_Latn",
    "vi": "vie_Latn",
    "en": "eng_Latn",
}


class NMTConfig(Record):
    """Which translation system `translate_retrieve` uses, and how it decodes."""

    kind: Literal["ibm1", "hub"] = Field(default="ibm1", description="ibm1: word-based, learned from the bitext")
    model: str | dict[str, str] = Field(
        default="facebook/nllb-200-distilled-600M", description="hub id, or language → hub id (OPUS-MT)"
    )
    codes: bool = Field(default=True, description="the model takes FLORES-200 language codes (NLLB, M2M)")
    beams: int = Field(default=4, ge=1)
    batch_size: int = Field(default=32, ge=1)
    max_new_tokens: int = Field(default=128, ge=1)
    ibm1_iterations: int = Field(default=10, ge=1)

    def checkpoint(self, language: str) -> str:
        if isinstance(self.model, str):
            return self.model
        if language not in self.model:
            raise KeyError(f"nmt.model names no checkpoint for language {language!r} (has: {sorted(self.model)})")
        return self.model[language]


@dataclass
class NeuralTranslator:
    """A seq2seq model and its tokenizer translating one source language into English."""

    model: Any
    tokenizer: Any
    source_code: str | None = None  # FLORES-200 code for multilingual models; None for one-pair models
    target_code: str | None = None
    beams: int = 4
    batch_size: int = 32
    max_new_tokens: int = 128
    name: str = "neural MT"
    kind: str = field(default="neural", init=False)

    def translate_all(self, texts: Sequence[str]) -> list[str]:
        """Translations of `texts`, in order; batches are formed by length so padding stays small."""
        import torch

        from claimcheck.retrieval.distributed import device_of

        if self.source_code is not None:
            self.tokenizer.src_lang = self.source_code
        forced = {}
        if self.target_code is not None:
            forced["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(self.target_code)
        order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
        out: list[str] = [""] * len(texts)
        device = device_of(self.model)
        self.model.eval()
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            enc = self.tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True, truncation=True)
            with torch.inference_mode():
                generated = self.model.generate(
                    **{k: v.to(device) for k, v in enc.items()},
                    num_beams=self.beams,
                    do_sample=False,
                    max_new_tokens=self.max_new_tokens,
                    **forced,
                )
            for i, text in zip(idx, self.tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                out[i] = text.strip()
        return out


@functools.lru_cache(maxsize=1)
def _pretrained(name: str, device: str) -> tuple[Any, Any]:
    """(model, tokenizer) of a hub checkpoint; the last one stays loaded, so one NLLB serves every language."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from claimcheck.home import network_allowed

    offline = not network_allowed()
    tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=offline)
    return AutoModelForSeq2SeqLM.from_pretrained(name, local_files_only=offline).to(device), tokenizer


def load_translator(cfg: NMTConfig, language: str, device: str) -> NeuralTranslator:
    """The hub model `cfg` names for `language` → English (offline unless the network is allowed)."""
    name = cfg.checkpoint(language)
    model, tokenizer = _pretrained(name, device)
    if cfg.codes and language not in FLORES:
        raise KeyError(f"no FLORES-200 code known for language {language!r} (known: {sorted(FLORES)})")
    return NeuralTranslator(
        model,
        tokenizer,
        source_code=FLORES[language] if cfg.codes else None,
        target_code=FLORES["en"] if cfg.codes else None,
        beams=cfg.beams,
        batch_size=cfg.batch_size,
        max_new_tokens=cfg.max_new_tokens,
        name=name,
    )
