"""Nested structures of values: lists, tuples and dicts of leaves, as models take and give.

A model with several inputs takes a list or a dict of arrays; these helpers walk such a
structure in one fixed order (dicts by sorted key, as Keras' `tree` does), so that the arrays
can be batched as one flat list and put back into the user's structure for each batch.

>>> flatten({"b": 2, "a": [1, (3,)]})
[1, 3, 2]
>>> pack_sequence_as({"b": 0, "a": [0, (0,)]}, [10, 30, 20])
{'a': [10, (30,)], 'b': 20}
>>> map_structure(lambda v: v * 2, [1, {"k": 3}])
[2, {'k': 6}]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any


def is_nested(value: Any) -> bool:
    """Whether `value` is a list, tuple or dict (a structure rather than a leaf)."""
    kind = type(value)
    if kind is list or kind is tuple or kind is dict:
        return True
    if kind.__module__ == "numpy" or kind.__name__ == "Tensor":
        return False  # the usual leaves, without the slow abstract-class check
    return isinstance(value, (list, tuple, Mapping))


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    return list(value)


def _leaves(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if is_nested(item):
            stack.extend(reversed(_children(item)))
        else:
            yield item


def flatten(structure: Any) -> list[Any]:
    """The leaves of `structure`, depth first, dicts by sorted key; a leaf gives [leaf]."""
    return list(_leaves(structure))


def pack_sequence_as(structure: Any, flat: list[Any]) -> Any:
    """`structure` with its leaves replaced, in `flatten` order, by the values of `flat`.

    Raises:
        ValueError: `flat` holds another number of values than `structure` has leaves.
    """
    values = iter(flat)

    def rebuild(item: Any) -> Any:
        if isinstance(item, Mapping):
            return {k: rebuild(item[k]) for k in sorted(item)}
        if isinstance(item, (list, tuple)):
            built = [rebuild(v) for v in item]
            return type(item)(built) if type(item) in (list, tuple) else type(item)(*built)
        return next(values)

    count = len(flatten(structure))
    if count != len(flat):
        raise ValueError(f"pack_sequence_as: the structure has {count} leaves, got {len(flat)}")
    return rebuild(structure)


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """`structure` with `fn` applied to each leaf."""
    return pack_sequence_as(structure, [fn(v) for v in flatten(structure)])
