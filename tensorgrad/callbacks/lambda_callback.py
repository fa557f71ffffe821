"""LambdaCallback: a callback made of plain functions, for one-off hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tensorgrad.callbacks.base import _HOOKS, Callback


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. `LambdaCallback(on_epoch_end=lambda e, logs: ...)`.

    Args (each optional, with the hook's arguments):
        on_epoch_begin, on_epoch_end: f(epoch, logs).
        on_batch_begin, on_batch_end: f(batch, logs), for training batches.
        on_train_begin, on_train_end: f(logs).
        **kwargs: any other hook by name (on_test_begin, on_predict_batch_end, ...).

    Raises:
        TypeError: an unknown hook name or a value that is not callable.
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_batch_begin: Callable[..., Any] | None = None,
        on_batch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        **kwargs: Callable[..., Any],
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_batch_begin": on_batch_begin,
            "on_train_batch_end": on_batch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
        }
        for name, fn in kwargs.items():
            name = {
                "on_batch_begin": "on_train_batch_begin",
                "on_batch_end": "on_train_batch_end",
            }.get(name, name)
            if name not in _HOOKS:
                raise TypeError(
                    f"LambdaCallback: unknown hook {name!r}; hooks are {', '.join(_HOOKS)}"
                )
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable, got {fn!r}")
            setattr(self, name, fn)
