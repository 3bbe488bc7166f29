"""Embedding by modality, and chunked top-k scores equal to ranking the whole matrix, local and global pools."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from replications.gcl.evaluate import EvalOptions, Evaluation, encode  # noqa: E402
from replications.gcl.images import CropStore, Items  # noqa: E402
from replications.gcl.mbeir import hit_at_k, load_pool, load_queries, write_world_task  # noqa: E402
from replications.gcl.model import TinyClipSpec, load_dual_encoder, write_tiny_checkpoint  # noqa: E402
from replications.gcl.world import WORLD_TASKS, WorldConfig, build_tasks, vocabulary  # noqa: E402


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("eval")
    spec = TinyClipSpec(image_size=16, patch_size=8, hidden=16, layers=1, heads=2, projection_dim=16)
    encoder = load_dual_encoder(write_tiny_checkpoint(tmp / "ckpt", vocabulary(), spec))
    tasks = build_tasks(WorldConfig(seed=4, image_size=16, n_queries=5, n_random_distractors=4), WORLD_TASKS[::3])
    sets = [write_world_task(tmp / "mbeir", t) for t in tasks]
    qsets = [load_queries(tmp / "mbeir", s) for s in sets]
    pools = {s.pool: load_pool(tmp / "mbeir", s.pool) for s in sets}
    names = {s.name: t.name for s, t in zip(sets, tasks, strict=True)}
    images = [p for items in [*(q.queries for q in qsets), *pools.values()] for p in items.images if p]
    return encoder, qsets, pools, names, CropStore(images, encoder.preprocessor, tmp / "crops")


def test_items_are_embedded_by_their_own_modality(setup) -> None:
    encoder, _, _, _, store = setup
    pool = next(p for p in setup[2].values() if "image,text" in p.modalities)
    row = pool.modalities.index("image,text")
    both = Items([pool.ids[row]], [pool.texts[row]], [pool.images[row]], [pool.modalities[row]])
    image_only = Items(both.ids, [None], both.images, ["image"])
    text_only = Items(both.ids, both.texts, [None], ["text"])
    options = EvalOptions(batch_size=4)
    e_it, e_i, e_t = (encode(encoder, x, store, options) for x in (both, image_only, text_only))
    with torch.no_grad():
        raw_i = encoder.image_features(torch.from_numpy(store.crop(both.images[0]))[None])
        tokens = encoder.tokenize([both.texts[0]])
        raw_t = encoder.text_features(tokens["input_ids"], tokens["attention_mask"])
    normalise = torch.nn.functional.normalize
    assert torch.allclose(e_i, normalise(raw_i, dim=-1), atol=1e-5)
    assert torch.allclose(e_t, normalise(raw_t, dim=-1), atol=1e-5)
    assert torch.allclose(e_it, normalise(encoder.fuse(raw_i, raw_t), dim=-1), atol=1e-5)  # UniIR's score fusion


def _brute(queries: torch.Tensor, cands: torch.Tensor, ids: list[str], qset, k: int) -> dict[str, float]:
    top = torch.topk(queries @ cands.T, min(k, len(ids)), dim=1).indices.tolist()
    rows = zip(qset.queries.ids, top, strict=True)
    return {q: hit_at_k(qset.qrels.get(q, set()), [ids[j] for j in row], k) for q, row in rows}


def test_local_and_global_scores_equal_ranking_the_whole_matrix(setup) -> None:
    encoder, qsets, pools, names, store = setup
    options = EvalOptions(batch_size=3, union=True)
    evaluation = Evaluation(qsets, pools, names, [1, 5], store, options)
    scores = {s.dataset: s for s in evaluation.scores(encoder)}
    assert set(scores) == {n for n in names.values()} | {f"{n}@union" for n in names.values()}
    everything = Items.concat(list(pools.values()))
    all_emb = encode(encoder, everything, store, options)
    for qset in qsets:
        q = encode(encoder, qset.queries, store, options)
        local = encode(encoder, pools[qset.set.pool], store, options)
        name = names[qset.set.name]
        for k in (1, 5):
            assert scores[name].per_k[k] == _brute(q, local, pools[qset.set.pool].ids, qset, k)
            assert scores[f"{name}@union"].per_k[k] == _brute(q, all_emb, everything.ids, qset, k)
        assert scores[name].reported_k == 5


def test_a_set_whose_pool_is_not_loaded_is_an_error(setup) -> None:
    _, qsets, pools, names, store = setup
    with pytest.raises(ValueError, match="no candidate pool loaded"):
        Evaluation(qsets, dict(list(pools.items())[:1]), names, [5], store, EvalOptions())
