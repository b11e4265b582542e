"""The inputs of Shiu et al. 2024's whole-brain fly model (Nature 634:210).

``Completeness_<v>.csv``
    One row per neuron; the row order is the model's neuron index. The first column (unnamed,
    written by pandas as the index) is the FlyWire root id; ``Completed`` (True/False) says
    whether the neuron's reconstruction was marked complete.
``Connectivity_<v>.parquet`` (or ``.csv``)
    One row per connected pair: ``Presynaptic_ID``, ``Postsynaptic_ID`` (root ids),
    ``Presynaptic_Index``, ``Postsynaptic_Index`` (rows of Completeness), ``Connectivity``
    (synapse count), ``Excitatory`` (1 or 0) and ``Excitatory x Connectivity`` (signed count).

Cells keep the Completeness order. Connections are matched by root id (or, without id
columns, by index); the sign comes from ``Excitatory`` (1 -> +1, 0 -> -1) or else from the
sign of ``Excitatory x Connectivity``. ``Connectivity`` must lie between 0 and
:data:`~brainview.connectome.io._columns.MAX_COUNT`. Reading Parquet needs pyarrow
(``brainview[parquet]``); its columns are checked like the CSV's, and errors name the row.

Shiu's files carry no cell types. When FlyWire Codex annotation tables (``neurons``,
``classification``, ``consolidated_cell_types``, ``coordinates``) lie in the same folder, as in a
FlyWire download, their columns and positions are joined on root id; otherwise cells are named
by root id and laid out (:mod:`brainview.connectome.layout`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress, codex
from brainview.connectome.io._columns import (
    MAX_COUNT,
    Field,
    first_bad_text,
    first_duplicate_row,
    index_in,
    is_number,
    match_fields,
)
from brainview.connectome.io._tables import Table, read_table
from brainview.connectome.io._text_files import (
    delimiter_of,
    header_line,
    one_line,
    shown,
    split_line,
)
from brainview.connectome.io.errors import FormatError
from brainview.connectome.layout import complete_positions
from brainview.connectome.subsystems import apply_subsystems, rules_for
from brainview.connectome.synapses import SynapseCSR

COMPLETENESS_FIELDS = (Field("root_id", "int"), Field("Completed", "text", required=False))
CONNECTIVITY_FIELDS = (
    Field("Presynaptic_ID", "int", required=False),
    Field("Postsynaptic_ID", "int", required=False),
    Field("Presynaptic_Index", "int", required=False),
    Field("Postsynaptic_Index", "int", required=False),
    Field("Connectivity", "float", minimum=0.0, maximum=MAX_COUNT),
    Field("Excitatory", "float", required=False),
    Field("Excitatory x Connectivity", "float", required=False),
)

META = {
    "species": "Drosophila melanogaster",
    "source": "Shiu et al. 2024 model inputs (Completeness + Connectivity)",
    "citation": "Shiu et al. 2024, Nature 634:210; FlyWire: Dorkenwald et al. 2024, Nature 634:124",
    "license": "MIT (model files); FlyWire data CC BY-NC 4.0",
    "units": "synapse counts",
}

_CONNECTIVITY = re.compile(r"^Connectivity_(.+?)\.(parquet|csv|csv\.gz)$", re.IGNORECASE)


def find_files(path: Path) -> tuple[Path, Path, str]:
    """(Completeness file, Connectivity file, version) for a folder or a Connectivity file."""
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        candidates = sorted(p for p in folder.iterdir() if _CONNECTIVITY.match(p.name))
        versions = sorted({_CONNECTIVITY.match(p.name).group(1) for p in candidates})
        if not candidates:
            raise FormatError(path, "no Connectivity_<version>.parquet or .csv in this folder")
        if len(versions) > 1:
            raise FormatError(path, f"several Connectivity versions ({', '.join(versions)}); pass one file")
        # The original is Parquet; a CSV beside it is a copy.
        connectivity = min(candidates, key=lambda p: not p.name.lower().endswith(".parquet"))
    else:
        connectivity = path
    match = _CONNECTIVITY.match(connectivity.name)
    version = match.group(1) if match else ""
    for suffix in (".csv", ".csv.gz"):
        completeness = folder / f"Completeness_{version}{suffix}"
        if completeness.is_file():
            return completeness, connectivity, version
    others = sorted(folder.glob("Completeness_*.csv*"))
    if len(others) == 1:
        return others[0], connectivity, version
    raise FormatError(connectivity, f"expected Completeness_{version or '<version>'}.csv(.gz) beside it (the neuron list)")


def read_shiu(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read Shiu et al.'s Completeness and Connectivity files (a folder, or the Connectivity file).

    Raises
    ------
    FormatError
        For a missing file or column, a non-numeric value, an edge to a root id (or index)
        that Completeness does not list, or Parquet input without pyarrow installed.
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    completeness_path, connectivity_path, version = find_files(path)
    report(0.0, f"reading {completeness_path.name}")
    neurons = read_completeness(completeness_path)
    report(0.1, f"reading {connectivity_path.name}")
    if connectivity_path.name.lower().endswith(".parquet"):
        connectivity = read_parquet(connectivity_path, CONNECTIVITY_FIELDS)
    else:
        connectivity = read_table(connectivity_path, CONNECTIVITY_FIELDS)
    report(0.5, "building the synapse table")
    ids = neurons["root_id"]
    chemical = parse_connectivity(connectivity, ids, completeness_path.name)
    report(0.7, "joining annotations")
    folder = completeness_path.parent
    columns, position = annotate(ids, folder)
    annotated = bool({"neurons", "classification"} & set(codex.find_tables(folder)))
    columns["completed"] = completed_flags(neurons)
    meta = dict(META, name=f"Shiu et al. 2024 fly brain model ({version or folder.name})", version=version)
    if position is not None:
        meta["coordinate_frame"] = codex.META["coordinate_frame"]
    report(0.8, "placing neurons")
    position = complete_positions(position, chemical, None, meta)
    try:
        connectome = Connectome(columns, position, chemical, None, meta)
    except ValueError as error:  # what the data model refuses and the checks above let through
        raise FormatError(connectivity_path, f"not a valid connectome: {one_line(str(error))}") from None
    if annotated:  # root ids alone say nothing the rules can use; the Codex tables beside them do
        report(0.95, "applying the FlyWire subsystem rules")
        connectome = apply_subsystems(connectome, rules_for(codex.SUBSYSTEM_RULES))
    report(1.0, "done")
    return connectome


def read_completeness(path: Path) -> Table:
    """The Completeness table: ``root_id`` (the first column, whatever its header says) and ``Completed``."""
    line = header_line(path)
    header = split_line(line, delimiter_of(path, line), path)
    table = read_table(path, COMPLETENESS_FIELDS, names=["root_id", *header[1:]])
    if table.n_rows == 0:
        raise FormatError(path, "no neurons: the file has a header but no rows")
    repeat = first_duplicate_row(table["root_id"])
    if repeat is not None:
        raise table.error(f"root id {table['root_id'][repeat]} appears twice", repeat, "root_id")
    return table


def completed_flags(neurons: Table) -> np.ndarray:
    """bool per neuron from the ``Completed`` column (False where it is absent or not true)."""
    if "Completed" not in neurons:
        return np.zeros(neurons.n_rows, bool)
    flags = neurons["Completed"]
    truthy = np.array([c.strip().lower() in ("true", "1", "yes", "t") for c in flags.categories] + [False])
    return truthy[flags.codes]


def read_parquet(path: Path, fields: tuple[Field, ...]) -> Table:
    """The columns ``fields`` of a Parquet file, checked like a CSV table (errors name the row)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise FormatError(
            path, "reading Parquet needs pyarrow: pip install 'brainview[parquet]' (or save the table as CSV)"
        ) from None
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    # Whatever a damaged file makes pyarrow raise (ArrowInvalid, OSError, a UnicodeDecodeError
    # for column names that are not UTF-8, ...) is a FormatError.
    damaged = (pa.ArrowException, OSError, EOFError, ValueError, TypeError, KeyError, IndexError)
    try:
        header = tuple(pq.read_schema(path).names)
        source = match_fields(path, header, fields)
        for name in {source[f.name] for f in fields if f.name in source}:
            if header.count(name) > 1:
                raise FormatError(path, f"the column {shown(name)} appears {header.count(name)} times")
        table = pq.read_table(path, columns=[source[f.name] for f in fields if f.name in source])
        located = Table(path, header, {}, source, table.num_rows, text=False)
        values = {f.name: table.column(source[f.name]).to_pandas() for f in fields if f.name in source}
    except FormatError:
        raise
    except damaged as error:
        raise FormatError(path, f"not a readable Parquet file: {one_line(str(error)) or type(error).__name__}") from None
    columns = {name: _parquet_numbers(located, next(f for f in fields if f.name == name), column)
               for name, column in values.items()}
    return Table(path, header, columns, source, table.num_rows, text=False)


def _parquet_numbers(table: Table, field: Field, values: pd.Series) -> np.ndarray:
    """A Parquet column as int64 or float64, checked like a CSV column (errors name the row)."""
    dtype = np.int64 if field.kind == "int" else np.float64
    low, high = field.bounds
    if values.dtype.kind in "iubf":
        raw = values.to_numpy()
        with np.errstate(invalid="ignore"):
            good = (raw >= low) & (raw <= high)  # False for NaN
            if raw.dtype.kind == "f":
                if field.kind == "int":  # whole numbers within int64 (2**63 itself is not)
                    good &= (raw == np.round(raw)) & (raw >= -(2.0**63)) & (raw < 2.0**63)
                elif field.missing_ok:
                    good |= np.isnan(raw)
            elif raw.dtype == np.uint64 and field.kind == "int":
                good &= raw <= np.iinfo(np.int64).max
        bad = np.flatnonzero(~good)
        if not bad.size:
            return raw.astype(dtype)
        row = int(bad[0])
        value = raw[row]
        got = "an empty value" if raw.dtype.kind == "f" and np.isnan(value) else shown(str(value))
        raise table.error(f"expected {field.expected(number=got != 'an empty value')}, got {got}", row, field.name)
    # Text (or another type): plain decimal integers only, as no CSV engine's leniency applies.
    found = first_bad_text(values, field, strict=True)
    if found is None:
        text = values.astype(str).str.strip()
        return pd.to_numeric(text.where(text != "", "nan"), errors="coerce").to_numpy(dtype=dtype)
    row, text = found
    got = "an empty value" if text in ("", "nan", "None", "<NA>") else shown(text)
    raise table.error(f"expected {field.expected(number=is_number(text))}, got {got}", row, field.name)


def parse_connectivity(connectivity: Table, ids: np.ndarray, completeness_name: str) -> SynapseCSR:
    """Connections onto the Completeness rows ``ids`` (root ids, in model order)."""
    n = ids.size
    if "Presynaptic_ID" in connectivity and "Postsynaptic_ID" in connectivity:
        names = ("Presynaptic_ID", "Postsynaptic_ID")
        ends = [index_in(ids, connectivity[name]) for name in names]
        problem = "edge to an unknown neuron id {} (not in " + completeness_name + ")"
    elif "Presynaptic_Index" in connectivity and "Postsynaptic_Index" in connectivity:
        names = ("Presynaptic_Index", "Postsynaptic_Index")
        ends = [np.where((connectivity[k] >= 0) & (connectivity[k] < n), connectivity[k], -1) for k in names]
        problem = "edge to an unknown neuron index {} (" + completeness_name + f" has {n} rows)"
    else:
        raise FormatError(
            connectivity.path,
            "missing columns: expected Presynaptic_ID and Postsynaptic_ID (or Presynaptic_Index and "
            f"Postsynaptic_Index); the columns found are {', '.join(map(repr, connectivity.header))}",
        )
    _raise_first_unknown(connectivity, ends, names, problem)
    if "Excitatory" in connectivity:
        sign = np.where(connectivity["Excitatory"] > 0, 1, -1)
    elif "Excitatory x Connectivity" in connectivity:
        sign = np.where(connectivity["Excitatory x Connectivity"] < 0, -1, 1)
    else:
        raise FormatError(
            connectivity.path,
            "missing column 'Excitatory' (or 'Excitatory x Connectivity'), which gives the sign; "
            f"the columns found are {', '.join(map(repr, connectivity.header))}",
        )
    try:  # counts are at most MAX_COUNT, so no pair's sum overflows: this is the last line of defence
        return SynapseCSR.from_edges(ends[0], ends[1], connectivity["Connectivity"], n, sign.astype(np.int8))
    except ValueError as error:
        raise connectivity.error(f"invalid connections: {one_line(str(error))}", field="Connectivity") from None


def _raise_first_unknown(table: Table, ends: list[np.ndarray], names: tuple[str, str], problem: str) -> None:
    bad = [(int(np.flatnonzero(e < 0)[0]), name) for e, name in zip(ends, names) if (e < 0).any()]
    if bad:
        row, name = min(bad)
        raise table.error(problem.format(table[name][row]), row, name)


def annotate(ids: np.ndarray, folder: Path) -> tuple[dict, np.ndarray | None]:
    """Connectome columns for the root ids ``ids``, from Codex tables in ``folder`` when present.

    Returns the columns and (N, 3) positions in micrometres (NaN where unknown), or None for
    the positions when the folder has no Codex ``coordinates`` table.
    """
    tables = codex.find_tables(folder)
    n = ids.size
    if "neurons" in tables or "classification" in tables:
        annotations = codex.read_codex_annotations(folder, tables)
        rows = index_in(annotations["id"], ids)
        columns = {key: _gather(value, rows) for key, value in annotations.items() if key != "id"}
        names = columns["name"].to_strings()
        columns["name"] = Categorical.from_values(np.where(names == "", ids.astype(str).astype(object), names))
        nt = columns["nt"]
        columns["nt"] = Categorical.from_values(np.where(nt.codes == MISSING, "unknown", nt.to_strings()))
    else:
        columns = {"name": Categorical.from_values(ids.astype(str)), "nt": Categorical.filled(n, "unknown")}
    columns["id"] = ids
    columns["kind"] = Categorical.filled(n, "neuron")
    position = None
    if "coordinates" in tables:
        position = codex.parse_coordinates(read_table(tables["coordinates"], codex.COORDINATE_FIELDS), ids)
    return columns, position


def _gather(column: np.ndarray | Categorical, rows: np.ndarray) -> np.ndarray | Categorical:
    """``column[rows]``, missing (NaN or no label) where ``rows`` is -1."""
    found = rows >= 0
    if not len(column):  # annotation tables without rows
        return Categorical.filled(rows.size) if isinstance(column, Categorical) else np.full(rows.size, np.nan)
    safe = np.where(found, rows, 0)
    if isinstance(column, Categorical):
        codes = np.where(found, column.codes[safe], MISSING).astype(np.int32)
        return Categorical.from_codes_compact(codes, column.categories)
    return np.where(found, column[safe], np.nan).astype(column.dtype)
