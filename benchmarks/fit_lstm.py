"""Fashion-MNIST rows as sequences: tensorgrad's LSTM(128) vs PyTorch's nn.LSTM, 2 epochs.

Each image is read row by row, 28 steps of 28 features (pixels standardized); LSTM(128)
then Dense(10, softmax), Adam (learning rate 1e-3), sparse categorical cross-entropy, batch 128. Each
runner trains in a process of its own (tensorgrad through `fit`, PyTorch with the same
model, initialisation scheme and optimizer in a plain loop), then reports the seconds of
each epoch and the test accuracy. `--profile` times the phases of tensorgrad's step.

    python benchmarks/fit_lstm.py                 # both runners, 2 epochs each
    python benchmarks/fit_lstm.py --profile       # where tensorgrad's time goes
    python benchmarks/fit_lstm.py --threads 1     # one BLAS / OpenMP thread per runner

`--threads N` sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS for both
runners' processes: on a machine whose cores are shared with other work, BLAS threads that
wait for each other make the timings erratic. (`--profile` runs in the process started
by hand: set those variables in its environment instead.)
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
from _common import emit_json, machine, peak_rss_mb, point_loader_at_shared_data, run_script

UNITS, BATCH, LR = 128, 128, 1e-3


def rows_as_sequences(n_train: int):
    """(n, 28, 28) float32 standardized with the training pixels' mean and deviation, and
    integer labels, train then test (standardized rows take the LSTM past 0.85 in two
    epochs; pixels in [0, 1] reach about 0.84)."""
    point_loader_at_shared_data()
    from tensorgrad.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = x_train[:n_train].astype(np.float32) / 255
    x_test = x_test.astype(np.float32) / 255
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    return x_train, y_train[:n_train].astype(np.int64), x_test, y_test.astype(np.int64)


def tensorgrad_model(seed: int = 0):
    from tensorgrad import layers, models, utils

    utils.set_random_seed(seed)
    model = models.Sequential(
        [
            layers.LSTM(UNITS, input_shape=(28, 28)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tensorgrad_runner(x, y, x_test, y_test, epochs):
    model = tensorgrad_model()
    model.fit(x[:512], y[:512], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    accuracy = float((model.predict(x_test, batch_size=1000, verbose=0).argmax(1) == y_test).mean())
    return times, accuracy


def torch_runner(x, y, x_test, y_test, epochs):
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, 10)

        def forward(self, xb):
            out, _ = self.lstm(xb)
            return self.dense(out[:, -1])

    model = Net()
    # Keras' initialisation: glorot kernels, orthogonal recurrent kernel, forget bias 1.
    with torch.no_grad():
        nn.init.xavier_uniform_(model.lstm.weight_ih_l0)
        nn.init.orthogonal_(model.lstm.weight_hh_l0)
        model.lstm.bias_ih_l0.zero_()
        model.lstm.bias_hh_l0.zero_()
        model.lstm.bias_ih_l0[UNITS : 2 * UNITS] = 1.0
        nn.init.xavier_uniform_(model.dense.weight)
        model.dense.bias.zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch(xt, yt):
        perm = torch.randperm(len(xt))
        correct = 0
        for start in range(0, len(xt), BATCH):
            idx = perm[start : start + BATCH]
            xb, yb = xt[idx], yt[idx]
            optimizer.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            correct += (out.argmax(1) == yb).sum().item()  # fit's running accuracy
        return correct

    epoch(xt[:512], yt[:512])  # warm-up
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch(xt, yt)
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test)).argmax(1).numpy()
    return times, float((pred == y_test).mean())


RUNNERS = {"tensorgrad": tensorgrad_runner, "pytorch": torch_runner}


def profile(n_steps: int = 60) -> dict:
    """Median microseconds per phase of tensorgrad's training step (batch 128)."""
    from tensorgrad.engine.tensor import Tensor

    x, y, *_ = rows_as_sequences(BATCH * n_steps)
    model = tensorgrad_model()
    model.fit(x[:512], y[:512], batch_size=BATCH, epochs=1, verbose=0)
    lstm, dense = model.layers
    weights = model.trainable_weights
    phases = {"lstm forward": [], "dense+loss forward": [], "backward": [], "optimizer": []}
    for i in range(n_steps):
        xb, yb = x[i * BATCH : (i + 1) * BATCH], y[i * BATCH : (i + 1) * BATCH]
        t0 = time.perf_counter()
        h = lstm(Tensor._make(xb, False, None), training=True)
        t1 = time.perf_counter()
        loss = model.loss(yb, dense(h))
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        model.optimizer.apply_gradients([(w.grad, w) for w in weights])
        for w in weights:
            w.grad = None
        t4 = time.perf_counter()
        for key, a, b in zip(phases, (t0, t1, t2, t3), (t1, t2, t3, t4)):
            phases[key].append((b - a) * 1e6)
    return {k: statistics.median(v) for k, v in phases.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--runner", choices=list(RUNNERS))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--threads", type=int, help="BLAS / OpenMP threads per runner")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads and not args.json_only:  # for the runner processes started below
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    if args.profile:
        phases = profile()
        for k, v in phases.items():
            print(f"{k:>20}: {v:9.0f} us")
        emit_json("fit_lstm_profile", {"phases_us": phases})
        return 0
    if args.json_only:
        data = rows_as_sequences(args.n_train)
        times, accuracy = RUNNERS[args.runner](*data, args.epochs)
        emit_json(
            "fit_lstm_runner",
            {"times": times, "accuracy": accuracy, "peak_rss_mb": peak_rss_mb()},
        )
        return 0
    names = [args.runner] if args.runner else list(RUNNERS)
    results = {}
    for name in names:
        results[name] = run_script(
            __file__,
            "--runner",
            name,
            "--epochs",
            str(args.epochs),
            "--n-train",
            str(args.n_train),
            "--json-only",
        )
    info = machine()
    print(
        f"fit_lstm: {args.epochs} epochs of {args.n_train} sequences (28 x 28), batch {BATCH} "
        f"| {info['cpu']}, {info['cores']} cores, {info['blas']}"
    )
    for name, r in results.items():
        per_epoch = ", ".join(f"{t:.1f}" for t in r["times"])
        print(
            f"{name:>11}: s per epoch {per_epoch} | test accuracy {r['accuracy']:.4f} | "
            f"peak RSS {r['peak_rss_mb']:.0f} MiB"
        )
    payload = {
        "machine": info,
        "epochs": args.epochs,
        "n_train": args.n_train,
        "threads": args.threads,
        **results,
    }
    if len(results) == 2:
        ratio = [a / b for a, b in zip(results["tensorgrad"]["times"], results["pytorch"]["times"])]
        payload["ratio_per_epoch"] = ratio
        print("tensorgrad / pytorch per epoch: " + ", ".join(f"{r:.2f}" for r in ratio))
    emit_json("fit_lstm", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
