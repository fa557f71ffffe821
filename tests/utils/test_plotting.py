"""Tests for tensorgrad.utils.plotting: figures come back, PNGs are written whole, errors are clear."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tensorgrad.utils import plotting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 2000  # a real picture, not an empty canvas
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the temporary file was renamed, not left behind


@pytest.fixture
def mpl():
    """matplotlib, or skip: it is an optional extra."""
    return pytest.importorskip("matplotlib")


@pytest.fixture
def digits() -> np.ndarray:
    """Six 28x28 uint8 'images': bright squares on black, one place each."""
    images = np.zeros((6, 28, 28), dtype=np.uint8)
    for i in range(6):
        images[i, 4 + 2 * i : 14 + 2 * i, 6:20] = 255
    return images


# --- plot_digit --------------------------------------------------------------------


def test_plot_digit_writes_png_and_returns_figure(mpl, digits, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "digit.png"
    fig = plotting.plot_digit(digits[4], label=9, path=path)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Label: 9"
    image = fig.axes[0].images[0]
    assert image.get_cmap().name == "binary"
    assert image.get_clim() == (0, 255)
    assert_png(path)


@pytest.mark.parametrize("shape", [(784,), (28, 28, 1)])
def test_plot_digit_accepts_flat_and_channel_images(mpl, digits, shape):
    fig = plotting.plot_digit(digits[0].reshape(shape) / 255.0)
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (28, 28)
    np.testing.assert_array_equal(shown, digits[0] / 255.0)  # row-major, unchanged
    assert fig.axes[0].images[0].get_clim() == (0, 1)  # scaled images keep their contrast


def test_plot_digit_draws_into_given_axes(mpl, digits):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert plotting.plot_digit(digits[1], ax=ax) is fig
    assert len(ax.images) == 1


@pytest.mark.parametrize("shape", [(3, 28, 28), (783,), (0, 0)])
def test_plot_digit_rejects_non_images(mpl, shape):
    with pytest.raises(ValueError, match=r"plot_digit: .*got"):
        plotting.plot_digit(np.zeros(shape))


def test_plot_digit_does_not_touch_an_existing_file_on_failure(mpl, digits, tmp_path):
    path = tmp_path / "digit.png"
    path.write_bytes(b"old")
    with pytest.raises(ValueError):
        plotting.plot_digit(np.zeros((2, 3, 4)), path=path)
    assert path.read_bytes() == b"old"


# --- plot_predictions --------------------------------------------------------------


def test_plot_predictions_marks_wrong_ones_in_red(mpl, digits, tmp_path):
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure

    true = np.array([0, 1, 2, 3, 4, 5])
    predicted = np.array([0, 1, 7, 3, 4, 1])
    path = tmp_path / "predictions.png"
    fig = plotting.plot_predictions(digits, predicted, true, path=path, n=6)
    assert isinstance(fig, Figure)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 6
    assert titled[2].get_title() == "predicted: 7\ntrue: 2"
    red = [ax.title.get_color() for ax in titled]
    assert [to_rgba(c) == to_rgba("tab:red") for c in red] == [0, 0, 1, 0, 0, 1]
    assert "4 of 6 right" in fig.get_suptitle()
    assert_png(path)


def test_plot_predictions_takes_probabilities_onehots_and_names(mpl, digits):
    probs = np.eye(3)[[2, 0, 1]] * 0.9 + 0.05
    onehot = np.eye(3)[[2, 0, 0]]
    names = ["cat", "dog", "bird"]
    fig = plotting.plot_predictions(digits[:3].reshape(3, 784), probs, onehot, class_names=names)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [
        "predicted: bird\ntrue: bird",
        "predicted: cat\ntrue: cat",
        "predicted: dog\ntrue: cat",
    ]


def test_plot_predictions_checks_its_arguments(mpl, digits):
    with pytest.raises(ValueError, match="same number of samples, got 6, 5 and 6"):
        plotting.plot_predictions(digits, np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        plotting.plot_predictions(digits, np.zeros(6), np.zeros(6), n=0)
    with pytest.raises(ValueError, match="class_names has 2 names"):
        plotting.plot_predictions(digits, np.arange(6), np.arange(6), class_names=["a", "b"])
    with pytest.raises(ValueError, match="non-integer"):
        plotting.plot_predictions(digits, np.full(6, 0.5), np.zeros(6))


# --- plot_history ------------------------------------------------------------------


class FakeHistory:
    """What model.fit returns: an object with a `history` dict."""

    def __init__(self, history: dict) -> None:
        self.history = history
        self.epoch = list(range(len(next(iter(history.values())))))


@pytest.mark.parametrize(
    "logs, panels",
    [
        (
            {"loss": [0.5, 0.3, 0.2], "accuracy": [0.8, 0.9, 0.95]},
            ["Training loss", "Training accuracy"],
        ),
        (
            {"loss": [0.5, 0.3], "acc": [0.8, 0.9], "val_loss": [0.6, 0.4], "val_acc": [0.7, 0.8]},
            ["Training and validation loss", "Training and validation accuracy"],
        ),
        ({"val_loss": [0.6], "loss": [0.5]}, ["Training and validation loss"]),
        (
            {"accuracy": [0.8, 0.9], "loss": [0.5, 0.3], "mae": [1.0, 0.5]},
            ["Training loss", "Training accuracy", "Training MAE"],
        ),
    ],
)
def test_plot_history_draws_one_panel_per_metric(mpl, logs, panels):
    fig = plotting.plot_history(logs)
    assert [ax.get_title() for ax in fig.axes] == panels
    first = fig.axes[0]
    np.testing.assert_allclose(first.lines[0].get_xdata(), np.arange(1, len(logs["loss"]) + 1))
    np.testing.assert_allclose(first.lines[0].get_ydata(), logs["loss"])
    assert len(first.lines) == (2 if "val_loss" in logs else 1)


def test_plot_history_takes_a_history_object_and_writes_png(mpl, tmp_path):
    history = FakeHistory(
        {
            "loss": [0.4, 0.2],
            "accuracy": [0.9, 0.95],
            "val_loss": [0.3, 0.25],
            "val_accuracy": [0.91, 0.93],
        }
    )
    path = tmp_path / "sub" / "history.png"
    fig = plotting.plot_history(history, path=path)
    assert len(fig.axes) == 2
    assert_png(path)


def test_plot_history_rejects_bad_input(mpl):
    with pytest.raises(TypeError, match="History returned by model.fit"):
        plotting.plot_history([0.5, 0.3])
    with pytest.raises(ValueError, match="holds no values"):
        plotting.plot_history({"loss": []})
    with pytest.raises(ValueError, match="one value per epoch"):
        plotting.plot_history({"loss": [0.5, 0.3], "accuracy": [0.9]})


# --- pyplot or not ----------------------------------------------------------------


def test_figures_join_pyplot_only_when_it_is_loaded(mpl, digits, monkeypatch):
    """Scripts that use pyplot get figures plt.show() displays; others get standalone ones."""
    import types

    from matplotlib.figure import Figure

    made = []

    def figure(**kwargs):
        made.append(kwargs)
        return Figure(**kwargs)

    fake_pyplot = types.SimpleNamespace(figure=figure)
    monkeypatch.setattr(mpl, "pyplot", fake_pyplot, raising=False)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", fake_pyplot)
    plotting.plot_digit(digits[0])
    assert len(made) == 1

    monkeypatch.delitem(sys.modules, "matplotlib.pyplot")
    monkeypatch.delattr(mpl, "pyplot")
    fig = plotting.plot_digit(digits[0])
    assert len(made) == 1
    assert fig.canvas.figure is fig


# --- without matplotlib ------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: plotting.plot_digit(np.zeros((28, 28))),
        lambda: plotting.plot_predictions(np.zeros((1, 28, 28)), [0], [0]),
        lambda: plotting.plot_history({"loss": [1.0]}),
    ],
)
def test_missing_matplotlib_says_how_to_install(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "tensorgrad\[plot\]"'):
        call()
