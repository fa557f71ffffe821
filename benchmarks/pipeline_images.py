"""Images per second the image pipeline feeds vs images per second training consumes.

A folder of generated PNGs (two classes, 96x96 pixels) is read by
`utils.image_dataset_from_directory(image_size=(64, 64), batch_size=32)`: decoding with
Pillow and resizing to 64x64 through the library's sampler. The feed rate is measured by
iterating one epoch of the dataset as fit does (batches loaded ahead in workers or not);
the consumption rate by `train_step` on in-memory batches of the same shape, with the
augmentation layers (RandomFlip, RandomRotation, RandomZoom) inside the model; then full
`fit` epochs from the dataset, with and without workers, tell how much of the loading
the workers hide behind training.

    flock /tmp/bench.lock python benchmarks/pipeline_images.py
    flock /tmp/bench.lock python benchmarks/pipeline_images.py --images 600 --reps 3
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's tensorgrad
# isort: off
import tensorgrad  # noqa: F401 - first, as the book's scripts import it: see tensorgrad/_runtime.py

# isort: on
import argparse
import statistics
import tempfile
import time

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit_json, machine

SIZE, TARGET, BATCH = 96, 64, 32


def write_folder(root: Path, n: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in ("cats", "dogs"):
        (root / c).mkdir(parents=True)
    for i in range(n):
        pixels = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / ("cats", "dogs")[i % 2] / f"{i:05d}.png")


def make_model():
    from tensorgrad import layers, models, utils

    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Rescaling(1 / 255, input_shape=(TARGET, TARGET, 3)),
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    return model


def feed_rate(root: Path, workers: int, processes: bool) -> float:
    from tensorgrad.models.data_adapters import get_adapter
    from tensorgrad.utils import image_dataset_from_directory

    ds = image_dataset_from_directory(
        root,
        image_size=(TARGET, TARGET),
        batch_size=BATCH,
        label_mode="binary",
        seed=1,
        verbose=False,
        workers=workers,
        use_multiprocessing=processes,
    )
    adapter = get_adapter(ds, shuffle=True)
    start = time.perf_counter()
    count = sum(len(x) for x, _, _ in adapter)
    return count / (time.perf_counter() - start)


def consume_rate(n: int) -> float:
    from tensorgrad.engine import grad_mode  # noqa: F401 - train_step records gradients

    model = make_model()
    rng = np.random.default_rng(0)
    batches = [
        (
            rng.uniform(0, 255, (BATCH, TARGET, TARGET, 3)).astype(np.float32),
            rng.integers(0, 2, (BATCH, 1)).astype(np.float32),
            None,
        )
        for _ in range(4)
    ]
    model.fit(batches[0][0], batches[0][1], epochs=1, verbose=0)  # build and compile
    steps = max(1, n // BATCH)
    start = time.perf_counter()
    for i in range(steps):
        model.train_step(batches[i % 4])
    return steps * BATCH / (time.perf_counter() - start)


def fit_rate(root: Path, workers: int) -> float:
    from tensorgrad.utils import image_dataset_from_directory

    ds = image_dataset_from_directory(
        root,
        image_size=(TARGET, TARGET),
        batch_size=BATCH,
        label_mode="binary",
        seed=1,
        verbose=False,
        workers=workers,
    )
    model = make_model()
    start = time.perf_counter()
    model.fit(ds, epochs=1, verbose=0)
    return len(ds.file_paths) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=640)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        write_folder(root, args.images)
        runs = {
            "feed, in the training thread": lambda: feed_rate(root, 1, False),
            "feed, 2 worker threads": lambda: feed_rate(root, 2, False),
            "feed, 2 worker processes": lambda: feed_rate(root, 2, True),
            "train_step on in-memory batches": lambda: consume_rate(args.images),
            "fit from the folder, no workers": lambda: fit_rate(root, 1),
            "fit from the folder, 2 worker threads": lambda: fit_rate(root, 2),
        }
        for _ in range(args.reps):
            for name, run in runs.items():  # interleaved, so load changes hit every runner
                results.setdefault(name, []).append(run())
    medians = {name: statistics.median(v) for name, v in results.items()}
    consume = medians["train_step on in-memory batches"]
    print(
        f"{args.images} PNGs of {SIZE}x{SIZE} -> {TARGET}x{TARGET}, batch {BATCH}, "
        f"median of {args.reps}"
    )
    print("| what | images/s (median, min-max) | / training's rate |")
    print("|---|---:|---:|")
    for name, values in results.items():
        print(
            f"| {name} | {medians[name]:.0f} ({min(values):.0f}-{max(values):.0f}) | "
            f"{medians[name] / consume:.2f} |"
        )
    emit_json("pipeline_images", {"machine": machine(), "images_per_s": results})


if __name__ == "__main__":
    main()
