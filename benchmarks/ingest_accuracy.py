"""Error rates of ingest and the drift check on realistic cases built here (seconds, no network, no model).

    python benchmarks/ingest_accuracy.py [--seeds ../shared/seeds] [--variants 20] [--seed 0]

1. Quantities: claims written the ways syntheses write numbers (absolute, percent, a range with "between" or a
   dash, ±, a relative change with its baseline, points, "from A to B", "outperforms X by Y on D") from random
   subjects, metrics, datasets and values, plus claims whose number must not be read (two metrics, two numbers,
   a change that disagrees with its end points, a number beyond a float). Each reading is compared with the
   quantity the template states: right, wrong (any field differs: the failure that matters), none with a note,
   none without one.
2. Typography: random typographic copies of the seed reports (non-breaking hyphens, en dashes, curly quotes,
   non-breaking and zero-width spaces, in random subsets); a copy passes when it ingests to the seed's claims.
3. Drift: questions on the seeds' three papers (our own summaries of them, tests/support/drift_papers.py) that
   name the papers' own benchmarks (must not be flagged) or benchmarks the papers do not use, from the
   documented list and made-up names (must be flagged), judged with the abstract alone and with the full text.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT / "tests" / "support"))  # the papers' summaries, shared with tests/sources/test_drift.py

SUBJECTS = ["COCO-DR Base", "BM25", "ColBERTv2", "Contriever", "GTR-XL", "OPTICAL"]
METRICS = [("nDCG@10", "nDCG@10"), ("MAP", "AP"), ("MRR@10", "RR@10"), ("Recall@100", "R@100"), ("R@5", "R@5")]
DATASETS = ["TREC-COVID", "BioASQ", "SciFact", "FiQA", "NFCorpus"]
BASELINES = ["BM25", "DPR", "ANCE"]


def quantity_cases(rng: random.Random, n: int) -> list[tuple[str, dict | None]]:
    """(claim text, the fields its quantity must have — or None when no quantity may be read)."""
    cases: list[tuple[str, dict | None]] = []
    for _ in range(n):
        s, (m, metric), d, b = rng.choice(SUBJECTS), rng.choice(METRICS), rng.choice(DATASETS), rng.choice(BASELINES)
        v, w = round(rng.uniform(0.2, 0.9), 3), round(rng.uniform(0.2, 0.9), 3)
        lo, hi = sorted((round(rng.uniform(0.2, 0.9), 2), round(rng.uniform(0.2, 0.9), 2)))
        hi = hi if hi > lo else round(lo + 0.01, 2)
        r, p, dev = round(rng.uniform(1, 30), 1), round(rng.uniform(0.5, 9), 1), round(rng.uniform(0.001, 0.02), 3)
        a = round(rng.uniform(20, 60), 1)
        base = {"subject": s, "metric": metric, "dataset": d}
        cases += [
            (f"{s} achieves an {m} of {v:.3f} on {d}.", {**base, "kind": "absolute", "value": v, "unit": "score"}),
            (f"{s} scores {v:.3f} {m} on the {d} dataset.", {**base, "kind": "absolute", "value": v}),
            (f"On {d}, {s} reaches {m} = {v:.3f}.", {**base, "kind": "absolute", "value": v}),
            (f"{s} obtains an {m} of {v * 100:.1f}% on {d}.", {**base, "unit": "percent", "value": round(v * 100, 1)}),
            (f"{s} obtains an {m} of {v * 100:.1f} on {d}.", {**base, "unit": "percent", "value": round(v * 100, 1)}),
            (f"{s} scores between {lo:.2f} and {hi:.2f} {m} on {d}.", {**base, "low": lo, "high": hi}),
            (f"{s} scores {lo:.2f}\u2013{hi:.2f} {m} on {d}.", {**base, "low": lo, "high": hi}),
            (f"{s} achieves {v:.3f} \u00b1 {dev:.3f} {m} on {d}.", {**base, "value": v, "deviation": dev}),
            (
                f"{s} improves {m} by {r:.1f}% over {b} on {d}.",
                {**base, "kind": "relative-change", "value": r, "baseline": b},
            ),
            (
                f"{s} achieves a {r:.1f}% relative improvement in {m} over {b} on {d}.",
                {**base, "kind": "relative-change", "value": r, "baseline": b},
            ),
            (
                f"{s} outperforms {b} by {p:.1f} points in {m} on {d}.",
                {**base, "kind": "absolute-change", "value": p, "unit": "percent", "baseline": b},
            ),
            (
                f"{s} raises {m} on {d} from {a:.1f}% to {a + p:.1f}% (+{p:.1f} points).",
                {"subject": s, "metric": metric, "kind": "absolute-change", "value": p, "from_value": a},
            ),
            (
                f"{s} raises {m} on {d} from {v:.3f} to {v + 0.012:.3f}.",
                {"subject": s, "metric": metric, "kind": "absolute-change", "value": 0.012, "unit": "score"},
            ),
            (f"{s}'s {m} on {d} is {v:.3f}.", {**base, "kind": "absolute", "value": v}),
            (f"The {m} of {s} on {d} is {v:.3f}.", {**base, "kind": "absolute", "value": v}),
            (f"With iDRO, {s} reaches {v:.3f} {m} on {d}.", {**base, "value": v, "condition": "with iDRO"}),
            (
                f"{s} yields a {p:.1f}-point gain in {m} over {b} on {d}.",
                {**base, "kind": "absolute-change", "value": p, "baseline": b},
            ),
            # must not be read: which number is the claim's is not stated, or the claim contradicts itself
            (f"{s} scores {v:.3f} {m} and {w:.3f} nDCG@100 on {d}.", None),
            (f"{s} scores {v:.3f} {m} on {d} and {w:.3f} on SciDocs.", None),
            (f"{s} improves {m} by {r + 20:.1f}% (from {a:.1f}% to {a + p:.1f}%) on {d}.", None),
            (f"{s} achieves an {m} of {'9' * 320}.5 on {d}.", None),
            (f"{s} outperforms {b} with an {m} of {v:.3f} on {d}.", None),
        ]
    return cases


def score_quantities(cases: list[tuple[str, dict | None]]) -> Counter:
    from claimcheck.ingest.quantities import has_measurement, read_quantity

    outcome: Counter = Counter()
    for text, expected in cases:
        reading = read_quantity(text)
        if reading.quantity is None:
            wanted = "none (right)" if expected is None else "none, a quantity was stated"
            noted = "with a note" if reading.note or not has_measurement(text) else "WITHOUT a note"
            outcome[f"{wanted}, {noted}"] += 1
            continue
        got = reading.quantity.model_dump()
        close = expected is not None and all(
            (abs(got[k] - v) < 1e-9 if isinstance(v, float) else got[k] == v) for k, v in expected.items()
        )
        outcome["right quantity" if close else "WRONG quantity"] += 1
        if not close:
            print(f"  wrong: {text!r}: {reading.quantity.model_dump(exclude_none=True)} vs {expected}")
    return outcome


def typographic(text: str, rng: random.Random) -> str:
    steps = [
        lambda t: re.sub(r"(?<=\w)-(?=\w)", "\u2011", t),
        lambda t: re.sub(r"(?<=\w)-(?=\w)", "\u2010", t),
        lambda t: t.replace(" - ", " \u2013 ").replace(" -- ", " \u2014 "),
        lambda t: re.sub(r"(?<=\d) (?=[a-zA-Z])", "\u00a0", t),
        lambda t: t.replace(": ", ":\u00a0"),
        lambda t: re.sub(r"\b(COCO|OPTICAL|WikiCLIR|BEIR)\b", "\\1\u200b", t),
        lambda t: re.sub(r"(?<=\w)'(?=\w)", "\u2019", t),
        lambda t: t.replace("fi", "\ufb01"),
    ]
    for step in rng.sample(steps, rng.randint(1, len(steps))):
        text = step(text)
    return text


def score_typography(seeds: Path, variants: int, rng: random.Random) -> tuple[int, int]:
    from claimcheck.ingest.build import ingest_reports
    from claimcheck.ingest.parse import parse_files
    from claimcheck.models import ClaimRegistry

    def view(reg: ClaimRegistry) -> list[dict]:
        return [c.model_dump(exclude={"mentions": {"__all__": {"report", "text"}}}) for c in reg.claims]

    same = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in sorted(seeds.glob("00[0-3]_*.txt")):
            plain = view(ingest_reports(ClaimRegistry(), parse_files([seed]))[0])
            for i in range(variants):
                copy = Path(tmp) / f"{i}-{seed.name}"
                copy.write_text(typographic(seed.read_text(encoding="utf-8"), rng), encoding="utf-8")
                total += 1
                same += view(ingest_reports(ClaimRegistry(), parse_files([copy]))[0]) == plain
    return same, total


def drift_cases() -> list[tuple[str, object, str, bool]]:
    """(paper name, paper, question, drifts)."""
    from drift_papers import COCO_DR, GCL, OPTICAL

    own = {
        "COCO-DR": (COCO_DR, ["BEIR", "TREC-COVID", "BioASQ", "SciFact", "NFCorpus", "MS MARCO"]),
        "OPTICAL": (OPTICAL, ["WikiCLIR", "mMARCO", "MS MARCO"]),
        "GCL": (GCL, ["M-BEIR", "MMEB", "CoVR", "WebQA", "CIRR", "FashionIQ"]),
    }
    foreign = {
        "COCO-DR": [
            "MIRACL",
            "Mr. TyDi",
            "XQuAD",
            "MTOP",
            "LoTTE",
            "the Aurora Legal benchmark",
            "the KiloDocs corpus",
        ],
        "OPTICAL": ["XQuAD", "MLQA", "WebFAQ", "MTOP", "Multi30k", "the Aurora Legal benchmark", "XNLI", "MMTEB"],
        "GCL": ["MS MARCO", "BEIR", "MIRACL", "the Sketchy benchmark", "the PixelPairs dataset", "TREC-COVID"],
    }
    templates = {
        "COCO-DR": ["Does COCO-DR improve zero-shot dense retrieval on {}?", "Does iDRO help on {}?"],
        "OPTICAL": [
            "Does optimal transport distillation improve low-resource retrieval on {}?",
            "Does OPTICAL help on {}?",
        ],
        "GCL": ["Does GCL improve universal multimodal retrieval on {}?", "Does contrastive learning help on {}?"],
    }
    cases = []
    for name, (paper, names) in own.items():
        cases += [(name, paper, t.format(n), False) for t in templates[name] for n in names]
        cases += [(name, paper, t.format(n), True) for t in templates[name] for n in foreign[name]]
    return cases


def score_drift() -> Table:
    from drift_papers import with_full_text

    from claimcheck.sources.drift import PaperText, topic_drift

    counts: Counter = Counter()
    for _, paper, question, drifts in drift_cases():
        title = PaperText(title=paper.title, published=paper.published, method_names=paper.method_names)
        for text, judged in (("title only", title), ("abstract", paper), ("full text", with_full_text(paper))):
            ok = topic_drift(question, judged).ok
            counts[(drifts, text, {False: "flagged", True: "agrees", None: "undecided"}[ok])] += 1
    table = Table(title="drift check on questions about the seeds' papers")
    for col in ("questions", "paper text", "flagged", "undecided", "agrees"):
        table.add_column(col)
    for drifts in (True, False):
        for text in ("title only", "abstract", "full text"):
            row = [counts[(drifts, text, o)] for o in ("flagged", "undecided", "agrees")]
            label = "drifting (must be flagged)" if drifts else "matching (must not be)"
            table.add_row(label, text, *map(str, row))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--variants", type=int, default=20, help="typographic copies of each seed")
    parser.add_argument("--cases", type=int, default=40, help="draws of the quantity templates")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    console = Console()
    rng = random.Random(args.seed)

    cases = quantity_cases(rng, args.cases)
    outcome = score_quantities(cases)
    table = Table(title=f"quantities: {len(cases)} claims from {len(cases) // args.cases} templates")
    table.add_column("reading")
    table.add_column("claims")
    table.add_column("share")
    for name, count in sorted(outcome.items()):
        table.add_row(name, str(count), f"{count / len(cases):.1%}")
    console.print(table)
    if args.seeds.is_dir():
        same, total = score_typography(args.seeds, args.variants, rng)
        console.print(f"typography: {same} of {total} typographic copies of the seeds ingest to the seed's claims")
    else:
        console.print(f"typography: skipped, no seeds at {args.seeds}")
    console.print(score_drift())


if __name__ == "__main__":
    main()
