"""Hold off Ctrl-C across work that must not be cut in half, then deliver it.

An optimizer step writes many arrays (every weight, every slot, the step count). A
KeyboardInterrupt raised between two of those writes would leave a model that is neither
the old step nor the new one. `call_uninterrupted` runs such work with SIGINT recorded
instead of raised, and hands a recorded Ctrl-C to the previous handler right after, so
the interrupt lands between steps. It costs two handler swaps (under a microsecond
each); outside the main thread, where Python never runs signal handlers, it only
calls the function.

>>> call_uninterrupted(sum, [1, 2, 3])
6
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["call_uninterrupted"]

try:  # the C module: signal.signal's enum conversions would cost microseconds a step
    import _signal as _handlers
except ImportError:  # pragma: no cover - interpreters without it
    _handlers = signal  # type: ignore[assignment]

T = TypeVar("T")
_SIGINT = int(signal.SIGINT)
_MAIN_THREAD = threading.main_thread().ident


def call_uninterrupted(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, with a Ctrl-C that arrives meanwhile raised only once it returns."""
    if threading.get_ident() != _MAIN_THREAD:
        return function(*args)
    previous = _handlers.getsignal(_SIGINT)
    if not callable(previous):  # ignored, default or set outside Python: nothing raises mid-way
        return function(*args)
    pending: list[Any] = []
    _handlers.signal(_SIGINT, lambda signum, frame: pending.append(frame))
    try:
        return function(*args)
    finally:
        _handlers.signal(_SIGINT, previous)
        if pending:
            previous(_SIGINT, pending[0])  # default_int_handler raises KeyboardInterrupt
