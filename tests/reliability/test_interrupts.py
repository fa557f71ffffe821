"""Ctrl-C during fit leaves the model exactly at the end of one step, and fit continues from
there. The interrupt is deferred across the optimizer's update of weights, slots and
`iterations`; these tests send real SIGINTs (from the update itself and from a timer at
random moments) and compare the state with a replay of the same number of steps."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

from tensorgrad import layers, models, optimizers, utils
from tensorgrad.engine import backend

pytestmark = pytest.mark.skipif(not hasattr(os, "kill"), reason="needs signals")


class InterruptingAdam(optimizers.Adam):
    """Adam that receives a Ctrl-C right after updating its first variable of step 2."""

    def update_step(self, grad, variable, slots):
        super().update_step(grad, variable, slots)
        if self.iterations == 1 and not getattr(self, "_sent", False):
            self._sent = True
            os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode


def _state(model: models.Model) -> list[np.ndarray]:
    state = model.optimizer.get_state(model.trainable_weights)
    arrays = [w.data.copy() for w in model.weights]
    arrays += [s for slot_list in state["slots"] for s in slot_list]
    return arrays + [np.array(state["iterations"])]


def _model(optimizer: optimizers.Optimizer, units: int = 8) -> models.Sequential:
    utils.set_random_seed(1)
    model = models.Sequential(
        [layers.Dense(units, activation="relu", input_shape=(6,)), layers.Dense(3)]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _data(n: int = 64):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 6)).astype(np.float32), rng.standard_normal((n, 3))


def test_ctrl_c_inside_the_update_finishes_the_step_then_raises() -> None:
    x, y = _data()
    model = _model(InterruptingAdam(learning_rate=0.01))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=len(x), epochs=5, shuffle=False, verbose=0)
    reference = _model(optimizers.Adam(learning_rate=0.01))
    reference.fit(x, y, batch_size=len(x), epochs=2, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 2
    for got, want in zip(_state(model), _state(reference), strict=True):
        np.testing.assert_array_equal(got, want)
    # a following fit continues from there: 3 more steps give the 5-step reference
    model.fit(x, y, batch_size=len(x), epochs=3, shuffle=False, verbose=0)
    reference.fit(x, y, batch_size=len(x), epochs=3, shuffle=False, verbose=0)
    for got, want in zip(_state(model), _state(reference), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_bad_gradient_changes_nothing() -> None:
    w1 = utils.set_random_seed(0) or layers.Dense(2, input_shape=(2,))
    w1.build((None, 2))
    kernel, bias = w1.weights
    optimizer = optimizers.Adam()
    before = kernel.data.copy()
    with pytest.raises(ValueError, match="gradient of shape"):
        optimizer.apply_gradients([(np.ones((2, 2)), kernel), (np.ones(3), bias)])
    np.testing.assert_array_equal(kernel.data, before)
    assert optimizer.iterations == 0


def test_twenty_ctrl_c_at_random_moments_each_leave_one_whole_step() -> None:
    """Full-batch training without shuffling: step k depends on the state alone, so the state
    after any interruption must equal the state after `iterations` steps of a clean run."""
    previous_dtype = backend.default_float()
    backend.set_default_dtype("float64")
    try:
        x, y = _data(8)  # a wide model on few samples: the update is much of each step
        x = x.astype(np.float64)
        reference = _model(optimizers.Adam(learning_rate=0.01), units=4096)
        snapshots = [_state(reference)]
        for _ in range(250):
            reference.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
            snapshots.append(_state(reference))
        model = _model(optimizers.Adam(learning_rate=0.01), units=4096)
        rng = np.random.default_rng(7)
        interrupted = 0
        while interrupted < 20 and model.optimizer.iterations < 230:
            timer = threading.Timer(
                rng.uniform(0.001, 0.012), os.kill, (os.getpid(), signal.SIGINT)
            )
            try:
                with pytest.raises(KeyboardInterrupt):  # it may land before fit starts, too
                    timer.start()
                    model.fit(x, y, batch_size=len(x), epochs=10**6, shuffle=False, verbose=0)
            finally:
                if timer.ident is not None:  # started (the interrupt may cut start short)
                    timer.join()
            interrupted += 1
            step = model.optimizer.iterations
            for got, want in zip(_state(model), snapshots[step], strict=True):
                np.testing.assert_array_equal(got, want, err_msg=f"interruption {interrupted}")
        assert interrupted == 20
    finally:
        backend.set_default_dtype(previous_dtype)


def test_updates_from_other_threads_are_not_deferred_and_still_work() -> None:
    x, y = _data()
    model = _model(optimizers.SGD(learning_rate=0.01))
    errors = []

    def train() -> None:
        try:
            model.fit(x, y, batch_size=16, epochs=1, verbose=0)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    thread = threading.Thread(target=train)
    thread.start()
    thread.join()
    assert errors == [] and model.optimizer.iterations == 4
