"""Weight initializers with Keras' names, formulas and defaults.

An initializer is called with a shape (and optionally a dtype) and returns a NumPy array.
Random ones draw from the library's generator (`tensorgrad.utils.set_random_seed`), or,
given `seed=`, from a generator of their own that repeats the same values on every call.

Variance scaling (Glorot, He, LeCun) follows Keras: "normal" means a normal TRUNCATED at
two standard deviations, rescaled (divided by 0.8796) so that the kept values still have
the intended standard deviation sqrt(scale / n).

>>> from tensorgrad import initializers
>>> initializers.get("zeros")((2, 3))
array([[0., 0., 0.],
       [0., 0., 0.]], dtype=float32)
>>> w = initializers.GlorotUniform(seed=0)((784, 512))
>>> bool(abs(w).max() <= (6 / (784 + 512)) ** 0.5)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.backend import default_float
from tensorgrad.utils.registry import get as _registry_get
from tensorgrad.utils.registry import register

INITIALIZERS: dict[str, Any] = {}

# Standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes the
# truncated draws have the standard deviation asked for (Keras' constant).
_TRUNCATED_STDDEV = 0.87962566103423978


class Initializer:
    """Base class: `initializer(shape, dtype=None) -> np.ndarray`."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-friendly."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _dtype(dtype: Any) -> np.dtype:
    return default_float() if dtype is None else np.dtype(dtype)


def _shape(shape: Sequence[int]) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
        raise ValueError(f"initializer: shape must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


@register(INITIALIZERS, "zero")
class Zeros(Initializer):
    """All zeros (Keras' default for biases)."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        return np.zeros(_shape(shape), _dtype(dtype))


@register(INITIALIZERS, "one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        return np.ones(_shape(shape), _dtype(dtype))


@register(INITIALIZERS)
class Constant(Initializer):
    """Every value equal to `value`."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        return np.full(_shape(shape), self.value, _dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomInitializer(Initializer):
    """Base of the random initializers: where the random numbers come from."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(
                f"{type(self).__name__}: seed must be an integer or None, got {seed!r}"
            )
        self.seed = seed

    def _generator(self) -> np.random.Generator:
        # A seeded initializer gives the same values at every call, as in Keras.
        return random.generator() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


@register(INITIALIZERS, "normal")
class RandomNormal(RandomInitializer):
    """Normal samples with `mean` and `stddev` (Keras defaults 0 and 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        values = self._generator().normal(self.mean, self.stddev, _shape(shape))
        return values.astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@register(INITIALIZERS, "uniform")
class RandomUniform(RandomInitializer):
    """Uniform samples in [minval, maxval) (Keras defaults -0.05 and 0.05)."""

    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        values = self._generator().uniform(self.minval, self.maxval, _shape(shape))
        return values.astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


@register(INITIALIZERS)
class TruncatedNormal(RandomInitializer):
    """Normal samples with values beyond two standard deviations redrawn (defaults 0, 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        values = random.truncated_normal(self._generator(), _shape(shape), self.mean, self.stddev)
        return values.astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape; for kernels (..., in, out) the receptive field counts.

    >>> compute_fans((784, 512))
    (784, 512)
    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


@register(INITIALIZERS)
class VarianceScaling(RandomInitializer):
    """Samples with variance `scale / n`, n being fan_in, fan_out or their mean (`mode`).

    Args:
        scale: positive factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal" (also "normal"), "untruncated_normal" or "uniform";
            uniform samples lie in [-limit, limit] with limit = sqrt(3 * scale / n).
        seed: an integer for values that repeat, or None for the library's generator.
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}"
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' "
                f"or 'uniform', got {distribution!r}"
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            values = random.truncated_normal(rng, shape, 0.0, stddev)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **super().get_config(),
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments: only `seed` is configurable."""

    preset: dict[str, Any] = {}

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=seed, **self.preset)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


@register(INITIALIZERS)
class GlorotUniform(_Preset):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Keras' default kernel)."""

    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


@register(INITIALIZERS)
class GlorotNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    preset = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


@register(INITIALIZERS)
class HeNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / fan_in) (suits relu layers)."""

    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


@register(INITIALIZERS)
class HeUniform(_Preset):
    """Uniform in [-limit, limit], limit = sqrt(6 / fan_in)."""

    preset = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


@register(INITIALIZERS)
class LecunNormal(_Preset):
    """Truncated normal with stddev sqrt(1 / fan_in)."""

    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


@register(INITIALIZERS)
class LecunUniform(_Preset):
    """Uniform in [-limit, limit], limit = sqrt(3 / fan_in)."""

    preset = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


@register(INITIALIZERS)
class Orthogonal(RandomInitializer):
    """An orthogonal matrix (from the QR decomposition of normal samples), times `gain`."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> np.ndarray:
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of at least 2 axes, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._generator().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))  # make the decomposition unique, hence uniformly distributed
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, **super().get_config()}


def get(identifier: Any) -> Any:
    """The initializer named by `identifier` ("glorot_uniform", a config dict, an instance).

    A plain function `f(shape, dtype=None)` is returned as is.

    Raises:
        ValueError: unknown name (the message lists the known ones).
    """
    if identifier is None:
        raise ValueError("initializer: expected a name such as 'glorot_uniform', got None")
    found = _registry_get("initializer", identifier, INITIALIZERS)
    if not callable(found):
        raise TypeError(
            f"initializer: expected a name, a config dict or a callable, got {identifier!r}"
        )
    return found


def serialize(initializer: Any) -> Any:
    """{"class_name": ..., "config": ...} for an Initializer; a plain function is kept as is."""
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return initializer
