"""predict on 10,000 images: tensorgrad vs PyTorch under torch.no_grad(), same weights.

Both run the book's 784-512-10 network (relu, softmax) batch by batch, with Keras'
default predict batch size (32) and a larger one, alternating over repetitions.

    python benchmarks/predict_mlp.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit_json, fashion_mnist_flat, machine, summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="32,128")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args(argv)

    import torch
    from torch import nn

    from tensorgrad import layers, models, utils

    *_, x_test, _, _ = fashion_mnist_flat(n_train=1)
    utils.set_random_seed(0)
    model = models.Sequential([
        layers.Dense(512, activation="relu", input_shape=(784,)),
        layers.Dense(10, activation="softmax"),
    ])
    model.predict(x_test[:1], verbose=0)  # builds the weights
    w1, b1, w2, b2 = model.get_weights()
    peer = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax(dim=1))
    with torch.no_grad():
        for param, value in zip(peer.parameters(), [w1.T, b1, w2.T, b2]):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt = torch.from_numpy(x_test)

    def torch_predict(batch_size):
        with torch.no_grad():
            return torch.cat([peer(xt[i:i + batch_size]) for i in range(0, len(xt), batch_size)])

    info = machine()
    print(f"predict_mlp: {len(x_test)} images, {args.reps} repetitions | {info['cpu']}, "
          f"{info['cores']} cores, {info['blas']}")
    payload = {"machine": info, "reps": args.reps, "batch": {}}
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        ours = model.predict(x_test, batch_size=batch_size, verbose=0)
        theirs = torch_predict(batch_size).numpy()
        max_diff = float(np.abs(ours - theirs).max())
        times = {"tensorgrad": [], "pytorch": []}
        for _ in range(args.reps):
            start = time.perf_counter()
            model.predict(x_test, batch_size=batch_size, verbose=0)
            times["tensorgrad"].append(time.perf_counter() - start)
            start = time.perf_counter()
            torch_predict(batch_size)
            times["pytorch"].append(time.perf_counter() - start)
        r = [a / b for a, b in zip(times["tensorgrad"], times["pytorch"])]
        entry = {name: summary(t) for name, t in times.items()}
        entry["ratio"] = {"median": statistics.median(r), "min": min(r), "max": max(r)}
        entry["max_abs_diff"] = max_diff
        payload["batch"][str(batch_size)] = entry
        print(f"batch {batch_size:>4}: tensorgrad {entry['tensorgrad']['median'] * 1e3:7.1f} ms, "
              f"pytorch {entry['pytorch']['median'] * 1e3:7.1f} ms, ratio median "
              f"{entry['ratio']['median']:.3f} (min {entry['ratio']['min']:.3f}, max "
              f"{entry['ratio']['max']:.3f}); outputs agree to {max_diff:.1e}")
    emit_json("predict_mlp", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
