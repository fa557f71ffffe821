"""One `get()` for every named thing: activations, initializers, losses, metrics, optimizers.

Each family keeps a table from lowercase names to classes or functions; `get` accepts a
name, a config dict ({"class_name": ..., "config": {...}}), or an object (returned as is),
and a failure lists the names that exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any


def snake_case(name: str) -> str:
    """`CategoricalCrossentropy` -> `categorical_crossentropy` (Keras' `to_snake_case`).

    >>> [snake_case(n) for n in ("Conv2D", "MaxPooling2D", "LeakyReLU", "Conv2DTranspose")]
    ['conv2d', 'max_pooling2d', 'leaky_re_lu', 'conv2d_transpose']
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def get(
    family: str,
    identifier: Any,
    table: Mapping[str, Any],
    instantiate: bool = True,
) -> Any:
    """Resolve `identifier` in `table` (names are matched case-insensitively).

    Args:
        family: what is looked up, for messages ("optimizer", "loss", ...).
        identifier: a name, a config dict, or an object already of the right kind.
        table: lowercase name -> class or function.
        instantiate: call a class found by name with no arguments.

    Raises:
        ValueError: unknown name, listing the known ones.
    """
    if identifier is None or (not isinstance(identifier, (str, Mapping))):
        return identifier
    if isinstance(identifier, Mapping):
        name = identifier.get("class_name")
        if not isinstance(name, str):
            raise ValueError(
                f"{family}: a config dict needs a 'class_name' string, got {identifier!r}"
            )
        found = _lookup(family, name, table)
        return found(**dict(identifier.get("config", {})))
    found = _lookup(family, identifier, table)
    if instantiate and isinstance(found, type):
        return found()
    return found


def _lookup(family: str, name: str, table: Mapping[str, Any]) -> Any:
    key = name.lower()
    if key in table:
        return table[key]
    snake = snake_case(name)
    if snake in table:
        return table[snake]
    known = ", ".join(sorted(table))
    raise ValueError(f"Unknown {family} {name!r}. Known {family}s: {known}")


def get_callable(family: str, identifier: Any, table: Mapping[str, Any], expected: str) -> Any:
    """`get` for families of callables with defaults (regularizers, constraints): a class
    found by name is made with its defaults, and what is found must be callable.

    Raises:
        ValueError: an unknown name (listing the known ones), or something not callable;
            `expected` says what would do.
    """
    if identifier is None:
        return None
    found = get(family, identifier, table)
    if isinstance(found, type):
        found = found()
    if not callable(found):
        raise ValueError(
            f"Could not interpret {family} identifier: {identifier!r}; expected None, {expected}"
        )
    return found


def serialize_callable(obj: Any, base: type) -> Any:
    """{"class_name": ..., "config": ...} for an instance of `base`; a function by its name;
    None for None."""
    if obj is None:
        return None
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", repr(obj))


def deserialize_callable(
    config: Any, custom_objects: Mapping[str, Any] | None, get_one: Callable[[Any], Any]
) -> Any:
    """The object `serialize_callable` described; your classes or functions by name from
    `custom_objects`, the library's through `get_one`."""
    custom = dict(custom_objects or {})
    if isinstance(config, str) and config in custom:
        return get_one(custom[config])
    if isinstance(config, Mapping) and config.get("class_name") in custom:
        return custom[config["class_name"]].from_config(dict(config.get("config") or {}))
    return get_one(config)


def register(table: dict[str, Any], *names: str) -> Callable[[Any], Any]:
    """Decorator adding a class or function to `table` under its snake_case name and `names`."""

    def add(obj: Any) -> Any:
        table[snake_case(obj.__name__)] = obj
        for n in names:
            table[n] = obj
        return obj

    return add
