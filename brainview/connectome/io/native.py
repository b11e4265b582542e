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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.errors import FormatError
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

    Returns the path written.
    """
    from brainview import __version__

    path = Path(path)
    with atomic_output(path) as temporary:
        with h5py.File(temporary, "w", libver="v110") as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["brainview_version"] = __version__
            for key, value in connectome.meta.items():
                if key not in _RESERVED_ATTRS:
                    f.attrs[key] = value
            neurons = f.create_group("neurons")
            neurons.attrs["columns"] = list(connectome.columns)
            for key, column in connectome.columns.items():
                _write_column(neurons, key, column)
            _write_array(neurons, "position", connectome.position)
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
    """Read a brainview-connectome HDF5 file.

    Raises
    ------
    FormatError
        If the file is empty, truncated, not HDF5, not a brainview connectome, of a newer
        format version, or lacks a required dataset.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise FormatError(path, f"not a readable HDF5 file (truncated or foreign?): {error}") from None
    with f:
        _check_header(path, f)
        for spec in SCHEMA:
            if spec.required and spec.path not in f:
                raise FormatError(path, f"missing dataset /{spec.path} ({spec.doc})", column=spec.path)
        meta = {k: _attr_str(v) for k, v in f.attrs.items() if k not in _RESERVED_ATTRS}
        neurons = f["neurons"]
        names = [_attr_str(c) for c in neurons.attrs.get("columns", list(neurons))]
        columns = {}
        for step, key in enumerate(names):
            if progress is not None:
                progress(0.3 * step / max(len(names), 1), f"reading column {key}")
            columns[key] = _read_column(path, neurons, key)
        if progress is not None:
            progress(0.3, "reading synapses")
        chemical = _read_csr(path, f["synapses/chemical"], "count")
        gap = _read_csr(path, f["synapses/gap"], "weight") if "synapses/gap" in f else None
        position = neurons["position"][()]
    try:
        connectome = Connectome(columns, position, chemical, gap, meta)
    except ValueError as error:
        raise FormatError(path, f"inconsistent contents: {error}") from None
    if progress is not None:
        progress(1.0, "done")
    return connectome


def _check_header(path: Path, f: h5py.File) -> None:
    found = _attr_str(f.attrs.get("format", ""))
    if found != FORMAT:
        raise FormatError(
            path, f"not a brainview connectome file (root attribute format is {found!r}, expected {FORMAT!r})"
        )
    version = int(f.attrs.get("format_version", -1))
    if version > FORMAT_VERSION:
        raise FormatError(
            path, f"format_version {version} is newer than this brainview reads ({FORMAT_VERSION}); upgrade brainview"
        )


def _read_column(path: Path, group: h5py.Group, key: str) -> Categorical | np.ndarray:
    if key not in group:
        raise FormatError(path, f"column listed in /neurons but missing", column=f"neurons/{key}")
    dataset = group[key]
    data = dataset[()]
    if "categories" in dataset.attrs:
        categories = [_attr_str(c) for c in dataset.attrs["categories"]]
        try:
            return Categorical(data, tuple(categories))
        except ValueError as error:
            raise FormatError(path, str(error), column=f"neurons/{key}") from None
    return data


def _read_csr(path: Path, group: h5py.Group, weight_name: str) -> SynapseCSR:
    try:
        return SynapseCSR(
            group["indptr"][()],
            group["indices"][()],
            group[weight_name][()],
            group["sign"][()] if "sign" in group else None,
        )
    except (KeyError, ValueError) as error:
        raise FormatError(path, f"bad synapse table: {error}", column=group.name) from None


def _attr_str(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
