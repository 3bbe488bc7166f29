"""The synthetic world: deterministic, one relevant candidate per query, fused items need image and text."""

from __future__ import annotations

import numpy as np

from replications.gcl.world import (
    ATTRIBUTES,
    FUSED_TASKS,
    NAMES,
    SINGLE_MODALITY_TASKS,
    TASK_MODALITIES,
    WORLD_TASKS,
    World,
    WorldConfig,
    build_tasks,
    caption,
    render,
    vocabulary,
)

CONFIG = WorldConfig(seed=3, image_size=32, n_queries=15, n_random_distractors=10, n_neighbours=3)


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b, c = build_tasks(CONFIG), build_tasks(CONFIG), build_tasks(WorldConfig(**{**CONFIG.__dict__, "seed": 4}))
    for ta, tb in zip(a, b, strict=True):
        assert [q.text for q in ta.queries] == [q.text for q in tb.queries]
        assert all(
            np.array_equal(x.image, y.image)
            for x, y in zip(ta.candidates, tb.candidates, strict=True)
            if x.image is not None
        )
    assert [q.content for q in a[0].queries] != [q.content for q in c[0].queries]


def test_every_query_has_exactly_one_relevant_candidate_of_the_task_modalities() -> None:
    for task in build_tasks(CONFIG):
        q_mod, c_mod, _ = TASK_MODALITIES[task.task_id]
        contents = [c.content for c in task.candidates]
        assert len(contents) == len(set(contents)), "pool contents must be unique"
        by_id = {c.id: c for c in task.candidates}
        for q in task.queries:
            assert q.modality == q_mod
            assert by_id[task.qrels[q.id]].content == q.content
            assert sum(c == q.content for c in contents) == 1
        assert {c.modality for c in task.candidates} == {c_mod}
        assert len(task.candidates) > len(task.queries)  # negatives beyond the positives


def test_complementary_fused_items_split_content_between_image_and_text() -> None:
    task = next(t for t in build_tasks(CONFIG) if t.name == "task8_qiqt-cict_compl")
    for item in task.queries + task.candidates:
        assert item.image_scene is not None and item.text_attrs
        for a in range(len(NAMES)):
            if a in item.text_attrs:
                assert item.image_scene[a] != item.content[a]  # the image shows another value: text needed
                assert ATTRIBUTES[NAMES[a]][item.content[a]] in item.text.split() or NAMES[a] == "shape"
            else:
                assert item.image_scene[a] == item.content[a]  # the image carries the rest


def test_same_content_fused_keys_show_the_content_and_agree_with_it() -> None:
    task = next(t for t in build_tasks(CONFIG) if t.name == "task2_qt-cict_same")
    for item in task.candidates:
        assert item.image_scene == item.content  # the image alone shows the content
        assert len(item.text_attrs) >= CONFIG.min_caption_attrs
        for a in item.text_attrs:  # and the text describes the same content
            named = ATTRIBUTES[NAMES[a]][item.content[a]]
            assert named in item.text.split() or NAMES[a] == "shape"


def test_neighbours_differ_from_the_positive_in_one_attribute() -> None:
    for task in build_tasks(CONFIG, WORLD_TASKS[:1]):
        positives = {task.qrels[q.id] for q in task.queries}
        one_away = [c for c in task.candidates if c.id not in positives
                    and any(sum(x != y for x, y in zip(c.content, q.content, strict=True)) == 1
                            for q in task.queries)]  # fmt: skip
        assert len(one_away) >= 2 * len(task.queries)  # n_neighbours=3, fewer only where two queries collide


def test_task_families_partition_the_eight_mbeir_tasks_and_fused_keys_come_in_both_kinds() -> None:
    assert sorted(FUSED_TASKS) == [2, 6, 7, 8]
    assert sorted(SINGLE_MODALITY_TASKS) == [0, 1, 3, 4]
    names = [spec.name for spec in WORLD_TASKS]
    assert len(set(names)) == len(names) == 10
    assert {"task2_qt-cict_compl", "task2_qt-cict_same", "task8_qiqt-cict_compl", "task8_qiqt-cict_same"} <= set(names)
    assert len({spec.mbeir_name for spec in WORLD_TASKS}) == 10


def test_captions_use_the_vocabulary_and_renderings_differ_by_attribute() -> None:
    rng = np.random.default_rng(0)
    words = set(vocabulary())
    scene = (0, 0, 0, 1, 2, 0)  # large solid red circles, three of them, on the left
    text = caption(scene, list(range(len(NAMES))), rng)
    assert set(text.split()) <= words and "three" in text and "circles" in text
    base = render(scene, np.random.default_rng(1), 32)
    for a in range(len(NAMES)):
        other = list(scene)
        other[a] = (scene[a] + 1) % len(ATTRIBUTES[NAMES[a]])
        assert np.abs(render(tuple(other), np.random.default_rng(1), 32).astype(int) - base).sum() > 0


def test_training_pairs_are_deterministic() -> None:
    first = [text for _, text in World(CONFIG).pairs(5)]
    assert first == [text for _, text in World(CONFIG).pairs(5)]
