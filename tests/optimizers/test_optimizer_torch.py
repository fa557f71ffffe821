"""Optimizers against torch.optim where the two define the same update.

Keras and PyTorch agree on SGD (for a constant learning rate, Keras' velocity is -lr times
PyTorch's buffer). For RMSprop, Adagrad and Adam they place epsilon differently (Keras:
inside the square root, or before Adam's bias correction; PyTorch: outside, after), so
those are compared with an epsilon too small to matter in float64 on either side.
"""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optimizers

torch = pytest.importorskip("torch")

TINY = 1e-30  # below float64 resolution next to the averages: both placements give sqrt(v)


def run_both(ours, make_torch, steps=5):
    rng = np.random.default_rng(1)
    w0 = [rng.normal(size=(3, 4)), rng.normal(size=(4,))]
    grads = [[rng.normal(size=w.shape) * (i + 1) for w in w0] for i in range(steps)]
    mine = [tg.tensor(w, dtype="float64", requires_grad=True) for w in w0]
    theirs = [torch.tensor(w, requires_grad=True) for w in w0]
    opt = make_torch(theirs)
    for step_grads in grads:
        ours.apply_gradients(zip(step_grads, mine))
        for p, g in zip(theirs, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_torch(momentum, nesterov):
    run_both(
        optimizers.SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum, nesterov=nesterov),
    )


@pytest.mark.parametrize(
    "momentum, centered", [(0.0, False), (0.5, False), (0.0, True), (0.5, True)]
)
def test_rmsprop_matches_torch_with_tiny_epsilon(momentum, centered):
    run_both(
        optimizers.RMSprop(
            learning_rate=0.01, rho=0.8, momentum=momentum, epsilon=TINY, centered=centered
        ),
        lambda ps: torch.optim.RMSprop(
            ps, lr=0.01, alpha=0.8, momentum=momentum, eps=TINY, centered=centered
        ),
    )


def test_adagrad_matches_torch_with_tiny_epsilon():
    run_both(
        optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.1, epsilon=TINY),
        lambda ps: torch.optim.Adagrad(ps, lr=0.1, initial_accumulator_value=0.1, eps=TINY),
    )


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_torch_with_tiny_epsilon(amsgrad):
    run_both(
        optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=TINY, amsgrad=amsgrad),
        lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=TINY, amsgrad=amsgrad),
    )


def test_rmsprop_epsilon_placement_differs_from_torch():
    # With a large epsilon the placements visibly differ: lr * g / sqrt(v + eps) (ours, Keras)
    # against lr * g / (sqrt(v) + eps) (PyTorch).
    g, eps, lr = 2.0, 0.5, 0.1
    v = 0.1 * g * g
    w = tg.tensor([0.0], dtype="float64", requires_grad=True)
    optimizers.RMSprop(learning_rate=lr, epsilon=eps).apply_gradients([(np.array([g]), w)])
    assert w.item() == pytest.approx(-lr * g / np.sqrt(v + eps), rel=1e-12)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor([g], dtype=torch.float64)
    torch.optim.RMSprop([p], lr=lr, alpha=0.9, eps=eps).step()
    assert p.item() == pytest.approx(-lr * g / (np.sqrt(v) + eps), rel=1e-12)
    assert abs(w.item() - p.item()) > 1e-3
