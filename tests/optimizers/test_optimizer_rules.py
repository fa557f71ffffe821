"""Each optimizer's update rule against Keras' formulas, written out here in plain NumPy,
and against golden values from Keras' own test suite."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optimizers

RNG = np.random.default_rng(0)
W0 = RNG.normal(size=(2, 3))
GRADS = [RNG.normal(size=(2, 3)) for _ in range(3)]


# ----- Keras' formulas, one step at a time, in float64 -----
def sgd_rule(learning_rate=0.01, momentum=0.0, nesterov=False):
    lr, m = learning_rate, 0.0

    def step(w, g, t):
        nonlocal m
        if not momentum:
            return w - lr * g
        m = momentum * m - lr * g
        return w + (momentum * m - lr * g if nesterov else m)

    return step


def rmsprop_rule(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    lr, v, a, mom = learning_rate, 0.0, 0.0, 0.0

    def step(w, g, t):
        nonlocal v, a, mom
        v = rho * v + (1 - rho) * g**2
        if centered:
            a = rho * a + (1 - rho) * g
            increment = lr * g / np.sqrt(v - a**2 + epsilon)
        else:
            increment = lr * g / np.sqrt(v + epsilon)
        if momentum:
            mom = momentum * mom + increment
            return w - mom
        return w - increment

    return step


def adagrad_rule(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    lr, acc = learning_rate, initial_accumulator_value

    def step(w, g, t):
        nonlocal acc
        acc = acc + g**2
        return w - lr * g / np.sqrt(acc + epsilon)

    return step


def adam_rule(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    lr, m, v, v_max = learning_rate, 0.0, 0.0, 0.0

    def step(w, g, t):
        nonlocal m, v, v_max
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        v_max = np.maximum(v_max, v)
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        return w - alpha * m / (np.sqrt(v_max if amsgrad else v) + epsilon)

    return step


CASES = [
    (optimizers.SGD, sgd_rule, {}),
    (optimizers.SGD, sgd_rule, {"learning_rate": 0.1, "momentum": 0.9}),
    (optimizers.SGD, sgd_rule, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    (optimizers.RMSprop, rmsprop_rule, {}),
    (optimizers.RMSprop, rmsprop_rule, {"learning_rate": 0.01, "rho": 0.8, "epsilon": 0.1}),
    (optimizers.RMSprop, rmsprop_rule, {"learning_rate": 0.01, "momentum": 0.5}),
    (optimizers.RMSprop, rmsprop_rule, {"learning_rate": 0.01, "centered": True, "momentum": 0.3}),
    (optimizers.Adagrad, adagrad_rule, {}),
    (
        optimizers.Adagrad,
        adagrad_rule,
        {"learning_rate": 0.5, "initial_accumulator_value": 0.0, "epsilon": 0.1},
    ),
    (optimizers.Adam, adam_rule, {}),
    (optimizers.Adam, adam_rule, {"learning_rate": 0.1, "beta_1": 0.5, "epsilon": 0.1}),
    (optimizers.Adam, adam_rule, {"learning_rate": 0.1, "amsgrad": True}),
]


@pytest.mark.parametrize("cls, rule, kwargs", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_three_steps_follow_keras_formula(cls, rule, kwargs):
    opt = cls(**kwargs)
    step = rule(**kwargs)
    w = tg.tensor(W0, dtype="float64", requires_grad=True)
    expected = W0.copy()
    # the third gradient makes some elements change sign and grow: momentum and maxima matter
    grads = [GRADS[0], GRADS[1] * 0.1, -GRADS[2] * 3]
    for t, g in enumerate(grads, start=1):
        opt.apply_gradients([(g, w)])
        expected = step(expected, g, t)
        np.testing.assert_allclose(w.data, expected, rtol=1e-12, atol=1e-15)
    assert opt.iterations == 3


def keras_single_step(opt):
    w = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    opt.apply_gradients([(np.array([1.0, 6.0, 7.0, 2.0], np.float32), w)])
    return w.data


@pytest.mark.parametrize(
    "opt, expected",
    [  # keras/src/optimizers/*_test.py, test_single_step
        (optimizers.SGD(learning_rate=0.5), [0.5, -1.0, -0.5, 3.0]),
        (optimizers.RMSprop(learning_rate=0.5), [-0.5811, 0.4189, 1.4189, 2.4189]),
        (optimizers.Adagrad(learning_rate=0.5), [0.5233, 1.5007, 2.5005, 3.5061]),
        (optimizers.Adam(learning_rate=0.5), [0.5, 1.5, 2.5, 3.5]),
    ],
    ids=["sgd", "rmsprop", "adagrad", "adam"],
)
def test_keras_single_step_golden(opt, expected):
    np.testing.assert_allclose(keras_single_step(opt), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "opt, golden",
    [  # keras/src/optimizers/*_test.py, test_correctness_with_golden (rows after each step)
        (optimizers.RMSprop(centered=True), [[0.9967], [0.9933], [0.9908], [0.9885], [0.9864]]),
        (optimizers.Adam(amsgrad=True), [[0.999], [0.9982], [0.9974], [0.9965], [0.9955]]),
        (
            optimizers.Adagrad(learning_rate=0.2, initial_accumulator_value=0.3, epsilon=1e-6),
            [
                [0.9963] * 10,
                [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
                [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
                [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
                [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825],
            ],
        ),
        (
            optimizers.SGD(nesterov=True),  # momentum 0: plain descent with lr 0.01
            [[0.9999] * 10]
            + [[1 - 0.0001 - 0.001 * k * i for i in range(1, 11)] for k in range(1, 5)],
        ),
    ],
    ids=["rmsprop-centered", "adam-amsgrad", "adagrad", "sgd"],
)
def test_keras_golden_sequence(opt, golden):
    x = tg.tensor(np.ones(10), requires_grad=True)
    grads = np.arange(0.1, 1.1, 0.1).astype(np.float32)
    opt.apply_gradients([(np.full(10, 0.01, np.float32), x)])
    for row in golden:
        np.testing.assert_allclose(x.data, np.broadcast_to(row, (10,)), rtol=5e-4, atol=5e-4)
        opt.apply_gradients([(grads, x)])


def test_keras_rmsprop_docstring_example():
    # keras.optimizers.RMSprop docstring: lr 0.1, loss var**2 / 2 from 10.0 gives 9.683772
    var = tg.tensor(10.0, requires_grad=True)
    opt = optimizers.RMSprop(learning_rate=0.1)
    ((var * var) / 2).backward()
    opt.step([var])
    assert var.item() == pytest.approx(9.683772, abs=1e-6)


def test_float32_variables_stay_float32():
    for name in ("sgd", "rmsprop", "adagrad", "adam"):
        w = tg.tensor(W0, requires_grad=True)
        opt = optimizers.get(name)
        opt.apply_gradients([(GRADS[0], w)])  # a float64 gradient is cast to the variable's
        assert w.dtype == np.float32
        assert all(s.dtype == np.float32 for s in opt.get_state()["slots"][0])
