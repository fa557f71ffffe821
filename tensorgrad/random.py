"""`keras.random`: random tensors under Keras 3's names and arguments.

The seed works as in Keras: None draws from the library's generator (repeatable after
`utils.set_random_seed`); an integer gives the same values at every call; a
`SeedGenerator` gives new values at every call, the same sequence for the same seed (the
sampler layer of a VAE keeps one). The values are NumPy's, not those of Keras' backends.

>>> from tensorgrad import random
>>> a = random.normal((2, 3), seed=7)
>>> b = random.normal((2, 3), seed=7)
>>> bool((a.numpy() == b.numpy()).all()), str(a.dtype)
(True, 'float32')
>>> generator = random.SeedGenerator(7)
>>> first, second = (random.uniform((2,), seed=generator).numpy() for _ in range(2))
>>> bool((first != second).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine import random as library_random
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.function import lift
from tensorgrad.engine.ops import elementwise, nn
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor

__all__ = [
    "SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
    "truncated_normal", "uniform",
]  # fmt: skip


class SeedGenerator:
    """A generator of its own, for a layer or a loop that wants its own random sequence.

    Args:
        seed: an integer for a repeatable sequence; None takes one from the library's
            generator.
        name: a name, as Keras' SeedGenerator takes.
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator: seed must be an integer or None, got {seed!r}")
        if seed is None:
            seed = int(library_random.generator().integers(0, 2**31 - 1))
        self.seed = int(seed)
        self.name = name or "seed_generator"
        self.generator = np.random.default_rng(self.seed)

    def next(self) -> int:
        """A new integer seed from the sequence (and the sequence one step further)."""
        return int(self.generator.integers(0, 2**31 - 1))

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, seed={self.seed}>"


def _generator(seed: Any, op: str) -> np.random.Generator:
    """The NumPy generator a draw uses for `seed` (None, an integer or a SeedGenerator)."""
    if seed is None:
        return library_random.generator()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"random.{op}: seed must be None, an integer or a random.SeedGenerator, got {seed!r}"
    )


def _shape(shape: Any, op: str) -> tuple[int, ...]:
    """The sizes of `shape` (an integer or a sequence of them), all known and >= 0."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"random.{op}: shape must be a tuple of known sizes, got {shape!r} (a symbolic "
            "tensor's batch size is None: draw inside a layer's call, from ops.shape(x))"
        ) from None
    if any(d < 0 for d in dims):
        raise ValueError(f"random.{op}: sizes must be >= 0, got {shape!r}")
    return dims


def _float(dtype: Any, op: str) -> np.dtype:
    kind = np.dtype(dtype or default_float())
    if kind.kind != "f":
        raise ValueError(f"random.{op}: dtype must be a float type, got {kind.name}")
    return kind


def _constant(array: np.ndarray) -> Tensor:
    return Tensor._make(array, False, None)


def normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples of a normal distribution of `mean` and `stddev`."""
    rng, kind = _generator(seed, "normal"), _float(dtype, "normal")
    values = library_random.standard_normal(rng, _shape(shape, "normal"), kind)
    values *= np.asarray(stddev, dtype=kind)
    values += np.asarray(mean, dtype=kind)
    return _constant(values)


def uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples of a uniform distribution on [minval, maxval)."""
    if not minval < maxval:
        raise ValueError(f"random.uniform: minval must be below maxval, got {minval}, {maxval}")
    rng, kind = _generator(seed, "uniform"), _float(dtype, "uniform")
    return _constant(rng.uniform(minval, maxval, _shape(shape, "uniform")).astype(kind))


def truncated_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples of a normal distribution cut at two standard deviations (redrawn beyond)."""
    rng, kind = _generator(seed, "truncated_normal"), _float(dtype, "truncated_normal")
    values = library_random.truncated_normal(rng, _shape(shape, "truncated_normal"), mean, stddev)
    return _constant(values.astype(kind))


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Integers drawn uniformly from [minval, maxval)."""
    if not minval < maxval:
        raise ValueError(f"random.randint: minval must be below maxval, got {minval}, {maxval}")
    kind = np.dtype(dtype)
    if kind.kind not in "iu":
        raise ValueError(f"random.randint: dtype must be an integer type, got {kind.name}")
    rng = _generator(seed, "randint")
    return _constant(rng.integers(minval, maxval, _shape(shape, "randint")).astype(kind))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """x with its entries along `axis` in a random order (the gradient follows them)."""
    (tx,) = lift((x,))
    if not -tx.ndim <= axis < tx.ndim:
        raise ValueError(f"random.shuffle: axis {axis} is out of range for shape {tx.shape}")
    order = _generator(seed, "shuffle").permutation(tx.shape[axis])
    index = (slice(None),) * (axis % tx.ndim) + (order,)
    return shape_ops.getitem(tx, index)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """inputs with a fraction `rate` of entries zeroed and the rest scaled by 1 / (1 - rate);
    `noise_shape` (None for the inputs' own sizes) shares one draw along its axes of 1."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"random.dropout: rate must be a number in [0, 1), got {rate!r}")
    (tx,) = lift((inputs,))
    sizes = (
        tx.shape
        if noise_shape is None
        else tuple(n if d is None else int(d) for d, n in zip(noise_shape, tx.shape))
    )
    keep = _generator(seed, "dropout").random(sizes) >= rate
    scale = (keep / (1.0 - rate)).astype(tx.dtype)
    return elementwise.multiply(tx, _constant(scale))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """For each row of (batch, classes) logits, `num_samples` class indices drawn with the
    probabilities softmax(logits): (batch, num_samples)."""
    (tl,) = lift((logits,))
    if tl.ndim != 2:
        raise ValueError(
            f"random.categorical: expected logits of shape (batch, classes), got {tl.shape}"
        )
    probs = nn.softmax(tl.detach(), axis=-1).data.astype(np.float64)
    cumulative = np.cumsum(probs, axis=-1)
    draws = _generator(seed, "categorical").random((tl.shape[0], int(num_samples)))
    picks = (draws[:, :, None] >= cumulative[:, None, :]).sum(axis=-1)
    return _constant(np.minimum(picks, tl.shape[1] - 1).astype(dtype))
