"""Callbacks that change the learning rate while a model trains: `ReduceLROnPlateau` and
`LearningRateScheduler`, with Keras 3's rules.

Both set `model.optimizer.learning_rate` and add the rate the epoch ran with to the epoch's
logs as "learning_rate" (Keras 3's name; Keras 2 called it "lr"), so `History`, `CSVLogger`
and `TensorBoard` placed after them record it."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tensorgrad.callbacks.base import Callback, Logs

_UP = (
    "acc",
    "accuracy",
    "auc",
    "precision",
    "recall",
    "iou",
    "f1_score",
    "fbeta_score",
    "r2_score",
)


def _log_learning_rate(model: Any, logs: Logs | None) -> None:
    """Add the optimizer's learning rate to the epoch's logs, as Keras 3 does."""
    if logs is not None:
        logs["learning_rate"] = float(model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` has stopped improving.

    After `patience` epochs without an improvement the rate becomes `max(lr * factor,
    min_lr)`; then `cooldown` epochs pass in which waiting does not count. An improvement is
    a value beyond the best by more than `min_delta`, an absolute amount (as in Keras 3;
    PyTorch's scheduler defaults to a relative one). The first value seen is always the best.

    Args:
        monitor: the logged value to watch ("val_loss", "loss", "val_accuracy", ...).
        factor: the multiplier, below 1.
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints a line at each reduction.
        mode: "min", "max", or "auto": min for losses, max for accuracy-like metrics.
            An unknown mode warns and falls back to "auto" (Keras' behaviour).
        min_delta: the least change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never reduced below this.

    Raises:
        ValueError: a factor of 1 or more; mode "auto" on a name whose direction is unknown.

    >>> from types import SimpleNamespace
    >>> from tensorgrad import optimizers
    >>> model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=0.1))
    >>> cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    >>> cb.set_model(model)
    >>> cb.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
    ...     cb.on_epoch_end(epoch, {"loss": loss})
    >>> model.optimizer.learning_rate
    0.025
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau: factor must be below 1.0 (new_lr = lr * factor), got "
                f"factor={factor}"
            )
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"ReduceLROnPlateau: mode {mode!r} is unknown, falling back to 'auto' "
                f"(choose 'auto', 'min' or 'max')",
                UserWarning,
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0
        self._direction: str | None = None if mode == "auto" else mode

    def _find_direction(self) -> str:
        """ "min" or "max" for mode "auto": losses go down, accuracy-like metrics go up."""
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("_loss"):
            return "min"
        metric_names = [m.name for m in getattr(self.model, "metrics", None) or []]
        if name in metric_names:
            return "max" if name.endswith(_UP) else "min"
        raise ValueError(
            f"ReduceLROnPlateau: cannot tell whether monitor={self.monitor!r} should be "
            f"minimized or maximized (the model's metrics are {metric_names}); pass "
            f"mode='min' or mode='max'"
        )

    def _improved(self, current: float) -> bool:
        if self.best is None:
            return True
        if self._direction == "max":
            return current - self.min_delta > self.best
        return current + self.min_delta < self.best

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self._direction is None:  # decided once the model's metrics exist
            self._direction = self._find_direction()
        logs = logs if logs is not None else {}
        _log_learning_rate(self.model, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ReduceLROnPlateau: monitored value {self.monitor!r} is not in the logs; "
                f"available: {', '.join(logs)} (val_ values need validation data)",
                UserWarning,
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> bool:
        """Lower the rate unless it is already at min_lr; whether it was lowered."""
        optimizer = self.model.optimizer
        old_lr = float(optimizer.learning_rate)
        # compared in float32 as Keras does, whose rate is a float32 variable
        if not np.float32(old_lr) > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            sys.stdout.write(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.\n"
            )
        return True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule`.

    Args:
        schedule: `schedule(epoch, lr) -> new lr` (epoch counted from 0, lr the current
            rate), or `schedule(epoch) -> new lr`; it must return a float.
        verbose: 1 prints the rate set at each epoch.

    Raises:
        ValueError: the schedule returned something other than a float.

    >>> from types import SimpleNamespace
    >>> from tensorgrad import optimizers
    >>> model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=0.1))
    >>> cb = LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr / 2)
    >>> cb.set_model(model)
    >>> for epoch in range(3):
    ...     cb.on_epoch_begin(epoch)
    >>> model.optimizer.learning_rate
    0.025
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be a function of (epoch, lr) or "
                f"(epoch), got {schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                f"LearningRateScheduler: the optimizer ({type(optimizer).__name__}) must have "
                f"a learning_rate attribute"
            )
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # a schedule of the epoch alone (Keras' older form)
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(
                f"LearningRateScheduler: the schedule must return a float, got "
                f"{type(lr).__name__} {lr!r} at epoch {epoch} (return e.g. float(lr))"
            )
        optimizer.learning_rate = lr
        if self.verbose > 0:
            sys.stdout.write(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.\n"
            )

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        _log_learning_rate(self.model, logs)
