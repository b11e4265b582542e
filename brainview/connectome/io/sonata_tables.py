"""The tables of a SONATA circuit: node and edge populations (HDF5) and types files (text).

:func:`read_table` reads one population of a nodes or edges file, through the safe HDF5
reader, into a :class:`Table` whose attributes are resolved per node (edge) from their groups
(``node_group_id`` / ``node_group_index``) and ``@library`` codes; :func:`parse_types` parses a
node or edge types file, and :func:`lookup_types` gives its columns to a table's rows by type id.
See :mod:`brainview.connectome.io.sonata` for the format.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.io._text_files import one_line, shown
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.hdf5 import SafeFile

EDGE_ATTRIBUTES = frozenset({"syn_weight", "nsyns", "count", "sign", "conductance", "weight"})
"""The edge attributes brainview reads (the others are simulator details: delays, locations)."""

NULLS = {"", "NULL", "null", "None", "NONE", "nan", "NaN"}
"""Values of a types file that mean 'not given'."""


@dataclass
class Table:
    """One node or edge population: its size, type ids and attributes by row.

    ``attributes`` holds one array of ``n`` values per attribute: numbers (NaN where missing
    when several groups are merged) or an object array of str (None where missing). Edge
    tables also hold ``ends`` (``source`` and ``target`` node ids) and ``populations`` (the node
    population of each end); ``kind`` is the population type the config gives ("" if none).
    """

    file: Path
    name: str
    n: int
    type_ids: np.ndarray | None
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    ends: dict[str, np.ndarray] = field(default_factory=dict)
    populations: dict[str, str] = field(default_factory=dict)
    kind: str = ""


def read_table(h5: SafeFile, kind: str, name: str, wanted: frozenset[str] | None = None) -> Table:
    """Population ``name`` of the ``kind`` ("nodes" or "edges") file open in ``h5``.

    Every dataset's shape is checked against the population's size before any is read;
    ``wanted`` limits the attributes read (None: all).
    """
    base = f"{kind}/{name}"
    if not name or "/" in name or not name.isprintable():
        raise h5.fail(f"bad population name {shown(name)}", column=kind)
    h5.group(base)
    singular = kind[:-1]
    if kind == "nodes":
        sizes = _one_d(h5, f"{base}/node_type_id", None)
        ends = {}
    else:
        sizes = _one_d(h5, f"{base}/source_node_id", None)
        ends = {end: _one_d(h5, f"{base}/{end}_node_id", sizes.shape[0]) for end in ("source", "target")}
    n = sizes.shape[0]
    type_name = f"{base}/{singular}_type_id"
    types = _one_d(h5, type_name, n) if h5.has(type_name) else None
    group_ids = _one_d(h5, f"{base}/{singular}_group_id", n) if h5.has(f"{base}/{singular}_group_id") else None
    group_rows = _one_d(h5, f"{base}/{singular}_group_index", n) if h5.has(f"{base}/{singular}_group_index") else None
    if (group_ids is None) != (group_rows is None):
        raise h5.fail(f"{singular}_group_id and {singular}_group_index come together", column=base)
    groups = [m for m in h5.members(base) if m.isascii() and m.isdigit() and _is_group(h5, f"{base}/{m}")]
    table = Table(h5.path, name, n, None)
    for end, dataset in ends.items():
        table.ends[end] = dataset.read_as(np.int64)
        table.populations[end] = h5.attribute(dataset.name, "node_population", "str", default="")
    if types is not None:
        table.type_ids = types.read_as(np.int64)
    if group_ids is None:
        if not groups:
            return table  # no attributes at all
        if len(groups) > 1:
            raise h5.fail(f"{len(groups)} attribute groups but no {singular}_group_id", column=base)
        which, rows = np.zeros(n, np.int64), np.arange(n, dtype=np.int64)
    else:
        which, rows = group_ids.read_as(np.int64), group_rows.read_as(np.int64)
    known = np.isin(which, [int(g) for g in groups])
    if not known.all():
        raise h5.fail(f"{singular}_group_id {which[~known][0]} names no attribute group",
                      column=f"{base}/{singular}_group_id")
    for group in groups:
        mine = np.flatnonzero(which == int(group))
        length, columns = _group_columns(h5, f"{base}/{group}", wanted)
        index = rows[mine]
        if length is None:  # a group without attributes: nothing to index
            continue
        if index.size and (index.min() < 0 or index.max() >= length):
            raise h5.fail(f"{singular}_group_index must lie in [0, {length}) for group {group}",
                          column=f"{base}/{singular}_group_index")
        for key, values in columns.items():
            _place(table, key, values, mine, index)
    return table


def _one_d(h5: SafeFile, name: str, n: int | None):
    dataset = h5.dataset(name)
    if len(dataset.shape) != 1 or (n is not None and dataset.shape[0] != n):
        expected = "one value per row" if n is None else f"({n},)"
        raise h5.fail(f"shape {dataset.shape}, expected {expected}", column=name)
    return dataset


def _is_group(h5: SafeFile, name: str) -> bool:
    parent, _, key = name.rpartition("/")
    return h5.group(parent).get(key, getclass=True) is h5py.Group


def _group_columns(h5: SafeFile, path: str, wanted: frozenset[str] | None) -> tuple[int | None, dict[str, np.ndarray]]:
    """The attribute datasets of one group: their common length (None without any), and their values."""
    group = h5.group(path)
    members = h5.members(path)
    has_library = "@library" in members and _is_group(h5, f"{path}/@library")
    library = set(h5.members(f"{path}/@library")) if has_library else set()
    columns: dict[str, np.ndarray] = {}
    length: int | None = None
    for key in members:
        if (wanted is not None and key not in wanted) or group.get(key, getclass=True) is not h5py.Dataset:
            continue
        if not key.isprintable():
            raise h5.fail(f"bad attribute name {shown(key)}", column=path)
        name = f"{path}/{key}"
        dtype = group[key].dtype
        numeric = dtype.kind in "iufb" and not dtype.fields and not dtype.subdtype
        text = h5py.check_string_dtype(dtype) is not None and h5py.check_string_dtype(dtype).length is None
        if key in library:
            values = _library(h5, name, f"{path}/@library/{key}") if numeric else None
        elif numeric:
            dataset = h5.dataset(name)
            if key == "positions" and len(dataset.shape) == 2 and dataset.shape[1] == 3:
                xyz = dataset.read_as(np.float64)
                length = _same_length(h5, name, length, xyz.shape[0])
                for axis, values in zip("xyz", xyz.T):
                    columns.setdefault(axis, values.copy())
                continue
            values = dataset.read() if len(dataset.shape) == 1 else None
        elif text:
            dataset = h5.dataset(name, strings=True)
            values = np.array(dataset.read_strings(), dtype=object) if len(dataset.shape) == 1 else None
        else:
            values = None  # a fixed-length string, compound or reference dataset: not read
        if values is not None:
            length = _same_length(h5, name, length, values.shape[0])
            columns[key] = values
    return length, columns


def _same_length(h5: SafeFile, name: str, length: int | None, found: int) -> int:
    if length is not None and found != length:
        raise h5.fail(f"{found} values, but the group's other attributes have {length}", column=name)
    return found


def _library(h5: SafeFile, name: str, library_name: str) -> np.ndarray | None:
    """String values stored as codes into ``@library/<name>``; None for a library of another type."""
    library = h5.group(library_name.rpartition("/")[0])[library_name.rpartition("/")[2]]
    info = h5py.check_string_dtype(library.dtype) if isinstance(library, h5py.Dataset) else None
    if info is None or info.length is not None:
        return None
    strings = np.array(h5.dataset(library_name, strings=True).read_strings() + [None], dtype=object)
    codes_set = h5.dataset(name)
    if len(codes_set.shape) != 1:
        raise h5.fail(f"shape {codes_set.shape}, expected one code per row", column=name)
    codes = codes_set.read_as(np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= strings.size - 1):
        raise h5.fail(f"codes must lie in [0, {strings.size - 1}) (the @library entries), got "
                      f"[{codes.min()}, {codes.max()}]", column=name)
    values = strings[codes]
    values[values == ""] = None
    return values


def _place(table: Table, key: str, values: np.ndarray, rows: np.ndarray, index: np.ndarray) -> None:
    """Put one group's attribute values into the table's rows ``rows`` (``index`` into the group)."""
    taken = values[index]
    current = table.attributes.get(key)
    if current is None and rows.size == table.n:
        table.attributes[key] = taken  # one group for every row: keep the stored type
        return
    text = taken.dtype == object or (current is not None and current.dtype == object)
    if current is None:
        current = np.full(table.n, None, dtype=object) if text else np.full(table.n, np.nan)
    elif text and current.dtype != object:
        current = texts(current)
    elif not text and current.dtype.kind != "f":
        current = current.astype(np.float64)
    current[rows] = texts(taken) if text else taken.astype(np.float64)
    table.attributes[key] = current


def texts(values: np.ndarray) -> np.ndarray:
    """Numbers as text (whole numbers without ``.0``; NaN as None); text unchanged."""
    if values.dtype == object:
        return values
    out = np.empty(values.size, dtype=object)
    for k, value in enumerate(values.tolist()):
        if isinstance(value, float):
            whole = not math.isnan(value) and value.is_integer() and abs(value) < 2**63
            out[k] = None if math.isnan(value) else (str(int(value)) if whole else repr(value))
        else:
            out[k] = str(value)
    return out


# -- types files -------------------------------------------------------------------------------
def text_of(path: Path, limit: int) -> str:
    """The UTF-8 text of a small file; FormatError if it is larger than ``limit`` bytes or not text."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise FormatError(path, f"a types table of {size} bytes; brainview reads up to {limit}")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(path, f"not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise FormatError(path, f"cannot read the file: {one_line(str(error.strerror or error))}") from None


def parse_types(text: str, path: Path, key: str) -> dict[str, dict[int, object]]:
    """A types table (space-separated, quoted with ``"``) as ``{column: {type_id: value}}``.

    Columns whose given values are all numbers hold floats; the others hold str. Values in
    :data:`NULLS` are left out (not given).
    """
    if "\0" in text:
        raise FormatError(path, "not a text table (it holds NUL bytes)")
    try:
        rows = [(k + 1, [f for f in row]) for k, row in enumerate(csv.reader(
            io.StringIO(text, newline=""), delimiter=" ", quotechar='"', skipinitialspace=True))]
    except csv.Error as error:
        raise FormatError(path, f"not a valid types table: {one_line(str(error))}") from None
    rows = [(line, _trimmed(row)) for line, row in rows if _trimmed(row)]
    if not rows:
        raise FormatError(path, "the types table is empty")
    header_line, header = rows[0]
    if key not in header:
        raise FormatError(path, f"no {key} column (the header names {shown(' '.join(header), 200)})", line=header_line)
    if len(set(header)) != len(header):
        raise FormatError(path, "the header names a column twice", line=header_line)
    table: dict[str, dict[int, str]] = {name: {} for name in header if name != key}
    seen: set[int] = set()
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise FormatError(path, f"{len(row)} values, the header has {len(header)} columns", line=line)
        values = dict(zip(header, row))
        try:
            type_id = int(values[key])
        except ValueError:
            raise FormatError(path, f"expected an integer type id, got {shown(values[key], 60)}", line=line,
                              column=key) from None
        if type_id in seen:
            raise FormatError(path, f"type id {type_id} appears twice", line=line, column=key)
        seen.add(type_id)
        for name, value in values.items():
            if name != key and value not in NULLS:
                table[name][type_id] = value
    return {name: _column(values) for name, values in table.items() if values}


def _trimmed(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def _column(values: dict[int, str]) -> dict[int, object]:
    try:
        numbers = {k: float(v) for k, v in values.items()}
    except ValueError:
        return dict(values)
    return numbers if all(math.isfinite(v) for v in numbers.values()) else dict(values)


def lookup_types(table: Table, types: dict[str, dict[int, object]], path: Path) -> None:
    """Give ``table``'s rows the types table's columns where the rows do not set them."""
    if table.type_ids is None:
        return
    ids, inverse = np.unique(table.type_ids, return_inverse=True)
    for name, by_type in types.items():
        if table.ends and name not in EDGE_ATTRIBUTES:
            continue
        numeric = all(isinstance(v, float) for v in by_type.values())
        if numeric:
            values = np.array([by_type.get(int(i), np.nan) for i in ids], dtype=np.float64)[inverse]
        else:
            values = np.array([None if by_type.get(int(i)) is None else str(by_type[int(i)]) for i in ids],
                              dtype=object)[inverse]
        current = table.attributes.get(name)
        if current is None:
            table.attributes[name] = values
            continue
        text = current.dtype == object or not numeric
        merged = texts(current) if text else current.astype(np.float64)
        missing = np.array([v is None for v in merged]) if text else np.isnan(merged)
        merged[missing] = (texts(values) if text else values)[missing]
        table.attributes[name] = merged
