"""Tests of the IDX reader on small generated files."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tensorgrad.datasets import IdxError, load_idx
from tensorgrad.datasets.idx import parse_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


@pytest.mark.parametrize("gz", [True, False])
def test_loads_uint8_gzip_and_raw(tmp_path, idx_bytes, write_file, gz):
    path = write_file(tmp_path / "x-idx3-ubyte.gz", idx_bytes(IMAGES), gz=gz)
    array = load_idx(path)
    assert array.dtype == np.uint8
    assert array.shape == (2, 3, 4)
    np.testing.assert_array_equal(array, IMAGES)


@pytest.mark.parametrize("gz", [True, False])
def test_result_is_writeable(tmp_path, idx_bytes, write_file, gz):
    array = load_idx(write_file(tmp_path / "x", idx_bytes(IMAGES), gz=gz))
    assert array.flags.writeable
    array[0, 0, 0] = 200
    assert array[0, 0, 0] == 200


def test_compression_is_detected_from_content_not_name(tmp_path, idx_bytes, write_file):
    raw_named_gz = write_file(tmp_path / "a-idx3-ubyte.gz", idx_bytes(IMAGES), gz=False)
    gz_named_raw = write_file(tmp_path / "b-idx3-ubyte", idx_bytes(IMAGES), gz=True)
    np.testing.assert_array_equal(load_idx(raw_named_gz), IMAGES)
    np.testing.assert_array_equal(load_idx(gz_named_raw), IMAGES)


def test_accepts_str_path(tmp_path, idx_bytes, write_file):
    path = write_file(tmp_path / "x.gz", idx_bytes(IMAGES))
    np.testing.assert_array_equal(load_idx(str(path)), IMAGES)


def test_multi_member_gzip(tmp_path, idx_bytes):
    content = idx_bytes(IMAGES)
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(content[:10]) + gzip.compress(content[10:]))
    np.testing.assert_array_equal(load_idx(path), IMAGES)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_other_types_come_back_in_native_byte_order(tmp_path, idx_bytes, write_file, dtype):
    values = (np.arange(6).reshape(2, 3) - 3).astype(dtype)
    array = load_idx(write_file(tmp_path / "x", idx_bytes(values)))
    assert array.dtype == np.dtype(dtype)
    assert array.dtype.isnative
    assert array.flags.writeable
    np.testing.assert_array_equal(array, values)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        st.sampled_from([np.uint8, np.int16, np.float32]),
        hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    ),
    st.booleans(),
)
def test_round_trip_any_array(array, gz):
    code = {"uint8": 0x08, "int16": 0x0B, "float32": 0x0D}[array.dtype.name]
    content = bytes([0, 0, code, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    content += array.astype(array.dtype.newbyteorder(">")).tobytes()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x"
        path.write_bytes(gzip.compress(content) if gz else content)
        loaded = load_idx(path)
    assert loaded.shape == array.shape and loaded.dtype == array.dtype
    np.testing.assert_array_equal(loaded, array)


def test_truncated_raw_file_names_file_expected_and_found(tmp_path, idx_bytes, write_file):
    labels = np.arange(10, dtype=np.uint8)
    path = write_file(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(labels)[:13], gz=False)
    with pytest.raises(IdxError) as info:
        load_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "expected 10 items (18 bytes), found 13 bytes" in message
    assert "truncated" in message


def test_truncated_gzip_stream(tmp_path, idx_bytes):
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES))[:-12])
    with pytest.raises(IdxError, match="truncated") as info:
        load_idx(path)
    assert str(path) in str(info.value)


def test_gzip_of_truncated_content(tmp_path, idx_bytes, write_file):
    path = write_file(tmp_path / "x.gz", idx_bytes(IMAGES)[:-1])
    with pytest.raises(IdxError, match=r"expected 2 items of 3x4 \(40 bytes\), found 39 bytes"):
        load_idx(path)


def test_corrupt_gzip_data(tmp_path, idx_bytes):
    data = bytearray(gzip.compress(idx_bytes(IMAGES)))
    data[12:20] = b"\xff" * 8
    path = tmp_path / "x.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(IdxError, match="gzip"):
        load_idx(path)


def test_extra_data_is_rejected(tmp_path, idx_bytes, write_file):
    path = write_file(tmp_path / "x", idx_bytes(IMAGES) + b"\x00", gz=False)
    with pytest.raises(IdxError, match="found 41 bytes: the file has extra data"):
        load_idx(path)


def test_garbage_after_gzip_stream_is_rejected(tmp_path, idx_bytes):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES)) + b"junk")
    with pytest.raises(IdxError, match="unexpected data after the gzip stream"):
        load_idx(path)


@pytest.mark.parametrize(
    "header",
    [
        b"\x01\x00\x08\x01",  # first byte not zero
        b"\x00\x00\x07\x01",  # unknown type code
        b"\x00\x00\x08\x00",  # no dimensions
        b"PK\x03\x04",  # a zip file
    ],
)
def test_bad_magic(tmp_path, write_file, header):
    path = write_file(tmp_path / "x", header + b"\x00\x00\x00\x01\x05", gz=False)
    with pytest.raises(IdxError, match=f"not an IDX file.*found 0x{header.hex().upper()}"):
        load_idx(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x02"])
def test_truncated_header(tmp_path, write_file, content):
    path = write_file(tmp_path / "x", content, gz=False)
    with pytest.raises(IdxError, match="truncated"):
        load_idx(path)


def test_expected_shape_and_dtype_are_checked(idx_bytes):
    content = bytearray(idx_bytes(IMAGES))
    parse_idx(content, "ok", expected_shape=(2, 3, 4), expected_dtype=np.uint8)
    with pytest.raises(
        IdxError, match=r"f: expected 5 images of 3x4, the header declares 2 images"
    ):
        parse_idx(content, "f", expected_shape=(5, 3, 4), noun="images")
    with pytest.raises(IdxError, match=r"expected IDX magic number 0x00000801 \(2049"):
        parse_idx(content, "f", expected_shape=(24,), expected_dtype=np.uint8)
    with pytest.raises(IdxError, match=r"expected IDX magic number 0x00000C03"):
        parse_idx(content, "f", expected_dtype=np.int32)


def test_parse_bytes_copies_to_writeable(idx_bytes):
    array = parse_idx(idx_bytes(IMAGES))
    assert array.flags.writeable
    np.testing.assert_array_equal(array, IMAGES)


def test_parse_bytearray_is_a_view_without_copy(idx_bytes):
    buf = bytearray(idx_bytes(IMAGES))
    array = parse_idx(buf)
    array[0, 0, 0] = 99
    assert buf[16] == 99
