"""Errors: every op checks shapes and dtypes before computing, and says which op, what it
expected and what it got."""

from __future__ import annotations

import inspect
import operator
import re

import numpy as np
import pytest

import tensorgrad as tg


def test_matmul_names_both_shapes_and_the_axes():
    a, b = tg.ones((128, 784)), tg.ones((512, 10))
    message = "matmul: shapes (128, 784) and (512, 10) are not aligned: 784 (dim 1) != 512 (dim 0)"
    with pytest.raises(ValueError, match=re.escape(message)):
        tg.matmul(a, b)
    with pytest.raises(ValueError, match=re.escape(message)):
        a @ b
    with pytest.raises(ValueError, match=re.escape(message)):
        a.numpy() @ b


@pytest.mark.parametrize(
    "a,b,message",
    [
        ((3,), (4,), "matmul: shapes (3,) and (4,) are not aligned: 3 (dim 0) != 4 (dim 0)"),
        ((2, 3, 4), (4,), None),
        ((2, 3, 4), (3, 4, 5), "matmul: shapes (2, 3, 4) and (3, 4, 5): batch axes (2,) and (3,)"),
        ((), (3,), "matmul: shapes () and (3,): both operands need at least one axis"),
    ],
)
def test_matmul_shape_errors(a, b, message):
    if message is None:
        assert tg.matmul(tg.ones(a), tg.ones(b)).shape == (2, 3)
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        tg.matmul(tg.ones(a), tg.ones(b))


def test_dot_and_tensordot_name_the_op_and_shapes():
    with pytest.raises(
        ValueError,
        match=re.escape("dot: shapes (2, 3, 4) and (5, 6) are not aligned: 4 (dim 2) != 5 (dim 0)"),
    ):
        tg.dot(tg.ones((2, 3, 4)), tg.ones((5, 6)))
    with pytest.raises(ValueError, match=re.escape("dot: shapes (3,) and (4,)")):
        tg.ones(3).dot(tg.ones(4))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "tensordot: shapes (2, 3) and (4, 5) are not aligned: 3 (dim 1) != 4 (dim 0)"
        ),
    ):
        tg.tensordot(tg.ones((2, 3)), tg.ones((4, 5)), axes=1)
    with pytest.raises(ValueError, match=r"tensordot: axes=3 needs .* \(2, 3\) and \(3, 4\)"):
        tg.tensordot(tg.ones((2, 3)), tg.ones((3, 4)), axes=3)
    with pytest.raises(ValueError, match=r"tensordot: axes \[0, 1\] and \[0\] must list the same"):
        tg.tensordot(tg.ones((2, 3)), tg.ones((2, 4)), axes=([0, 1], [0]))
    with pytest.raises(ValueError, match=r"tensordot: axis 5 is out of range for shape \(2, 3\)"):
        tg.tensordot(tg.ones((2, 3)), tg.ones((2, 4)), axes=([5], [0]))


BINARY = [
    ("add", tg.add),
    ("subtract", tg.subtract),
    ("multiply", tg.multiply),
    ("divide", tg.divide),
    ("power", tg.power),
    ("maximum", tg.maximum),
    ("minimum", tg.minimum),
    ("equal", tg.equal),
    ("not_equal", tg.not_equal),
    ("less", tg.less),
    ("less_equal", tg.less_equal),
    ("greater", tg.greater),
    ("greater_equal", tg.greater_equal),
    ("add", operator.add),
    ("subtract", operator.sub),
    ("multiply", operator.mul),
    ("divide", operator.truediv),
    ("power", operator.pow),
    ("less", operator.lt),
]


@pytest.mark.parametrize("name,fn", BINARY, ids=[f"{n}-{f.__name__}" for n, f in BINARY])
def test_binary_ops_refuse_shapes_that_do_not_broadcast(name, fn):
    message = f"{name}: shapes (3, 4) and (2, 4) cannot be broadcast together"
    with pytest.raises(ValueError, match=re.escape(message)):
        fn(tg.ones((3, 4)), tg.ones((2, 4)))
    with pytest.raises(ValueError, match=re.escape(f"{name}: shapes (3, 4) and (5,)")):
        fn(tg.ones((3, 4)), np.ones(5))


def test_where_and_clip_check_shapes():
    with pytest.raises(ValueError, match=re.escape("where: shapes (3,), (2,) and (2,) cannot be")):
        tg.where(np.ones(3, bool), tg.ones(2), tg.ones(2))
    with pytest.raises(ValueError, match="clip: give a_min, a_max or both; got neither"):
        tg.clip(tg.ones(2))
    with pytest.raises(ValueError, match=re.escape("clip: a_min of shape (3,) does not broadcast")):
        tg.clip(tg.ones((2, 4)), np.zeros(3), 1.0)


@pytest.mark.parametrize(
    "call,error,pattern",
    [
        (
            lambda: tg.reshape(tg.ones((2, 3)), (4, -1)),
            ValueError,
            "reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into shape (4, -1)",
        ),
        (lambda: tg.ones((2, 3)).reshape(7), ValueError, "reshape: cannot reshape"),
        (lambda: tg.ones((2, 3)).reshape(-1, -1), ValueError, "into shape (-1, -1)"),
        (
            lambda: tg.transpose(tg.ones((2, 3)), (0, 5)),
            ValueError,
            "transpose: axes (0, 5) are not a permutation of the 2 axes of shape (2, 3)",
        ),
        (lambda: tg.ones((2, 3)).transpose(0, 0), ValueError, "transpose: axes (0, 0)"),
        (lambda: tg.ones((2, 3)).transpose(1, 0, 2), ValueError, "transpose: axes (1, 0, 2)"),
        (lambda: tg.squeeze(tg.ones((2, 3)), 0), ValueError, "squeeze:"),
        (lambda: tg.expand_dims(tg.ones((2, 3)), 4), ValueError, "expand_dims:"),
        (
            lambda: tg.broadcast_to(tg.ones((2, 3)), (4, 3)),
            ValueError,
            "broadcast_to: cannot broadcast shape (2, 3) to (4, 3)",
        ),
        (
            lambda: tg.broadcast_to(tg.ones(3), (1,)),
            ValueError,
            "broadcast_to: cannot broadcast shape (3,) to (1,)",
        ),
        (
            lambda: tg.broadcast_to(tg.ones((2, 3)), (3,)),
            ValueError,
            "broadcast_to: cannot broadcast shape (2, 3) to (3,)",
        ),
        (
            lambda: tg.concatenate([tg.ones((2, 3)), tg.ones((2, 4))]),
            ValueError,
            "concatenate: all tensors need equal shapes except along axis 0; got (2, 3) and (2, 4)",
        ),
        (
            lambda: tg.concatenate([tg.ones((2, 3)), tg.ones(3)]),
            ValueError,
            "concatenate: all tensors need equal shapes",
        ),
        (lambda: tg.concatenate([]), ValueError, "concatenate: need at least one tensor"),
        (
            lambda: tg.concatenate([tg.ones(2)], axis=1),
            ValueError,
            "concatenate: axis 1 is out of range for rank 1",
        ),
        (
            lambda: tg.stack([tg.ones(2), tg.ones(3)]),
            ValueError,
            "stack: all tensors need the same shape; got (2,) and (3,)",
        ),
        (lambda: tg.stack([tg.ones(2)], axis=2), ValueError, "stack: axis 2 is out of range"),
        (lambda: tg.ones((3, 4))[5], IndexError, "getitem: index 5 is out of bounds"),
        (lambda: tg.ones((3, 4))[np.array([0, 4])], IndexError, "(tensor of shape (3, 4))"),
        (lambda: tg.ones((3, 4))[np.ones(4, bool)], IndexError, "getitem:"),
    ],
)
def test_shape_op_errors(call, error, pattern):
    with pytest.raises(error, match=re.escape(pattern)):
        call()


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "argmax", "argmin"])
def test_reductions_check_axis(name):
    fn = getattr(tg, name)
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of range for a tensor of rank 2"):
        fn(tg.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=rf"{name}: axis -3 is out of range"):
        getattr(tg.ones((2, 3)), name)(axis=-3)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reductions_refuse_repeated_axes(name):
    with pytest.raises(ValueError, match=rf"{name}: repeated axis in \(1, -1\)"):
        getattr(tg, name)(tg.ones((2, 3)), axis=(1, -1))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
def test_extrema_of_empty_tensors(name):
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce a tensor of shape \(0, 3\)"):
        getattr(tg, name)(tg.zeros((0, 3)))


def test_argmax_takes_one_axis_and_var_needs_degrees_of_freedom():
    with pytest.raises(TypeError, match=r"argmax: axis must be an int or None, got \(0, 1\)"):
        tg.argmax(tg.ones((2, 3)), axis=(0, 1))
    with pytest.raises(ValueError, match=r"var: ddof=3 leaves no degrees of freedom.*\(3,\)"):
        tg.var(tg.ones(3), ddof=3)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_checks_axis(name):
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of range for .* \(2, 3\)"):
        getattr(tg, name)(tg.ones((2, 3)), axis=2)


def test_cross_entropies_check_targets():
    logits = tg.ones((4, 3))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "softmax_cross_entropy: logits have shape (4, 3) but targets have shape (4, 2)"
        ),
    ):
        tg.softmax_cross_entropy(logits, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"to_categorical"):
        tg.softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    with pytest.raises(
        TypeError, match="sparse_softmax_cross_entropy: labels must be integer class indices"
    ):
        tg.sparse_softmax_cross_entropy(logits, np.array([0.5, 1.0, 2.0, 0.0]))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "sparse_softmax_cross_entropy: logits of shape (4, 3) need labels of shape (4,), "
            "got (4, 3)"
        ),
    ):
        tg.sparse_softmax_cross_entropy(logits, np.ones((4, 3), int))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "sparse_softmax_cross_entropy: labels must lie in [0, 3), got values from -1 to 3"
        ),
    ):
        tg.sparse_softmax_cross_entropy(logits, np.array([0, 3, -1, 1]))
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy: logits have shape \(4, 3\)"):
        tg.sigmoid_cross_entropy(logits, np.ones(4))


def test_sparse_labels_given_as_whole_floats_are_accepted():
    out = tg.sparse_softmax_cross_entropy(tg.ones((2, 3)), np.array([0.0, 2.0]))
    np.testing.assert_allclose(out.numpy(), np.log(3.0), rtol=1e-6)


def test_errors_are_raised_before_any_graph_is_recorded():
    w = tg.ones((784, 512), requires_grad=True)
    with pytest.raises(ValueError):
        tg.ones((128, 100)) @ w
    loss = (tg.ones((128, 784)) @ w).sum()
    loss.backward()
    assert w.grad.shape == (784, 512)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reductions_refuse_non_integer_axes(name):
    with pytest.raises(TypeError, match=rf"{name}: axis must be an int, a tuple of ints or None"):
        getattr(tg, name)(tg.ones((2, 3)), axis=1.5)


NUMPY_NAMED = [
    "sum",
    "mean",
    "max",
    "min",
    "var",
    "argmax",
    "argmin",
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concatenate",
    "stack",
    "clip",
    "dot",
    "tensordot",
    "broadcast_to",
    "where",
]


@pytest.mark.parametrize("name", NUMPY_NAMED)
def test_parameters_are_named_as_in_numpy(name):
    """Keyword calls written for NumPy work: every parameter has NumPy's name, in NumPy's order."""
    ours = list(inspect.signature(getattr(tg, name)).parameters)
    try:
        theirs = list(inspect.signature(getattr(np, name)).parameters)
    except ValueError:  # a builtin without a signature
        theirs = {"where": ["condition", "x", "y"]}[name]
    assert set(ours) <= set(theirs), f"{name}{tuple(ours)} vs numpy {name}{tuple(theirs)}"
    assert ours[:2] == theirs[:2]


def test_keyword_calls_written_for_numpy():
    x = tg.ones((2, 3))
    assert tg.reshape(x, shape=(3, 2)).shape == (3, 2)
    assert tg.sum(x, axis=1, keepdims=True).shape == (2, 1)
    assert tg.var(x, axis=0, ddof=1).shape == (3,)
    assert tg.clip(x, a_min=0.0, a_max=0.5).tolist() == [[0.5] * 3] * 2
    assert tg.where(condition=x > 0, x=x, y=0.0).shape == (2, 3)
    assert tg.transpose(x, axes=(1, 0)).shape == (3, 2)
    assert tg.tensordot(x, x, axes=([0, 1], [0, 1])).shape == ()


def test_linear_names_shapes_and_bias() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape(
            "linear: shapes (128, 784) and (512, 10) are not aligned: 784 (dim 1) != 512 (dim 0)"
        ),
    ):
        tg.linear(tg.ones((128, 784)), tg.ones((512, 10)))
    with pytest.raises(
        ValueError, match=r"linear: bias of shape \(7,\) does not match 10 output units"
    ):
        tg.linear(tg.ones((2, 512)), tg.ones((512, 10)), tg.ones(7))
    with pytest.raises(ValueError, match="linear: needs x with at least one axis and a 2-D weight"):
        tg.linear(tg.ones((2, 3)), tg.ones((3, 4, 5)))
