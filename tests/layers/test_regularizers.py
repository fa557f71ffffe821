"""Regularizers agree with Keras 3: penalty values and gradients in float64, layer losses
(activity penalties divided by the batch size, when they are cleared), configs and errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, regularizers
from tests.layers.keras_reference import keras

RNG = np.random.default_rng(3)
W = RNG.normal(size=(6, 4))
F64 = "float64"
W[1, 2] = 0.0  # the gradient of |w| at 0 is 0 in both

# Factors that float32 holds exactly: Keras keeps L1's and OrthogonalRegularizer's factor
# as a float32 tensor, so 0.01 there is 0.009999999776... even on float64 weights.
CASES = {
    "L1": ({"l1": 0.5}, {}),
    "L2": ({"l2": 0.25}, {}),
    "L1L2": ({"l1": 0.125, "l2": 0.5}, {}),
    "L1L2_l2_only": ({"l2": 0.75}, {}),
    "OrthogonalRegularizer_rows": ({"factor": 0.5}, {"mode": "rows"}),
    "OrthogonalRegularizer_columns": ({"factor": 0.25}, {"mode": "columns"}),
}


def _value_and_grad_keras(k, regularizer, w):
    import torch

    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    value = regularizer(wt)
    value.backward()
    return float(value.detach()), wt.grad.numpy()


def _value_and_grad_ours(regularizer, w):
    wt = tg.tensor(w, requires_grad=True, dtype="float64")
    value = regularizer(wt)
    value.backward()
    assert value.dtype == np.float64
    return float(value.item()), wt.grad


@pytest.mark.parametrize("case", CASES)
def test_value_and_gradient_match_keras(case):
    k = keras()
    factors, extra = CASES[case]
    name = case.split("_")[0]
    ours = getattr(regularizers, name)(**factors, **extra)
    theirs = getattr(k.regularizers, name)(**factors, **extra)
    v1, g1 = _value_and_grad_ours(ours, W)
    v2, g2 = _value_and_grad_keras(k, theirs, W)
    np.testing.assert_allclose(v1, v2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["l1", "l2", "l1l2", "orthogonal_regularizer"])
def test_names_give_keras_defaults(name):
    k = keras()
    ours, theirs = regularizers.get(name), k.regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert ours_config.keys() == theirs_config.keys()
    for key, value in ours_config.items():
        if isinstance(value, float):  # Keras rounds L1's and the orthogonal factor to float32
            assert value == pytest.approx(theirs_config[key], rel=1e-7)
        else:
            assert value == theirs_config[key]
    import torch

    v1 = float(ours(tg.tensor(W, dtype="float64")).item())
    v2 = float(theirs(torch.tensor(W)))
    assert v1 == pytest.approx(v2, rel=1e-7, abs=1e-12)


def test_lowercase_aliases_are_the_classes():
    assert regularizers.l1 is regularizers.L1
    assert regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    assert regularizers.l1_l2(l1=0.01).get_config() == {"l1": 0.01, "l2": 0.0}
    assert tg.regularizers is regularizers


def test_float32_weights_give_a_float32_penalty():
    w = tg.tensor(W.astype(np.float32), requires_grad=True)
    penalty = regularizers.l2(0.002)(w)
    assert penalty.dtype == np.float32
    assert penalty.item() == pytest.approx(0.002 * float((W**2).sum()), rel=1e-6)


def test_get_serialize_deserialize():
    reg = regularizers.L1L2(l1=0.25, l2=0.5)
    spec = regularizers.serialize(reg)
    assert spec == {"class_name": "L1L2", "config": {"l1": 0.25, "l2": 0.5}}
    again = regularizers.deserialize(spec)
    assert type(again) is regularizers.L1L2 and again.get_config() == reg.get_config()
    assert regularizers.get(spec).get_config() == reg.get_config()
    assert regularizers.get(None) is None and regularizers.serialize(None) is None
    assert regularizers.get(reg) is reg
    assert isinstance(regularizers.get("L2"), regularizers.L2)
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)

    def my_penalty(w):
        return 0.5 * tg.sum(w * w)

    assert regularizers.get(my_penalty) is my_penalty
    assert regularizers.serialize(my_penalty) == "my_penalty"
    assert regularizers.deserialize("my_penalty", {"my_penalty": my_penalty}) is my_penalty
    config = regularizers.OrthogonalRegularizer(0.5, "columns").get_config()
    assert regularizers.OrthogonalRegularizer.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: regularizers.L2(-0.1), "l2: expected a non-negative float"),
        (lambda: regularizers.L1(float("nan")), "l1: expected a non-negative float"),
        (lambda: regularizers.L1L2(l1="big"), "l1: expected a non-negative float"),
        (lambda: regularizers.OrthogonalRegularizer(-1), "factor: expected a non-negative"),
        (lambda: regularizers.OrthogonalRegularizer(mode="diag"), "Expected one of"),
        (lambda: regularizers.get("l3"), "Unknown regularizer 'l3'. Known regularizers: .*l2"),
        (lambda: regularizers.get(3), "Could not interpret regularizer identifier: 3"),
        (lambda: regularizers.OrthogonalRegularizer()(np.ones(3)), "must have rank 2"),
        (lambda: layers.Dense(2, kernel_regularizer="l3"), "Unknown regularizer 'l3'"),
    ],
)
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ----- layer losses -----
def test_keras_docstring_example():
    """Keras' Regularizer doc: kernel L1(0.01) gives 0.25, activity L2(0.01) 5.0 (20 / 4...
    divided by the batch of 5)."""
    layer = layers.Dense(
        5,
        input_dim=5,
        kernel_initializer="ones",
        kernel_regularizer=regularizers.L1(0.01),
        activity_regularizer=regularizers.L2(0.01),
    )
    layer(np.ones((5, 5)) * 2.0)
    values = [float(loss.item()) for loss in layer.losses]
    assert values == pytest.approx([5.0, 0.25])  # own (activity) losses, then the weights'


def _keras_dense(k, **kwargs):
    layer = k.layers.Dense(3, dtype="float64", **kwargs)
    layer.build((None, 4))
    return layer


@pytest.mark.parametrize("batch", [1, 7])
def test_activity_penalty_is_divided_by_the_batch_size_as_in_keras(batch):
    import torch

    k = keras()
    x = RNG.normal(size=(batch, 4))
    theirs = _keras_dense(
        k, activity_regularizer=k.regularizers.L1L2(0.25, 0.5), kernel_regularizer="l2"
    )
    ours = layers.Dense(
        3,
        activity_regularizer=regularizers.L1L2(0.25, 0.5),
        kernel_regularizer="l2",
        dtype="float64",
    )
    ours.build((None, 4))
    ours.set_weights([v.value.detach().numpy() for v in theirs.weights])
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt)
    ours_x = tg.tensor(x, requires_grad=True, dtype="float64")
    ours(ours_x)
    assert len(ours.losses) == len(theirs.losses) == 2
    for a, b in zip(ours.losses, theirs.losses):
        np.testing.assert_allclose(a.item(), float(b.detach()), rtol=1e-9)
    sum(theirs.losses).backward()
    tg.sum(tg.stack(ours.losses)).backward()
    np.testing.assert_allclose(ours_x.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.kernel.grad, theirs.kernel.value.grad.numpy(), rtol=1e-9)


def test_activity_penalty_of_an_empty_batch_is_zero():
    layer = layers.Dense(2, activity_regularizer="l2")
    layer(np.zeros((0, 3)))
    assert [float(loss.item()) for loss in layer.losses] == [0.0]


def test_each_outermost_call_clears_the_losses_of_the_previous_one():
    layer = layers.Dense(2, activity_regularizer="l1")
    layer(np.ones((2, 3)))
    layer(np.ones((4, 3)))
    assert len(layer.losses) == 1
    model = tg.Sequential([tg.Input((3,)), layer, layers.Dense(1, activity_regularizer="l2")])
    model(np.ones((4, 3)))
    assert len(model.losses) == 2  # one per regularized layer, from this call only
    model(np.ones((4, 3)))
    assert len(model.losses) == 2
    assert len(layer.losses) == 1


class _Penalised(layers.Layer):
    def call(self, x):
        self.add_loss(0.5 * tg.sum(x * x))
        return x


def test_add_loss_inside_call_and_the_losses_of_sublayers():
    inner = _Penalised()
    model = tg.Sequential([tg.Input((2,)), inner, layers.Dense(1, kernel_regularizer="l2")])
    model(np.ones((3, 2)))
    assert len(inner.losses) == 1 and inner.losses[0].item() == pytest.approx(3.0)
    kernel = model.layers[-1].kernel.data
    values = [float(v.item()) for v in model.losses]
    assert values == pytest.approx([3.0, 0.01 * float((kernel**2).sum())])


def test_add_loss_refuses_what_is_not_a_tensor():
    with pytest.raises(ValueError, match="on a tensor input. Received invalid value: 1.0"):
        layers.Dense(1).add_loss(1.0)


def test_frozen_weights_add_no_penalty_as_in_keras():
    k = keras()
    theirs = _keras_dense(k, kernel_regularizer="l2", bias_regularizer="l1")
    ours = layers.Dense(3, kernel_regularizer="l2", bias_regularizer="l1")
    ours.build((None, 4))
    assert len(ours.losses) == len(theirs.losses) == 2
    theirs.trainable = False
    ours.trainable = False
    assert len(ours.losses) == len(theirs.losses) == 0


def test_shape_probes_record_no_losses():
    model = tg.Sequential(
        [layers.Dense(2, activity_regularizer="l2", input_shape=(3,)), layers.Flatten()]
    )
    model.build((None, 3))
    assert model.losses == []
    model.summary(print_fn=lambda *a, **k: None)
    assert model.losses == []


def test_every_layer_takes_activity_regularizer():
    layer = layers.Flatten(activity_regularizer=regularizers.L2(0.5))
    layer(np.ones((2, 2, 2)))
    assert layer.losses[0].item() == pytest.approx(0.5 * 8 / 2)
    assert layer.get_config()["activity_regularizer"] == {
        "class_name": "L2",
        "config": {"l2": 0.5},
    }
    again = layers.Flatten.from_config(layer.get_config())
    assert isinstance(again.activity_regularizer, regularizers.L2)
    assert "activity_regularizer" not in layers.Flatten().get_config()  # as Keras' Dense


def test_add_weight_keeps_regularizer_and_constraint_on_the_weight():
    layer = layers.Layer()
    w = layer.add_weight(shape=(2,), initializer="ones", regularizer="l2", constraint="non_neg")
    assert isinstance(w.regularizer, regularizers.L2)
    assert type(w.constraint).__name__ == "NonNeg"
    assert [float(v.item()) for v in layer.losses] == pytest.approx([0.02])
    plain = layer.add_weight(shape=(1,))
    assert plain.regularizer is None and plain.constraint is None


def test_wrapped_layers_record_what_keras_records():
    """Bidirectional calls both copies (each records its activity penalty); TimeDistributed
    runs the inner layer's call, so only the wrapper's own activity penalty applies."""
    import torch

    k = keras()
    x = RNG.normal(size=(3, 4, 2))

    def wrapped(lib):
        lstm = lib.layers.LSTM(
            3,
            kernel_regularizer="l2",
            activity_regularizer=lib.regularizers.L1(0.25),
            return_sequences=True,
            dtype=F64,
        )
        dense = lib.layers.Dense(2, activity_regularizer="l2", bias_regularizer="l1", dtype=F64)
        return [
            lib.layers.Bidirectional(lstm, dtype=F64),
            lib.layers.TimeDistributed(dense, activity_regularizer=lib.regularizers.L1(0.5)),
        ]

    theirs = k.Sequential([k.Input((4, 2)), *wrapped(k)])
    ours = tg.Sequential([tg.Input((4, 2)), *wrapped(tg)])
    ours.set_weights([v.value.detach().numpy() for v in theirs.weights])
    theirs(torch.tensor(x))
    ours(x)
    expected = [float(loss.detach()) for loss in theirs.losses]
    # Keras' bidirectional LSTM outputs agree with ours to 1e-8 only here, and so do the
    # activity penalties computed from them; the order and the count are Keras'.
    assert [loss.item() for loss in ours.losses] == pytest.approx(expected, rel=1e-7)
    assert len(expected) == 6  # 2 LSTM activities, wrapper activity, 2 kernels, 1 bias
