"""Every differentiable op, through one harness: forward against NumPy, gradient against
central differences (tg.check_grad, float64) and against PyTorch autograd.

A row of OPS is an op on one set of input shapes: the tensorgrad call, its NumPy reference,
the same computation in torch (taking the torch module first), the input shapes and the
domain each input is drawn from (see engine_testing.draw). A new op costs a few lines.
Shapes include 0-d scalars, size-1 axes, broadcasting and 5-D tensors; element counts stay
small so the numerical gradients are fast.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from engine_testing import assert_close, draw_inputs, rng_for, tg_grads, torch_grads

import tensorgrad as tg
from tensorgrad.engine.ops import elementwise, linalg, nn, reduce
from tensorgrad.engine.ops import shape as shape_ops


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    torch: Callable[..., Any] | None
    shapes: tuple[tuple[int, ...], ...]
    domains: Any = "any"

    @property
    def id(self) -> str:
        return f"{self.name}{list(self.shapes)}".replace(" ", "")

    def inputs(self) -> list[np.ndarray]:
        return draw_inputs(self.id, self.shapes, self.domains)


def cases(name, fn, ref, torch_fn, shape_sets, domains="any") -> list[Case]:
    return [Case(name, fn, ref, torch_fn, tuple(map(tuple, s)), domains) for s in shape_sets]


def dims(axis: Any, ndim: int) -> tuple[int, ...]:
    """NumPy's axis as torch's dim tuple (None: every axis)."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


UNARY = [[()], [(5,)], [(3, 4)], [(1, 4, 1)], [(2, 1, 3, 1, 2)]]
BINARY = [
    [(3, 4), (3, 4)],
    [(), (3, 4)],
    [(3, 4), ()],
    [(3, 1), (1, 4)],
    [(4,), (3, 4)],
    [(1,), (1,)],
    [(2, 3, 1), (1,)],
    [(2, 1, 3, 1, 2), (3, 4, 2)],
    [(4, 3, 5, 2), (5, 2)],  # the book's sweep, smaller: (5, 2) over the last two axes
]


def _reduction_cases(name, fn, ref, torch_fn, domains="any") -> list[Case]:
    out = []
    settings = [
        ((2, 3, 4), None, False),
        ((2, 3, 4), 1, False),
        ((2, 3, 4), -1, True),
        ((2, 3, 4), (0, 2), False),
        ((2, 3, 4), (0, 2), True),
        ((2, 3, 4), None, True),
        ((), None, False),
        ((5,), 0, False),
        ((1, 4, 1), 2, False),
        ((2, 1, 3, 1, 2), (1, 4), False),
    ]
    for shape, axis, keep in settings:
        out.append(
            Case(
                f"{name}(axis={axis},keepdims={keep})",
                lambda x, axis=axis, keep=keep: fn(x, axis=axis, keepdims=keep),
                lambda x, axis=axis, keep=keep: ref(x, axis=axis, keepdims=keep),
                lambda T, x, axis=axis, keep=keep: torch_fn(T, x, dims(axis, x.ndim), keep),
                (shape,),
                domains,
            )
        )
    return out


_MASK = rng_for("mask").random((3, 4)) < 0.5
_IDX = np.array([0, 2, 0, 0])  # repeated indices: their gradients add up


def _index_case(label: str, index: Any, torch_index: Callable[[Any], Any], shape) -> Case:
    return Case(
        f"getitem[{label}]",
        lambda x: x[index],
        lambda x: x[index],
        lambda T, x: torch_index(T, x),
        (shape,),
    )


def _logsumexp_ref(a, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


def _log_softmax_ref(a, axis=-1):
    return a - _logsumexp_ref(a, axis=axis, keepdims=True)


def _softmax_ref(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _torch_dot(T, a, b):
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return T.tensordot(a, b, dims=([a.ndim - 1], [max(b.ndim - 2, 0)]))


OPS: list[Case] = [
    # ----- element-wise arithmetic, broadcasting -----
    *cases("add", tg.add, np.add, lambda T, a, b: a + b, BINARY),
    *cases("subtract", tg.subtract, np.subtract, lambda T, a, b: a - b, BINARY),
    *cases("multiply", tg.multiply, np.multiply, lambda T, a, b: a * b, BINARY),
    *cases("divide", tg.divide, np.divide, lambda T, a, b: a / b, BINARY, ("any", "nonzero")),
    *cases("power", tg.power, np.power, lambda T, a, b: a**b, BINARY[:5], ("pos", "any")),
    *cases("maximum", tg.maximum, np.maximum, lambda T, a, b: T.maximum(a, b), BINARY),
    *cases("minimum", tg.minimum, np.minimum, lambda T, a, b: T.minimum(a, b), BINARY),
    *cases("x**3", lambda x: x**3, lambda x: x**3, lambda T, x: x**3, UNARY),
    *cases("x**0.5", lambda x: x**0.5, np.sqrt, lambda T, x: x**0.5, UNARY, "pos"),
    *cases("2**x", lambda x: 2.0**x, lambda x: 2.0**x, lambda T, x: 2.0**x, UNARY),
    *cases("1-x", lambda x: 1 - x, lambda x: 1 - x, lambda T, x: 1 - x, UNARY),
    *cases("1/x", lambda x: 1 / x, lambda x: 1 / x, lambda T, x: 1 / x, UNARY, "nonzero"),
    *cases("negative", tg.negative, np.negative, lambda T, x: -x, UNARY),
    *cases("exp", tg.exp, np.exp, lambda T, x: T.exp(x), UNARY),
    *cases("sin", tg.sin, np.sin, lambda T, x: T.sin(x), UNARY),
    *cases("cos", tg.cos, np.cos, lambda T, x: T.cos(x), UNARY),
    *[
        Case(
            f"cumsum(axis={axis})",
            lambda x, axis=axis: tg.cumsum(x, axis=axis),
            lambda x, axis=axis: np.cumsum(x, axis=axis),
            lambda T, x, axis=axis: T.cumsum(x.reshape(-1) if axis is None else x, dim=axis or 0),
            (shape,),
        )
        for axis, shape in [(0, (5,)), (1, (3, 4)), (-1, (2, 3, 4)), (None, (3, 4))]
    ],
    *cases("log", tg.log, np.log, lambda T, x: T.log(x), UNARY, "pos"),
    *cases("sqrt", tg.sqrt, np.sqrt, lambda T, x: T.sqrt(x), UNARY, "pos"),
    *cases("abs", tg.abs, np.abs, lambda T, x: T.abs(x), UNARY, "nonzero"),
    *cases("square", tg.square, np.square, lambda T, x: T.square(x), UNARY),
    *cases(
        "clip",
        lambda x: tg.clip(x, -0.5, 0.8),
        lambda x: np.clip(x, -0.5, 0.8),
        lambda T, x: T.clamp(x, -0.5, 0.8),
        UNARY,
    ),
    *cases(
        "clip(array bounds)",
        lambda x: tg.clip(x, np.array([-0.5, -1.0, 0.0, -0.2]), 0.7),
        lambda x: np.clip(x, np.array([-0.5, -1.0, 0.0, -0.2]), 0.7),
        lambda T, x: T.clamp(x, T.tensor([-0.5, -1.0, 0.0, -0.2], dtype=x.dtype), T.tensor(0.7)),
        [[(3, 4)], [(4,)]],
    ),
    *cases(
        "where",
        tg.where,
        np.where,
        lambda T, c, a, b: T.where(c, a, b),
        [[(3, 4)] * 3, [(3, 4), (3, 1), (1, 4)], [(2, 3), (), (3,)], [(2, 1, 3, 1, 2)] * 3],
        ("mask", "any", "any"),
    ),
    # ----- activations -----
    *cases("relu", tg.relu, lambda x: np.maximum(x, 0), lambda T, x: T.relu(x), UNARY, "nonzero"),
    *cases("sigmoid", tg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda T, x: T.sigmoid(x), UNARY),
    *cases("tanh", tg.tanh, np.tanh, lambda T, x: T.tanh(x), UNARY),
    *cases(
        "leaky_relu",
        lambda x: tg.leaky_relu(x, 0.3),
        lambda x: np.where(x > 0, x, 0.3 * x),
        lambda T, x: T.nn.functional.leaky_relu(x, 0.3),
        UNARY,
        "nonzero",
    ),
    # ----- softmax family -----
    *cases("softmax", tg.softmax, _softmax_ref, lambda T, x: T.softmax(x, -1), UNARY[1:]),
    *cases(
        "softmax(axis=0)",
        lambda x: tg.softmax(x, axis=0),
        lambda x: _softmax_ref(x, axis=0),
        lambda T, x: T.softmax(x, 0),
        [[(3, 4)], [(2, 3, 4)]],
    ),
    *cases(
        "log_softmax",
        tg.log_softmax,
        _log_softmax_ref,
        lambda T, x: T.log_softmax(x, -1),
        UNARY[1:],
    ),
    *cases(
        "log_softmax(axis=1)",
        lambda x: tg.log_softmax(x, axis=1),
        lambda x: _log_softmax_ref(x, axis=1),
        lambda T, x: T.log_softmax(x, 1),
        [[(2, 3, 4)], [(2, 1, 3, 1, 2)]],
    ),
    *_reduction_cases(
        "logsumexp", tg.logsumexp, _logsumexp_ref, lambda T, x, d, k: T.logsumexp(x, d, k)
    ),
    # ----- reductions -----
    *_reduction_cases("sum", tg.sum, np.sum, lambda T, x, d, k: x.sum(dim=d, keepdim=k)),
    *_reduction_cases("mean", tg.mean, np.mean, lambda T, x, d, k: x.mean(dim=d, keepdim=k)),
    *_reduction_cases("max", tg.max, np.max, lambda T, x, d, k: T.amax(x, dim=d, keepdim=k)),
    *_reduction_cases("min", tg.min, np.min, lambda T, x, d, k: T.amin(x, dim=d, keepdim=k)),
    *[
        c
        for c in _reduction_cases(
            "var", tg.var, np.var, lambda T, x, d, k: T.var(x, dim=d, correction=0, keepdim=k)
        )
        if c.shapes != ((),)
    ],
    Case(
        "var(ddof=1)",
        lambda x: tg.var(x, axis=0, ddof=1),
        lambda x: np.var(x, axis=0, ddof=1),
        lambda T, x: T.var(x, dim=0, correction=1),
        ((3, 4),),
    ),
    # ----- products -----
    *cases(
        "matmul",
        tg.matmul,
        np.matmul,
        lambda T, a, b: a @ b,
        [
            [(3, 4), (4, 5)],
            [(4,), (4, 5)],
            [(3, 4), (4,)],
            [(4,), (4,)],
            [(2, 3, 4), (4, 5)],
            [(3, 4), (2, 4, 5)],
            [(2, 1, 3, 4), (5, 4, 2)],
            [(2, 3, 4), (4,)],
            [(4,), (2, 4, 3)],
            [(1, 1), (1, 1)],
        ],
    ),
    *cases(
        "linear",
        tg.linear,
        lambda x, w, b: x @ w + b,
        lambda T, x, w, b: T.nn.functional.linear(x, w.T, b),
        [
            [(3, 4), (4, 5), (5,)],
            [(4,), (4, 5), (5,)],
            [(2, 3, 4), (4, 5), (5,)],
            [(1, 1), (1, 1), (1,)],
        ],
    ),
    Case(
        "linear(no bias)",
        lambda x, w: tg.linear(x, w),
        np.matmul,
        lambda T, x, w: T.nn.functional.linear(x, w.T),
        ((3, 4), (4, 5)),
    ),
    *cases(
        "dot",
        tg.dot,
        np.dot,
        _torch_dot,
        [
            [(4,), (4,)],
            [(3, 4), (4,)],
            [(3, 4), (4, 5)],
            [(2, 3, 2, 4), (4,)],  # (a, b, c, d) . (d) -> (a, b, c)
            [(2, 3, 2, 4), (4, 3)],  # (a, b, c, d) . (d, e) -> (a, b, c, e)
            [(2, 3), (2, 3, 4)],
            [(), (3,)],
        ],
    ),
    *[
        Case(
            f"tensordot(axes={axes})",
            lambda a, b, axes=axes: tg.tensordot(a, b, axes),
            lambda a, b, axes=axes: np.tensordot(a, b, axes),
            lambda T, a, b, axes=axes: T.tensordot(a, b, dims=axes),
            shapes,
        )
        for axes, shapes in [
            (2, ((2, 3, 4), (3, 4, 5))),
            (1, ((3, 4), (4, 5))),
            (0, ((2,), (3,))),
            (([0, 2], [2, 0]), ((2, 3, 4), (4, 5, 2))),
            (([1], [0]), ((2, 3, 1, 2), (3, 2))),
        ]
    ],
    # ----- shape ops -----
    *[
        Case(
            f"pad({width})",
            lambda x, width=width: tg.pad(x, width, constant_values=0.5),
            lambda x, width=width: np.pad(x, width, constant_values=0.5),
            lambda T, x, width=width: T.nn.functional.pad(
                x,
                [
                    v
                    for pair in reversed(np.broadcast_to(width, (x.ndim, 2)).tolist())
                    for v in pair
                ],
                value=0.5,
            ),
            (shape,),
        )
        for width, shape in [(1, (3, 4)), (((0, 1), (2, 0)), (3, 4)), (((1, 2),), (2, 1, 3))]
    ],
    *[
        Case(
            f"reshape{new}",
            lambda x, new=new: tg.reshape(x, new),
            lambda x, new=new: np.reshape(x, new),
            lambda T, x, new=new: x.reshape(new),
            (shape,),
        )
        for shape, new in [
            ((2, 3, 4), (4, -1)),
            ((), (1, 1)),
            ((6,), (2, 3)),
            ((2, 1, 3, 1, 2), (12,)),
            ((3, 4), (2, 1, 6)),
        ]
    ],
    *cases("flatten", tg.flatten, np.ravel, lambda T, x: x.flatten(), UNARY),
    *[
        Case(
            f"transpose{axes}",
            lambda x, axes=axes: tg.transpose(x, axes),
            lambda x, axes=axes: np.transpose(x, axes),
            lambda T, x, axes=axes: x.permute(axes if axes else tuple(range(x.ndim))[::-1]),
            (shape,),
        )
        for shape, axes in [
            ((3, 4), None),
            ((2, 3, 4), None),
            ((2, 3, 4), (1, 0, 2)),
            ((2, 3, 4), (-1, 0, 1)),
            ((2, 1, 3, 1, 2), (4, 0, 2, 1, 3)),
            ((), None),
        ]
    ],
    *[
        Case(
            f"expand_dims({axis})",
            lambda x, axis=axis: tg.expand_dims(x, axis),
            lambda x, axis=axis: np.expand_dims(x, axis),
            lambda T, x, axis=axis: x.reshape(np.expand_dims(np.empty(x.shape), axis).shape),
            (shape,),
        )
        for shape, axis in [((3, 4), 0), ((3, 4), -1), ((3, 4), (0, 2)), ((), 0)]
    ],
    *[
        Case(
            f"squeeze({axis})",
            lambda x, axis=axis: tg.squeeze(x, axis),
            lambda x, axis=axis: np.squeeze(x, axis),
            lambda T, x, axis=axis: x.reshape(np.squeeze(np.empty(x.shape), axis).shape),
            (shape,),
        )
        for shape, axis in [((1, 4, 1), None), ((1, 4, 1), 2), ((2, 1, 3, 1, 2), (1, 3))]
    ],
    Case(
        "broadcast_to",
        lambda x: tg.broadcast_to(x, (2, 3, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        lambda T, x: T.broadcast_to(x, (2, 3, 4)),
        ((3, 1),),
    ),
    _index_case("1", 1, lambda T, x: x[1], (3, 4)),
    _index_case(":,1:3", (slice(None), slice(1, 3)), lambda T, x: x[:, 1:3], (3, 4)),
    _index_case("...,::-1", (Ellipsis, slice(None, None, -1)), lambda T, x: x.flip(-1), (3, 4)),
    _index_case(
        "None,-1,::2", (None, -1, slice(None, None, 2)), lambda T, x: x[None, -1, ::2], (3, 4)
    ),
    _index_case("1,2", (1, 2), lambda T, x: x[1, 2], (3, 4)),
    _index_case("idx", _IDX, lambda T, x: x[T.from_numpy(_IDX)], (3, 4)),
    _index_case("[0,0,1]", [0, 0, 1], lambda T, x: x[[0, 0, 1]], (3, 4)),
    _index_case("idx,1:3", (_IDX, slice(1, 3)), lambda T, x: x[T.from_numpy(_IDX), 1:3], (3, 4)),
    _index_case(
        "idx,idx",
        (_IDX, np.array([3, 1, 3, 3])),
        lambda T, x: x[T.from_numpy(_IDX), T.tensor([3, 1, 3, 3])],
        (3, 4),
    ),
    _index_case("mask", _MASK, lambda T, x: x[T.from_numpy(_MASK)], (3, 4)),
    _index_case(
        "mask-row", np.array([True, False, True]), lambda T, x: x[T.tensor([0, 2])], (3, 4)
    ),
    _index_case("5d", (0, slice(None), 1), lambda T, x: x[0, :, 1], (2, 1, 3, 1, 2)),
    *[
        Case(
            f"concatenate(axis={axis})",
            lambda *xs, axis=axis: tg.concatenate(xs, axis=axis),
            lambda *xs, axis=axis: np.concatenate(xs, axis=axis),
            lambda T, *xs, axis=axis: T.cat(xs, dim=axis),
            shapes,
        )
        for axis, shapes in [
            (0, ((2, 3), (1, 3))),
            (1, ((2, 3), (2, 1), (2, 2))),
            (-1, ((2, 1, 2), (2, 1, 3))),
            (0, ((3,),)),
        ]
    ],
    *[
        Case(
            f"stack(axis={axis})",
            lambda *xs, axis=axis: tg.stack(xs, axis=axis),
            lambda *xs, axis=axis: np.stack(xs, axis=axis),
            lambda T, *xs, axis=axis: T.stack(xs, dim=axis),
            shapes,
        )
        for axis, shapes in [(0, ((2, 3), (2, 3))), (-1, ((2, 3),) * 3), (0, ((), ()))]
    ],
    # ----- fused losses (gradients for logits and targets) -----
    *cases(
        "softmax_cross_entropy",
        tg.softmax_cross_entropy,
        lambda z, y: -(y * _log_softmax_ref(z)).sum(axis=-1),
        lambda T, z, y: -(y * T.log_softmax(z, -1)).sum(-1),
        [[(4, 5), (4, 5)], [(5,), (5,)], [(2, 3, 4), (2, 3, 4)], [(3, 1), (3, 1)]],
        ("any", "prob"),
    ),
    *cases(
        "sparse_softmax_cross_entropy",
        tg.sparse_softmax_cross_entropy,
        lambda z, k: -np.take_along_axis(_log_softmax_ref(z), k[..., None], -1)[..., 0],
        lambda T, z, k: -T.log_softmax(z, -1).gather(-1, k[..., None])[..., 0],
        [[(4, 5), (4,)], [(2, 3, 5), (2, 3)], [(5,), ()]],
        ("any", "labels:5"),
    ),
    *cases(
        "sigmoid_cross_entropy",
        tg.sigmoid_cross_entropy,
        lambda z, y: -(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 / (1 + np.exp(z)))),
        lambda T, z, y: T.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none"),
        [[(4, 3), (4, 3)], [(), ()], [(2, 1, 3, 1, 2), (2, 1, 3, 1, 2)]],
        ("any", "prob"),
    ),
]

IDS = [c.id for c in OPS]


def test_ids_are_unique():
    assert len(set(IDS)) == len(IDS), [i for i in IDS if IDS.count(i) > 1]


@pytest.mark.parametrize("case", OPS, ids=IDS)
def test_forward_matches_numpy(case: Case):
    arrays = case.inputs()
    out = case.fn(*[tg.tensor(a, dtype=a.dtype) for a in arrays])
    expected = case.ref(*arrays)
    assert isinstance(out, tg.Tensor)
    assert isinstance(out.data, np.ndarray)
    assert out.dtype == np.float64
    assert_close(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", OPS, ids=IDS)
def test_forward_float32_stays_float32(case: Case):
    arrays = [a.astype(np.float32) if a.dtype == np.float64 else a for a in case.inputs()]
    out = case.fn(*[tg.tensor(a) for a in arrays])
    assert out.dtype == np.float32
    expected = case.ref(*[a.astype(np.float64) if a.dtype == np.float32 else a for a in arrays])
    assert_close(out.numpy(), expected, 1e-5, 1e-6)


@pytest.mark.parametrize("case", OPS, ids=IDS)
def test_gradient_matches_central_differences(case: Case):
    arrays = case.inputs()
    result = tg.check_grad(case.fn, *arrays)
    assert result.ok, str(result)
    assert all((e is None) == (a.dtype.kind != "f") for e, a in zip(result.errors, arrays))


@pytest.mark.parametrize("case", OPS, ids=IDS)
def test_gradient_matches_torch(case: Case):
    torch = pytest.importorskip("torch")
    arrays = case.inputs()
    weights = rng_for("weights" + case.id).uniform(0.5, 1.5, np.shape(case.ref(*arrays)))
    out, grads = tg_grads(case.fn, arrays, weights)
    t_out, t_grads = torch_grads(torch, lambda *xs: case.torch(torch, *xs), arrays, weights)
    assert_close(out, t_out)
    for i, (g, tg_) in enumerate(zip(grads, t_grads)):
        if tg_ is None:
            assert g is None
            continue
        assert g.shape == arrays[i].shape, f"input {i}: gradient shape {g.shape}"
        assert g.dtype == np.float64
        assert_close(g, tg_)


# Ops without a row: no gradient, or (cast) a float32 round trip that central differences
# in float64 cannot check; each is tested elsewhere.
NOT_IN_TABLE = {
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "argmax",
    "argmin",
    "cast",
}


def test_every_public_op_has_a_row():
    """A new op in tensorgrad/engine/ops fails this test until the table has a row for it."""
    modules = [elementwise, linalg, nn, reduce, shape_ops]
    public = {
        f.__name__
        for m in modules
        for name, f in vars(m).items()
        if inspect.isfunction(f) and f.__module__ == m.__name__ and not name.startswith("_")
    }
    assert {"add", "matmul", "softmax_cross_entropy", "getitem", "var"} <= public
    names = {c.name.split("(")[0].split("[")[0] for c in OPS}
    assert public - NOT_IN_TABLE - names == set()
    for name in public:
        assert getattr(tg, name).__name__ == name  # exported from the tensorgrad namespace
