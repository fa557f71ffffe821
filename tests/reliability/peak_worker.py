"""Refuse one bomb and print how much the process's peak RSS grew meanwhile (in KB).

Run by test_bombs.py in a fresh process: `python peak_worker.py KIND PATH`. The baseline is
taken after imports and one ordinary load of each kind, so that only the refusal counts.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import resource
import sys
import threading
from pathlib import Path

import numpy as np

from tensorgrad import layers, models
from tensorgrad.datasets import cache
from tensorgrad.saving import saving_lib as saving

SHAPE = (100, 28, 28)
CONTENT = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in SHAPE)
CONTENT += bytes(int(np.prod(SHAPE)))
SPEC = cache.DataFile(
    "bomb-images-idx3-ubyte.gz", SHAPE, hashlib.sha256(CONTENT).hexdigest(), "images"
)


class Endless(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        try:
            for _ in range(3200):  # 200 MiB
                self.wfile.write(bytes(2**16))
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def warm_up(folder: Path) -> None:
    """One ordinary model load and one dataset load, so that lazy work is in the baseline."""
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="adam", loss="mse")
    saving.save_model(model, folder / "warm.tensorgrad")
    saving.load_model(folder / "warm.tensorgrad")
    (folder / "warm" / "d").mkdir(parents=True)
    (folder / "warm" / "d" / SPEC.name).write_bytes(gzip.compress(CONTENT))
    cache.load_dataset(cache.Dataset("d", (SPEC,), ()), path=folder / "warm" / "d")


def main(kind: str, path: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))  # old code: no runaway
    warm_up(path.parent)
    server = None
    if kind == "mirror":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    before = peak_kb()
    try:
        if kind in ("gzip", "raw"):
            cache.load_dataset(cache.Dataset("d", (SPEC,), ()), path=path.parent)
        elif kind == "mirror":
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            cache.load_dataset(cache.Dataset("mirrored", (SPEC,), (url,)), timeout=20)
        else:
            saving.load_model(path)
        outcome = "loaded"
    except (ValueError, OSError, MemoryError) as e:  # SavingError, CorruptFileError...
        outcome = f"{type(e).__name__}: {str(e)[:300]}"
    print(json.dumps({"grew_kb": peak_kb() - before, "outcome": outcome}))
    if server is not None:
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
