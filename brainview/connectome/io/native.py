"""brainview's native connectome file: one HDF5 file per connectome.

Layout (declared once in :data:`SCHEMA`)::

    /                      attrs: format="brainview-connectome", format_version, brainview_version,
                                  plus the connectome's metadata (name, species, citation, ...)
    /neurons/<column>      one dataset per column; categorical columns are int32 codes with
                           an attribute "categories"; /neurons attrs "columns" keeps the order
    /neurons/position      (N, 3) float32, micrometres
    /synapses/chemical/{indptr, indices, count, sign}
    /synapses/gap/{indptr, indices, weight}            (only when the source has gap junctions)

Datasets are chunked and gzip-compressed with the shuffle filter. Files are written to a
temporary name beside the target and renamed at the end, so a failed write leaves nothing.

Files are read as possibly hostile (:mod:`brainview.connectome.io.hdf5`): no link, external
storage or virtual dataset is followed, no filter but gzip and shuffle is run, every dataset's
declared shape is checked against the cell count N (the length of /neurons/id) and the row
pointers before the data is read, and values are converted to the :data:`SCHEMA` dtypes only
when exact. The connection tables' invariants (targets in range, sorted and unique within a
row, finite non-negative weights, signs of +1 or -1, symmetric gap junctions) are checked here
too, so that every problem is reported against the file and dataset it is in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.arrays import BLOCK, all_finite, blocks
from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import STRING_COLUMNS, Connectome
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.layout import complete_positions
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.hdf5 import SafeDataset, SafeFile, open_hdf5
from brainview.connectome.synapses import SynapseCSR

FORMAT = "brainview-connectome"
FORMAT_VERSION = 1
_RESERVED_ATTRS = {"format", "format_version", "brainview_version"}


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the schema: where it lives, its dtype, its shape in words, and its meaning."""

    path: str
    dtype: str
    dims: str
    doc: str
    required: bool = True


SCHEMA = (
    DatasetSpec("neurons/id", "int64", "N", "the source's own cell id"),
    DatasetSpec("neurons/position", "float32", "N x 3", "soma position, micrometres"),
    DatasetSpec("neurons/radius", "float32", "N", "soma radius, micrometres", required=False),
    DatasetSpec("synapses/chemical/indptr", "int64", "N + 1", "CSR row pointer by presynaptic cell"),
    DatasetSpec("synapses/chemical/indices", "int32", "E", "postsynaptic cell of each connection"),
    DatasetSpec("synapses/chemical/count", "float32", "E", "synapse count (or weight) of each connection"),
    DatasetSpec("synapses/chemical/sign", "int8", "E", "+1 excitatory, -1 inhibitory"),
    DatasetSpec("synapses/gap/indptr", "int64", "N + 1", "CSR row pointer, symmetric", required=False),
    DatasetSpec("synapses/gap/indices", "int32", "G", "partner cell of each gap junction", required=False),
    DatasetSpec("synapses/gap/weight", "float32", "G", "gap junction conductance weight", required=False),
)
"""Every fixed dataset of a brainview-connectome file, besides the per-column ones."""

_COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


def write_native(connectome: Connectome, path: str | os.PathLike) -> Path:
    """Write ``connectome`` to ``path`` (an .h5 file), atomically.

    A native file holds a position for every cell (its reader refuses NaN): cells of an
    in-code connectome without one are placed first, as every reader places them
    (:func:`~brainview.connectome.layout.complete_positions`, recorded in the metadata).

    Returns the path written.
    """
    from brainview import __version__

    path = Path(path)
    position, meta = connectome.position, dict(connectome.meta)
    if not np.isfinite(position).all():
        position = complete_positions(position, connectome.chemical, connectome.gap, meta)
    with atomic_output(path) as temporary:
        with h5py.File(temporary, "w", libver="v110") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["brainview_version"] = __version__
            for key, value in meta.items():
                if key not in _RESERVED_ATTRS:
                    f.attrs[key] = value
            neurons = f.create_group("neurons")
            neurons.attrs["columns"] = list(connectome.columns)
            for key, column in connectome.columns.items():
                _write_column(neurons, key, column)
            _write_array(neurons, "position", position)
            _write_csr(f.create_group("synapses/chemical"), connectome.chemical, "count")
            if connectome.gap is not None:
                _write_csr(f.create_group("synapses/gap"), connectome.gap, "weight")
    return path


def _write_array(group: h5py.Group, name: str, data: np.ndarray) -> h5py.Dataset:
    options = _COMPRESSION if data.size else {}
    return group.create_dataset(name, data=data, chunks=True if data.size else None, **options)


def _write_column(group: h5py.Group, key: str, column: Categorical | np.ndarray) -> None:
    if isinstance(column, Categorical):
        dataset = _write_array(group, key, column.codes)
        dataset.attrs["categories"] = np.array(column.categories, dtype=h5py.string_dtype())
    else:
        _write_array(group, key, np.asarray(column))


def _write_csr(group: h5py.Group, csr: SynapseCSR, weight_name: str) -> None:
    _write_array(group, "indptr", csr.indptr)
    _write_array(group, "indices", csr.indices)
    _write_array(group, weight_name, csr.weight)
    if csr.sign is not None:
        _write_array(group, "sign", csr.sign)


def read_native(path: str | os.PathLike, progress=None) -> Connectome:
    """Read a brainview-connectome HDF5 file, checking it against :data:`SCHEMA` first.

    Nothing outside the file is followed (see :mod:`brainview.connectome.io.hdf5`). Every
    dataset's shape is compared with the cell count (the length of /neurons/id) and every
    connection table's length with its row pointer before the large datasets are read; values
    are converted to the schema's dtypes only when the conversion is exact, and the
    connection tables are checked (targets in range, sorted and unique within each row, finite
    non-negative weights, signs of +1 or -1, symmetric gap junctions).

    Raises
    ------
    FormatError
        For any file that is not a valid brainview connectome: empty, truncated, not HDF5, of
        another or a newer format, with a missing, misshapen or wrongly typed dataset, values
        out of range, links or external storage. The error names the file (``.path``) and,
        where there is one, the dataset (``.column``).
    """
    path = Path(path)
    with open_hdf5(path) as h5:
        with h5.errors():
            _check_header(h5)
            plan = _plan(h5)
            meta = _read_meta(h5)
        columns = {}
        for step, (key, dataset, categories) in enumerate(plan.columns):
            if progress is not None:
                progress(0.3 * step / max(len(plan.columns), 1), f"reading column {key}")
            with h5.errors(column=dataset.name):
                columns[key] = _read_column(h5, key, dataset, categories)
        if progress is not None:
            progress(0.3, "reading synapses")
        with h5.errors(column="synapses/chemical"):
            chemical = _read_csr(h5, plan.chemical, plan.n, "count")
        with h5.errors(column="synapses/gap"):
            gap = None if plan.gap is None else _read_csr(h5, plan.gap, plan.n, "weight", symmetric=True)
        with h5.errors(column="neurons/position"):
            position = plan.position.read_as(np.float32)
            if not all_finite(position):
                raise h5.fail("positions must be finite", column=plan.position.name)
    try:
        connectome = Connectome(columns, position, chemical, gap, meta)
    except ValueError as error:  # InvalidConnectomeError among them
        raise FormatError(path, f"inconsistent contents: {error}") from None
    if progress is not None:
        progress(1.0, "done")
    return connectome


@dataclass
class _Plan:
    """The datasets of a file, opened and checked against each other, not yet read."""

    n: int
    columns: list[tuple[str, SafeDataset, tuple[str, ...] | None]]
    position: SafeDataset
    chemical: dict[str, SafeDataset]
    gap: dict[str, SafeDataset] | None


_SPECS = {spec.path: spec for spec in SCHEMA}
_MAX_CELLS = np.iinfo(np.int32).max  # connection targets are int32


def _check_header(h5: SafeFile) -> None:
    found = h5.attribute("/", "format", "scalar", default="")
    if found != FORMAT:
        raise h5.fail(f"not a brainview connectome file (root attribute format is {found!r}, expected {FORMAT!r})")
    version = h5.attribute("/", "format_version", "int")
    if version is None:
        raise h5.fail("no format_version attribute")
    if version > FORMAT_VERSION:
        raise h5.fail(
            f"format_version {version} is newer than this brainview reads ({FORMAT_VERSION}); upgrade brainview"
        )
    if version < 1:
        raise h5.fail(f"unknown format_version {version}")


def _plan(h5: SafeFile) -> _Plan:
    """Open every dataset and check shapes and storage against the cell count, reading none."""
    for spec in SCHEMA:
        if spec.required and not h5.has(spec.path):
            raise h5.fail(f"missing dataset /{spec.path} ({spec.doc})", column=spec.path)
    ids = _open(h5, "neurons/id")
    if len(ids.shape) != 1:
        raise h5.fail(f"/neurons/id must be 1-D, has shape {ids.shape}", column=ids.name)
    n = ids.shape[0]
    if n > _MAX_CELLS:
        raise h5.fail(f"{n} cells, more than brainview can index ({_MAX_CELLS})", column=ids.name)
    sizes = {"N": n}
    columns = [(key, *_open_column(h5, key, sizes)) for key in _column_names(h5)]
    position = _open(h5, "neurons/position", sizes)
    chemical = _open_csr(h5, "synapses/chemical", "count", sizes)
    gap = _open_csr(h5, "synapses/gap", "weight", sizes) if h5.has("synapses/gap") else None
    return _Plan(n, columns, position, chemical, gap)


def _open(h5: SafeFile, name: str, sizes: dict[str, int] | None = None) -> SafeDataset:
    """The dataset ``name``; with ``sizes``, its shape checked against its spec's dims."""
    spec = _SPECS.get(name)
    dataset = h5.dataset(name, spec.doc if spec else "")
    if spec is not None and sizes is not None:
        expected = _shape(spec.dims, sizes)
        if expected is not None and dataset.shape != expected:
            raise h5.fail(f"shape {dataset.shape}, expected {expected} ({spec.dims}: {spec.doc})", column=name)
        if len(dataset.shape) != spec.dims.count("x") + 1:
            raise h5.fail(f"shape {dataset.shape}, expected {spec.dims} ({spec.doc})", column=name)
    return dataset


def _shape(dims: str, sizes: dict[str, int]) -> tuple[int, ...] | None:
    """``"N x 3"`` -> (N, 3), ``"N + 1"`` -> (N + 1,); None while a size is not known yet."""
    shape = []
    for dim in dims.split(" x "):
        term, _, plus = dim.partition(" + ")
        base = int(term) if term.isdigit() else sizes.get(term)
        if base is None:
            return None
        shape.append(base + (int(plus) if plus else 0))
    return tuple(shape)


def _column_names(h5: SafeFile) -> list[str]:
    names = h5.attribute("neurons", "columns", "strs")
    if names is None:  # a file without the order: every dataset of /neurons but the positions
        names = [name for name in h5.members("neurons") if name != "position"]
    if len(set(names)) != len(names):
        raise h5.fail("/neurons attribute columns lists a column twice", column="neurons")
    for name in names:
        if not name or "/" in name or name in (".", "..", "position"):
            raise h5.fail(f"/neurons attribute columns lists {name!r}, which is not a column name", column="neurons")
    if "id" not in names:
        raise h5.fail("/neurons attribute columns does not list the id column", column="neurons")
    return names


def _open_column(h5: SafeFile, key: str, sizes: dict[str, int]) -> tuple[SafeDataset, tuple[str, ...] | None]:
    name = f"neurons/{key}"
    if not h5.has(name):
        raise h5.fail("column listed in /neurons but missing", column=name)
    dataset = _open(h5, name, sizes)
    if dataset.shape != (sizes["N"],):
        raise h5.fail(f"shape {dataset.shape}, expected ({sizes['N']},): one value per cell", column=name)
    categories = h5.attribute(name, "categories", "strs")
    if categories is not None:
        if name in _SPECS:
            raise h5.fail("a numeric column stored as categories", column=name)
        return dataset, tuple(categories)
    if key in STRING_COLUMNS:
        raise h5.fail("a string column stored without categories", column=name)
    return dataset, None


def _open_csr(h5: SafeFile, group: str, weight_name: str, sizes: dict[str, int]) -> dict[str, SafeDataset]:
    h5.group(group)
    parts = {"indptr": _open(h5, f"{group}/indptr", sizes), "indices": _open(h5, f"{group}/indices", sizes),
             weight_name: _open(h5, f"{group}/{weight_name}", sizes)}
    if h5.has(f"{group}/sign"):
        parts["sign"] = _open(h5, f"{group}/sign", sizes)
    for dataset in parts.values():
        if len(dataset.shape) != 1:
            raise h5.fail(f"shape {dataset.shape}, expected one value per connection", column=dataset.name)
    return parts


def _read_meta(h5: SafeFile) -> dict[str, str]:
    meta = {}
    for key in h5.attribute_names("/"):
        if key not in _RESERVED_ATTRS:
            value = h5.attribute("/", key, "scalar")
            meta[key] = value if isinstance(value, str) else str(value)
    return meta


def _read_column(
    h5: SafeFile, key: str, dataset: SafeDataset, categories: tuple[str, ...] | None
) -> Categorical | np.ndarray:
    if categories is not None:
        codes = dataset.read_as(np.int32)
        if codes.size and (codes.min() < -1 or codes.max() >= len(categories)):
            raise h5.fail(f"category codes must lie in [-1, {len(categories) - 1}], "
                          f"got [{codes.min()}, {codes.max()}]", column=dataset.name)
        try:
            return Categorical(codes, categories)
        except ValueError as error:
            raise h5.fail(str(error), column=dataset.name) from None
    spec = _SPECS.get(dataset.name)
    if spec is None:
        return dataset.read()  # an extra column keeps its stored type
    values = dataset.read_as(np.dtype(spec.dtype))
    if key == "radius" and not all(np.all(np.isnan(b) | ((b >= 0) & (b < np.inf))) for b in blocks(values)):
        raise h5.fail("radii must be finite and not negative (NaN: not known)", column=dataset.name)
    return values


def _read_csr(
    h5: SafeFile, parts: dict[str, SafeDataset], n: int, weight_name: str, symmetric: bool = False
) -> SynapseCSR:
    """One connection table, its row pointer checked before the rest is read."""
    def fail(key: str, problem: str) -> FormatError:
        return h5.fail(problem, column=parts[key].name)

    indptr = parts["indptr"].read_as(np.int64)
    steps = np.diff(indptr)
    if indptr[0] != 0 or (steps.size and steps.min() < 0):
        raise fail("indptr", "row pointers must start at 0 and never decrease")
    if steps.size and steps.max() > n:
        raise fail("indptr", f"a row lists {steps.max()} targets, more than the {n} cells")
    del steps
    count = int(indptr[-1])
    for key, dataset in parts.items():
        if key != "indptr" and dataset.shape != (count,):
            raise fail(key, f"{dataset.shape[0]} entries, but the row pointers say {count}")
    indices = parts["indices"].read_as(np.int32)
    if count and (indices.min() < 0 or indices.max() >= n):
        raise fail("indices", f"connection targets must lie in [0, {n - 1}], got [{indices.min()}, {indices.max()}]")
    bad = _first_unsorted(indptr, indices)
    if bad is not None:
        raise fail("indices", f"the targets of cell row {bad} are not sorted and unique")
    weight = parts[weight_name].read_as(np.float32)
    if not all_finite(weight) or (weight.size and weight.min() < 0):
        raise fail(weight_name, f"{weight_name} values must be finite and not negative")
    sign = None
    if "sign" in parts:
        sign = parts["sign"].read_as(np.int8)
        if not all(np.isin(block, (-1, 1)).all() for block in blocks(sign)):
            raise fail("sign", "signs must be +1 (excitatory) or -1 (inhibitory)")
    if symmetric and not _is_symmetric(indptr, indices, weight, n):
        raise fail("indices", "gap junctions must be symmetric: every i -> j needs a j -> i of equal weight")
    try:
        return SynapseCSR(indptr, indices, weight, sign)
    except ValueError as error:
        raise h5.fail(f"bad synapse table: {error}", column=parts["indptr"].name.rsplit("/", 1)[0]) from None


def _first_unsorted(indptr: np.ndarray, indices: np.ndarray) -> int | None:
    """The first row whose targets are not strictly increasing, or None (checked in blocks)."""
    total = indices.size
    for start in range(0, max(total - 1, 0), BLOCK):
        stop = min(start + BLOCK, total - 1)  # pairs (k, k + 1) for k in [start, stop)
        rising = indices[start + 1 : stop + 1] > indices[start:stop]
        row_starts = indptr[np.searchsorted(indptr, start + 1) : np.searchsorted(indptr, stop, side="right")]
        rising[row_starts - 1 - start] = True  # a new row may start lower
        if not rising.all():
            first = start + int(np.argmin(rising))
            return int(np.searchsorted(indptr, first, side="right") - 1)
    return None


def _is_symmetric(indptr: np.ndarray, indices: np.ndarray, weight: np.ndarray, n: int) -> bool:
    """True when every i -> j has a j -> i of exactly the same weight."""
    if not np.array_equal(np.bincount(indices, minlength=n), np.diff(indptr)):
        return False
    # Sorted by target (stably, so by source within a target), the connections are the
    # transposed table's rows: a symmetric table's transpose is the table itself.
    order = np.argsort(indices, kind="stable")
    for start in range(0, order.size, BLOCK):
        block = order[start : start + BLOCK]
        sources = np.searchsorted(indptr, block, side="right") - 1
        if not (np.array_equal(sources, indices[start : start + BLOCK])
                and np.array_equal(weight[block], weight[start : start + BLOCK])):
            return False
    return True
