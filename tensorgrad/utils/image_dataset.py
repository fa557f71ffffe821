"""`image_dataset_from_directory`: batches of images and labels from one subfolder per class.

The files are found, ordered, shuffled and split exactly as Keras 3 does it: class names
are the sorted subfolder names; each class's files are listed by a sorted walk of its
folder (subfolders included) keeping the extensions .bmp .gif .jpeg .jpg .png; with
`shuffle`, paths and labels are shuffled once by `np.random.RandomState(seed)`; with
`validation_split`, the LAST `int(validation_split * n)` of those files are the validation
subset and the rest the training subset (so two calls with the same seed never overlap).

The result is a `PyDataset` (`ImageDataset`) that `fit`, `evaluate` and `predict` take.
Each batch is decoded with Pillow and resized on the fly as float32 pixels in 0-255
(not rescaled: add a `layers.Rescaling(1 / 255)`). A shuffled dataset draws a new order of
its files after every epoch (from the same seed, so runs repeat); Keras reshuffles within a
buffer instead, so the orders differ from Keras' while the files of each subset are the same.

Bad input: a folder with no class subfolders, or with no image files, is a ValueError. A
file with an image extension that Pillow cannot identify (not an image, or unreadable) is
skipped with one UserWarning naming every such file, so one stray file does not end a
run; a file that passes that check but fails to decode later raises a ValueError naming it.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.ops import image as image_ops
from tensorgrad.utils import image_utils
from tensorgrad.utils.file_dataset import FileDataset

__all__ = ["ImageDataset", "image_dataset_from_directory", "index_directory"]

LABEL_MODES = ("int", "categorical", "binary", None)
CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _walk_files(folder: str, follow_links: bool, formats: tuple[str, ...]) -> list[str]:
    """The files of `formats` under `folder`, in Keras' order (sorted folders, sorted names)."""
    out = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        out += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(formats)]
    return out


def index_directory(
    directory: str | os.PathLike[str],
    labels: Any = "inferred",
    class_names: list[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    formats: tuple[str, ...] = image_utils.ALLOWED_FORMATS,
    op: str = "image_dataset_from_directory",
    kind: str = "images",
) -> tuple[list[str], np.ndarray | None, list[str] | None]:
    """(file paths, int32 labels or None, class names) as Keras' `index_directory`.

    Raises:
        ValueError: a missing directory, no class subfolders, class_names that are not
            subfolders, or labels of the wrong length.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"{op}: {directory!r} is not a directory")
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if not subdirs:
            loose = _walk_files(directory, follow_links, formats)
            example = ".jpg" if ".jpg" in formats else formats[0]
            raise ValueError(
                f"{op}: {directory!r} has no class subfolders"
                + (f" (it holds {len(loose)} {kind} directly)" if loose else "")
                + "; labels='inferred' needs one subfolder per class, e.g. "
                f"{os.path.join(directory, 'cats')}/*{example} and "
                f"{os.path.join(directory, 'dogs')}/*{example}, or pass labels=None for "
                f"unlabelled {kind}"
            )
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(
                    f"{op}: class_names {list(class_names)} must be "
                    f"subfolders of {directory!r}, which has {subdirs}"
                )
            subdirs = list(class_names)
        paths: list[str] = []
        label_list: list[int] = []
        for index, name in enumerate(subdirs):
            files = _walk_files(os.path.join(directory, name), follow_links, formats)
            paths += files
            label_list += [index] * len(files)
        label_array: np.ndarray | None = np.asarray(label_list, dtype="int32")
        names: list[str] | None = list(subdirs)
    else:
        if class_names is not None:
            raise ValueError(f"{op}: class_names can only be given with labels='inferred'")
        paths = _walk_files(directory, follow_links, formats)
        if labels is None:
            label_array, names = None, None
        else:
            label_array = np.asarray(labels, dtype="int32")
            if len(label_array) != len(paths):
                raise ValueError(
                    f"{op}: {len(label_array)} labels for "
                    f"{len(paths)} files in {directory!r}; give one label per file, "
                    "in the sorted order of their paths"
                )
            names = [str(label) for label in sorted(set(label_array.tolist()))]
    if shuffle:
        if seed is None:
            seed = int(random.generator().integers(1_000_000))  # set_random_seed repeats it
        np.random.RandomState(seed).shuffle(paths)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return paths, label_array, names


def _drop_unreadable(
    paths: list[str], labels: np.ndarray | None
) -> tuple[list[str], np.ndarray | None]:
    """The files Pillow identifies as images; one warning names the others."""
    image_module = image_utils.pil_image()
    keep, bad = [], []
    for i, path in enumerate(paths):
        try:
            with image_module.open(path) as image:
                image.size  # noqa: B018 - the header is parsed; the pixels load later
            keep.append(i)
        except (OSError, image_module.UnidentifiedImageError, ValueError) as error:
            bad.append(f"{path} ({type(error).__name__}: {error})")
    if bad:
        warnings.warn(
            f"image_dataset_from_directory: skipped {len(bad)} file(s) that are not "
            "readable images: " + "; ".join(bad),
            UserWarning,
            stacklevel=3,
        )
    kept = [paths[i] for i in keep]
    return kept, None if labels is None else labels[keep]


class ImageDataset(FileDataset):
    """Batches of images (and labels) decoded from files, as made by
    `image_dataset_from_directory`; `class_names` and `file_paths` are attributes.

    Indexing gives batch `i`: `(images, labels)`, or `images` when label_mode is None;
    images are float32 (batch, height, width, channels) in 0-255.
    """

    def __init__(
        self,
        file_paths: list[str],
        labels: np.ndarray | None,
        class_names: list[str] | None,
        label_mode: str | None = "int",
        color_mode: str = "rgb",
        batch_size: int | None = 32,
        image_size: tuple[int, int] = (256, 256),
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        shuffle: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            file_paths, labels, class_names, label_mode, batch_size, shuffle, seed, **kwargs
        )
        self.color_mode = color_mode
        self.image_size = tuple(image_size)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self._plans: dict[tuple[int, int], image_ops.SamplingPlan] = {}

    def load_image(self, path: str) -> np.ndarray:
        """One file as a float32 (height, width, channels) array of the dataset's size."""
        try:
            image = image_utils.load_img(path, color_mode=self.color_mode)
        except ValueError as error:
            raise ValueError(
                f"image_dataset_from_directory: cannot decode {path}: {error}"
            ) from None
        array = image_utils.img_to_array(image)
        height, width = array.shape[:2]
        target = self.image_size
        if self.crop_to_aspect_ratio:
            array = image_utils.smart_resize(array, target, self.interpolation)
            return array
        if self.pad_to_aspect_ratio:
            ratio = target[1] / target[0]
            pad_h = max(0, round(width / ratio) - height)
            pad_w = max(0, round(height * ratio) - width)
            array = np.pad(
                array, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
            )
            height, width = array.shape[:2]
        if (height, width) == target:
            return array
        plan = self._plans.get((height, width))
        if plan is None:
            plan = self._plans[(height, width)] = image_ops.resize_plan(
                (height, width), target, self.interpolation
            )
        return image_ops.resample(array[None], plan).data[0]

    def load(self, path: str) -> np.ndarray:
        return self.load_image(path)

    def collate(self, samples: list[Any]) -> np.ndarray:
        return np.stack(samples)


def image_dataset_from_directory(
    directory: str | os.PathLike[str],
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: tuple[int, int] | int = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    verbose: bool = True,
    workers: int = 1,
    use_multiprocessing: bool = False,
) -> ImageDataset | tuple[ImageDataset, ImageDataset]:
    """A dataset of image batches from `directory/<class>/<file>`, as Keras 3.

    Args:
        directory: the folder; with labels="inferred", one subfolder per class.
        labels: "inferred" (from subfolders), None (no labels), or a list of integer
            labels, one per file in the sorted order of all files.
        label_mode: "int" (int32 (batch,)), "categorical" (float32 one-hot), "binary"
            (float32 (batch, 1), two classes only) or None (images only).
        class_names: with labels="inferred", the subfolders to use, in this order.
        color_mode: "rgb", "grayscale" or "rgba": 3, 1 or 4 channels.
        batch_size: images per batch (32); None for single images.
        image_size: (height, width) every image is resized to; (256, 256) by default.
        shuffle: shuffle the files (and reshuffle after every epoch).
        seed: seed of the shuffles; needed with validation_split and shuffle.
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            subset "training", "validation" or "both" (a pair of datasets).
        interpolation: "bilinear" (default) or "nearest" for the resize.
        crop_to_aspect_ratio, pad_to_aspect_ratio: keep the aspect ratio by cropping the
            centre, or by padding with zeros, before resizing.
        verbose: print how many files and classes were found (as Keras).
        workers, use_multiprocessing: load batches ahead during fit (see `PyDataset`).

    Raises:
        ValueError: bad arguments, a folder without class subfolders or without images.
        ImportError: Pillow (the "image" extra) is not installed.
    """
    image_utils.pil_image()  # fail early, with the install hint
    name = "image_dataset_from_directory"
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{name}: label_mode must be one of {LABEL_MODES}, got {label_mode!r}")
    if color_mode not in CHANNELS:
        raise ValueError(f"{name}: color_mode must be one of {tuple(CHANNELS)}, got {color_mode!r}")
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"{name}: only data_format='channels_last' is supported, got {data_format!r}"
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if len(image_size) != 2 or not all(isinstance(s, int) and s > 0 for s in image_size):
        raise ValueError(f"{name}: image_size must be (height, width), got {image_size!r}")
    if interpolation not in image_ops.INTERPOLATIONS:
        raise ValueError(
            f"{name}: interpolation must be one of {image_ops.INTERPOLATIONS}, "
            f"got {interpolation!r}"
        )
    check_split_arguments(name, labels, batch_size, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        label_mode = None
    if seed is None:
        seed = int(random.generator().integers(1_000_000))  # set_random_seed repeats it

    paths, label_array, names = index_directory(
        directory, labels, class_names, shuffle, seed, follow_links
    )
    if label_mode == "binary" and names is not None and len(names) != 2:
        raise ValueError(
            f"{name}: label_mode='binary' needs exactly 2 classes, found {len(names)}: {names}"
        )
    if verbose:
        classes = "" if names is None else f" belonging to {len(names)} classes"
        print(f"Found {len(paths)} files{classes}.")
    paths, label_array = _drop_unreadable(paths, label_array)
    if not paths:
        raise ValueError(
            f"{name}: no images found in {os.fspath(directory)!r}; allowed formats: "
            f"{image_utils.ALLOWED_FORMATS}"
        )

    def make(files: list[str], labels: np.ndarray | None, what: str | None) -> ImageDataset:
        return ImageDataset(
            files,
            labels,
            names,
            label_mode,
            color_mode,
            batch_size,
            image_size,
            interpolation,
            crop_to_aspect_ratio,
            pad_to_aspect_ratio,
            shuffle,
            seed,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
        )

    return make_subsets(make, paths, label_array, validation_split, subset, name, verbose)


def check_split_arguments(
    name: str,
    labels: Any,
    batch_size: Any,
    validation_split: float | None,
    subset: str | None,
    shuffle: bool,
    seed: int | None,
) -> None:
    """The checks the *_dataset_from_directory functions share, with Keras' rules."""
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(
            f"{name}: batch_size must be a positive integer or None, got {batch_size!r}"
        )
    if validation_split is not None and validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"{name}: validation_split must be between 0 and 1, got {validation_split}"
        )
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{name}: give validation_split and subset together, or neither")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f"{name}: subset must be 'training', 'validation' or 'both', got {subset!r}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            f"{name}: with validation_split and shuffle=True, give a seed, so that the "
            "training and validation subsets (made by separate calls) do not overlap"
        )
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(f"{name}: labels must be 'inferred', None or a list, got {labels!r}")


def make_subsets(
    make: Any,
    paths: list[str],
    labels: np.ndarray | None,
    validation_split: float | None,
    subset: str | None,
    name: str,
    verbose: bool,
) -> Any:
    """`make(paths, labels, what)` for the whole set, or the training / validation part (or
    both): the validation part is the last `validation_split` of the shuffled files, as
    Keras. Says how many files each part has (verbose) and refuses an empty part."""

    def part(rows: slice, what: str | None) -> Any:
        chosen = paths[rows]
        if verbose and what:
            print(f"Using {len(chosen)} files for {what}.")
        if not chosen:
            raise ValueError(
                f"{name}: validation_split={validation_split} leaves no files for {what}"
            )
        return make(chosen, None if labels is None else labels[rows], what)

    n = len(paths)
    if not validation_split:
        return part(slice(None), None)
    num_val = int(validation_split * n)
    training = slice(0, n - num_val)
    validation = slice(n - num_val, n)
    if subset == "training":
        return part(training, "training")
    if subset == "validation":
        return part(validation, "validation")
    return part(training, "training"), part(validation, "validation")
