"""Tests for the loss landscape: lines and planes through a real model's weights, and their plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tensorgrad import layers, models, utils
from tensorgrad.engine.tensor import Tensor

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_data(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes, the argmax of a fixed random projection of the features."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype(np.float32)
    labels = (x @ rng.standard_normal((5, 3))).argmax(axis=1)
    return x, utils.to_categorical(labels, 3)


def make_model(train: bool = True) -> models.Sequential:
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(5,)),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    if train:
        x, y = make_data()
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return model


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    return make_data()


@pytest.fixture
def model() -> models.Sequential:
    return make_model()


def assert_same_weights(model: models.Sequential, expected: list[np.ndarray]) -> None:
    for w, e in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(w, e)
        assert w.dtype == e.dtype


def loss_of(model: models.Sequential, x: np.ndarray, y: np.ndarray) -> float:
    return float(model.evaluate(x, y, batch_size=512, verbose=0)[0])


# --- loss_along_line --------------------------------------------------------------------


def test_line_at_alpha_zero_is_the_models_loss(model, data):
    x, y = data
    alphas, losses = utils.loss_along_line(model, x, y, alphas=[-0.5, 0.0, 0.5])
    assert alphas.dtype == np.float64 and losses.shape == (3,)
    assert losses[1] == pytest.approx(loss_of(model, x, y), rel=1e-6)
    assert losses[0] != losses[1] != losses[2]  # the weights did move


def test_line_restores_the_weights_exactly(model, data):
    x, y = data
    tensors = list(model.weights)
    before = model.get_weights()
    utils.loss_along_line(model, x, y, alphas=np.linspace(-1, 1, 5))
    assert_same_weights(model, before)
    assert all(a is b for a, b in zip(model.weights, tensors))  # same tensors, updated in place


@pytest.mark.parametrize("surface", [False, True])
def test_weights_are_restored_when_evaluate_fails_midway(model, data, monkeypatch, surface):
    x, y = data
    before = model.get_weights()
    evaluate = model.evaluate
    calls = []

    def failing_evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("evaluation failed")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(model, "evaluate", failing_evaluate)
    with pytest.raises(RuntimeError, match="evaluation failed"):
        if surface:
            utils.loss_surface(model, x, y, alphas=[0.5, 1.0], betas=[0.5, 1.0])
        else:
            utils.loss_along_line(model, x, y, alphas=[0.5, 1.0, 2.0])
    assert len(calls) == 3
    assert_same_weights(model, before)


def test_direction_must_match_the_weights(model, data):
    x, y = data
    direction = [np.ones_like(w) for w in model.get_weights()]
    direction[2] = np.ones((3, 8), np.float32)  # transposed kernel of the second layer
    with pytest.raises(
        ValueError,
        match=r"loss_along_line: direction must have one array per"
        r" weight array.*expected \[\(5, 8\), \(8,\), \(8, 3\), \(3,\)\], got",
    ):
        utils.loss_along_line(model, x, y, direction=direction)
    with pytest.raises(ValueError, match=r"loss_surface: directions\[1\] must have one array"):
        utils.loss_surface(model, x, y, directions=(utils.random_direction(model), direction))
    with pytest.raises(ValueError, match=r"loss_surface: directions must be a pair"):
        utils.loss_surface(model, x, y, directions=[utils.random_direction(model)])


@pytest.mark.parametrize("alphas", [[], [[0.0, 1.0]], [0.0, np.nan]])
def test_steps_must_be_a_list_of_finite_numbers(model, data, alphas):
    x, y = data
    with pytest.raises(ValueError, match="loss_along_line: alphas must"):
        utils.loss_along_line(model, x, y, alphas=alphas)


def test_an_unbuilt_model_is_refused(data):
    model = models.Sequential([layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="loss_along_line: the model has no weights yet"):
        utils.loss_along_line(model, *data)
    with pytest.raises(ValueError, match="random_direction: the model has no weights yet"):
        utils.random_direction(model)


def test_minus_the_gradient_lowers_the_loss(model, data):
    x, y = data
    loss = model.loss(y, model(Tensor(x)))  # the mean loss over all samples, as evaluate's
    loss.backward()
    grads = [w.grad.copy() for w in model.weights]
    for w in model.weights:
        w.grad = None
    norm = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))
    downhill = [-g / norm for g in grads]
    eps = 1e-3
    _, losses = utils.loss_along_line(model, x, y, alphas=[-eps, 0.0, eps], direction=downhill)
    assert losses[2] < losses[1] < losses[0]
    # The slope along the unit direction -g/|g| is -|g|: the engine's gradient is the real one.
    assert (losses[2] - losses[0]) / (2 * eps) == pytest.approx(-norm, rel=5e-3)


# --- loss_surface -----------------------------------------------------------------------


def test_surface_shape_centre_and_axes(model, data):
    x, y = data
    before = model.get_weights()
    d1, d2 = utils.random_direction(model), utils.random_direction(model)
    alphas = np.linspace(-0.4, 0.4, 5)
    betas = [-0.2, 0.0, 0.2]
    a, b, losses = utils.loss_surface(model, x, y, alphas, betas, directions=(d1, d2))
    assert losses.shape == (3, 5)  # (len(betas), len(alphas))
    np.testing.assert_array_equal(a, alphas)
    np.testing.assert_array_equal(b, betas)
    assert losses[1, 2] == pytest.approx(loss_of(model, x, y), rel=1e-6)
    # The row at beta = 0 is the line along d1, the column at alpha = 0 the line along d2.
    _, along_d1 = utils.loss_along_line(model, x, y, alphas, direction=d1)
    _, along_d2 = utils.loss_along_line(model, x, y, betas, direction=d2)
    np.testing.assert_allclose(losses[1], along_d1, rtol=1e-6)
    np.testing.assert_allclose(losses[:, 2], along_d2, rtol=1e-6)
    assert_same_weights(model, before)


# --- random_direction -------------------------------------------------------------------


def test_random_direction_is_filter_normalised(model):
    weights = model.get_weights()
    direction = utils.random_direction(model)
    for w, d in zip(weights, direction, strict=True):
        assert d.shape == w.shape and d.dtype == w.dtype
        assert np.linalg.norm(d) == pytest.approx(np.linalg.norm(w), rel=1e-5)
    assert not np.allclose(direction[0], weights[0])


def test_random_direction_is_reproducible_and_leaves_zero_weights_still(model):
    utils.set_random_seed(7)
    first = utils.random_direction(model)
    utils.set_random_seed(7)
    second = utils.random_direction(model)
    third = utils.random_direction(model)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])
    fresh = make_model(train=False)  # biases start at zero
    biases = utils.random_direction(fresh)[1::2]
    assert all(not b.any() for b in biases)


# --- project_onto -----------------------------------------------------------------------


def test_project_onto_recovers_known_coordinates(model):
    base = model.get_weights()
    d1, d2 = utils.random_direction(model), utils.random_direction(model)
    coords = [(0.0, 0.0), (1.0, -2.0), (-0.25, 0.5), (3.0, 0.1)]
    snapshots = [[w + a * u + b * v for w, u, v in zip(base, d1, d2)] for a, b in coords]
    alphas, betas = utils.project_onto(snapshots, base, d1, d2)
    np.testing.assert_allclose(np.column_stack([alphas, betas]), coords, atol=1e-5)


def test_project_onto_ignores_what_lies_off_the_plane():
    base = [np.zeros((2, 2)), np.zeros(1)]
    d1 = [np.array([[1.0, 0.0], [0.0, 0.0]]), np.zeros(1)]
    d2 = [np.array([[1.0, 1.0], [0.0, 0.0]]), np.zeros(1)]  # not orthogonal to d1
    off_plane = [np.array([[2.0, 3.0], [5.0, 0.0]]), np.array([7.0])]
    alphas, betas = utils.project_onto([off_plane], base, d1, d2)
    # 2 = alpha + beta and 3 = beta on the plane's own coordinates.
    np.testing.assert_allclose([alphas[0], betas[0]], [-1.0, 3.0])


def test_project_onto_errors(model):
    base = model.get_weights()
    d1 = utils.random_direction(model)
    with pytest.raises(ValueError, match="project_onto: d1 and d2 must span a plane"):
        utils.project_onto([base], base, d1, [2 * d for d in d1])
    with pytest.raises(ValueError, match=r"project_onto: model_weights_list\[1\] must have"):
        utils.project_onto([base, base[:3]], base, d1, utils.random_direction(model))
    alphas, betas = utils.project_onto([], base, d1, utils.random_direction(model))
    assert alphas.shape == betas.shape == (0,)


# --- plots ------------------------------------------------------------------------------


@pytest.fixture
def mpl():
    """matplotlib, or skip: it is an optional extra."""
    return pytest.importorskip("matplotlib")


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 2000
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def bowl(n: int = 9, m: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    alphas, betas = np.linspace(-1, 1, n), np.linspace(-1, 1, m)
    return alphas, betas, 0.3 + 5 * alphas[None, :] ** 2 + 2 * betas[:, None] ** 2


def test_plot_loss_line_writes_png_and_marks_the_trained_point(mpl, tmp_path):
    from matplotlib.figure import Figure

    alphas = np.linspace(-1, 1, 11)
    path = tmp_path / "line.png"
    fig = utils.plot_loss_line(alphas, 1 + alphas**2, path=path, title="A bowl")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("alpha", "Loss", "A bowl")
    marker = [line for line in ax.lines if "Trained" in line.get_label()]
    assert len(marker) == 1 and tuple(marker[0].get_xydata()[0]) == (0.0, 1.0)
    assert_png(path)


def test_plot_loss_line_draws_into_given_axes_and_checks_shapes(mpl):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    assert utils.plot_loss_line([0.5, 1.0], [2.0, 3.0], ax=ax, title=None) is fig
    assert ax.get_title() == ""
    assert not [line for line in ax.lines if "Trained" in line.get_label()]  # 0 not in range
    with pytest.raises(ValueError, match=r"plot_loss_line: .*got shapes \(3,\) and \(2,\)"):
        utils.plot_loss_line([0, 1, 2], [1, 2])


def test_plot_loss_surface_writes_png_with_colorbar_and_path(mpl, tmp_path):
    from matplotlib.figure import Figure

    alphas, betas, losses = bowl()
    path = tmp_path / "surface.png"
    trajectory = [(-0.9, 0.8), (-0.5, 0.3), (-0.1, 0.05), (0.0, 0.0)]
    fig = utils.plot_loss_surface(alphas, betas, losses, path=path, trajectory=trajectory)
    assert isinstance(fig, Figure)
    ax, colorbar = fig.axes  # the plot and its colorbar
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("alpha", "beta")
    assert colorbar.get_ylabel() == "Loss"
    assert "surface" in ax.get_title()
    labels = {line.get_label(): line for line in ax.lines}
    np.testing.assert_allclose(labels["Training path"].get_xydata(), trajectory)
    np.testing.assert_allclose(labels["Trained weights (0, 0)"].get_xydata(), [(0.0, 0.0)])
    assert_png(path)


def test_plot_loss_surface_handles_steep_flat_and_broken_surfaces(mpl):
    alphas, betas, losses = bowl()
    utils.plot_loss_surface(alphas, betas, np.exp(6 * losses))  # spans many decades
    utils.plot_loss_surface(alphas, betas, np.full_like(losses, 2.0))  # flat
    broken = losses.copy()
    broken[0, 0], broken[-1, -1] = np.nan, np.inf  # diverged corners are left blank
    utils.plot_loss_surface(alphas, betas, broken, trajectory=np.zeros((0, 2)))


def test_plot_loss_surface_checks_its_arguments(mpl):
    alphas, betas, losses = bowl()
    with pytest.raises(
        ValueError, match=r"losses must have shape .* = \(7, 9\).*got shape \(9, 7\)"
    ):
        utils.plot_loss_surface(alphas, betas, losses.T)
    with pytest.raises(ValueError, match="at least two steps"):
        utils.plot_loss_surface([0.0], betas, losses[:, :1])
    with pytest.raises(ValueError, match="no loss is finite"):
        utils.plot_loss_surface(alphas, betas, np.full_like(losses, np.nan))
    with pytest.raises(ValueError, match=r"trajectory .* shaped \(n, 2\).*column_stack"):
        utils.plot_loss_surface(alphas, betas, losses, trajectory=np.zeros((2, 5)))


def test_plots_of_a_real_model(mpl, model, data, tmp_path):
    x, y = data
    snapshots = [model.get_weights()]
    base = model.get_weights()
    d1, d2 = utils.random_direction(model), utils.random_direction(model)
    alphas, betas, losses = utils.loss_surface(
        model, x, y, np.linspace(-1, 1, 5), np.linspace(-1, 1, 4), directions=(d1, d2)
    )
    path = np.column_stack(utils.project_onto(snapshots, base, d1, d2))
    utils.plot_loss_surface(alphas, betas, losses, path=tmp_path / "s.png", trajectory=path)
    utils.plot_loss_line(*utils.loss_along_line(model, x, y), path=tmp_path / "l.png")
    assert_png(tmp_path / "s.png")
    assert_png(tmp_path / "l.png")
