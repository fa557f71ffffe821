"""Reverse-mode autodiff: graph walking, accumulation, freeing, no_grad, grad(), check_grad."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import Function


def leaf(*values, dtype="float64"):
    return tg.tensor(values, dtype=dtype, requires_grad=True)


# ----- walking the graph -----
def test_graph_10000_ops_deep_does_not_hit_the_recursion_limit():
    assert sys.getrecursionlimit() < 10_000  # otherwise this test proves nothing
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000], rtol=1e-9)


def test_deep_graph_with_retain_graph_is_freed_without_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y + 1.0
    y.sum().backward(retain_graph=True)
    del y  # dropping a 10,000-deep chain of tensors and ops must not crash
    assert x.grad.tolist() == [1.0]


def test_reused_tensor_accumulates_gradient():
    x = leaf(3.0)
    (x * x).sum().backward()  # x used twice by one op
    assert x.grad.tolist() == [6.0]


def test_diamond_graph_adds_both_paths():
    x = leaf(1.5)
    a = x * 2.0
    b = a * 3.0  # reaches a again: b's gradient must reach a before a is visited
    (a + b).sum().backward()
    assert x.grad.tolist() == [8.0]


@pytest.mark.parametrize("order", ["a+b", "b+a"])
def test_diamond_gradient_does_not_depend_on_input_order(order):
    x = leaf(0.7, -1.2)
    h = x.exp()
    u = h * h
    v = h * 0.5
    out = (u + v) if order == "a+b" else (v + u)
    out.sum().backward()
    expected = 2 * np.exp(2 * x.data) + 0.5 * np.exp(x.data)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_long_chain_of_shared_nodes_matches_closed_form():
    # h_{k+1} = h_k + h_k * c: every node is reached by two paths.
    x = leaf(1.0)
    h = x
    for _ in range(50):
        h = h + h * 0.1
    h.sum().backward()
    np.testing.assert_allclose(x.grad, [1.1**50], rtol=1e-12)


def test_gradient_reaches_only_tensors_that_require_it():
    w = leaf(2.0)
    c = tg.tensor([5.0], dtype="float64")
    (w * c).sum().backward()
    assert w.grad.tolist() == [5.0]
    assert c.grad is None


def test_intermediate_tensors_keep_no_grad():
    x = leaf(2.0)
    h = x * 3.0
    (h * h).sum().backward()
    assert h.grad is None and not h.is_leaf and x.is_leaf


# ----- accumulation across calls, freeing, retain_graph -----
def test_second_backward_accumulates_into_leaf_grad():
    x = leaf(1.0, 2.0)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]


def test_second_backward_through_a_freed_graph_raises():
    x = leaf(1.0, 2.0)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"backward: the graph .* freed .*retain_graph=True"):
        loss.backward()


def test_backward_frees_saved_arrays():
    x = leaf(1.0, 2.0)
    y = x.exp()
    loss = (y * y).sum()
    loss.backward()
    assert y._ctx.released and not hasattr(y._ctx, "out")


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf(1.0, 2.0)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * first)
    with pytest.raises(RuntimeError, match="freed"):
        loss.backward()


def test_backward_with_explicit_gradient_for_non_scalar():
    x = leaf(1.0, 2.0, 3.0)
    y = x * x
    y.backward(np.array([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [2.0, 40.0, 600.0]


def test_backward_on_a_leaf_copies_the_given_gradient():
    x = leaf(1.0, 2.0)
    g = np.array([3.0, 4.0])
    x.backward(g)
    assert x.grad.tolist() == [3.0, 4.0] and not np.shares_memory(x.grad, g)
    x.grad[0] = 0.0
    assert g[0] == 3.0


def test_backward_on_non_scalar_without_grad_raises():
    y = leaf(1.0, 2.0) * 2.0
    with pytest.raises(RuntimeError, match=r"only for a scalar.*shape \(2,\).*backward\(grad\)"):
        y.backward()


def test_backward_with_wrong_gradient_shape_raises():
    y = leaf(1.0, 2.0) * 2.0
    with pytest.raises(ValueError, match=r"backward: grad has shape \(3,\) .* shape \(2,\)"):
        y.backward(np.ones(3))


def test_backward_on_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        tg.tensor([1.0, 2.0]).sum().backward()


def test_backward_on_a_size_one_non_scalar_is_implicit():
    x = leaf(2.0)
    (x * x).backward()  # shape (1,): like a scalar
    assert x.grad.tolist() == [4.0]


# ----- leaf gradients: fresh, writeable, never shared -----
def test_leaf_grads_are_writeable_and_not_shared_between_leaves():
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (a + b).sum().backward()  # add hands the same array to both inputs
    assert not np.shares_memory(a.grad, b.grad)
    for t in (a, b):
        assert isinstance(t.grad, np.ndarray) and t.grad.flags.writeable
        t.grad *= 2.0  # in-place update must not fail nor leak into the other
    assert a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.sum(),  # broadcast_to view
        lambda x: x.reshape(2, 2).sum(),  # reshape view
        lambda x: x.T.sum(),
        lambda x: tg.concatenate([x, x]).sum(),  # split views
        lambda x: (x * 1.0).sum(),
    ],
)
def test_leaf_grad_is_an_owned_writeable_array(make):
    x = leaf(1.0, 2.0, 3.0, 4.0)
    make(x).backward()
    assert isinstance(x.grad, np.ndarray)
    assert x.grad.flags.writeable and x.grad.flags.owndata
    x.grad += 1.0


def test_zero_dim_leaf_grad_is_an_array():
    x = tg.tensor(2.0, requires_grad=True)
    (x * 3.0).backward()
    (x * 3.0).backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == () and x.grad.flags.writeable
    assert x.grad == 6.0


def test_grad_has_leaf_dtype():
    w32 = tg.ones(3, requires_grad=True)
    (w32 * np.ones(3)).sum().backward()
    assert w32.grad.dtype == np.float32
    w64 = tg.ones(3, dtype="float64", requires_grad=True)
    (w64 * 2.0).sum().backward()
    assert w64.grad.dtype == np.float64


def test_zero_grad_and_detach():
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    x.zero_grad()
    assert x.grad is None
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and np.shares_memory(d.data, x.data)
    y = (x * d).sum()  # the detached factor is a constant
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0]


def test_in_place_parameter_update_keeps_graph_usable():
    w = leaf(1.0, 2.0)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.25 * w.grad
        w.zero_grad()
    np.testing.assert_allclose(w.data, np.array([1.0, 2.0]) * 0.5**3)


# ----- no_grad -----
def test_no_grad_records_nothing():
    x = leaf(1.0, 2.0)
    with tg.no_grad():
        y = (x * 2.0).exp().sum()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()


def test_enable_grad_inside_no_grad_and_restore_after_error():
    x = leaf(1.0)
    with tg.no_grad():
        with tg.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        _ = 1 / 0
    assert tg.is_grad_enabled()


def test_backward_itself_records_no_graph():
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    assert tg.is_grad_enabled()
    assert isinstance(x.grad, np.ndarray)  # an array, not a tensor with a graph


# ----- grad() -----
def test_grad_returns_an_array_with_the_argument_shape():
    w0 = np.arange(6, dtype=np.float64).reshape(2, 3)
    g = tg.grad(lambda w: (w * w).sum())(w0)
    assert isinstance(g, np.ndarray) and g.shape == (2, 3) and g.dtype == np.float64
    np.testing.assert_array_equal(g, 2 * w0)


def test_grad_with_argnums_tuple_and_int():
    def f(x, w, b):
        return (tg.dot(x, w) + b).sum()

    x, w, b = np.ones((4, 3)), np.full((3, 2), 0.5), np.zeros(2)
    gw, gb = tg.grad(f, argnums=(1, 2))(x, w, b)
    assert gw.shape == w.shape and gb.shape == b.shape
    np.testing.assert_array_equal(gw, np.full((3, 2), 4.0))
    np.testing.assert_array_equal(gb, np.full(2, 4.0))
    gx = tg.grad(f, argnums=0)(x, w, b)
    assert gx.shape == x.shape and np.all(gx == 1.0)


def test_grad_of_float32_tensor_and_integer_data():
    g32 = tg.grad(lambda w: (w**2).sum())(tg.tensor([1.0, -3.0]))
    assert g32.dtype == np.float32 and g32.tolist() == [2.0, -6.0]
    gint = tg.grad(lambda w: (w**2).sum())([1, 2])
    assert gint.dtype == np.float32 and gint.tolist() == [2.0, 4.0]


def test_grad_of_unused_argument_is_zero():
    gx, gy = tg.grad(lambda x, y: (x * 2.0).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    assert gx.tolist() == [2.0, 2.0] and gy.tolist() == [0.0, 0.0, 0.0]


def test_grad_works_under_no_grad_and_leaves_inputs_alone():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        g = tg.grad(lambda w: (w * w).sum())(x)
    assert g.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_grad_rejects_non_tensor_result():
    with pytest.raises(TypeError, match="grad: f must return a Tensor"):
        tg.grad(lambda w: 3.0)(np.ones(2))


# ----- check_grad: passes on good gradients, fails on wrong ones -----
class WrongSquare(Function):
    """x ** 2 with a deliberately wrong derivative (3x instead of 2x)."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return (3 * g * self.a,)


class ForgetfulMultiply(Function):
    """a * b whose backward forgets the gradient of b."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, None


def test_check_grad_passes_on_correct_custom_function():
    class Square(WrongSquare):
        def backward(self, g):
            return (2 * g * self.a,)

    result = tg.check_grad(lambda x: Square.apply(x), np.array([0.5, -1.5, 2.0]))
    assert result.ok and bool(result)
    assert "ok" in str(result)


def test_check_grad_fails_on_wrong_backward():
    result = tg.check_grad(lambda x: WrongSquare.apply(x), np.array([0.5, -1.5, 2.0]))
    assert result.ok is False and not result
    assert result.errors[0] > 0.1
    assert "FAILED" in str(result)


def test_check_grad_fails_on_missing_gradient_and_says_which_input():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    result = tg.check_grad(lambda x, y: ForgetfulMultiply.apply(x, y), a, b)
    assert not result.ok
    assert result.errors[0] < 1e-8 and result.errors[1] > 0.5


def test_check_grad_skips_integer_inputs():
    logits, labels = np.random.default_rng(0).standard_normal((4, 3)), np.array([0, 2, 1, 1])
    result = tg.check_grad(tg.sparse_softmax_cross_entropy, logits, labels)
    assert result.ok and result.errors[1] is None


def test_function_records_graph_only_when_needed():
    x = tg.tensor([1.0, 2.0])
    y = WrongSquare.apply(x)
    assert not y.requires_grad and y._ctx is None
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    z = ForgetfulMultiply.apply(x, w)
    assert z.requires_grad and z._ctx.needs_input_grad == (False, True)


def test_forward_sees_needs_input_grad_before_it_runs():
    seen = []

    class Spy(tg.Function):
        def forward(self, a, b):
            seen.append(self.needs_input_grad)
            return a * b

        def backward(self, g):
            return None, g

    x, w = tg.tensor([1.0]), tg.tensor([2.0], requires_grad=True)
    Spy.apply(x, w)
    Spy.apply(x, x)  # nothing needs a gradient
    with tg.no_grad():
        Spy.apply(x, w)
    assert seen == [(False, True), (), ()]
