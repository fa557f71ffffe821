"""CallbackList: several callbacks called as one, as fit, evaluate and predict use them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tensorgrad.callbacks.base import _HOOKS, Callback, History, Logs, _overrides
from tensorgrad.callbacks.progbar_logger import ProgbarLogger


class CallbackList:
    """Several callbacks called as one; per-batch hooks only reach callbacks that define them.

    Args:
        callbacks: the user's callbacks.
        add_history: append a `History` (fit does).
        add_progbar: append a `ProgbarLogger` (fit and evaluate do when verbose).
        model: the model the callbacks act on.
        **params: "verbose", "epochs", "steps" for `set_params`.
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        self.callbacks: list[Callback] = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks: expected Callback instances, got {type(cb).__name__}; subclass "
                    f"tensorgrad.callbacks.Callback or use LambdaCallback"
                )
        self.history: History | None = None
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history:
            self.history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        if model is not None:
            self.set_model(model)
        self.set_params(params)
        self._batch_hooks = {
            hook: [cb for cb in self.callbacks if _overrides(cb, hook)]
            for hook in _HOOKS
            if "batch" in hook
        }

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        for hook, listeners in self._batch_hooks.items():
            if _overrides(callback, hook):
                listeners.append(callback)

    def set_model(self, model: Any) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def _call_batch(self, hook: str, batch: int, logs: Logs | None) -> None:
        for cb in self._batch_hooks[hook]:
            getattr(cb, hook)(batch, logs)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        self._call("on_test_begin", logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._call_batch("on_predict_batch_end", batch, logs)
