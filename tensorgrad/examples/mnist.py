"""The book's chapter 2 example, end to end: a dense network learns to read digits.

Run it as ``tensorgrad-mnist`` or ``python -m tensorgrad.examples.mnist``; ``--help``
lists the options. It follows listings 2.1 to 2.5 of *Deep Learning with Python*:

1. load MNIST and look at the tensors (rank, shape, dtype, first values);
2. build ``Dense(512, relu) -> Dense(10, softmax)`` and compile it with rmsprop,
   categorical crossentropy and accuracy;
3. reshape the images to (samples, 784) floats in [0, 1] and one-hot encode the labels;
4. fit for 5 epochs in batches of 128;
5. evaluate on the test set and predict the first 10 test digits.

``--dataset fashion_mnist`` runs the same network on Fashion-MNIST's clothing images.
``--model convnet`` trains the book's convnet instead (listing 5.1 of the first edition:
three Conv2D layers with max pooling, then Dense(64) and Dense(10)), on images of shape
(28, 28, 1), in batches of 64.
``mpirun -n 2 tensorgrad-mnist --distributed`` trains it with two processes
(``tensorgrad.distribute.DataParallel``); only rank 0 prints and writes files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from tensorgrad import distribute, layers, models, optimizers
from tensorgrad.datasets import DatasetError, fashion_mnist, mnist
from tensorgrad.saving import MODEL_SUFFIX
from tensorgrad.utils.arrays import to_categorical
from tensorgrad.utils.random import set_random_seed

__all__ = [
    "build",
    "build_convnet",
    "describe",
    "glimpse",
    "load",
    "main",
    "plot",
    "prepare",
    "report",
    "train",
]

# name on the command line -> (loader module, title, class names or None for digits)
DATASETS: dict[str, tuple[ModuleType, str, tuple[str, ...] | None]] = {
    "mnist": (mnist, "MNIST", None),
    "fashion_mnist": (fashion_mnist, "Fashion-MNIST", fashion_mnist.CLASS_NAMES),
}

MODELS = ("mlp", "convnet")
"""--model: the chapter 2 dense network, or the convnet chapter's network."""

BATCH_SIZES = {"mlp": 128, "convnet": 64}
"""The book's batch size for each network."""

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


# --- 1. the data ----------------------------------------------------------------------


def load(dataset: str = "mnist", path: str | os.PathLike[str] | None = None) -> Arrays:
    """Loads ``(train_images, train_labels), (test_images, test_labels)`` as uint8 arrays.

    Args:
        dataset: ``"mnist"`` or ``"fashion_mnist"``.
        path: a directory holding the four IDX files, looked in first.

    Raises:
        ValueError: for an unknown dataset name.
        DatasetError: when the files are neither found nor downloadable.
    """
    if dataset not in DATASETS:
        raise ValueError(f"load: unknown dataset {dataset!r}; expected one of {list(DATASETS)}")
    module = DATASETS[dataset][0]
    return module.load_data(path=path)


def glimpse(array: Any, n: int = 10) -> str:
    """A one-line structural glimpse of an array, like R's ``str()``: type, dims, first values.

    >>> glimpse(np.zeros((60000, 28, 28), dtype=np.uint8))
    'uint8 [1:60000, 1:28, 1:28] 0 0 0 0 0 0 0 0 0 0 ...'
    >>> glimpse(np.array([5, 0, 4], dtype=np.uint8))
    'uint8 [1:3] 5 0 4'
    >>> glimpse(np.float32(0.5))
    'float32 [scalar] 0.5'
    """
    array = np.asarray(array)
    dims = ", ".join(f"1:{d}" for d in array.shape) if array.ndim else "scalar"
    first = array.reshape(-1)[:n]  # row-major: the first row of the first sample first
    values = " ".join(_format_value(v) for v in first)
    more = " ..." if array.size > n else ""
    return f"{array.dtype} [{dims}] {values}{more}".rstrip()


def describe(name: str, array: Any) -> str:
    """Rank, shape, dtype and a glimpse of a named tensor, as the book inspects MNIST.

    >>> print(describe("train_labels", np.array([5, 0, 4, 1], dtype=np.uint8)))
    train_labels: rank 1, shape (4,), dtype uint8
      uint8 [1:4] 5 0 4 1
    """
    array = np.asarray(array)
    return (
        f"{name}: rank {array.ndim}, shape {array.shape}, dtype {array.dtype}\n  {glimpse(array)}"
    )


def _format_value(value: Any) -> str:
    if isinstance(value, (np.floating, float)):
        return f"{float(value):.4g}"
    return str(value)


def prepare(
    images: np.ndarray, labels: np.ndarray, model: str = "mlp"
) -> tuple[np.ndarray, np.ndarray]:
    """Scales images to float32 in [0, 1] and one-hot encodes labels.

    The dense network takes each image flattened to (samples, pixels); the convnet takes
    images with a channel axis, (samples, 28, 28, 1).

    >>> x, y = prepare(np.full((2, 28, 28), 255, dtype=np.uint8), np.array([3, 1]))
    >>> x.shape, x.dtype, float(x.max()), y.shape
    ((2, 784), dtype('float32'), 1.0, (2, 10))
    >>> prepare(np.zeros((2, 28, 28), dtype=np.uint8), np.array([3, 1]), "convnet")[0].shape
    (2, 28, 28, 1)
    """
    # Row-major (C order) reshape: each 28x28 image becomes its 28 rows laid end to end.
    shape = (len(images), -1) if model == "mlp" else (len(images), *images.shape[1:], 1)
    x = images.reshape(shape).astype(np.float32) / 255
    y = to_categorical(labels, 10)
    return x, y


# --- 2. the network -------------------------------------------------------------------


def build(optimizer: str = "rmsprop", learning_rate: float | None = None) -> models.Sequential:
    """The book's network, compiled: Dense(512, relu) then Dense(10, softmax) on 784 inputs.

    Args:
        optimizer: an optimizer name such as ``"rmsprop"``, ``"sgd"`` or ``"adam"``.
        learning_rate: the step factor; ``None`` keeps the optimizer's default.
    """
    model = models.Sequential(
        [
            layers.Dense(512, activation="relu", input_shape=(28 * 28,)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    return _compiled(model, optimizer, learning_rate)


def build_convnet(
    optimizer: str = "rmsprop", learning_rate: float | None = None
) -> models.Sequential:
    """The book's convnet (listing 5.1), compiled as build() compiles the dense network.

    Conv2D(32, 3, relu) on 28x28x1 images, MaxPooling2D(2), Conv2D(64, 3, relu),
    MaxPooling2D(2), Conv2D(64, 3, relu), Flatten, Dense(64, relu), Dense(10, softmax):
    93,322 parameters, 55,744 of them in the three convolution layers.
    """
    model = models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    return _compiled(model, optimizer, learning_rate)


def _compiled(
    model: models.Sequential, optimizer: str, learning_rate: float | None
) -> models.Sequential:
    opt = optimizers.get(optimizer)
    if learning_rate is not None:
        opt.learning_rate = learning_rate
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# --- 3. training and results ----------------------------------------------------------


def train(
    model: models.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5, batch_size: int = 128
) -> Any:
    """Fits the model, printing a progress bar per epoch; returns the History."""
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size)
    print(f"Trained {epochs} epoch(s) in {time.perf_counter() - start:.1f} s")
    return history


def report(
    model: models.Model,
    x_test: np.ndarray,
    y_test: np.ndarray,
    test_labels: np.ndarray,
    class_names: Sequence[str] | None = None,
    n: int = 10,
) -> np.ndarray:
    """Prints test loss and accuracy, then the first ``n`` predictions beside the truth.

    Returns:
        The predicted class probabilities of the first ``n`` test samples.
    """
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print()
    for name, value in results.items():
        print(f"Test {_pretty(name)}: {value:.4f}")

    probs = np.asarray(model.predict(x_test[:n], verbose=0))
    predicted = probs.argmax(axis=1)
    true = np.asarray(test_labels[:n])

    def name(c: Any) -> str:
        return f"{c} {class_names[c]}" if class_names else str(c)

    width = max(len(name(c)) for c in range(10)) + 2
    print(f"\nThe first {len(true)} test images, predicted and true:")
    print(f"  image  {'predicted':<{width}}probability  true")
    for i, (p, t) in enumerate(zip(predicted, true)):
        mark = "" if p == t else "  wrong"
        print(
            f"  {i:>5}  {name(p):<{width}}{probs[i, p]:>11.3f}  {name(t):<{width}}{mark}".rstrip()
        )
    print(f"{int(np.sum(predicted == true))} of {len(true)} right")
    return probs


def _pretty(name: str) -> str:
    """'loss' -> 'loss', 'acc' -> 'accuracy', 'sparse_categorical_accuracy' -> its words."""
    return {"acc": "accuracy"}.get(name, name.replace("_", " "))


def plot(
    directory: str | os.PathLike[str],
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    probs: np.ndarray,
    history: Any,
    class_names: Sequence[str] | None = None,
) -> list[Path]:
    """Writes digit.png (the fifth training image), predictions.png and history.png."""
    from tensorgrad.utils import plotting

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    label: Any = train_labels[4]
    if class_names:
        label = f"{label} ({class_names[label]})"
    n = len(probs)
    paths = [directory / f"{stem}.png" for stem in ("digit", "predictions", "history")]
    plotting.plot_digit(train_images[4], label=label, path=paths[0])
    plotting.plot_predictions(
        test_images[:n], probs, test_labels[:n], path=paths[1], class_names=class_names, n=n
    )
    plotting.plot_history(history, path=paths[2])
    return paths


# --- the command ----------------------------------------------------------------------


def _number(kind: type, minimum: float = 0, strict: bool = True) -> Any:
    """An argparse type: a ``kind`` above ``minimum`` (or at least it, when not strict)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value < minimum or (strict and value == minimum):
            bound = f"greater than {minimum}" if strict else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {text}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line of ``tensorgrad-mnist``."""
    parser = argparse.ArgumentParser(
        prog="tensorgrad-mnist",
        description=(
            "Train the book's chapter 2 network (Dense(512, relu) -> Dense(10, softmax)), "
            "or its convnet (--model convnet), on MNIST or Fashion-MNIST, evaluate it and "
            "predict the first test images."
        ),
        epilog=(
            "The data is looked for in --data-dir, $TENSORGRAD_HOME/datasets/, each directory "
            "in $TENSORGRAD_DATA_PATH and /usr/share/datasets/, then downloaded. "
            "Example: tensorgrad-mnist --dataset fashion_mnist --epochs 1 --plots plots"
        ),
    )
    parser.add_argument(
        "--dataset",
        choices=list(DATASETS),
        default="mnist",
        help="which images to learn (default: mnist, as the book)",
    )
    parser.add_argument(
        "--model",
        choices=MODELS,
        default="mlp",
        help="mlp: the chapter 2 dense network (default); convnet: the book's convnet, listing 5.1",
    )
    parser.add_argument(
        "--epochs",
        metavar="N",
        type=_number(int),
        default=5,
        help="passes over the training set (default: 5)",
    )
    parser.add_argument(
        "--batch-size",
        metavar="N",
        type=_number(int),
        default=None,
        help="samples per gradient update (default: 128 for mlp, 64 for convnet, as the book)",
    )
    parser.add_argument(
        "--optimizer",
        metavar="NAME",
        default="rmsprop",
        help="optimizer name: rmsprop, sgd, adagrad, adam (default: rmsprop)",
    )
    parser.add_argument(
        "--learning-rate",
        metavar="LR",
        type=_number(float),
        default=None,
        help="step factor (default: the optimizer's own)",
    )
    parser.add_argument(
        "--seed",
        metavar="N",
        type=_number(int, 0, strict=False),
        default=None,
        help="seed the library's random generator for a repeatable run",
    )
    parser.add_argument(
        "--plots",
        metavar="DIR",
        default=None,
        help="write digit.png, predictions.png and history.png into DIR",
    )
    parser.add_argument(
        "--save",
        metavar="PATH",
        default=None,
        help=f"save the trained model to PATH (ending in {MODEL_SUFFIX})",
    )
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        default=None,
        help="directory holding the dataset's four IDX files, looked in first",
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="train with every process mpirun started (DataParallel); --batch-size is then "
        "the global batch, and only rank 0 prints and writes files",
    )
    return parser.parse_args(argv)


def _fail(message: str) -> int:
    print(f"tensorgrad-mnist: {message}", file=sys.stderr)
    return 2


def _check_options(args: argparse.Namespace) -> str | None:
    """What is wrong with the options, found before any data is loaded; None when all is well."""
    if args.plots is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return '--plots needs matplotlib: pip install "tensorgrad[plot]"'
    if args.save is not None and not args.save.endswith(MODEL_SUFFIX):
        return f"--save: the path must end in {MODEL_SUFFIX}, got {args.save!r}"
    try:
        optimizers.get(args.optimizer)
    except ValueError as e:
        return f"--optimizer: {e}"
    return None


def _print_tensors(**arrays: np.ndarray) -> None:
    print()
    for name, array in arrays.items():
        print(describe(name, array))


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the chapter 2 example; returns the exit status (0, or 2 on a usage or data error)."""
    args = parse_args(argv)
    problem = _check_options(args)
    if problem is not None:
        return _fail(problem)
    if args.seed is not None:
        set_random_seed(args.seed)
    strategy = distribute.DataParallel() if args.distributed else distribute.get_strategy()
    if not strategy.is_chief:
        sys.stdout = open(os.devnull, "w")  # only rank 0 prints, for the whole run
    _, title, class_names = DATASETS[args.dataset]

    print(f"Loading {title}...")
    try:
        (train_images, train_labels), (test_images, test_labels) = load(args.dataset, args.data_dir)
    except DatasetError as e:
        hint = "Pass --data-dir DIR, or set TENSORGRAD_DATA_PATH, to use files you have."
        if args.dataset == "mnist":
            hint += " To run the same network on Fashion-MNIST: --dataset fashion_mnist."
        return _fail(f"cannot load {title}.\n{e}\n{hint}")
    _print_tensors(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
    )

    make = build if args.model == "mlp" else build_convnet
    with strategy.scope():
        model = make(args.optimizer, args.learning_rate)
    print()
    model.summary()

    x_train, y_train = prepare(train_images, train_labels, args.model)
    x_test, y_test = prepare(test_images, test_labels, args.model)
    _print_tensors(x_train=x_train, y_train=y_train)
    print()

    batch_size = args.batch_size or BATCH_SIZES[args.model]
    history = train(model, x_train, y_train, args.epochs, batch_size)
    probs = report(model, x_test, y_test, test_labels, class_names)

    if args.plots is not None and strategy.is_chief:
        images = (train_images, train_labels, test_images, test_labels)
        paths = plot(args.plots, *images, probs, history, class_names)
        print("\nWrote " + ", ".join(str(p) for p in paths))
    if args.save is not None:
        model.save(args.save)
        print(f"\nSaved the model to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
