"""The fast paths give the numbers of the plain ones they replace.

fit's speed comes from a fused softmax cross-entropy, a fused linear op, and optimizer
updates split across threads into preallocated slots; each is checked here against the
plain computation it stands for.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import losses, optimizers
from tensorgrad.optimizers import blocks


def test_softmax_then_categorical_crossentropy_is_the_fused_path() -> None:
    rng = np.random.default_rng(0)
    logits = tg.tensor(rng.normal(size=(16, 10)) * 5, requires_grad=True, dtype="float64")
    y = np.eye(10)[rng.integers(0, 10, 16)]
    loss = losses.CategoricalCrossentropy()(y, tg.softmax(logits))
    loss.backward()
    fused_grad = logits.grad

    plain = tg.tensor(logits.data, requires_grad=True, dtype="float64")
    composed = -(tg.tensor(y) * tg.log(tg.softmax(plain))).sum(axis=-1).mean()
    composed.backward()
    assert loss.item() == pytest.approx(composed.item(), rel=1e-12)
    np.testing.assert_allclose(fused_grad, plain.grad, rtol=1e-10, atol=1e-14)
    p = np.exp(logits.data - logits.data.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(fused_grad, (p - y) / 16, rtol=1e-10, atol=1e-14)


def test_fused_path_stays_finite_where_the_composed_one_overflows() -> None:
    logits = tg.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    y = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    loss = losses.CategoricalCrossentropy()(y, tg.softmax(logits))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(2e4)
    assert np.all(np.isfinite(logits.grad))


def test_linear_equals_matmul_plus_bias() -> None:
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    fused = [tg.tensor(a, requires_grad=True, dtype="float64") for a in (x, w, b)]
    plain = [tg.tensor(a, requires_grad=True, dtype="float64") for a in (x, w, b)]
    out_fused = tg.linear(*fused)
    out_plain = tg.matmul(plain[0], plain[1]) + plain[2]
    np.testing.assert_array_equal(out_fused.numpy(), out_plain.numpy())
    weights = rng.normal(size=(5, 3))
    (out_fused * weights).sum().backward()
    (out_plain * weights).sum().backward()
    for f, p in zip(fused, plain):
        np.testing.assert_allclose(f.grad, p.grad, rtol=1e-12)


OPTIMIZERS = [
    optimizers.SGD(learning_rate=0.1),
    optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    optimizers.RMSprop(),
    optimizers.RMSprop(momentum=0.5, centered=True),
    optimizers.Adagrad(),
    optimizers.Adam(),
    optimizers.Adam(amsgrad=True),
]


@pytest.mark.parametrize("threads", ["1", "2", "3"])
@pytest.mark.parametrize("template", OPTIMIZERS, ids=lambda o: repr(o.get_config()))
def test_split_update_is_bitwise_the_whole_update(
    template: optimizers.Optimizer, threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(2)
    start = [rng.normal(size=s).astype(np.float32) for s in [(300, 257), (257,), (7, 3)]]
    grads = [[rng.normal(size=a.shape).astype(np.float32) for a in start] for _ in range(4)]

    def train(min_size: int) -> list[np.ndarray]:
        monkeypatch.setattr(blocks, "MIN_SIZE", min_size)
        monkeypatch.setenv("TENSORGRAD_NUM_THREADS", threads)
        optimizer = type(template).from_config(template.get_config())
        variables = [tg.tensor(a, requires_grad=True) for a in start]
        arrays = [v.data for v in variables]
        for step in grads:
            optimizer.apply_gradients(zip(step, variables))
        assert all(v.data is a for v, a in zip(variables, arrays))  # updated in place
        return [v.numpy().copy() for v in variables]

    whole = train(min_size=1 << 40)
    split = train(min_size=1000)  # the (300, 257) kernel is split, the rest is not
    for a, b in zip(whole, split):
        np.testing.assert_array_equal(a, b)
