"""predict on 10,000 images: tensorgrad vs PyTorch under torch.no_grad(), same weights.

Both run the book's 784-512-10 network (relu, softmax) batch by batch, with Keras'
default predict batch size (32) and a larger one. Each runner times its predictions in a
process of its own (so that neither library's idle threads slow the other), runners
alternate over the repetitions, and ratios are taken repetition by repetition. The torch
process also checks that both give the same probabilities.

    python benchmarks/predict_mlp.py
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

RUNNERS = ("tensorgrad", "pytorch")


def book_model():
    from tensorgrad import layers, models, utils

    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(512, activation="relu", input_shape=(784,)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def time_runner(name, batch_sizes, reps):
    """Seconds per predict over the test set, per batch size, in this process."""
    *_, x_test, _, _ = fashion_mnist_flat(n_train=1)
    model = book_model()
    model.predict(x_test[:1], verbose=0)  # builds the weights
    if name == "tensorgrad":
        predict = lambda b: model.predict(x_test, batch_size=b, verbose=0)  # noqa: E731
    else:
        import torch
        from torch import nn

        w1, b1, w2, b2 = model.get_weights()
        peer = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax(dim=1))
        with torch.no_grad():
            for param, value in zip(peer.parameters(), [w1.T, b1, w2.T, b2]):
                param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
        xt = torch.from_numpy(x_test)

        def predict(b):
            with torch.no_grad():
                return torch.cat([peer(xt[i : i + b]) for i in range(0, len(xt), b)]).numpy()

    out = {}
    for b in batch_sizes:
        predict(b)  # warm-up
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            predict(b)
            times.append(time.perf_counter() - start)
        out[b] = times
    agreement = None
    if name == "pytorch":  # after the timing, so tensorgrad's threads never ran before it
        agreement = float(np.abs(predict(32) - model.predict(x_test, verbose=0)).max())
    return out, agreement


def run_isolated(name, batch_sizes, reps):
    """time_runner in a process of its own."""
    return run_script(
        __file__,
        "--runner",
        name,
        "--batch-sizes",
        ",".join(map(str, batch_sizes)),
        "--reps",
        str(reps),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="32,128")
    parser.add_argument("--reps", type=int, default=5, help="predictions timed per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per runner")
    parser.add_argument("--runner", choices=RUNNERS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    if args.runner:  # one runner in this process, for run_isolated
        times, agreement = time_runner(args.runner, batch_sizes, args.reps)
        emit_json(
            "predict_mlp_runner",
            {
                "runner": args.runner,
                "peak_rss_mb": peak_rss_mb(),
                "times": times,
                "max_abs_diff": agreement,
            },
        )
        return 0

    medians = {b: {name: [] for name in RUNNERS} for b in batch_sizes}
    rss, agreement = {}, None
    for rnd in range(args.rounds):
        for name in RUNNERS[rnd % 2 :] + RUNNERS[: rnd % 2]:
            payload = run_isolated(name, batch_sizes, args.reps)
            rss[name] = max(rss.get(name, 0.0), payload["peak_rss_mb"])
            agreement = payload["max_abs_diff"] if name == "pytorch" else agreement
            for b in batch_sizes:
                medians[b][name].append(statistics.median(payload["times"][str(b)]))
    info = machine()
    print(
        f"predict_mlp: 10000 images, {args.rounds} processes x {args.reps} timings per runner | "
        f"{info['cpu']}, {info['cores']} cores, {info['blas']}"
    )
    result = {"machine": info, "batch": {}, "peak_rss_mb": rss, "max_abs_diff": agreement}
    for b in batch_sizes:
        t = medians[b]
        r = [a / c for a, c in zip(t["tensorgrad"], t["pytorch"])]
        entry = {name: summary(t[name]) for name in RUNNERS}
        entry["ratio"] = {"median": statistics.median(r), "min": min(r), "max": max(r)}
        result["batch"][str(b)] = entry
        print(
            f"batch {b:>4}: tensorgrad {entry['tensorgrad']['median'] * 1e3:7.1f} ms, "
            f"pytorch {entry['pytorch']['median'] * 1e3:7.1f} ms, ratio median "
            f"{entry['ratio']['median']:.3f} (min {entry['ratio']['min']:.3f}, "
            f"max {entry['ratio']['max']:.3f})"
        )
    print(
        f"outputs agree to {agreement:.1e}; peak RSS, MiB: "
        + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
    )
    emit_json("predict_mlp", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
