"""Tensor: attributes, creation helpers, dtype policy, mixing with NumPy and Python numbers,
and NumPy-named methods that agree with the functions."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.engine import random


# ----- what a tensor is -----
def test_attributes_of_a_tensor():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6
    assert x.dtype == np.float32
    assert isinstance(x.numpy(), np.ndarray)
    assert x.numpy() is x.data  # shared, not copied
    assert x.grad is None and x.requires_grad is False and x.is_leaf
    assert len(x) == 2 and x.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_rank_of_scalars_vectors_matrices_and_higher():
    assert tg.tensor(3.0).ndim == 0 and tg.tensor(3.0).shape == ()
    assert tg.tensor([1.0, 2.0]).ndim == 1
    assert tg.zeros(2, 3).ndim == 2
    assert tg.zeros(2, 3, 4, 5, 6).ndim == 5


def test_tensor_copies_its_data():
    a = np.ones(3, dtype=np.float32)
    x = tg.tensor(a)
    a[0] = 5.0
    assert x.data[0] == 1.0
    y = tg.tensor(x)
    y.data[1] = 7.0
    assert x.data[1] == 1.0


def test_float32_by_default_float64_on_request_integers_kept():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.tensor(np.zeros(2)).dtype == np.float32  # float64 arrays too
    assert tg.tensor(2.5).dtype == np.float32
    assert tg.tensor([1.0], dtype="float64").dtype == np.float64
    assert tg.tensor(np.zeros(2), dtype=np.float64).dtype == np.float64
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor(np.array([1, 2], dtype=np.uint8)).dtype == np.uint8
    assert tg.tensor([True, False]).dtype == np.bool_


def test_requires_grad_only_for_floats():
    assert tg.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(TypeError, match=r"requires_grad: only float tensors.*int64.*astype"):
        tg.tensor([1, 2], requires_grad=True)


def test_non_numeric_data_is_rejected():
    with pytest.raises(TypeError, match="tensor: expected numbers.*dtype <U1"):
        tg.tensor(["a", "b"])
    with pytest.raises(TypeError, match="tensor: expected numbers.*dtype complex128"):
        tg.tensor([1, 2], dtype=complex)


@pytest.mark.parametrize("dtype", [None, "float32", "float64", np.float64, np.dtype("float64")])
@pytest.mark.parametrize(
    "make",
    [
        lambda dtype: tg.zeros(2, 3, dtype=dtype),
        lambda dtype: tg.zeros((2, 3), dtype=dtype),
        lambda dtype: tg.ones(2, 3, dtype=dtype),
        lambda dtype: tg.full((2, 3), 1.5, dtype=dtype),
        lambda dtype: tg.randn(2, 3, dtype=dtype),
        lambda dtype: tg.rand(2, 3, dtype=dtype),
        lambda dtype: tg.zeros_like(np.ones((2, 3), np.float32), dtype=dtype),
        lambda dtype: tg.ones_like(tg.ones(2, 3), dtype=dtype),
        lambda dtype: tg.randn_like(tg.ones(2, 3), dtype=dtype),
        lambda dtype: tg.rand_like(tg.ones(2, 3), dtype=dtype),
        lambda dtype: tg.tensor(np.zeros((2, 3)), dtype=dtype),
    ],
)
def test_creation_helpers_shape_and_dtype(make, dtype):
    t = make(dtype)
    assert t.shape == (2, 3)
    assert t.dtype == (np.float32 if dtype is None else np.dtype(dtype))


def test_creation_helpers_values_and_requires_grad():
    assert tg.zeros(3).tolist() == [0, 0, 0] and tg.ones(2).tolist() == [1, 1]
    assert tg.full(2, 7.0).tolist() == [7.0, 7.0]
    assert tg.zeros(2, requires_grad=True).requires_grad
    assert tg.ones_like(tg.zeros(3), requires_grad=True).requires_grad
    u = tg.rand(1000)
    assert 0.0 <= u.data.min() and u.data.max() < 1.0
    n = tg.randn(4000)
    assert abs(float(n.data.mean())) < 0.1 and abs(float(n.data.std()) - 1) < 0.1
    assert tg.zeros_like(tg.tensor([1, 2])).dtype == np.int64  # like's dtype is kept
    assert tg.zeros_like(tg.zeros(2, dtype="float64")).dtype == np.float64


def test_arange_like_numpy():
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == np.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    r = tg.arange(0.0, 1.0, 0.25)
    assert r.dtype == np.float32 and r.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(3, dtype="float64").dtype == np.float64


def test_random_helpers_use_the_library_generator():
    random.seed(123)
    a = tg.randn(3).numpy().copy()
    state = random.get_state()
    b = tg.rand(2).numpy().copy()
    random.seed(123)
    np.testing.assert_array_equal(tg.randn(3).numpy(), a)
    random.set_state(state)
    np.testing.assert_array_equal(tg.rand(2).numpy(), b)
    np.random.seed(0)
    first = tg.randn(3).numpy().copy()
    np.random.seed(0)
    assert not np.array_equal(tg.randn(3).numpy(), first)  # NumPy's global seed is not used


def test_set_default_dtype():
    tg.set_default_dtype("float64")
    assert tg.tensor([1.0]).dtype == np.float64 and tg.zeros(2).dtype == np.float64
    tg.set_default_dtype("float32")
    assert tg.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match="set_default_dtype: expected float32 or float64, got int"):
        tg.set_default_dtype("int32")


def test_repr():
    assert repr(tg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"
    assert "requires_grad=True" in repr(tg.ones(2, requires_grad=True))


def test_numbers_from_tensors():
    x = tg.tensor(2.5)
    assert float(x) == 2.5 and int(tg.tensor(3)) == 3 and x.item() == 2.5
    assert bool(tg.tensor(1.0)) and not bool(tg.tensor(0.0))
    assert np.asarray(x).dtype == np.float32
    with pytest.raises(TypeError, match="len"):
        len(x)
    assert [t.item() for t in tg.tensor([1.0, 2.0])] == [1.0, 2.0]


def test_results_of_ops_hold_arrays_even_when_0d():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    for out in (x.sum(), x.mean(), x.sum() * 2.0, tg.tensor(2.0).exp(), x.argmax(), x.sum() > 1):
        assert isinstance(out.data, np.ndarray) and out.shape == ()


# ----- NumPy arrays and Python numbers mix with tensors in every operator -----
BINARY_OPERATORS = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.pow,
    operator.eq,
    operator.ne,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
]


@pytest.mark.parametrize("op", BINARY_OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize(
    "other",
    [
        2,
        1.5,
        np.float64(1.5),
        np.array([1.5, 2.5, 0.5]),
        np.array([[2.0], [3.0]]),
        np.array([1, 2, 3]),
    ],
    ids=["int", "float", "np.float64", "f64 array", "f64 column", "int array"],
)
def test_operators_mix_with_numbers_and_arrays_both_ways(op, other):
    x_np = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    x = tg.tensor(x_np)
    for result, expected in [
        (op(x, other), op(x_np.astype(np.float64), np.asarray(other, dtype=np.float64))),
        (op(other, x), op(np.asarray(other, dtype=np.float64), x_np.astype(np.float64))),
    ]:
        assert isinstance(result, tg.Tensor)
        if expected.dtype == np.bool_:
            assert result.dtype == np.bool_
            np.testing.assert_array_equal(result.numpy(), expected)
        else:
            assert result.dtype == np.float32  # a float32 tensor stays float32
            np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


def test_matmul_operator_with_arrays_both_ways():
    w = tg.ones((3, 2))
    a = np.ones((4, 3))
    assert (a @ w).shape == (4, 2) and (a @ w).dtype == np.float32
    assert (w.T @ a.T).shape == (2, 4)


def test_float64_tensor_meets_python_float_without_rounding():
    x = tg.tensor([1.0, 3.0], dtype="float64")
    assert (x * 0.1).dtype == np.float64
    np.testing.assert_array_equal((x * 0.1).numpy(), np.array([1.0, 3.0]) * 0.1)
    np.testing.assert_array_equal((0.1 + x).numpy(), 0.1 + np.array([1.0, 3.0]))


def test_integer_tensors_meet_floats_as_default_float():
    labels = tg.tensor([1, 2, 3])
    assert (labels + 1).dtype == np.int64
    assert (labels * 0.5).dtype.kind == "f"
    assert (labels == 2).tolist() == [False, True, False]


def test_unsupported_operand_is_rejected_clearly():
    with pytest.raises(TypeError, match="expected tensors, arrays or numbers, got str"):
        tg.ones(2) + "a"
    with pytest.raises(TypeError, match="got NoneType"):
        tg.ones(2) * None


def test_functions_accept_arrays_and_numbers():
    assert tg.exp(np.zeros(2)).dtype == np.float32
    assert tg.add(1.0, 2.0).item() == 3.0
    assert tg.maximum(np.array([1.0, 5.0]), 3.0).tolist() == [3.0, 5.0]
    assert tg.sum([[1.0, 2.0], [3.0, 4.0]], axis=0).tolist() == [4.0, 6.0]


def test_gradients_of_float32_leaves_are_float32():
    w = tg.randn(3, 2, requires_grad=True)
    loss = ((np.ones((4, 3)) @ w) * 0.5 + np.float64(1.0)).relu().mean()
    loss.backward()
    assert loss.dtype == np.float32 and w.grad.dtype == np.float32


# ----- methods named as on ndarray agree with the functions -----
X = np.arange(1, 121, dtype=np.float32).reshape(2, 3, 4, 5) / 60.0
METHODS = [
    ("sum", lambda x: x.sum(axis=1), lambda a: a.sum(axis=1)),
    ("sum(1,keepdims)", lambda x: x.sum(1, keepdims=True), lambda a: a.sum(1, keepdims=True)),
    ("mean", lambda x: x.mean(axis=(0, 2)), lambda a: a.mean(axis=(0, 2))),
    ("max", lambda x: x.max(axis=-1), lambda a: a.max(axis=-1)),
    ("min", lambda x: x.min(), lambda a: a.min()),
    ("var", lambda x: x.var(axis=0, ddof=1), lambda a: a.var(axis=0, ddof=1)),
    ("argmax", lambda x: x.argmax(axis=1), lambda a: a.argmax(axis=1)),
    ("argmin", lambda x: x.argmin(), lambda a: a.argmin()),
    ("reshape(4,30)", lambda x: x.reshape(4, 30), lambda a: a.reshape(4, 30)),
    ("reshape((4,30))", lambda x: x.reshape((4, 30)), lambda a: a.reshape((4, 30))),
    ("reshape(-1)", lambda x: x.reshape(-1), lambda a: a.reshape(-1)),
    ("flatten", lambda x: x.flatten(), lambda a: a.flatten()),
    ("T", lambda x: x.T, lambda a: a.T),
    ("transpose()", lambda x: x.transpose(), lambda a: a.transpose()),
    ("transpose(1,0,3,2)", lambda x: x.transpose(1, 0, 3, 2), lambda a: a.transpose(1, 0, 3, 2)),
    (
        "transpose((1,0,3,2))",
        lambda x: x.transpose((1, 0, 3, 2)),
        lambda a: a.transpose((1, 0, 3, 2)),
    ),
    ("permute", lambda x: x.permute(3, 2, 1, 0), lambda a: a.transpose(3, 2, 1, 0)),
    ("squeeze", lambda x: x[:, :1].squeeze(), lambda a: a[:, :1].squeeze()),
    ("squeeze(1)", lambda x: x[:, :1].squeeze(1), lambda a: a[:, :1].squeeze(1)),
    ("expand_dims", lambda x: x.expand_dims(0), lambda a: np.expand_dims(a, 0)),
    ("clip", lambda x: x.clip(0.5, 1.5), lambda a: a.clip(0.5, 1.5)),
    ("dot", lambda x: x.dot(np.ones(5)), lambda a: a.dot(np.ones(5, np.float32))),
    ("astype", lambda x: x.astype("float64"), lambda a: a.astype("float64")),
    ("exp", lambda x: x.exp(), np.exp),
    ("log", lambda x: x.log(), np.log),
    ("sqrt", lambda x: x.sqrt(), np.sqrt),
    ("abs", lambda x: (-x).abs(), np.abs),
    ("abs()", lambda x: abs(-x), np.abs),
    ("square", lambda x: x.square(), np.square),
    ("relu", lambda x: (x - 1).relu(), lambda a: np.maximum(a - 1, 0)),
    ("tanh", lambda x: x.tanh(), np.tanh),
    ("sigmoid", lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    ("softmax", lambda x: x.softmax(), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    (
        "log_softmax",
        lambda x: x.log_softmax(axis=1),
        lambda a: a - np.log(np.exp(a).sum(1, keepdims=True)),
    ),
    ("neg", lambda x: -x, np.negative),
    ("pos", lambda x: +x, lambda a: a),
    ("getitem", lambda x: x[1, ..., 2], lambda a: a[1, ..., 2]),
]


@pytest.mark.parametrize("name,method,ref", METHODS, ids=[m[0] for m in METHODS])
def test_method_matches_numpy(name, method, ref):
    result = method(tg.tensor(X))
    expected = ref(X)
    assert isinstance(result, tg.Tensor)
    assert result.shape == np.shape(expected)
    assert result.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


def test_methods_record_gradients():
    x = tg.tensor(X, requires_grad=True)
    x.reshape(4, 30).T.sum(axis=0).max().backward()
    assert x.grad.shape == X.shape and x.grad.sum() == 30.0


def test_cast_passes_float_gradients_and_stops_at_integers():
    x = tg.tensor([1.5, 2.5], requires_grad=True)
    y = x.astype("float64")
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 5.0]
    i = x.astype("int64")
    assert i.dtype == np.int64 and not i.requires_grad and i.tolist() == [1, 2]


def test_comparisons_give_boolean_tensors_without_gradient():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (
        x > 2,
        x >= 2,
        x < 2,
        x <= 2,
        x == 2,
        x != 2,
        tg.greater(x, 2),
        tg.less_equal(2, x),
        tg.equal(x, x),
        tg.not_equal(x, 1),
    ):
        assert r.dtype == np.bool_ and not r.requires_grad
    assert (x > 2).tolist() == [False, False, True]
    assert tg.greater_equal(x, [3.0, 2.0, 1.0]).tolist() == [False, True, True]


def test_tensor_is_hashable_and_usable_as_a_dict_key():
    a, b = tg.ones(2), tg.ones(2)
    table = {a: 1, b: 2}
    assert table[a] == 1 and table[b] == 2


def test_numpy_conversion_copies_only_when_asked():
    t = tg.tensor([1.0, 2.0])
    copied = np.array(t)
    copied[0] = 5.0
    assert t.tolist() == [1.0, 2.0]  # np.array makes a copy, as it does for arrays
    assert np.shares_memory(np.asarray(t), t.data)  # np.asarray shares, as it does for arrays
    assert np.array(t, dtype=np.float64).dtype == np.float64


def test_integer_tensors_meeting_floats_give_the_float_type() -> None:
    assert (tg.arange(5) * 0.5).dtype == np.float32  # not NumPy's float64
    assert (0.5 + tg.arange(3)).dtype == np.float32
    assert (tg.arange(3) + np.array([0.5, 1.5, 2.5])).dtype == np.float32
    assert (tg.arange(3) * 2).dtype == np.int64
    x64 = tg.tensor([1.0, 2.0], dtype="float64")
    assert tg.where(tg.tensor([True, False]), tg.arange(2), x64).dtype == np.float64
