"""Reader for the IDX format, the format MNIST and Fashion-MNIST are published in.

An IDX file is a big-endian header -- two zero bytes, a one-byte data type code,
a one-byte number of dimensions, then one unsigned 32-bit size per dimension --
followed by the values in C order. Files are often gzip-compressed; compression
is recognised by its magic bytes, never by the file name, so a decompressed copy
kept under a ``.gz`` name (or the reverse) still loads.

Every check is strict: a file whose header is malformed, or whose length is not
exactly what its header declares, raises :class:`IdxError` rather than being
read as partial data.
"""

from __future__ import annotations

import math
import os
import struct
import zlib

import numpy as np

__all__ = ["IdxError", "load_idx", "parse_idx", "read_idx_bytes"]

GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> NumPy dtype as stored in the file (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxError(ValueError):
    """Raised when a file is not a valid, complete IDX file."""


def max_file_size(content_bytes: int) -> int:
    """The largest file that can hold `content_bytes` of content, raw or gzip-compressed
    (deflate's stored blocks add 5 bytes per 64 KiB; headers, trailers and padding a little)."""
    return content_bytes + content_bytes // 1000 + 2**16


def read_idx_bytes(
    path: str | os.PathLike[str],
    *,
    expected: str | None = None,
    max_bytes: int | None = None,
) -> bytearray:
    """Reads a file and returns its content, decompressed if it is gzip.

    Compression is detected from the gzip magic bytes ``1f 8b``; the returned
    buffer is writeable so that arrays viewing it are writeable too.

    Args:
        path: the file to read.
        expected: what the content should be (``"10000 labels (10008 bytes)"``),
            quoted in the error raised for a truncated gzip stream.
        max_bytes: the size the content must have, when known: a larger file is refused
            before it is read, and decompression stops just past it (a gzip bomb costs
            no more than the content would).

    Returns:
        The (decompressed) content as a ``bytearray``.

    Raises:
        IdxError: if the file is gzip but its stream is truncated or corrupt, or larger
            than `max_bytes` allows.
        OSError: if the file cannot be read.
    """
    source = os.fspath(path)
    limit = None if max_bytes is None else max_file_size(max_bytes)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if limit is not None and size > limit:
            raise IdxError(
                f"{source}: the file has {size} bytes; a file holding {expected or max_bytes} "
                f"has at most {limit}, raw or compressed: this is not the expected file"
            )
        raw = bytearray(size)
        n = f.readinto(raw)
        if n != size:  # the file shrank while being read
            del raw[n:]
    if raw[:2] != GZIP_MAGIC:
        return raw
    return bytearray(_gunzip(raw, source, expected, max_bytes))


def _gunzip(
    raw: bytearray, source: str, expected: str | None = None, max_bytes: int | None = None
) -> bytes:
    """Decompresses every gzip member in ``raw``; trailing zero padding is allowed. With
    `max_bytes`, decompression stops one byte past it, and that is an error."""
    parts: list[bytes] = []
    rest: bytes | bytearray = raw
    produced = 0
    while rest[:2] == GZIP_MAGIC:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        room = 0 if max_bytes is None else max_bytes - produced + 1
        try:
            parts.append(d.decompress(rest, room))
        except zlib.error as e:
            raise IdxError(f"{source}: corrupt gzip data ({e})") from None
        produced += len(parts[-1])
        if max_bytes is not None and produced > max_bytes:
            want = f"{expected}" if expected else f"{max_bytes} bytes"
            raise IdxError(
                f"{source}: the gzip stream decompresses to more than {max_bytes} bytes, the "
                f"size of {want}: this is not the expected file (or a gzip bomb)"
            )
        if not d.eof:
            found = sum(map(len, parts)) + len(d.flush())
            want = f"expected {expected}, " if expected else ""
            raise IdxError(
                f"{source}: {want}found a gzip stream that ends early after {found} "
                "decompressed bytes: the file is truncated"
            )
        rest = d.unused_data
    if rest.strip(b"\x00"):
        raise IdxError(f"{source}: {len(rest)} bytes of unexpected data after the gzip stream")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _type_code(dtype: np.dtype) -> int:
    """The IDX type code of ``dtype``, whatever its byte order."""
    for code, stored in IDX_DTYPES.items():
        if (stored.kind, stored.itemsize) == (dtype.kind, dtype.itemsize):
            return code
    raise ValueError(f"IDX files cannot hold {dtype}")


def describe(shape: tuple[int, ...], noun: str | None = None) -> str:
    """Words for what a shape holds, e.g. ``10000 labels`` or ``60000 images of 28x28``."""
    count = f"{shape[0]} {noun or 'items'}"
    return count if len(shape) == 1 else f"{count} of {'x'.join(map(str, shape[1:]))}"


def parse_idx(
    buf: bytearray | bytes,
    source: str = "<buffer>",
    *,
    expected_shape: tuple[int, ...] | None = None,
    expected_dtype: np.dtype | type | None = None,
    noun: str | None = None,
) -> np.ndarray:
    """Parses decompressed IDX content into an array, without copying uint8 data.

    Args:
        buf: the decompressed file content. A ``bytearray`` gives a writeable
            array with no copy; ``bytes`` is copied once.
        source: the file name used in error messages.
        expected_shape: if given, the shape the header must declare.
        expected_dtype: if given, the data type the header must declare.
        noun: what one item is called in error messages (``"images"``).

    Returns:
        A writeable array of the declared shape in native byte order.

    Raises:
        IdxError: if the magic number, type code, dimensions or length are wrong.
    """
    if len(buf) < 4:
        raise IdxError(
            f"{source}: expected an IDX header of at least 4 bytes, found {len(buf)} bytes: "
            "the file is truncated"
        )
    zero, code, ndim = buf[0] << 8 | buf[1], buf[2], buf[3]
    magic = int.from_bytes(buf[:4], "big")
    if zero != 0 or code not in IDX_DTYPES or ndim == 0:
        raise IdxError(
            f"{source}: not an IDX file: expected a magic number 0x0000TTNN (TT a type code "
            f"in {', '.join(f'{c:02X}' for c in IDX_DTYPES)}, NN >= 1 dimensions), "
            f"found 0x{magic:08X}"
        )
    dtype = IDX_DTYPES[code]
    if expected_dtype is not None or expected_shape is not None:
        want_dtype = dtype if expected_dtype is None else np.dtype(expected_dtype)
        want_code = _type_code(want_dtype)
        want_ndim = ndim if expected_shape is None else len(expected_shape)
        want_magic = want_code << 8 | want_ndim
        if magic != want_magic:
            raise IdxError(
                f"{source}: expected IDX magic number 0x{want_magic:08X} ({want_magic}: "
                f"{want_dtype}, {want_ndim}-D), found 0x{magic:08X} ({magic}: {dtype}, {ndim}-D)"
            )
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise IdxError(
            f"{source}: expected a {header}-byte IDX header for {ndim} dimensions, "
            f"found {len(buf)} bytes: the file is truncated"
        )
    shape = struct.unpack(f">{ndim}I", buf[4:header])
    if expected_shape is not None and shape != tuple(expected_shape):
        raise IdxError(
            f"{source}: expected {describe(tuple(expected_shape), noun)}, "
            f"the header declares {describe(shape, noun)}: this is not the expected file"
        )
    total = header + math.prod(shape) * dtype.itemsize
    if len(buf) != total:
        problem = "the file is truncated" if len(buf) < total else "the file has extra data"
        raise IdxError(
            f"{source}: expected {describe(shape, noun)} ({total} bytes), "
            f"found {len(buf)} bytes: {problem}"
        )
    array = np.frombuffer(buf, dtype=dtype, offset=header).reshape(shape)
    if dtype.byteorder == ">":
        return array.astype(dtype.newbyteorder("="))  # native order; this is the one copy
    return array if array.flags.writeable else array.copy()


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Loads an IDX file, gzip-compressed or raw, into a NumPy array.

    The array has the data type stored in the file (``uint8`` for MNIST),
    in native byte order, and is writeable.

    Args:
        path: the IDX file, compressed or not (detected from its content).

    Returns:
        The array, with the shape given by the file's header.

    Raises:
        IdxError: if the file is not a valid and complete IDX file.
        OSError: if the file cannot be read.

    Example:

    >>> import gzip, os, tempfile
    >>> data = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     name = os.path.join(d, "tiny-idx2-ubyte.gz")
    ...     with gzip.open(name, "wb") as f:
    ...         _ = f.write(data)
    ...     load_idx(name)
    array([[1, 2, 3],
           [4, 5, 6]], dtype=uint8)
    """
    return parse_idx(read_idx_bytes(path), os.fspath(path))
