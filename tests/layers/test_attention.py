"""MultiHeadAttention against Keras 3 in float64: outputs, attention scores, input and weight
gradients, masks (explicit, causal, carried by tensors), and a small Transformer block."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models
from tests.layers.keras_reference import keras

B, TQ, TV, D = 2, 5, 6, 8


def _pair(keras_module, seed=0, **kwargs):
    """The same attention layer in Keras and in tensorgrad, with Keras' weights."""
    import torch

    rng = np.random.default_rng(seed)
    q, v = rng.standard_normal((B, TQ, D)), rng.standard_normal((B, TV, D + 2))
    theirs = keras_module.layers.MultiHeadAttention(
        num_heads=3, key_dim=4, dtype="float64", **kwargs
    )
    theirs(torch.tensor(q), torch.tensor(v))
    ours = layers.MultiHeadAttention(num_heads=3, key_dim=4, dtype="float64", **kwargs)
    ours(tg.tensor(q, dtype="float64"), tg.tensor(v, dtype="float64"))
    ours.set_weights([w.value.detach().numpy() for w in theirs.weights])
    return theirs, ours, q, v


def _compare(theirs, ours, q, v, keras_masks=None, **call):
    """Outputs, scores and every gradient of a weighted sum of the outputs agree to 1e-9."""
    import torch
    from keras.src import backend

    qt, vt = torch.tensor(q, requires_grad=True), torch.tensor(v, requires_grad=True)
    qx = tg.tensor(q, dtype="float64", requires_grad=True)
    vx = tg.tensor(v, dtype="float64", requires_grad=True)
    if keras_masks is not None:  # masks carried by the tensors, as after Embedding(mask_zero)
        backend.set_keras_mask(qt, torch.tensor(keras_masks[0]))
        backend.set_keras_mask(vt, torch.tensor(keras_masks[1]))
        qx._keras_mask, vx._keras_mask = keras_masks
    tcall = {k: torch.tensor(a) if isinstance(a, np.ndarray) else a for k, a in call.items()}
    out_t, scores_t = theirs(qt, vt, return_attention_scores=True, **tcall)
    out_x, scores_x = ours(qx, vx, return_attention_scores=True, **call)
    weights = np.random.default_rng(9).uniform(0.5, 1.5, tuple(out_t.shape))
    (out_t * torch.tensor(weights)).sum().backward()
    (out_x * tg.tensor(weights, dtype="float64")).sum().backward()
    np.testing.assert_allclose(out_x.numpy(), out_t.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(scores_x.numpy(), scores_t.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(qx.grad, qt.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(vx.grad, vt.grad.numpy(), atol=1e-9)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    for mine, reference in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(mine.grad, reference.value.grad.numpy(), atol=1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_gate": True}, {"value_dim": 3, "output_shape": 7}, {"use_bias": False}],
    ids=["default", "gate", "value_dim_output_shape", "no_bias"],
)
def test_attention_agrees_with_keras(kwargs):
    _compare(*_pair(keras(), **kwargs))


def test_attention_and_causal_masks_agree_with_keras():
    theirs, ours, q, v = _pair(keras(), seed=1)
    allowed = np.random.default_rng(2).random((B, TQ, TV)) > 0.4
    allowed[:, :, 0] = True  # every query sees at least one key
    _compare(theirs, ours, q, v, attention_mask=allowed)
    _compare(theirs, ours, q, v, use_causal_mask=True)
    _compare(theirs, ours, q, v, attention_mask=allowed, use_causal_mask=True)


def test_masks_carried_by_the_tensors_agree_with_keras():
    theirs, ours, q, v = _pair(keras(), seed=3)
    query_mask = np.array([[True] * TQ, [True] * 3 + [False] * (TQ - 3)])
    value_mask = np.array([[True] * (TV - 1) + [False], [True] * 2 + [False] * (TV - 2)])
    _compare(theirs, ours, q, v, keras_masks=(query_mask, value_mask))


def test_a_transformer_block_counts_like_keras_trains_and_reloads(tmp_path):
    k = keras()
    k.config.set_floatx("float32")

    def block(lib):
        inputs = lib.Input(shape=(12,), dtype="int32")
        x = lib.layers.Embedding(50, 16, mask_zero=True)(inputs)
        attended = lib.layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
        x = lib.layers.Add()([x, attended])
        x = lib.layers.GlobalAveragePooling1D()(x)
        return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(x))

    ours = block(tg)
    assert ours.count_params() == block(k).count_params()
    rng = np.random.default_rng(0)
    x = rng.integers(1, 40, (256, 12))
    y = rng.integers(0, 2, 256)
    x[np.arange(256), rng.integers(0, 12, 256)] = 45 + y  # the label, planted as a token
    tg.utils.set_random_seed(0)
    ours.compile(
        optimizer=tg.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    history = ours.fit(x, y, epochs=25, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    path = tmp_path / "block.tensorgrad"
    ours.save(path)
    loaded = models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x[:8], verbose=0), ours.predict(x[:8], verbose=0))


def test_config_round_trip_and_bad_arguments():
    layer = layers.MultiHeadAttention(4, 8, value_dim=6, dropout=0.1, output_shape=10, seed=3)
    again = layers.MultiHeadAttention.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="num_heads must be a positive integer, got 0"):
        layers.MultiHeadAttention(0, 8)
    with pytest.raises(ValueError, match="dropout must be in"):
        layers.MultiHeadAttention(2, 8, dropout=1.5)
    with pytest.raises(ValueError, match="attention over axes"):
        layers.MultiHeadAttention(2, 8, attention_axes=(1, 2))
    with pytest.raises(ValueError, match=r"expected the query as \(batch, steps, features\)"):
        layers.MultiHeadAttention(2, 8)(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(TypeError, match=r"give the value too, e.g. layer\(x, x\)"):
        layers.MultiHeadAttention(2, 8)(np.ones((3, 4, 5)))


def test_weight_penalties_and_constraints_reach_every_projection():
    k = keras()
    import torch

    q = np.random.default_rng(4).standard_normal((B, TQ, D))
    kwargs = {"kernel_regularizer": "l2", "bias_regularizer": "l1", "kernel_constraint": "non_neg"}
    theirs = k.layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64", **kwargs)
    theirs(torch.tensor(q), torch.tensor(q))
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64", **kwargs)
    ours(tg.tensor(q, dtype="float64"), tg.tensor(q, dtype="float64"))
    ours.set_weights([w.value.detach().numpy() for w in theirs.weights])
    assert len(ours.losses) == len(theirs.losses) == 8
    np.testing.assert_allclose(
        sum(float(loss) for loss in ours.losses),
        sum(float(loss.detach()) for loss in theirs.losses),
    )
    assert all(w.constraint is not None for w in ours.weights if w.name.endswith("kernel"))
    again = layers.MultiHeadAttention.from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
