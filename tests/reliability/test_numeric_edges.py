"""Numbers at the edges: float64 data beyond float32, initial_epoch, losses at huge logits."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, losses, models


def _model() -> models.Sequential:
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("value", [1e39, -5e300])
def test_float64_values_beyond_float32_are_refused_before_the_cast(
    where: str, value: float
) -> None:
    x, y = np.zeros((4, 3)), np.zeros((4, 2))
    (x if where == "x" else y)[2, 1] = value
    with pytest.raises(ValueError, match=rf"{where} contains .* at index \(2, 1\).*float32"):
        _model().fit(x, y, verbose=0)
    if where == "x":
        with pytest.raises(ValueError, match="float32"):
            _model().predict(x)


def test_float64_values_within_float32_range_are_accepted() -> None:
    x = np.full((4, 3), 3e38)
    assert np.isfinite(_model().predict(x * 0)).all()
    _model().predict(x / 1e38)


@pytest.mark.parametrize("initial_epoch", [-3, 1.5, "1", True, None])
def test_initial_epoch_is_validated_like_epochs(initial_epoch: object) -> None:
    with pytest.raises(ValueError, match=r"fit: initial_epoch must be a non-negative integer"):
        _model().fit(np.zeros((4, 3)), np.zeros((4, 2)), initial_epoch=initial_epoch, verbose=0)


def test_initial_epoch_numpy_integer_is_accepted() -> None:
    history = _model().fit(
        np.zeros((4, 3)), np.zeros((4, 2)), epochs=3, initial_epoch=np.int64(1), verbose=0
    )
    assert len(history.history["loss"]) == 2


HUGE = np.array([[1e38, -1e38, 0.0], [-3e38, 3e38, 3e38]] * 16, np.float32)
ONE_HOT = np.array([[0, 1, 0], [0, 1, 0]] * 16, np.float32)  # finite true losses: 2e38, 0
LABELS = ONE_HOT.argmax(axis=-1)


@pytest.mark.parametrize(
    "loss, y_true, activation",
    [
        (losses.CategoricalCrossentropy(from_logits=True), ONE_HOT, None),
        (losses.CategoricalCrossentropy(), ONE_HOT, tg.softmax),
        (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, None),
        (losses.SparseCategoricalCrossentropy(), LABELS, tg.softmax),
        (losses.BinaryCrossentropy(from_logits=True), ONE_HOT, None),
        (losses.BinaryCrossentropy(), ONE_HOT, tg.sigmoid),
    ],
)
def test_losses_at_logits_of_1e38_stay_finite(loss, y_true, activation) -> None:
    logits = tg.tensor(HUGE, requires_grad=True)
    y_pred = logits if activation is None else activation(logits)
    value = loss(y_true, y_pred)
    assert value.dtype == np.float32
    assert np.isfinite(value.item()) and value.item() > 1e36
    value.backward()
    assert np.isfinite(logits.grad).all()


def test_one_hot_zero_against_an_overflowing_logit_adds_nothing() -> None:
    """Target 0 for a class whose shifted logit is -inf: 0 * log(0) counts as 0, not NaN."""
    logits = tg.tensor(np.array([[3e38, -3e38]], np.float32))
    per_sample = losses.categorical_crossentropy(np.array([[1.0, 0.0]]), logits, from_logits=True)
    assert per_sample.numpy().tolist() == [0.0]


def test_the_mean_of_a_small_float32_batch_does_not_overflow() -> None:
    values = tg.tensor(np.full(64, 3e38, np.float32))
    assert tg.mean(values).item() == pytest.approx(3e38, rel=1e-6)
