"""What every optimizer shares: in-place updates, lazy slots, state, config, lookup, errors,
and learning a toy linear regression."""

import json

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import losses, optimizers

ALL = [
    optimizers.SGD(learning_rate=0.1),
    optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    optimizers.RMSprop(learning_rate=0.01),
    optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    optimizers.Adagrad(learning_rate=0.5),
    optimizers.Adam(learning_rate=0.05),
    optimizers.Adam(learning_rate=0.05, amsgrad=True),
]
IDS = ["sgd", "sgd-nesterov", "rmsprop", "rmsprop-centered", "adagrad", "adam", "adam-amsgrad"]


def fresh(opt):
    return type(opt).from_config(opt.get_config())


def regression_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.3
    w = tg.tensor(rng.normal(size=(3, 1)) * 0.1, requires_grad=True)
    b = tg.zeros(1, requires_grad=True)
    return x, y, [w, b]


def train(opt, x, y, variables, steps):
    w, b = variables
    loss_fn = losses.MeanSquaredError()
    history = []
    for _ in range(steps):
        loss = loss_fn(y, tg.matmul(x, w) + b)
        for v in variables:
            v.zero_grad()
        loss.backward()
        opt.step(variables)
        history.append(loss.item())
    return history


@pytest.mark.parametrize("opt", ALL, ids=IDS)
def test_learns_linear_regression(opt):
    x, y, variables = regression_problem()
    history = train(fresh(opt), x, y, variables, steps=150)
    assert history[-1] < history[0] / 10


@pytest.mark.parametrize("opt", ALL, ids=IDS)
def test_updates_in_place(opt):
    opt = fresh(opt)
    x, y, variables = regression_problem()
    arrays = [v.data for v in variables]
    before = [a.copy() for a in arrays]
    train(opt, x, y, variables, steps=3)
    slots = opt.get_state()["slots"]
    train(opt, x, y, variables, steps=2)
    assert all(v.data is a for v, a in zip(variables, arrays))
    assert all(not np.array_equal(a, b) for a, b in zip(arrays, before))
    # slot arrays are kept too: the live ones are the same objects after more steps
    live = [opt._slots[id(v)] for v in variables]
    train(opt, x, y, variables, steps=1)
    assert all(
        a is b
        for now, old in zip([opt._slots[id(v)] for v in variables], live)
        for a, b in zip(now, old)
    )
    assert len(slots) == 2 and opt.iterations == 6


@pytest.mark.parametrize("opt", ALL, ids=IDS)
def test_state_round_trip_continues_identically(opt):
    x, y, variables = regression_problem()
    original = fresh(opt)
    train(original, x, y, variables, steps=4)
    state = original.get_state()
    saved = [v.data.copy() for v in variables]
    train(original, x, y, variables, steps=3)

    copies = [tg.tensor(a, requires_grad=True) for a in saved]
    resumed = fresh(opt)
    resumed.set_state(json.loads(json.dumps(_listify(state))), copies)
    assert resumed.iterations == 4
    train(resumed, x, y, copies, steps=3)
    for a, b in zip(variables, copies):
        np.testing.assert_array_equal(a.data, b.data)


def _listify(state):
    """The state as JSON would store it (lists), to show plain nested lists restore too."""
    return {
        "iterations": state["iterations"],
        "slots": [[s.tolist() for s in slots] for slots in state["slots"]],
    }


def test_get_state_copies_and_orders_by_first_sight():
    a, b = tg.ones(2, requires_grad=True), tg.ones(3, requires_grad=True)
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones(3, np.float32), b)])
    opt.apply_gradients([(np.ones(2, np.float32), a), (np.ones(3, np.float32), b)])
    state = opt.get_state()
    assert [s[0].shape for s in state["slots"]] == [(3,), (2,)]
    assert [s[0].shape for s in opt.get_state([a, b])["slots"]] == [(2,), (3,)]
    state["slots"][0][0][:] = 99
    assert not np.any(opt.get_state()["slots"][0][0] == 99)
    unseen = tg.ones(4, requires_grad=True)
    assert opt.get_state([unseen])["slots"] == [[]]


def test_set_state_rejects_mismatches():
    a = tg.ones(2, requires_grad=True)
    opt = optimizers.RMSprop()
    opt.apply_gradients([(np.ones(2, np.float32), a)])
    state = opt.get_state()
    with pytest.raises(ValueError, match="slots for 1 variables but 2"):
        opt.set_state(state, [a, a])
    with pytest.raises(ValueError, match=r"do not fit a variable of shape \(3,\)"):
        opt.set_state(state, [tg.ones(3, requires_grad=True)])
    assert opt.get_state()["slots"][0][0].shape == (2,)  # a failed restore changes nothing


def test_none_gradients_are_skipped_and_iterations_count_calls():
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    opt = optimizers.SGD(learning_rate=1.0)
    opt.apply_gradients([(None, a), (np.ones(2, np.float32), b)])
    opt.step([a])  # a.grad is None
    np.testing.assert_array_equal(a.data, [1, 1])
    np.testing.assert_array_equal(b.data, [0, 0])
    assert opt.iterations == 2


def test_learning_rate_is_settable_and_checked():
    opt = optimizers.SGD()
    opt.learning_rate = 0.5
    w = tg.ones(1, requires_grad=True)
    opt.apply_gradients([(np.ones(1, np.float32), w)])
    assert w.item() == 0.5 and opt.get_config()["learning_rate"] == 0.5
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        opt.learning_rate = -1.0
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        optimizers.Adam(learning_rate="fast")


def test_gradient_shape_mismatch_is_an_error():
    w = tg.ones((2, 3), requires_grad=True)
    w.name = "kernel"
    with pytest.raises(ValueError, match=r"gradient of shape \(3, 2\).*\(2, 3\) \('kernel'\)"):
        optimizers.Adam().apply_gradients([(np.ones((3, 2), np.float32), w)])


def test_only_float_tensors_can_be_updated():
    with pytest.raises(TypeError, match="can only update float Tensors"):
        optimizers.SGD().apply_gradients([(np.ones(2), np.ones(2))])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optimizers.SGD(momentum=1.5), "momentum must be a float in"),
        (lambda: optimizers.RMSprop(rho=-0.1), "rho must be in"),
        (lambda: optimizers.RMSprop(epsilon=0), "epsilon must be positive"),
        (lambda: optimizers.Adagrad(initial_accumulator_value=-1), "must be >= 0"),
        (lambda: optimizers.Adam(beta_1=1.0), "beta_1 must be in"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_keras_defaults():
    assert optimizers.SGD().get_config() == {
        "name": "sgd",
        "learning_rate": 0.01,
        "momentum": 0.0,
        "nesterov": False,
    }
    assert optimizers.RMSprop().get_config() == {
        "name": "rmsprop",
        "learning_rate": 0.001,
        "rho": 0.9,
        "momentum": 0.0,
        "epsilon": 1e-7,
        "centered": False,
    }
    assert optimizers.Adagrad().get_config() == {
        "name": "adagrad",
        "learning_rate": 0.001,
        "initial_accumulator_value": 0.1,
        "epsilon": 1e-7,
    }
    assert optimizers.Adam().get_config() == {
        "name": "adam",
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    }


@pytest.mark.parametrize("opt", ALL, ids=IDS)
def test_config_round_trip(opt):
    config = json.loads(json.dumps(opt.get_config()))
    again = type(opt).from_config(config)
    assert again.get_config() == opt.get_config()
    assert optimizers.get({"class_name": type(opt).__name__, "config": config}).get_config() == (
        opt.get_config()
    )


@pytest.mark.parametrize(
    "name, cls",
    [
        ("sgd", optimizers.SGD),
        ("SGD", optimizers.SGD),
        ("rmsprop", optimizers.RMSprop),
        ("RMSprop", optimizers.RMSprop),
        ("adagrad", optimizers.Adagrad),
        ("Adam", optimizers.Adam),
    ],
)
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_instances_classes_and_errors():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert type(optimizers.get(optimizers.SGD)) is optimizers.SGD
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw'.*adagrad, adam, rmsprop, sgd"):
        optimizers.get("adamw")
    with pytest.raises(TypeError, match="expected a name"):
        optimizers.get(3)
