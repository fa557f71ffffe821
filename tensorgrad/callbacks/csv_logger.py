"""CSVLogger: one row per epoch of the logs in a CSV file, the same file Keras 3 writes."""

from __future__ import annotations

import collections.abc
import csv
import os
from typing import IO, Any

import numpy as np

from tensorgrad.callbacks.base import Callback, Logs


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file, flushed at once so it can be watched.

    The header is "epoch" and then the first epoch's log names sorted; when none of them is
    a validation value, "val_" columns for each are added (written "NA" while there is no
    validation), as Keras 3 does, so a later run with validation fits the same columns.
    Rows end in "\\r\\n" (the csv module's Excel dialect). Values are written with `str`.

    Args:
        filename: the CSV file, e.g. "run/log.csv" (its folder must exist).
        separator: the string between values.
        append: True adds to an existing file (no second header when it is not empty),
            to continue a log across runs; False overwrites it.

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     logger = CSVLogger(Path(folder) / "log.csv")
    ...     logger.on_train_begin()
    ...     logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
    ...     logger.on_train_end()
    ...     print((Path(folder) / "log.csv").read_text(), end="")
    epoch,accuracy,loss,val_accuracy,val_loss
    0,0.75,0.5,NA,NA
    """

    def __init__(
        self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self.writer: csv.DictWriter[str] | None = None
        self.append_header = True
        self.csv_file: IO[str] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        mode = "w"
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        self._close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.csv_file is None:
            raise RuntimeError(
                "CSVLogger: on_epoch_end came before on_train_begin; pass the logger to "
                "fit(callbacks=[...]) or call on_train_begin first"
            )
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:

            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], dialect=Dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row: dict[str, Any] = {"epoch": epoch}
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._close()
        self.writer = None

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()


def _cell(value: Any) -> Any:
    """A value as Keras writes it: strings as they are, 1-D iterables as "[a, b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value
