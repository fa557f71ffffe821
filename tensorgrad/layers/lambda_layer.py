"""Lambda: a layer that calls a Python function on its input, as Keras' Lambda does.

The output shape comes from `output_shape` when given, else from running the function on
a small batch of zeros, so a Lambda works in Sequential models and on `keras.Input`s.

Saving keeps the function's name, never its code. Keras stores a lambda's bytecode and
refuses to load it unless `safe_mode=False`; a tensorgrad file holds no code at all, so a
lambda cannot be loaded back, and a named function is found again only in the
`custom_objects` given to the loader.

>>> import numpy as np
>>> from tensorgrad import layers
>>> layers.Lambda(lambda x: x * 2)(np.array([[1.0, 2.0]]))
tensor([[2., 4.]])
>>> layers.Lambda(lambda x: x[:, :1]).compute_output_shape((None, 5))
(None, 1)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from tensorgrad.layers.base import Layer
from tensorgrad.saving import custom_roles

LAMBDA = "__lambda__"
"""The class_name under which a config records a Python lambda (Keras' name for it)."""


def _function_config(fn: Callable[..., Any]) -> dict[str, Any]:
    """{"class_name": "function", "config": {"name": ...}}; a lambda (or anything without a
    name to find it by) as {"class_name": "__lambda__"}, with no code."""
    name = getattr(fn, "__name__", None)
    if not name or name == "<lambda>" or not inspect.isroutine(fn):
        return {"class_name": LAMBDA, "config": {}}
    return {"class_name": "function", "config": {"name": name}}


class Lambda(Layer):
    """Calls `function(inputs, **arguments)`: arbitrary tensor code as a layer.

    Args:
        function: a function of the input (a tensor, or a list of them); it is also given
            `mask=` and `training=` when it has parameters of those names.
        output_shape: the output shape without the batch axis, e.g. (10,), or a function
            of the input shape (batch axis included); by default it is found by running
            `function` on a small batch of zeros.
        mask: None (the output has no mask) or a function `mask(inputs, mask)` giving it.
        arguments: keyword arguments passed to `function` on every call.

    Raises:
        TypeError: a function, output_shape, mask or arguments of the wrong kind.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        output_shape: Any = None,
        mask: Callable[..., Any] | None = None,
        arguments: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        if output_shape is not None and not callable(output_shape):
            try:
                output_shape = _sample_shapes(output_shape)
            except TypeError:
                raise TypeError(
                    f"Lambda: output_shape must be None, a shape without the batch axis such "
                    f"as (10,), or a function of the input shape, got {output_shape!r}"
                ) from None
        if mask is not None and not callable(mask):
            raise TypeError(
                f"Lambda: mask must be None or a function mask(inputs, mask), got {mask!r}"
            )
        if arguments is not None and not isinstance(arguments, Mapping):
            raise TypeError(
                f"Lambda: arguments must be a dict of keyword arguments, got {arguments!r}"
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        self._fn_expects_mask_arg = "mask" in parameters
        self._fn_expects_training_arg = "training" in parameters

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self.mask(inputs, mask) if self.mask is not None else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        if self._output_shape is not None:
            batch = _leaves(input_shape)[0][0]
            return _with_batch(self._output_shape, batch)
        try:
            return super().compute_output_shape(input_shape)
        except NotImplementedError:
            raise
        except Exception as e:
            raise NotImplementedError(
                f'Lambda layer "{self.name}": could not infer its output shape by running the '
                f"function on zeros of shape {input_shape} ({type(e).__name__}: {e}); give "
                f"output_shape=... (the shape without the batch axis)"
            ) from e

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {**super().get_config()}
        config["function"] = _function_config(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (
                _function_config(self._output_shape)
                if callable(self._output_shape)
                else _as_lists(self._output_shape)
            )
        if self.mask is not None:
            config["mask"] = _function_config(self.mask)
        config["arguments"] = dict(self.arguments)
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: Mapping[str, Any] | None = None
    ) -> Lambda:
        """A Lambda from `get_config()`'s output; functions come from `custom_objects`.

        Raises:
            ValueError: the config records a Python lambda (which a file cannot hold), or
                names a function that `custom_objects` does not give.
        """
        config = dict(config)
        layer = config.get("name", "lambda")
        custom = dict(custom_objects or {})
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict):
                config[key] = _resolve(value, key, layer, custom)
            elif key == "output_shape" and isinstance(value, list):
                config[key] = _sample_shapes(value)
        return cls(**config)


def _resolve(spec: dict[str, Any], key: str, layer: str, custom: Mapping[str, Any]) -> Any:
    if callable(spec):
        return spec
    kind = spec.get("class_name")
    if kind == LAMBDA:
        raise ValueError(
            f'Lambda layer "{layer}": its {key} is a Python lambda, and a tensorgrad file never '
            "holds code to run (Keras stores the lambda's bytecode and loads it only with "
            "safe_mode=False). Write the function with def and pass it when loading, "
            "custom_objects={'my_function': my_function}, or rebuild the model in code and "
            "load its weights with model.load_weights"
        )
    name = (spec.get("config") or {}).get("name")
    if kind != "function" or not isinstance(name, str):
        raise ValueError(
            f'Lambda layer "{layer}": expected its {key} as {{"class_name": "function", '
            f'"config": {{"name": ...}}}}, got {spec!r}'
        )
    found = custom.get(name)
    if found is None:
        raise ValueError(
            f'Lambda layer "{layer}": its {key} is your function {name!r}; pass it with '
            f"custom_objects={{{name!r}: {name}}}"
        )
    if not custom_roles.fits("lambda_function", found):
        raise ValueError(
            f'Lambda layer "{layer}": custom_objects gives {name!r} as '
            f"{custom_roles.describe(found)}, not {custom_roles.ROLES['lambda_function']}"
        )
    return found


def _is_sample_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in value
    )


def _sample_shapes(value: Any) -> Any:
    """A shape (or a list of shapes) as tuples; TypeError for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if _is_sample_shape(value):
        return tuple(value)
    if isinstance(value, (list, tuple)) and value and all(_is_sample_shape(v) for v in value):
        return [tuple(v) for v in value]
    raise TypeError(f"not a shape: {value!r}")


def _with_batch(shapes: Any, batch: Any) -> Any:
    if isinstance(shapes, tuple):
        return (batch, *shapes)
    return [(batch, *s) for s in shapes]


def _as_lists(shapes: Any) -> Any:
    return list(shapes) if isinstance(shapes, tuple) else [list(s) for s in shapes]


def _leaves(shapes: Any) -> Any:
    """Input shapes as a list of shape tuples (one input or several)."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return [shapes]
    if isinstance(shapes, dict):
        return [s for v in shapes.values() for s in _leaves(v)]
    return [s for v in shapes for s in _leaves(v)]
