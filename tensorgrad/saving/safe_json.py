"""Parse a `config.json` from a file that may be hostile, within fixed limits.

`json.loads` alone accepts what no tensorgrad file holds and what costs without bound: a
few kilobytes of deflated `{}` become millions of dicts (hundreds of MB), `Infinity` and
`1e400` become infinite floats that surface later as NaN weights, `10**400` an integer that
overflows in the first update, and `"\\ud800"` a string no file system or UTF-8 writer
accepts. `loads` counts the objects and lists before parsing, then walks the result once,
and names the field of the first bad value ("compile.optimizer.config.learning_rate").

>>> loads(b'{"a": [1, {"b": 2.5}]}')
{'a': [1, {'b': 2.5}]}
>>> loads(b'{"a": [1, {"b": Infinity}]}')
Traceback (most recent call last):
...
tensorgrad.saving.safe_json.JsonLimitError: field a[1].b holds inf, not a finite number
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_CONTAINERS", "MAX_DEPTH", "MAX_INT_DIGITS", "JsonLimitError", "field", "loads"]

MAX_CONTAINERS = 200_000
"""Objects and lists together: about 30,000 layers' worth, far above any real model."""
MAX_DEPTH = 64
"""Nesting levels: a model config is about six deep."""
MAX_INT_DIGITS = 80
"""Decimal digits of an integer: enough for the 128-bit states of random generators."""


class JsonLimitError(ValueError):
    """The text is not JSON, or holds a value beyond what a tensorgrad config can hold."""


def field(path: tuple[Any, ...]) -> str:
    """A path of keys and indexes as it reads in a message: ("a", 0, "b") -> "a[0].b"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the whole config)"


def loads(raw: bytes) -> Any:
    """The JSON value in `raw` (UTF-8), checked against the limits above.

    Raises:
        JsonLimitError: invalid UTF-8 or JSON, too many objects or lists, too deep a nesting,
            a non-finite number, an integer of more than MAX_INT_DIGITS digits, or a string
            with a lone surrogate; the message names the field.
    """
    # An upper bound (brackets inside strings count too), found without parsing anything.
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_CONTAINERS:
        raise JsonLimitError(
            f"holds about {containers} JSON objects and lists, more than the {MAX_CONTAINERS} "
            "a config may hold"
        )
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=float)
    except RecursionError:
        raise JsonLimitError(f"is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as e:  # bad UTF-8, bad JSON, an integer of thousands of digits
        raise JsonLimitError(f"is not valid JSON ({e})") from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Walk every value once, depth first, without recursion."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            if len(path) >= MAX_DEPTH:
                raise JsonLimitError(
                    f"is nested more than {MAX_DEPTH} levels deep at {field(path)}"
                )
            for key, child in item.items():
                _check_string(key, path + (key,))
                stack.append((path + (key,), child))
        elif isinstance(item, list):
            if len(path) >= MAX_DEPTH:
                raise JsonLimitError(
                    f"is nested more than {MAX_DEPTH} levels deep at {field(path)}"
                )
            stack.extend((path + (i,), child) for i, child in enumerate(item))
        elif isinstance(item, str):
            _check_string(item, path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise JsonLimitError(f"field {field(path)} holds {item}, not a finite number")
        elif isinstance(item, int) and not isinstance(item, bool):
            if item and math.log10(abs(item)) >= MAX_INT_DIGITS:
                raise JsonLimitError(
                    f"field {field(path)} holds an integer of {len(str(abs(item)))} digits, "
                    f"more than {MAX_INT_DIGITS}"
                )


def _check_string(text: str, path: tuple[Any, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        code = ord(text[e.start])
        raise JsonLimitError(
            f"field {field(path)} holds a lone surrogate (\\u{code:04x}) in a string, which "
            "is not text"
        ) from None
