"""Callbacks that end training early: `EarlyStopping` and `TerminateOnNaN`."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np

from tensorgrad.callbacks.base import Callback, Logs


class EarlyStopping(Callback):
    """Stops training when `monitor` has stopped improving for `patience` epochs (Keras rules).

    Args:
        monitor: the logged value to watch ("val_loss", "val_accuracy", "loss", ...).
        min_delta: the least change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a line when stopping.
        mode: "min", "max", or "auto" (max for accuracy-like names, else min).
        baseline: a value the monitored quantity must beat; training stops if it does not
            within `patience` epochs.
        restore_best_weights: put back the weights of the best epoch when stopping.
        start_from_epoch: epochs to wait before watching (warm-up).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode == "auto":
            name = monitor.lower()
            mode = "max" if name.endswith(("acc", "accuracy", "auc")) else "min"
        self.mode = mode
        self.min_delta = abs(min_delta) if mode == "max" else -abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.best_weights: list[np.ndarray] | None = None

    def _improved(self, value: float, reference: float) -> bool:
        shifted = value - self.min_delta
        return shifted > reference if self.mode == "max" else shifted < reference

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"EarlyStopping: monitored value {self.monitor!r} is not in the logs; "
                f"available: {', '.join(logs) or 'none'} (val_ values need validation data)",
                UserWarning,
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    sys.stdout.write(
                        f"Restoring model weights from the end of the best epoch: "
                        f"{self.best_epoch + 1}.\n"
                    )
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            sys.stdout.write(f"Epoch {self.stopped_epoch + 1}: early stopping\n")


class TerminateOnNaN(Callback):
    """Stops training as soon as the loss becomes NaN or infinite, saying where it happened."""

    def __init__(self) -> None:
        super().__init__()
        self._epoch = 0
        self.stopped_at: tuple[int, int] | None = None

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.stopped_at = (self._epoch, batch)
            sys.stdout.write(
                f"Epoch {self._epoch + 1}, batch {batch + 1}: invalid loss ({loss}), terminating "
                f"training. Try a smaller learning rate, scaled inputs, or check the data for "
                f"NaN values.\n"
            )
            self.model.stop_training = True
