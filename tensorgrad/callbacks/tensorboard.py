"""TensorBoard: write training curves and weight histograms as TensorBoard event files.

No TensorFlow needed: an events file is a sequence of TFRecords (a uint64 length, the
masked CRC32C of the length, the bytes, the masked CRC32C of the bytes), each holding one
`Event` protobuf, encoded here by hand. The first event gives the file version; then each
event holds a step, a wall time and a `Summary` of tagged values. View them with
`tensorboard --logdir logs` (`pip install tensorboard`)."""

from __future__ import annotations

import itertools
import json
import os
import socket
import struct
import time
import warnings
from typing import IO, Any

import numpy as np

from tensorgrad.callbacks.base import Callback, Logs
from tensorgrad.saving.saving_lib import serialize_model

try:  # the C implementation when installed; the table below otherwise
    from crc32c import crc32c as _crc32c_fast
except ImportError:  # pragma: no cover - depends on the environment
    _crc32c_fast = None


def _crc_entry(n: int) -> int:
    for _ in range(8):
        n = (n >> 1) ^ 0x82F63B78 if n & 1 else n >> 1  # Castagnoli polynomial, reflected
    return n


_TABLE = [_crc_entry(n) for n in range(256)]


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of `data`, the checksum TFRecords use.

    >>> hex(crc32c(b"123456789"))
    '0xe3069283'
    """
    if _crc32c_fast is not None:
        return _crc32c_fast(data)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecords store it: rotated right by 15 bits plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ----- protobuf wire format: a key (field number << 3 | wire type), then the value -----
def _varint(n: int) -> bytes:
    n &= 0xFFFFFFFFFFFFFFFF  # negative int64 as two's complement
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes([*out, n])


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _double(field: int, value: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", value)


def _bytes(field: int, value: bytes) -> bytes:  # strings, packed arrays, sub-messages
    return _varint(field << 3 | 2) + _varint(len(value)) + value


def _event(step: int, summary_value: bytes | None = None, file_version: str | None = None) -> bytes:
    """An Event: wall_time (1), step (2), file_version (3) or summary (5) of one Value."""
    event = _double(1, time.time()) + _int(2, step)
    if file_version is not None:
        event += _bytes(3, file_version.encode())
    if summary_value is not None:
        event += _bytes(5, _bytes(1, summary_value))  # Summary.value (1)
    return event


def histogram_proto(values: np.ndarray, buckets: int = 30) -> bytes:
    """A HistogramProto: min, max, num, sum, sum of squares, bucket right edges and counts."""
    v = np.asarray(values, np.float64).ravel()
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if hi > lo:
        counts, edges = np.histogram(v, bins=buckets, range=(lo, hi))
        limits = edges[1:]
    else:  # all values equal: one bucket ending at that value
        counts, limits = np.array([v.size]), np.array([hi])
    head = [(1, lo), (2, hi), (3, v.size), (4, v.sum()), (5, v @ v)]
    return b"".join(_double(field, float(x)) for field, x in head) + (
        _bytes(6, limits.astype("<f8").tobytes()) + _bytes(7, counts.astype("<f8").tobytes())
    )


def _graph_config(model: Any) -> dict[str, Any]:
    """The model's config as Keras' `to_json` writes it, for TensorBoard's graph page: the
    inputs and outputs of a functional model as [layer name, node, tensor] lists."""
    config = serialize_model(model)

    def history(spec: Any) -> Any:
        return (
            [history(s) for s in spec]
            if isinstance(spec, list)
            else spec["config"]["keras_history"]
        )

    for key in ("input_layers", "output_layers"):
        if key in config["config"]:
            config["config"][key] = history(config["config"][key])
    return config


_FILE_COUNT = itertools.count()


class EventFileWriter:
    """Appends Events to a new file `events.out.tfevents.<time>.<host>.<pid>.<n>.v2` in
    `folder` (created if needed), named as TensorFlow names them; never overwrites one."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        os.makedirs(folder, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_FILE_COUNT)}.v2"
        )
        self.path = os.path.join(folder, name)
        self._file: IO[bytes] = open(self.path, "xb")
        self._write(_event(0, file_version="brain.Event:2"))
        self.flush()

    def _write(self, record: bytes) -> None:
        header = struct.pack("<Q", len(record))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)))
        self._file.write(record + struct.pack("<I", masked_crc32c(record)))

    def scalar(self, tag: str, value: float, step: int) -> None:
        self._write(
            _event(step, _bytes(1, tag.encode()) + _varint(2 << 3 | 5) + struct.pack("<f", value))
        )

    def histogram(self, tag: str, values: np.ndarray, step: int) -> None:
        self._write(_event(step, _bytes(1, tag.encode()) + _bytes(5, histogram_proto(values))))

    def text_tensor(self, tag: str, text: str, step: int, plugin: str, content: bytes) -> None:
        """A scalar string tensor (DT_STRING = 7) with plugin metadata, as tf.summary.write."""
        metadata = _bytes(1, _bytes(1, plugin.encode()) + _bytes(2, content))
        tensor = _int(1, 7) + _bytes(2, b"") + _bytes(8, text.encode())
        self._write(_event(step, _bytes(1, tag.encode()) + _bytes(9, metadata) + _bytes(8, tensor)))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class TensorBoard(Callback):
    """Write losses, metrics and the learning rate (and optionally weight histograms) for
    TensorBoard, with Keras 3's arguments, folders and tags.

    Each epoch writes "epoch_loss", "epoch_accuracy", ..., "epoch_learning_rate" at step
    `epoch` under `log_dir/train`, and the validation values (without "val_") under
    `log_dir/validation`, where each evaluation also writes "evaluation_loss_vs_iterations"
    (and so on) at the optimizer's step count.

    Args:
        log_dir: the folder of the logs, used by this callback alone.
        histogram_freq: every how many epochs to write a histogram of each weight
            ("dense/kernel/histogram"); 0 writes none.
        write_graph: write the model's configuration for TensorBoard's graph page
            (Sequential and functional models).
        write_images: not supported: raises NotImplementedError when True.
        write_steps_per_second: also write training steps per second.
        update_freq: "epoch", "batch" or a number N: with "batch" or N, the training
            batch logs are also written as "batch_loss", ... every N batches, at the batch
            count since training began.
        profile_batch: 0 only (profiling is not available, as in Keras' torch backend).
        embeddings_freq: 0 only; embeddings_metadata: None only (not supported).

    Raises:
        ValueError: an invalid update_freq or a profile_batch other than 0.
        NotImplementedError: write_images=True, embeddings_freq or embeddings_metadata.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        update_freq = 1 if update_freq == "batch" else update_freq
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive number of "
                f"batches, got {update_freq!r}"
            )
        if profile_batch:
            raise ValueError(
                f"TensorBoard: profiling is not available; got profile_batch={profile_batch!r} "
                f"(must be 0)"
            )
        for name, value in [
            ("write_images", write_images),
            ("embeddings_freq", embeddings_freq),
            ("embeddings_metadata", embeddings_metadata),
        ]:
            if value:
                raise NotImplementedError(
                    f"TensorBoard: {name}={value!r} is not supported; leave {name} at its "
                    f"default (weights can be seen as histograms with histogram_freq=1)"
                )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers: dict[str, EventFileWriter] = {}
        self._global_train_batch = 0
        self._in_fit = False

    def _writer(self, which: str) -> EventFileWriter:
        """The events file of "train" or "validation", created when first needed."""
        if which not in self._writers:
            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def set_model(self, model: Any) -> None:
        self._close_writers()  # each fit, evaluate or predict writes new files
        super().set_model(model)
        if self.write_graph and type(model).__name__ in ("Sequential", "Functional"):
            try:
                config = json.dumps(_graph_config(model))
            except Exception as e:  # the graph page is a nicety: never stop training for it
                warnings.warn(
                    f"TensorBoard: the model could not be written for the graph "
                    f"page ({e!r}); write_graph=False skips it",
                    stacklevel=2,
                )
                return
            self._writer("train").text_tensor("keras", config, 0, "graph_keras_model", b"1")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._global_train_batch = 0
        self._in_fit = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._in_fit = False
        self._close_writers()

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start
            writer.scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-9), step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_test_end(self, logs: Logs | None = None) -> None:
        iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        if iterations is not None:
            writer = self._writer("validation")
            for name, value in (logs or {}).items():
                writer.scalar(f"evaluation_{name}_vs_iterations", value, iterations)
            writer.flush()
        if not self._in_fit:
            self._close_writers()

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_start_batch = self._global_train_batch

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if logs:
            self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            writer = self._writer("train")
            for layer in self.model.layers:
                for weight in layer.weights:
                    tag = f"{weight.name.replace(':', '_')}/histogram"
                    writer.histogram(tag, np.asarray(weight.data), epoch)
        for w in self._writers.values():
            w.flush()

    def _log_epoch_metrics(self, epoch: int, logs: Logs) -> None:
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            steps = self._global_train_batch - self._epoch_start_batch
            train["steps_per_second"] = steps / max(time.perf_counter() - self._epoch_start, 1e-9)
        writer = self._writer("train")
        for name, value in train.items():
            writer.scalar(f"epoch_{name}", value, epoch)
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        for name, value in validation.items():
            self._writer("validation").scalar(f"epoch_{name}", value, epoch)

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
