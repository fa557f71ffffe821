"""Data-parallel fit over MPI: steps per second on one machine, Allreduce cost, and scaling.

The book's network (Dense(512, relu) -> Dense(10, softmax), RMSprop, float32, accuracy
every step) fits Fashion-MNIST at global batch 128 and 512 in these set-ups, each in
processes of its own, the set-ups taking turns in every round:

- 1 process with 2 BLAS threads (the library's default here: both cores);
- 1 process with 1 BLAS thread (the compute of one core, for reference);
- 2 processes under mpirun with 1 BLAS thread each (DataParallel, one Allreduce a step);
- the same, with each weight's gradient sent by a non-blocking Iallreduce as soon as the
  backward pass has produced it (the overlap DataParallel would use if it paid).

A second runner times MPI_Allreduce alone between the two processes for message sizes
from 1 KB to 16 MB. From the one-process, one-thread step times (a fixed cost per step
plus a cost per sample) and a ring Allreduce over a stated network, the driver prints the
scaling efficiency the simple model implies for N such machines.

    python benchmarks/fit_distributed.py              # about two minutes
    python benchmarks/fit_distributed.py --rounds 1 --reps 3
"""

from __future__ import annotations

# isort: off
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's tensorgrad
import tensorgrad  # before NumPy, as the book's scripts import it: see tensorgrad/_runtime.py

# isort: on
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, emit_json, fashion_mnist_flat, machine

BATCHES = (128, 512)
STEPS = {128: 40, 512: 20}  # steps per timed fit
PARAMS = 784 * 512 + 512 + 512 * 10 + 10  # the book network's gradient, in floats
# The network the model assumes between machines: 10 Gb/s Ethernet, ~1.1 GB/s of payload,
# 30 microseconds per message.
NETWORK = {"name": "10 Gb/s Ethernet", "bytes_per_s": 1.1e9, "latency_s": 30e-6}


# ----- runners (one per process set-up) ------------------------------------------------
class OverlappedDataParallel(tensorgrad.distribute.DataParallel):
    """DataParallel that starts each gradient's Iallreduce the moment backward makes it.

    The engine visits every weight once, when its gradient is complete; a wrapper around
    that visit scales the gradient into its slot of a flat buffer and starts a non-blocking
    Iallreduce of the slot. reduce_gradients then waits for them all.
    """

    def __init__(self) -> None:
        from mpi4py import MPI

        from tensorgrad.engine import autodiff

        super().__init__()
        self._MPI = MPI
        self._views: dict[int, np.ndarray] = {}
        self._requests: list = []
        original = autodiff._accumulate_leaf

        def accumulate(leaf, g, given):
            original(leaf, g, given)
            view = self._views.get(id(leaf))
            if view is not None:
                np.multiply(leaf.grad, self._local_n / self._global_n, out=view)
                comm = self.communicator.comm
                self._requests.append(comm.Iallreduce(MPI.IN_PLACE, view, op=MPI.SUM))

        autodiff._accumulate_leaf = accumulate

    def reduce_gradients(self, weights):
        if not self._views:  # first step: make the slots; this step reduces in one piece
            flat = np.zeros(sum(w.data.size for w in weights), weights[0].data.dtype)
            offsets = np.cumsum([0] + [w.data.size for w in weights])
            for k, w in enumerate(weights):
                self._views[id(w)] = flat[offsets[k] : offsets[k + 1]].reshape(w.data.shape)
            return super().reduce_gradients(weights)
        start = time.perf_counter()
        self._MPI.Request.Waitall(self._requests)
        self._requests.clear()
        self.gradient_seconds += time.perf_counter() - start
        self.gradient_steps += 1
        return [self._views[id(w)] for w in weights]


def _timed_allreduce(strategy) -> dict:
    """Wrap the communicator's allreduce to add up the time per kind of buffer."""
    spent = {"gradients": 0.0, "metrics": 0.0}
    inner = strategy.communicator.allreduce_sum

    def allreduce_sum(buffer):
        start = time.perf_counter()
        inner(buffer)
        kind = "gradients" if buffer.size > 64 else "metrics"
        spent[kind] += time.perf_counter() - start

    strategy.communicator.allreduce_sum = allreduce_sum
    return spent


def fit_runner(reps: int, overlap: bool) -> None:
    from tensorgrad import layers, models, utils

    strategy = OverlappedDataParallel() if overlap else tensorgrad.distribute.DataParallel()
    spent = _timed_allreduce(strategy)
    x, y, *_ = fashion_mnist_flat(max(b * STEPS[b] for b in BATCHES))
    utils.set_random_seed(0)
    with strategy.scope():
        model = models.Sequential(
            [
                layers.Dense(512, activation="relu", input_shape=(784,)),
                layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    results = {}
    for batch in BATCHES:
        n = batch * STEPS[batch]
        model.fit(x[: 4 * batch], y[: 4 * batch], batch_size=batch, verbose=0)  # warm-up
        times, summing, gradient, metric = [], [], [], []
        for _ in range(reps):
            strategy.communicator.barrier()
            before, summed = dict(spent), strategy.gradient_seconds
            start = time.perf_counter()
            model.fit(x[:n], y[:n], batch_size=batch, verbose=0)
            times.append(time.perf_counter() - start)
            summing.append((strategy.gradient_seconds - summed) / STEPS[batch])
            gradient.append((spent["gradients"] - before["gradients"]) / STEPS[batch])
            metric.append((spent["metrics"] - before["metrics"]) / STEPS[batch])
        results[batch] = {
            "steps_per_s": STEPS[batch] / statistics.median(times),
            # reduce_gradients: scaled copy into the flat buffer + Allreduce (or the Waitall)
            "gradient_sum_ms": 1e3 * statistics.median(summing),
            "gradient_allreduce_ms": 1e3 * statistics.median(gradient),
            "metric_allreduce_ms": 1e3 * statistics.median(metric),
        }
    if strategy.is_chief:
        emit_json("fit_distributed_runner", {"size": strategy.size, "results": results})


def allreduce_runner(reps: int) -> None:
    strategy = tensorgrad.distribute.DataParallel()
    comm = strategy.communicator
    results = {}
    for floats in (256, 4096, 65536, PARAMS + 4, 1 << 20, 4 << 20):
        buffer = np.ones(floats, np.float32)
        times = []
        for _ in range(reps):
            comm.barrier()
            start = time.perf_counter()
            comm.allreduce_sum(buffer)
            times.append(time.perf_counter() - start)
        results[4 * floats] = 1e3 * statistics.median(times)
    if strategy.is_chief:
        emit_json("allreduce_runner", {"size": strategy.size, "ms_by_bytes": results})


# ----- the driver -----------------------------------------------------------------------
def _launch(args: list[str], processes: int, threads: int) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, __file__, *args]
    if processes > 1:
        launcher = shutil.which("mpiexec") or shutil.which("mpirun")
        command = [launcher, "-n", str(processes), *command]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads([ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1])


SETUPS = {
    "1 process, 2 threads": (1, 2, []),
    "1 process, 1 thread": (1, 1, []),
    "2 processes, 1 thread each": (2, 1, []),
    "2 processes, Iallreduce overlap": (2, 1, ["--overlap"]),
}


# The machine the model multiplies: one process on one core, the set-up least disturbed by
# other work sharing the cores (two BLAS threads stall whenever either core is taken).
MODEL_SETUP = "1 process, 1 thread"


def ring_allreduce_s(processes: int, nbytes: float) -> float:
    """Ring Allreduce time: 2(N-1)/N of the message each way plus 2(N-1) latencies."""
    if processes == 1:
        return 0.0
    n = processes
    return 2 * (n - 1) / n * nbytes / NETWORK["bytes_per_s"] + 2 * (n - 1) * NETWORK["latency_s"]


def scaling(one_machine: dict) -> dict:
    """Efficiency for N machines like this one, from a fitted step time.

    One step on one machine takes fixed + per_sample * B (fitted to the step times of
    MODEL_SETUP at batch 128 and 512; `fixed` holds the per-op overhead and the optimizer
    update, which every machine repeats). On N machines a step of b samples each adds a
    ring Allreduce of the gradients and the metric sums' latency (a tree, 2 log2 N
    messages): t(N, b) = fixed + per_sample * b + comm(N).

    - "efficiency" (strong scaling, the global batch B fixed, b = B / N):
      t(1, B) / (N t(N, B / N));
    - "weak_efficiency" (B samples per machine, the global batch N B): t(1, B) / t(N, B).
    """
    t = {b: 1 / one_machine[b]["steps_per_s"] for b in BATCHES}
    per_sample = (t[512] - t[128]) / (512 - 128)
    fixed = t[128] - 128 * per_sample
    strong, weak = {}, {}
    for n in (2, 4, 8, 16, 32):
        comm = ring_allreduce_s(n, 4 * PARAMS)
        comm += 2 * math.ceil(math.log2(n)) * NETWORK["latency_s"]
        strong[n] = {b: t[b] / (n * (fixed + per_sample * b / n + comm)) for b in BATCHES}
        weak[n] = {b: t[b] / (fixed + per_sample * b + comm) for b in BATCHES}
    return {
        "fixed_ms": 1e3 * fixed,
        "per_sample_us": 1e6 * per_sample,
        "efficiency": strong,
        "weak_efficiency": weak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runner", choices=("fit", "allreduce"))
    parser.add_argument("--overlap", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--only", default="", help="run only the set-ups whose name contains this text"
    )
    args = parser.parse_args()
    if args.runner == "fit":
        return fit_runner(args.reps, args.overlap)
    if args.runner == "allreduce":
        return allreduce_runner(30)

    runs: dict[str, list[dict]] = {name: [] for name in SETUPS if args.only in name}
    for round_ in range(args.rounds):
        names = list(runs)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]  # rotate the order
        for name in names:
            processes, threads, extra = SETUPS[name]
            reps = ["--reps", str(args.reps)]
            runs[name].append(_launch(["--runner", "fit", *reps, *extra], processes, threads))
    allreduce = _launch(["--runner", "allreduce"], 2, 1)["ms_by_bytes"]

    figures = {}
    for name, results in runs.items():
        figures[name] = {
            b: {
                key: statistics.median(r["results"][str(b)][key] for r in results)
                for key in results[0]["results"][str(b)]
            }
            for b in BATCHES
        }
    model = scaling(figures[MODEL_SETUP]) if MODEL_SETUP in figures else None

    print(
        "| set-up | batch | steps/s | summing gradients / step (of which Allreduce) "
        "| metric Allreduce / step |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, by_batch in figures.items():
        for b, f in by_batch.items():
            alone = name.startswith("1 process")
            ar = f"{f['gradient_sum_ms']:.2f} ms ({f['gradient_allreduce_ms']:.2f} ms)"
            mr = f"{f['metric_allreduce_ms']:.2f} ms"
            print(
                f"| {name} | {b} | {f['steps_per_s']:.1f} | {'-' if alone else ar} "
                f"| {'-' if alone else mr} |"
            )
    print("\nMPI_Allreduce alone, 2 processes on this machine (median of 30):")
    for nbytes, ms in allreduce.items():
        print(f"  {int(nbytes) / 1e3:>8.0f} KB: {ms:.3f} ms")
    emit_json(
        "fit_distributed",
        {
            "machine": machine(),
            "figures": figures,
            "allreduce_ms_by_bytes": allreduce,
            "model": model,
            "network": NETWORK,
        },
    )
    if model is None:
        return
    print(
        f"\nModel ({MODEL_SETUP} per machine): fixed {model['fixed_ms']:.2f} ms/step + "
        f"{model['per_sample_us']:.2f} "
        f"us/sample; ring Allreduce of {4 * PARAMS / 1e6:.2f} MB over {NETWORK['name']} "
        f"({NETWORK['bytes_per_s'] / 1e9:.1f} GB/s, {NETWORK['latency_s'] * 1e6:.0f} us)"
    )
    print("| machines | global batch 128 | global batch 512 | 128 per machine | 512 per machine |")
    print("|---:|---:|---:|---:|---:|")
    for n, row in model["efficiency"].items():
        weak = model["weak_efficiency"][n]
        print(f"| {n} | {row[128]:.2f} | {row[512]:.2f} | {weak[128]:.2f} | {weak[512]:.2f} |")


if __name__ == "__main__":
    main()
