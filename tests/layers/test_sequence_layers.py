"""Embedding, Masking, recurrent layers in models: shapes, masks, errors, training, saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models, saving, utils
from tensorgrad.engine.ops.embedding import scatter_rows
from tensorgrad.layers.base import clear_session


# ----- Embedding -----
def test_embedding_defaults_and_lookup():
    emb = layers.Embedding(50, 4)
    ids = np.array([[1, 2, 2], [0, 49, 1]])
    out = emb(ids)
    table = emb.embeddings.data
    assert out.shape == (2, 3, 4) and np.array_equal(out.numpy(), table[ids])
    assert -0.05 <= table.min() and table.max() <= 0.05 and table.std() > 0.02
    assert emb.compute_mask(ids) is None


def test_embedding_gradient_sums_into_the_used_rows_only():
    emb = layers.Embedding(6, 3, dtype="float64")
    ids = np.array([[1, 4, 1], [4, 4, 0]])
    g = np.random.default_rng(0).normal(size=(2, 3, 3))
    (emb(ids) * g).sum().backward()
    expected = np.zeros((6, 3))
    np.add.at(expected, ids.reshape(-1), g.reshape(-1, 3))
    np.testing.assert_allclose(emb.embeddings.grad, expected, rtol=1e-12)
    assert not emb.embeddings.grad[[2, 3, 5]].any()


@pytest.mark.parametrize("dim", [3, 80])
def test_scatter_rows_equals_add_at(dim):
    rng = np.random.default_rng(dim)
    ids = rng.integers(0, 30, 200)
    g = rng.normal(size=(200, dim)).astype(np.float32)
    expected = np.zeros((30, dim), np.float32)
    np.add.at(expected, ids, g)
    out = scatter_rows(ids, g, 30)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_embedding_mask_zero():
    emb = layers.Embedding(10, 2, mask_zero=True)
    ids = np.array([[0, 0, 3], [5, 0, 1]])
    assert np.array_equal(emb.compute_mask(ids), ids != 0)


def test_embedding_rejects_floats_and_ids_out_of_range():
    emb = layers.Embedding(10, 2)
    with pytest.raises(TypeError, match="expected integer ids, got an array of dtype float"):
        emb(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"ids must be in \[0, 10\).*got 10"):
        emb(np.array([[1, 10]]))
    with pytest.raises(ValueError, match="got -1"):
        emb(np.array([[-1, 3]]))
    with pytest.raises(ValueError, match="output_dim must be a positive integer"):
        layers.Embedding(10, 0)


# ----- Masking and masks through the recurrent layers -----
def test_masking_layer_mask_and_output():
    x = np.array([[[0.0, 0.0], [1.0, 2.0], [0.0, 3.0]]])
    masking = layers.Masking()
    assert np.array_equal(masking.compute_mask(x), [[False, True, True]])
    assert np.array_equal(masking(x).numpy(), x)
    out = layers.Masking(mask_value=1.0)(np.array([[[1.0], [2.0]]]))
    assert np.array_equal(out.numpy(), [[[0.0], [2.0]]])


def test_masked_steps_carry_output_and_state_forward():
    """Pre-padding gives zeros over the padding; post-padding repeats the last output."""
    lstm = layers.LSTM(3, return_sequences=True, return_state=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype(np.float32)
    mask = np.array([[False, False, True, True, True], [True, True, True, False, False]])
    seq, h, _ = lstm(x, mask=mask)
    seq = seq.numpy()
    assert not seq[0, :2].any()
    assert np.array_equal(seq[1, 3], seq[1, 2]) and np.array_equal(seq[1, 4], seq[1, 2])
    assert np.array_equal(h.numpy()[1], seq[1, 2]) and np.array_equal(h.numpy()[0], seq[0, 4])
    # the masked run equals the run on the unpadded part alone
    alone = lstm(x[1:, :3])[0].numpy()
    np.testing.assert_allclose(alone[0, -1], seq[1, 2], rtol=1e-5, atol=1e-6)
    assert lstm.compute_mask(x, mask)[0] is mask


def test_rnn_compute_output_shape_and_mask():
    gru = layers.GRU(4, return_state=True)
    assert gru.compute_output_shape((None, 7, 3)) == [(None, 4), (None, 4)]
    lstm = layers.LSTM(4, return_sequences=True)
    assert lstm.compute_output_shape((None, None, 3)) == (None, None, 4)
    mask = np.ones((2, 3), bool)
    assert lstm.compute_mask(None, mask) is mask
    assert layers.LSTM(4).compute_mask(None, mask) is None


# ----- weights and defaults -----
def test_keras_weight_shapes_and_initialisation():
    lstm = layers.LSTM(5)
    lstm.build((None, 3, 7))
    k, r, b = lstm.get_weights()
    assert k.shape == (7, 20) and r.shape == (5, 20) and b.shape == (20,)
    assert np.array_equal(b, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    np.testing.assert_allclose(r @ r.T, np.eye(5), atol=1e-5)  # orthogonal over the whole
    gru = layers.GRU(32)
    gru.build((None, None, 32))
    assert gru.bias.shape == (2, 96) and gru.count_params() == 6336
    gru_v1 = layers.GRU(32, reset_after=False)
    gru_v1.build((None, None, 32))
    assert gru_v1.count_params() == 6240
    rnn = layers.SimpleRNN(32)
    rnn.build((None, None, 32))
    assert rnn.count_params() == 2080


def test_bad_inputs_to_recurrent_layers():
    with pytest.raises(ValueError, match=r"expected an input of shape \(batch, timesteps, "):
        layers.LSTM(4)(np.zeros((2, 5), np.float32))
    lstm = layers.LSTM(4)
    lstm(np.zeros((2, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected an input of shape"):
        lstm(np.zeros((2, 5, 6), np.float32))
    with pytest.raises(ValueError, match="initial_state needs 2 state"):
        lstm(np.zeros((2, 5, 3), np.float32), initial_state=[np.zeros((2, 4))])
    with pytest.raises(ValueError, match="mask must have shape"):
        lstm(np.zeros((2, 5, 3), np.float32), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="activation 'softmax' is not supported"):
        layers.GRU(3, activation="softmax")
    with pytest.raises(ValueError, match="dropout must be a number"):
        layers.SimpleRNN(3, dropout=1.5)


def test_dropout_is_variational_and_training_only():
    x = np.ones((4, 6, 3), np.float32)
    lstm = layers.LSTM(2, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, seed=1)
    plain = lstm(x).numpy()
    assert np.array_equal(plain, lstm(x, training=False).numpy())
    dropped = lstm(x, training=True).numpy()
    assert not np.allclose(dropped, plain)
    # dropout alone: one input mask (batch, features) shared by the gates and the steps
    shared = layers.LSTM(2, dropout=0.5, seed=2)._dropout_masks(True, 4, 3, np.dtype("float32"))
    assert shared["dropout_mask"].shape == (4, 3) and "recurrent_mask" not in shared
    assert set(np.unique(shared["dropout_mask"])) <= {0.0, 2.0}
    per_gate = lstm._dropout_masks(True, 4, 3, np.dtype(np.float32))
    assert per_gate["dropout_mask"].shape == (4, 4, 3)
    assert per_gate["recurrent_mask"].shape == (4, 4, 2)


def test_stateful_layer_continues_from_the_last_batch():
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    whole = layers.GRU(4, stateful=True)
    full = whole(x).numpy()
    halves = layers.GRU(4, stateful=True)
    halves.build((None, 6, 3))
    halves.set_weights(whole.get_weights())
    halves(x[:, :3])
    np.testing.assert_allclose(halves(x[:, 3:]).numpy(), full, rtol=1e-5, atol=1e-6)
    halves.reset_states()
    assert halves.states is None


def test_time_distributed_and_bidirectional_shapes():
    td = layers.TimeDistributed(layers.Dense(5))
    assert td(np.zeros((2, 4, 3), np.float32)).shape == (2, 4, 5)
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)
    bi = layers.Bidirectional(layers.GRU(3), merge_mode=None)
    assert [o.shape for o in bi(np.zeros((2, 4, 3), np.float32))] == [(2, 3), (2, 3)]
    assert bi.compute_output_shape((None, 4, 3)) == [(None, 3), (None, 3)]
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        layers.Bidirectional(layers.GRU(3), merge_mode="max")
    with pytest.raises(TypeError, match="expected a recurrent layer"):
        layers.Bidirectional(layers.Dense(3))


# ----- models -----
def imdb_model() -> models.Sequential:
    return models.Sequential(
        [
            layers.Embedding(10000, 32, input_length=20),
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


def planted_token_data(n=2000, steps=20, seed=0):
    """Random ids (3-199); the label is one planted token (1 or 2) at a random step."""
    rng = np.random.default_rng(seed)
    x = rng.integers(3, 200, (n, steps))
    y = rng.integers(0, 2, n)
    x[np.arange(n), rng.integers(0, steps, n)] = np.where(y == 1, 1, 2)
    return x, y


def test_imdb_listing_summary_and_training():
    clear_session()  # names from "embedding", "lstm", "dense" again
    utils.set_random_seed(0)
    model = imdb_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "embedding (Embedding)        (None, 20, 32)            320000" in text
    assert "lstm (LSTM)                  (None, 32)                8320" in text
    assert "Total params: 328,353" in text
    x, y = planted_token_data()
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=7, batch_size=64, verbose=0)
    assert history.history["accuracy"][-1] >= 0.98
    x_test, y_test = planted_token_data(500, seed=1)
    assert model.evaluate(x_test, y_test, verbose=0)[1] >= 0.95


@pytest.mark.parametrize(
    "middle",
    [
        lambda: [layers.Bidirectional(layers.LSTM(4, return_sequences=True)), layers.GRU(3)],
        lambda: [
            layers.SimpleRNN(4, return_sequences=True),
            layers.TimeDistributed(layers.Dense(2)),
            layers.Flatten(),
        ],
    ],
    ids=["bidirectional_gru", "simple_rnn_time_distributed"],
)
def test_saved_models_predict_identically(middle, tmp_path: Path):
    model = models.Sequential(
        [layers.Embedding(30, 5, input_length=6, mask_zero=True)]
        + middle()
        + [layers.Dense(2, activation="softmax")]
    )
    x = np.random.default_rng(0).integers(0, 30, (8, 6))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, np.arange(8) % 2, epochs=1, verbose=0)
    model.save(tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(la).__name__ for la in loaded.layers] == [type(la).__name__ for la in model.layers]
    assert loaded.layers[0].mask_zero


def test_float64_layers_make_float64_weights():
    tg_lstm = layers.LSTM(2, dtype="float64")
    out = tg_lstm(np.zeros((1, 3, 2)))
    assert tg_lstm.kernel.dtype == np.float64 and out.dtype == np.float64
    assert tg.tensor([1.0]).dtype == np.float32


def test_mask_zero_flows_through_a_sequential_model():
    """Pre-padded reviews give the same prediction as the unpadded ones alone."""
    utils.set_random_seed(3)
    model = models.Sequential(
        [
            layers.Embedding(20, 4, mask_zero=True, input_shape=(None,)),
            layers.Bidirectional(layers.GRU(3, return_sequences=True)),
            layers.LSTM(2),
        ]
    )
    padded = np.array([[0, 0, 5, 7, 9], [4, 4, 4, 4, 4]])
    both = model(padded).numpy()
    alone = model(np.array([[5, 7, 9]])).numpy()
    np.testing.assert_allclose(both[0], alone[0], rtol=1e-5, atol=1e-6)


def test_sequence_layers_in_the_functional_api():
    from tensorgrad.layers import Input

    inputs = Input(shape=(None,), dtype="int32")
    x = layers.Embedding(30, 4, mask_zero=True)(inputs)
    seq, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(x)
    out = layers.Dense(1, activation="sigmoid")(layers.GRU(3)(seq, initial_state=[h]))
    model = models.Model(inputs, out)
    assert model.predict(np.array([[0, 3, 4], [1, 2, 0]]), verbose=0).shape == (2, 1)
    assert c.shape == (None, 3)
