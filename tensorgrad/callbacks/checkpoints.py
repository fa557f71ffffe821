"""Checkpoint callbacks: save the model while it trains, and resume after an interruption.

`ModelCheckpoint` saves the model (or its weights) every epoch or every few batches,
optionally only when a monitored value improves. `BackupAndRestore` keeps one backup of the
whole training state (weights, optimizer state, epoch, random generator) and, when `fit`
is started again after a crash, continues from the last completed epoch, so the result is
the same as an uninterrupted run. Every file is written atomically."""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tensorgrad.callbacks.base import Callback
from tensorgrad import saving
from tensorgrad.engine import random

Logs = dict[str, float]
MODEL_SUFFIX = ".tensorgrad"
WEIGHTS_SUFFIX = ".weights.npz"


class ModelCheckpoint(Callback):
    """Save the model or its weights during training, every epoch or every `save_freq` batches.

    Args:
        filepath: where to save: a `.tensorgrad` file (or `.weights.npz` with
            `save_weights_only=True`). It may hold placeholders filled from the epoch
            (counted from 1) and the logs: "model-{epoch:02d}-{val_loss:.2f}.tensorgrad".
        monitor: the logged value `save_best_only` compares ("val_loss", "accuracy", ...).
        verbose: 1 prints a line each time the callback saves (or decides not to).
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save the weights alone (`save_weights`) instead of the model.
        mode: "min", "max", or "auto" (max for names ending in acc, accuracy or auc).
        save_freq: "epoch", or a number of batches between saves.
        initial_value_threshold: the best value to beat at the start (save_best_only).

    Raises:
        ValueError: a file name with the wrong extension, or an invalid mode or save_freq.

    >>> import tempfile, numpy as np
    >>> from tensorgrad import layers, models
    >>> model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     pattern = folder + "/model-{epoch:02d}.tensorgrad"
    ...     checkpoint = ModelCheckpoint(pattern, monitor="loss")
    ...     _ = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
    ...                   callbacks=[checkpoint])
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['model-01.tensorgrad', 'model-02.tensorgrad']
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        self.filepath = os.fspath(filepath)
        suffix = WEIGHTS_SUFFIX if save_weights_only else MODEL_SUFFIX
        if not self.filepath.endswith(suffix):
            other = "the model (.tensorgrad)" if save_weights_only else "weights (.weights.npz)"
            raise ValueError(
                f"ModelCheckpoint: with save_weights_only={bool(save_weights_only)} the file "
                f"name must end in {suffix!r}, got {self.filepath!r} (to save {other}, set "
                f"save_weights_only={not save_weights_only})"
            )
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0
        ):
            raise ValueError(
                f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, "
                f"got {save_freq!r}"
            )
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.save_freq = save_freq
        if mode == "auto":
            mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) else "min"
        self.mode = mode
        worst = math.inf if mode == "min" else -math.inf
        self.best = worst if initial_value_threshold is None else float(initial_value_threshold)
        self._current_epoch = 0
        self._batches_since_save = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._current_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs or {})

    def _file_path(self, epoch: int, batch: int | None, logs: Logs) -> str:
        values: dict[str, Any] = dict(logs)
        values["epoch"] = epoch + 1
        if batch is not None:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"ModelCheckpoint: cannot fill the placeholders of {self.filepath!r} ({e!r}); "
                f"available: {', '.join(values)}"
            ) from None

    def _improved(self, current: float) -> bool:
        return current < self.best if self.mode == "min" else current > self.best

    def _save(self, epoch: int, batch: int | None, logs: Logs) -> None:
        path = self._file_path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"ModelCheckpoint: can save the best model only when {self.monitor!r} is "
                    f"logged; available: {', '.join(logs) or 'nothing'}. Saving anyway.",
                    stacklevel=2,
                )
            elif not self._improved(float(current)):
                self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            else:
                self._say(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{float(current):.5f}, saving model to {path}"
                )
                self.best = float(current)
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            saving.save_weights(self.model, path, overwrite=True)
        else:
            saving.save_model(self.model, path, overwrite=True)

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print(f"\n{message}")


class BackupAndRestore(Callback):
    """Back up the training state each epoch; after an interruption, `fit` resumes from it.

    At the end of every epoch one file, `backup_dir/latest.weights.npz`, is replaced
    atomically with the weights, the optimizer's step count and slots, the number of
    completed epochs and the state of the library's random generator (and of layers with
    their own seed). When `fit` starts and the file exists, all of it is restored and
    training continues at the next epoch: with `utils.set_random_seed`, the weights at the
    end equal those of a run that was never interrupted. When training completes the backup
    is deleted (unless `delete_checkpoint=False`).

    Rerun the same script (same model, compile and fit arguments) to resume; a backup made
    by another model is rejected with an error naming the layer that does not fit.

    Args:
        backup_dir: a folder for the backup, used by nothing else.
        save_freq: "epoch" (the only choice: a backup is made at each epoch's end).
        delete_checkpoint: delete the backup when training completes.

    Raises:
        ValueError: an empty `backup_dir`, or a save_freq other than "epoch".
    """

    FILENAME = "latest" + WEIGHTS_SUFFIX

    def __init__(
        self,
        backup_dir: str | os.PathLike[str],
        save_freq: str = "epoch",
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path, got an empty one")
        if save_freq != "epoch":
            raise ValueError(
                f"BackupAndRestore: save_freq must be 'epoch' (a backup at the end of each "
                f"epoch), got {save_freq!r}"
            )
        self.backup_dir = Path(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self.path = self.backup_dir / self.FILENAME

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if not self.path.exists():
            return
        # everything is checked before the model, its optimizer or a generator changes
        state = saving.load_training_state(self.model, self.path, check=self._check_state)
        random.set_state(state["rng"])
        for layer, rng_state in zip(self.model.layers, state.get("layer_rngs") or []):
            for generator, saved in zip(_own_generators(layer), rng_state):
                generator.bit_generator.state = saved
        self.model._initial_epoch = state["epoch"]  # read by fit right after on_train_begin

    def _check_state(self, state: dict[str, Any]) -> None:
        """Raise a SavingError unless `state` can be restored whole (tried on copies)."""
        epoch = state.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise saving.SavingError(
                f"BackupAndRestore: {str(self.path)!r} holds an invalid epoch {epoch!r}"
            )
        try:
            type(random.generator().bit_generator)().state = state["rng"]
            for layer, rng_state in zip(self.model.layers, state.get("layer_rngs") or []):
                for generator, saved in zip(_own_generators(layer), rng_state):
                    type(generator.bit_generator)().state = saved
        except (KeyError, TypeError, ValueError) as e:
            raise saving.SavingError(
                f"BackupAndRestore: {str(self.path)!r} holds an invalid random generator "
                f"state in its rng ({e!r})"
            ) from None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        state = {
            "epoch": epoch + 1,
            "rng": random.get_state(),
            "layer_rngs": [
                [g.bit_generator.state for g in _own_generators(layer)]
                for layer in self.model.layers
            ],
        }
        saving.save_training_state(self.model, self.path, state)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if not self.delete_checkpoint:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):  # only when empty: the folder may hold other files
            self.backup_dir.rmdir()


def _own_generators(layer: Any) -> list[np.random.Generator]:
    """Random generators a layer keeps for itself (a Dropout given a seed), in attribute order."""
    return [v for v in vars(layer).values() if isinstance(v, np.random.Generator)]
