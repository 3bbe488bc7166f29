"""When a sentence of the source states a claim: the numeric rule and the word rule.

Numeric: a sentence supports a claimed number only when the same sentence (or, when it states several numbers,
the same clause) names the subject, the dataset and the value, names the claim's ablation (or none, for the
full model), and names no other model or condition that the source's tables list. A number elsewhere on the page
decides nothing.

Words: a passage supports a text claim when it holds enough of the claim's content words (hyphenated
compounds count by their parts; "CLIR" matches "cross-lingual information retrieval" and back) and every one of
its critical words: names and acronyms, numbers, and words of direction or judgement ("improves",
"lower", "robust"). Reporting words
("the paper presents", "a novel framework") are not content. Negation must agree.
"""

from __future__ import annotations

import re

from claimcheck.models import EvidencePassage, Quantity
from claimcheck.sources.text import STOPWORDS, ablated, content_tokens, name_tokens, negations, normalise, stem

# Words a synthesis wraps around a paper's statement ("The paper presents X, a novel ... framework").
FRAMING = frozenset(
    """paper papers work study authors author present presents presented propose proposes proposed introduce
    introduces introduced novel new framework approach method technique show shows showed demonstrate demonstrates
    find finds report reports""".split()  # noqa: SIM905
)
# Stems (see text.stem) of words of direction or judgement, both ways: a claim that changes one of them
# ("robust" → "fragile", "improves" → "degrades", "poorly" → "well") says something else, however many of the
# other words it shares, so each must be in the passage.
POLARITY = frozenset(
    stem(w)
    for w in """improve improves improved improvement improvements outperform outperforms outperformed beat beats
    surpass surpasses exceed exceeds increase increases increased boost boosts gain gains raise raises help helps
    better best higher highest superior strong stronger strongest robust robustness effective efficient accurate
    stable consistent significant significantly large larger well good fast faster easy
    degrade degrades degraded degradation hurt hurts harm harms decrease decreases decreased reduce reduces reduced
    drop drops lose loses loss lower lowers lowest worse worst inferior weak weaker weakest fragile brittle
    ineffective inefficient inaccurate unstable inconsistent insignificant small smaller poor poorly bad slow
    slower hard underperform underperforms fail fails most least more less fewer""".split()  # noqa: SIM905
)
# Numbers spelled out count as numbers ("three datasets" is not "four datasets").
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty
    hundred thousand million billion twice thrice half double triple""".split()  # noqa: SIM905
)
_ABLATION_CUE = re.compile(r"(?i)\b(?:without|w/o|remov\w*|ablat\w*|minus|drop\w*)\b|(?:^|\s)-\s?\w")
_CLAUSE = re.compile(r"(?i);|,\s|\s(?:while|whereas|but|and)\s")
_RESULT_NUMBER = re.compile(r"(?<![\w.])[+-]?(?:\d+\.\d+|\.\d+|\d+(?:\.\d+)?\s*%)")


# --------------------------------------------------------------------------------------------- numbers


def number_forms(q: Quantity) -> list[str]:
    forms = {f"{q.value:.{q.decimals}f}"}
    if q.unit == "score" and q.value <= 1:
        forms.add(f"{q.value * 100:.{max(q.decimals - 2, 0)}f}")
    elif q.value > 1:
        forms.add(f"{q.value / 100:.{q.decimals + 2}f}")
    if q.value < 1:
        forms |= {f[1:] for f in forms if f.startswith("0.")}  # ".789"
    return sorted(forms)


def _scope(sentence: str, start: int, end: int) -> str:
    """The sentence when it states one result number; else the clause around the number at start:end."""
    if len(_RESULT_NUMBER.findall(sentence)) <= 1:
        return sentence
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(sentence)]
    left = max(c for c in cuts if c <= start)
    right = min([m.start() for m in _CLAUSE.finditer(sentence) if m.start() >= end] + [len(sentence)])
    clause = sentence[left:right]
    # A clause that states several numbers binds none of them to its subject.
    return clause if len(_RESULT_NUMBER.findall(clause)) == 1 else ""


def _names_ok(q: Quantity, scope: str, others: list[list[str]]) -> bool:
    words = set(name_tokens(scope))
    subject = set(name_tokens(q.subject or ""))
    if not subject or not subject <= words:
        return False
    if q.dataset and not set(name_tokens(q.dataset)) <= words:
        return False
    removed = ablated(q.condition or "")
    if removed:
        if removed not in words and removed not in name_tokens(scope.replace("-", " ")):
            return False
    elif _ABLATION_CUE.search(scope):
        return False
    if q.condition and not removed and not set(name_tokens(q.condition)) <= words:
        return False
    claim_words = subject | set(name_tokens(q.dataset or "")) | set(name_tokens(q.condition or ""))
    claim_words |= set(name_tokens(q.metric or "")) | set(name_tokens(q.setting or ""))
    # Another model, variant or dataset of the source's tables named beside the number: the number may be its.
    return not any(set(label) <= words and not set(label) <= claim_words for label in others if label)


def number_in_text(q: Quantity, passages: list[EvidencePassage], names: list[str] = ()) -> EvidencePassage | None:
    """A sentence that states the claimed number of the claim's subject on its dataset (see the module rule).
    `names` are the labels of the source's tables: a sentence naming one the claim does not is passed over."""
    forms = number_forms(q)
    others = [name_tokens(n) for n in names]
    for p in passages:
        text = normalise(p.text)
        for form in forms:
            for match in re.finditer(rf"(?<![\d.]){re.escape(form)}(?![\d])", text):
                if q.kind == "relative-change" and not re.match(r"\s*%", text[match.end() :]):
                    continue
                scope = _scope(text, match.start(), match.end())
                if scope and _names_ok(q, scope, others):
                    return p
    return None


# --------------------------------------------------------------------------------------------- words


def _units(text: str) -> list[str]:
    """Content words with hyphenated compounds split into their parts ("transport-based" → transport, based)."""
    out = []
    for token in content_tokens(text):
        parts = [p for p in token.split("-") if p and p not in STOPWORDS] if "-" in token else [token]
        out += [stem(p) for p in parts if len(p) > 1 or p.isdigit()]
    return out


def _acronyms(words: list[str]) -> set[str]:
    """Initials of every run of 3-6 words ("cross-lingual information retrieval" → "clir"); two letters would
    match by chance too often."""
    parts = [p for w in words for p in w.split("-") if p]
    return {"".join(p[0] for p in parts[i : i + n]) for n in range(3, 7) for i in range(len(parts) - n + 1)}


def critical_words(claim: str) -> set[str]:
    """Names and acronyms (a capital after the first letter, or any capital past the first word), numbers (in
    digits or words), and words of direction or judgement (POLARITY) of the claim, as stems."""
    raw = re.findall(r"[A-Za-z0-9][A-Za-z0-9@.-]*", normalise(claim))
    out = set()
    for i, word in enumerate(raw):
        word = word.rstrip(".-")
        low = word.lower()
        named = any(c.isupper() for c in word[1:]) or (i > 0 and word[:1].isupper()) or any(c.isdigit() for c in word)
        if named and low not in STOPWORDS and low not in FRAMING:
            out |= {stem(p) for p in low.split("-") if len(p) > 1 or p.isdigit()}
        elif stem(low) in POLARITY or low in NUMBER_WORDS:
            out.add(stem(low))
    return out


def word_support(claim: str, passage: str) -> tuple[float, bool]:
    """(share of the claim's content words the passage holds, whether it holds every critical word)."""
    wanted = [u for u in _units(claim) if u not in {stem(f) for f in FRAMING}]
    every = [t.strip(".-") for t in re.findall(r"[a-z0-9@.-]+", normalise(passage).lower())]
    words = {stem(t) for t in every}
    have = set(_units(passage)) | words | _acronyms([t for t in every if t not in STOPWORDS])
    claim_words = [t for t in re.findall(r"[a-z0-9-]+", normalise(claim).lower()) if t not in STOPWORDS]
    # The claim spells out an acronym the passage uses: those words are covered by it.
    expanded = _expansions(claim_words, words)
    covered = [u for u in wanted if u in have or u in expanded]
    share = len(set(covered)) / len(set(wanted)) if wanted else 0.0
    critical = critical_words(claim)
    return share, all(c in have or c in expanded for c in critical)


def _expansions(words: list[str], have: set[str]) -> set[str]:
    out: set[str] = set()
    parts = [p for w in words for p in w.split("-") if p]
    for n in range(3, 7):
        for i in range(len(parts) - n + 1):
            if "".join(p[0] for p in parts[i : i + n]) in have:
                out |= {stem(p) for p in parts[i : i + n]}
    return out


def agrees_in_negation(claim: str, passage: str) -> bool:
    """Both or neither negate (by the parity of their negations: "does not not" is no negation)."""
    return negations(claim) % 2 == negations(passage) % 2
