"""`text_dataset_from_directory`: batches of texts and labels from one subfolder per class.

The book's IMDB folders (`aclImdb/train/pos/*.txt`, `aclImdb/train/neg/*.txt`) load as
Keras 3 loads them: the same file order, shuffle, validation split and label modes
(`image_dataset_from_directory` shares the rules). A batch is `(texts, labels)`, texts a
NumPy array of str; `dataset.map(lambda x, y: (vectorize(x), y))` then gives numbers, as
the book does with tf.data.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.utils.file_dataset import FileDataset
from tensorgrad.utils.image_dataset import (
    LABEL_MODES,
    check_split_arguments,
    index_directory,
    make_subsets,
)

__all__ = ["TextDataset", "text_dataset_from_directory"]


class TextDataset(FileDataset):
    """Batches of texts (and labels) read from files, as made by `text_dataset_from_directory`.

    Indexing gives batch `i`: `(texts, labels)`, or `texts` when label_mode is None; texts
    are an array of str (batch,), each file's text (cut to `max_length` characters).
    """

    def __init__(
        self,
        file_paths: list[str],
        labels: np.ndarray | None,
        class_names: list[str] | None,
        label_mode: str | None = "int",
        batch_size: int | None = 32,
        max_length: int | None = None,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> None:
        super().__init__(file_paths, labels, class_names, label_mode, batch_size, shuffle, seed)
        self.max_length = max_length

    def load(self, path: str) -> str:
        """One file's text (UTF-8; undecodable bytes replaced), cut to max_length."""
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read() if self.max_length is None else file.read(self.max_length)

    def collate(self, samples: list[Any]) -> np.ndarray:
        return np.array(samples, dtype=object)


def text_dataset_from_directory(
    directory: str | os.PathLike[str],
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> TextDataset | tuple[TextDataset, TextDataset]:
    """A dataset of text batches from `directory/<class>/<file>.txt`, as Keras 3.

    Args:
        directory: the folder; with labels="inferred", one subfolder per class.
        labels: "inferred" (from subfolders), None (no labels), or a list of integer
            labels, one per file in the sorted order of all files.
        label_mode: "int" (int32 (batch,)), "categorical" (float32 one-hot), "binary"
            (float32 (batch, 1), two classes only) or None (texts only).
        class_names: with labels="inferred", the subfolders to use, in this order.
        batch_size: texts per batch (32); None for single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (and reshuffle after every epoch).
        seed: seed of the shuffles; needed with validation_split and shuffle.
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            subset "training", "validation" or "both" (a pair of datasets).
        verbose: print how many files and classes were found (as Keras).

    Raises:
        ValueError: bad arguments, a folder without class subfolders or without .txt files.
    """
    name = "text_dataset_from_directory"
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{name}: label_mode must be one of {LABEL_MODES}, got {label_mode!r}")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(
            f"{name}: max_length must be a positive integer or None, got {max_length!r}"
        )
    check_split_arguments(name, labels, batch_size, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = int(random.generator().integers(1_000_000))  # set_random_seed repeats it
    paths, label_array, names = index_directory(
        directory, labels, class_names, shuffle, seed, follow_links, (".txt",), name, "text files"
    )
    if label_mode == "binary" and names is not None and len(names) != 2:
        raise ValueError(
            f"{name}: label_mode='binary' needs exactly 2 classes, found {len(names)}: {names}"
        )
    if verbose:
        classes = "" if names is None else f" belonging to {len(names)} classes"
        print(f"Found {len(paths)} files{classes}.")
    if not paths:
        raise ValueError(f"{name}: no .txt files found in {os.fspath(directory)!r}")

    def make(files: list[str], labels: np.ndarray | None, what: str | None) -> TextDataset:
        # As Keras: with subset="both", the validation part is not reshuffled.
        reshuffle = shuffle and not (subset == "both" and what == "validation")
        return TextDataset(
            files, labels, names, label_mode, batch_size, max_length, reshuffle, seed
        )

    return make_subsets(make, paths, label_array, validation_split, subset, name, verbose)
