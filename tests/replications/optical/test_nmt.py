"""The neural MT baseline runs offline with a tiny seq2seq model built from a config (NLLB's M2M100 architecture)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.optical.baselines import IBM1Translator, translator_for  # noqa: E402
from replications.optical.nmt import FLORES, NeuralTranslator, NMTConfig  # noqa: E402


def test_translations_come_back_in_input_order_and_are_deterministic(tiny_nllb) -> None:
    model, tokenizer = tiny_nllb
    texts = ["habari ya asubuhi leo", "habari", "ya leo habari ya asubuhi habari"]
    translator = NeuralTranslator(model, tokenizer, FLORES["swa"], FLORES["en"], beams=2, batch_size=2,
                                  max_new_tokens=6)  # fmt: skip
    first = translator.translate_all(texts)
    assert len(first) == 3 and all(isinstance(t, str) for t in first)
    assert translator.translate_all(texts) == first
    one_by_one = [translator.translate_all([t])[0] for t in texts]  # sorting into batches must not reorder
    assert one_by_one == first
    assert translator.kind == "neural"


def test_the_target_language_code_is_forced_as_the_first_token(tiny_nllb) -> None:
    model, tokenizer = tiny_nllb
    seen: list[torch.Tensor] = []
    original = model.generate

    def spy(**kwargs):
        out = original(**kwargs)
        seen.append(out)
        return out

    model.generate = spy
    try:
        NeuralTranslator(model, tokenizer, FLORES["swa"], FLORES["en"], beams=1, max_new_tokens=4).translate_all(
            ["habari ya leo"]
        )
    finally:
        del model.generate
    assert int(seen[0][0, 1]) == tokenizer.convert_tokens_to_ids(FLORES["en"])


def test_config_picks_ibm1_offline_and_names_a_checkpoint_per_language() -> None:
    translator = translator_for(NMTConfig(kind="ibm1"), "swa", ["habari ya leo"], ["news of today"], "cpu")
    assert isinstance(translator, IBM1Translator) and translator.kind == "word-statistical"
    per_language = NMTConfig(kind="hub", model={"swa": "Helsinki-NLP/opus-mt-sw-en"}, codes=False)
    assert per_language.checkpoint("swa") == "Helsinki-NLP/opus-mt-sw-en"
    with pytest.raises(KeyError, match="no checkpoint for language 'yor'"):
        per_language.checkpoint("yor")
