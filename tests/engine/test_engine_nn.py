"""Numerics beyond the op table: stable softmax family, fused losses against composed ops and
torch, ties and kinks against torch, the book's sweep and dot examples, scatter-add indexing."""

from __future__ import annotations

import numpy as np
import pytest
from engine_testing import assert_close, sum_to, tg_grads, to_torch, torch_grads

import tensorgrad as tg

RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((6, 5)) * 3
ONEHOT = np.eye(5)[RNG.integers(0, 5, 6)]
LABELS = ONEHOT.argmax(axis=1)
SOFT = RNG.dirichlet(np.ones(5), 6)  # probability targets (label smoothing, distillation)
BINARY_TARGETS = RNG.uniform(0, 1, (6, 5))


# ----- stability for logits of magnitude 1e4 -----
HUGE = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -3.0, 2.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda z: tg.softmax(z),
        lambda z: tg.softmax(z, axis=0),
        lambda z: tg.log_softmax(z),
        lambda z: tg.logsumexp(z, axis=1),
        lambda z: tg.logsumexp(z),
        lambda z: tg.sigmoid(z),
        lambda z: tg.softmax_cross_entropy(z, np.eye(4)[[1, 3, 2]]),
        lambda z: tg.sparse_softmax_cross_entropy(z, np.array([1, 3, 2])),
        lambda z: tg.sigmoid_cross_entropy(z, (HUGE > 0).astype(float)),
        lambda z: tg.sigmoid_cross_entropy(z, 1.0 - (HUGE > 0)),
    ],
    ids=[
        "softmax",
        "softmax0",
        "log_softmax",
        "logsumexp1",
        "logsumexp",
        "sigmoid",
        "softmax_ce",
        "sparse_ce",
        "sigmoid_ce",
        "sigmoid_ce_wrong",
    ],
)
def test_huge_logits_give_finite_values_and_gradients(fn, dtype):
    # pytest turns NumPy's overflow RuntimeWarnings into errors, so a warning fails here too.
    z = tg.tensor(HUGE, dtype=dtype, requires_grad=True)
    out = fn(z)
    assert np.all(np.isfinite(out.numpy())) and out.dtype == np.dtype(dtype)
    out.sum().backward()
    assert np.all(np.isfinite(z.grad))


def test_huge_logits_values_are_right():
    z = tg.tensor(HUGE, dtype="float64")
    np.testing.assert_allclose(tg.softmax(z).numpy()[0], [1, 0, 0, 0], atol=1e-300)
    np.testing.assert_allclose(tg.softmax(z).numpy()[1], [0.25] * 4)
    np.testing.assert_allclose(
        tg.logsumexp(z, axis=1).numpy(), [1e4, -1e4 + np.log(4), 1e4 + np.log(2)]
    )
    np.testing.assert_allclose(
        tg.sparse_softmax_cross_entropy(z, np.array([1, 3, 2])).numpy(),
        [2e4, np.log(4), 1e4 + 3 + np.log(2)],
    )
    np.testing.assert_allclose(
        tg.sigmoid_cross_entropy(z, np.zeros_like(HUGE)).numpy()[0], [1e4, 0, np.log(2), 5e3]
    )


def test_logsumexp_of_all_minus_infinity_is_minus_infinity_without_nan():
    out = tg.logsumexp(tg.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]), axis=1)
    assert out.numpy().tolist() == [-np.inf, 0.0]


# ----- fused losses against the composed ops -----
def _fused_and_composed(fused, composed, *arrays):
    out_f, grads_f = tg_grads(fused, list(arrays))
    out_c, grads_c = tg_grads(composed, list(arrays))
    assert_close(out_f, out_c, rtol=1e-10)
    for gf, gc in zip(grads_f, grads_c):
        if gc is not None:
            assert_close(gf, gc, rtol=1e-10)


@pytest.mark.parametrize("targets", [ONEHOT, SOFT], ids=["onehot", "soft"])
def test_softmax_cross_entropy_equals_composed(targets):
    _fused_and_composed(
        tg.softmax_cross_entropy,
        lambda z, y: -(y * tg.log(tg.softmax(z))).sum(axis=-1),
        LOGITS,
        targets,
    )
    _fused_and_composed(
        tg.softmax_cross_entropy,
        lambda z, y: -(y * tg.log_softmax(z)).sum(axis=-1),
        LOGITS,
        targets,
    )


def test_sparse_softmax_cross_entropy_equals_onehot_version():
    _fused_and_composed(
        tg.sparse_softmax_cross_entropy,
        lambda z, k: tg.softmax_cross_entropy(z, np.eye(5)[k.numpy()]),
        LOGITS,
        LABELS,
    )
    _fused_and_composed(
        tg.sparse_softmax_cross_entropy,
        lambda z, k: -tg.log_softmax(z)[np.arange(6), k.numpy()],
        LOGITS,
        LABELS,
    )


def test_sigmoid_cross_entropy_equals_composed():
    _fused_and_composed(
        tg.sigmoid_cross_entropy,
        lambda z, y: -(y * tg.log(tg.sigmoid(z)) + (1 - y) * tg.log(1 - tg.sigmoid(z))),
        LOGITS,
        BINARY_TARGETS,
    )


def test_softmax_and_sigmoid_keep_their_logits_for_fused_losses():
    from tensorgrad.engine.ops.nn import Sigmoid, Softmax

    z = tg.tensor(LOGITS)
    assert tg.softmax(z)._logits == (Softmax, z) and tg.sigmoid(z)._logits == (Sigmoid, z)
    assert z.softmax()._logits[1] is z
    assert tg.softmax(z, axis=0)._logits is None  # not the class axis
    with tg.no_grad():
        assert tg.softmax(z)._logits[1] is z
    assert (tg.softmax(z) * 1.0)._logits is None


# ----- fused losses against torch -----
def test_softmax_cross_entropy_matches_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for targets in (ONEHOT, SOFT):
        ours = tg_grads(lambda z, y: tg.softmax_cross_entropy(z, y).mean(), [LOGITS, targets])
        theirs = torch_grads(torch, lambda z, y: F.cross_entropy(z, y), [LOGITS, targets])
        assert_close(ours[0], theirs[0])
        for a, b in zip(ours[1], theirs[1]):
            assert_close(a, b)


def test_sparse_softmax_cross_entropy_matches_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    ours = tg_grads(tg.sparse_softmax_cross_entropy, [LOGITS, LABELS])
    theirs = torch_grads(
        torch, lambda z, k: F.cross_entropy(z, k, reduction="none"), [LOGITS, LABELS]
    )
    assert_close(ours[0], theirs[0])
    assert_close(ours[1][0], theirs[1][0])


def test_sigmoid_cross_entropy_matches_torch_bce_with_logits():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = np.concatenate([LOGITS, HUGE[:, :1].repeat(5, axis=1)[:1]])
    y = np.concatenate([BINARY_TARGETS, np.ones((1, 5))])
    ours = tg_grads(tg.sigmoid_cross_entropy, [z, y])
    theirs = torch_grads(
        torch, lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"), [z, y]
    )
    assert_close(ours[0], theirs[0])
    for a, b in zip(ours[1], theirs[1]):
        assert_close(a, b)


def test_float32_fused_losses_match_torch_float32():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z32 = LOGITS.astype(np.float32)
    ours = tg.softmax_cross_entropy(tg.tensor(z32), ONEHOT).mean()
    theirs = F.cross_entropy(torch.from_numpy(z32), torch.from_numpy(ONEHOT.astype(np.float32)))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


# ----- ties and kinks: the subgradient PyTorch picks -----
TIES = [
    ("max", lambda x: tg.max(x), lambda T, x: T.amax(x)),
    ("max axis", lambda x: tg.max(x, axis=1), lambda T, x: T.amax(x, dim=1)),
    (
        "min keepdims",
        lambda x: tg.min(x, axis=0, keepdims=True),
        lambda T, x: T.amin(x, dim=0, keepdim=True),
    ),
    ("maximum", lambda x: tg.maximum(x, 1.0), lambda T, x: T.maximum(x, T.ones_like(x))),
    ("minimum", lambda x: tg.minimum(x, x[:, :1]), lambda T, x: T.minimum(x, x[:, :1])),
    ("relu", tg.relu, lambda T, x: T.relu(x)),
    ("abs", tg.abs, lambda T, x: T.abs(x)),
    ("clip", lambda x: tg.clip(x, 0.0, 1.0), lambda T, x: T.clamp(x, 0.0, 1.0)),
]


@pytest.mark.parametrize("name,fn,torch_fn", TIES, ids=[t[0] for t in TIES])
def test_gradient_at_ties_and_kinks_matches_torch(name, fn, torch_fn):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 0.0, 1.0, -1.0], [1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]])
    w = np.arange(1.0, 1.0 + np.size(fn(tg.tensor(x)).numpy())).reshape(fn(tg.tensor(x)).shape)
    ours = tg_grads(fn, [x], w)
    theirs = torch_grads(torch, lambda t: torch_fn(torch, t), [x], w)
    assert_close(ours[0], theirs[0])
    assert_close(ours[1][0], theirs[1][0])


# ----- the book's examples -----
def test_sweep_a_matrix_over_a_4d_tensor_with_pmax():
    # Listing 2.x: a (32, 10) tensor swept over the last two axes of a (64, 3, 32, 10) one.
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((64, 3, 32, 10)).astype(np.float32)
    y_np = rng.standard_normal((32, 10)).astype(np.float32)
    x = tg.tensor(x_np, requires_grad=True)
    y = tg.tensor(y_np, requires_grad=True)
    z = tg.maximum(x, y)
    assert z.shape == (64, 3, 32, 10) and z.dtype == np.float32
    np.testing.assert_array_equal(z.numpy(), np.maximum(x_np, y_np))
    z.sum().backward()
    assert x.grad.shape == x_np.shape and y.grad.shape == y_np.shape
    np.testing.assert_array_equal(x.grad, (x_np > y_np).astype(np.float32))
    np.testing.assert_array_equal(y.grad, (y_np > x_np).sum(axis=(0, 1)).astype(np.float32))


@pytest.mark.parametrize(
    "a,b,out",
    [
        ((5,), (5,), ()),
        ((3, 5), (5,), (3,)),
        ((3, 5), (5, 4), (3, 4)),
        ((2, 3, 4, 5), (5,), (2, 3, 4)),
        ((2, 3, 4, 5), (5, 6), (2, 3, 4, 6)),
    ],
)
def test_dot_follows_the_book(a, b, out):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(a), rng.standard_normal(b)
    result = tg.dot(tg.tensor(x, dtype="float64"), tg.tensor(y, dtype="float64"))
    assert result.shape == out
    assert_close(result.numpy(), np.dot(x, y), rtol=1e-12)
    assert tg.check_grad(tg.dot, x, y).ok


def test_explicit_sum_over_broadcast_matches_engine():
    a = np.random.default_rng(2).standard_normal((4, 1, 3))
    b = np.random.default_rng(3).standard_normal((2, 1))
    _, (ga, gb) = tg_grads(tg.multiply, [a, b])
    assert_close(ga, sum_to(np.broadcast_to(b, (4, 2, 3)), a.shape), rtol=1e-12)
    assert_close(gb, sum_to(np.broadcast_to(a, (4, 2, 3)), b.shape), rtol=1e-12)


# ----- indexing scatters the gradient back, adding repeats -----
def test_integer_index_gradient_adds_repeated_rows():
    x = tg.zeros((4, 2), dtype="float64", requires_grad=True)
    rows = np.array([3, 0, 3, 3])
    w = np.arange(8.0).reshape(4, 2)
    (x[rows] * w).sum().backward()
    expected = np.zeros((4, 2))
    for r, wr in zip(rows, w):
        expected[r] += wr
    np.testing.assert_array_equal(x.grad, expected)


def test_embedding_style_lookup_with_tensor_index():
    table = tg.randn(5, 3, dtype="float64", requires_grad=True)
    ids = tg.tensor([[1, 1], [4, 0]])
    out = table[ids]
    assert out.shape == (2, 2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(table.grad[:, 0], [1.0, 2.0, 0.0, 0.0, 1.0])


def test_boolean_mask_gradient():
    x_np = np.array([[-1.0, 2.0], [3.0, -4.0]])
    x = tg.tensor(x_np, requires_grad=True, dtype="float64")
    x[x > 0].sum().backward()  # the mask may be a boolean tensor
    np.testing.assert_array_equal(x.grad, (x_np > 0).astype(float))


def test_basic_slice_gradient_and_view_semantics():
    x = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, dtype="float64")
    y = x[1:, ::2]
    assert y.shape == (2, 2) and y.tolist() == [[4.0, 6.0], [8.0, 10.0]]
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0, 0], [2, 0, 2, 0], [2, 0, 2, 0]])


def test_torch_indexing_agrees_on_repeats():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((5, 3))
    idx = np.array([0, 4, 4, 1, 0, 0])
    w = np.random.default_rng(5).standard_normal((6, 2))
    ours = tg_grads(lambda t: t[idx, 1:], [x], w)
    t = to_torch(torch, x)
    (t[torch.from_numpy(idx), 1:] * torch.from_numpy(w)).sum().backward()
    assert_close(ours[1][0], t.grad.numpy())


def test_integer_and_boolean_targets_keep_the_loss_float32():
    logits = tg.tensor(LOGITS.astype(np.float32), requires_grad=True)
    onehot_int = tg.tensor(ONEHOT.astype(np.int64))
    loss = tg.softmax_cross_entropy(logits, onehot_int)
    assert loss.dtype == np.float32
    np.testing.assert_allclose(
        loss.numpy(), tg.softmax_cross_entropy(logits, ONEHOT).numpy(), rtol=1e-6
    )
    binary = tg.sigmoid_cross_entropy(logits, tg.tensor(BINARY_TARGETS > 0.5))
    assert binary.dtype == np.float32
    (loss.sum() + binary.sum()).backward()
    assert logits.grad.dtype == np.float32
