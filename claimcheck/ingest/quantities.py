"""Measurable statements in claim text → `Quantity`.

Two shapes occur in syntheses:
- absolute: "COCO-DR Base model without iDRO achieves an nDCG@10 score of 0.353 on the BioASQ dataset."
- relative change: "The proposed method achieved a 13.7% improvement in MAP over a method based on neural
  machine translation on low-resource languages."
Metric names are normalised to ir_measures spelling; "the proposed method" is resolved to the examined paper's
method name when the caller knows it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from claimcheck.metric_names import normalise_metric
from claimcheck.models import MAX_DECIMALS, Quantity

# Acronyms are matched case-sensitively ("MAP", not the word "map"); prose names case-insensitively.
_METRIC_TOKEN = r"(?:nDCG|NDCG|ndcg)(?:@|_at_|_cut_)\d+|MAP(?:@\d+)?|MRR(?:@\d+)?|(?:R|Recall|P|Precision)@\d+"
_METRIC_PROSE = r"(?i:mean average precision|mean reciprocal rank)"
_METRIC = re.compile(rf"(?<![\w@])(?:{_METRIC_TOKEN}|{_METRIC_PROSE})(?![\w@])")
_PROSE_TO_METRIC = {"mean average precision": "MAP", "mean reciprocal rank": "MRR"}

# A score: a decimal number that is not part of a cutoff ("@10"), a version ("v1.5") or a percentage.
_SCORE = re.compile(r"(?<![\w.@])(\d+\.\d+)(?![\d.]*\d)(?!\s*%)")
_PERCENT = re.compile(r"(?<![\w.@])(\d+(?:\.\d+)?)\s*%")

_VERB = r"(?:achieves|achieved|obtains|obtained|scores|scored|reaches|reached|attains|attained|yields|yielded|gets|got)"
_DATASET = re.compile(r"\bon (?:the )?(?P<ds>[A-Z0-9][\w\-]*(?:\.\d+)?(?: [A-Z0-9][\w\-]*(?:\.\d+)?)*)(?=[\s.,;:)]|$)")
_CONDITION = re.compile(r"\b(?P<word>without|w/o|with|minus)\s+(?P<what>.+)$", re.IGNORECASE)
_RELATIVE = re.compile(
    rf"(?P<value>\d+(?:\.\d+)?)\s*%\s*(?:relative\s+)?(?P<dir>improvement|increase|gain|boost|drop|decrease|reduction)"
    rf"\s+(?:in|of)\s+(?P<metric>{_METRIC_TOKEN}|{_METRIC_PROSE})"
    r"(?:\s+over\s+(?P<rest>[^.;]+?))?\s*[.,;]?\s*$"
)
_NEGATIVE = {"drop", "decrease", "reduction"}
_SELF = re.compile(r"^(?:the\s+)?(?:proposed|our|presented|new)\s+(?:method|approach|model|framework)$", re.I)
_BASELINE_PREFIX = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:method|approach|baseline|system|pipeline)s?\s+(?:based\s+on|using)\s+)?(?:(?:a|an|the)\s+)?",
    re.I,
)
_BASELINE_SUFFIX = re.compile(r"\s*[-\s](?:based\s+)?(?:method|approach|baseline|system|pipeline)s?$", re.I)
_RESOURCE = re.compile(r"^(low|medium|mid|high)-resource(?:\s+\w*)?$", re.I)


def has_measurement(text: str) -> bool:
    """Whether the text states a number that reads as a measurement (a decimal score or a percentage)."""
    return bool(_SCORE.search(text) or _PERCENT.search(text))


def _metric(name: str) -> str:
    return normalise_metric(_PROSE_TO_METRIC.get(name.lower(), name))


def _decimals(number: str) -> int:
    # a double holds about 17 significant digits: more decimal places than that are no finer a precision
    return min(len(number.split(".", 1)[1]), MAX_DECIMALS) if "." in number else 0


def _subject(phrase: str, method_name: str | None) -> str | None:
    phrase = phrase.strip(" ,")
    if _SELF.match(phrase):
        return method_name or phrase
    phrase = re.sub(r"^(?:the|our)\s+", "", phrase, flags=re.I)
    phrase = re.sub(r"\s+(?:model|variant|system|retriever)$", "", phrase, flags=re.I).strip()
    return phrase or None


def _setting(phrase: str | None) -> str | None:
    if not phrase:
        return None
    phrase = phrase.strip()
    # "low-resource" (cut or not) in a cross-lingual claim means low-resource languages
    match = _RESOURCE.match(phrase)
    if match:
        return f"{match.group(1).lower()}-resource languages"
    return phrase


def _baseline_and_setting(rest: str | None) -> tuple[str | None, str | None]:
    """ "a method based on neural machine translation on low-resource languages" → (NMT phrase, setting)."""
    if not rest:
        return None, None
    rest = _BASELINE_PREFIX.sub("", rest.strip())
    parts = re.split(r"\s+(?:on|for|in)\s+", rest)
    baseline, setting = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (rest, None)
    baseline = _BASELINE_SUFFIX.sub("", baseline).strip()
    return baseline or None, _setting(setting)


def _relative(text: str, method_name: str | None) -> Quantity | None:
    match = _RELATIVE.search(text)
    if not match:
        return None
    head = text[: match.start()]
    verb = re.search(rf"^(?P<subj>.+?)\s+(?:{_VERB}|shows|showed|gives|gave|brings|brought)\s+(?:an?\s+)?$", head)
    value = float(match["value"])
    baseline, setting = _baseline_and_setting(match["rest"])
    return Quantity(
        kind="relative-change",
        subject=_subject(verb["subj"], method_name) if verb else method_name,
        metric=_metric(match["metric"]),
        value=-value if match["dir"].lower() in _NEGATIVE else value,
        unit="percent",
        decimals=_decimals(match["value"]),
        baseline=baseline,
        setting=setting,
    )


def _absolute(text: str, method_name: str | None) -> Quantity | None:
    scores = _SCORE.findall(text)
    metrics = _METRIC.findall(text)
    # One number and one metric: anything more is a comparison this extractor does not guess at.
    if len(scores) != 1 or len({_metric(m) for m in metrics}) != 1:
        return None
    verb = re.search(rf"^(?P<subj>.+?)\s+{_VERB}\b", text)
    subject = condition = None
    if verb:
        subject_phrase = verb["subj"]
        cond = _CONDITION.search(subject_phrase)
        if cond:
            word = "without" if cond["word"].lower() == "w/o" else cond["word"].lower()
            condition = f"{word} {cond['what'].strip()}"
            subject_phrase = subject_phrase[: cond.start()]
        subject = _subject(subject_phrase, method_name)
    dataset = _DATASET.search(text[text.find(scores[0]) :])
    return Quantity(
        kind="absolute",
        subject=subject,
        metric=_metric(metrics[0]),
        value=float(scores[0]),
        unit="score",
        decimals=_decimals(scores[0]),
        dataset=dataset["ds"] if dataset else None,
        condition=condition,
    )


def extract_quantity(text: str, method_name: str | None = None) -> Quantity | None:
    """The claim's quantity, or None when it states none (or one this extractor cannot read unambiguously)."""
    found = _extract(text, method_name)
    return found.model_copy() if found is not None else None  # callers may edit their copy


@lru_cache(maxsize=1 << 16)  # the same row text recurs across reports
def _extract(text: str, method_name: str | None) -> Quantity | None:
    return _relative(text, method_name) or _absolute(text, method_name)


def describe(q: Quantity) -> str:
    """One line for people: "COCO-DR Base (without iDRO): nDCG@10 = 0.353 on BioASQ"."""
    who = q.subject or "?"
    if q.condition:
        who += f" ({q.condition})"
    if q.kind == "relative-change":
        line = f"{who}: {q.metric or '?'} {q.value:+.{q.decimals}f}% vs {q.baseline or '?'}"
        return line + (f" on {q.setting}" if q.setting else "")
    return f"{who}: {q.metric or '?'} = {q.value:.{q.decimals}f}" + (f" on {q.dataset}" if q.dataset else "")
