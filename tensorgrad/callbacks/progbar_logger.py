"""ProgbarLogger: the Keras-style progress line that fit and evaluate print."""

from __future__ import annotations

import sys
from typing import Any

from tensorgrad.callbacks.base import Callback, Logs
from tensorgrad.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints `Epoch 1/5` and the progress line of each epoch (fit adds it when verbose)."""

    def __init__(self) -> None:
        super().__init__()
        self.progbar: Progbar | None = None
        self.verbose = 1
        self.epochs = 1
        self._seen = 0
        self._logs: Logs = {}
        self._in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)

    def _start(self) -> None:
        self.progbar = Progbar(self.params.get("steps"), verbose=self.verbose)
        self._seen = 0
        self._logs = {}

    def _batch_end(self, batch: int, logs: Logs | None) -> None:
        self._seen = batch + 1
        self._logs = logs or {}
        if self.progbar is not None and self.progbar.dynamic and self.verbose == 1:
            self.progbar.stateful_metrics.update(self._logs)
            self.progbar.update(self._seen, self._logs, finalize=False)

    def _finish(self, logs: Logs | None) -> None:
        if self.progbar is None:
            return
        logs = logs if logs is not None else self._logs
        self.progbar.stateful_metrics.update(logs)
        self.progbar.update(self._seen, logs, finalize=True)
        self.progbar = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._in_fit = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if self.verbose and self.epochs > 1:
            sys.stdout.write(f"Epoch {epoch + 1}/{self.epochs}\n")
        self._start()

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._batch_end(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._finish(logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        if not self._in_fit:
            self._start()

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if not self._in_fit:
            self._batch_end(batch, logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._start()

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._batch_end(batch, {})

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._finish({})
