"""Metrics: per-batch values, sample-weighted accumulation across batches, Keras' resolution
of "accuracy", and lookup."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import losses, metrics

Y_ONEHOT = np.eye(3)[[0, 1, 2, 1]]
Y_LABELS = np.array([0, 1, 2, 1])
Y_PRED = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
# argmax of Y_PRED: 0, 1, 0, 2 -> two of four right


def test_categorical_and_sparse_accuracy():
    assert metrics.CategoricalAccuracy()(Y_ONEHOT, Y_PRED) == 0.5
    assert metrics.SparseCategoricalAccuracy()(Y_LABELS, Y_PRED) == 0.5
    assert metrics.SparseCategoricalAccuracy()(Y_LABELS[:, None], Y_PRED) == 0.5
    assert metrics.SparseCategoricalAccuracy()(Y_LABELS.astype(np.float32), Y_PRED) == 0.5
    np.testing.assert_array_equal(metrics.categorical_accuracy(Y_ONEHOT, Y_PRED), [1, 1, 0, 0])
    per_sample = metrics.sparse_categorical_accuracy(Y_LABELS, Y_PRED)
    assert per_sample.dtype == np.float32 and per_sample.tolist() == [1, 1, 0, 0]


def test_binary_accuracy_threshold_and_shapes():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.9], [0.6], [0.4], [0.1]])
    assert metrics.BinaryAccuracy()(y, p) == 0.5
    assert metrics.BinaryAccuracy(threshold=0.3)(y, p) == 0.75
    assert metrics.BinaryAccuracy(threshold=0.65)(y, p) == 0.75
    assert metrics.BinaryAccuracy()(y[:, 0], p) == 0.5  # targets (n,) against outputs (n, 1)
    # several outputs per sample: each sample scores the fraction it got right
    multi_y = np.array([[1, 0, 1, 1], [0, 0, 0, 0]])
    multi_p = np.array([[0.9, 0.1, 0.2, 0.8], [0.6, 0.1, 0.1, 0.1]])
    np.testing.assert_allclose(metrics.binary_accuracy(multi_y, multi_p), [0.75, 0.75])
    assert metrics.BinaryAccuracy()(multi_y, multi_p) == 0.75


def test_accuracy_mse_mae_values():
    assert metrics.Accuracy()(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75
    y = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    p = np.array([[1.5, 2.0], [2.0, 4.0], [1.0, -1.0]])
    assert metrics.MeanSquaredError()(y, p) == pytest.approx(((y - p) ** 2).mean())
    assert metrics.MeanAbsoluteError()(y, p) == pytest.approx(np.abs(y - p).mean())
    np.testing.assert_allclose(metrics.mean_squared_error(y, p), ((y - p) ** 2).mean(axis=-1))
    np.testing.assert_allclose(metrics.mae(y, p), np.abs(y - p).mean(axis=-1))


def test_accumulates_weighted_by_sample_count():
    # batches of 3 and 1: the result is over the 4 samples, not the mean of batch means
    m = metrics.CategoricalAccuracy()
    m.update_state(Y_ONEHOT[:3], Y_PRED[:3])  # 2 of 3
    assert m.result() == pytest.approx(2 / 3)
    m.update_state(Y_ONEHOT[3:], Y_PRED[3:])  # 0 of 1
    assert m.result() == pytest.approx(2 / 4)
    mse = metrics.MeanSquaredError()
    y, p = np.arange(10.0).reshape(5, 2), np.zeros((5, 2))
    for start, stop in [(0, 1), (1, 5)]:
        mse.update_state(y[start:stop], p[start:stop])
    assert mse.result() == pytest.approx((y**2).mean())
    m.reset_state()
    assert m.result() == 0.0 and m.count == 0


def test_sample_weights():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(Y_LABELS, Y_PRED, sample_weight=np.array([1.0, 1.0, 2.0, 0.0]))
    assert m.result() == pytest.approx(2 / 4)
    m.update_state(Y_LABELS, Y_PRED, sample_weight=np.array([0.0, 3.0, 0.0, 0.0]))
    assert m.result() == pytest.approx(5 / 7)


def test_mean_metric():
    m = metrics.Mean(name="loss")
    m.update_state(0.5, weight=128)
    m.update_state(2.0, weight=32)
    assert m.result() == pytest.approx((0.5 * 128 + 2.0 * 32) / 160)
    m.reset_state()
    m.update_state(np.array([1.0, 2.0, 6.0]))
    assert m.result() == 3.0
    m.update_state(tg.tensor(5.0))
    assert m.result() == 3.5 and m.name == "loss"
    with pytest.raises(ValueError, match="do not broadcast"):
        m.update_state(np.ones(3), weight=np.ones(2))


def test_accepts_tensors():
    m = metrics.CategoricalAccuracy()
    m.update_state(tg.tensor(Y_ONEHOT), tg.tensor(Y_PRED))
    assert m.result() == 0.5


def test_default_names():
    assert metrics.CategoricalAccuracy().name == "categorical_accuracy"
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.Accuracy().name == "accuracy"
    assert metrics.MeanSquaredError().name == "mean_squared_error"
    assert metrics.MeanAbsoluteError().name == "mean_absolute_error"
    assert metrics.Mean().name == "mean"


N = 8


@pytest.mark.parametrize(
    "identifier, loss, output_shape, y_shape, expected",
    [
        ("accuracy", "categorical_crossentropy", (None, 10), (N, 10), metrics.CategoricalAccuracy),
        ("acc", "categorical_crossentropy", (None, 10), (N, 10), metrics.CategoricalAccuracy),
        (
            "accuracy",
            "sparse_categorical_crossentropy",
            (None, 10),
            (N,),
            metrics.SparseCategoricalAccuracy,
        ),
        (
            "acc",
            "sparse_categorical_crossentropy",
            (None, 10),
            (N, 1),
            metrics.SparseCategoricalAccuracy,
        ),
        (
            "accuracy",
            "sparse_categorical_crossentropy",
            None,
            None,
            metrics.SparseCategoricalAccuracy,
        ),
        ("accuracy", "binary_crossentropy", (None, 1), (N, 1), metrics.BinaryAccuracy),
        ("acc", "binary_crossentropy", (None, 1), (N,), metrics.BinaryAccuracy),
        ("accuracy", "binary_crossentropy", (None, 5), (N, 5), metrics.BinaryAccuracy),
        ("accuracy", "mse", (None, 1), (N, 1), metrics.BinaryAccuracy),
        ("accuracy", "mse", (None, 3), (N, 3), metrics.CategoricalAccuracy),
        ("accuracy", None, (None, 10), (N,), metrics.SparseCategoricalAccuracy),
        ("accuracy", None, (None, 10), (N, 1), metrics.SparseCategoricalAccuracy),
        ("accuracy", None, (None, 10), (N, 10), metrics.CategoricalAccuracy),
        ("accuracy", None, (None, 1), None, metrics.BinaryAccuracy),
        ("accuracy", None, None, None, metrics.CategoricalAccuracy),
        (
            "Accuracy",
            losses.BinaryCrossentropy(from_logits=True),
            (None, 2),
            (N, 2),
            metrics.BinaryAccuracy,
        ),
        (
            "ACC",
            losses.SparseCategoricalCrossentropy,
            (None, 10),
            None,
            metrics.SparseCategoricalAccuracy,
        ),
        (
            "accuracy",
            losses.sparse_categorical_crossentropy,
            (None, 10),
            (N,),
            metrics.SparseCategoricalAccuracy,
        ),
        (
            "accuracy",
            losses.CategoricalCrossentropy(),
            (None, 10),
            (N, 10),
            metrics.CategoricalAccuracy,
        ),
    ],
)
def test_accuracy_resolution(identifier, loss, output_shape, y_shape, expected):
    y_true = None if y_shape is None else np.zeros(y_shape)
    m = metrics.get(identifier, loss=loss, output_shape=output_shape, y_true=y_true)
    assert type(m) is expected
    assert m.name == identifier  # the user's string, exactly


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("mse", metrics.MeanSquaredError),
        ("MSE", metrics.MeanSquaredError),
        ("mean_squared_error", metrics.MeanSquaredError),
        ("mae", metrics.MeanAbsoluteError),
        ("mean_absolute_error", metrics.MeanAbsoluteError),
        ("categorical_accuracy", metrics.CategoricalAccuracy),
        ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
        ("binary_accuracy", metrics.BinaryAccuracy),
    ],
)
def test_get_by_name_keeps_the_name(identifier, cls):
    m = metrics.get(identifier)
    assert type(m) is cls and m.name == identifier


def test_get_objects_configs_and_errors():
    m = metrics.BinaryAccuracy(threshold=0.7)
    assert metrics.get(m) is m
    again = metrics.get({"class_name": "BinaryAccuracy", "config": m.get_config()})
    assert type(again) is metrics.BinaryAccuracy and again.threshold == 0.7
    assert again.name == "binary_accuracy"
    assert type(metrics.get(metrics.Accuracy)) is metrics.Accuracy
    with pytest.raises(ValueError, match="Unknown metric 'auc'.*categorical_accuracy"):
        metrics.get("auc")
    with pytest.raises(TypeError, match="expected a metric name"):
        metrics.get(3)


def test_a_plain_function_is_a_metric_named_after_it() -> None:
    def mean_prediction(y_true, y_pred):
        return y_pred.mean(axis=-1)

    m = metrics.get(mean_prediction)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "mean_prediction"
    m.update_state(np.zeros((2, 2)), np.array([[0.0, 1.0], [1.0, 1.0]]))
    m.update_state(np.zeros((1, 2)), np.array([[0.0, 0.0]]))
    assert m.result() == pytest.approx((0.5 + 1.0 + 0.0) / 3)
