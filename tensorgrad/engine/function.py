"""Function: one differentiable operation, a forward on arrays and its backward below it.

An op subclasses `Function`, computes its result in `forward` from plain arrays, saves on
`self` exactly what `backward` needs, and returns from `backward` one gradient per input
(None where `self.needs_input_grad` says the input needs none). Gradients may keep a
broadcast shape: the engine sums them back to each input's own shape (`unbroadcast`).

`needs_input_grad` is set before `forward` runs and stays empty when no backward will
follow (inference, or no input requires a gradient): a forward may then skip saving, or
computing, what only backward uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import as_array
from tensorgrad.engine.tensor import Tensor


class Function:
    """Base class of every differentiable operation."""

    inputs: tuple[Tensor, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (or arrays and numbers) and record it when a gradient is needed."""
        tensors = lift(inputs)
        fn = cls(**params)
        if grad_mode._enabled:
            # tuple([...]), not tuple(genexpr): building a list first is faster.
            needs = tuple([t.requires_grad for t in tensors])
            if True in needs:
                # Set before forward, so that a forward can skip what only backward needs
                # when nothing will call it (`needs_input_grad` stays () then).
                fn.needs_input_grad = needs
                out = fn.forward(*[t.data for t in tensors])
                fn.inputs = tensors
                return Tensor._make(out, True, fn)
        out = fn.forward(*[t.data for t in tensors])
        return Tensor._make(out, False, None)

    def release(self) -> None:
        """Drop saved arrays once backward has used them, keeping a marker for clear errors."""
        self.__dict__.clear()
        self.released = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def lift(values: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """Turn numbers and arrays mixed with tensors into constant tensors.

    A constant takes the float dtype of the tensors it meets, so `x * 2` or `x + array`
    keeps a float32 tensor float32 (as in PyTorch and Keras).
    """
    for v in values:  # the common case, all tensors already: a plain loop is the fastest test
        if type(v) is not Tensor:
            break
    else:
        return values  # type: ignore[return-value]
    like = next((v.data.dtype for v in values if isinstance(v, Tensor)), None)
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
            continue
        if like is None:
            out.append(Tensor._make(as_array(v), False, None))
            continue
        array = np.asarray(v)
        if array.dtype.kind not in "fiub":
            raise TypeError(
                f"expected tensors, arrays or numbers, got {type(v).__name__} "
                f"(as an array: dtype {array.dtype})"
            )
        if like.kind == "f":
            if array.dtype != like:
                array = array.astype(like)
        elif array.dtype.kind == "f":
            array = as_array(array)  # an integer tensor meets floats: the default float type
        out.append(Tensor._make(array, False, None))
    floats = [t.data.dtype for t in out if t.data.dtype.kind == "f"]
    if floats and len(floats) < len(out):
        # Integer tensors meeting floats become floats of that type (int64 * float32 would
        # otherwise give float64 in NumPy; PyTorch and Keras keep float32).
        out = [
            t if t.data.dtype.kind == "f" else Tensor._make(t.data.astype(floats[0]), False, None)
            for t in out
        ]
    return tuple(out)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, to get back `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)
