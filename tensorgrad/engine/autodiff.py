"""Reverse-mode automatic differentiation ("backpropagation").

`backward(loss)` orders the graph behind `loss` topologically (iteratively, so graphs
thousands of operations deep are fine), then visits it once in reverse: each op turns
the gradient of its output into gradients of its inputs, gradients of reused tensors
are added up, and each op's saved arrays are freed as soon as it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.function import unbroadcast
from tensorgrad.engine.tensor import Tensor


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors that need a gradient, inputs before the tensors computed from them."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        # A tensor is expanded once, when first popped (not when first pushed), so it is
        # placed after every tensor computed from it even when several paths reach it.
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is None:
            continue
        if getattr(ctx, "released", False):
            raise RuntimeError(
                "backward: the graph behind this tensor was freed by an earlier backward(); "
                "call the first backward(retain_graph=True) to go through it twice"
            )
        for parent in ctx.inputs:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward(root: Tensor, grad: Any = None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `.grad` of every leaf behind `root` that requires it."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require a gradient: none of the tensors it was "
            "computed from has requires_grad=True (or it was computed under no_grad())"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can be created implicitly only for a scalar, but this "
                f"tensor has shape {root.shape}; pass backward(grad) with that shape, or "
                f"reduce it first (e.g. loss.mean())"
            )
        grad = np.ones_like(root.data)
    else:
        # A copy: the caller's array must not become (or alias) a leaf's .grad.
        grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(
                f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}"
            )

    grads: dict[int, np.ndarray] = {id(root): grad}
    given_to_leaves: set[int] = set()
    with grad_mode._set_grad_enabled(False):
        for node in reversed(_topological_order(root)):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            ctx = node._ctx
            if ctx is None:
                _accumulate_leaf(node, g, given_to_leaves)
                continue
            input_grads = ctx.backward(g)
            for parent, pg, needed in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
                if not needed or pg is None:
                    continue
                if pg.shape != parent.data.shape:
                    pg = unbroadcast(pg, parent.data.shape)
                key = id(parent)
                previous = grads.get(key)
                grads[key] = pg if previous is None else previous + pg
            if not retain_graph:
                ctx.release()


def _accumulate_leaf(leaf: Tensor, g: np.ndarray, given: set[int]) -> None:
    """Add `g` to `leaf.grad`, never sharing one array between two leaves' gradients."""
    if leaf.grad is not None:
        g = leaf.grad + g  # a new array: the caller may still hold the old one
    if not isinstance(g, np.ndarray) or g.dtype != leaf.data.dtype:
        g = np.array(g, dtype=leaf.data.dtype)  # also turns a NumPy scalar into a 0-d array
    elif id(g) in given or not g.flags.writeable or g.base is not None:
        g = g.copy()
    given.add(id(g))
    leaf.grad = g


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function that returns the gradient of scalar `f` at its arguments, as arrays.

    The functional form of the book's `gradient(f)(W0)`: the result has W0's shape.

    Args:
        f: a function of tensors returning a scalar tensor.
        argnums: which positional argument(s) to differentiate (an int or a tuple).

    >>> import tensorgrad as tg
    >>> tg.grad(lambda w: (w ** 2).sum())(tg.tensor([1.0, -3.0]))
    array([ 2., -6.], dtype=float32)
    """
    single = isinstance(argnums, int)
    wanted = (argnums,) if single else tuple(argnums)

    def gradient(*args: Any) -> Any:
        args = list(args)
        leaves = []
        for i in wanted:
            source = np.asarray(args[i].data if isinstance(args[i], Tensor) else args[i])
            dtype = source.dtype if source.dtype.kind == "f" else default_float()
            leaf = Tensor(source, requires_grad=True, dtype=dtype)
            args[i] = leaf
            leaves.append(leaf)
        with grad_mode._set_grad_enabled(True):
            out = f(*args)
        if not isinstance(out, Tensor):
            raise TypeError(f"grad: f must return a Tensor, got {type(out).__name__}")
        out.backward()
        grads = [
            leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data) for leaf in leaves
        ]
        return grads[0] if single else tuple(grads)

    return gradient
