"""BatchNormalization: the training pass, moving averages and inference pass against
PyTorch in float64, and a frozen layer inside fit (inference mode, nothing updated)."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models, utils

torch = pytest.importorskip("torch")
TOL = {"rtol": 1e-9, "atol": 1e-9}
RNG = np.random.default_rng(1)


def torch_bn(layer, channels):
    """torch's BatchNorm2d with the layer's weights; momentum 0.01 = 1 - Keras' 0.99."""
    bn = torch.nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(layer.gamma.data))
        bn.bias.copy_(torch.tensor(layer.beta.data))
        bn.running_mean.copy_(torch.tensor(layer.moving_mean.data))
        bn.running_var.copy_(torch.tensor(layer.moving_variance.data))
    return bn


def run_both(layer, bn, x, training):
    out = layer(tg.tensor(x, dtype="float64", requires_grad=True), training=training)
    weights = RNG.standard_normal(out.shape)
    (out * weights).sum().backward()
    bn.train(training)
    xt = torch.tensor(x, requires_grad=True)
    yt = bn(xt.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    (yt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.numpy(), yt.detach().numpy(), **TOL)
    np.testing.assert_allclose(layer.gamma.grad, bn.weight.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.beta.grad, bn.bias.grad.numpy(), **TOL)
    return xt.grad.numpy()


def test_training_pass_and_moving_averages_agree_with_torch():
    layer = layers.BatchNormalization(dtype="float64")
    layer.build((None, 4, 5, 3))
    layer.gamma.data[...] = RNG.uniform(0.5, 2, 3)
    layer.beta.data[...] = RNG.standard_normal(3)
    bn = torch_bn(layer, 3)
    for step in range(3):
        x = RNG.standard_normal((6, 4, 5, 3)) * 2 + step
        layer.gamma.grad = layer.beta.grad = None
        bn.zero_grad()
        mean_before, var_before = layer.moving_mean.data.copy(), layer.moving_variance.data.copy()
        run_both(layer, bn, x, training=True)
        # Keras: moving = moving * 0.99 + batch * 0.01, with the biased batch variance.
        batch_mean, batch_var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
        np.testing.assert_allclose(
            layer.moving_mean.data, mean_before * 0.99 + batch_mean * 0.01, **TOL
        )
        np.testing.assert_allclose(
            layer.moving_variance.data, var_before * 0.99 + batch_var * 0.01, **TOL
        )
        np.testing.assert_allclose(layer.moving_mean.data, bn.running_mean.numpy(), **TOL)
        # torch's running variance takes the unbiased estimate: Keras' does not.
        count = x.size // 3
        unbiased = var_before * 0.99 + batch_var * count / (count - 1) * 0.01
        np.testing.assert_allclose(bn.running_var.numpy(), unbiased, **TOL)
        bn.running_var.copy_(torch.tensor(layer.moving_variance.data))


def test_inference_pass_agrees_with_torch_and_leaves_the_statistics():
    layer = layers.BatchNormalization(dtype="float64")
    layer.build((None, 4, 5, 3))
    layer.set_weights(
        [
            RNG.uniform(0.5, 2, 3),
            RNG.standard_normal(3),
            RNG.standard_normal(3),
            RNG.uniform(0.5, 2, 3),
        ]
    )
    before = layer.get_weights()
    run_both(layer, torch_bn(layer, 3), RNG.standard_normal((6, 4, 5, 3)), training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_scale_and_center_off_have_no_gamma_or_beta():
    layer = layers.BatchNormalization(center=False, scale=False)
    layer.build((None, 5))
    assert [w.name.split("/")[1] for w in layer.weights] == ["moving_mean", "moving_variance"]
    x = RNG.standard_normal((8, 5)).astype(np.float32)
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(
        out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4, atol=1e-5
    )
    assert layer.count_params() == 10 and not layer.trainable_weights


def frozen_bn_model():
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(6, input_shape=(4,), dtype="float64"),
            layers.BatchNormalization(trainable=False, dtype="float64"),
            layers.Dense(3, activation="softmax", dtype="float64"),
        ]
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def test_a_frozen_layer_runs_in_inference_mode_inside_fit():
    model = frozen_bn_model()
    bn = model.layers[1]
    bn.moving_mean.data[...] = RNG.standard_normal(6)
    bn.moving_variance.data[...] = RNG.uniform(0.5, 2, 6)
    frozen = [w.copy() for w in bn.get_weights()]
    first = model.layers[0].get_weights()
    x = RNG.standard_normal((16, 4))
    y = np.eye(3)[RNG.integers(0, 3, 16)]

    # The gradient of one step equals torch's with the batch norm in eval mode.
    dense1, dense2 = model.layers[0], model.layers[2]
    w1 = torch.tensor(first[0], requires_grad=True)
    b1 = torch.tensor(first[1], requires_grad=True)
    w2, b2 = (torch.tensor(w) for w in dense2.get_weights())
    h = torch.nn.functional.batch_norm(
        torch.tensor(x) @ w1 + b1,
        torch.tensor(frozen[2]),
        torch.tensor(frozen[3]),
        torch.tensor(frozen[0]),
        torch.tensor(frozen[1]),
        training=False,
        eps=1e-3,
    )
    loss = torch.nn.functional.cross_entropy(h @ w2 + b2, torch.tensor(y.argmax(1)))
    loss.backward()

    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(dense1.kernel.data, first[0] - 0.01 * w1.grad.numpy(), **TOL)
    for a, b in zip(frozen, bn.get_weights()):
        np.testing.assert_array_equal(a, b)  # moving statistics and gamma/beta untouched
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    hidden = dense1(x)
    np.testing.assert_array_equal(
        bn(hidden, training=True).numpy(), bn(hidden, training=False).numpy()
    )


def test_a_trainable_layer_uses_batch_statistics_in_fit_and_moving_ones_in_predict():
    utils.set_random_seed(0)
    model = models.Sequential([layers.BatchNormalization(input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    x = (RNG.standard_normal((64, 3)) * 4 + 10).astype(np.float32)
    model.fit(x, np.zeros((64, 3), np.float32), batch_size=64, epochs=1, verbose=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.data, 0.01 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.data, 0.99 + 0.01 * x.var(0), rtol=1e-5)
    expected = (x - bn.moving_mean.data) / np.sqrt(bn.moving_variance.data + 1e-3)
    expected = expected * bn.gamma.data + bn.beta.data
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="momentum must be in"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        layers.BatchNormalization(axis=2)(np.zeros((2, 3), np.float32))
