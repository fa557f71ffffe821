"""Tensor: an n-dimensional array that remembers how it was computed.

A tensor wraps a NumPy array (`.data`) and, when it requires a gradient, the operation
that produced it. `loss.backward()` walks those operations in reverse and leaves
d(loss)/d(tensor) in `.grad` of every leaf tensor that requires a gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tensorgrad.engine.backend import as_array

if TYPE_CHECKING:
    from tensorgrad.engine.function import Function


class Tensor:
    """An array with an optional gradient, operators and NumPy-style methods.

    >>> import tensorgrad as tg
    >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_keras_mask",
        "_logits",
        "constraint",  # set on layer weights by add_weight (None or a constraint)
        "data",
        "grad",
        "name",
        "regularizer",  # set on layer weights by add_weight (None or a regularizer)
        "requires_grad",
    )
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data: np.ndarray = as_array(data, dtype)
        self.grad: np.ndarray | None = None
        self._ctx: Function | None = None
        # Set by softmax and sigmoid: (that op, its input), so losses can use the logits.
        self._logits: tuple[type, Tensor] | None = None
        # Set by layers on sequences: which timesteps are real (a bool array (batch, steps)).
        self._keras_mask: Any = None
        self.name: str | None = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, ctx: Function | None) -> Tensor:
        """Wrap an array produced by an op, with no conversion (the hot path).

        NumPy gives 0-d results as scalars (np.float32), which are immutable and lack
        array methods; they are made 0-d arrays so `.data` is always an array.
        """
        t = object.__new__(cls)
        t.data = data if not isinstance(data, np.generic) else np.asarray(data)
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = ctx
        t._logits = None
        t._keras_mask = None
        t.name = None
        return t

    # ----- what the tensor is -----
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The rank: how many axes the tensor has."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than computed by an op."""
        return self._ctx is None

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float | int | bool:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if copy:  # np.array(t) asks for a copy: it must not alias the tensor's data
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def _one_value(self, kind: str) -> Any:
        """The value of a one-element tensor of any shape, as PyTorch and TensorFlow allow."""
        if self.data.size != 1:
            raise TypeError(
                f"{kind}() of a tensor needs exactly one element, got shape {self.shape}; "
                f"pick one first, e.g. t[0]"
            )
        return self.data.item()

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = f", dtype={self.dtype}" if self.dtype != np.float32 else ""
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ----- gradients -----
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this tensor as one whose gradient `backward()` should compute."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only float tensors can require a gradient, got dtype "
                f"{self.data.dtype}; convert with .astype('float32')"
            )
        self.requires_grad = requires_grad
        return self

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Compute gradients of this tensor with respect to every leaf that requires one."""
        autodiff.backward(self, grad, retain_graph=retain_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no gradient flows through it)."""
        return Tensor._make(self.data, False, None)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (it becomes None, as with PyTorch's set_to_none)."""
        self.grad = None

    def astype(self, dtype: Any) -> Tensor:
        """A copy converted to `dtype`; gradients flow back through float conversions."""
        return elementwise.cast(self, dtype)

    # ----- operators -----
    def __add__(self, other: Any) -> Tensor:
        return elementwise.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return elementwise.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return elementwise.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return elementwise.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return elementwise.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return elementwise.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return elementwise.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return elementwise.divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return elementwise.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return elementwise.power(other, self)

    def __neg__(self) -> Tensor:
        return elementwise.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return elementwise.abs(self)

    def __matmul__(self, other: Any) -> Tensor:
        return linalg.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return linalg.matmul(other, self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return elementwise.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return elementwise.not_equal(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return elementwise.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return elementwise.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return elementwise.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return elementwise.greater_equal(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return shape_ops.getitem(self, index)

    # ----- methods named as on NumPy's ndarray -----
    def exp(self) -> Tensor:
        return elementwise.exp(self)

    def log(self) -> Tensor:
        return elementwise.log(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def square(self) -> Tensor:
        return elementwise.square(self)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Tensor:
        return elementwise.clip(self, a_min, a_max)

    def relu(self) -> Tensor:
        return nn.relu(self)

    def sigmoid(self) -> Tensor:
        return nn.sigmoid(self)

    def tanh(self) -> Tensor:
        return nn.tanh(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return nn.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return nn.log_softmax(self, axis)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reduce.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reduce.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reduce.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reduce.min(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return reduce.var(self, axis, keepdims=keepdims, ddof=ddof)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return reduce.argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return reduce.argmin(self, axis, keepdims)

    def dot(self, other: Any) -> Tensor:
        return linalg.dot(self, other)

    def reshape(self, *shape: Any) -> Tensor:
        """Row-major reshape; accepts `x.reshape(4, 30)` and `x.reshape((4, 30))`, -1 allowed."""
        return shape_ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def flatten(self) -> Tensor:
        return shape_ops.flatten(self)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return shape_ops.transpose(self, axes or None)

    def permute(self, *dims: Any) -> Tensor:
        """PyTorch's name for transpose with explicit axes."""
        return self.transpose(*dims)

    @property
    def T(self) -> Tensor:
        return shape_ops.transpose(self)

    def squeeze(self, axis: Any = None) -> Tensor:
        return shape_ops.squeeze(self, axis)

    def expand_dims(self, axis: Any) -> Tensor:
        return shape_ops.expand_dims(self, axis)


# Ops import Tensor, so they are imported after it is defined.
from tensorgrad.engine import autodiff  # noqa: E402
from tensorgrad.engine.ops import elementwise, linalg, nn, reduce  # noqa: E402
from tensorgrad.engine.ops import shape as shape_ops  # noqa: E402
