"""The callback protocol: `Callback` with Keras' hooks, `CallbackList`, and `History`.

fit, evaluate and predict call the hooks at the start and end of training, of each epoch
and of each batch; per-batch hooks reach only callbacks that define them, so unused hooks
cost nothing per step."""

from __future__ import annotations

from typing import Any

Logs = dict[str, float]

_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


class Callback:
    """Base class: override the hooks you need; `self.model` and `self.params` are set by fit.

    `params` holds "verbose", "epochs" and "steps" (batches per epoch). Batch logs hold the
    running means of the epoch so far ("loss", metrics); epoch logs add "val_" entries.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once when fit starts."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once when fit ends, with the last epoch's logs."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of each epoch (numbered from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of each epoch with its training and validation results."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each training step (batch numbered from 0 in the epoch)."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each training step with the running means of the epoch so far."""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Keras' older name for on_train_batch_begin."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Keras' older name for on_train_batch_end."""

    def on_test_begin(self, logs: Logs | None = None) -> None:
        """Called when evaluation (evaluate, or validation in fit) starts."""

    def on_test_end(self, logs: Logs | None = None) -> None:
        """Called when evaluation ends, with its results."""

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each evaluation batch."""

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        """Called when predict starts."""

    def on_predict_end(self, logs: Logs | None = None) -> None:
        """Called when predict ends."""

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each prediction batch."""


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether `callback` does something in `hook` (so calling it per batch is worth it)."""
    method = getattr(callback, hook)
    if getattr(method, "__func__", None) is not getattr(Callback, hook):
        return True
    old = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
    if hook in old:
        return _overrides(callback, old[hook])
    return False


class History(Callback):
    """Records each epoch's logs: `history.history["loss"]` is the list of epoch losses.

    `fit` returns it (and keeps it as `model.history`); `history.epoch` lists the epochs run.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
