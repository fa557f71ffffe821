"""Checks shared by the layer tests: Keras pairs with the same weights, config round
trips, the shapes a summary prints, and save/load of a model holding the layer."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tensorgrad import layers, models, saving
from tests.layers.keras_reference import assert_same, keras, run_keras, run_ours


@contextlib.contextmanager
def float64_promotion() -> Iterator[None]:
    """Keras 3.15 promotes float64 with float32 to float32 (jax's rule without x64), so
    ops that compute "in at least float32" (layer_normalization) drop float64 inputs to
    float32. Within this block float64 wins, as NumPy and torch promote."""
    keras()
    from keras.src import backend

    original = backend.result_type

    def result_type(*dtypes: Any) -> Any:
        if any(backend.standardize_dtype(d) == "float64" for d in dtypes if d is not None):
            return "float64"
        return original(*dtypes)

    backend.result_type = result_type
    try:
        yield
    finally:
        backend.result_type = original


def keras_pair(name: str, *args: Any, build: tuple[Any, ...] | None = None, **kwargs: Any):
    """(ours, theirs): the layer `name` from both libraries in float64, same weights."""
    k = keras()
    theirs = getattr(k.layers, name)(*args, dtype="float64", **kwargs)
    ours = getattr(layers, name)(*args, dtype="float64", **kwargs)
    if build is not None:
        theirs.build(build)
        ours.build(build)
        rng = np.random.default_rng(3)
        values = [rng.uniform(0.5, 1.5, tuple(w.shape)) for w in theirs.weights]
        for w, v in zip(theirs.weights, values):
            w.assign(v)
        ours.set_weights(values)
    return ours, theirs


def agrees_with_keras(
    name: str, x: np.ndarray, *args: Any, tol: float = 1e-9, **kwargs: Any
) -> tuple:
    """Outputs and gradients (input and weights) of layer `name` agree with Keras'."""
    ours, theirs = keras_pair(name, *args, build=x.shape, **kwargs)
    with float64_promotion():
        a, b = run_ours(ours, x), run_keras(theirs, x)
    assert_same(a, b, tol)
    return ours, theirs


def round_trips(layer: layers.Layer) -> layers.Layer:
    """The layer made again from its config (through serialize/deserialize) has that config."""
    config = layer.get_config()
    again = layers.deserialize(layers.serialize(layer))
    assert type(again) is type(layer)
    assert again.get_config() == config
    return again


def keras_config_keys(name: str, *args: Any, **kwargs: Any) -> None:
    """Our config holds every key of Keras' (its base keys aside) with the same values."""
    k = keras()
    theirs = getattr(k.layers, name)(*args, **kwargs).get_config()
    ours = getattr(layers, name)(*args, **kwargs).get_config()
    for key in set(theirs) - {"name", "dtype", "trainable"}:
        assert key in ours, f"{name}: config lacks {key!r}"
        value, expected = _as_json(ours[key]), _as_json(theirs[key])
        if isinstance(expected, dict):  # an initializer: compare the class name
            assert value == expected.get("class_name", expected) or (
                isinstance(value, dict) and value.get("class_name") == expected["class_name"]
            ), f"{name}: {key} {value!r} != {expected!r}"
        else:
            assert value == expected, f"{name}: {key} {value!r} != {expected!r}"


def _as_json(value: Any) -> Any:
    """The value as a saved file holds it (tuples become lists)."""
    return json.loads(json.dumps(value))


def summary_lines(model: models.Model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def saved_and_loaded(model: models.Model, folder: Path, x: np.ndarray, **load: Any) -> Any:
    """The model saved and loaded again predicts exactly what it did."""
    path = folder / "model.tensorgrad"
    model.save(path)
    loaded = saving.load_model(path, **load)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    return loaded
