"""LayerNormalization against Keras 3 and PyTorch in float64 (outputs and every gradient),
its weights, config, summary, saving, and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models
from tensorgrad.engine.gradcheck import check_grad
from tensorgrad.engine.ops.layer_norm import layer_norm
from tensorgrad.layers.base import clear_session
from tests.layers.layer_checks import (
    agrees_with_keras,
    keras_config_keys,
    round_trips,
    saved_and_loaded,
    summary_lines,
)

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "shape, options",
    [
        ((4, 6), {}),
        ((3, 5, 8), {}),
        ((3, 5, 8), {"axis": [1, 2]}),
        ((2, 3, 4, 5), {"axis": [1, 3]}),
        ((3, 5, 8), {"center": False}),
        ((3, 5, 8), {"scale": False}),
        ((3, 5, 8), {"scale": False, "center": False, "epsilon": 1e-5}),
    ],
)
def test_agrees_with_keras(shape, options):
    agrees_with_keras("LayerNormalization", RNG.standard_normal(shape) * 3 + 1, **options)


def test_a_middle_axis_follows_the_formula():
    """Keras 3.15 on torch fails for one axis that is not the last (its fused path hands
    F.layer_norm a shape that is not trailing), so the formula is the reference."""
    x = RNG.standard_normal((3, 5, 8))
    norm = layers.LayerNormalization(axis=1, dtype="float64")
    out = norm(tg.tensor(x, dtype="float64")).numpy()
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12, atol=1e-12)
    assert norm.gamma.shape == (5,)


def test_agrees_with_torch_including_weight_gradients():
    torch = pytest.importorskip("torch")
    x, w = RNG.standard_normal((3, 4, 6)), RNG.standard_normal((3, 4, 6))
    ours = layers.LayerNormalization(epsilon=1e-5, dtype="float64")
    ours.build(x.shape)
    ours.gamma.data[...] = RNG.uniform(0.5, 2, 6)
    ours.beta.data[...] = RNG.standard_normal(6)
    xt = tg.tensor(x, dtype="float64", requires_grad=True)
    (ours(xt) * w).sum().backward()
    X = torch.tensor(x, requires_grad=True)
    norm = torch.nn.LayerNorm(6, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor(ours.gamma.data))
        norm.bias.copy_(torch.tensor(ours.beta.data))
    (norm(X) * torch.tensor(w)).sum().backward()
    tol = {"rtol": 1e-9, "atol": 1e-9}
    np.testing.assert_allclose(xt.grad, X.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.gamma.grad, norm.weight.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.beta.grad, norm.bias.grad.numpy(), **tol)
    assert ours.gamma.grad.shape == (6,)


def test_fused_op_passes_gradcheck():
    x, g, b = RNG.standard_normal((2, 3, 4)), RNG.uniform(0.5, 2, (3, 4)), RNG.normal(size=(3, 4))
    assert check_grad(lambda x, g, b: layer_norm(x, g, b, (1, 2), 1e-3), x, g, b)
    assert check_grad(lambda x: layer_norm(x, None, None, (-1,), 1e-3), x)


def test_defaults_weights_and_config_match_keras():
    norm = layers.LayerNormalization()
    assert (norm.axis, norm.epsilon, norm.center, norm.scale) == (-1, 1e-3, True, True)
    norm.build((None, 5, 7))
    assert [w.name.split("/")[1] for w in norm.weights] == ["gamma", "beta"]
    assert norm.gamma.shape == (7,) and np.all(norm.gamma.data == 1) and np.all(norm.beta.data == 0)
    wide = layers.LayerNormalization(axis=[1, 2])
    wide.build((None, 5, 7))
    assert wide.gamma.shape == (5, 7)
    assert round_trips(wide).axis == [1, 2]
    keras_config_keys("LayerNormalization", axis=1, epsilon=1e-5, center=False)


def test_summary_and_save_load(tmp_path: Path):
    clear_session()
    model = models.Sequential(
        [layers.Dense(8, input_shape=(4,)), layers.LayerNormalization(), layers.Dense(2)]
    )
    text = summary_lines(model)
    assert "layer_normalization (LayerN  (None, 8)                 16" in text
    x = RNG.standard_normal((5, 4)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, RNG.standard_normal((5, 2)), epochs=1, verbose=0)
    saved_and_loaded(model, tmp_path, x)


def test_bad_arguments_name_the_layer():
    with pytest.raises(TypeError, match="LayerNormalization: axis must be an int"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="LayerNormalization: epsilon"):
        layers.LayerNormalization(epsilon=-1)
    with pytest.raises(ValueError, match="Unknown regularizer .l3."):
        layers.LayerNormalization(gamma_regularizer="l3")
    with pytest.raises(ValueError, match="axis 3 is out of range for inputs of rank 2"):
        layers.LayerNormalization(axis=3).build((None, 4))


def test_gamma_and_beta_take_regularizers_and_constraints():
    from tensorgrad import layers, regularizers

    layer = layers.LayerNormalization(
        gamma_regularizer=regularizers.l2(0.1), beta_regularizer="l1", beta_constraint="non_neg"
    )
    layer(np.ones((2, 4), dtype="float32"))
    assert [float(loss) for loss in layer.losses] == pytest.approx([0.1 * 4, 0.0])
    assert layer.beta.constraint is not None
    again = layers.LayerNormalization.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()


def test_prelu_alpha_takes_a_regularizer_and_a_constraint():
    from tensorgrad import layers

    layer = layers.PReLU(
        alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg"
    )
    layer(np.ones((2, 3), dtype="float32"))
    assert [float(loss) for loss in layer.losses] == pytest.approx([0.01 * 3])
    assert layers.PReLU.from_config(layer.get_config()).get_config() == layer.get_config()
