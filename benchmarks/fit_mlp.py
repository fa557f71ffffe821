"""One epoch of the book's network: tensorgrad's fit vs PyTorch eager vs hand-written NumPy.

The network is chapter 2's: Dense(512, relu) then Dense(10, softmax) on 784 inputs,
RMSprop (rho 0.9, epsilon 1e-7), categorical cross-entropy, accuracy computed every
step. A runner trains one epoch on 60,000 Fashion-MNIST images per batch size, in a
process of its own; each repetition runs the runners back to back, rotating who goes
first, and ratios are taken repetition by repetition. Peak resident memory comes from the
same processes.

    python benchmarks/fit_mlp.py                          # batch sizes 32, 128, 512
    python benchmarks/fit_mlp.py --batch-sizes 128 --reps 5
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
from _common import emit_json, fashion_mnist_flat, machine, peak_rss_mb, run_script, summary

LR, RHO, EPS = 1e-3, 0.9, 1e-7


def tensorgrad_runner(x, y, labels, seed=0):
    from tensorgrad import layers, models, utils

    utils.set_random_seed(seed)
    model = models.Sequential(
        [
            layers.Dense(512, activation="relu", input_shape=(784,)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1024], y[:1024], batch_size=128, epochs=1, verbose=0)  # warm-up

    def epoch(batch_size):
        history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        return history.history["accuracy"][-1]

    return epoch


def torch_runner(x, y, labels, seed=0):
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=RHO, eps=EPS)
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))

    def run(xt, yt, batch_size):
        n = len(xt)
        perm = torch.randperm(n)
        correct, seen, total = 0, 0, 0.0
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = xt[idx], yt[idx]
            optimizer.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)  # the running loss, as fit reports it
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
        return correct / seen

    run(xt[:1024], yt[:1024], 128)  # warm-up
    return lambda batch_size: run(xt, yt, batch_size)


def numpy_runner(x, y, labels, seed=0):
    """The same step written by hand: no autodiff, no graph; the floor for a NumPy engine."""
    rng = np.random.default_rng(seed)
    limit1, limit2 = np.sqrt(6 / (784 + 512)), np.sqrt(6 / (512 + 10))
    params = [
        rng.uniform(-limit1, limit1, (784, 512)).astype(np.float32),
        np.zeros(512, np.float32),
        rng.uniform(-limit2, limit2, (512, 10)).astype(np.float32),
        np.zeros(10, np.float32),
    ]
    velocity = [np.zeros_like(p) for p in params]

    def run(x, y, batch_size):
        n = len(x)
        w1, b1, w2, b2 = params
        perm = rng.permutation(n)
        correct, total = 0, 0.0
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = np.take(x, idx, axis=0), np.take(y, idx, axis=0)
            m = len(idx)
            h = xb @ w1
            h += b1
            np.maximum(h, 0, out=h)
            z = h @ w2
            z += b2
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            total += float(-(yb * (z - np.log(s))).sum())
            p = e / s
            correct += int((p.argmax(1) == yb.argmax(1)).sum())
            dz = (p - yb) / m
            dh = dz @ w2.T
            dh *= h > 0
            grads = [xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
            for param, g, v in zip(params, grads, velocity):
                v *= RHO
                v += (1 - RHO) * g * g
                param -= LR * g / np.sqrt(v + EPS)
        return correct / n

    run(x[:1024], y[:1024], 128)  # warm-up
    return lambda batch_size: run(x, y, batch_size)


RUNNERS = {"tensorgrad": tensorgrad_runner, "pytorch": torch_runner, "numpy": numpy_runner}


def time_runner(name, batch_sizes, n_train):
    """One epoch per batch size for one runner, in this process: (seconds, accuracy)."""
    x, y, labels, *_ = fashion_mnist_flat(n_train)
    epoch = RUNNERS[name](x, y, labels)
    out = {}
    for batch_size in batch_sizes:
        start = time.perf_counter()
        accuracy = epoch(batch_size)
        out[batch_size] = (time.perf_counter() - start, accuracy)
    return out


def run_isolated(name, batch_sizes, n_train):
    """time_runner in a process of its own; its results and peak RSS."""
    payload = run_script(
        __file__,
        "--runner",
        name,
        "--batch-sizes",
        ",".join(map(str, batch_sizes)),
        "--n-train",
        str(n_train),
        "--json-only",
    )
    return {int(k): tuple(v) for k, v in payload["results"].items()}, payload["peak_rss_mb"]


def time_runners(names, batch_sizes, reps, n_train):
    """Every repetition runs each runner once, back to back, rotating the order."""
    times = {b: {name: [] for name in names} for b in batch_sizes}
    accuracy = {b: {} for b in batch_sizes}
    rss = {name: 0.0 for name in names}
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            results, peak = run_isolated(name, batch_sizes, n_train)
            rss[name] = max(rss[name], peak)
            for b, (seconds, acc) in results.items():
                times[b][name].append(seconds)
                accuracy[b][name] = acc
    return times, accuracy, rss


def ratios(times, a, b):
    r = [ta / tb for ta, tb in zip(times[a], times[b])]
    return {"median": statistics.median(r), "min": min(r), "max": max(r)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="32,128,512")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--runner", choices=list(RUNNERS), help="time one runner only")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    names = [args.runner] if args.runner else list(RUNNERS)
    if args.json_only:  # one runner in this process, for run_isolated
        results = time_runner(names[0], batch_sizes, args.n_train)
        emit_json(
            "fit_mlp_runner",
            {
                "runner": names[0],
                "peak_rss_mb": peak_rss_mb(),
                "results": {str(k): v for k, v in results.items()},
            },
        )
        return 0

    times, accuracy, rss = time_runners(names, batch_sizes, args.reps, args.n_train)
    info = machine()
    print(
        f"fit_mlp: one epoch, {args.n_train} samples, {args.reps} repetitions | "
        f"{info['cpu']}, {info['cores']} cores, {info['blas']}"
    )
    print(f"{'batch':>5} {'runner':>11} {'median s':>9} {'min s':>7} {'max s':>7} {'acc':>6}")
    payload = {
        "machine": info,
        "n_train": args.n_train,
        "reps": args.reps,
        "batch": {},
        "peak_rss_mb": rss,
    }
    for batch_size in batch_sizes:
        entry = {"seconds": {}, "ratios": {}}
        for name in names:
            s = summary(times[batch_size][name])
            entry["seconds"][name] = s
            print(
                f"{batch_size:>5} {name:>11} {s['median']:>9.3f} {s['min']:>7.3f} "
                f"{s['max']:>7.3f} {accuracy[batch_size][name]:>6.3f}"
            )
        for peer in ("pytorch", "numpy"):
            if {"tensorgrad", peer} <= set(names):
                entry["ratios"][f"tensorgrad/{peer}"] = ratios(
                    times[batch_size], "tensorgrad", peer
                )
        for key, r in entry["ratios"].items():
            print(
                f"{batch_size:>5} {key:>24}: median {r['median']:.3f} "
                f"(min {r['min']:.3f}, max {r['max']:.3f})"
            )
        payload["batch"][str(batch_size)] = entry
    print(
        "peak RSS, MiB (one process per runner, all batch sizes): "
        + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
    )
    emit_json("fit_mlp", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
