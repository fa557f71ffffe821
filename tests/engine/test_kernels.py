"""kernels.relu: the same numbers as np.maximum(a, 0) for every size, layout and dtype."""

import numpy as np
import pytest

from tensorgrad.engine import kernels


@pytest.mark.parametrize(
    "size", [0, 1, 1023, 1024, kernels.BLOCK, kernels.BLOCK + 7, 3 * kernels.BLOCK]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_matches_numpy_including_nan_and_signed_zero(size, dtype):
    a = np.random.default_rng(size).standard_normal(size).astype(dtype)
    if size > 3:
        a[:3] = [np.nan, -0.0, -np.inf]
    expected = np.maximum(a, 0)
    out = kernels.relu(a)
    assert out.dtype == dtype and out is not a
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))


def test_relu_in_place_and_on_strided_arrays():
    a = np.random.default_rng(0).standard_normal((64, 300)).astype(np.float32)
    expected = np.maximum(a, 0)
    assert kernels.relu(a, out=a) is a
    np.testing.assert_array_equal(a, expected)
    b = np.random.default_rng(1).standard_normal((300, 200)).astype(np.float32)
    np.testing.assert_array_equal(kernels.relu(b.T), np.maximum(b.T, 0))
    np.testing.assert_array_equal(kernels.relu(b[:, ::3]), np.maximum(b[:, ::3], 0))
