"""Fused recurrent ops: a whole SimpleRNN, LSTM or GRU sequence as one differentiable Function.

Building the time loop out of small ops would record a dozen graph nodes per step; here
forward runs the loop over plain arrays, saving the gates, and backward runs
backpropagation through time in one reverse loop. The inputs of every step are projected
by the kernel in one large matrix product before the loop; each step then costs one
(batch, units) x (units, gates * units) product, and the weight gradients are summed over
all steps by one product each after the backward loop. Inside, the gates are kept as
contiguous per-gate blocks (see recurrent_gates), activated and differentiated in place
with one NumPy pass per operation over each block of adjacent gates; backward overwrites
the saved gates with their gradients.

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
    SequenceOp,
    check_activation,
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
        u, dt = rkernel.shape[0], x.dtype
        after = self.reset_after
        in_bias = rec_bias = None
        if bias is not None:
            in_bias, rec_bias = (bias[0], bias[1]) if after else (bias, None)
        rk = rkernel if after else rkernel[:, : 2 * u]  # without reset_after: z and r only
        w = GateWeights(kernel, rk, in_bias, self.dmask, self.rmask, (0, 1, 2))
        X = w.project(self.xt)  # (3, T, B, u), overwritten in place by z, r and hh
        rb = None if rec_bias is None else rec_bias.reshape(3, 1, u)
        if not after:
            self.rh_kernel = np.ascontiguousarray(rkernel[:, 2 * u :])
        rmh = None if self.rmask is None or after else self.rmask[2]
        H = np.empty((T + 1, B, u), dtype=dt)
        H[0] = states[0] if states else 0.0
        S = np.empty((T, B, u), dtype=dt)  # reset_after: h W_h + b_h; else r * h
        rec, zero = np.empty((len(w.rorder), B, u), dtype=dt), None
        tmp = np.empty((B, u), dtype=dt)
        masked = self.mask is not None
        outs = np.empty((T, B, u), dtype=dt) if masked else None
        prev = np.zeros((B, u), dtype=dt)
        fast, ract, act = self.default_acts, self.ract, self.act
        for t in range(T):
            h, Z = H[t], X[:, t]
            zr = Z[:2]
            if t or states:
                inner = w.step(h, rec)
            else:  # h_0 is zero without initial states
                inner = zero = np.zeros_like(rec) if zero is None else zero
            zr += inner[:2]
            if after:
                if rb is None:
                    np.copyto(S[t], inner[2])
                else:
                    zr += rb[:2]
                    np.add(inner[2], rb[2], out=S[t])
            if fast:
                zr *= 0.5
                np.tanh(zr, out=zr)
                zr *= 0.5
                zr += 0.5
            else:
                zr[...] = ract(zr)
            z, r, pre = Z
            if after:
                pre += np.multiply(r, S[t], out=tmp)
            else:
                np.multiply(r, h if rmh is None else h * rmh, out=S[t])
                pre += np.matmul(S[t], self.rh_kernel, out=tmp)
            if fast:
                hh = np.tanh(pre, out=pre)
            else:
                hh = pre
                hh[...] = act(pre)
            np.subtract(h, hh, out=tmp)
            tmp *= z
            h_new = np.add(hh, tmp, out=H[t + 1])  # z h + (1 - z) hh
            if masked:
                prev = outs[t] = self._carry_output(t, h_new, prev)
                np.copyto(h_new, h, where=~self.m[t])
        self.H, self.X, self.S, self.w, self.rmh = H, X, S, w, rmh
        return self._outputs(H[1:] if outs is None else outs, [H[T]])

    def _factors(self):
        """Turn the saved gates z, r, hh, in place, into what their gradients need.

        With dcell the gradient of a step's new h: the gradient of hh's pre-activation is
        dcell times P_h (in hh's place), z's is dcell times P_z (in z's place), r's is that
        of the recurrent product r multiplies times P_r (in r's place). Returns z, and r
        (times the recurrent mask without reset_after), which the loop still needs."""
        z, r, hh = self.X
        inner = self.S if self.reset_after else self.H[:-1]  # what r multiplies, masked below
        Zc = z.copy()
        D = self.H[:-1] - hh
        if self.default_acts:
            hh *= hh
            np.subtract(1.0, hh, out=hh)
            np.subtract(1.0, z, out=z)
            hh *= z  # P_h = (1 - z) hh'
            z *= Zc
            z *= D  # P_z = (h - hh) z'
            Rc = D
            np.copyto(Rc, r)
            np.subtract(1.0, r, out=r)
            r *= Rc
        else:
            p_h = (1.0 - z) * self.dact(hh)
            z[...] = D * self.dract(z)
            hh[...] = p_h
            Rc = r.copy()
            r[...] = self.dract(r)
        r *= inner  # P_r = inner r'
        if self.rmh is not None:
            r *= self.rmh
            Rc *= self.rmh
        return Zc, Rc

    def backward(self, g):
        self._restore()
        H, X, S, w = self.H, self.X, self.S, self.w
        T, u = H.shape[0] - 1, H.shape[2]
        after = self.reset_after
        dO, (dh,) = self._split_grad(g, T)
        Zc, Rc = self._factors()  # with reset_after, Rc becomes the gradient of h W_h
        work = np.empty((len(w.rorder),) + dh.shape, dtype=dh.dtype)
        dcell, d_rh = np.empty_like(dh), np.empty_like(dh)
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
            dz, dr, dxh = X[:, t]
            dxh *= dcell
            dz *= dcell
            if after:
                dr *= dxh
                Rc[t] *= dxh
                dz_rec = (dz, dr, Rc[t])
            else:
                np.matmul(dxh, self.rh_kernel.T, out=d_rh)
                dr *= d_rh
                dz_rec = (dz, dr)
            if not (t or self.has_states):  # the gradient of h_0 is only needed for a state
                continue
            np.multiply(dcell, Zc[t], out=dh)
            if not after:
                d_rh *= Rc[t]
                dh += d_rh
            dh += w.step_back(dz_rec, work, out=d_rh if after else dcell)
            if masked:
                dh += dh_keep
        first = 0 if self.has_states else 1  # zero h_0 adds nothing to the recurrent kernel's
        dz_rec = (X[0, first:], X[1, first:], Rc[first:]) if after else X[:2, first:]
        dr = w.recurrent_grad(H[first:-1], dz_rec)
        if not after:
            dr = np.concatenate([dr, S.reshape(-1, u).T @ X[2].reshape(-1, u)], axis=1)
        dx, dk, db = w.input_grads(X, self.needs_input_grad[0])
        if after and db is not None:
            db = np.stack([db, np.concatenate([db[: 2 * u], Rc.sum(axis=(0, 1))])])
        return self._grads(dx, dk, dr, db, [dh])


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
