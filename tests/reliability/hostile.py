"""Hostile and broken archives made by hand, shared by the loading tests (also run as a
script by the peak-memory test: `python hostile.py KIND PATH` writes one bomb)."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tensorgrad import layers, models
from tensorgrad.saving import saving_lib as saving


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def small_model() -> models.Sequential:
    model = models.Sequential([layers.Dense(2, activation="relu", input_shape=(3,))])
    model.compile(optimizer="adam", loss="mse")
    return model


def good_config(model: models.Model | None = None) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The config and members of a valid archive of `model` (small_model by default)."""
    model = model or small_model()
    config = saving.header(saving.MODEL_FORMAT)
    config["model"] = saving.serialize_model(model)
    config["compile"] = saving._compile_config(model)
    arrays: dict[str, np.ndarray] = {}
    config["weights"] = saving._weights_manifest(model, arrays)
    config["optimizer_state"] = saving._optimizer_manifest(model, arrays)
    return config, {name: npy(a) for name, a in arrays.items()}


def write(
    path: Path,
    config: Any,
    members: dict[str, bytes] | None = None,
    raw_config: bytes | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    text = raw_config if raw_config is not None else json.dumps(config).encode()
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("config.json", text)
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return path


def object_bomb(path: Path, megabytes: float = 14) -> Path:
    """About `megabytes` MB of `{}` in a config that deflates to a few KB."""
    count = int(megabytes * 2**20 / 3)
    head = json.dumps(saving.header(saving.MODEL_FORMAT))[:-1].encode()
    text = head + b', "model": [' + b"{}," * (count - 1) + b"{}]}"
    return write(path, None, raw_config=text, compression=zipfile.ZIP_DEFLATED)


def wide_dense_bomb(path: Path) -> Path:
    """A tiny file whose config builds Dense(1024) on 32,768 inputs (128 MB of float32)."""
    config, members = good_config()
    layer = config["model"]["config"]["layers"][0]["config"]
    layer["units"], layer["batch_input_shape"] = 1024, [None, 32768]
    config["model"]["config"]["build_input_shape"] = [None, 32768]
    return write(path, config, members)


def deflated_member_bomb(path: Path) -> Path:
    """A member declaring 256 MB of zeros (deflated to about 250 KB), with a manifest and
    a config that agree with it: nothing is inconsistent but the size."""
    layer = layers.Dense(2048, use_bias=False, input_shape=(32768,))  # never built
    config = saving.header(saving.MODEL_FORMAT)
    config["model"] = {
        "class_name": "Sequential",
        "config": {
            "name": "bomb",
            "layers": [layers.serialize(layer)],
            "build_input_shape": [None, 32768],
        },
    }
    config["weights"] = [
        {
            "layer": "dense",
            "class_name": "Dense",
            "weights": [
                {
                    "name": "kernel",
                    "path": "weights/0/0.npy",
                    "shape": [32768, 2048],
                    "dtype": "float32",
                }
            ],
        }
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(config))
        with zf.open("weights/0/0.npy", "w", force_zip64=True) as member:
            buffer = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                buffer, {"descr": "<f4", "fortran_order": False, "shape": (32768, 2048)}
            )
            member.write(buffer.getvalue())
            zeros = bytes(2**20)
            for _ in range(256):
                member.write(zeros)
    return path


BOMBS = {"object": object_bomb, "wide_dense": wide_dense_bomb, "deflated": deflated_member_bomb}

if __name__ == "__main__":
    BOMBS[sys.argv[1]](Path(sys.argv[2]))
