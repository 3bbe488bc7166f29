"""Topic drift: does a report's research question ask about what its examined paper studies?

Synthesis reports drift in recognisable ways: a question about image–text retrieval on COCO resting on COCO-DR
(a text retrieval paper that merely shares the name), or a question about XQuAD, MTOP or WebFAQ resting on a
cross-lingual retrieval paper that never uses them (WebFAQ did not even exist yet). The check compares:

- modality: image / video cues in the question and none in the paper's title and abstract, or the reverse when
  the question names text benchmarks (kept from the first version of this check);
- languages: a multilingual or cross-lingual question (code-switching, language pairs, low-resource languages)
  over a paper whose title and abstract have no such setting;
- names: every benchmark, dataset, model or task name the question gives — capitalised and acronym tokens
  ("XQuAD", "MTOP", "Multi30k", "BLIP-2"), names before "benchmark" / "dataset" / "corpus" …, and the documented
  benchmarks of `benchmarks.yaml` — is looked for in the paper's own text (title, abstract and, when a PDF is
  cached, its full text). A name found there, or a benchmark whose suite is found there (TREC-COVID in BEIR),
  agrees. A name the full text never mentions is flagged. Without the full text an absent name is flagged only
  on the documented list's evidence: a benchmark released after the paper (dated by its metadata or its arXiv
  id), or one whose language setting, task or modality the paper's title and abstract (or, with nothing cached,
  its title) do not share; any other absent name leaves the check undecided.

Flagged checks name the words looked for and where. `ok` is False (drift), True (agrees) or None (cannot tell
from what is cached).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from claimcheck.metric_names import normalise_metric
from claimcheck.sources.benchmarks import Benchmark, NameIndex, name_key, named_benchmarks, suite_of
from claimcheck.sources.text import normalise

# Cues that the text is about images or video (i.e. not text-only retrieval).
_VISUAL = re.compile(
    r"(?i)\b(images?|visual|vision|video|photos?|pictures?|captions?|captioning|multi-?modal|cross-?modal|"
    r"text[- ]to[- ]image|image[- ]to[- ]text|image[- ]text|text[- ]image|vision[- ]language|clip|blip-?2?|pali|"
    r"vista|ms-?coco|coco\s(?:captions?|image|text-image|image-text)|flickr30k(?:-entities)?|m-?beir|mmeb|covr|"
    r"fashion200k|fashioniq|cirr|webqa|infoseek|oven|visualnews)\b"
)
# Cues of a setting with more than one language.
_MULTILINGUAL = re.compile(
    r"(?i)\b(multi-?lingual|cross-?lingual|cross-?language|code-?switch\w*|code-?mix\w*|bilingual|language pairs?"
    r"|low-resource languages?|non-english|many languages|\d+ languages|translat\w*|bitext)\b"
)
# What a text says a task is; a benchmark's task clashes with a paper whose text has none of its cues.
_TASKS = {
    "retrieval": r"retriev\w*|rank\w*|search\w*|re-?rank\w*",
    "qa": r"question answering|\bqa\b|reading comprehension|answer\w*",
    "semantic-parsing": r"semantic parsing|pars\w+|intent|slot filling",
    "nli": r"inference|entailment|\bnli\b",
    "classification": r"classif\w*|paraphrase",
    "translation": r"translat\w*",
    "captioning": r"caption\w*",
    "bitext-mining": r"bitext|parallel (?:data|corp\w+|sentences)|sentence alignment",
}
_TASK_CUES = {task: re.compile(rf"(?i)\b(?:{cues})") for task, cues in _TASKS.items()}
_TASK_WORDS = {"qa": "question-answering", "nli": "inference", "semantic-parsing": "semantic-parsing"}

# A name-like token: letters, digits, "@", "+", joined by hyphens or dots ("BLIP-2", "Mr.TyDi", "XQuAD-R").
_TOKEN = re.compile(r"(?<![\w@+.-])[A-Za-z0-9][A-Za-z0-9@+]*(?:[-.][A-Za-z0-9@+]+)*")
_SUFFIX = re.compile(r"(?i)(?:'s|-(?:based|style|like|only|driven|augmented|specific|trained|tuned))$")
# A capitalised name before one of these words is a benchmark or dataset even when none of its words is an
# acronym ("the Aurora Legal benchmark").
_NAMED_AS = re.compile(
    r"(?<![\w-])(?P<n>[A-Z][\w-]{0,40}(?: [A-Z][\w-]{0,40}){0,2}) (?:benchmark|dataset|data set|corpus|collection"
    r"|test collection|test set|track|challenge|leaderboard|suite)s?\b"
)
# Question words and articles that start a sentence before a name ("Does BEIR benchmark …" names BEIR).
_LEADING_WORDS = re.compile(
    r"^(?:(?:Does|Do|Did|Can|Could|Is|Are|Was|Were|What|Which|How|Why|When|Where|Will|Would|Should|To|In|On|For"
    r"|The|A|An|Across|Under|With|Over) )+"
)
# A research question is a sentence; a "question" far longer is a report read wrongly (and its words would all
# be looked for).
MAX_QUESTION_CHARS = 2000
# Acronyms of the field itself, not of anything a paper could fail to mention.
GENERIC_ACRONYMS = frozenset(
    "ai ml nlp ir llm llms lm lms plm plms sota rq gpu gpus cpu cpus api dl nn dnn dnns cnn rnn".split()  # noqa: SIM905
)


@dataclass
class PaperText:
    """What the cache holds of the examined paper: its title always, its abstract and full text when cached."""

    title: str
    abstract: str = ""
    full_text: str = ""
    pages: int = 0
    published: date | None = None
    method_names: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def described(self) -> str:
        parts = ["title"] + (["abstract"] if self.abstract else [])
        parts += [f"full text ({self.pages} pages)"] if self.full_text else []
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    @property
    def head_described(self) -> str:
        return "title and abstract" if self.abstract else "title"

    @property
    def head(self) -> str:
        """What the paper says it is about: its title and abstract."""
        return f"{self.title}. {self.abstract}" if self.abstract else self.title


@dataclass(frozen=True)
class Drift:
    ok: bool | None
    detail: str


@dataclass
class _Name:
    """A name the question gives, and what the paper's text says about it."""

    text: str
    benchmark: Benchmark | None = None
    found: str | None = None  # where the paper's text mentions it (or its suite)
    problem: str | None = None  # why its absence is drift


def visual_cues(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in _VISUAL.finditer(normalise(text))})


def _looks_like_name(token: str) -> bool:
    """An acronym or a coined name: two capitals ("MTOP", "XQuAD", "WebFAQ"), a capital and a digit ("Multi30k",
    "BLIP-2"), or a lower-case letter then a capital ("mMARCO")."""
    capitals = sum(c.isupper() for c in token)
    return capitals >= 2 or (capitals >= 1 and any(c.isdigit() for c in token)) or bool(re.match(r"[a-z]+[A-Z]", token))


def _is_metric(token: str) -> bool:
    try:
        normalise_metric(token)
    except ValueError:
        return False
    return True


def question_names(question: str, method_names: tuple[str, ...] = ()) -> list[_Name]:
    """Every benchmark, dataset, model or task name the question gives, known ones with their record."""
    text = normalise(question)
    known = named_benchmarks(NameIndex(text))
    covered = {k for b in known for k in b.keys}
    skip = GENERIC_ACRONYMS | {name_key(n) for n in method_names}
    names = [_Name(b.name, b) for b in known]
    seen = set(covered)
    candidates = [_SUFFIX.sub("", t) for t in _TOKEN.findall(text)]
    candidates = [t for t in candidates if _looks_like_name(t) and not _is_metric(t)]
    candidates += [_LEADING_WORDS.sub("", m["n"]) for m in _NAMED_AS.finditer(text)]
    for token in candidates:
        key = name_key(token)
        generic = key in skip or re.sub(r"\d+$", "", key) in GENERIC_ACRONYMS  # "RQ1"
        if not key or key in seen or generic or any(key in k for k in covered):
            continue
        seen.add(key)
        names.append(_Name(token))
    return names


def _where(name: _Name, indexes: list[tuple[str, NameIndex]]) -> str | None:
    """Where the paper's text names it: by any spelling, or (an acronym, in the title or abstract) spelled out."""
    keys = name.benchmark.keys if name.benchmark else frozenset({name_key(name.text)})
    found = next((place for place, index in indexes if any(k in index for k in keys)), None)
    if found is None and name.benchmark is None and name.text.isupper():
        short = [(place, index) for place, index in indexes if place != "full text"]
        found = next((f"{place}, spelled out" for place, index in short if index.spells_out(name.text)), None)
    return found


def _judge_name(name: _Name, paper: PaperText, indexes: list[tuple[str, NameIndex]], head: str) -> None:
    """Fill in where the paper mentions `name`, or why its absence is drift (or leave both empty: unknown)."""
    b = name.benchmark
    name.found = _where(name, indexes)
    if name.found is None and b is not None:
        suite = next((s for s in (suite_of(b, index) for _, index in indexes) if s), None)
        name.found = f"via {suite}" if suite else None
    if name.found is not None:
        return
    if b is not None and paper.published and b.year > paper.published.year:
        name.problem = f"{b.name} was released in {b.year}, after the paper ({paper.published.year})"
    elif paper.full_text:
        name.problem = f"{name.text} is not mentioned in the paper"
    elif b is not None:
        name.problem = _facet_clash(b, head, paper.head_described)


def _facet_clash(b: Benchmark, head: str, where: str) -> str | None:
    """Why a benchmark the paper's title and abstract (`head`) do not name cannot be the paper's: its languages
    or task are not the paper's (its modality is the modality check's)."""
    if b.languages == "multi" and not _MULTILINGUAL.search(head):
        return f"{b.name} is multilingual, and nothing in the paper's {where} is"
    if b.task and not _TASK_CUES[b.task].search(head):
        task = _TASK_WORDS.get(b.task, b.task)
        return f"{b.name} is a {task} benchmark, a task nothing in the paper's {where} mentions"
    return None


def _modality_problems(question: str, names: list[_Name], paper: PaperText) -> list[str]:
    q_visual, p_visual = visual_cues(question), visual_cues(paper.head)
    paper_modality = "image" if p_visual else "text"
    where = paper.head_described
    problems = []
    if q_visual and not p_visual:
        problems.append(
            f"the question is about images/multimodal data ({', '.join(q_visual)}) but nothing in the examined "
            f"paper's {where} is about images, video or multimodal data"
        )
    text_benchmarks = [n for n in names if n.benchmark and n.benchmark.modality == "text"]
    if p_visual and not q_visual and text_benchmarks:
        problems.append(
            f"the question is about text retrieval but the paper is multimodal ({', '.join(p_visual)} in its {where})"
        )
    clashing = [
        n.text
        for n in names
        if n.benchmark and not n.found and (n.benchmark.modality == "text") != (paper_modality == "text")
    ]
    if clashing:
        problems.append(f"the question's benchmark(s) {', '.join(clashing)} test a different modality than the paper")
    return problems


def topic_drift(question: str, paper: PaperText) -> Drift:
    if len(question) > MAX_QUESTION_CHARS:
        return Drift(None, f"the research question runs to {len(question)} characters: not a question, not judged")
    names = question_names(question, paper.method_names)
    indexes = [("title", NameIndex(paper.title)), ("abstract", NameIndex(paper.abstract))]
    if paper.full_text:
        indexes.append(("full text", NameIndex(paper.full_text)))
    head = normalise(paper.head)
    for name in names:
        _judge_name(name, paper, indexes, head)
    problems = _modality_problems(question, names, paper)
    multilingual = _MULTILINGUAL.search(normalise(question))
    if multilingual and not _MULTILINGUAL.search(head):
        problems.append(
            f"the question is about a multilingual setting ({multilingual[0]}), which nothing in the paper's "
            f"{paper.head_described} mentions"
        )
    problems += [n.problem for n in names if n.problem]
    looked = f"looked for {', '.join(n.text for n in names)} in the paper's {paper.described}" if names else ""
    if problems:
        return Drift(False, "; ".join(problems) + (f" ({looked})" if looked else ""))
    unknown = [n.text for n in names if not n.found]
    found = [f"{n.text} ({n.found})" for n in names if n.found]
    if unknown:
        detail = (
            f"cannot tell: nothing in the paper's {paper.described} mentions {', '.join(unknown)} "
            "(cache its PDF with `claimcheck sources add` to decide)"
        )
        return Drift(None, detail + (f"; found {', '.join(found)}" if found else ""))
    modality = "image" if visual_cues(paper.head) else "text"
    detail = f"the question and the paper's {paper.described} agree on modality ({modality})"
    return Drift(True, detail + (f"; found {', '.join(found)}" if found else ""))
