import h5py
import numpy as np
import pytest

from brainview import load
from brainview.connectome import Categorical
from brainview.connectome.io import FormatError, read_native, write_native
from brainview.connectome.io.native import FORMAT, FORMAT_VERSION, SCHEMA


def test_round_trip_keeps_every_column_csr_array_and_metadata(tiny, tmp_path):
    tiny.meta.update({"species": "test worm", "citation": "Nobody 2026"})
    extra = tiny.with_columns(lineage=np.array(["AB", "AB", None, "C", "C", "AB"], dtype=object),
                              score=np.linspace(0, 1, 6))
    path = write_native(extra, tmp_path / "tiny.h5")
    back = read_native(path)
    assert back.equals(extra)
    assert list(back.columns) == list(extra.columns)
    assert isinstance(back["lineage"], Categorical)
    assert back["score"].dtype == np.float64
    np.testing.assert_array_equal(back.gap.indices, extra.gap.indices)
    assert back.meta["citation"] == "Nobody 2026"


def test_file_declares_schema_and_is_compressed(tiny, tmp_path):
    path = write_native(tiny, tmp_path / "tiny.h5")
    with h5py.File(path) as f:
        assert f.attrs["format"] == FORMAT and f.attrs["format_version"] == FORMAT_VERSION
        assert "brainview_version" in f.attrs
        for spec in SCHEMA:
            if spec.required:
                assert f[spec.path].dtype == np.dtype(spec.dtype), spec.path
        assert f["synapses/chemical/indices"].compression == "gzip"
        assert list(f["neurons/cell_type"].attrs["categories"]) == ["T0", "T1", "T2"]


def test_many_categories_fit(tmp_path, connectome_factory):
    n = 12_000  # more labels than fit in a compact 64 KiB HDF5 attribute
    c = connectome_factory(n, cell_type=[f"a_rather_long_cell_type_label_{i}" for i in range(n)])
    back = read_native(write_native(c, tmp_path / "big.h5"))
    assert back["cell_type"].equals(c["cell_type"])


def test_load_recognises_native_files(tiny, tmp_path):
    assert load(write_native(tiny, tmp_path / "x.h5")).equals(tiny)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.h5"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty.h5: the file is empty"):
        read_native(path)


def test_truncated_file(tiny, tmp_path):
    path = write_native(tiny, tmp_path / "cut.h5")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(FormatError, match="cut.h5: not a readable HDF5 file"):
        read_native(path)


def test_foreign_hdf5_file(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(FormatError, match="not a brainview connectome file"):
        read_native(path)


def test_newer_version_is_refused(tiny, tmp_path):
    path = write_native(tiny, tmp_path / "new.h5")
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(FormatError, match="newer than this brainview reads"):
        read_native(path)


def test_missing_dataset_is_named(tiny, tmp_path):
    path = write_native(tiny, tmp_path / "holed.h5")
    with h5py.File(path, "a") as f:
        del f["synapses/chemical/sign"]
    with pytest.raises(FormatError, match="synapses/chemical/sign"):
        read_native(path)


def test_failed_write_leaves_no_file(tiny, tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("brainview.connectome.io.native._write_csr", explode)
    with pytest.raises(RuntimeError):
        write_native(tiny, tmp_path / "half.h5")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("n", [0, 1, 3])
def test_round_trip_of_small_and_empty_connectomes_with_every_numeric_column_type(tmp_path, n):
    from brainview.connectome import Connectome, SynapseCSR

    columns = {"id": np.arange(n, dtype=np.int64) - 5, "flag": np.arange(n) % 2 == 0,
               "count": np.arange(n, dtype=np.uint64), "small": np.arange(n, dtype=np.int8),
               "half": np.arange(n, dtype=np.float16) / 2, "missing": Categorical.filled(n)}
    c = Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), SynapseCSR.empty(n, signed=False), {"name": "e"})
    back = read_native(write_native(c, tmp_path / "small.h5"))
    assert back.equals(c)
    assert {key: back[key].dtype for key in ("flag", "count", "small", "half")} == {
        "flag": np.bool_, "count": np.uint64, "small": np.int8, "half": np.float16}


def test_cells_without_positions_are_placed_when_written(connectome_factory, tmp_path):
    from brainview.connectome import Connectome

    c = connectome_factory(6)
    position = c.position.copy()
    position[2] = np.nan
    in_code = Connectome(c.columns, position, c.chemical, c.gap, dict(c.meta))
    back = read_native(write_native(in_code, tmp_path / "placed.h5"))
    assert np.isfinite(back.position).all() and np.array_equal(back.position[[0, 1, 3]], c.position[[0, 1, 3]])
    assert back.meta["positions_filled"] == "1"
