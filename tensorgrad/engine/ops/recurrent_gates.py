"""A cell's weights split into per-gate blocks, so each gate of a step is one contiguous array.

Keras stores a cell's gates side by side in its columns: kernel (in, G u), recurrent kernel
(u, G u). Sliced out of a (batch, G u) product, each gate is a strided view, and NumPy runs
element-wise passes over strided views at a fraction of its contiguous speed. Here the
weights are rearranged once per call into (G, in, u) and (G, u, u) blocks, in an order of
the op's choosing, so that the input projection is (T, G, B, u), a step's recurrent product
(G, B, u), and the gates an op activates together are adjacent blocks. Gradients are
returned in Keras' layout again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _blocks(w: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """(rows, G u) columns in Keras order to contiguous (G, rows, u) blocks in `order`."""
    rows, g = w.shape[0], len(order)
    blocks = w.reshape(rows, g, w.shape[1] // g)[:, list(order)]
    return np.ascontiguousarray(blocks.transpose(1, 0, 2))


def _columns(blocks: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """The inverse of `_blocks`: (G, rows, u) in `order` back to (rows, G u) in Keras order."""
    g, rows, u = blocks.shape
    out = np.empty((rows, g, u), dtype=blocks.dtype)
    out[:, list(order)] = blocks.transpose(1, 0, 2)
    return out.reshape(rows, g * u)


class GateWeights:
    """Kernel, recurrent kernel, bias and dropout masks of one call, gate by gate in `order`.

    `order` lists Keras gate indices in the op's own order (e.g. LSTM o, i, f, c is
    (3, 0, 1, 2)); a recurrent kernel with fewer gates (GRU without `reset_after`: z, r)
    holds the first of them. Dropout masks: `dmask` (B, in) or (G, B, in), `rmask` (G, B, u), in
    Keras' gate order as the layers make them. Gate arrays are gate-major, (G, T, B, u):
    each gate of all steps is one contiguous (T B, u) matrix for the weight gradients.
    The bias rides in the input projection as an extra input column of ones.
    """

    def __init__(
        self,
        kernel: np.ndarray,
        rkernel: np.ndarray,
        bias: Any,
        dmask: Any,
        rmask: Any,
        order: Sequence[int],
    ) -> None:
        self.order = order = list(order)
        self.rorder = rorder = order[: rkernel.shape[1] // rkernel.shape[0]]
        self.K = _blocks(kernel, order)  # (G, in, u)
        self.R = _blocks(rkernel, rorder)  # (Gr, u, u)
        self.RT = np.ascontiguousarray(self.R.transpose(0, 2, 1))
        if rmask is None:  # one (B, u) x (u, G u) product a step: BLAS threads it, not G small ones
            g, u = self.R.shape[:2]
            self.R_wide = np.ascontiguousarray(self.R.transpose(1, 0, 2).reshape(u, g * u))
            self.RT_wide = np.ascontiguousarray(self.R_wide.T)
            self.wide = None
        self.has_bias = bias is not None
        if self.has_bias:
            b = bias.reshape(len(order), 1, -1)[order]
            self.KB = np.concatenate([self.K, b], axis=1)  # (G, in + 1, u)
        else:
            self.KB = self.K
        self.dmask = dmask if dmask is None or dmask.ndim == 2 else dmask[order]
        self.rmask = None if rmask is None else rmask[rorder]

    def project(self, xt: np.ndarray) -> np.ndarray:
        """The input projection of every step, (G, T, B, u), bias included."""
        T, B, n = xt.shape
        dm = self.dmask
        xs = xt if dm is None or dm.ndim == 3 else xt * dm
        lead = () if dm is None or dm.ndim == 2 else (len(self.order),)
        xa = np.empty(lead + (T, B, n + self.has_bias), dtype=xt.dtype)
        if lead:
            np.multiply(xs[None], dm[:, None], out=xa[..., :n])
        else:
            xa[..., :n] = xs
        if self.has_bias:
            xa[..., n] = 1.0
        self.xa = xa = xa.reshape(lead + (T * B, -1))  # the inputs, kept for the gradients
        return np.matmul(xa, self.KB).reshape(len(self.order), T, B, -1)

    def step(self, h: np.ndarray, out: np.ndarray) -> np.ndarray:
        """h (B, u) times each gate's recurrent block: (Gr, B, u), in out or a view."""
        if self.rmask is not None:
            return np.matmul(h * self.rmask, self.R, out=out)
        wide = self._wide(h)
        np.matmul(h, self.R_wide, out=wide)
        return wide.reshape(h.shape[0], len(self.rorder), -1).transpose(1, 0, 2)

    def step_back(self, dz: np.ndarray, work: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The gradient of h (B, u) into out, from the gradient dz of `step`: an array
        (Gr, B, u) or one (B, u) array per gate."""
        if self.rmask is not None:
            np.matmul(dz if isinstance(dz, np.ndarray) else np.stack(dz), self.RT, out=work)
            work *= self.rmask
            return np.sum(work, axis=0, out=out)
        wide = self._wide(dz[0])
        slots = wide.reshape(wide.shape[0], len(self.rorder), -1).transpose(1, 0, 2)
        if isinstance(dz, np.ndarray):
            np.copyto(slots, dz)
        else:
            for slot, d in zip(slots, dz):
                np.copyto(slot, d)
        return np.matmul(wide, self.RT_wide, out=out)

    def _wide(self, like: np.ndarray) -> np.ndarray:
        """A (B, G u) buffer for the products of one step, made once per call."""
        if self.wide is None:
            self.wide = np.empty((like.shape[0], self.R_wide.shape[1]), dtype=like.dtype)
        return self.wide

    def recurrent_grad(self, hs: np.ndarray, dZ: np.ndarray) -> np.ndarray:
        """The recurrent kernel's gradient (u, Gr u): hs (T, B, u) the steps' inputs, dZ the
        gradients of their products, (Gr, T, B, u) or one (T, B, u) array per gate."""
        u = hs.shape[-1]
        if self.rmask is None:
            inner = [hs.reshape(-1, u).T] * len(self.rorder)
        else:
            inner = [(hs * m).reshape(-1, u).T for m in self.rmask]
        if isinstance(dZ, np.ndarray) and self.rmask is None:
            grads = np.matmul(inner[0], dZ.reshape(dZ.shape[0], -1, u))
        else:
            grads = np.stack([a @ d.reshape(-1, u) for a, d in zip(inner, dZ)])
        return _columns(grads, self.rorder)

    def input_grads(self, dZ: np.ndarray, need_x: bool) -> tuple[Any, np.ndarray, Any]:
        """Gradients of the inputs (T, B, in), of the kernel (in, G u) and of the bias."""
        g, T, B, u = dZ.shape
        flat = dZ.reshape(g, T * B, u)
        xa = self.xa
        dka = np.matmul(xa.T if xa.ndim == 2 else xa.transpose(0, 2, 1), flat)
        n = self.K.shape[1]
        db = _columns(dka[:, n:], self.order).reshape(-1) if self.has_bias else None
        dx = None
        if need_x:
            dm = self.dmask
            parts = np.matmul(flat, self.K.transpose(0, 2, 1)).reshape(g, T, B, n)
            if dm is not None and dm.ndim == 3:
                parts *= dm[:, None]
            dx = parts.sum(axis=0)
            if dm is not None and dm.ndim == 2:
                dx *= dm
        return dx, _columns(dka[:, :n], self.order), db
