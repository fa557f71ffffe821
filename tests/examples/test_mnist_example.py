"""The chapter 2 example (tensorgrad-mnist), run end to end on a small slice of Fashion-MNIST."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np
import pytest

from tensorgrad import models
from tensorgrad.datasets import DatasetError, cache, fashion_mnist
from tensorgrad.examples import mnist as example

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FAST = ["--dataset", "fashion_mnist", "--epochs", "1", "--seed", "0"]


def _synthetic(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Learnable stand-in images: class k lights rows 2k+2..2k+5, over faint noise."""
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)  # a black border, as in the real images
    images[:, 2:26, 2:26] = rng.integers(0, 60, size=(n, 24, 24))
    for k in range(10):
        images[labels == k, 2 * k + 2 : 2 * k + 6, 4:24] = 255
    return images, labels


@pytest.fixture(scope="module")
def small_data():
    """1,000 training and 200 test images of the real Fashion-MNIST when it is at hand.

    The usual places are searched (the cache, TENSORGRAD_DATA_PATH, system directories)
    with downloads turned off; without the files, learnable synthetic images stand in.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fashion_mnist, "MIRRORS", ())
        try:
            (x, y), (xt, yt) = fashion_mnist.load_data()
            return (x[:1000], y[:1000]), (xt[:200], yt[:200])
        except DatasetError:
            rng = np.random.default_rng(0)
            return _synthetic(1000, rng), _synthetic(200, rng)


@pytest.fixture
def fast_loader(monkeypatch, small_data):
    """Makes fashion_mnist.load_data return the small slice; records the path= it got."""
    calls = []

    def load_data(path=None):
        calls.append(path)
        return small_data

    monkeypatch.setattr(fashion_mnist, "load_data", load_data)
    return calls


def test_main_runs_the_book_example(fast_loader, small_data, capsys):
    assert example.main([*FAST, "--epochs", "2"]) == 0
    out = capsys.readouterr().out

    assert "train_images: rank 3, shape (1000, 28, 28), dtype uint8" in out
    assert "uint8 [1:1000, 1:28, 1:28] 0 0 0" in out
    assert "x_train: rank 2, shape (1000, 784), dtype float32" in out
    assert "y_train: rank 2, shape (1000, 10), dtype float32" in out
    assert "407,050" in out  # the summary's total parameter count
    assert "Epoch 1/2" in out and "Epoch 2/2" in out  # as Keras, headers only for 2+ epochs
    assert "Trained 2 epoch(s) in" in out
    assert re.search(r"^Test loss: \d+\.\d{4}$", out, re.MULTILINE)
    accuracy = re.search(r"^Test accuracy: (\d\.\d{4})$", out, re.MULTILINE)
    assert accuracy and float(accuracy.group(1)) > 0.5  # two epochs on 1,000 images learn

    rows = re.findall(
        r"^ +(\d+)  (\d) (\S+(?: \S+)?) +(\d\.\d{3})  (\d) (\S+(?: \S+)?) *(wrong)?$",
        out,
        re.MULTILINE,
    )
    assert [int(r[0]) for r in rows] == list(range(10))
    assert [int(r[4]) for r in rows] == [int(v) for v in small_data[1][1][:10]]
    names = set(fashion_mnist.CLASS_NAMES)
    assert all(r[2] in names and r[5] in names for r in rows)
    right = sum(r[1] == r[4] for r in rows)
    assert [r[6] == "wrong" for r in rows] == [r[1] != r[4] for r in rows]
    assert f"{right} of 10 right" in out
    assert fast_loader == [None]


def test_main_writes_three_plots(fast_loader, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plots = tmp_path / "plots"
    assert example.main([*FAST, "--plots", str(plots)]) == 0
    for name in ("digit.png", "predictions.png", "history.png"):
        data = (plots / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE
        assert len(data) > 5000
    assert sorted(p.name for p in plots.iterdir()) == [
        "digit.png",
        "history.png",
        "predictions.png",
    ]
    assert "Wrote" in capsys.readouterr().out


def test_seed_makes_runs_repeatable_and_data_dir_reaches_the_loader(fast_loader, tmp_path, capsys):
    def accuracy_line(*options):
        assert example.main([*FAST, *options]) == 0
        return re.search(r"^Test accuracy: .*$", capsys.readouterr().out, re.MULTILINE).group(0)

    assert accuracy_line() == accuracy_line("--data-dir", str(tmp_path))
    assert fast_loader == [None, str(tmp_path)]


@pytest.mark.skipif(not hasattr(models.Model, "save"), reason="Model.save is not available")
def test_save_writes_the_model(fast_loader, tmp_path, capsys):
    path = tmp_path / "model.tensorgrad"
    assert example.main([*FAST, "--save", str(path)]) == 0
    assert path.read_bytes()[:2] == b"PK"  # a zip archive
    assert f"Saved the model to {path}" in capsys.readouterr().out


@pytest.mark.parametrize("dataset, title", [("fashion_mnist", "Fashion-MNIST"), ("mnist", "MNIST")])
def test_missing_data_is_a_clean_error(dataset, title, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TENSORGRAD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TENSORGRAD_DATA_PATH", str(tmp_path / "data"))
    monkeypatch.setattr(cache, "SYSTEM_DATA_DIRS", (tmp_path / "system",))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert example.main(["--dataset", dataset]) == 2
    captured = capsys.readouterr()
    assert f"tensorgrad-mnist: cannot load {title}." in captured.err
    assert "TENSORGRAD_DATA_PATH" in captured.err
    assert "--data-dir" in captured.err
    assert "Traceback" not in captured.err
    assert "Total params" not in captured.out  # stopped before building anything
    assert ("Fashion-MNIST: --dataset fashion_mnist" in captured.err) == (dataset == "mnist")


def test_bad_options_are_usage_errors(fast_loader, capsys):
    for argv in (["--epochs", "0"], ["--batch-size", "x"], ["--dataset", "cifar"]):
        with pytest.raises(SystemExit) as info:
            example.main(argv)
        assert info.value.code == 2
    assert example.main(["--optimizer", "nope"]) == 2
    assert "--optimizer:" in capsys.readouterr().err
    assert example.main(["--save", "model.h5"]) == 2
    assert "--save: the path must end in .tensorgrad" in capsys.readouterr().err
    assert fast_loader == []  # nothing was loaded for a bad command line


def test_plots_without_matplotlib_fail_before_training(fast_loader, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert example.main([*FAST, "--plots", str(tmp_path)]) == 2
    assert 'pip install "tensorgrad[plot]"' in capsys.readouterr().err
    assert fast_loader == []


def test_glimpse_of_floats_and_small_arrays():
    assert example.glimpse(np.array([[0.0, 0.25], [1 / 3, 1.0]], dtype=np.float32)) == (
        "float32 [1:2, 1:2] 0 0.25 0.3333 1"
    )
    assert example.glimpse(np.arange(12), n=3) == "int64 [1:12] 0 1 2 ..."


def test_help_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "tensorgrad.examples.mnist", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: tensorgrad-mnist" in result.stdout
    for option in ("--dataset", "--epochs", "--batch-size", "--plots", "--save", "--data-dir"):
        assert option in result.stdout
    assert result.stderr == ""


def test_build_is_the_book_network():
    model = example.build()
    assert model.count_params() == 784 * 512 + 512 + 512 * 10 + 10
    assert type(model.optimizer).__name__ == "RMSprop"
    assert model.loss.name == "categorical_crossentropy"
    tuned = example.build("sgd", learning_rate=0.05)
    assert type(tuned.optimizer).__name__ == "SGD"
    assert tuned.optimizer.learning_rate == pytest.approx(0.05)


# ----- --model convnet: the book's convnet -----
def test_convnet_option_trains_the_book_convnet(fast_loader, capsys):
    assert example.main([*FAST, "--model", "convnet", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "x_train: rank 4, shape (1000, 28, 28, 1), dtype float32" in out
    assert "(Conv2D)" in out and "(None, 3, 3, 64)" in out
    assert "Total params: 93,322" in out
    assert "16/16 [==============================]" in out  # ceil(1000 / 64): batch 64
    accuracy = re.search(r"^Test accuracy: (\d\.\d{4})$", out, re.MULTILINE)
    assert accuracy and float(accuracy.group(1)) > 0.5
    assert re.search(r"^\d+ of 10 right$", out, re.MULTILINE)


def test_convnet_option_respects_batch_size_and_default_stays_mlp(fast_loader, monkeypatch, capsys):
    assert example.parse_args([]).model == "mlp"
    seen = []

    def train(model, x, y, epochs=5, batch_size=128):  # records instead of training
        seen.append((model.count_params(), x.shape[1:], batch_size))

    monkeypatch.setattr(example, "train", train)
    assert example.main([*FAST, "--model", "convnet", "--batch-size", "500"]) == 0
    assert example.main([*FAST, "--model", "convnet"]) == 0
    assert example.main(FAST) == 0
    assert seen == [(93322, (28, 28, 1), 500), (93322, (28, 28, 1), 64), (407050, (784,), 128)]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        example.parse_args(["--model", "resnet"])
    assert "invalid choice: 'resnet'" in capsys.readouterr().err


def test_build_convnet_is_listing_5_1():
    model = example.build_convnet()
    assert model.count_params() == 93322
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "Flatten",
        "Dense",
        "Dense",
    ]
    assert sum(layer.count_params() for layer in model.layers[:5]) == 55744
    assert type(model.optimizer).__name__ == "RMSprop"
