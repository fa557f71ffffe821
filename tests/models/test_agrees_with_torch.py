"""A whole training step of a Sequential model agrees with the same step in PyTorch:
loss, every gradient, and the weights after the optimizer's update."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers, models, optimizers, utils
from tensorgrad.engine.tensor import Tensor

torch = pytest.importorskip("torch")


def make_pair(optimizer, torch_optimizer):
    utils.set_random_seed(3)
    model = models.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(12,)),
            layers.Dense(5, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    peer = torch.nn.Sequential(
        torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5)
    ).double()
    with torch.no_grad():
        for param, value in zip(peer.parameters(), model.get_weights()):
            param.copy_(torch.from_numpy(value.T.astype(np.float64)))
    return model, peer, torch_optimizer(peer.parameters())


def data(n=32):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n, 12)).astype(np.float32)
    labels = rng.integers(0, 5, n)
    return x, labels, utils.to_categorical(labels, 5)


@pytest.mark.parametrize(
    "optimizer, torch_optimizer",
    [
        (optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (optimizers.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (
            optimizers.RMSprop(0.01, epsilon=1e-30),  # torch puts epsilon outside the root
            lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-30),
        ),
    ],
    ids=["sgd", "momentum", "rmsprop"],
)
def test_training_steps_agree(optimizer, torch_optimizer) -> None:
    model, peer, peer_optimizer = make_pair(optimizer, torch_optimizer)
    x, labels, y = data()
    for _ in range(3):
        prediction = model(Tensor._make(x, False, None), training=True)
        loss = model.loss(y, prediction)
        loss.backward()
        grads = [w.grad.copy() for w in model.trainable_weights]
        model.optimizer.apply_gradients([(w.grad, w) for w in model.trainable_weights])
        for w in model.trainable_weights:
            w.grad = None

        peer_optimizer.zero_grad()
        peer_loss = torch.nn.functional.cross_entropy(
            peer(torch.from_numpy(x).double()), torch.from_numpy(labels)
        )
        peer_loss.backward()
        peer_grads = [p.grad.numpy().T for p in peer.parameters()]
        peer_optimizer.step()

        assert loss.item() == pytest.approx(peer_loss.item(), rel=1e-5)
        for ours, theirs in zip(grads, peer_grads):
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
        for ours, theirs in zip(model.get_weights(), peer.parameters()):
            np.testing.assert_allclose(ours, theirs.detach().numpy().T, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 64])
def test_true_sgd_and_full_batch_descent_both_learn(batch_size: int) -> None:
    """The book's two extremes: a batch of one sample, and all the data at once."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)[:, None]
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=optimizers.SGD(0.05 if batch_size == 1 else 0.5),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    before = model.evaluate(x, y, verbose=0)[0]
    history = model.fit(x, y, batch_size=batch_size, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * before
    assert history.history["accuracy"][-1] > 0.9
