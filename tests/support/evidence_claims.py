"""Claims generated from the corpus's truth, with the verdict each should get, and the scoring of verdicts.

Numeric claims: for every cell that the claim's subject, condition, dataset, metric and setting pick out alone,
a true claim quoting it (in the table's scale or the other: 0.789 for a printed 78.9 and back), and false claims
quoting the value of the neighbouring row's or column's cell with the true cell's identity; with `spell`, the
names are written as other writers write them. A true claim should be `supported`, a false one `contradicted`.

Text claims: every sentence of the abstract and body, reworded as syntheses reword them (verbatim, wrapped in
"The paper shows that ...", hyphens added or dropped, cut short, an acronym for its expansion) should be
`supported`; the same sentences with a name swapped for another of the paper's, the direction reversed or a
negation added, and sentences of another paper, should not (`not-found`).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from latex_papers import PaperSpec, TruthCell

from claimcheck.models import Claim, EvidenceVerdict, Quantity, SourceRef


@dataclass(frozen=True)
class Case:
    claim: Claim
    shape: str  # table shape, or "text: <how>"
    true: bool

    @property
    def expected(self) -> EvidenceVerdict:
        if self.true:
            return EvidenceVerdict.SUPPORTED
        return EvidenceVerdict.CONTRADICTED if self.claim.quantity else EvidenceVerdict.NOT_FOUND


def _claim_value(cell: TruthCell, rng: random.Random) -> tuple[float, int]:
    """The value as a synthesis would quote it: in the table's scale, or converted (78.9 ↔ 0.789)."""
    assert cell.value is not None
    if rng.random() < 0.5:
        return cell.value, cell.decimals
    if cell.percent_scale:
        return round(cell.value / 100, cell.decimals + 2), cell.decimals + 2
    return round(cell.value * 100, max(cell.decimals - 2, 0)), max(cell.decimals - 2, 0)


def _spelling(name: str | None, rng: random.Random) -> str | None:
    """A name as another writer spells it: case, hyphens and spaces, accents."""
    if name is None:
        return None
    forms = [name, name.upper() if len(name) < 12 else name, name.replace(" ", "-"), name.replace("-", ""),
             name.replace("é", "e"), name.lower()]  # fmt: skip
    return rng.choice(forms)


_CONDITIONS = ("without {}", "w/o {}", "minus {}")
_METRICS = {"nDCG@10": ["nDCG@10", "NDCG@10", "ndcg_at_10"], "MAP": ["MAP", "AP"], "R@100": ["R@100", "Recall@100"]}


def _quantity(cell: TruthCell, value: float, decimals: int, rng: random.Random | None = None) -> Quantity:
    who = cell.who
    subject, dataset, condition, metric = who.subject, who.dataset, who.condition, who.metric
    if rng is not None:
        subject, dataset = _spelling(subject, rng), _spelling(dataset, rng)
        if condition and condition.startswith("without "):
            condition = rng.choice(_CONDITIONS).format(condition.removeprefix("without "))
        metric = rng.choice(_METRICS.get(metric or "", [metric]))
    return Quantity(subject=subject, metric=metric, value=value, decimals=decimals, dataset=dataset,
                    condition=condition, setting=who.setting)  # fmt: skip


def _text(q: Quantity) -> str:
    condition = f" {q.condition}" if q.condition else ""
    setting = f" ({q.setting})" if q.setting else ""
    return f"{q.subject}{condition} achieves {q.value:.{q.decimals}f} {q.metric or ''} on {q.dataset}{setting}."


def numeric_cases(truth: list[TruthCell], ref: SourceRef, seed: int = 0, spell: bool = False) -> list[Case]:
    """`spell`: write the names as other writers do (case, hyphens, accents, "w/o" for "without", "NDCG@10")."""
    rng = random.Random(seed)
    by_identity: dict[tuple, set[float | None]] = defaultdict(set)
    for cell in truth:
        by_identity[cell.who.astuple()].add(cell.value)
    grid = {(c.table, c.row, c.col): c for c in truth}
    cases: list[Case] = []
    for cell in truth:
        who = cell.who
        if cell.value is None or who.subject is None or who.dataset is None:
            continue
        if len(by_identity[who.astuple()]) > 1:
            continue  # the identity picks out cells that differ: no claim can name one of them alone
        value, decimals = _claim_value(cell, rng)
        base = f"{ref.arxiv_id}-{cell.table}-{cell.row}-{cell.col}".replace(" ", "")
        q = _quantity(cell, value, decimals, rng if spell else None)
        true = Claim(id=f"{base}-t", text="", kind="numeric", sources=[ref], quantity=q)
        true.text = _text(true.quantity)
        cases.append(Case(true, cell.shape, True))
        for dr, dc, name in ((0, 1, "col"), (1, 0, "row"), (0, -1, "col"), (-1, 0, "row")):
            other = grid.get((cell.table, cell.row + dr, cell.col + dc))
            if other is None or other.value is None:
                continue
            scale = 1.0 if decimals == cell.decimals else (0.01 if cell.percent_scale else 100.0)
            quoted = round(other.value * scale, decimals)
            if abs(quoted - value) < 0.5 * 10**-decimals:
                continue  # the neighbour holds the same value at the claim's precision: quoting it is true
            q = _quantity(cell, quoted, decimals, rng if spell else None)
            false = Claim(id=f"{base}-f{name}{dr}{dc}", text=_text(q), kind="numeric", sources=[ref], quantity=q)
            cases.append(Case(false, cell.shape, False))
            break
    return cases


# ------------------------------------------------------------------------------------------------ text

_SWAPS = [("improves", "degrades"), ("outperforms", "underperforms"), ("lowers", "raises"), ("more", "less"),
          ("strong", "weak"), ("robust", "fragile"), ("helps", "hurts"), ("lose", "gain"), ("poorly", "well"),
          ("most", "least"), ("higher", "lower"), ("significantly", "slightly")]  # fmt: skip


def _names(paper: PaperSpec) -> list[str]:
    names = set()
    for s in paper.sentences():
        names |= {w.strip(".,()") for w in s.split() if re.search(r"[A-Z].*[A-Z]|\d", w[1:] or "")}
    return sorted(n for n in names if len(n) > 2)


def _reworded(sentence: str, rng: random.Random) -> list[tuple[str, str]]:
    out = [("verbatim", sentence)]
    if sentence[1:2].islower():
        out.append(("framed", "The paper shows that " + sentence[0].lower() + sentence[1:]))
    else:
        out.append(("framed", "The paper presents that " + sentence))
    hyphened = re.sub(r"\b(\w+) based\b", r"\1-based", sentence)
    hyphened = re.sub(r"\blow-resource\b", "low resource", hyphened)
    if hyphened != sentence:
        out.append(("hyphens", hyphened))
    words = sentence.rstrip(".").split()
    if len(words) > 10:
        out.append(("cut short", " ".join(words[: int(len(words) * 0.8)])))
    acronym = re.search(r"((?:[\w-]+ ){1,5}[\w-]+) \(([A-Z]{2,6})\)", sentence)
    if acronym:
        out.append(("acronym", sentence.replace(acronym.group(0), acronym.group(2))))
    return out


def _falsified(sentence: str, names: list[str], rng: random.Random) -> list[tuple[str, str]]:
    out = []
    present = [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", sentence)]
    if present:
        name = rng.choice(present)
        other = rng.choice([n for n in names if n not in present] or ["BM25"])
        out.append(("name swapped", re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", other, sentence, count=1)))
    for a, b in _SWAPS:
        if re.search(rf"\b{a}\b", sentence):
            out.append(("direction reversed", re.sub(rf"\b{a}\b", b, sentence, count=1)))
            break
    negated = re.sub(r"\b(is|are|does|can)\b(?! not)", r"\1 not", sentence, count=1)
    if negated != sentence:
        out.append(("negated", negated))
    return out


def text_cases(paper: PaperSpec, ref: SourceRef, others: list[PaperSpec], seed: int = 0) -> list[Case]:
    rng = random.Random(seed)
    names = _names(paper)
    cases = []
    for i, sentence in enumerate(paper.sentences()):
        if re.search(r"\d\.\d", sentence):
            continue  # sentences quoting results are numeric claims
        for how, text in _reworded(sentence, rng):
            cases.append(Case(Claim(id=f"{ref.arxiv_id}-s{i}-{how}".replace(" ", "_"), text=text, sources=[ref]),
                              f"text: {how}", True))  # fmt: skip
        for how, text in _falsified(sentence, names, rng):
            cases.append(Case(Claim(id=f"{ref.arxiv_id}-s{i}-{how}".replace(" ", "_"), text=text, sources=[ref]),
                              f"text: {how}", False))  # fmt: skip
    foreign = [s for o in others if o is not paper for s in o.abstract]
    for j, sentence in enumerate(foreign):
        claim = Claim(id=f"{ref.arxiv_id}-x{j}", text=sentence, sources=[ref])
        cases.append(Case(claim, "text: another paper's", False))
    return cases


# ------------------------------------------------------------------------------------------------ scoring


@dataclass
class Tally:
    right: int = 0
    false_supported: int = 0
    false_contradicted: int = 0
    not_found: int = 0
    total: int = 0

    def add(self, case: Case, verdict: EvidenceVerdict) -> None:
        self.total += 1
        if verdict == case.expected:
            self.right += 1
        elif verdict == EvidenceVerdict.SUPPORTED:
            self.false_supported += 1
        elif verdict == EvidenceVerdict.CONTRADICTED:
            self.false_contradicted += 1
        else:
            self.not_found += 1


def score(cases: list[Case], verdicts: dict[str, EvidenceVerdict]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        tallies[case.shape].add(case, verdicts[case.claim.id])
        tallies["all numeric" if case.claim.quantity else "all text"].add(case, verdicts[case.claim.id])
    return dict(tallies)


def counts(cases: list[Case]) -> Counter:
    return Counter(("numeric" if c.claim.quantity else "text", c.true) for c in cases)
