"""The book's convnet (listing 5.1): one epoch of fit at batch 64 and predict on 10,000 images,
tensorgrad vs PyTorch eager.

Conv2D(32, 3, relu) on 28x28x1, MaxPooling2D(2), Conv2D(64, 3, relu), MaxPooling2D(2),
Conv2D(64, 3, relu), Flatten, Dense(64, relu), Dense(10, softmax): 93,322 parameters,
RMSprop (rho 0.9, epsilon 1e-7), categorical cross-entropy, accuracy every step, on
Fashion-MNIST. The PyTorch peer is the same network in NCHW (its native layout) with the
same initial weights. Predict (batch 32, Keras' default) is the median of three passes over
the test images. Each runner runs in a process of its own; each repetition runs them back to
back, rotating who goes first, and ratios are taken repetition by repetition.

    python benchmarks/fit_convnet.py                 # 2 repetitions
    python benchmarks/fit_convnet.py --reps 3 --n-train 20000
    python benchmarks/fit_convnet.py --threads 1     # both libraries on one thread

On a machine shared with other work, multi-threaded BLAS (both libraries') slows down
badly when its threads lose their cores; one thread each gives steadier ratios there.
"""

from __future__ import annotations

# isort: off
import tensorgrad  # noqa: F401 - first, as the book's scripts import it: see tensorgrad/_runtime.py

# isort: on
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit_json, fashion_mnist_flat, machine, peak_rss_mb, run_script, summary

LR, RHO, EPS = 1e-3, 0.9, 1e-7
RUNNERS = ("tensorgrad", "pytorch")
PREDICT_PASSES = 3


def images(n_train):
    x, y, labels, x_test, _, test_labels = fashion_mnist_flat(n_train)
    return x.reshape(-1, 28, 28, 1), y, labels, x_test.reshape(-1, 28, 28, 1), test_labels


def book_convnet():
    from tensorgrad import layers, models, utils

    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def torch_convnet(weights):
    """The same network for PyTorch (NCHW), with the tensorgrad model's initial weights."""
    import torch
    from torch import nn

    class Flatten(nn.Module):  # flatten in (H, W, C) order, as Keras does
        def forward(self, x):
            return x.permute(0, 2, 3, 1).flatten(1)

    net = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
        Flatten(),
        nn.Linear(576, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    params = [p for p in net.parameters()]
    with torch.no_grad():
        for p, w in zip(params, weights):
            w = w.transpose(3, 2, 0, 1) if w.ndim == 4 else (w.T if w.ndim == 2 else w)
            p.copy_(torch.from_numpy(np.ascontiguousarray(w)))
    return net


def time_runner(name, n_train, batch_size, predict_passes=PREDICT_PASSES):
    """(fit seconds, train accuracy, predict seconds, test accuracy) in this process.

    Predict runs `predict_passes` times over the test images and reports the median pass:
    one pass takes well under a second, short enough for one burst of other work on the
    machine to decide it.
    """
    x, y, labels, x_test, test_labels = images(n_train)
    model = book_convnet()
    if name == "tensorgrad":
        model.fit(x[:640], y[:640], batch_size=batch_size, epochs=1, verbose=0)  # warm-up
        model = book_convnet()
        start = time.perf_counter()
        history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        fit_s = time.perf_counter() - start
        predict_s, probs = _median_time(lambda: model.predict(x_test, verbose=0), predict_passes)
        return fit_s, history.history["accuracy"][-1], predict_s, _accuracy(probs, test_labels)

    import torch
    from torch.nn import functional as F

    model.predict(x[:1], verbose=0)
    net = torch_convnet(model.get_weights())
    optimizer = torch.optim.RMSprop(net.parameters(), lr=LR, alpha=RHO, eps=EPS)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(labels.astype(np.int64))

    def epoch(xt, yt):
        n = len(xt)
        perm = torch.randperm(n)
        correct, total = 0, 0.0
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = xt[idx], yt[idx]
            optimizer.zero_grad()
            out = net(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        return correct / n

    state = [p.detach().clone() for p in net.parameters()]
    epoch(xt[:640], yt[:640])  # warm-up, then back to the initial weights
    with torch.no_grad():
        for p, s in zip(net.parameters(), state):
            p.copy_(s)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=LR, alpha=RHO, eps=EPS)
    start = time.perf_counter()
    train_acc = epoch(xt, yt)
    fit_s = time.perf_counter() - start
    xtest = torch.from_numpy(np.ascontiguousarray(x_test.transpose(0, 3, 1, 2)))

    def predict():
        with torch.no_grad():
            batches = [torch.softmax(net(xtest[i : i + 32]), 1) for i in range(0, len(xtest), 32)]
        return torch.cat(batches).numpy()

    predict_s, probs = _median_time(predict, predict_passes)
    return fit_s, train_acc, predict_s, _accuracy(probs, test_labels)


def _median_time(fn, passes):
    """(median seconds of `passes` calls of fn, the last call's result)."""
    seconds = []
    for _ in range(passes):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def _accuracy(probs, labels):
    return float((np.asarray(probs).argmax(1) == labels).mean())


def run_isolated(name, n_train, batch_size):
    payload = run_script(
        __file__,
        "--runner",
        name,
        "--n-train",
        str(n_train),
        "--batch-size",
        str(batch_size),
        "--json-only",
    )
    return payload["results"], payload["peak_rss_mb"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--threads", type=int, default=None, help="BLAS / OpenMP threads of both libraries"
    )
    parser.add_argument("--runner", choices=RUNNERS, help=argparse.SUPPRESS)
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.json_only:
        results = time_runner(args.runner, args.n_train, args.batch_size)
        emit_json(
            "fit_convnet_runner",
            {"runner": args.runner, "peak_rss_mb": peak_rss_mb(), "results": results},
        )
        return 0

    if args.threads is not None:  # read by OpenBLAS, MKL and OpenMP as each process starts
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    names = list(RUNNERS)
    fit = {n: [] for n in names}
    pred = {n: [] for n in names}
    acc, rss = {}, {n: 0.0 for n in names}
    for rep in range(args.reps):
        order = names[rep % 2 :] + names[: rep % 2]
        for name in order:
            (fit_s, train_acc, predict_s, test_acc), peak = run_isolated(
                name, args.n_train, args.batch_size
            )
            fit[name].append(fit_s)
            pred[name].append(predict_s)
            acc[name] = (train_acc, test_acc)
            rss[name] = max(rss[name], peak)
    info = machine()
    print(
        f"fit_convnet: one epoch of {args.n_train} at batch {args.batch_size}, predict on "
        f"10,000 (median of {PREDICT_PASSES} passes), {args.reps} repetitions, threads {args.threads or 'default'} | "
        f"{info['cpu']}, {info['cores']} cores, {info['blas']}"
    )
    info["threads"] = args.threads or "default"
    payload = {"machine": info, "n_train": args.n_train, "reps": args.reps, "peak_rss_mb": rss}
    for label, times in (("fit", fit), ("predict", pred)):
        r = [a / b for a, b in zip(times["tensorgrad"], times["pytorch"])]
        ratio = {"median": statistics.median(r), "min": min(r), "max": max(r)}
        payload[label] = {"seconds": {n: summary(times[n]) for n in names}, "ratio": ratio}
        for n in names:
            s = summary(times[n])
            print(f"{label:>8} {n:>11}: median {s['median']:.2f} s (min {s['min']:.2f})")
        print(
            f"{label:>8} tensorgrad/pytorch: median {ratio['median']:.3f} "
            f"(min {ratio['min']:.3f}, max {ratio['max']:.3f})"
        )
    for n in names:
        print(f"{n:>11}: train accuracy {acc[n][0]:.4f}, test accuracy {acc[n][1]:.4f}")
    payload["accuracy"] = acc
    print("peak RSS, MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()))
    emit_json("fit_convnet", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
