"""Optimizer: the state and bookkeeping every update rule shares.

A subclass writes two short methods: `build(variable)` makes the slot arrays the rule keeps
for one variable (velocities, moments), and `update_step(grad, variable, slots)` changes the
variable's array and its slots in place. The base class finds each variable's slots, counts
steps, and saves and restores the state.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from tensorgrad import constraints
from tensorgrad.engine import grad_mode
from tensorgrad.engine.tensor import Tensor
from tensorgrad.optimizers import blocks
from tensorgrad.utils import interrupts

_warned_lr = False


def _accept_lr(init: Any) -> Any:
    """Let a constructor take Keras 2's `lr=` for `learning_rate=`, warning once."""

    @functools.wraps(init)
    def wrapped(self: Optimizer, *args: Any, **kwargs: Any) -> None:
        if "lr" in kwargs:
            global _warned_lr
            if "learning_rate" in kwargs:
                raise TypeError(
                    f"{type(self).__name__}: give learning_rate= only (lr= is its old name)"
                )
            kwargs["learning_rate"] = kwargs.pop("lr")
            if not _warned_lr:
                _warned_lr = True
                warnings.warn(
                    f"{type(self).__name__}: the `lr` argument is deprecated, use "
                    f"`learning_rate` instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
        init(self, *args, **kwargs)

    return wrapped


class Optimizer:
    """Base class of the optimizers: updates variables in place from their gradients.

    Slots are made lazily, the first time a variable is seen, and kept per variable (by
    identity, in the order first seen). Variables keep their `.data` array: updates write
    into it, so anything holding that array sees the new values.

    Args:
        learning_rate: the step size, a non-negative float (settable later).
        name: a name for the optimizer; defaults to the lowercase class name.
    """

    elementwise = True
    """Each element's update depends only on that element (true of every rule here), so big
    variables may be updated in parts on several cores (see `blocks`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _accept_lr(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def __init__(self, learning_rate: float = 0.001, name: str | None = None) -> None:
        self.learning_rate = learning_rate
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._variables: list[Tensor] = []  # holding them keeps their ids unique
        self._slots: dict[int, list[np.ndarray]] = {}
        self._scratch: dict[tuple[int, tuple[int, ...], np.dtype], np.ndarray] = {}

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(
                f"{type(self).__name__}: learning_rate must be a number, got "
                f"{type(value).__name__} {value!r}"
            )
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be >= 0, got {value}")
        self._learning_rate = float(value)

    # ----- what a subclass writes -----
    def build(self, variable: np.ndarray) -> list[np.ndarray]:
        """The slot arrays this rule keeps for one variable (none by default)."""
        return []

    def update_step(self, grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> None:
        """Update `variable` and `slots` in place from `grad` (all of one shape and dtype)."""
        raise NotImplementedError

    def scratch_like(self, variable: np.ndarray) -> np.ndarray:
        """A work array of the variable's shape and dtype, reused across steps.

        Updates are memory-bound on large weights; a fresh temporary per step would cost an
        allocation and page faults each time. Its contents are garbage on entry.
        """
        key = (threading.get_ident(), variable.shape, variable.dtype)  # one per worker thread
        buffer = self._scratch.get(key)
        if buffer is None:
            buffer = self._scratch[key] = np.empty_like(variable)
        return buffer

    # ----- applying updates -----
    def apply_gradients(self, grads_and_vars: Iterable[tuple[np.ndarray | None, Tensor]]) -> None:
        """Update each variable in place from its gradient; variables whose gradient is None
        are skipped. Counts as one step (`iterations` grows by one). A variable with a
        `constraint` (a layer weight made with one) is then replaced by its projection.

        The step is whole or not at all: every gradient is checked before anything changes,
        and a Ctrl-C during the update is raised once weights, slots and `iterations` all
        belong to the new step (see `utils.interrupts`).

        Raises:
            ValueError: a gradient whose shape differs from its variable's.
        """
        pairs = []
        for grad, variable in grads_and_vars:
            if grad is None:
                continue
            if isinstance(grad, Tensor):
                grad = grad.data
            if id(variable) not in self._slots:
                _check_variable(self, variable)
            data = variable.data
            if grad.shape != data.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply_gradients: gradient of shape {grad.shape} for "
                    f"a variable of shape {data.shape}{_named(variable)}; they must match"
                )
            pairs.append((grad, variable))
        interrupts.call_uninterrupted(self._update, pairs)

    def _update(self, pairs: list[tuple[np.ndarray, Tensor]]) -> None:
        slots_of = self._slots
        large: list[blocks.Job] = []
        for grad, variable in pairs:
            slots = slots_of.get(id(variable))
            if slots is None:
                slots = self._track(variable)
            data = variable.data
            if grad.dtype != data.dtype:
                grad = grad.astype(data.dtype)
            if self.elementwise and blocks.splittable(grad, data, slots):
                large.append((grad, data, slots))
            else:
                self.update_step(grad, data, slots)
        if large:
            blocks.run_split(self.update_step, large)
        constrained = [v for _, v in pairs if getattr(v, "constraint", None) is not None]
        if constrained:  # after the update, as Keras' optimizer.apply
            with grad_mode.no_grad():
                for variable in constrained:
                    constraints.apply(variable)
        self.iterations += 1

    def apply(self, grads: Iterable[np.ndarray | None], variables: Iterable[Tensor]) -> None:
        """Keras 3's `apply(grads, trainable_variables)`: apply_gradients on the pairs."""
        self.apply_gradients(zip(grads, variables))

    @property
    def lr(self) -> float:
        """Keras 2's name for `learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = value

    def step(self, variables: Iterable[Tensor]) -> None:
        """PyTorch-style step: apply each variable's own `.grad`."""
        self.apply_gradients((v.grad, v) for v in variables)

    def _track(self, variable: Tensor) -> list[np.ndarray]:
        _check_variable(self, variable)
        slots = self.build(variable.data)
        self._variables.append(variable)
        self._slots[id(variable)] = slots
        return slots

    # ----- saving and restoring -----
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-able, so `from_config` makes an equal optimizer."""
        return {"name": self.name, "learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        return cls(**config)

    def get_state(self, variables: Iterable[Tensor] | None = None) -> dict[str, Any]:
        """A copy of the step count and the slots of each variable.

        Args:
            variables: whose slots to list, in this order; defaults to every variable seen,
                in the order first seen. A variable not seen yet gets an empty list.

        Returns:
            {"iterations": int, "slots": list of lists of arrays, one list per variable}.
        """
        variables = self._variables if variables is None else list(variables)
        slots = [[s.copy() for s in self._slots.get(id(v), [])] for v in variables]
        return {"iterations": self.iterations, "slots": slots}

    def set_state(self, state: dict[str, Any], variables: Iterable[Tensor]) -> None:
        """Restore a state from `get_state` for `variables`, given in the order it lists them.

        Raises:
            ValueError: the state has a different number of variables or slots, or slot
                shapes that do not match the variables.
        """
        variables = list(variables)
        slot_lists = state["slots"]
        if len(slot_lists) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.set_state: the state has slots for {len(slot_lists)} "
                f"variables but {len(variables)} variables were given"
            )
        tracked, slots_of = [], {}
        for variable, saved in zip(variables, slot_lists):
            if not saved:
                continue  # never updated: its slots are built fresh on first use
            slots = self.build(variable.data)
            fits = len(saved) == len(slots) and all(
                a.shape == np.shape(b) for a, b in zip(slots, saved)
            )
            if not fits:
                raise ValueError(
                    f"{type(self).__name__}.set_state: saved slots with shapes "
                    f"{[np.shape(b) for b in saved]} do not fit a variable of shape "
                    f"{variable.shape}{_named(variable)}, which needs {[a.shape for a in slots]}"
                )
            for slot, value in zip(slots, saved):
                np.copyto(slot, value)
            tracked.append(variable)
            slots_of[id(variable)] = slots
        self._variables, self._slots = tracked, slots_of
        self.iterations = int(state["iterations"])

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _check_variable(optimizer: Optimizer, variable: Any) -> None:
    if not isinstance(variable, Tensor) or variable.data.dtype.kind != "f":
        raise TypeError(
            f"{type(optimizer).__name__}: can only update float Tensors, got "
            f"{type(variable).__name__}{_named(variable)}"
        )


def _named(variable: Any) -> str:
    name = getattr(variable, "name", None)
    return f" ({name!r})" if name else ""
