"""Crafted native files: nothing outside the file is read, nothing loads wrong, every error names the file.

Each test writes a small valid connectome with :func:`write_native` (or copies the embedded
C. elegans file), changes one thing with h5py, and loads the result. The reader must refuse it
with a :class:`FormatError` whose ``path`` is the file, before a wrong value reaches the model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zlib

import h5py
import numpy as np
import pytest
from file_mutations import rewrite_dataset

from brainview import load
from brainview.connectome.io import FormatError, read_native, write_native
from brainview.resources import default_dataset_path

SECRET = b"root:x:0:0:root:/root:/bin/bash\n" * 4


@pytest.fixture
def native(tiny, tmp_path):
    """A valid native file of the six-cell ring (with its gap junction), to change."""
    return write_native(tiny, tmp_path / "tiny.h5")


def refused(path, match: str | None = None, column: str | None = None) -> FormatError:
    """Load ``path``, which must raise a one-line FormatError naming the file (and ``column``)."""
    with pytest.raises(FormatError) as caught:
        load(path)
    error = caught.value
    assert error.path == str(path)
    assert "\n" not in str(error)
    if match is not None:
        assert match in str(error), str(error)
    if column is not None:
        assert error.column == column, str(error)
    return error


def replace(path, name: str, data=None, **options) -> None:
    """Replace dataset ``name`` by ``data`` (or by what ``options`` create), keeping its attributes."""
    with h5py.File(path, "a") as f:
        rewrite_dataset(f, name, data, **options)


def values_of(path, name: str) -> np.ndarray:
    with h5py.File(path, "r") as f:
        return f[name][()]


# -- nothing outside the file ------------------------------------------------------------------
def test_external_raw_storage_is_refused_without_reading_it(native, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    n = len(values_of(native, "neurons/id"))
    # the attack: a numeric column whose bytes live in another file, which `convert` then copied
    with h5py.File(native, "a") as f:
        f.create_dataset("neurons/leak", shape=(n,), dtype="i8", external=[(str(secret), 0, 8 * n)])
        f["neurons"].attrs["columns"] = [*f["neurons"].attrs["columns"], "leak"]
    refused(native, "external storage", column="neurons/leak")


def test_missing_external_storage_is_a_format_error(native, tmp_path):
    n = len(values_of(native, "neurons/id"))
    replace(native, "neurons/radius", shape=(n,), dtype="f4", external=[(str(tmp_path / "gone.bin"), 0, 4 * n)])
    refused(native, "external storage", column="neurons/radius")


def test_external_link_is_refused(native, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["count"] = values_of(native, "synapses/chemical/count") + 1
    with h5py.File(native, "a") as f:
        del f["synapses/chemical/count"]
        f["synapses/chemical/count"] = h5py.ExternalLink(str(other), "/count")
    refused(native, "external link", column="synapses/chemical/count")


def test_soft_links_are_refused_anywhere_in_the_file(native):
    with h5py.File(native, "a") as f:
        f["unused"] = h5py.SoftLink("/neurons/radius")
    refused(native, "soft link", column="unused")


def test_soft_link_loop_is_a_format_error(native):
    with h5py.File(native, "a") as f:
        f["neurons/loop"] = h5py.SoftLink("/neurons/loop")
        f["neurons"].attrs["columns"] = [*f["neurons"].attrs["columns"], "loop"]
    refused(native, "soft link")


def test_virtual_dataset_is_refused(native, tmp_path):
    source = tmp_path / "source.h5"
    position = values_of(native, "neurons/position")
    with h5py.File(source, "w") as f:
        f["p"] = position * 0 + 7
    layout = h5py.VirtualLayout(shape=position.shape, dtype=position.dtype)
    layout[:] = h5py.VirtualSource(str(source), "p", shape=position.shape)
    with h5py.File(native, "a") as f:
        del f["neurons/position"]
        f.create_virtual_dataset("neurons/position", layout)
    refused(native, "virtual", column="neurons/position")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_unlimited_virtual_dataset_is_refused_before_its_sources_are_opened(native, tmp_path):
    """Reading the extent of an unlimited virtual dataset opens its sources: here a pipe that blocks."""
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f.create_dataset("p", data=np.zeros(6, np.float32), maxshape=(None,), chunks=True)
    layout = h5py.VirtualLayout(shape=(6,), dtype="f4", maxshape=(None,))
    layout[0 : h5py.h5s.UNLIMITED] = h5py.VirtualSource(str(source), "p", shape=(6,), maxshape=(None,))[
        0 : h5py.h5s.UNLIMITED
    ]
    with h5py.File(native, "a", libver="latest") as f:
        del f["neurons/radius"]
        f.create_virtual_dataset("neurons/radius", layout)
    source.unlink()
    os.mkfifo(source)  # opening it for reading waits for a writer that never comes
    script = (
        "import sys\nfrom brainview import load\nfrom brainview.connectome.io import FormatError\n"
        "try:\n    load(sys.argv[1])\nexcept FormatError as error:\n    print(error.column, error.problem)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(native)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("neurons/radius a virtual dataset"), done.stdout


@pytest.mark.parametrize("options", [{"compression": "lzf"}, {"fletcher32": True}, {"scaleoffset": 0}])
def test_filters_brainview_does_not_write_are_refused(native, options):
    n = len(values_of(native, "neurons/id"))
    replace(native, "neurons/id", np.arange(n, dtype=np.int64) + 5, chunks=(n,), **options)
    refused(native, "filter", column="neurons/id")


# -- values that loaded wrong ----------------------------------------------------------------
def test_int64_target_beyond_int32_is_not_wrapped(native):
    indices = values_of(native, "synapses/chemical/indices").astype(np.int64)
    indices[0] += 2**32  # read as int32 it became the same target again
    replace(native, "synapses/chemical/indices", indices)
    refused(native, "does not fit int32", column="synapses/chemical/indices")


def test_int64_gap_target_beyond_int32_is_not_wrapped(native):
    indices = values_of(native, "synapses/gap/indices").astype(np.int64)
    indices[0] += 2**32
    replace(native, "synapses/gap/indices", indices)
    refused(native, column="synapses/gap/indices")


def test_int64_category_code_beyond_int32_is_not_wrapped(native):
    codes = values_of(native, "neurons/cell_type").astype(np.int64)
    codes[0] += 2**32
    replace(native, "neurons/cell_type", codes)
    refused(native, column="neurons/cell_type")


@pytest.mark.parametrize(
    ("stored", "dtype"), [(257, np.int16), (0, np.int8), (5, np.int8), (-128, np.int8), (1.5, np.float32)]
)
def test_signs_other_than_plus_minus_one_are_refused(native, stored, dtype):
    sign = values_of(native, "synapses/chemical/sign").astype(dtype)
    sign[2] = stored
    replace(native, "synapses/chemical/sign", sign)
    refused(native, column="synapses/chemical/sign")


def test_exact_wider_types_still_load(native, tiny):
    """Exact conversions are fine: int16 signs, int64 targets and codes, float64 positions of float32 values."""
    for name, dtype in [("synapses/chemical/sign", np.int16), ("synapses/chemical/indices", np.int64),
                        ("neurons/cell_type", np.int64), ("neurons/position", np.float64),
                        ("synapses/chemical/count", np.float64), ("neurons/id", np.float64),
                        ("synapses/chemical/indptr", np.uint32)]:
        replace(native, name, values_of(native, name).astype(dtype))
    assert load(native).equals(tiny)


@pytest.mark.parametrize("value", [np.nan, np.inf, -1.0])
def test_bad_synapse_counts_are_refused(native, value):
    count = values_of(native, "synapses/chemical/count")
    count[1] = value
    replace(native, "synapses/chemical/count", count)
    refused(native, column="synapses/chemical/count")


@pytest.mark.parametrize("value", [np.nan, -0.5])
def test_bad_gap_weights_are_refused(native, value):
    weight = values_of(native, "synapses/gap/weight")
    weight[:] = value  # both directions, so that only the value is wrong
    replace(native, "synapses/gap/weight", weight)
    refused(native, column="synapses/gap/weight")


def test_asymmetric_gap_junctions_are_refused(native):
    weight = values_of(native, "synapses/gap/weight")
    weight[0] *= 3
    replace(native, "synapses/gap/weight", weight)
    refused(native, "symmetric", column="synapses/gap/indices")


def test_one_sided_gap_junction_is_refused(native):
    n = len(values_of(native, "neurons/id"))
    replace(native, "synapses/gap/indptr", np.array([0] * 2 + [1] * (n - 1), np.int64))  # only 1 -> 4
    replace(native, "synapses/gap/indices", np.array([4], np.int32))
    replace(native, "synapses/gap/weight", np.array([0.5], np.float32))
    refused(native, "symmetric")


@pytest.mark.parametrize("value", [np.nan, np.inf, 1e39])
def test_non_finite_positions_are_refused(native, value):
    position = values_of(native, "neurons/position").astype(np.float64)
    position[3, 1] = value
    replace(native, "neurons/position", position)
    refused(native, column="neurons/position")


@pytest.mark.parametrize("value", [1000.5, np.nan, 2.0**63])
def test_inexact_float_ids_are_refused(native, value):
    ids = values_of(native, "neurons/id").astype(np.float64)
    ids[0] = value  # the fraction was dropped; NaN became -2**63
    replace(native, "neurons/id", ids)
    refused(native, column="neurons/id")


def test_uint64_ids_beyond_int64_are_refused(native):
    ids = values_of(native, "neurons/id").astype(np.uint64)
    ids[0] = 2**63 + 5
    replace(native, "neurons/id", ids)
    refused(native, "does not fit int64", column="neurons/id")


@pytest.mark.parametrize("shape", ["flat", "transposed"])
def test_positions_are_not_reshaped(native, shape):
    position = values_of(native, "neurons/position")
    replace(native, "neurons/position", position.reshape(-1) if shape == "flat" else position.T.copy())
    refused(native, "shape", column="neurons/position")


@pytest.mark.parametrize("change", ["duplicate", "unsorted"])
def test_row_targets_must_be_sorted_and_unique(tmp_path, connectome_factory, change):
    c = connectome_factory(6, edges=[(0, 1, 1.0, 1), (0, 3, 2.0, 1), (0, 4, 1.0, -1), (2, 5, 1.0, 1)])
    path = write_native(c, tmp_path / "rows.h5")
    indices = values_of(path, "synapses/chemical/indices")
    indices[:3] = [1, 1, 4] if change == "duplicate" else [3, 1, 4]
    replace(path, "synapses/chemical/indices", indices)
    refused(path, "sorted and unique", column="synapses/chemical/indices")


@pytest.mark.parametrize("value", [np.inf, -2.0])
def test_bad_radii_are_refused(native, value):
    radius = values_of(native, "neurons/radius")
    radius[0] = value
    replace(native, "neurons/radius", radius)
    refused(native, "radii", column="neurons/radius")


def test_missing_radius_is_allowed(native):
    radius = values_of(native, "neurons/radius")
    radius[0] = np.nan  # NaN marks a radius the source does not give
    replace(native, "neurons/radius", radius)
    assert np.isnan(load(native)["radius"][0])


# -- errors that were tracebacks ---------------------------------------------------------------
def test_corrupt_compressed_chunk_is_a_format_error(tmp_path):
    path = tmp_path / "worm.h5"
    shutil.copy(default_dataset_path(), path)
    with h5py.File(path, "r") as f:
        chunks = []
        f["synapses/chemical/count"].id.chunk_iter(chunks.append)
    data = bytearray(path.read_bytes())
    start = chunks[0].byte_offset + 20
    data[start : start + 40] = b"\xa5" * 40
    path.write_bytes(bytes(data))
    refused(path, column="synapses/chemical/count")


def test_chunk_that_inflates_beyond_its_size_is_refused(native):
    with h5py.File(native, "a") as f:
        dataset = f["neurons/radius"]
        bomb = zlib.compress(bytes(4 << 20), 9)  # 4 MiB of zeros for a chunk of 24 bytes
        dataset.id.write_direct_chunk((0,), bomb, 0)
    refused(native, "expands to more than", column="neurons/radius")


def test_group_where_a_dataset_belongs(native):
    with h5py.File(native, "a") as f:
        del f["neurons/position"]
        f.create_group("neurons/position")
    refused(native, "should be a dataset", column="neurons/position")


def test_dataset_where_a_group_belongs(native):
    with h5py.File(native, "a") as f:
        del f["synapses/gap"]
        f["synapses/gap"] = np.zeros(3)
    refused(native, "should be a group", column="synapses/gap")


def test_scalar_column(native):
    replace(native, "neurons/radius", np.float32(1.0))
    refused(native, column="neurons/radius")


@pytest.mark.parametrize("value", [np.array([1, 1]), np.nan, "1", 1.0, True, -3])
def test_bad_format_version(native, value):
    with h5py.File(native, "a") as f:
        f.attrs["format_version"] = value
    refused(native, "format_version")


def test_missing_format_version(native):
    with h5py.File(native, "a") as f:
        del f.attrs["format_version"]
    refused(native, "format_version")


def test_non_string_metadata(native):
    with h5py.File(native, "a") as f:
        f.attrs["citation"] = np.arange(3)
    refused(native, "citation")


@pytest.mark.parametrize("columns", [["id", "name", "id"], ["id", "../synapses/chemical/count"], ["name"],
                                     ["id", "position"]])
def test_bad_column_lists(native, columns):
    with h5py.File(native, "a") as f:
        f["neurons"].attrs["columns"] = columns
    refused(native, column="neurons")


def test_string_column_stored_as_numbers(native):
    with h5py.File(native, "a") as f:
        del f["neurons/name"].attrs["categories"]
    refused(native, "without categories", column="neurons/name")


@pytest.mark.parametrize("name", ["synapses/chemical/indices", "neurons/position", "neurons/id"])
def test_huge_declared_shapes_are_refused_before_reading(native, name):
    shape = (2**40, 3) if name == "neurons/position" else (2**40,)
    replace(native, name, shape=shape, dtype="f4" if name == "neurons/position" else "i4", chunks=True)
    refused(native, column=name)


# -- amplification: sizes checked against each other before reading ------------------------------
def test_unallocated_chunks_are_refused(native):
    n = len(values_of(native, "neurons/id"))
    replace(native, "neurons/radius", shape=(n,), dtype="f4", chunks=(2,), fillvalue=1.0)
    with h5py.File(native, "a") as f:
        f["neurons/radius"][:2] = 1.0  # one chunk of three
    refused(native, "chunks are stored", column="neurons/radius")


def test_unallocated_contiguous_data_is_refused(native):
    n = len(values_of(native, "neurons/id"))
    replace(native, "neurons/radius", shape=(n,), dtype="f4", fillvalue=1.0)
    refused(native, "stores 0", column="neurons/radius")


def test_row_pointer_is_checked_before_the_targets_are_read(native, monkeypatch):
    """134 M duplicate self-connections: refused on the row pointer, the targets never read."""
    n = len(values_of(native, "neurons/id"))
    e = 134_000_000
    replace(native, "synapses/chemical/indptr", np.r_[0, np.full(n, e)].astype(np.int64))
    for name, dtype in [("indices", "i4"), ("count", "f4"), ("sign", "i1")]:
        replace(native, f"synapses/chemical/{name}", shape=(e,), dtype=dtype, chunks=(1 << 20,),
                compression="gzip", shuffle=True, fillvalue=1 if name != "indices" else 0)
    read = []
    from brainview.connectome.io import hdf5

    original = hdf5.SafeDataset.read
    monkeypatch.setattr(hdf5.SafeDataset, "read", lambda self: read.append(self.name) or original(self))
    refused(native, column="synapses/chemical/indices")  # its chunks are not all stored
    assert not any(name.startswith("synapses/chemical/") and name != "synapses/chemical/indptr" for name in read)


def test_lengths_must_match_the_row_pointer(native):
    count = values_of(native, "synapses/chemical/count")
    replace(native, "synapses/chemical/count", np.r_[count, count])
    refused(native, "row pointers say", column="synapses/chemical/count")


def test_big_endian_and_exotic_layouts_of_valid_data_load(native, tiny):
    """Valid data in another byte order, chunking or layout is read exactly."""
    for name in ["synapses/chemical/indices", "neurons/position", "synapses/chemical/count"]:
        values = values_of(native, name)
        replace(native, name, values.astype(values.dtype.newbyteorder(">")), chunks=(2,) + values.shape[1:],
                compression="gzip", shuffle=True)
    replace(native, "neurons/id", values_of(native, "neurons/id"), chunks=(4,))  # unfiltered chunks
    replace(native, "synapses/chemical/sign", values_of(native, "synapses/chemical/sign").astype(">i2"))  # contiguous
    replace(native, "neurons/radius", values_of(native, "neurons/radius").astype(">f8"))
    with h5py.File(native, "a") as f:
        ids = f["neurons/id"][()]
        del f["neurons/id"]
        space = h5py.h5s.create_simple(ids.shape)
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_layout(h5py.h5d.COMPACT)
        h5py.h5d.create(f["neurons"].id, b"id", h5py.h5t.STD_I64LE, space, plist).write(
            h5py.h5s.ALL, h5py.h5s.ALL, ids)
    assert load(native).equals(tiny)


def test_the_embedded_dataset_still_loads():
    assert read_native(default_dataset_path()).n == 449


def test_global_heap_that_hdf5_would_parse_forever_is_refused(native):
    """HDF5 2.0.0 never finishes reading a string attribute whose heap has a 0-byte free-space object."""
    data = bytearray(native.read_bytes())
    at = data.find(b"GCOL\x01")
    end = at + int.from_bytes(data[at + 8 : at + 16], "little")
    position = at + 16
    while int.from_bytes(data[position : position + 2], "little"):  # walk to the free space (object 0)
        position += 16 + -(-int.from_bytes(data[position + 8 : position + 16], "little") // 8) * 8
        assert position + 16 <= end
    data[position + 8 : position + 16] = bytes(8)
    native.write_bytes(bytes(data))
    # in a child process: with the heap unchecked, the load would spin forever holding the GIL
    script = (
        "import sys\nfrom brainview import load\nfrom brainview.connectome.io import FormatError\n"
        "try:\n    load(sys.argv[1])\nexcept FormatError as error:\n    print(error.path == sys.argv[1], error.problem)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(native)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True a damaged global heap"), done.stdout
