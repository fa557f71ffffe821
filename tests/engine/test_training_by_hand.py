"""The chapter's training loop written with the engine alone (no layers, no optimizers).

A two-layer network learns a problem no linear model can solve (XOR of the signs of two
coordinates) by mini-batch SGD: draw a batch, forward pass, loss, backward(), move each
parameter against its gradient in place, zero the gradients. True SGD (batch of one) and
full-batch gradient descent are the two extremes; all three must drive the loss down.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg


def make_data(n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.15, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x.astype(np.float32), np.eye(2, dtype=np.float32)[labels]


def init_params(seed: int = 1, hidden: int = 16) -> list[tg.Tensor]:
    rng = np.random.default_rng(seed)
    return [
        tg.tensor(rng.standard_normal((2, hidden)) * 0.5, requires_grad=True),
        tg.zeros(hidden, requires_grad=True),
        tg.tensor(rng.standard_normal((hidden, 2)) * 0.25, requires_grad=True),
        tg.zeros(2, requires_grad=True),
    ]


def model(x, params):
    w1, b1, w2, b2 = params
    return tg.relu(x @ w1 + b1) @ w2 + b2  # logits


def loss_fn(x, y, params) -> tg.Tensor:
    return tg.softmax_cross_entropy(model(x, params), y).mean()


def evaluate(x, y, params) -> tuple[float, float]:
    with tg.no_grad():
        logits = model(x, params)
        loss = tg.softmax_cross_entropy(logits, y).mean().item()
    accuracy = float((logits.numpy().argmax(axis=1) == y.argmax(axis=1)).mean())
    return loss, accuracy


def train(batch_size: int, learning_rate: float, epochs: int) -> dict[str, object]:
    x, y = make_data()
    params = init_params()
    arrays = [p.data for p in params]
    rng = np.random.default_rng(2)
    initial, _ = evaluate(x, y, params)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = loss_fn(x[batch], y[batch], params)  # forward pass
            loss.backward()  # backward pass
            for p in params:
                p.data -= learning_rate * p.grad  # in place: the same arrays throughout
                p.zero_grad()
        history.append(evaluate(x, y, params)[0])
    final, accuracy = evaluate(x, y, params)
    same_arrays = all(p.data is a for p, a in zip(params, arrays))
    dtypes = {p.dtype for p in params}
    return {
        "initial": initial,
        "final": final,
        "accuracy": accuracy,
        "history": history,
        "same_arrays": same_arrays,
        "dtypes": dtypes,
    }


@pytest.mark.parametrize(
    "batch_size,learning_rate,epochs",
    [(32, 0.5, 30), (1, 0.05, 4), (256, 1.0, 150)],
    ids=["mini-batch", "true SGD (batch 1)", "full-batch gradient descent"],
)
def test_training_by_hand_drives_the_loss_down(batch_size, learning_rate, epochs):
    result = train(batch_size, learning_rate, epochs)
    assert result["initial"] > 0.6  # about log(2): the untrained network guesses
    assert result["final"] < 0.25 * result["initial"], result["history"]
    assert result["accuracy"] >= 0.95
    assert result["history"][-1] < result["history"][len(result["history"]) // 2]
    assert result["same_arrays"] and result["dtypes"] == {np.dtype(np.float32)}


def test_gradients_of_the_network_match_central_differences():
    x, y = make_data(n=8)
    params = init_params(hidden=4)
    arrays = [p.data.astype(np.float64) for p in params]

    def f(w1, b1, w2, b2):
        return loss_fn(x.astype(np.float64), y, [w1, b1, w2, b2])

    result = tg.check_grad(f, *arrays)
    assert result.ok, str(result)


def test_a_linear_model_cannot_solve_it():
    """The hidden layer is what makes the problem solvable (so the test above means something)."""
    x, y = make_data()
    w, b = tg.zeros((2, 2), requires_grad=True), tg.zeros(2, requires_grad=True)
    for _ in range(200):
        loss = tg.softmax_cross_entropy(x @ w + b, y).mean()
        loss.backward()
        for p in (w, b):
            p.data -= 1.0 * p.grad
            p.zero_grad()
    assert loss.item() > 0.6
