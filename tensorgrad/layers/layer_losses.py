"""The losses a layer adds beyond the compiled one, as Keras 3 keeps them.

`add_loss(tensor)` inside `call`, the `activity_regularizer` penalty of each output
(divided by the batch size) and the penalties of the weights' regularizers make up
`layer.losses`; the outermost call (a model's, during fit) clears those of the previous
call first. `Layer` takes these methods from `LossTracking`.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils import nest

if TYPE_CHECKING:
    from tensorgrad.layers.base import Layer


class _CallState(threading.local):
    """The layer whose call is outermost now (it owns the clearing of losses), and whether
    losses are being recorded (not while a shape is probed with zeros)."""

    entry: Layer | None = None
    paused: int = 0


call_state = _CallState()

_extra_losses_made = False
"""Whether any weight with a regularizer or any add_loss was ever made in this process: until
then every `losses` list is empty, and training skips looking for one (a walk over every
sublayer and weight at each step)."""


def extra_losses_possible() -> bool:
    """False while no layer can have a non-empty `losses` (no regularizer, no add_loss yet)."""
    return _extra_losses_made


def note_extra_losses() -> None:
    global _extra_losses_made
    _extra_losses_made = True


@contextlib.contextmanager
def losses_paused() -> Iterator[None]:
    """Run layers without recording or clearing losses (calls on zeros to find shapes)."""
    call_state.paused += 1
    try:
        yield
    finally:
        call_state.paused -= 1


class LossTracking:
    """add_loss, activity penalties and the `losses` property, for `Layer`."""

    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss tensor (or a list of them) to `losses`, usually inside `call`.

        fit adds the sum of `model.losses` to the compiled loss, so its gradient trains
        the weights it depends on. The next outermost call clears them.

        Raises:
            ValueError: a value that is not a tensor (Keras' rule: compute the loss with
                tensor operations, inside `call`).
        """
        items = nest.flatten(loss)
        for item in items:
            if not isinstance(item, Tensor):
                raise ValueError(
                    "`add_loss()` can only be called from inside `build()` or `call()`, on a "
                    f"tensor input. Received invalid value: {item!r}"
                )
        if not call_state.paused and items:
            note_extra_losses()
            self._losses.extend(items)

    def _add_activity_losses(self, outputs: Any) -> None:
        """The activity penalty of each output tensor, divided by its batch size (Keras 3:
        the weighting against weight penalties then does not depend on the batch size)."""
        for output in nest.flatten(outputs):
            if not isinstance(output, Tensor):
                continue
            loss = self.activity_regularizer(output)
            if output.data.ndim > 0:
                batch = output.data.shape[0]
                loss = loss / batch if batch else loss * 0.0  # Keras' divide_no_nan
            self.add_loss(loss)

    def _all_sublayers(self) -> list[Layer]:
        """Every layer inside this one, at any depth, each once, in Keras' `_flatten_layers`
        order (which sets the order of `losses`): the direct sublayers in turn, each
        followed by its own sublayers, those visited last first."""
        found: list[Layer] = []
        queue = collections.deque(self._sublayers())
        seen = {id(self)}
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            queue.extendleft(layer._sublayers())
        return found

    def _clear_losses(self) -> None:
        if not _extra_losses_made:  # nothing was ever added: skip the walk over sublayers
            return
        self._losses.clear()
        for layer in self._all_sublayers():
            layer._losses.clear()

    @property
    def losses(self) -> list[Tensor]:
        """The extra scalar losses: those of `add_loss` and activity regularizers from the
        last call (this layer's, then its sublayers'), then the penalty of each trainable
        weight that has a regularizer, computed from the weight's current value."""
        losses = list(self._losses)
        for layer in self._all_sublayers():
            losses.extend(layer._losses)
        for weight in self.trainable_weights:
            regularizer = getattr(weight, "regularizer", None)
            if regularizer is not None:
                losses.append(regularizer(weight))
        return losses
