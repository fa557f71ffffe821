"""Property-based tests: broadcasting of every binary op on random compatible shapes, and
reshape round trips."""

from __future__ import annotations

import numpy as np
import pytest
from engine_testing import assert_close, sum_to, tg_grads, torch_grads
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorgrad as tg

SETTINGS = settings(max_examples=30, deadline=None)

# (tensorgrad op, NumPy op, torch op, d/da, d/db) on values kept away from 0 and from ties.
BINARY = {
    "add": (
        tg.add,
        np.add,
        lambda a, b: a + b,
        lambda a, b: np.ones_like(a + b),
        lambda a, b: np.ones_like(a + b),
    ),
    "subtract": (
        tg.subtract,
        np.subtract,
        lambda a, b: a - b,
        lambda a, b: np.ones_like(a + b),
        lambda a, b: -np.ones_like(a + b),
    ),
    "multiply": (
        tg.multiply,
        np.multiply,
        lambda a, b: a * b,
        lambda a, b: b + 0 * a,
        lambda a, b: a + 0 * b,
    ),
    "divide": (
        tg.divide,
        np.divide,
        lambda a, b: a / b,
        lambda a, b: 1 / b + 0 * a,
        lambda a, b: -a / b**2,
    ),
    "power": (
        tg.power,
        np.power,
        lambda a, b: a**b,
        lambda a, b: b * a ** (b - 1),
        lambda a, b: a**b * np.log(a),
    ),
    "maximum": (
        tg.maximum,
        np.maximum,
        None,
        lambda a, b: (a > b) * 1.0,
        lambda a, b: (b > a) * 1.0,
    ),
    "minimum": (
        tg.minimum,
        np.minimum,
        None,
        lambda a, b: (a < b) * 1.0,
        lambda a, b: (b < a) * 1.0,
    ),
}

shape_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, shapes.input_shapes[0])
    b = rng.uniform(0.5, 2.0, shapes.input_shapes[1]) + 0.01  # never equal to a
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes=shape_pairs, seed=st.integers(0, 2**16))
def test_broadcast_forward_and_gradient(name, shapes, seed):
    op, np_op, _, da, db = BINARY[name]
    a, b = _inputs(shapes, seed)
    out, (ga, gb) = tg_grads(op, [a, b])
    assert out.shape == shapes.result_shape
    assert_close(out, np_op(a, b), rtol=1e-12)
    # Gradients come back in each input's own shape, summed over the broadcast axes.
    assert ga.shape == a.shape and gb.shape == b.shape
    full = shapes.result_shape
    assert_close(ga, sum_to(np.broadcast_to(da(a, b), full), a.shape), rtol=1e-10)
    assert_close(gb, sum_to(np.broadcast_to(db(a, b), full), b.shape), rtol=1e-10)


@pytest.mark.parametrize("name", [n for n, v in BINARY.items() if v[2] is not None])
@SETTINGS
@given(shapes=shape_pairs, seed=st.integers(0, 2**16))
def test_broadcast_gradient_matches_torch(name, shapes, seed):
    torch = pytest.importorskip("torch")
    op, _, torch_op, _, _ = BINARY[name]
    a, b = _inputs(shapes, seed)
    ours = tg_grads(op, [a, b])
    theirs = torch_grads(torch, torch_op, [a, b])
    assert_close(ours[0], theirs[0])
    assert_close(ours[1][0], theirs[1][0])
    assert_close(ours[1][1], theirs[1][1])


@SETTINGS
@given(shapes=shape_pairs, seed=st.integers(0, 2**16), data=st.data())
def test_broadcast_float32_result_dtype_and_values(shapes, seed, data):
    a, b = _inputs(shapes, seed)
    name = data.draw(st.sampled_from(list(BINARY)))
    op, np_op = BINARY[name][:2]
    out = op(tg.tensor(a.astype(np.float32)), b)  # float64 array meets a float32 tensor
    assert out.dtype == np.float32 and out.shape == shapes.result_shape
    # Both operands are rounded to float32 first (b too, by the cast), so the reference
    # starts from the rounded values: a - b of close values would otherwise differ by
    # far more than float32's rounding of the result.
    rounded = [x.astype(np.float32).astype(np.float64) for x in (a, b)]
    assert_close(out.numpy(), np_op(*rounded), rtol=1e-5)


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_where_broadcasts_three_ways(shapes, seed):
    rng = np.random.default_rng(seed)
    c = rng.random(shapes.input_shapes[0]) < 0.5
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes[1:])
    out, (_, ga, gb) = tg_grads(tg.where, [c, a, b])
    assert_close(out, np.where(c, a, b), rtol=1e-12)
    full = shapes.result_shape
    assert_close(ga, sum_to(np.broadcast_to(c, full) * 1.0, a.shape))
    assert_close(gb, sum_to(np.broadcast_to(~c, full) * 1.0, b.shape))


def _factorizations(n: int) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes (up to 4 axes, with -1 sometimes) holding exactly n elements."""

    @st.composite
    def build(draw):
        shape, left = [], n
        for _ in range(draw(st.integers(0, 3))):
            divisors = [d for d in range(1, left + 1) if left % d == 0]
            d = draw(st.sampled_from(divisors))
            shape.append(d)
            left //= d
        shape.append(left)
        shape = draw(st.permutations(shape))
        if draw(st.booleans()) and left > 0:
            shape[draw(st.integers(0, len(shape) - 1))] = -1
        return tuple(shape)

    return build()


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4),
    data=st.data(),
)
def test_reshape_round_trip_and_gradient(shape, data):
    size = int(np.prod(shape))
    new = data.draw(_factorizations(size))
    x_np = np.arange(size, dtype=np.float64).reshape(shape)
    x = tg.tensor(x_np, dtype="float64", requires_grad=True)
    y = x.reshape(new)
    np.testing.assert_array_equal(y.numpy(), x_np.reshape(new))  # row-major, like NumPy
    back = y.reshape(shape)
    assert back.shape == shape
    np.testing.assert_array_equal(back.numpy(), x_np)
    upstream = np.random.default_rng(size).standard_normal(y.shape)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad, upstream.reshape(shape))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=5, min_side=1, max_side=3), data=st.data())
def test_transpose_round_trip_and_gradient(shape, data):
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    x_np = np.random.default_rng(len(shape)).standard_normal(shape)
    x = tg.tensor(x_np, dtype="float64", requires_grad=True)
    y = tg.transpose(x, axes)
    np.testing.assert_array_equal(y.numpy(), np.transpose(x_np, axes))
    np.testing.assert_array_equal(tg.transpose(y, np.argsort(axes)).numpy(), x_np)
    upstream = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad, np.transpose(upstream, np.argsort(axes)))


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4),
    data=st.data(),
)
def test_reductions_over_random_axes_match_numpy(shape, data):
    axes = data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))
    axis = tuple(axes) if len(axes) > 1 else next(iter(axes))
    keepdims = data.draw(st.booleans())
    x = np.random.default_rng(int(np.prod(shape))).standard_normal(shape)
    for name in ("sum", "mean", "max", "min", "var"):
        op = getattr(tg, name)
        out, (g,) = tg_grads(lambda t, op=op: op(t, axis=axis, keepdims=keepdims), [x])
        assert_close(out, getattr(np, name)(x, axis=axis, keepdims=keepdims), rtol=1e-12)
        assert g.shape == x.shape
