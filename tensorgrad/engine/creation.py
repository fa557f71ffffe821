"""Ways to make tensors: from data, filled with a constant, random, or a range."""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.backend import as_array, default_float, xp
from tensorgrad.engine.tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor holding a copy of `data` (numbers, nested lists, arrays or a tensor).

    Floats become float32 unless `dtype` says otherwise; integers and booleans keep
    their kind.

    >>> import tensorgrad as tg
    >>> x = tg.tensor([[1, 2], [3, 4]])
    >>> x.ndim, x.shape, x.dtype
    (2, (2, 2), dtype('int64'))
    """
    if isinstance(data, Tensor):
        data = data.data
    return _wrap(as_array(data, dtype, copy=True), requires_grad)


def _wrap(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A tensor of exactly this array: its dtype was already chosen (float64 stays float64)."""
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(n) for n in shape)


def _float(dtype: Any) -> np.dtype:
    return default_float() if dtype is None else np.dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`."""
    return _wrap(xp.zeros(_shape(shape), _float(dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
    return _wrap(xp.ones(_shape(shape), _float(dtype)), requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _wrap(xp.full(shape, fill_value, _float(dtype)), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution, from the library's generator."""
    data = random.generator().standard_normal(_shape(shape), dtype=np.float64)
    return _wrap(data.astype(_float(dtype)), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples uniform on [0, 1), from the library's generator."""
    data = random.generator().random(_shape(shape), dtype=np.float64)
    return _wrap(data.astype(_float(dtype)), requires_grad)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop), as NumPy's arange (integers stay integers)."""
    data = xp.arange(start, stop, step) if stop is not None else xp.arange(start)
    return _wrap(as_array(data, dtype), False)


def _like_float(a: np.ndarray, dtype: Any) -> Any:
    # Not `dtype or ...`: NumPy 1.x makes a dtype without fields falsy (len() == 0).
    if dtype is not None:
        return dtype
    return a.dtype if a.dtype.kind == "f" else None


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of `t`."""
    a = np.asarray(t.data if isinstance(t, Tensor) else t)
    return _wrap(xp.zeros(a.shape, a.dtype if dtype is None else dtype), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype, unless given) of `t`."""
    a = np.asarray(t.data if isinstance(t, Tensor) else t)
    return _wrap(xp.ones(a.shape, a.dtype if dtype is None else dtype), requires_grad)


def randn_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape of `t`."""
    a = np.asarray(t.data if isinstance(t, Tensor) else t)
    return randn(a.shape, dtype=_like_float(a, dtype), requires_grad=requires_grad)


def rand_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples with the shape of `t`."""
    a = np.asarray(t.data if isinstance(t, Tensor) else t)
    return rand(a.shape, dtype=_like_float(a, dtype), requires_grad=requires_grad)
