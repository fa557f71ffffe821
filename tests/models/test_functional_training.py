"""Training graphs: gradients through shared layers and several outputs agree with PyTorch;
sample and class weights, masks, custom layers, a hand-written training loop, and the first
edition's spellings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers, utils
from tensorgrad.engine.backend import default_float, set_default_dtype


@pytest.fixture
def float64():
    before = default_float()
    set_default_dtype("float64")
    yield
    set_default_dtype(before)


def test_gradients_through_shared_layers_and_two_outputs_agree_with_torch(float64):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a_in, b_in = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    labels = np.eye(3)[rng.integers(0, 3, 6)]
    target = rng.normal(size=(6, 1))
    weights = rng.random(6)

    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    h = layers.Concatenate()([shared(a), shared(b)])
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    reg = layers.Dense(1, name="reg")(layers.add([shared(a), shared(b)]))
    model = keras.Model([a, b], {"cls": cls, "reg": reg})
    model.compile("sgd", {"cls": "categorical_crossentropy", "reg": "mse"}, loss_weights={"reg": 0.5})
    model.compiled_loss.build(model.output_names, model.name)

    y_pred = model([a_in, b_in], training=True)
    loss = model.compute_loss(y={"cls": labels, "reg": target}, y_pred=y_pred, sample_weight=weights)
    loss.backward()

    t = {w.name: torch.tensor(w.data.copy(), requires_grad=True) for w in model.trainable_weights}
    ta, tb = torch.tensor(a_in), torch.tensor(b_in)
    sa = torch.tanh(ta @ t["shared/kernel"] + t["shared/bias"])
    sb = torch.tanh(tb @ t["shared/kernel"] + t["shared/bias"])
    logits = torch.cat([sa, sb], dim=1) @ t["cls/kernel"] + t["cls/bias"]
    out_reg = (sa + sb) @ t["reg/kernel"] + t["reg/bias"]
    tw = torch.tensor(weights)
    ce = -(torch.tensor(labels) * torch.log_softmax(logits, dim=1)).sum(1)
    mse = ((out_reg - torch.tensor(target)) ** 2).mean(1)
    t_loss = (ce * tw).sum() / 6 + 0.5 * (mse * tw).sum() / 6
    t_loss.backward()
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    for w in model.trainable_weights:
        np.testing.assert_allclose(w.grad, t[w.name].grad.numpy(), rtol=1e-9, atol=1e-12)


def test_sample_weight_follows_keras_sum_over_batch_size():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 2))
    sw = rng.random(10)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    weighted = keras.metrics.MeanAbsoluteError(name="weighted_mae")
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=[weighted])
    logs = model.evaluate(x, y, sample_weight=sw, batch_size=10, verbose=0, return_dict=True)
    pred = model.predict(x)
    per_sample = ((pred - y) ** 2).mean(axis=1)
    assert logs["loss"] == pytest.approx((per_sample * sw).sum() / 10, rel=1e-5)
    maes = np.abs(pred - y).mean(axis=1)
    assert logs["mae"] == pytest.approx(maes.mean(), rel=1e-5)  # metrics: unweighted (Keras 3)
    assert logs["weighted_mae"] == pytest.approx((maes * sw).sum() / sw.sum(), rel=1e-5)


def test_class_weight_scales_each_sample_by_its_class():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 3)).astype("float32")
    labels = np.array([0, 1, 1, 0, 2, 2, 1, 0])
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    plain = model.evaluate(x, labels, verbose=0, batch_size=8)
    weights = {0: 1.0, 1: 2.0, 2: 0.5}
    sw = np.array([weights[c] for c in labels])
    by_sample = model.evaluate(x, labels, sample_weight=sw, verbose=0, batch_size=8)
    assert by_sample != pytest.approx(plain)
    utils.set_random_seed(0)
    a = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    a.compile("sgd", "sparse_categorical_crossentropy")
    b = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    b.compile("sgd", "sparse_categorical_crossentropy")
    b.set_weights(a.get_weights())
    a.fit(x, labels, class_weight=weights, shuffle=False, verbose=0, batch_size=4)
    b.fit(x, labels, sample_weight=sw, shuffle=False, verbose=0, batch_size=4)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_validation_data_with_sample_weights():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 3)).astype("float32"), rng.normal(size=(20, 1))
    sw = np.zeros(20)
    sw[:5] = 1.0
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")
    history = model.fit(x, y, validation_data=(x, y, sw), verbose=0, batch_size=20)
    pred = model.predict(x)
    expected = (((pred - y) ** 2)[:, 0] * sw).sum() / 20
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


class MaskEverySecondStep(layers.Layer):
    """Marks steps 0, 2, 4... as real and the rest as padding."""

    def compute_mask(self, inputs, mask=None):
        steps = inputs.shape[1]
        return np.broadcast_to(np.arange(steps) % 2 == 0, inputs.shape[:2]).copy()

    def compute_output_shape(self, input_shape):
        return input_shape


def test_a_mask_reaches_the_loss_and_leaves_padded_steps_out():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(4, 6, 3)).astype("float32"), rng.normal(size=(4, 6, 2))
    inputs = keras.Input(shape=(6, 3))
    outputs = layers.Dense(2)(MaskEverySecondStep()(inputs))  # Dense passes masks on
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse", metrics=["mae"])
    logs = model.evaluate(x, y, verbose=0, batch_size=4, return_dict=True)
    pred = model.predict(x)
    real = (np.arange(6) % 2 == 0)
    assert logs["loss"] == pytest.approx(((pred - y) ** 2)[:, real].mean(), rel=1e-5)
    assert logs["mae"] == pytest.approx(np.abs(pred - y)[:, real].mean(), rel=1e-5)
    out = model(x)
    assert out._keras_mask.shape == (4, 6)


class Scale(layers.Layer):
    """A custom layer in Keras 3's style: add_weight(shape=..., initializer=...)."""

    def __init__(self, factor: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="offset")

    def call(self, inputs):
        return inputs * self.w * self.factor + self.b

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layers_with_keras3_add_weight_train_and_save(tmp_path):
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(1)(Scale(2.0, name="scale")(inputs)))
    scale = model.get_layer("scale")
    assert [w.name for w in scale.weights] == ["scale/variable", "scale/offset"]
    model.compile("sgd", "mse")
    x = np.ones((4, 3), dtype="float32")
    model.fit(x, np.ones((4, 1)), verbose=0)
    path = tmp_path / "custom.tensorgrad"
    model.save(path)
    with pytest.raises(keras.saving.SavingError, match="custom_objects"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    assert loaded.get_layer("scale").factor == 2.0
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_training_loop_written_by_hand():
    """The later edition's loop: gradients of the loss, apply_gradients, metric objects."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int64")
    utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.RMSprop(learning_rate=1e-2)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    loss_tracking = keras.metrics.Mean()
    for _ in range(30):
        predictions = model(x, training=True)
        loss = loss_fn(labels, predictions)
        loss.backward()
        gradients = [w.grad for w in model.trainable_weights]
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))
        for w in model.trainable_weights:
            w.zero_grad()
        accuracy.update_state(labels, predictions)
        loss_tracking.update_state(loss)
    assert optimizer.iterations == 30
    assert accuracy.result() > 0.7 and np.isfinite(loss_tracking.result())
    accuracy.reset_state()
    assert accuracy.result() == 0.0


def test_a_custom_train_step_overrides_fit():
    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.steps = 0

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            self.steps += 1
            return super().train_step(data)

    model = Counting()
    model.compile("sgd", "mse")
    model.fit(np.ones((10, 2)), np.ones((10, 1)), batch_size=5, epochs=2, verbose=0)
    assert model.steps == 4


def test_first_edition_spellings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = keras.optimizers.RMSprop(lr=1e-3)
    assert optimizer.learning_rate == 1e-3 and optimizer.lr == 1e-3
    from tensorgrad.optimizers import base

    assert base._warned_lr and (not caught or "learning_rate" in str(caught[0].message))
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer, "categorical_crossentropy", metrics=["acc"])
    x, y = np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]]
    history = model.fit(x, y, validation_data=(x, y), verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}


def test_the_keras_namespace():
    for name in ("Input", "Model", "Sequential"):
        assert hasattr(keras, name)
    for module in ("layers", "models", "optimizers", "losses", "metrics", "callbacks",
                   "datasets", "utils", "initializers", "activations", "ops", "saving"):
        assert hasattr(keras, module), module
    assert keras.models.Model is keras.Model
    assert float(keras.ops.convert_to_numpy(keras.ops.mean(keras.ops.ones((2, 2))))) == 1.0
