"""Saving and loading models: architecture, weights, compile settings and optimizer state.

A `.tensorgrad` file holds `config.json` (format version, library version, every layer's
class and constructor arguments, the compile settings) and the arrays as `.npy` members:
the weights and, unless left out, the optimizer's state, so training resumes exactly. A
`.weights.npz` file holds the weights alone, in the same layout.

This module maps models to and from that content; `tensorgrad.saving.archive` stores it
and reads it back with every safety check (never pickle, nothing extracted, atomic
writes). Layers are rebuilt only from the library's classes or those passed in
`custom_objects`, so opening a file never runs code named by it.

>>> import tempfile, numpy as np
>>> from tensorgrad import layers, models
>>> model = models.Sequential([layers.Dense(2, input_shape=(3,))])
>>> model.compile(optimizer="adam", loss="mse")
>>> with tempfile.TemporaryDirectory() as folder:
...     save_model(model, folder + "/model.tensorgrad")
...     loaded = load_model(folder + "/model.tensorgrad")
>>> x = np.ones((1, 3))
>>> bool((loaded.predict(x) == model.predict(x)).all()), type(loaded.optimizer).__name__
(True, 'Adam')
"""

from __future__ import annotations

import inspect
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tensorgrad.layers import weight_budget
from tensorgrad.saving import config_checks, custom_roles
from tensorgrad.saving.archive import (
    CONFIG_MEMBER,
    FORMAT_VERSION,
    MAX_CONFIG_BYTES,
    MODEL_FORMAT,
    WEIGHTS_FORMAT,
    ArchiveReader,
    SavingError,
    header,
    write_archive,
)

if TYPE_CHECKING:
    from tensorgrad.models.model import Model

__all__ = [
    "CONFIG_MEMBER",
    "FORMAT_VERSION",
    "MAX_CONFIG_BYTES",
    "MODEL_SUFFIX",
    "WEIGHTS_SUFFIX",
    "ArchiveReader",
    "SavingError",
    "assign_weights",
    "deserialize_model",
    "layer_classes",
    "load_model",
    "load_training_state",
    "load_weights",
    "restore_optimizer",
    "save_model",
    "save_training_state",
    "save_weights",
    "serialize_model",
    "write_archive",
]

MODEL_SUFFIX = ".tensorgrad"
WEIGHTS_SUFFIX = ".weights.npz"


# ----- public API -----
def save_model(
    model: Model,
    filepath: str | os.PathLike[str],
    overwrite: bool = True,
    include_optimizer: bool = True,
) -> None:
    """Save architecture, weights, compile settings and optimizer state in one archive.

    Args:
        model: the model to save (built, so that it has weights).
        filepath: a path ending in `.tensorgrad`.
        overwrite: replace an existing file; if False, an existing file is an error.
        include_optimizer: also store the optimizer's step count and slots, so that
            training continues exactly where it stopped.

    Raises:
        ValueError: a path with another extension, or a layer config that is not JSON.
        TypeError: a model other than Sequential (save its weights instead).
        FileExistsError: the file exists and `overwrite` is False.
    """
    path = _target(filepath, MODEL_SUFFIX, "save_model", overwrite, "save_weights")
    config = header(MODEL_FORMAT)
    config["model"] = serialize_model(model)
    config["compile"] = _compile_config(model)
    arrays: dict[str, np.ndarray] = {}
    config["weights"] = _weights_manifest(model, arrays)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        config["optimizer_state"] = _optimizer_manifest(model, arrays)
    write_archive(path, config, arrays, "save_model")


def load_model(
    filepath: str | os.PathLike[str],
    custom_objects: Mapping[str, Any] | None = None,
    compile: bool = True,
    strict: bool = False,
    safe_mode: bool = True,
) -> Model:
    """Rebuild a model saved by `save_model`: same layers, weights and predictions.

    Args:
        filepath: a `.tensorgrad` file.
        custom_objects: your own layer classes, loss functions or optimizers by the name
            they were saved under ({"MyLayer": MyLayer}); only these and the library's own
            classes are ever instantiated.
        compile: compile the model with the saved optimizer (and its state), loss and
            metrics. With False the model is returned uncompiled.
        strict: refuse weights that are NaN, infinite or beyond the weight's float type;
            by default they load with a RuntimeWarning naming each such weight.
        safe_mode: Keras' switch for loading a Lambda's saved code. A tensorgrad file never
            holds code, so nothing changes with False: a Lambda's function comes from
            `custom_objects` either way, and a Python lambda cannot be loaded back.

    The whole config, and the size of every weight it declares against the archive, is
    checked before anything is built (see `config_checks`), and the model is built under
    a ceiling of the weights the archive holds.

    Raises:
        SavingError: the file is not a valid tensorgrad model archive; the message says why.
    """
    path = Path(filepath)
    if not path.name.endswith(MODEL_SUFFIX):
        hint = (
            " (use model.load_weights for weights files)"
            if path.name.endswith(WEIGHTS_SUFFIX)
            else ""
        )
        raise SavingError(
            f"load_model: {str(path)!r}: expected a file ending in {MODEL_SUFFIX}{hint}"
        )
    with ArchiveReader(path, "load_model") as archive:
        config = archive.read_config(MODEL_FORMAT)
        budget = config_checks.check_model_file(config, archive, custom_objects, compile)
        with weight_budget.limited(
            budget, lambda name, shape: _too_big(archive, budget, name, shape)
        ):
            model = archive.guard(
                "model config", lambda: deserialize_model(config.get("model"), custom_objects)
            )
        assign_weights(model, config.get("weights"), archive, strict)
        if compile and config.get("compile") is not None:
            archive.guard(
                "compile config",
                lambda: _compile_from_config(model, config["compile"], custom_objects),
            )
            state = config.get("optimizer_state")
            if state is not None:
                restore_optimizer(model, state, archive)
    return model


def save_weights(model: Model, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
    """Save the model's weights alone to a `.weights.npz` archive.

    Raises:
        ValueError: a path with another extension.
        FileExistsError: the file exists and `overwrite` is False.
    """
    path = _target(filepath, WEIGHTS_SUFFIX, "save_weights", overwrite, "save")
    config = header(WEIGHTS_FORMAT)
    arrays: dict[str, np.ndarray] = {}
    config["weights"] = _weights_manifest(model, arrays)
    write_archive(path, config, arrays, "save_weights")


def load_weights(model: Model, filepath: str | os.PathLike[str], strict: bool = False) -> None:
    """Load weights saved by `save_weights` (or from a `.tensorgrad` file) into `model`.

    Weights are matched layer by layer, in order, among the layers that have weights; the
    layers' names may differ, their classes, weight counts and shapes may not. Values that
    are NaN, infinite or beyond the weight's float type load with a RuntimeWarning naming
    the weight, or are refused with `strict=True`.

    Raises:
        SavingError: an invalid file, or weights that do not fit the model (the message
            names the layer, the weight, the expected and the found shape).
    """
    path = Path(filepath)
    if not path.name.endswith((WEIGHTS_SUFFIX, MODEL_SUFFIX)):
        raise SavingError(
            f"load_weights: {str(path)!r}: expected a file ending in {WEIGHTS_SUFFIX} "
            f"(or {MODEL_SUFFIX})"
        )
    with ArchiveReader(path, "load_weights") as archive:
        config = archive.read_config(WEIGHTS_FORMAT, MODEL_FORMAT)
        config_checks.check_weights(config.get("weights"), archive)
        assign_weights(model, config.get("weights"), archive, strict)


# ----- training state (for resuming after an interruption) -----
def save_training_state(
    model: Model, filepath: str | os.PathLike[str], state: Mapping[str, Any]
) -> None:
    """Write weights, optimizer state and the JSON-able `state` to one archive, atomically.

    One file rather than several, so that weights and the epoch they belong to can never
    disagree after a crash.
    """
    config = header(WEIGHTS_FORMAT)
    arrays: dict[str, np.ndarray] = {}
    config["weights"] = _weights_manifest(model, arrays)
    if getattr(model, "optimizer", None) is not None:
        config["optimizer_state"] = _optimizer_manifest(model, arrays)
    config["training_state"] = dict(state)
    write_archive(Path(filepath), config, arrays, "backup")


def load_training_state(
    model: Model,
    filepath: str | os.PathLike[str],
    check: Any = None,
) -> dict[str, Any]:
    """Restore weights and optimizer state written by `save_training_state`; return `state`.

    All or nothing: the whole file, and `check(state)` if given (which raises to refuse
    it), is verified before the model or its optimizer changes at all.
    """
    with ArchiveReader(Path(filepath), "restore") as archive:
        config = archive.read_config(WEIGHTS_FORMAT)
        state = config.get("training_state")
        if not isinstance(state, dict):
            raise archive.error("holds no training state")
        config_checks.check_weights(config.get("weights"), archive)
        optimizer_state = config.get("optimizer_state")
        if optimizer_state is not None:
            if getattr(model, "optimizer", None) is None:
                raise archive.error("holds optimizer state but the model is not compiled")
            config_checks.check_optimizer_state(optimizer_state, archive)
        if check is not None:
            check(state)
        loaded = _read_weights(model, config.get("weights"), archive, strict=False)
        if optimizer_state is not None:
            restore_optimizer(model, optimizer_state, archive)  # checks all before changing any
        _copy_weights(loaded)
    return state


def _too_big(archive: ArchiveReader, budget: int, name: str, shape: tuple[int, ...]) -> Exception:
    return archive.error(
        f"has a model config that builds more weights than the archive holds: weight "
        f"{name!r} of shape {shape} goes past the {budget - config_checks.BUILD_SLACK} numbers "
        "in its weights list"
    )


# ----- weights -----
def _weighted_layers(model: Model) -> list[Any]:
    return [layer for layer in model.layers if layer.weights]


def _weights_manifest(model: Model, arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Describe each layer with weights and add its arrays to `arrays` under member paths."""
    manifest = []
    for i, layer in enumerate(_weighted_layers(model)):
        entries = []
        for j, weight in enumerate(layer.weights):
            path = f"weights/{i}/{j}.npy"
            arrays[path] = weight.data
            entries.append(
                {
                    "name": _weight_name(weight, j),
                    "path": path,
                    "shape": list(weight.shape),
                    "dtype": str(weight.dtype),
                }
            )
        manifest.append(
            {"layer": layer.name, "class_name": type(layer).__name__, "weights": entries}
        )
    return manifest


def assign_weights(
    model: Model, manifest: Any, archive: ArchiveReader, strict: bool = False
) -> None:
    """Read every weight the manifest lists, check it fits `model`, then copy them all in.

    Nothing is changed unless every array fits, so a failed load leaves the model as it was.
    """
    _copy_weights(_read_weights(model, manifest, archive, strict))


def _read_weights(
    model: Model, manifest: Any, archive: ArchiveReader, strict: bool
) -> list[tuple[Any, np.ndarray]]:
    """Every weight of `model` with the array the archive holds for it, checked to fit."""
    layers = _weighted_layers(model)
    if not isinstance(manifest, list) or not all(isinstance(e, dict) for e in manifest):
        raise archive.error("has no valid weights list in its config")
    if len(manifest) != len(layers):
        raise archive.error(
            f"holds weights for {len(manifest)} layers "
            f"({', '.join(str(e.get('layer')) for e in manifest) or 'none'}) but the model has "
            f"{len(layers)} layers with weights ({', '.join(lr.name for lr in layers) or 'none'})"
            + (
                "; the model is not built yet: give its first layer input_shape=... or call "
                "model.build((None, ...)) first"
                if not getattr(model, "built", True)
                else ""
            )
        )
    loaded = []
    for layer, entry in zip(layers, manifest):
        saved = entry.get("weights")
        label = f"layer {layer.name!r} ({type(layer).__name__}, saved as {entry.get('layer')!r})"
        if entry.get("class_name") != type(layer).__name__:
            raise archive.error(f"holds weights of a {entry.get('class_name')} layer for {label}")
        if not isinstance(saved, list) or len(saved) != len(layer.weights):
            count = len(saved) if isinstance(saved, list) else 0
            raise archive.error(
                f"holds {count} weights for {label}, which has {len(layer.weights)}"
            )
        for j, (weight, item) in enumerate(zip(layer.weights, saved)):
            what = f"weight {_weight_name(weight, j)!r} of {label}"
            if not isinstance(item, dict):
                raise archive.error(f"has an invalid entry for {what}")
            array = archive.read_array(item.get("path"), weight.shape, what)
            _check_values(array, weight, what, archive, strict)
            loaded.append((weight, array))
    return loaded


def _copy_weights(loaded: Sequence[tuple[Any, np.ndarray]]) -> None:
    with np.errstate(over="ignore"):  # values beyond float32 were warned about when read
        for weight, array in loaded:
            np.copyto(weight.data, array, casting="same_kind")  # in place: optimizers hold .data


def _check_values(
    array: np.ndarray, weight: Any, what: str, archive: ArchiveReader, strict: bool
) -> None:
    """Warn (refuse if strict) about values a model cannot use: NaN, inf, or beyond the
    weight's float type (float64 1e39 becomes inf in a float32 weight)."""
    target = np.dtype(weight.dtype)
    if array.dtype.kind != "f" or target.kind != "f" or array.size == 0:
        return
    low, high = array.min(), array.max()  # NaN propagates: one pass each, no temporaries
    largest = np.finfo(target).max
    if np.isfinite(low) and np.isfinite(high) and -largest <= low and high <= largest:
        return
    with np.errstate(invalid="ignore"):
        bad = int(np.count_nonzero(~(np.abs(array) <= largest)))
    problem = (
        f"holds {what} with {bad} value{' that is' if bad == 1 else 's that are'} NaN, "
        f"infinite or beyond the range of {target}"
    )
    if strict:
        raise archive.error(problem + " (strict=True refuses them)")
    warnings.warn(str(archive.error(problem)), RuntimeWarning, stacklevel=4)


def _weight_name(weight: Any, index: int) -> str:
    name = getattr(weight, "name", None)
    return str(name) if name else f"weight_{index}"


# ----- optimizer state -----
def _optimizer_manifest(model: Model, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    state = model.optimizer.get_state(model.trainable_weights)
    slots = []
    for i, slot_list in enumerate(state["slots"]):
        paths = []
        for j, slot in enumerate(slot_list):
            path = f"optimizer/{i}/{j}.npy"
            arrays[path] = slot
            paths.append(path)
        slots.append(paths)
    return {"iterations": int(state["iterations"]), "slots": slots}


def restore_optimizer(model: Model, manifest: Any, archive: ArchiveReader) -> None:
    """Give `model.optimizer` the step count and slots listed in `manifest`."""
    variables = list(model.trainable_weights)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("slots"), list):
        raise archive.error("has an invalid optimizer state in its config")
    iterations = manifest.get("iterations")
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 0:
        raise archive.error(f"has an invalid optimizer step count {iterations!r}")
    paths = manifest["slots"]
    if len(paths) != len(variables):
        raise archive.error(
            f"holds optimizer slots for {len(paths)} variables, the model has {len(variables)}"
        )
    slots = []
    for variable, slot_paths in zip(variables, paths):
        if not isinstance(slot_paths, list):
            raise archive.error("has an invalid optimizer slot list")
        what = f"an optimizer slot of {_weight_name(variable, 0)!r}"
        slots.append([archive.read_array(p, variable.shape, what) for p in slot_paths])
    archive.guard(
        "optimizer state",
        lambda: model.optimizer.set_state({"iterations": iterations, "slots": slots}, variables),
    )


# ----- architecture and compile settings -----
def layer_classes() -> dict[str, type]:
    """The layer and model classes a file may name: the library's own public classes.

    Subclasses defined elsewhere (your own layers) are not included: pass them to
    `load_model` in `custom_objects`.
    """
    from tensorgrad.layers.base import Layer

    found: dict[str, type] = {}
    stack = list(Layer.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if (
            cls.__module__.startswith("tensorgrad.")
            and not cls.__name__.startswith("_")
            and cls.__name__ != "Model"
        ):
            found[cls.__name__] = cls
    return found


def serialize_model(model: Model) -> dict[str, Any]:
    """{"class_name": "Sequential" or "Functional", "config": {...}}: the architecture."""
    name = type(model).__name__
    if name not in ("Sequential", "Functional") or layer_classes().get(name) is not type(model):
        raise TypeError(
            f"save_model: only Sequential and functional models can be saved with their "
            f"architecture, got {name} (a model written as a subclass has no config to rebuild "
            f"it from); save its weights with model.save_weights and make the model in code"
        )
    config = dict(model.get_config())
    if name == "Sequential":
        try:
            shape = model.input_shape
        except AttributeError:  # not built: there are no weights to save either
            shape = None
        config["build_input_shape"] = None if shape is None else list(shape)
    _check_json("save_model", config)
    return {"class_name": name, "config": config}


def deserialize_model(spec: Any, custom_objects: Mapping[str, Any] | None = None) -> Model:
    """Rebuild (and build) a model from `serialize_model`'s output, using only known classes:
    the library's and those in `custom_objects`. Nested models are rebuilt the same way."""
    custom = dict(custom_objects or {})
    known = {**layer_classes(), **custom_roles.only(custom, "layer")}

    def make(item: Any) -> Any:
        if not isinstance(item, dict) or not isinstance(item.get("config"), dict):
            raise TypeError(f"invalid layer description {item!r}")
        cls = known.get(item.get("class_name"))
        if cls is None:
            raise ValueError(
                f"unknown layer class {item.get('class_name')!r}; known layers: "
                f"{', '.join(sorted(known))}. Pass your own classes with "
                "custom_objects={'Name': Class}"
            )
        config = _with_custom(item["config"], custom)
        parameters = inspect.signature(cls.from_config).parameters
        if "deserialize_layer" in parameters:
            return cls.from_config(config, deserialize_layer=make)  # a model of layers
        if "custom_objects" in parameters:  # a Lambda: its functions, by name
            return cls.from_config(config, custom_objects=custom)
        return cls.from_config(config)

    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise TypeError("it holds no model description")
    if spec.get("class_name") not in ("Sequential", "Functional") and spec.get(
        "class_name"
    ) not in custom_roles.only(custom, "model"):
        raise ValueError(
            f"unknown model class {spec.get('class_name')!r}; pass it in custom_objects"
        )
    config = dict(spec["config"])
    shape = config.pop("build_input_shape", None)
    model = make({"class_name": spec["class_name"], "config": config})
    if not model.built and shape is not None:
        if not isinstance(shape, list) or not all(d is None or isinstance(d, int) for d in shape):
            raise ValueError(f"invalid build_input_shape {shape!r}")
        model.build(tuple(shape))
    return model


def _with_custom(config: dict[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """The config with names of custom objects replaced by the objects, where the key takes
    one (an activation, an initializer, a regularizer, a constraint) and the object fits
    that role; a regularizer or constraint class of yours, saved as its class name and
    config, is made again from them."""
    return {k: _custom_value(k, v, custom) for k, v in config.items()}


def _custom_value(key: str, value: Any, custom: Mapping[str, Any]) -> Any:
    role = custom_roles.role_of_key(key)
    if role is None:
        return value
    if role in ("regularizer", "constraint") and isinstance(value, dict):
        cls = custom.get(value.get("class_name"))
        if isinstance(cls, type) and custom_roles.fits(role, cls):
            return cls.from_config(dict(value.get("config") or {}))
        return value
    if role in ("regularizer", "constraint") and isinstance(value, str) and value not in custom:
        _known_or_custom(role, key, value)
    if not isinstance(value, str) or value not in custom:
        return value
    return custom[value] if custom_roles.fits(role, custom[value]) else value


def _known_or_custom(role: str, key: str, name: str) -> None:
    """A regularizer or constraint saved by name is the library's or yours: say how to give
    yours when the name is not the library's."""
    from tensorgrad import constraints, regularizers

    module = regularizers if role == "regularizer" else constraints
    try:
        module.get(name)
    except ValueError:
        raise ValueError(
            f"the {key} {name!r} is not a known {role}; if it is your function or class, pass "
            f"it with custom_objects={{{name!r}: {name}}}"
        ) from None


def _compile_config(model: Model) -> dict[str, Any] | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    args = getattr(model, "_compile_args", {}) or {}
    config = {
        "optimizer": {"class_name": type(optimizer).__name__, "config": optimizer.get_config()},
        "loss": _map_leaves(getattr(model, "loss", None), _loss_config),
        "loss_weights": args.get("loss_weights"),
        "metrics": _map_leaves(args.get("metrics"), _metric_config),
        "weighted_metrics": _map_leaves(args.get("weighted_metrics"), _metric_config),
    }
    if isinstance(config["metrics"], dict) and "class_name" in config["metrics"]:
        config["metrics"] = [config["metrics"]]
    _check_json("save_model", config)
    return config


def _map_leaves(spec: Any, fn: Any) -> Any:
    """A loss or metrics spec (one, a list, a dict by output name) with each entry saved."""
    if spec is None:
        return None
    if isinstance(spec, Mapping) and "class_name" not in spec:
        return {k: _map_leaves(v, fn) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_map_leaves(v, fn) for v in spec]
    return fn(spec)


def _loss_config(loss: Any) -> Any:
    from tensorgrad import losses

    if isinstance(loss, str):
        return loss
    if not isinstance(loss, losses.Loss):
        loss = losses.get(loss)
    function = getattr(loss, "function", None)
    if function is not None:  # a wrapped function of yours: saved by name, found via custom_objects
        return {"class_name": "function", "config": {"name": function.__name__}}
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def _metric_config(metric: Any) -> Any:
    """The metric's name when the name alone makes it again, else its class and config."""
    from tensorgrad import metrics

    if isinstance(metric, str):
        return metric
    if isinstance(metric, Mapping):
        return dict(metric)
    if not isinstance(metric, metrics.Metric):
        return {"class_name": "function", "config": {"name": getattr(metric, "__name__", "?")}}
    if metric.name.lower() in ("accuracy", "acc"):
        return metric.name  # resolved again from the loss and data shapes, as at compile
    if isinstance(metric, metrics.MeanMetricWrapper):  # the user's function, by its name
        return {"class_name": "function", "config": {"name": metric.name}}
    try:
        again = metrics.get(metric.name)
    except ValueError:
        again = None
    if type(again) is type(metric) and again.get_config() == metric.get_config():
        return metric.name
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def _compile_from_config(
    model: Model, config: Any, custom_objects: Mapping[str, Any] | None
) -> None:
    from tensorgrad import losses, metrics, optimizers

    custom = dict(custom_objects or {})
    if not isinstance(config, dict) or not isinstance(config.get("optimizer"), dict):
        raise TypeError("it names no optimizer")
    optimizer = _from_spec(config["optimizer"], custom, optimizers.get, "optimizer")

    def loss_of(spec: Any) -> Any:
        if spec is None or isinstance(spec, str):
            return spec
        if _is_function(spec):
            return _user_function("loss", spec, custom)
        return _from_spec(spec, custom, losses.get, "loss_class")

    def metric_of(spec: Any) -> Any:
        if isinstance(spec, str):
            return spec
        if _is_function(spec):
            return _user_function("metric", spec, custom)
        return _from_spec(spec, custom, metrics.get, "metric_class")

    def decode(spec: Any, fn: Any) -> Any:
        if spec is None:
            return None
        if isinstance(spec, dict) and "class_name" not in spec:
            return {k: decode(v, fn) for k, v in spec.items()}
        if isinstance(spec, list):
            return [decode(v, fn) for v in spec]
        return fn(spec)

    specs = config.get("metrics")
    if specs is not None and not isinstance(specs, (list, dict)):
        raise TypeError(f"metrics must be a list or a dict, got {specs!r}")
    weights = config.get("loss_weights")
    if weights is not None and not isinstance(weights, (list, dict)):
        raise TypeError(f"loss_weights must be a list or a dict, got {weights!r}")
    model.compile(
        optimizer=optimizer,
        loss=decode(config.get("loss"), loss_of),
        metrics=decode(specs, metric_of),
        loss_weights=weights,
        weighted_metrics=decode(config.get("weighted_metrics"), metric_of),
    )


def _is_function(spec: Any) -> bool:
    return isinstance(spec, dict) and spec.get("class_name") == "function"


def _user_function(kind: str, spec: dict[str, Any], custom: Mapping[str, Any]) -> Any:
    """A loss or metric that was the user's own function: only from custom_objects."""
    fname = (spec.get("config") or {}).get("name")
    if fname not in custom or not custom_roles.fits(f"{kind}_function", custom[fname]):
        raise ValueError(
            f"the {kind} is your function {fname!r}; pass it with "
            f"custom_objects={{{fname!r}: {fname}}}"
        )
    return custom[fname]


def _from_spec(spec: Any, custom: Mapping[str, Any], get: Any, role: str) -> Any:
    """An object from {"class_name", "config"}: a class in `custom` fitting `role`, else the
    library's `get`."""
    if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
        raise TypeError(f"expected {{'class_name': ..., 'config': {{...}}}}, got {spec!r}")
    cls = custom_roles.only(custom, role).get(spec.get("class_name"))
    if cls is not None:
        return cls.from_config(dict(spec.get("config", {})))
    return get(spec)


# ----- helpers -----
def _target(
    filepath: str | os.PathLike[str], suffix: str, operation: str, overwrite: bool, other: str
) -> Path:
    path = Path(filepath)
    if not path.name.endswith(suffix) or path.name == suffix:
        raise ValueError(
            f"{operation}: the file name must end in {suffix!r}, got {str(path)!r}. "
            f"Add the extension (or use model.{other} for the other format)."
        )
    if path.is_dir():
        raise IsADirectoryError(f"{operation}: {str(path)!r} is a directory, expected a file path")
    if not overwrite and path.exists():
        raise FileExistsError(f"{operation}: {str(path)!r} exists and overwrite=False")
    return path


def _check_json(operation: str, config: Any) -> None:
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{operation}: the configuration cannot be written as JSON ({e}); a layer's "
            "get_config() must return plain numbers, strings, lists and dicts"
        ) from None
