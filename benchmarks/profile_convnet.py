"""Where a training step of the book's convnet spends its time, by phase.

Times every op's forward and backward by op type (Conv2D, MaxPool2D, Linear, ...), and
inside the convolutions the im2col copy and the input gradient (`scatter_products`: one
product per kernel offset and its addition), plus the optimizer update, over `--steps`
steps of fit at batch 64 on Fashion-MNIST. Prints milliseconds per step.

    python benchmarks/profile_convnet.py --steps 200
"""

from __future__ import annotations

# isort: off
import tensorgrad  # first, as the book's scripts import it: see tensorgrad/_runtime.py

# isort: on
import argparse
import collections
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit_json, machine
from fit_convnet import book_convnet, images

TOTALS: collections.Counter = collections.Counter()


def timed(label, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TOTALS[label] += time.perf_counter() - start

    return wrapper


def instrument():
    """Wrap op forwards/backwards, im2col, scatter_products and the optimizer with timers."""
    from tensorgrad.engine.ops import conv, conv_pool, elementwise, linalg, nn, pooling, shape
    from tensorgrad.optimizers import base

    for module in (conv, conv_pool, pooling, linalg, nn, shape, elementwise):
        for name in dir(module):
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, tensorgrad.Function):
                if cls is tensorgrad.Function or cls.__module__ != module.__name__:
                    continue
                cls.forward = timed(f"{name} forward", cls.forward)
                cls.backward = timed(f"{name} backward", cls.backward)
    conv.im2col = timed("  of which im2col (copy)", conv.im2col)
    conv.scatter_products = timed("  of which input gradient", conv.scatter_products)
    base.Optimizer.apply_gradients = timed("optimizer update", base.Optimizer.apply_gradients)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    x, y, *_ = images(args.steps * 64)
    model = book_convnet()
    model.fit(x[:640], y[:640], batch_size=64, verbose=0)  # warm-up
    instrument()
    start = time.perf_counter()
    model.fit(x, y, batch_size=64, verbose=0, shuffle=False)
    total = time.perf_counter() - start
    per_step = {k: v / args.steps * 1e3 for k, v in TOTALS.items()}
    info = machine()
    print(f"profile_convnet: {args.steps} steps at batch 64 | {info['cpu']}, {info['cores']} cores")
    print(f"{'phase':<34} {'ms/step':>8}")
    for label, ms in sorted(per_step.items(), key=lambda kv: -kv[1]):
        print(f"{label:<34} {ms:>8.2f}")
    print(f"{'whole step (fit / steps)':<34} {total / args.steps * 1e3:>8.2f}")
    emit_json("profile_convnet", {"machine": info, "ms_per_step": per_step, "steps": args.steps})
    return 0


if __name__ == "__main__":
    sys.exit(main())
