"""The first edition's `ImageDataGenerator`: random transforms of image batches, Keras 2 style.

`ImageDataGenerator(rescale=1/255, rotation_range=40, width_shift_range=0.2,
height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True)` draws, per
image, the transform Keras 2 draws (rotation in degrees, shifts as fractions of the size or
pixels, shear angle in degrees, zoom factors in [1 - z, 1 + z] drawn separately for rows and
columns, a left-right flip half of the time), composes them into one affine map about the
image centre exactly as `keras.preprocessing.image.apply_affine_transform`, and resamples
with bilinear interpolation through the same vectorised sampler as the augmentation layers
(`engine.ops.image`). Pixels that come from outside are filled by `fill_mode` ("nearest"
by default, "reflect", "wrap", "constant" with `cval`), per neighbour pixel, as Keras 3's
layers do (scipy, which Keras 2 used, differs only in how it blends at the very border).

`flow(x, y)` and `flow_from_directory(directory)` give `PyDataset`s that `fit` takes (with
or without `steps_per_epoch`), reshuffled after each epoch; they are also endless
iterators (`next(it)`), as in Keras 2.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.ops import image as image_ops
from tensorgrad.utils import image_utils
from tensorgrad.utils.py_dataset import PyDataset

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "NumpyArrayIterator",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
]

load_img = image_utils.load_img
img_to_array = image_utils.img_to_array
array_to_img = image_utils.array_to_img
save_img = image_utils.save_img

WHITE_LIST_FORMATS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


def _range(name: str, value: Any) -> Any:
    if isinstance(value, (int, float)) and value < 0:
        raise ValueError(f"ImageDataGenerator: {name} must be >= 0, got {value!r}")
    return value


class ImageDataGenerator:
    """Random image transformations and rescaling, applied batch by batch (Keras 2).

    Args:
        rotation_range: degrees; rotations drawn in [-r, r].
        width_shift_range, height_shift_range: a fraction of the width/height (< 1), a
            number of pixels (>= 1), or a list of allowed pixel shifts.
        shear_range: shear angle in degrees, counter-clockwise, drawn in [-s, s].
        zoom_range: z for [1 - z, 1 + z], or [lower, upper].
        horizontal_flip, vertical_flip: flip half of the images.
        fill_mode: "nearest" (default), "constant", "reflect" or "wrap".
        cval: the fill value for fill_mode="constant".
        rescale: multiply every image by this after transforming (e.g. 1/255).
        preprocessing_function: called on each image after transforming, before rescale.
        data_format: "channels_last" only (Keras' default).
        dtype: the output's dtype (float32).
    """

    def __init__(
        self,
        rotation_range: float = 0,
        width_shift_range: Any = 0.0,
        height_shift_range: Any = 0.0,
        shear_range: float = 0.0,
        zoom_range: Any = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: float | None = None,
        preprocessing_function: Any = None,
        data_format: str | None = None,
        dtype: Any = "float32",
    ) -> None:
        self.rotation_range = _range("rotation_range", rotation_range)
        self.width_shift_range = _range("width_shift_range", width_shift_range)
        self.height_shift_range = _range("height_shift_range", height_shift_range)
        self.shear_range = _range("shear_range", shear_range)
        if np.isscalar(zoom_range):
            zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2:
            zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(
                "ImageDataGenerator: zoom_range must be a number or [lower, upper], "
                f"got {zoom_range!r}"
            )
        self.zoom_range = zoom_range
        if fill_mode not in image_ops.FILL_MODES:
            raise ValueError(
                f"ImageDataGenerator: fill_mode must be one of {image_ops.FILL_MODES}, "
                f"got {fill_mode!r}"
            )
        self.fill_mode = fill_mode
        self.cval = float(cval)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        if data_format not in (None, "channels_last"):
            raise ValueError(
                "ImageDataGenerator: only data_format='channels_last' is supported, "
                f"got {data_format!r}"
            )
        self.dtype = np.dtype(dtype)

    # ----- the transforms -----
    def _shift(self, spec: Any, size: int, rng: np.random.Generator) -> float:
        if not spec:
            return 0.0
        if isinstance(spec, (list, tuple, np.ndarray)):
            shift = float(rng.choice(spec)) * rng.choice([-1, 1])
        else:
            shift = float(rng.uniform(-spec, spec))
        if np.max(spec) < 1:
            shift *= size
        return shift

    def get_random_transform(
        self, img_shape: tuple[int, ...], seed: int | None = None
    ) -> dict[str, Any]:
        """The random parameters of one image's transform (Keras 2's names and draws)."""
        rng = np.random.default_rng(seed) if seed is not None else random.generator()
        rows, cols = img_shape[0], img_shape[1]
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        # Keras 2 calls the row shift tx and takes it from height_shift_range
        tx = self._shift(self.height_shift_range, rows, rng)
        ty = self._shift(self.width_shift_range, cols, rng)
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1.0, 1.0
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        return {
            "theta": float(theta),
            "tx": tx,
            "ty": ty,
            "shear": float(shear),
            "zx": float(zx),
            "zy": float(zy),
            "flip_horizontal": self.horizontal_flip and rng.random() < 0.5,
            "flip_vertical": self.vertical_flip and rng.random() < 0.5,
        }

    @staticmethod
    def transform_matrix(params: dict[str, Any], rows: int, cols: int) -> np.ndarray:
        """The 3x3 map from output (row, col) to input (row, col), as Keras 2 builds it."""
        theta, shear = np.deg2rad(params["theta"]), np.deg2rad(params["shear"])
        rotation = np.array(
            [[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]
        )
        shift = np.array([[1, 0, params["tx"]], [0, 1, params["ty"]], [0, 0, 1]])
        shear_m = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
        zoom = np.array([[params["zx"], 0, 0], [0, params["zy"], 0], [0, 0, 1]])
        matrix = rotation @ shift @ shear_m @ zoom
        o_x, o_y = rows / 2 - 0.5, cols / 2 - 0.5  # about the centre, as Keras 2
        offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
        reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
        return offset @ matrix @ reset

    def apply_transforms(self, images: np.ndarray, params: list[dict[str, Any]]) -> np.ndarray:
        """A batch (n, rows, cols, channels) transformed image by image, in one resample."""
        _n, rows, cols = images.shape[:3]
        matrices = [self.transform_matrix(p, rows, cols) for p in params]
        resampled = any(not np.allclose(m, np.eye(3)) for m in matrices)
        if resampled:
            # our plans take [a0, a1, a2, b0, b1, b2]: col_in = a0*col + a1*row + a2, ...
            transforms = np.array(
                [[m[1, 1], m[1, 0], m[1, 2], m[0, 1], m[0, 0], m[0, 2]] for m in matrices]
            )
            plan = image_ops.affine_plan(
                transforms, (rows, cols), "bilinear", self.fill_mode, self.cval
            )
            images = image_ops.resample(images, plan).data
        flip_h = np.array([p["flip_horizontal"] for p in params])
        flip_v = np.array([p["flip_vertical"] for p in params])
        if (flip_h.any() or flip_v.any()) and not resampled:
            images = images.copy()  # never change the caller's array
        if flip_h.any():
            images[flip_h] = images[flip_h, :, ::-1]
        if flip_v.any():
            images[flip_v] = images[flip_v, ::-1]
        return images

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """One image (rows, cols, channels) randomly transformed."""
        x = np.asarray(x, dtype=self.dtype)
        return self.apply_transforms(x[None], [self.get_random_transform(x.shape, seed)])[0]

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """preprocessing_function then rescale, on an image or batch (in place when possible)."""
        if self.preprocessing_function is not None:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * np.asarray(self.rescale, dtype=x.dtype)
        return x

    def transform_batch(self, images: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Random transforms, then standardize, of a batch (n, rows, cols, channels)."""
        images = np.asarray(images, dtype=self.dtype)
        seeds = None if rng is None else rng.integers(2**31, size=len(images))
        params = [
            self.get_random_transform(images.shape[1:], None if seeds is None else int(seeds[i]))
            for i in range(len(images))
        ]
        images = self.apply_transforms(images, params)
        if self.preprocessing_function is not None:
            images = np.stack([self.preprocessing_function(image) for image in images])
        if self.rescale:
            images = images * np.asarray(self.rescale, dtype=images.dtype)
        return images.astype(self.dtype, copy=False)

    # ----- the iterators -----
    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight: Any = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> NumpyArrayIterator:
        """Batches of transformed images of x (n, rows, cols, channels), with y if given."""
        return NumpyArrayIterator(self, x, y, batch_size, shuffle, sample_weight, seed, **kwargs)

    def flow_from_directory(
        self,
        directory: str | os.PathLike[str],
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> DirectoryIterator:
        """Batches of transformed images read from `directory/<class>/<image>` (Keras 2).

        class_mode: "categorical" (one-hot), "binary" (float 0/1, shape (batch,)),
        "sparse" (float class indices), "input" (the images as targets) or None.
        """
        return DirectoryIterator(
            self,
            directory,
            target_size,
            color_mode,
            classes,
            class_mode,
            batch_size,
            shuffle,
            seed,
            interpolation,
            **kwargs,
        )


class _BatchIterator(PyDataset):
    """Shared by flow and flow_from_directory: an indexed dataset and an endless iterator."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self._order_rng = np.random.default_rng(seed) if seed is not None else None
        self._transform_rng = np.random.default_rng(None if seed is None else seed + 1)
        self._seeded = seed is not None
        self.index_array = self._new_order()
        self._next = 0

    def _new_order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.n)
        return (self._order_rng or random.generator()).permutation(self.n)

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(
                f"{type(self).__name__}: batch {index} out of range (0..{len(self) - 1})"
            )
        rows = self.index_array[index * self.batch_size : (index + 1) * self.batch_size]
        return self._batch(rows)

    def _rng(self) -> np.random.Generator | None:
        return self._transform_rng if self._seeded else None

    def _batch(self, rows: np.ndarray) -> Any:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        self.index_array = self._new_order()

    def __next__(self) -> Any:
        if self._next >= len(self):
            self._next = 0
            self.on_epoch_end()
        self._next += 1
        return self[self._next - 1]

    def __iter__(self) -> Any:
        return self

    def reset(self) -> None:
        """Start again from the first batch of the current order."""
        self._next = 0


class NumpyArrayIterator(_BatchIterator):
    """`ImageDataGenerator.flow`'s batches over arrays: `(x, y)`, `(x, y, w)` or `x`."""

    def __init__(
        self,
        generator: ImageDataGenerator,
        x: Any,
        y: Any,
        batch_size: int,
        shuffle: bool,
        sample_weight: Any,
        seed: int | None,
        **kwargs: Any,
    ) -> None:
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(
                "ImageDataGenerator.flow: x must be images of shape (samples, rows, cols, "
                f"channels), got shape {x.shape}"
            )
        if y is not None and len(y) != len(x):
            raise ValueError(
                f"ImageDataGenerator.flow: x and y must hold the same number of samples, got "
                f"{len(x)} and {len(y)}"
            )
        self.generator = generator
        self.x = x
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        super().__init__(len(x), batch_size, shuffle, seed, **kwargs)

    def _batch(self, rows: np.ndarray) -> Any:
        images = self.generator.transform_batch(self.x[rows], self._rng())
        if self.y is None:
            return images
        if self.sample_weight is None:
            return images, self.y[rows]
        return images, self.y[rows], self.sample_weight[rows]


class DirectoryIterator(_BatchIterator):
    """`ImageDataGenerator.flow_from_directory`'s batches; `class_indices`, `classes`
    (the label of every file) and `filenames` as in Keras 2."""

    def __init__(
        self,
        generator: ImageDataGenerator,
        directory: str | os.PathLike[str],
        target_size: tuple[int, int],
        color_mode: str,
        classes: list[str] | None,
        class_mode: str | None,
        batch_size: int,
        shuffle: bool,
        seed: int | None,
        interpolation: str,
        **kwargs: Any,
    ) -> None:
        if class_mode not in CLASS_MODES:
            raise ValueError(
                f"flow_from_directory: class_mode must be one of {CLASS_MODES}, got {class_mode!r}"
            )
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: {directory!r} is not a directory")
        if classes is None:
            classes = sorted(
                d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d))
            )
        if not classes:
            raise ValueError(
                f"flow_from_directory: {directory!r} has no class subfolders; put the images "
                "in one subfolder per class"
            )
        self.generator = generator
        self.directory = directory
        self.target_size = tuple(target_size)
        self.color_mode = color_mode
        self.class_mode = class_mode
        self.interpolation = interpolation
        self.class_indices = {name: i for i, name in enumerate(classes)}
        self.filenames: list[str] = []
        labels: list[int] = []
        for name in classes:
            root_dir = os.path.join(directory, name)
            for root, _, files in sorted(os.walk(root_dir), key=lambda w: w[0]):
                for fname in sorted(files):
                    if fname.lower().endswith(WHITE_LIST_FORMATS):
                        self.filenames.append(os.path.relpath(os.path.join(root, fname), directory))
                        labels.append(self.class_indices[name])
        self.classes = np.asarray(labels, dtype="int32")
        self.num_classes = len(classes)
        print(f"Found {len(self.filenames)} images belonging to {self.num_classes} classes.")
        if not self.filenames:
            raise ValueError(f"flow_from_directory: no images found in {directory!r}")
        super().__init__(len(self.filenames), batch_size, shuffle, seed, **kwargs)

    @property
    def filepaths(self) -> list[str]:
        return [os.path.join(self.directory, f) for f in self.filenames]

    def _batch(self, rows: np.ndarray) -> Any:
        images = np.stack(
            [
                image_utils.img_to_array(
                    image_utils.load_img(
                        os.path.join(self.directory, self.filenames[i]),
                        color_mode=self.color_mode,
                        target_size=self.target_size,
                        interpolation=self.interpolation,
                    ),
                    dtype=self.generator.dtype,
                )
                for i in rows
            ]
        )
        images = self.generator.transform_batch(images, self._rng())
        labels = self.classes[rows]
        if self.class_mode is None:
            return images
        if self.class_mode == "input":
            return images, images.copy()
        if self.class_mode == "sparse":
            return images, labels.astype(self.generator.dtype)
        if self.class_mode == "binary":
            return images, labels.astype(self.generator.dtype)
        return images, np.eye(self.num_classes, dtype=self.generator.dtype)[labels]
