"""Checks of a loaded config before anything is built from it.

`archive.read_config` has already bounded the config's size and refused JSON bombs,
non-finite numbers, huge integers and lone surrogates. This module checks what the
values mean, so that loading can refuse a file before it allocates or calls anything:

- the weights list: each weight's shape and dtype, against the size of the member holding
  it, so that the numbers a file declares are numbers it really holds; their total is the
  ceiling for building the model (`layers.weight_budget`);
- the model: batch and input shapes (positive integers or None), and every name that
  `custom_objects` resolves, used only in the role that object fits (`custom_roles`);
- the compile settings and the optimizer state (a step count below 2**63).

Every failure is a `SavingError` naming the file and the field ("model.config.layers[0]
.config.batch_input_shape").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad.saving import custom_roles
from tensorgrad.saving.archive import ArchiveReader
from tensorgrad.saving.safe_json import field

__all__ = [
    "MAX_DIMENSION",
    "check_model_file",
    "check_optimizer_state",
    "check_weights",
]

MAX_DIMENSION = 2**31 - 1
"""The largest size of one axis a file may declare."""
MAX_STEPS = 2**63
"""Step counts are int64, as in Keras; a larger one overflows in the update's arithmetic."""
BUILD_SLACK = 2**20
"""Weight values a model built from a file may hold beyond what the file does (4 MB)."""
_MAX_NPY_HEADER = 2**16 + 16
_BATCH_SHAPE_KEYS = ("batch_input_shape", "batch_shape", "build_input_shape")
_SAMPLE_SHAPE_KEYS = ("input_shape", "shape")

Path = tuple[Any, ...]


def check_model_file(
    config: Mapping[str, Any],
    archive: ArchiveReader,
    custom_objects: Mapping[str, Any] | None,
    compile: bool,
) -> int:
    """Check a model file's config; returns how many weight values building may create:
    those its arrays hold, plus BUILD_SLACK, so that a small mismatch is reported weight by
    weight (names and shapes) once built, and only a large one refused while building."""
    custom = dict(custom_objects or {})
    budget = check_weights(config.get("weights"), archive) + BUILD_SLACK
    _check_model(config.get("model"), archive, custom, ("model",))
    if compile and config.get("compile") is not None:
        _check_compile(config["compile"], archive, custom)
        if config.get("optimizer_state") is not None:
            check_optimizer_state(config["optimizer_state"], archive)
    return budget


def check_weights(manifest: Any, archive: ArchiveReader) -> int:
    """Check the weights list against the members; returns the number of values declared."""
    if not isinstance(manifest, list):
        raise _bad(archive, ("weights",), manifest, "a list of layers")
    total = 0
    for i, entry in enumerate(manifest):
        items = entry.get("weights") if isinstance(entry, dict) else None
        if not isinstance(items, list):
            raise _bad(archive, ("weights", i), entry, "{'layer', 'class_name', 'weights'}")
        for j, item in enumerate(items):
            total += _check_weight(item, archive, ("weights", i, "weights", j))
    return total


def check_optimizer_state(state: Any, archive: ArchiveReader) -> None:
    """The step count and the slot member lists of a saved optimizer state."""
    where: Path = ("optimizer_state",)
    if not isinstance(state, dict):
        raise _bad(archive, where, state, "{'iterations', 'slots'}")
    iterations = state.get("iterations")
    if not _is_int(iterations) or not 0 <= iterations < MAX_STEPS:
        raise _bad(archive, where + ("iterations",), iterations, "a step count 0 <= n < 2**63")
    slots = state.get("slots")
    if not isinstance(slots, list) or not all(
        isinstance(s, list) and all(isinstance(p, str) for p in s) for s in slots
    ):
        raise _bad(archive, where + ("slots",), slots, "a list of lists of member paths")


# ----- weights -----
def _check_weight(item: Any, archive: ArchiveReader, where: Path) -> int:
    if not isinstance(item, dict):
        raise _bad(archive, where, item, "{'name', 'path', 'shape', 'dtype'}")
    shape = item.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) > 32
        or not all(_is_int(d) and 0 <= d <= MAX_DIMENSION for d in shape)
    ):
        raise _bad(archive, where + ("shape",), shape, "a list of sizes 0 <= n < 2**31")
    try:
        dtype = np.dtype(item.get("dtype"))
    except (TypeError, ValueError):
        dtype = None
    if not isinstance(item.get("dtype"), str) or dtype is None or dtype.kind not in "biuf":
        raise _bad(archive, where + ("dtype",), item.get("dtype"), "a plain number type")
    path = item.get("path")
    if not isinstance(path, str):
        raise archive.error(
            f"names the array of field {field(where)} as {path!r}, not a member path"
        )
    size = archive.member_size(path)
    if size is None:
        raise archive.error(
            f"is missing the member {path!r} (field {field(where + ('path',))}); the file is "
            "incomplete"
        )
    count = math.prod(shape)
    data = count * dtype.itemsize
    if not data < size <= data + _MAX_NPY_HEADER:
        raise archive.error(
            f"has a field {field(where)} that declares shape {tuple(shape)} of {dtype} "
            f"({data} bytes), but member {path!r} holds {size} bytes; the file is damaged"
        )
    return count


# ----- the model -----
def _check_model(spec: Any, archive: ArchiveReader, custom: dict[str, Any], where: Path) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise _bad(archive, where, spec, "{'class_name': ..., 'config': {...}}")
    _check_custom(spec.get("class_name"), "model", archive, custom, where + ("class_name",))
    config = spec["config"]
    _check_shapes(config, archive, where + ("config",))
    layers = config.get("layers")
    if layers is None:
        return
    if not isinstance(layers, list):
        raise _bad(archive, where + ("config", "layers"), layers, "a list of layers")
    for i, item in enumerate(layers):
        at = where + ("config", "layers", i)
        if not isinstance(item, dict) or not isinstance(item.get("config"), dict):
            raise _bad(archive, at, item, "{'class_name': ..., 'config': {...}}")
        _check_custom(item.get("class_name"), "layer", archive, custom, at + ("class_name",))
        _check_shapes(item["config"], archive, at + ("config",))
        for key, value in item["config"].items():
            role = custom_roles.role_of_key(key)
            if role is not None and isinstance(value, str):
                _check_custom(value, role, archive, custom, at + ("config", key))
            elif role in ("regularizer", "constraint") and isinstance(value, dict):
                name = value.get("class_name")
                where = at + ("config", key, "class_name")
                _check_custom(name, role, archive, custom, where)


def _check_shapes(config: Mapping[str, Any], archive: ArchiveReader, where: Path) -> None:
    for key in _BATCH_SHAPE_KEYS + _SAMPLE_SHAPE_KEYS:
        shape = config.get(key)
        if shape is None:
            continue
        batch = key in _BATCH_SHAPE_KEYS
        sizes_ok = (
            isinstance(shape, list)
            and len(shape) <= 32
            and all(d is None or (_is_int(d) and 1 <= d <= MAX_DIMENSION) for d in shape)
        )
        if not sizes_ok or (batch and not shape):
            expected = (
                "a batch shape [None, n, ...] of positive sizes or None"
                if batch
                else "a shape [n, ...] of positive sizes or None"
            )
            raise _bad(archive, where + (key,), shape, expected)


# ----- compile settings -----
def _check_compile(config: Any, archive: ArchiveReader, custom: dict[str, Any]) -> None:
    where: Path = ("compile",)
    if not isinstance(config, dict):
        raise _bad(archive, where, config, "{'optimizer', 'loss', 'metrics'}")
    optimizer = config.get("optimizer")
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("config", {}), dict):
        raise _bad(archive, where + ("optimizer",), optimizer, "{'class_name', 'config'}")
    _check_custom(
        optimizer.get("class_name"),
        "optimizer",
        archive,
        custom,
        where + ("optimizer", "class_name"),
    )
    _check_per_output(config.get("loss"), "loss", archive, custom, where + ("loss",))
    weights = config.get("loss_weights")
    if weights is not None:
        values = weights.values() if isinstance(weights, dict) else weights
        if not isinstance(weights, (list, dict)) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w)
            for w in values
        ):
            raise _bad(archive, where + ("loss_weights",), weights, "finite numbers")
    for key in ("metrics", "weighted_metrics"):
        metrics = config.get(key) or []
        if not isinstance(metrics, (list, dict)):
            raise _bad(archive, where + (key,), metrics, "a list or a dict by output name")
        _check_per_output(metrics, "metric", archive, custom, where + (key,))


def _check_per_output(
    spec: Any, kind: str, archive: ArchiveReader, custom: dict[str, Any], where: Path
) -> None:
    """A loss or metric, or a list or dict of them (one per output), each checked."""
    if isinstance(spec, dict) and "class_name" not in spec:
        for name, item in spec.items():
            _check_per_output(item, kind, archive, custom, where + (name,))
    elif isinstance(spec, list):
        for i, item in enumerate(spec):
            _check_per_output(item, kind, archive, custom, where + (i,))
    else:
        _check_named(spec, kind, archive, custom, where)


def _check_named(
    spec: Any, kind: str, archive: ArchiveReader, custom: dict[str, Any], where: Path
) -> None:
    """A loss or metric: a name, {"class_name": "function", ...} or a class and config."""
    if spec is None or isinstance(spec, str):
        return
    if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
        raise _bad(archive, where, spec, "a name or {'class_name', 'config'}")
    if spec.get("class_name") == "function":
        name = spec.get("config", {}).get("name")
        _check_custom(name, f"{kind}_function", archive, custom, where)
    else:
        _check_custom(
            spec.get("class_name"), f"{kind}_class", archive, custom, where + ("class_name",)
        )


# ----- helpers -----
def _check_custom(
    name: Any, role: str, archive: ArchiveReader, custom: dict[str, Any], where: Path
) -> None:
    """A name that custom_objects resolves must resolve to an object fitting the role."""
    if not isinstance(name, str) or name not in custom:
        return
    obj = custom[name]
    if not custom_roles.fits(role, obj):
        raise archive.error(
            f"has a field {field(where)} naming {name!r}, which custom_objects gives as "
            f"{custom_roles.describe(obj)}, not {custom_roles.ROLES[role]}: a custom object "
            "is only used in the role it fits"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(archive: ArchiveReader, where: Path, value: Any, expected: str) -> Exception:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:40] + f"... ({len(shown)} characters)"
    return archive.error(f"has a field {field(where)} holding {shown}; expected {expected}")
