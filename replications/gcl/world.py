"""A deterministic synthetic image–caption world for multimodal retrieval (the proxy stand-in for M-BEIR).

No image–text weights or image sets exist offline, so the proxy draws its own world from a seed.

**Scenes.** A scene fixes six attributes: shape (6 values), colour (6), texture (3: solid, striped, dotted),
size (2), count (1–3 objects) and position (which half of the picture holds the objects): 2,592 scenes.

**Images** are rendered with numpy at `image_size` pixels: `count` copies of the shape, evenly spaced along the
scene's half with a few pixels of jitter, filled with the colour through the texture's pixel pattern, on a noisy
black background. Two renderings of one scene differ in jitter, colour jitter and noise (a different `rng`).

**Captions** name a subset of the attributes in a random word order with an optional filler prefix, e.g.
"an image showing two large dotted red circles on the left" or "striped cyan shape". Training pairs (LCS-558K
style) pair an image with a caption of a random subset of its scene's attributes (at least `min_caption_attrs`).

**Fused items** (an image and a text together, as a query or a key) come in two kinds, as in M-BEIR:
- *complementary* (composed retrieval, CIRR/FashionIQ-like): the text names some attributes T and overrides them,
  the image supplies the rest. The content is the image's scene with T replaced by the text's values, so neither
  part alone identifies it; the image is drawn with T set to other values than the content's.
- *same* (a Wikipedia-page-like key, WebQA/OVEN): the image shows the content and the text describes a random
  subset of the same content's attributes; the image alone identifies it and the text agrees with it. This is
  also what an image–caption training pair is, so a model that simply sums a good image and a good text
  embedding (CL with score fusion) is not handicapped by construction.

**Tasks** (M-BEIR's numbering, `WORLD_TASKS`): fused queries (tasks 6, 7, 8) are complementary, as composed
queries are; fused keys (tasks 2 and 8) come in both kinds, as separate tasks (`task2_qt-cict_compl`,
`task2_qt-cict_same`, ...). Every query has one relevant candidate, the one whose content is the query's; each
pool holds every query's positive plus hard negatives (`n_neighbours` with one attribute changed; for
complementary keys the same image with another text and the same text with another image; for same-content
keys a neighbour differing in an attribute the positive's text names and one differing in an attribute only
its image shows; for fused queries the reference image's own content) and random distractors. No two candidates
of a pool share a content. All tasks are drawn from one world, so their union is a global pool (M-BEIR's
"UNION") in which the same content can appear in several modalities, and only the task's own modality is
relevant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "shape": ("circle", "square", "triangle", "diamond", "cross", "ring"),
    "colour": ("red", "green", "blue", "yellow", "magenta", "cyan"),
    "texture": ("solid", "striped", "dotted"),
    "size": ("small", "large"),
    "count": ("one", "two", "three"),
    "position": ("left", "right", "top", "bottom"),
}
NAMES: tuple[str, ...] = tuple(ATTRIBUTES)
PREFIXES: tuple[str, ...] = ("", "a picture of", "an image showing", "there are")
_RGB = {
    "red": (230, 40, 40),
    "green": (40, 200, 60),
    "blue": (50, 80, 235),
    "yellow": (235, 220, 40),
    "magenta": (220, 50, 220),
    "cyan": (40, 210, 220),
}

Scene = tuple[int, ...]  # one value index per attribute, in NAMES order


def _plural(noun: str) -> str:
    return noun + ("es" if noun.endswith("s") else "s")


def vocabulary() -> list[str]:
    """Every word a caption can use (the tiny tokenizer's vocabulary)."""
    words: list[str] = []
    for values in ATTRIBUTES.values():
        words.extend(values)
    words.extend(_plural(shape) for shape in ATTRIBUTES["shape"])
    words.extend(["shape", "shapes", "on", "the"])
    for prefix in PREFIXES:
        words.extend(prefix.split())
    return sorted(set(words))


def random_scene(rng: np.random.Generator) -> Scene:
    return tuple(int(rng.integers(len(values))) for values in ATTRIBUTES.values())


def change(scene: Scene, attrs: list[int], rng: np.random.Generator) -> Scene:
    """`scene` with every attribute in `attrs` set to a different value."""
    out = list(scene)
    for a in attrs:
        choices = [v for v in range(len(ATTRIBUTES[NAMES[a]])) if v != scene[a]]
        out[a] = int(rng.choice(choices))
    return tuple(out)


# ------------------------------------------------------------------------------------------------ rendering


def _shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    ax, ay = np.abs(dx), np.abs(dy)
    if shape == "circle":
        return dx**2 + dy**2 <= r**2
    if shape == "square":
        return (ax <= 0.8 * r) & (ay <= 0.8 * r)
    if shape == "triangle":
        return (dy >= -r) & (dy <= 0.8 * r) & (ax <= (dy + r) / 2)
    if shape == "diamond":
        return ax + ay <= r
    if shape == "cross":
        return ((ax <= r / 3) & (ay <= r)) | ((ay <= r / 3) & (ax <= r))
    if shape == "ring":
        d2 = dx**2 + dy**2
        return (d2 <= r**2) & (d2 >= (0.55 * r) ** 2)
    raise ValueError(shape)


def render(scene: Scene, rng: np.random.Generator, image_size: int = 48) -> np.ndarray:
    """An (image_size, image_size, 3) uint8 picture of the scene; `rng` draws the nuisances."""
    values = {name: ATTRIBUTES[name][v] for name, v in zip(NAMES, scene, strict=True)}
    s = image_size
    img = np.clip(rng.normal(0, 8, size=(s, s, 3)), 0, 255)
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float64)
    count = scene[NAMES.index("count")] + 1
    radius = s * (0.09 if values["size"] == "small" else 0.15)
    texture = {
        "solid": np.ones((s, s), dtype=bool),
        "striped": (yy.astype(int) // 2) % 2 == 0,
        "dotted": ((xx.astype(int) // 2) + (yy.astype(int) // 2)) % 2 == 0,
    }[values["texture"]]
    colour = np.clip(np.array(_RGB[values["colour"]]) + rng.integers(-15, 16, size=3), 0, 255)
    horizontal = values["position"] in ("top", "bottom")  # objects spread along the half's long side
    for k in range(count):
        along = s * (k + 0.5) / count + rng.uniform(-1.5, 1.5)
        across = s * (0.25 if values["position"] in ("left", "top") else 0.75) + rng.uniform(-2, 2)
        cx, cy = (along, across) if horizontal else (across, along)
        mask = _shape_mask(values["shape"], xx - cx, yy - cy, radius) & texture
        img[mask] = colour
    return img.astype(np.uint8)


# ------------------------------------------------------------------------------------------------ captions


def caption(scene: Scene, attrs: list[int] | tuple[int, ...], rng: np.random.Generator) -> str:
    """Words for the attributes `attrs` of `scene`, in a random order with an optional filler prefix."""
    named = {NAMES[a]: ATTRIBUTES[NAMES[a]][scene[a]] for a in attrs}
    plural = named.get("count") in ("two", "three")
    noun = named.get("shape", "shape")
    noun = _plural(noun) if plural else noun
    modifiers = [named[n] for n in ("size", "colour", "texture") if n in named]
    modifiers = [modifiers[i] for i in rng.permutation(len(modifiers))]
    words = ([named["count"]] if "count" in named else []) + modifiers + [noun]
    if "position" in named:
        where = ["on", "the", named["position"]]
        words = where + words if rng.random() < 0.3 else words + where
    prefix = PREFIXES[int(rng.integers(len(PREFIXES)))]
    return " ".join(([prefix] if prefix else []) + words)


def full_caption(scene: Scene, rng: np.random.Generator) -> str:
    return caption(scene, range(len(NAMES)), rng)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ items


@dataclass
class Item:
    """A query or candidate: an image, a text, or both (fused); `content` is what it means."""

    id: str
    content: Scene
    text: str | None = None
    image: np.ndarray | None = None
    image_scene: Scene | None = None  # fused items: the scene the image shows
    text_attrs: tuple[int, ...] = ()  # fused items: the attributes the text names

    @property
    def modality(self) -> str:
        if self.image is not None and self.text is not None:
            return "image,text"
        return "image" if self.image is not None else "text"


FusedKind = Literal["complementary", "same"]


@dataclass(frozen=True)
class TaskSpec:
    """One world task: an M-BEIR task id and, where its keys are fused, how they split their content."""

    task_id: int
    keys: FusedKind = "complementary"

    @property
    def fused_keys(self) -> bool:
        return "," in TASK_MODALITIES[self.task_id][1]

    @property
    def name(self) -> str:
        """Measurement dataset name, e.g. `task0_qt-ci`, `task2_qt-cict_same`."""
        base = f"task{self.task_id}_{TASK_MODALITIES[self.task_id][2]}"
        return f"{base}_{'same' if self.keys == 'same' else 'compl'}" if self.fused_keys else base

    @property
    def mbeir_name(self) -> str:
        """M-BEIR dataset-task name of its files, e.g. `world_task0`, `worldsame_task2`."""
        dataset = ("worldsame" if self.keys == "same" else "worldcompl") if self.fused_keys else "world"
        return f"{dataset}_task{self.task_id}"


@dataclass
class Task:
    spec: TaskSpec
    queries: list[Item]
    candidates: list[Item]
    qrels: dict[str, str] = field(default_factory=dict)  # query id -> relevant candidate id

    @property
    def task_id(self) -> int:
        return self.spec.task_id

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def mbeir_name(self) -> str:
        return self.spec.mbeir_name


@dataclass
class WorldConfig:
    seed: int = 0
    image_size: int = 48
    n_queries: int = 200
    n_random_distractors: int = 200
    min_caption_attrs: int = 2
    max_override_attrs: int = 2
    n_neighbours: int = 1  # hard negatives per query with one attribute changed (each a different attribute)


class World:
    """Draws items of each modality from one seeded generator (so the whole world is reproducible)."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self._next = 0

    def _id(self) -> str:
        self._next += 1
        return str(self._next)

    def image_item(self, scene: Scene) -> Item:
        return Item(self._id(), scene, image=render(scene, self.rng, self.config.image_size))

    def text_item(self, scene: Scene) -> Item:
        return Item(self._id(), scene, text=full_caption(scene, self.rng))

    def override_attrs(self) -> list[int]:
        k = int(self.rng.integers(1, self.config.max_override_attrs + 1))
        return sorted(int(a) for a in self.rng.choice(len(NAMES), size=k, replace=False))

    def caption_attrs(self) -> list[int]:
        k = int(self.rng.integers(self.config.min_caption_attrs, len(NAMES) + 1))
        return sorted(int(a) for a in self.rng.choice(len(NAMES), size=k, replace=False))

    def fused_item(
        self,
        content: Scene,
        attrs: list[int] | None = None,
        image_scene: Scene | None = None,
        kind: FusedKind = "complementary",
    ) -> Item:
        """complementary: an image of `content` with `attrs` changed, plus a text naming `attrs` at the content's
        values; same: an image of `content` plus a caption of some of its attributes."""
        if kind == "same":
            attrs = attrs if attrs is not None else self.caption_attrs()
            image = render(content, self.rng, self.config.image_size)
            text = caption(content, attrs, self.rng)
            return Item(self._id(), content, text=text, image=image, image_scene=content, text_attrs=tuple(attrs))
        attrs = attrs if attrs is not None else self.override_attrs()
        shown = image_scene if image_scene is not None else change(content, attrs, self.rng)
        image = render(shown, self.rng, self.config.image_size)
        text = caption(content, attrs, self.rng)
        return Item(self._id(), content, text=text, image=image, image_scene=shown, text_attrs=tuple(attrs))

    def pairs(self, n: int) -> Iterator[tuple[np.ndarray, str]]:
        """Image–caption training pairs: a rendering and a caption of a random attribute subset."""
        for _ in range(n):
            scene = random_scene(self.rng)
            attrs = self.caption_attrs()
            yield render(scene, self.rng, self.config.image_size), caption(scene, attrs, self.rng)


# query modality, candidate modality, readable name (M-BEIR task ids; task 5 does not exist in M-BEIR)
TASK_MODALITIES: dict[int, tuple[str, str, str]] = {
    0: ("text", "image", "qt-ci"),
    1: ("text", "text", "qt-ct"),
    2: ("text", "image,text", "qt-cict"),
    3: ("image", "text", "qi-ct"),
    4: ("image", "image", "qi-ci"),
    6: ("image,text", "text", "qiqt-ct"),
    7: ("image,text", "image", "qiqt-ci"),
    8: ("image,text", "image,text", "qiqt-cict"),
}
FUSED_TASKS: tuple[int, ...] = tuple(t for t, (q, c, _) in TASK_MODALITIES.items() if "," in q or "," in c)
SINGLE_MODALITY_TASKS: tuple[int, ...] = tuple(t for t in TASK_MODALITIES if t not in FUSED_TASKS)
# every M-BEIR task once, and the fused-key tasks once per kind of fused key
WORLD_TASKS: tuple[TaskSpec, ...] = tuple(
    TaskSpec(t, kind)
    for t in TASK_MODALITIES
    for kind in (("complementary", "same") if "," in TASK_MODALITIES[t][1] else ("complementary",))
)


def build_task(world: World, spec: TaskSpec) -> Task:
    """Queries and a local candidate pool for one task (see the module docstring for the negatives)."""
    q_mod, c_mod, _ = TASK_MODALITIES[spec.task_id]
    rng = world.rng
    make = {"image": world.image_item, "text": world.text_item}
    queries: list[Item] = []
    candidates: dict[Scene, Item] = {}
    qrels: dict[str, str] = {}

    def add_candidate(content: Scene, item: Item | None = None) -> Item | None:
        if content in candidates:
            return None
        if item is None:
            item = make[c_mod](content) if c_mod in make else world.fused_item(content, kind=spec.keys)
        candidates[content] = item
        return item

    targets: list[Scene] = []
    while len(targets) < world.config.n_queries:
        scene = random_scene(rng)
        if scene not in targets:
            targets.append(scene)
    for target in targets:
        if q_mod in make:
            query = make[q_mod](target)  # for task 4 the positive is another rendering of the same scene
        else:
            attrs = world.override_attrs()
            reference = change(target, attrs, rng)
            query = world.fused_item(target, attrs, image_scene=reference)
            add_candidate(reference)  # the reference image's own content: the classic composed-retrieval trap
        queries.append(query)
        positive = candidates.get(target) or add_candidate(target)
        assert positive is not None
        qrels[query.id] = positive.id
        for a in rng.choice(len(NAMES), size=min(world.config.n_neighbours, len(NAMES)), replace=False):
            add_candidate(change(target, [int(a)], rng))  # one attribute changed
        if spec.fused_keys:
            _fused_key_negatives(world, spec.keys, target, positive, add_candidate)
    for _ in range(world.config.n_random_distractors):
        add_candidate(random_scene(rng))
    # positives were registered before later queries' negatives, so a positive is never overwritten
    return Task(spec, queries, list(candidates.values()), qrels)


def _fused_key_negatives(world: World, kind: FusedKind, target: Scene, positive: Item, add_candidate) -> None:
    """Negatives that one half of the positive fused key cannot tell apart from it."""
    rng = world.rng
    attrs, shown = list(positive.text_attrs), positive.image_scene
    assert shown is not None
    unnamed = [a for a in range(len(NAMES)) if a not in attrs]
    if kind == "same":
        # differs in an attribute the text names (the image shows it too), and in one only the image shows
        content = change(target, [int(rng.choice(attrs))], rng)
        add_candidate(content, world.fused_item(content, attrs, kind="same"))
        if unnamed:
            content = change(target, [int(rng.choice(unnamed))], rng)
            add_candidate(content, world.fused_item(content, attrs, kind="same"))
        return
    # the positive's image with another text, and the positive's text with another image
    other_text = tuple(change(target, attrs, rng)[a] if a in attrs else shown[a] for a in range(len(NAMES)))
    if other_text != target and all(other_text[a] != shown[a] for a in attrs):
        add_candidate(other_text, world.fused_item(other_text, attrs, image_scene=shown))
    other_image = change(shown, [int(rng.choice(unnamed))], rng)
    content = tuple(target[a] if a in attrs else other_image[a] for a in range(len(NAMES)))
    add_candidate(content, world.fused_item(content, attrs, image_scene=other_image))


def build_tasks(config: WorldConfig, specs: tuple[TaskSpec, ...] = WORLD_TASKS) -> list[Task]:
    world = World(config)
    return [build_task(world, spec) for spec in specs]
