"""Whether operations record a graph for backward: `no_grad` turns recording off."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_enabled = True


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return _enabled


@contextlib.contextmanager
def _set_grad_enabled(mode: bool) -> Iterator[None]:
    global _enabled
    previous, _enabled = _enabled, mode
    try:
        yield
    finally:
        _enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager in which operations record nothing (inference, parameter updates).

    >>> import tensorgrad as tg
    >>> w = tg.ones(3, requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager that turns recording back on inside a `no_grad` block."""
    return _set_grad_enabled(True)
