"""Refusing each bomb costs bounded memory: at most 64 MB over the baseline, measured as the
growth of the process's own peak RSS (getrusage ru_maxrss) in a fresh process per bomb."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hostile
import peak_worker

LIMIT_KB = 64 * 1024
WORKER = Path(__file__).with_name("peak_worker.py")


def _gzip_bomb(path: Path) -> None:
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(peak_worker.CONTENT)
        for _ in range(256):  # 256 MiB of zeros more, about 250 KB on disk
            f.write(bytes(2**20))


def _raw(path: Path) -> None:
    with open(path.with_name(path.name.removesuffix(".gz")), "wb") as f:
        f.truncate(256 * 2**20)  # sparse


BOMBS = {
    "object": lambda p: hostile.object_bomb(p, megabytes=14),
    "wide_dense": hostile.wide_dense_bomb,
    "deflated": hostile.deflated_member_bomb,
    "dev_zero": lambda p: p.symlink_to("/dev/zero"),
    "gzip": _gzip_bomb,
    "raw": _raw,
    "mirror": lambda p: None,
}


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KB and /dev/zero: Linux")
@pytest.mark.parametrize("kind", list(BOMBS))
def test_refusing_a_bomb_costs_bounded_memory(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "bomb"
    folder.mkdir()
    path = folder / ("m.tensorgrad" if kind not in ("gzip", "raw") else peak_worker.SPEC.name)
    BOMBS[kind](path)
    root = str(Path(__file__).resolve().parents[2])  # this checkout's tensorgrad
    path_entries = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(
        os.environ,
        TENSORGRAD_HOME=str(tmp_path / "home"),
        OPENBLAS_NUM_THREADS="1",
        PYTHONPATH=os.pathsep.join(path_entries),
    )
    env.pop("TENSORGRAD_DATA_PATH", None)
    done = subprocess.run(
        [sys.executable, str(WORKER), kind, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"] != "loaded"
    assert "Error" in result["outcome"] and "MemoryError" not in result["outcome"], result
    assert result["grew_kb"] < LIMIT_KB, result
