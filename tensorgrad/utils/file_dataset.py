"""FileDataset: batches of samples read from files, with their labels, in a shuffled order.

What `image_dataset_from_directory` and `text_dataset_from_directory` share: the batching,
Keras' label modes, batch_size=None for single samples, and a new order each epoch. A
subclass says how one file is read (`load`) and how a batch of them is put together
(`collate`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.utils.py_dataset import PyDataset


class FileDataset(PyDataset):
    """Batch `i` is `(samples, labels)`, or `samples` when label_mode is None; labels are
    int32 (batch,) for "int", float32 one-hot for "categorical", float32 (batch, 1) for
    "binary". `class_names` and `file_paths` are attributes."""

    def __init__(
        self,
        file_paths: list[str],
        labels: np.ndarray | None,
        class_names: list[str] | None,
        label_mode: str | None = "int",
        batch_size: int | None = 32,
        shuffle: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_paths = list(file_paths)
        self.labels = labels
        self.class_names = class_names
        self.label_mode = label_mode if labels is not None else None
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(len(self.file_paths))

    def load(self, path: str) -> Any:
        """One sample from its file."""
        raise NotImplementedError

    def collate(self, samples: list[Any]) -> np.ndarray:
        """The samples of one batch as one array."""
        raise NotImplementedError

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(
                f"{type(self).__name__}: batch {index} out of range (0..{len(self) - 1})"
            )
        size = self.batch_size or 1
        rows = self._order[index * size : (index + 1) * size]
        samples = self.collate([self.load(self.file_paths[i]) for i in rows])
        if self.batch_size is None:
            samples = samples[0]
        if self.label_mode is None:
            return samples
        labels = self.labels[rows]
        if self.label_mode == "categorical":
            labels = np.eye(len(self.class_names), dtype="float32")[labels]
        elif self.label_mode == "binary":
            labels = labels.astype("float32")[:, None]
        if self.batch_size is None:
            labels = labels[0]
        return samples, labels

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))
