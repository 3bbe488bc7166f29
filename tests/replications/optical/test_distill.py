"""OPTICAL's distillation as the paper states it: token alignment as OT, loss ⟨P, C⟩_F, bitext only, frozen teacher."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pot = pytest.importorskip("ot")

from replications.optical.distill import (  # noqa: E402
    DistillConfig,
    cosine_cost,
    ot_loss,
    teacher_targets,
    token_embeddings,
    tokenize_pairs,
    train_student,
)
from replications.optical.ot import sinkhorn, uniform_marginals  # noqa: E402

EN = ["the cat sat on the mat", "a dog ran home", "rivers flow to the big blue sea today"]
FX = ["paka aliketi juu ya mkeka", "mbwa alikimbia nyumbani kwa haraka sana leo", "mito"]


def _embedded(tiny_encoder, padding="mask_uniform"):
    model, tokenizer = tiny_encoder
    batch = tokenize_pairs(tokenizer, EN, FX, max_length=16, padding=padding)
    with torch.no_grad():
        t = token_embeddings(model, batch.en_ids, batch.en_attention)
        s = token_embeddings(model, batch.fx_ids, batch.fx_attention) + 0.1 * torch.randn(1)
    return batch, s, t


def test_pairs_are_padded_to_their_common_length_with_the_mask_token(tiny_encoder) -> None:
    _, tokenizer = tiny_encoder
    batch = tokenize_pairs(tokenizer, EN, FX, max_length=16, padding="mask_uniform")
    for k in range(len(EN)):
        n_en = len(tokenizer(EN[k], truncation=True, max_length=16)["input_ids"])
        n_fx = len(tokenizer(FX[k], truncation=True, max_length=16)["input_ids"])
        common = max(n_en, n_fx)
        for ids, attn, mass, n in (
            (batch.en_ids, batch.en_attention, batch.en_mass, n_en),
            (batch.fx_ids, batch.fx_attention, batch.fx_mass, n_fx),
        ):
            assert (ids[k, n:common] == tokenizer.mask_token_id).all()
            assert int(attn[k].sum()) == common and int(mass[k].sum()) == common  # [MASK] pads carry mass 1/L
            assert (ids[k, common:] == tokenizer.pad_token_id).all()
    zero = tokenize_pairs(tokenizer, EN, FX, max_length=16, padding="mask_zero_mass")
    assert (zero.fx_ids == batch.fx_ids).all()
    assert int(zero.fx_mass.sum()) < int(batch.fx_mass.sum())


def test_cost_is_one_minus_cosine_of_student_and_teacher_tokens(tiny_encoder) -> None:
    _, s, t = _embedded(tiny_encoder)
    cost = cosine_cost(s, t)
    i, j = 1, 2
    expected = 1 - torch.nn.functional.cosine_similarity(s[0, i], t[0, j], dim=0)
    assert float(cost[0, i, j]) == pytest.approx(float(expected), abs=1e-5)
    assert float(cost.min()) >= -1e-6 and float(cost.max()) <= 2 + 1e-6


def test_loss_is_frobenius_inner_product_of_plan_and_cost(tiny_encoder) -> None:
    batch, s, t = _embedded(tiny_encoder)
    cfg = DistillConfig(eps=0.05, sinkhorn_iters=2000, sinkhorn_tol=1e-9)
    loss, plan, cost = ot_loss(s.double(), t.double(), batch, cfg)
    per_pair = torch.stack([torch.trace(plan[k].T @ cost[k]) for k in range(len(EN))])
    torch.testing.assert_close(loss, per_pair.mean())
    assert torch.allclose(cost, cosine_cost(s.double(), t.double()))


@pytest.mark.parametrize("padding", ["mask_uniform", "mask_zero_mass"])
def test_token_alignment_is_optimal_transport(tiny_encoder, padding: str) -> None:
    """The plan is a transport plan between the uniform marginals and, with the exact solver, an optimal one
    (its cost equals POT's network-simplex optimum); the Sinkhorn plan equals POT's entropic plan."""
    batch, s, t = _embedded(tiny_encoder, padding)
    s, t = s.double(), t.double()
    a, b = uniform_marginals(batch.fx_mass, torch.float64), uniform_marginals(batch.en_mass, torch.float64)
    exact_loss, exact, cost = ot_loss(s, t, batch, DistillConfig(ot_method="exact", padding=padding))
    soft_cfg = DistillConfig(eps=0.1, sinkhorn_iters=3000, sinkhorn_tol=1e-10, padding=padding)
    soft_loss, soft, _ = ot_loss(s, t, batch, soft_cfg)
    for k in range(len(EN)):
        rows, cols = batch.fx_mass[k].numpy(), batch.en_mass[k].numpy()
        c = cost[k].numpy()[np.ix_(rows, cols)]
        ak, bk = a[k].numpy()[rows], b[k].numpy()[cols]
        np.testing.assert_allclose(exact[k].sum(1).numpy(), a[k].numpy(), atol=1e-12)
        np.testing.assert_allclose(exact[k].sum(0).numpy(), b[k].numpy(), atol=1e-12)
        assert float((exact[k] * cost[k]).sum()) == pytest.approx(pot.emd2(ak, bk, c), abs=1e-10)
        ref = pot.sinkhorn(ak, bk, c, 0.1, method="sinkhorn_log", numItermax=3000, stopThr=1e-10)
        np.testing.assert_allclose(soft[k].numpy()[np.ix_(rows, cols)], ref, atol=1e-6)
    assert float(soft_loss) >= float(exact_loss) - 1e-9  # the entropic plan is feasible, so never below the optimum


def test_identical_tokens_in_another_order_are_aligned_by_the_plan() -> None:
    """A student whose tokens are the teacher's in permuted order has an OT plan that is that permutation."""
    torch.manual_seed(0)
    teacher_tokens = torch.nn.functional.normalize(torch.randn(1, 6, 8, dtype=torch.float64), dim=-1)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    student_tokens = teacher_tokens[:, perm]
    mass = uniform_marginals(torch.ones(1, 6, dtype=torch.bool), torch.float64)
    plan = sinkhorn(cosine_cost(student_tokens, teacher_tokens), mass, mass, eps=0.01, n_iters=5000, tol=1e-12)
    assert torch.equal(plan[0].argmax(dim=1), perm)


def test_training_uses_only_bitext(tiny_encoder) -> None:
    """The trainer's inputs are the teacher, its tokenizer and two aligned sentence lists; no queries, documents
    or relevance labels can reach it. The teacher stays frozen; the student starts from its weights."""
    params = list(inspect.signature(train_student).parameters)
    # teacher_memo only caches the teacher's vectors of the same bitext's English side
    assert params == ["teacher", "tokenizer", "english", "foreign", "cfg", "seed", "on_step", "teacher_memo"]
    model, tokenizer = tiny_encoder
    before = {k: v.clone() for k, v in model.state_dict().items()}
    losses: list[float] = []
    student = train_student(
        model,
        tokenizer,
        EN * 4,
        FX * 4,
        DistillConfig(batch_size=4, lr=1e-3, max_length=16),
        seed=0,
        on_step=lambda step, total, loss: losses.append(loss),
    )
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # teacher untouched
    assert all(not p.requires_grad for p in model.parameters())
    changed = [k for k, v in student.state_dict().items() if not torch.equal(v, before[k])]
    assert changed  # the student did learn
    assert len(losses) == 3 and all(np.isfinite(losses))


def test_teacher_memo_gives_the_same_targets_without_a_second_forward(tiny_encoder) -> None:
    model, tokenizer = tiny_encoder
    memo: dict = {}
    full = tokenize_pairs(tokenizer, EN, FX, 16, "mask_uniform")
    first = teacher_targets(model, full, memo)
    assert len(memo) == len(EN)
    calls = []
    handle = model.register_forward_hook(lambda *_: calls.append(1))
    try:  # a batch of other composition (and width) is assembled from the memo
        part = tokenize_pairs(tokenizer, EN[1:], FX[1:], 16, "mask_uniform")
        again = teacher_targets(model, part, memo)
    finally:
        handle.remove()
    assert not calls
    for row in range(len(EN) - 1):
        real = part.en_attention[row].bool()
        assert torch.allclose(again[row][real], first[row + 1][full.en_attention[row + 1].bool()], atol=1e-5)


def test_ot_training_lowers_the_transport_cost(tiny_encoder) -> None:
    model, tokenizer = tiny_encoder
    cfg = DistillConfig(batch_size=6, lr=3e-3, max_length=16, epochs=15)
    batch = tokenize_pairs(tokenizer, EN, FX, 16, cfg.padding)

    def transport_cost(encoder) -> float:
        with torch.no_grad():
            t = token_embeddings(model, batch.en_ids, batch.en_attention)
            s = token_embeddings(encoder, batch.fx_ids, batch.fx_attention)
            return float(ot_loss(s, t, batch, cfg)[0])

    student = train_student(model, tokenizer, EN * 2, FX * 2, cfg, seed=0)
    assert transport_cost(student) < 0.5 * transport_cost(model)


def test_sentence_objective_is_the_no_transport_ablation(tiny_encoder) -> None:
    model, tokenizer = tiny_encoder
    seen: list[str] = []
    import replications.optical.distill as distill

    original = distill.ot_loss

    def spy(*args, **kwargs):
        seen.append("ot")
        return original(*args, **kwargs)

    distill.ot_loss = spy
    try:
        train_student(model, tokenizer, EN, FX, DistillConfig(objective="sentence", batch_size=3, max_length=16))
        assert seen == []
        train_student(model, tokenizer, EN, FX, DistillConfig(objective="ot", batch_size=3, max_length=16))
        assert seen == ["ot"]
    finally:
        distill.ot_loss = original
