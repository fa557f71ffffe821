"""to_categorical and array_reshape, with Keras' and the book's semantics."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import utils


def test_to_categorical_basic():
    out = utils.to_categorical(np.array([5, 0, 4, 1, 9], dtype=np.uint8))
    assert out.shape == (5, 10) and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(axis=1), [5, 0, 4, 1, 9])
    assert (out.sum(axis=1) == 1).all()


def test_to_categorical_num_classes_and_column_labels():
    assert utils.to_categorical([1, 2], num_classes=5).shape == (2, 5)
    column = utils.to_categorical(np.array([[0], [2], [1]]))
    assert column.shape == (3, 3)  # (n, 1) -> (n, classes), as Keras
    np.testing.assert_array_equal(column, np.eye(3)[[0, 2, 1]])
    assert utils.to_categorical(np.zeros((2, 4), int), 3).shape == (2, 4, 3)
    assert utils.to_categorical([1.0, 0.0]).dtype == np.float32
    assert utils.to_categorical(tg.tensor([0, 1])).shape == (2, 2)
    assert utils.to_categorical([0, 1], dtype="float64").dtype == np.float64


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"label 5 does not fit num_classes=3"):
        utils.to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="non-negative"):
        utils.to_categorical([-1, 0])
    with pytest.raises(ValueError, match="whole numbers"):
        utils.to_categorical([0.5, 1.0])


def test_array_reshape_is_row_major_like_the_book():
    x = np.array([[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(utils.array_reshape(x, (6, 1)), [[0], [1], [2], [3], [4], [5]])
    np.testing.assert_array_equal(utils.array_reshape(x, (2, 3)), [[0, 1, 2], [3, 4, 5]])
    assert utils.array_reshape([[1, 2], [3, 4]], -1).tolist() == [1, 2, 3, 4]
    images = np.zeros((60, 28, 28), np.uint8)
    assert utils.array_reshape(images, (60, 28 * 28)).shape == (60, 784)
    assert utils.array_reshape(images, (60, -1)).shape == (60, 784)


def test_array_reshape_on_tensors_keeps_gradients():
    t = tg.tensor(np.arange(6.0), requires_grad=True)
    r = utils.array_reshape(t, (3, 2))
    assert isinstance(r, tg.Tensor) and r.shape == (3, 2)
    (r * tg.tensor([[1.0, 2.0]] * 3)).sum().backward()
    np.testing.assert_array_equal(t.grad, [1, 2, 1, 2, 1, 2])


def test_array_reshape_error_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"shape \(60, 28, 28\) \(47040 elements\) into shape \(60, 780\)"
    ):
        utils.array_reshape(np.zeros((60, 28, 28)), (60, 780))
