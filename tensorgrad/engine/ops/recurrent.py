"""Fused recurrent ops: a whole SimpleRNN, LSTM or GRU sequence as one differentiable Function.

Building the time loop out of small ops would record a dozen graph nodes per step; here
forward runs the loop over plain arrays, saving the gates, and backward runs
backpropagation through time in one reverse loop. The inputs of every step are projected
by the kernel in one large matrix product before the loop; each step then costs one
(batch, units) x (units, gates * units) product, and the weight gradients are summed over
all steps by one product each after the backward loop.

Formulas, weight layout and gate order are Keras 3's: LSTM gates i, f, c, o in
kernel (in, 4u) and recurrent kernel (u, 4u) with one bias (4u,); GRU gates z, r, h, with
a (2, 3u) bias (input and recurrent) when `reset_after` and (3u,) otherwise.

Each op returns one array (batch, timesteps + states, units): the outputs of every step
followed by the final states (h for SimpleRNN and GRU, h then c for LSTM). Masked steps
(mask False) carry the previous states forward and repeat the previous output (zeros
before the first unmasked step), or output zeros with `zero_output`, as Keras does.
Dropout masks are variational: `dropout_mask` (batch, in) shared by all gates, or
(gates, batch, in) with one per gate; `recurrent_mask` (gates, batch, units).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import lift
from tensorgrad.engine.ops.recurrent_base import (
    ACTIVATIONS,
    Recurrence,
    SequenceOp,
    check_activation,
    project,
)
from tensorgrad.engine.ops.recurrent_gates import GateWeights
from tensorgrad.engine.tensor import Tensor

__all__ = [
    "ACTIVATIONS",
    "GRUSequence",
    "LSTMSequence",
    "SimpleRNNSequence",
    "check_activation",
    "rnn_sequence",
]


class SimpleRNNSequence(SequenceOp):
    gates, n_states = 1, 1

    def forward(self, x, kernel, rkernel, *rest):
        bias, states, T, B = self._unpack(x, kernel, rest)
        u, dt = rkernel.shape[0], x.dtype
        w = GateWeights(kernel, rkernel, bias, self.dmask, self.rmask, (0,))
        Y = w.project(self.xt)  # (1, T, B, u), overwritten in place by each step's output
        H = np.empty((T + 1, B, u), dtype=dt)
        H[0] = states[0] if states else 0.0
        rec = np.empty((1, B, u), dtype=dt)
        masked = self.mask is not None
        outs = np.empty((T, B, u), dtype=dt) if masked else None
        prev = np.zeros((B, u), dtype=dt)
        fast, act = self.act is np.tanh, self.act
        for t in range(T):
            z = Y[0, t]
            if t or states:  # h_0 is zero without initial states
                z += w.step(H[t], rec)[0]
            if fast:
                np.tanh(z, out=z)
            else:
                z[...] = act(z)
            if masked:
                prev = outs[t] = self._carry_output(t, z, prev)
                np.copyto(H[t + 1], np.where(self.m[t], z, H[t]))
            else:
                np.copyto(H[t + 1], z)
        self.H, self.Y, self.w = H, Y, w
        return self._outputs(H[1:] if outs is None else outs, [H[T]])

    def backward(self, g):
        self._restore()
        H, Y, w = self.H, self.Y, self.w
        T = H.shape[0] - 1
        dO, (dh,) = self._split_grad(g, T)
        D = Y[0]  # the activation's derivative, then the gradient of the pre-activation
        if self.act is np.tanh:
            D *= D
            np.subtract(1.0, D, out=D)
        else:
            D[...] = self.dact(D)
        work, dcell = np.empty_like(Y[:, 0]), np.empty_like(dh)
        dcarry = 0.0
        masked = self.mask is not None
        for t in range(T - 1, -1, -1):
            if masked:
                dgo, dcarry = self._output_grad(t, dO[t], dcarry)
                np.multiply(dh, self.m[t], out=dcell)
                dcell += dgo
                dh_keep = dh * ~self.m[t]
            else:
                np.add(dh, dO[t], out=dcell)
            D[t] *= dcell
            if t or self.has_states:  # the gradient of h_0 is only needed for a given state
                w.step_back(Y[:, t], work, out=dh)
                if masked:
                    dh += dh_keep
        first = 0 if self.has_states else 1  # zero h_0 adds nothing to the recurrent kernel's
        dr = w.recurrent_grad(H[first:-1], Y[:, first:])
        dx, dk, db = w.input_grads(Y, self.needs_input_grad[0])
        return self._grads(dx, dk, dr, db, [dh])


class LSTMSequence(SequenceOp):
    gates, n_states = 4, 2
    order = (3, 0, 1, 2)  # o, i, f, c: sigmoid gates o, i, f adjacent, then i, f, c

    def forward(self, x, kernel, rkernel, *rest):
        bias, states, T, B = self._unpack(x, kernel, rest)
        u, dt = rkernel.shape[0], x.dtype
        w = GateWeights(kernel, rkernel, bias, self.dmask, self.rmask, self.order)
        G = w.project(self.xt)  # (4, T, B, u), overwritten in place by the activated gates
        H = np.empty((T + 1, B, u), dtype=dt)
        C = np.empty((T + 1, B, u), dtype=dt)
        H[0] = states[0] if states else 0.0
        C[0] = states[1] if states else 0.0
        A = np.empty((T, B, u), dtype=dt)  # activation(c_t) of the new cell state
        rec, ic = np.empty((4, B, u), dtype=dt), np.empty((B, u), dtype=dt)
        masked = self.mask is not None
        outs = np.empty((T, B, u), dtype=dt) if masked else None
        prev = np.zeros((B, u), dtype=dt)
        fast, ract, act = self.default_acts, self.ract, self.act
        for t in range(T):
            z = G[:, t]
            if t or states:  # h_0 is zero without initial states
                z += w.step(H[t], rec)
            if fast:
                s = z[:3]
                s *= 0.5
                np.tanh(z, out=z)
                s *= 0.5
                s += 0.5
            else:
                z[:3] = ract(z[:3])
                z[3] = act(z[3])
            o, i, f, c = z
            c_new = np.multiply(f, C[t], out=C[t + 1])
            c_new += np.multiply(i, c, out=ic)
            if fast:
                a = np.tanh(c_new, out=A[t])
            else:
                a = A[t]
                a[...] = act(c_new)
            h_new = np.multiply(o, a, out=H[t + 1])
            if masked:
                prev = outs[t] = self._carry_output(t, h_new, prev)
                keep = ~self.m[t]
                np.copyto(h_new, H[t], where=keep)
                np.copyto(c_new, C[t], where=keep)
        self.H, self.C, self.G, self.A, self.w = H, C, G, A, w
        return self._outputs(H[1:] if outs is None else outs, [H[T], C[T]])

    def _factors(self):
        """Turn the saved gates, in place, into what their gradients need at every step.

        G becomes P: each gate's gradient is P times dh (gate o) or times the cell state's
        gradient dct (gates i, f, c). Returns Q, which carries dh into dct, and the forget
        gate F (saved in A's place), which carries dct to the previous step."""
        G, A, Cp = self.G, self.A, self.C[:-1]
        o, i, f, c = G
        if self.default_acts:  # sigmoid' = s (1 - s), tanh' = 1 - t^2, from the outputs
            Q = np.multiply(A, A)
            np.subtract(1.0, Q, out=Q)
            Q *= o  # dct += dh * o * a'
            A *= o
            np.subtract(1.0, o, out=o)
            o *= A  # o: dh * a * o'
            ci = np.multiply(c, i, out=A)
            c *= ci
            np.subtract(i, c, out=c)  # c: dct * i * c' = i - (c i) c
            np.subtract(1.0, i, out=i)
            i *= ci  # i: dct * c * i'
            F = A
            np.copyto(F, f)
            np.subtract(1.0, f, out=f)
            f *= F
            f *= Cp  # f: dct * c_prev * f'
            return Q, F
        dract, dact = self.dract, self.dact
        Q = dact(A) * o
        p3, p1 = dact(c) * i, dract(i) * c
        o[...] = dract(o) * A
        i[...], c[...] = p1, p3
        F = A
        np.copyto(F, f)
        f[...] = dract(f) * Cp
        return Q, F

    def backward(self, g):
        self._restore()
        H, G, w = self.H, self.G, self.w
        T = H.shape[0] - 1
        dO, (dh, dc) = self._split_grad(g, T)
        Q, F = self._factors()
        work = np.empty_like(G[:, 0])
        dct, dhc = np.empty_like(dh), np.empty_like(dh)
        dcarry = 0.0
        masked = self.mask is not None
        for t in range(T - 1, -1, -1):
            if masked:
                m, keep = self.m[t], ~self.m[t]
                dgo, dcarry = self._output_grad(t, dO[t], dcarry)
                np.multiply(dh, m, out=dhc)
                dhc += dgo
                dh_keep, dc_keep = dh * keep, dc * keep
                dc *= m
            else:
                np.add(dh, dO[t], out=dhc)
            dz = G[:, t]  # the factors of step t become the gradient of its gates
            dz[0] *= dhc
            np.multiply(dhc, Q[t], out=dct)
            dct += dc
            dz[1:] *= dct
            np.multiply(dct, F[t], out=dc)
            if t or self.has_states:  # the gradient of h_0 is only needed for a given state
                w.step_back(dz, work, out=dh)
            if masked:
                dc += dc_keep
                dh += dh_keep
        first = 0 if self.has_states else 1  # zero h_0 adds nothing to the recurrent kernel's
        dr = w.recurrent_grad(H[first:-1], G[:, first:])
        dx, dk, db = w.input_grads(G, self.needs_input_grad[0])
        return self._grads(dx, dk, dr, db, [dh, dc])


class GRUSequence(SequenceOp):
    gates, n_states = 3, 1

    def forward(self, x, kernel, rkernel, *rest):
        bias, states, T, B = self._unpack(x, kernel, rest)
        u = rkernel.shape[0]
        after = self.reset_after
        in_bias = rec_bias = None
        if bias is not None:
            in_bias, rec_bias = (bias[0], bias[1]) if after else (bias, None)
        xp = project(self.xt, kernel, in_bias, self.dmask, 3)
        if after:
            rec = Recurrence(rkernel, self.rmask, 3)
        else:
            rmask2 = None if self.rmask is None else self.rmask[:2]
            rec = Recurrence(np.ascontiguousarray(rkernel[:, : 2 * u]), rmask2, 2)
            self.rh_kernel = rkernel[:, 2 * u :]
        H = np.empty((T + 1, B, u), dtype=x.dtype)
        H[0] = states[0] if states else 0.0
        Z = np.empty((T, B, 3 * u), dtype=x.dtype)  # z, r and the candidate hh
        S = np.empty((T, B, u), dtype=x.dtype)  # reset_after: h W_h + b_h; else r * h
        masked = self.mask is not None
        outs = np.empty((T, B, u), dtype=x.dtype) if masked else None
        prev = np.zeros((B, u), dtype=x.dtype)
        for t in range(T):
            h = H[t]
            inner = rec.forward(h)
            if after and rec_bias is not None:
                inner += rec_bias
            zr = Z[t, :, : 2 * u]
            zr[...] = self.ract(xp[t, :, : 2 * u] + inner[:, : 2 * u])
            r = zr[:, u:]
            if after:
                S[t] = inner[:, 2 * u :]
                pre = xp[t, :, 2 * u :] + r * S[t]
            else:
                hm = h if self.rmask is None else h * self.rmask[2]
                S[t] = r * hm
                pre = xp[t, :, 2 * u :] + S[t] @ self.rh_kernel
            hh = Z[t, :, 2 * u :] = self.act(pre)
            z = zr[:, :u]
            h_new = z * h + (1.0 - z) * hh
            if masked:
                H[t + 1] = np.where(self.m[t], h_new, h)
                prev = outs[t] = self._carry_output(t, h_new, prev)
            else:
                H[t + 1] = h_new
        self.H, self.Z, self.S, self.rec = H, Z, S, rec
        return self._outputs(H[1:] if outs is None else outs, [H[T]])

    def backward(self, g):
        H, Z, S = self.H, self.Z, self.S
        T, u = H.shape[0] - 1, H.shape[2]
        after = self.reset_after
        dO, (dh,) = self._split_grad(g, T)
        dXp = np.empty_like(Z)  # gradients of the input projection z, r, h
        dRec = np.empty((T,) + dh.shape[:1] + (3 * u if after else 2 * u,), dtype=dh.dtype)
        dS = None if after else np.empty_like(S)
        dcarry = 0.0
        masked = self.mask is not None
        for t in range(T - 1, -1, -1):
            h = H[t]
            z, r, hh = Z[t, :, :u], Z[t, :, u : 2 * u], Z[t, :, 2 * u :]
            if masked:
                m = self.m[t]
                dgo, dcarry = self._output_grad(t, dO[t], dcarry)
                dcell = dh * m + dgo
            else:
                dcell = dh + dO[t]
            dpre_h = dcell * (1.0 - z) * self.dact(hh)
            dXp[t, :, 2 * u :] = dpre_h
            dXp[t, :, :u] = dcell * (h - hh) * self.dract(z)
            dh_prev = dcell * z
            if after:
                dr = dpre_h * S[t]
                dRec[t, :, 2 * u :] = dpre_h * r
            else:
                d_rh = dpre_h @ self.rh_kernel.T
                dS[t] = dpre_h
                dr = d_rh * h if self.rmask is None else d_rh * h * self.rmask[2]
                rm = r if self.rmask is None else r * self.rmask[2]
                dh_prev += d_rh * rm
            dXp[t, :, u : 2 * u] = dr * self.dract(r)
            dRec[t, :, : 2 * u] = dXp[t, :, : 2 * u]
            dh_prev += self.rec.backward_h(dRec[t])
            if masked:
                dh_prev += dh * ~self.m[t]
            dh = dh_prev
        dr = self.rec.kernel_grad(H[:-1], dRec)
        if not after:
            dr_h = S.reshape(-1, u).T @ dS.reshape(-1, u)
            dr = np.concatenate([dr, dr_h], axis=1)

        def bias_grads(db):
            if not after:
                return db
            return np.stack([db, dRec.reshape(-1, 3 * u).sum(axis=0)])

        return self._input_grads(dXp, self.needs_input_grad[0], bias_grads, [dh], dr)


OPS = {"simple_rnn": SimpleRNNSequence, "lstm": LSTMSequence, "gru": GRUSequence}


def rnn_sequence(
    cell: str,
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    initial_state: Sequence[Any] | None = None,
    **options: Any,
) -> Tensor:
    """Run a whole recurrent sequence: `cell` is "simple_rnn", "lstm" or "gru".

    Args:
        x: inputs (batch, timesteps, features).
        kernel, recurrent_kernel, bias: the layer's weights (bias None when unused).
        initial_state: the initial states (h, or h and c for "lstm"), or None for zeros.
        **options: activation, recurrent_activation, mask (batch, timesteps) bool,
            dropout_mask, recurrent_mask, reverse, zero_output, reset_after (GRU).

    Returns:
        (batch, timesteps + states, units): each step's output, then the final states.

    >>> import numpy as np, tensorgrad as tg
    >>> x = tg.tensor(np.ones((2, 5, 3)))
    >>> k, r = tg.tensor(np.full((3, 4), 0.1)), tg.tensor(np.zeros((1, 4)))
    >>> rnn_sequence("lstm", x, k, r).shape
    (2, 7, 1)
    """
    op = OPS[cell]
    args = [x, kernel, recurrent_kernel]
    if bias is not None:
        args.append(bias)
    if initial_state:
        args += list(initial_state)
    tensors = lift(tuple(args))
    return op.apply(*tensors, has_bias=bias is not None, has_states=bool(initial_state), **options)
