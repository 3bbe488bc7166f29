"""Measurable statements in claim text → `Quantity`, or a note saying why there is none.

The forms read (each is a test case in tests/ingest/test_quantities.py):
- absolute: "X achieves an nDCG@10 score of 0.789 on D", "X scores 0.65 nDCG@10 on D", "an nDCG@10 of 78.9%".
  A fraction-valued metric (nDCG, AP, RR, recall, precision, success) written above 1 is in percent: unit
  "percent", and the note says it was read so;
- a range: "between 0.42 and 0.45", "0.42-0.45", "0.42 to 0.45" → `low`..`high` (`value` is the midpoint);
- a stated deviation: "0.789 ± 0.004", "0.789 (±0.004)", "0.789 +/- 0.004" → `value` and `deviation`;
- relative change, in percent of the baseline: "a 13.7% improvement in MAP over B", "improves MAP by 21.5% over
  B", "outperforms B by 5% on D", "5% higher nDCG@10 than B";
- absolute change, in the metric's units ("percent": percentage points): "by 2.3 points", "by 2.3 pp",
  "outperforms B by 0.023 nDCG@10", "from 46.1% to 48.4%". When the claim states both a change and its end
  points they must agree (within the rounding of the digits given), or the claim gets no quantity.
Anything else that holds a number — several numbers in no form above, two metrics, a comparison whose number
belongs to nobody, a number too large for a float — gets no quantity and a note: a wrong quantity would decide
a verdict, a missing one only leaves it undecided. "The proposed method" resolves to the examined paper's
method name when the caller knows it. Metric names are normalised to ir_measures spelling.

The numbers themselves (with their units, ranges, pairs and deviations) are found by `numbers`; the forms here
are matched at fixed positions around them, every pattern linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from claimcheck.ingest.normalise import inline
from claimcheck.ingest.numbers import NumberExpr, Unreadable, number_expressions
from claimcheck.metric_names import normalise_metric
from claimcheck.models import Quantity

# A claim longer than this is not read for numbers (claims are sentences; this bounds the work on hostile input).
MAX_CHARS = 5000

# Acronyms are matched case-sensitively ("MAP", not the word "map"); prose names case-insensitively.
_METRIC_TOKEN = (
    r"(?:nDCG|NDCG|ndcg)(?:@|_at_|_cut_)\d+|MAP(?:@\d+)?|MRR(?:@\d+)?|(?:R|Recall|P|Precision|Success|Hit)@\d+"
)
_METRIC_PROSE = r"(?i:mean average precision|mean reciprocal rank)"
_METRIC = re.compile(rf"(?<![\w@])(?:{_METRIC_TOKEN}|{_METRIC_PROSE})(?![\w@])")
_PROSE_TO_METRIC = {"mean average precision": "MAP", "mean reciprocal rank": "MRR"}
# Metrics whose values lie in 0..1: written above 1, a value is in percent.
_FRACTION_METRICS = ("nDCG", "AP", "RR", "R", "P", "Success")


_VERB = (
    r"(?:achieves|achieved|obtains|obtained|scores|scored|reaches|reached|attains|attained|yields|yielded|gets|got"
    r"|records|recorded|shows|showed|gives|gave|brings|brought|delivers|delivered|is|was|are|were|performs"
    r"|performed)"
)
_SUBJECT_VERB = re.compile(rf"^(?P<subj>.+?) {_VERB}\b")  # texts are `inline`: single spaces
_CHANGE_VERB = re.compile(
    r"\b(?P<v>improv(?:es|ed|ing|e)|increas(?:es|ed|ing|e)|boost(?:s|ed|ing)?|rais(?:es|ed|ing|e)|lift(?:s|ed|ing)?"
    r"|outperform(?:s|ed|ing)?|beat(?:s|ing)?|surpass(?:es|ed|ing)?|exceed(?:s|ed|ing)?|ris(?:es|ing|e)|rose"
    r"|reduc(?:es|ed|ing|e)|decreas(?:es|ed|ing|e)|lower(?:s|ed|ing)?|drop(?:s|ped|ping)?|degrad(?:es|ed|ing|e)"
    r"|hurt(?:s|ing)?|trail(?:s|ed|ing)?|underperform(?:s|ed|ing)?|fall(?:s|ing)?|fell|declin(?:es|ed|ing|e)"
    r"|add(?:s|ed|ing)?|contribut(?:es|ed|ing|e)|gain(?:s|ed|ing)?|los(?:es|t|ing|e))\b",
    re.I,
)
_NEGATIVE_STEMS = ("reduc", "decreas", "lower", "drop", "degrad", "hurt", "trail", "underperform", "fall", "fell",
                   "declin", "los")  # fmt: skip
_BEATS = ("outperform", "beat", "surpass", "exceed", "trail", "underperform")  # VERB BASELINE by VALUE
_CHANGE_NOUN = re.compile(
    r" ?(?:relative )?(?P<noun>improvements?|increases?|gains?|boosts?|lifts?|rises?|drops?|decreases?|reductions?"
    r"|degradations?|declines?|losses?)\b",
    re.I,
)
_NOUN_OF = re.compile(
    r"\b(?P<noun>improvement|increase|gain|boost|drop|decrease|reduction|degradation|decline)\s+of\s$", re.I
)
_NEGATIVE_NOUNS = ("drop", "decrease", "reduction", "degradation", "decline", "loss")
_COMPARATIVE = re.compile(r" ?(?P<c>higher|better|more|greater|lower|worse|less)\b[^.;]{0,60}?\bthan\b", re.I)
_BY = re.compile(r"\bby\s$", re.I)
_BASELINE_CUE = re.compile(r"\b(?:over|upon|compared (?:to|with)|relative to|against|than|versus|vs\.?)\s", re.I)
_DATASET = re.compile(r"\bon (?:the )?(?P<ds>[A-Z0-9][\w\-]*(?:\.\d+)?(?: [A-Z0-9][\w\-]*(?:\.\d+)?)*)(?=[\s.,;:)]|$)")
_CONDITION = re.compile(r"\b(?P<word>without|w/o|with|minus)\s+(?P<what>.+)$", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:(?:the|our|of|for) )+", re.I)
_ADVERB = re.compile(r"\b[a-z]+ly\b")
_ROLE = re.compile(r" (?:model|variant|system|retriever)$", re.I)
_LEADING_CONDITION = re.compile(r"^(?P<word>with|without|w/o) (?P<what>[^,]{1,60}), ", re.I)
_PREPOSITION = re.compile(r"(?:on|in|for|across|over|at|with|among)\b", re.I)
_LEADING_PLACE = re.compile(r"^(?:on|in|for|across|over|at|among)\b[^,]{0,80},\s?", re.I)
_SELF = re.compile(r"^(?:the\s+)?(?:proposed|our|presented|new)\s+(?:method|approach|model|framework)$", re.I)
_BASELINE_PREFIX = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:method|approach|baseline|system|pipeline)s?\s+(?:based\s+on|using)\s+)?(?:(?:a|an|the)\s+)?",
    re.I,
)
_BASELINE_SUFFIX = re.compile(r"[- ](?:based )?(?:method|approach|baseline|system|pipeline)s?$", re.I)
_RESOURCE = re.compile(r"^(low|medium|mid|high)-resource(?:\s+\w*)?$", re.I)
_CLAUSE_END = re.compile(r"[.;,]\s|[.;]$|\s\(")


@dataclass(frozen=True)
class Reading:
    """What a claim's text says it measured: a quantity, or none and (when it states a number) why."""

    quantity: Quantity | None
    note: str | None = None


def _metric(name: str) -> str:
    return normalise_metric(_PROSE_TO_METRIC.get(name.lower(), name))


def _subject(phrase: str, method_name: str | None) -> str | None:
    phrase = _METRIC_PHRASE.sub("", phrase).strip(" ,")  # "nDCG@10 improves …": the metric is no subject
    phrase = _LEADING_PLACE.sub("", phrase, count=1)  # "On BEIR, COCO-DR achieves …"
    if _PREPOSITION.match(phrase):
        return None  # "On 18 BEIR datasets COCO-DR achieves …": where the place ends is not read
    if _SELF.match(phrase):
        return method_name or phrase
    phrase = _ARTICLE.sub("", phrase.split("'s ", 1)[0])  # "COCO-DR Base's nDCG@10 …", "The nDCG@10 of X …"
    phrase = _PLACE.split(phrase)[0]  # "X on TREC-COVID is …"
    words = phrase.split()
    while words and _ADVERB.fullmatch(words[-1]):  # "OPTICAL significantly (outperforms)"
        words.pop()
    return _ROLE.sub("", " ".join(words)).strip() or None


def _condition(found: re.Match[str]) -> str:
    word = "without" if found["word"].lower() == "w/o" else found["word"].lower()
    return f"{word} {found['what'].strip()}"


def _subject_and_condition(phrase: str, method_name: str | None) -> tuple[str | None, str | None]:
    """ "COCO-DR Base model without iDRO", "With iDRO, COCO-DR Base" → the subject and its condition."""
    cond = _LEADING_CONDITION.match(phrase)
    if cond:
        return _subject(phrase[cond.end() :], method_name), _condition(cond)
    cond = _CONDITION.search(phrase)
    if not cond:
        return _subject(phrase, method_name), None
    return _subject(phrase[: cond.start()], method_name), _condition(cond)


def _setting(phrase: str | None) -> str | None:
    if not phrase:
        return None
    phrase = phrase.strip()
    # "low-resource" (cut or not) in a cross-lingual claim means low-resource languages
    match = _RESOURCE.match(phrase)
    if match:
        return f"{match.group(1).lower()}-resource languages"
    return phrase


_METRIC_PHRASE = re.compile(
    rf"\s?\b(?:in terms of |in |on |of )?(?:{_METRIC_TOKEN}|{_METRIC_PROSE})(?![\w@])(?: scores?)?"
)
_PLACE = re.compile(r" (?:on|for|in) ")


def _baseline_and_setting(rest: str | None) -> tuple[str | None, str | None]:
    """ "a method based on neural machine translation on low-resource languages" → (NMT phrase, setting): the
    baseline is the phrase up to the first "on/for/in"; the setting the first place after it that is not a named
    dataset (that one is the quantity's dataset, read on its own). Metric names are not part of either."""
    if not rest:
        return None, None
    rest = _METRIC_PHRASE.sub("", _BASELINE_PREFIX.sub("", rest.strip().rstrip(".,;"), count=1))
    baseline, *places = _PLACE.split(rest)
    setting = next((p for p in places if p and not _DATASET.match(f"on {p}")), None)
    baseline = _BASELINE_SUFFIX.sub("", baseline).strip()
    return baseline or None, _setting(setting)


def _clause(text: str) -> str:
    """Up to the end of the clause ("…over BM25, which …" → "…over BM25")."""
    end = _CLAUSE_END.search(text)
    return text[: end.start()] if end else text


def _dataset(text: str, value: NumberExpr) -> str | None:
    """The named dataset after the number ("… 0.789 on the TREC-COVID dataset"), else the one before it."""
    found = _DATASET.search(text, value.end) or _DATASET.search(text[: value.start])
    if found is None and text.startswith("On "):  # "On BEIR, COCO-DR achieves …"
        found = _DATASET.match("on" + text[2:])
    return found["ds"] if found else None


def _percent_reading(value: NumberExpr, metric: str | None) -> tuple[str, str | None] | str:
    """(unit, note) for a score of `metric`, or the reason it cannot be one."""
    fraction = metric is not None and metric.split("@")[0] in _FRACTION_METRICS
    top = value.high if value.high is not None else value.value
    if value.unit == "points":
        return "percent", None
    if value.unit == "%":
        return ("percent", None) if not fraction or top <= 100 else f"{value.text} is above 100% for {metric}"
    low = value.low if value.low is not None else value.value
    if fraction and low < 0:
        return f"{value.text} is out of range for {metric} (0..1)"
    if fraction and abs(top) > 1:
        if abs(top) > 100:
            return f"{value.text} is out of range for {metric} (0..1, or 0..100 in percent)"
        return "percent", f"{value.text} read as percent: {metric} lies between 0 and 1"
    return "score", None


def _absolute(text: str, value: NumberExpr, metric: str | None, method_name: str | None) -> Reading:
    if metric is None:
        return Reading(None, f"states {value.text} but names no metric this reader knows")
    if value.pair:
        return Reading(None, f"states {value.text} without saying what changed: not read")
    unit = _percent_reading(value, metric)
    if isinstance(unit, str):
        return Reading(None, unit)
    verb = _SUBJECT_VERB.search(text[: value.start])
    subject, condition = _subject_and_condition(verb["subj"], method_name) if verb else (None, None)
    q = Quantity(
        kind="absolute",
        subject=subject,
        metric=metric,
        value=value.value,
        unit=unit[0],  # type: ignore[arg-type]
        decimals=value.decimals,
        low=value.low,
        high=value.high,
        deviation=value.deviation,
        dataset=_dataset(text, value),
        condition=condition,
    )
    return Reading(q, unit[1])


@dataclass(frozen=True)
class _Change:
    """A change the text states: its number, its sign, and the text its baseline is read from."""

    value: NumberExpr
    negative: bool
    verb: re.Match[str] | None  # the change verb before the number, when there is one
    baseline: str | None


def _find_change(text: str, values: list[NumberExpr]) -> _Change | None:
    """The stated change: "V% improvement", "improvement of V", "V higher … than", "VERB … by V"; else a change
    verb with "from A to B"."""
    verbs = list(_CHANGE_VERB.finditer(text))
    for v in values:
        verb = next((m for m in reversed(verbs) if m.end() <= v.start), None)
        noun = _CHANGE_NOUN.match(text, v.end)
        of = _NOUN_OF.search(text[max(0, v.start - 16) : v.start])
        comparative = _COMPARATIVE.match(text, v.end)
        if noun:
            negative = noun["noun"].lower().startswith(_NEGATIVE_NOUNS)
            return _Change(v, negative, verb, _after_cue(text[noun.end() :]))
        if of:
            return _Change(v, of["noun"].lower() in _NEGATIVE_NOUNS, verb, _after_cue(text[v.end :]))
        if comparative:
            negative = comparative["c"].lower() in ("lower", "worse", "less")
            return _Change(v, negative, verb, _clause(text[comparative.end() :]))
        if verb and (v.unit == "points" or _BY.search(text[max(0, v.start - 4) : v.start])):
            return _Change(v, _negative(verb), verb, _by_baseline(text, verb, v))
    pair = next((v for v in values if v.pair), None)
    verb = next((m for m in verbs if m.end() <= pair.start), None) if pair else None
    if pair and verb:
        return _Change(pair, _negative(verb), verb, _after_cue(text[pair.end :]))
    return None


def _negative(verb: re.Match[str]) -> bool:
    return verb["v"].lower().startswith(_NEGATIVE_STEMS)


def _after_cue(text: str) -> str | None:
    """The baseline phrase after "over" / "compared to" / "than" …, if the clause has one."""
    clause = _clause(text)
    cue = _BASELINE_CUE.search(clause)
    return clause[cue.end() :] if cue else None


def _by_baseline(text: str, verb: re.Match[str], value: NumberExpr) -> str | None:
    """ "outperforms BM25 by 5%" / "improves over BM25 by 5%" / "improves nDCG@10 by 5% over BM25"."""
    between = text[verb.end() : value.start].rsplit(" by ", 1)[0]
    cue = _BASELINE_CUE.search(between + " ")
    if cue:
        return between[cue.end() :].strip() or None
    if verb["v"].lower().startswith(_BEATS):
        return _METRIC.sub("", _DATASET.sub("", between)).strip() or None
    return _after_cue(text[value.end :])


def _change_kind(change: _Change, metric: str | None) -> tuple[str, str, str | None] | str:
    """(kind, unit, note) of the change, or why it cannot be read."""
    v = change.value
    if v.unit == "%" and not v.pair:
        return "relative-change", "percent", None
    if v.unit == "points":
        return "absolute-change", "percent", None
    if metric is None:
        return f"states a change of {v.text} with no unit and no metric: not read"
    unit = _percent_reading(v, metric)
    return unit if isinstance(unit, str) else ("absolute-change", *unit)


def _half(decimals: int) -> float:
    return 0.5 * 10.0**-decimals


def _in_points(pair: NumberExpr) -> tuple[float, float]:
    """A pair's end points in percent: fractions ("from 0.461 to 0.484") scaled by 100."""
    a, b = pair.low or 0.0, pair.high or 0.0
    scale = 100.0 if pair.unit is None and max(abs(a), abs(b)) <= 1 else 1.0
    return a * scale, b * scale


def _pair_agrees(kind: str, change: NumberExpr, pair: NumberExpr) -> bool:
    """Whether "by V" and "from A to B" say the same, within the rounding of the digits each is written with."""
    v, h = abs(change.value), _half(change.decimals)
    if kind == "absolute-change":
        (a, b), scale = (_in_points(pair), 100.0) if change.unit == "points" else ((pair.low, pair.high), 1.0)
        h_pair = _half(pair.decimals) * (scale if pair.unit is None and scale == 100.0 else 1.0)
        return abs(abs((b or 0.0) - (a or 0.0)) - v) <= 2 * h_pair + h + 1e-12
    a, b, hp = pair.low or 0.0, pair.high or 0.0, _half(pair.decimals)
    if a - hp <= 0:
        return False
    low = (abs(b - a) - 2 * hp) / (a + hp) * 100
    high = (abs(b - a) + 2 * hp) / (a - hp) * 100
    return low - h <= v <= high + h


def _change_subject(text: str, change: _Change, name: str | None) -> tuple[str | None, str | None]:
    if change.verb is not None:
        phrase = text[: change.verb.start()]
    else:
        found = _SUBJECT_VERB.search(text[: change.value.start])
        phrase = found["subj"] if found else ""
    return _subject_and_condition(phrase, name) if phrase.strip() else (name, None)


def _checked_pair(change: _Change, kind: str, pair: NumberExpr | None) -> tuple[str, str | None] | str:
    """The change's kind once its end points are checked against it, with a note; or why they disagree."""
    if pair is None or _pair_agrees(kind, change.value, pair):
        return kind, None
    if kind == "relative-change" and _pair_agrees("absolute-change", change.value, pair):
        return "absolute-change", f"{change.value.text} read as percentage points: {pair.text} says so"
    return f"states a change of {change.value.text} and {pair.text}, which disagree: not read"


def _change(text: str, change: _Change, values: list[NumberExpr], metric: str | None, name: str | None) -> Reading:
    kinds = _change_kind(change, metric)
    if isinstance(kinds, str):
        return Reading(None, kinds)
    kind, unit, note = kinds
    value = change.value
    pair = value if value.pair else next((v for v in values if v.pair), None)
    extra = [v for v in values if v is not value and v is not pair and v.measurement]
    if extra:
        return Reading(None, f"states {value.text} and {extra[0].text}: which is the claim's is not read")
    if value.pair:
        delta = (value.high or 0.0) - (value.low or 0.0)
        if delta and (delta < 0) != change.negative:
            return Reading(None, f"says {change.verb[0] if change.verb else 'a change'} but {value.text} goes the "
                                 "other way: not read")  # fmt: skip
        magnitude = round(delta * (100.0 if unit == "percent" and value.unit is None else 1.0), value.decimals)
    else:
        checked = _checked_pair(change, kind, pair)
        if isinstance(checked, str):
            return Reading(None, checked)
        if checked[0] != kind:  # a "%" the end points show to be percentage points
            kind, unit = checked[0], "percent"
        note = checked[1] or note
        magnitude = -abs(value.value) if change.negative else value.value
    subject, condition = _change_subject(text, change, name)
    if condition is None:  # "COCO-DR loses 2 points on BioASQ without iDRO" (not "… over the model without iDRO")
        after = _clause(text[value.end :])
        cue = _BASELINE_CUE.search(after)
        found = _CONDITION.search(after[: cue.start()] if cue else after)
        condition = _condition(found) if found else None
    baseline, setting = _baseline_and_setting(change.baseline)
    ends = _in_points(pair) if pair and unit == "percent" else (pair.low, pair.high) if pair else (None, None)
    q = Quantity(
        kind=kind,  # type: ignore[arg-type]
        subject=subject,
        metric=metric,
        value=magnitude,
        unit=unit,  # type: ignore[arg-type]
        decimals=value.decimals,
        low=None if value.pair else value.low,
        high=None if value.pair else value.high,
        deviation=value.deviation,
        from_value=ends[0] if kind == "absolute-change" else None,
        to_value=ends[1] if kind == "absolute-change" else None,
        dataset=_dataset(text, value),
        condition=condition,
        baseline=baseline,
        setting=setting,
    )
    return Reading(q, note)


def read_quantity(text: str, method_name: str | None = None) -> Reading:
    """The claim's quantity, or None with the reason when it states a number this reader cannot read for sure."""
    found = _read(inline(text), method_name)
    return Reading(found.quantity.model_copy(), found.note) if found.quantity else found  # callers may edit it


@lru_cache(maxsize=1 << 16)  # the same row text recurs across reports
def _read(text: str, method_name: str | None) -> Reading:
    if len(text) > MAX_CHARS:
        return Reading(None, f"not read for numbers: {len(text)} characters (claims are under {MAX_CHARS})")
    try:
        values = number_expressions(text)
    except Unreadable as exc:
        return Reading(None, str(exc))
    metrics = sorted({_metric(m) for m in _METRIC.findall(text)})
    if len(metrics) > 1:
        note = f"names {len(metrics)} metrics ({', '.join(metrics)}): which number is which is not read"
        return Reading(None, note if any(v.measurement for v in values) else None)
    metric = metrics[0] if metrics else None
    change = _find_change(text, values)
    if change is not None:
        return _change(text, change, values, metric, method_name)
    measured = [v for v in values if v.measurement]
    if not measured and metric is not None:  # "nDCG@10 of 79": a whole number next to its metric
        measured = [v for v in values if _beside_metric(text, v)]
    if not measured:
        return Reading(None)
    if len(measured) > 1:
        return Reading(None, f"states {len(measured)} numbers ({', '.join(v.text for v in measured[:3])}): not read")
    if measured[0].unit == "points":  # a difference, never a score
        return Reading(None, f"states {measured[0].text} but not what changed by it: not read")
    if _CHANGE_VERB.search(text):
        return Reading(None, f"a comparison: whose value {measured[0].text} is, is not read")
    return _absolute(text, measured[0], metric, method_name)


def _beside_metric(text: str, value: NumberExpr) -> bool:
    before = text[max(0, value.start - 40) : value.start]
    return bool(re.search(rf"(?:{_METRIC_TOKEN}|{_METRIC_PROSE})(?: score)?(?: of| =| :|:)? $", before))


def extract_quantity(text: str, method_name: str | None = None) -> Quantity | None:
    """The claim's quantity, or None when it states none (or one this reader cannot read unambiguously)."""
    return read_quantity(text, method_name).quantity


def has_measurement(text: str) -> bool:
    """Whether the text states a number that reads as a measurement (a decimal, a percentage, points, a spread)."""
    try:
        return any(v.measurement for v in number_expressions(inline(text)[:MAX_CHARS]))
    except Unreadable:
        return True


def describe(q: Quantity) -> str:
    """One line for people: "COCO-DR Base (without iDRO): nDCG@10 = 0.353 on BioASQ"."""
    who = q.subject or "?"
    if q.condition:
        who += f" ({q.condition})"
    number = f"{q.value:.{q.decimals}f}"
    if q.low is not None and q.high is not None:
        number = f"{q.low:.{q.decimals}f}..{q.high:.{q.decimals}f}"
    if q.deviation is not None:
        number += f" ± {q.deviation:g}"
    where = (f" on {q.setting}" if q.setting else "") + (f" on {q.dataset}" if q.dataset else "")
    if q.kind == "relative-change":
        sign = "+" if q.value > 0 and q.low is None else ""
        return f"{who}: {q.metric or '?'} {sign}{number}% vs {q.baseline or '?'}{where}"
    unit = " points" if q.unit == "percent" and q.kind == "absolute-change" else "%" if q.unit == "percent" else ""
    if q.kind == "absolute-change":
        sign = "+" if q.value > 0 and q.low is None else ""
        return f"{who}: {q.metric or '?'} {sign}{number}{unit} vs {q.baseline or '?'}{where}"
    return f"{who}: {q.metric or '?'} = {number}{unit}" + (f" on {q.dataset}" if q.dataset else "")
