"""One training step of the book's network through the engine vs the same step by hand in NumPy.

The network is chapter 2's 784-512-10: relu(x @ W1 + b1) @ W2 + b2, then the fused
softmax cross-entropy on the logits, averaged over a batch of 128, float32. Each round
runs the engine's forward + backward and the hand-written one (order swapped every
round, so neither always runs on a warm cache); the ratio engine / NumPy is taken round
by round and its median reported. The target is an engine within 1.25x of hand-written
NumPy: autodiff should cost bookkeeping, not arithmetic.

It also measures the engine's fixed cost per op: a chain of adds on 1-element tensors,
recorded and differentiated, divided by the number of adds (forward + backward per op).

    python benchmarks/engine_step.py              # 200 timed rounds after 20 warm-up rounds
    python benchmarks/engine_step.py --steps 500
"""

from __future__ import annotations

# isort: off
import tensorgrad  # noqa: F401 - first, as the book's scripts import it: see tensorgrad/_runtime.py

# isort: on
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit_json, machine, summary

import tensorgrad as tg


def make_problem(batch: int, seed: int = 0):
    """A batch of inputs, one-hot labels and Glorot-uniform weights, all float32."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]

    def glorot(n_in, n_out):
        limit = np.sqrt(6 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)

    params = [
        glorot(784, 512),
        np.zeros(512, np.float32),
        glorot(512, 10),
        np.zeros(10, np.float32),
    ]
    return x, y, params


def engine_step(x: tg.Tensor, y: tg.Tensor, params: list[tg.Tensor]) -> float:
    """Forward and backward through the engine; gradients land in each parameter's .grad."""
    w1, b1, w2, b2 = params
    for p in params:
        p.grad = None
    logits = tg.relu(x @ w1 + b1) @ w2 + b2
    loss = tg.softmax_cross_entropy(logits, y).mean()
    loss.backward()
    return loss.item()


def numpy_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    """The same forward and backward, derived by hand."""
    w1, b1, w2, b2 = params
    z1 = x @ w1
    z1 += b1
    h = np.maximum(z1, 0)
    logits = h @ w2
    logits += b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - (y * shifted).sum(axis=1)))
    g = e / total
    g -= y
    g /= len(x)  # d(mean loss)/d(logits) = (softmax - y) / batch
    grad_w2 = h.T @ g
    grad_b2 = g.sum(axis=0)
    gh = g @ w2.T
    gh *= z1 > 0
    grad_w1 = x.T @ gh
    grad_b1 = gh.sum(axis=0)
    return loss, [grad_w1, grad_b1, grad_w2, grad_b2]


def check_agreement(x, y, arrays) -> None:
    """Both steps must compute the same loss and gradients before their speed means anything."""
    params = [tg.tensor(a, requires_grad=True) for a in arrays]
    loss = engine_step(tg.tensor(x), tg.tensor(y), params)
    ref_loss, ref_grads = numpy_step(x, y, arrays)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-5)
    for p, g in zip(params, ref_grads):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad, g, rtol=1e-4, atol=1e-6)


def time_steps(batch: int, steps: int, warmup: int) -> dict:
    x, y, arrays = make_problem(batch)
    check_agreement(x, y, arrays)
    params = [tg.tensor(a, requires_grad=True) for a in arrays]
    xt, yt = tg.tensor(x), tg.tensor(y)
    engine, numpy_, ratios = [], [], []
    for i in range(warmup + steps):
        pair = {}
        for name in ("engine", "numpy") if i % 2 else ("numpy", "engine"):
            start = time.perf_counter()
            if name == "engine":
                engine_step(xt, yt, params)
            else:
                numpy_step(x, y, arrays)
            pair[name] = time.perf_counter() - start
        if i >= warmup:
            engine.append(pair["engine"] * 1e3)
            numpy_.append(pair["numpy"] * 1e3)
            ratios.append(pair["engine"] / pair["numpy"])
    return {
        "engine_ms": summary(engine),
        "numpy_ms": summary(numpy_),
        "ratio": {
            **summary(ratios),
            "of_medians": statistics.median(engine) / statistics.median(numpy_),
        },
    }


def per_op_overhead(chain: int = 200, repeats: int = 50) -> dict:
    """Microseconds per recorded op (forward + backward) on 1-element tensors."""
    a = tg.ones(1, requires_grad=True)
    c = tg.ones(1)

    def recorded():
        y = a
        for _ in range(chain):
            y = y + c
        y.backward()
        a.grad = None

    def unrecorded():
        with tg.no_grad():
            y = a
            for _ in range(chain):
                y = y + c

    def raw_numpy():
        y, z = a.data, c.data
        for _ in range(chain):
            y = y + z

    out = {}
    for name, fn in (
        ("engine_fwd_bwd_us", recorded),
        ("engine_fwd_no_grad_us", unrecorded),
        ("numpy_add_us", raw_numpy),
    ):
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) / chain * 1e6)
        out[name] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)

    result = time_steps(args.batch, args.steps, args.warmup)
    overhead = per_op_overhead()
    info = machine()

    print(
        f"784-512-10 step (forward + backward), batch {args.batch}, float32, "
        f"{args.steps} rounds after {args.warmup} warm-up"
    )
    print(f"{info['cpu']}, {info['cores']} cores, NumPy {info['numpy']} ({info['blas']})")
    print(f"{'':24}{'median':>10}{'min':>10}{'max':>10}")
    for label, key in (
        ("engine (ms/step)", "engine_ms"),
        ("numpy by hand (ms/step)", "numpy_ms"),
        ("ratio engine/numpy", "ratio"),
    ):
        s = result[key]
        print(f"{label:24}{s['median']:>10.3f}{s['min']:>10.3f}{s['max']:>10.3f}")
    verdict = "within" if result["ratio"]["median"] <= 1.25 else "OUTSIDE"
    print(
        f"median per-round ratio {result['ratio']['median']:.3f} ({verdict} the 1.25x target); "
        f"ratio of medians {result['ratio']['of_medians']:.3f}"
    )
    print(
        f"per-op overhead (1-element add, chain of 200): "
        f"{overhead['engine_fwd_bwd_us']:.2f} us recorded forward+backward, "
        f"{overhead['engine_fwd_no_grad_us']:.2f} us forward under no_grad, "
        f"{overhead['numpy_add_us']:.2f} us for NumPy's own add"
    )
    emit_json(
        "engine_step",
        {
            "batch": args.batch,
            "steps": args.steps,
            "dtype": "float32",
            "engine_ms_median": result["engine_ms"]["median"],
            "numpy_ms_median": result["numpy_ms"]["median"],
            "ratio_median": result["ratio"]["median"],
            "ratio_of_medians": result["ratio"]["of_medians"],
            "per_op_us": overhead,
            "machine": info,
        },
    )


if __name__ == "__main__":
    main()
