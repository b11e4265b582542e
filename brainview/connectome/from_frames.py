"""Connectomes from pandas DataFrames: the tables of neuprint-python, navis and FlyWire.

``cells`` has one row per cell and ``edges`` one row per connection (or per connection and
region: repeated pairs are summed). The column names are those the file readers accept, so a
table read from a file, fetched from a server or written by
:meth:`~brainview.connectome.Connectome.to_pandas` works as it is:

==============  =======================================================================
what            column names (case-insensitive, the first one present is used)
==============  =======================================================================
cell id         ``id``, ``node_id``, ``bodyId`` (neuPrint, navis), ``root_id`` (FlyWire),
                ``skeleton_id``; whole numbers, unique (an index of that name works too)
cell name       ``name``, ``label``; else the neuPrint ``instance`` or the cell type, made
                unique with the id, as the neuPrint reader names cells; else the id
annotations     ``cell_type``/``type``, ``cell_class``/``class``, ``super_class``, ``region``
                (``roi``, ``primaryRoi``), ``side`` (``somaSide``), ``nt``
                (``predictedNt``, ``nt_type``...), ``kind``, ``subsystem``, ``radius``
position        ``x, y, z`` or ``soma_x, soma_y, soma_z`` in micrometres; cells without
                one are laid out (:func:`~brainview.connectome.layout.complete_positions`)
edge ends       ``pre``/``post``, ``bodyId_pre``/``bodyId_post`` (neuPrint),
                ``pre_root_id``/``post_root_id`` (FlyWire), ``source``/``target``,
                ``pre_id``/``post_id``: cell ids, or cell names
edge weight     ``weight`` (neuPrint), ``syn_count`` (FlyWire), ``count``; 1 when absent
edge sign       ``sign`` (negative: inhibitory); else a negative weight; else the presynaptic
                cell's ``nt`` (see ``inhibitory`` below)
==============  =======================================================================

Any other cell column is kept as it is. The parsing is the edge-list reader's
(:func:`brainview.connectome.io.edgelist.parse_edgelist`, with the spellings of the neuPrint
and Codex readers added), so a DataFrame and a CSV file of the same table give the same
connectome.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.arrays import exact_integers
from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import codex, edgelist, neuprint
from brainview.connectome.io._columns import Field, decimal_int64, index_in, readable_names
from brainview.connectome.io._tables import Table
from brainview.connectome.io._text_files import shown
from brainview.connectome.io.errors import FormatError
from brainview.connectome.layout import complete_positions
from brainview.connectome.neurotransmitters import FLY_INHIBITORY, WORM_INHIBITORY, sign_from_nt
from brainview.connectome.synapses import SynapseCSR
from brainview.errors import InvalidConnectomeError, ParameterError

NEUPRINT_EDGE_ENDS = ("bodyId_pre", "bodyId_post")
"""The edge ends of neuPrint's ``traced-total-connections`` and of neuprint-python's
``fetch_adjacencies`` (the neuPrint reader's columns)."""

FLYWIRE_EDGE_ENDS = ("pre_root_id", "post_root_id")
"""The edge ends of FlyWire Codex's ``connections`` table (the Codex reader's columns)."""

FLY_SPELLINGS = frozenset(s.lower() for s in ("bodyId", "root_id", *NEUPRINT_EDGE_ENDS, *FLYWIRE_EDGE_ENDS))
"""Column names that mark a table as neuPrint's or FlyWire's, that is as fly data."""


def _with_spellings(field: Field, *spellings: str) -> Field:
    known = {s.lower() for s in field.spellings}
    extra = tuple(dict.fromkeys(s for s in spellings if s.lower() not in known))
    return dataclasses.replace(field, aliases=field.aliases + extra)


def _merged(base: Sequence[Field], others: Iterable[Field]) -> tuple[Field, ...]:
    """``base`` with the spellings of every field of ``others`` that shares a spelling with it."""
    others = list(others)
    merged = []
    for field in base:
        known = {s.lower() for s in field.spellings}
        extra = [s for other in others if known & {x.lower() for x in other.spellings} for s in other.spellings]
        merged.append(_with_spellings(field, *extra))
    return tuple(merged)


CELL_FIELDS = _merged(
    edgelist.NODE_FIELDS, (*neuprint.NEURON_FIELDS, *codex.NEURON_FIELDS, *codex.CLASSIFICATION_FIELDS)
)
"""The edge-list reader's node columns, with the neuPrint and Codex readers' spellings added."""

_EDGE = {field.name: field for field in edgelist.EDGE_FIELDS}
EDGE_FIELDS = (
    _with_spellings(_EDGE["pre"], NEUPRINT_EDGE_ENDS[0], FLYWIRE_EDGE_ENDS[0]),
    _with_spellings(_EDGE["post"], NEUPRINT_EDGE_ENDS[1], FLYWIRE_EDGE_ENDS[1]),
    *(field for name, field in _EDGE.items() if name not in ("pre", "post")),
)
"""The edge-list reader's edge columns, with the neuPrint and Codex connection ends added."""

GAP_FIELDS = (
    _with_spellings(EDGE_FIELDS[0], "id_a"),
    _with_spellings(EDGE_FIELDS[1], "id_b"),
    _EDGE["weight"],
)
"""Gap-junction ends (also ``id_a``/``id_b``, as :meth:`Connectome.edges_to_pandas` writes them)."""

SHOWN_UNKNOWN = 5
"""Unknown ids an error message lists."""


def connectome_from_dataframes(
    cells: pd.DataFrame | None,
    edges: pd.DataFrame | None = None,
    gap: pd.DataFrame | None = None,
    meta: Mapping[str, str] | None = None,
    inhibitory: Iterable[str] | None = None,
) -> Connectome:
    """A connectome from a cell table and an edge table; see the module docstring for columns.

    Parameters
    ----------
    cells : pandas.DataFrame or None
        One row per cell, in the order the connectome's rows take. None: the cells are the
        ids (or names) the edges mention, sorted.
    edges : pandas.DataFrame, optional
        Chemical connections; repeated (pre, post) pairs are summed. None: no connections.
    gap : pandas.DataFrame, optional
        Gap junctions, one row per pair (either direction, or both with equal weights), ends
        as for ``edges`` or ``id_a``/``id_b``; ``weight`` is the conductance weight (1 if absent).
    meta : mapping of str to str, optional
        Metadata (name, species, citation...), added to brainview's own.
    inhibitory : iterable of str, optional
        Canonical transmitters (:data:`~brainview.connectome.neurotransmitters.CANONICAL`) whose
        connections are inhibitory, used where ``edges`` has no ``sign`` and no negative weight.
        By default GABA and glutamate for tables spelled as neuPrint's or FlyWire's (fly data,
        as the neuPrint and Codex readers sign them), GABA alone otherwise (as the edge-list
        reader does).

    Raises
    ------
    InvalidConnectomeError
        For a missing or malformed column (named, with the first bad row), repeated cell ids,
        or edges naming cells the cell table lacks (the first few listed).
    ParameterError
        For an argument that is not a DataFrame.
    """
    nodes = None if cells is None else _cell_table(cells)
    no_edges = pd.DataFrame({"pre": np.zeros(0, np.int64), "post": np.zeros(0, np.int64)})
    edge_frame = no_edges if edges is None else edges
    edge_table = _table(edge_frame, EDGE_FIELDS, "edges")
    if nodes is not None and "id" in nodes:
        _check_known_ids(edge_frame, edge_table, nodes["id"], "edges")
    try:
        columns, chemical, position = edgelist.parse_edgelist(edge_table, nodes)
    except FormatError as error:  # a DataFrame is no file: the message says which table
        raise InvalidConnectomeError(str(error)) from None
    spelled = {name.lower() for table in (edge_table, nodes) if table is not None for name in table.source.values()}
    fly = bool(FLY_SPELLINGS & spelled)
    if "sign" not in edge_table and not (edge_table.columns.get("weight", np.ones(1)) < 0).any():
        chosen = (FLY_INHIBITORY if fly else WORM_INHIBITORY) if inhibitory is None else frozenset(inhibitory)
        pre_sign = sign_from_nt(columns["nt"].to_strings(), chosen)
        chemical = SynapseCSR(chemical.indptr, chemical.indices, chemical.weight, pre_sign[chemical.pre])
    gap_csr = None if gap is None else _gap_junctions(gap, columns)
    meta = {
        "name": "DataFrames",
        "species": "Drosophila melanogaster" if fly else "unknown",
        "source": "pandas DataFrames (Connectome.from_dataframes)",
        "units": "synapse counts (or the weights as given)",
        **{str(k): str(v) for k, v in (meta or {}).items()},
    }
    position = complete_positions(position, chemical, gap_csr, meta)
    return Connectome(columns, position, chemical, gap_csr, meta)


def _cell_table(cells: pd.DataFrame) -> Table:
    """The cells as the edge-list reader's node table, ids checked, names filled in."""
    nodes = _table(cells, CELL_FIELDS, "cells", keep_others=True)
    if "id" not in nodes and "name" not in nodes:
        raise InvalidConnectomeError(
            f"the cells table needs an id column ({_spellings(CELL_FIELDS[0])}) or a name column; "
            f"its columns are {_listed(nodes.header)}"
        )
    if "id" in nodes:
        _check_unique(nodes["id"], "cell ids", nodes.source["id"])
    if "name" in nodes:
        names = nodes["name"]
        given = names.to_strings()[names.codes != MISSING]
        _check_unique(given, "cell names", nodes.source["name"])
    elif "id" in nodes and ("instance" in nodes or "cell_type" in nodes):
        # As the neuPrint reader names cells: the instance, else the type, unique by the id.
        empty = Categorical.filled(nodes.n_rows)
        instance, cell_type = nodes.columns.get("instance", empty), nodes.columns.get("cell_type", empty)
        instance = instance if isinstance(instance, Categorical) else _labels(pd.Series(instance))
        base = np.where(instance.codes != MISSING, instance.to_strings(), cell_type.to_strings())
        nodes.columns["name"] = Categorical.from_values(readable_names(base, nodes["id"]))
    return nodes


def _table(frame: pd.DataFrame, fields: Sequence[Field], what: str, keep_others: bool = False) -> Table:
    """The columns of ``frame`` that ``fields`` name, converted as a reader converts a file's."""
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"the {what} must be a pandas DataFrame, got {type(frame).__name__}")
    index_names = [name for name in frame.index.names if name is not None]
    spellings = {s.lower() for field in fields for s in field.spellings}
    if any(str(name).lower() in spellings for name in index_names):
        frame = frame.reset_index()  # an id kept as the index (df.set_index("bodyId")) is a column here
    original = {str(label): label for label in frame.columns}
    header = tuple(str(label) for label in frame.columns)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InvalidConnectomeError(f"the {what} table has the column {repeated[0]!r} more than once")
    by_lower: dict[str, str] = {}
    for name in header:
        by_lower.setdefault(name.lower(), name)
    columns: dict[str, np.ndarray | Categorical] = {}
    source: dict[str, str] = {}
    for field in fields:
        found = next((by_lower[s.lower()] for s in field.spellings if s.lower() in by_lower), None)
        if found is None:
            if field.required:
                raise InvalidConnectomeError(
                    f"the {what} table has no {field.name!r} column ({_spellings(field)}); "
                    f"its columns are {_listed(header)}"
                )
            continue
        source[field.name] = found
        columns[field.name] = _converted(frame[original[found]], field, f"column {found!r} of the {what} table")
    if keep_others:
        for name in header:
            if name not in source.values() and name not in columns:
                columns[name] = _kept(frame[original[name]])
                source[name] = name
    return Table(Path(f"the {what} table"), header, columns, source, len(frame), text=False)


def _converted(series: pd.Series, field: Field, what: str) -> np.ndarray | Categorical:
    """One column as the reader's kind: int64, float64 (bounds checked) or a Categorical."""
    if field.kind == "text":
        return _labels(series)
    missing = series.isna().to_numpy()
    numbers = pd.to_numeric(series, errors="coerce")
    not_number = numbers.isna().to_numpy() & ~missing
    if not_number.any():
        got = shown(series[not_number].iloc[0])
        raise InvalidConnectomeError(f"{what}: {_at(series, not_number)} expected {field.expected()}, got {got}")
    if missing.any() and not (field.kind == "float" and field.missing_ok):
        raise InvalidConnectomeError(f"{what}: {_at(series, missing)} expected {field.expected()}, got a missing value")
    if field.kind == "int":
        raw = numbers.to_numpy()
        if raw.dtype.kind == "f":
            fractional = ~(np.isfinite(raw) & (np.floor(raw) == raw))
            if fractional.any():
                got = float(raw[fractional][0])
                raise InvalidConnectomeError(f"{what}: {_at(series, fractional)} expected a whole number, got {got!r}")
        values = exact_integers(raw, np.int64, what)
    else:
        values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    low, high = field.bounds
    out = (values < low) | (values > high)
    if out.any():
        raise InvalidConnectomeError(
            f"{what}: {_at(series, out)} expected {field.expected(number=True)}, got {values[out][0].item()!r}"
        )
    return values


def _labels(series: pd.Series) -> Categorical:
    """Any column as labels: ids as their decimal text (1.0 as "1"), missing values missing."""
    if series.dtype.kind == "f":
        present = series.dropna()
        if np.all(np.isfinite(present)) and np.all(present == np.floor(present)) and np.all(np.abs(present) < 2.0**63):
            series = series.astype("Int64")
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists, dicts): their text
        codes, uniques = pd.factorize(series.map(lambda v: v if _scalar_missing(v) else str(v)), use_na_sentinel=True)
    # Labels are made once per distinct value, so 16 million FlyWire rows cost 139,255 strings.
    labels = Categorical.from_values(np.asarray([str(u) for u in uniques], dtype=object))
    return Categorical(np.append(labels.codes, MISSING)[codes], labels.categories)


def _kept(series: pd.Series) -> np.ndarray | Categorical:
    """An extra cell column: whole numbers as int64, other numbers (or any with a missing
    value, or flags) as float64 with NaN, anything else as labels."""
    kind = series.dtype.kind
    if kind in "iu" and not series.isna().any():
        if kind == "i" or series.max() < 2**63:
            return series.to_numpy(dtype=np.int64)
        return _labels(series)
    if kind in "iubf":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return _labels(series)


def _scalar_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _check_unique(values: np.ndarray, what: str, column: str) -> None:
    repeated = pd.Series(values)[pd.Series(values).duplicated()].unique()
    if repeated.size:
        listed = ", ".join(shown(v) for v in repeated[:SHOWN_UNKNOWN]) + (
            f" and {repeated.size - SHOWN_UNKNOWN} more" if repeated.size > SHOWN_UNKNOWN else ""
        )
        raise InvalidConnectomeError(f"{what} must be unique; column {column!r} repeats {listed}")


def _check_known_ids(frame: pd.DataFrame, table: Table, ids: np.ndarray, what: str) -> None:
    """Every integer edge end is a cell id; the message lists the first few that are not."""
    lookup = pd.Index(ids)
    for key in ("pre", "post"):
        column = frame[next(c for c in frame.columns if str(c) == table.source[key])]
        if column.dtype.kind not in "iu":
            continue  # names, or ids as text: the edge-list parser checks those
        unknown = np.asarray(column)[index_in(lookup, np.asarray(column)) < 0]
        if unknown.size:
            distinct = pd.unique(unknown)
            listed = ", ".join(str(v) for v in distinct[:SHOWN_UNKNOWN])
            more = f" and {distinct.size - SHOWN_UNKNOWN} more" if distinct.size > SHOWN_UNKNOWN else ""
            raise InvalidConnectomeError(
                f"the {what} table names cells the cells table lacks: column {table.source[key]!r} has "
                f"{unknown.size:,} rows with unknown ids ({listed}{more})"
            )


def _gap_junctions(frame: pd.DataFrame, columns: dict) -> SynapseCSR:
    """Symmetric gap junctions from rows of (cell, cell[, weight]), by id or by name."""
    table = _table(frame, GAP_FIELDS, "gap junctions")
    ids = np.asarray(columns["id"])
    names = columns["name"].to_strings()
    ends = []
    for key in ("pre", "post"):
        labels = table[key]
        values, decimal, fits = decimal_int64(labels.categories)
        by_id = decimal.all() and fits.all()
        keys, wanted = (ids, values) if by_id else (names, np.asarray(labels.categories, dtype=object))
        category_rows = np.append(index_in(keys, wanted), -1)
        rows = category_rows[labels.codes]
        if (rows < 0).any():
            unknown = pd.unique(labels.to_strings()[rows < 0])
            raise InvalidConnectomeError(
                f"the gap junctions table names cells the cells table lacks: column {table.source[key]!r} has "
                f"{int((rows < 0).sum()):,} rows with unknown cells ({', '.join(unknown[:SHOWN_UNKNOWN])}"
                f"{' and more' if unknown.size > SHOWN_UNKNOWN else ''})"
            )
        ends.append(rows)
    weight = table.columns.get("weight", np.ones(table.n_rows))
    if (weight < 0).any():
        raise InvalidConnectomeError("the gap junctions table has a negative weight; conductance weights are 0 or more")
    # A pair listed in both directions keeps the larger weight, not their sum.
    return SynapseCSR.from_edges(ends[0], ends[1], weight, len(ids)).symmetrized()


def _at(series: pd.Series, bad: np.ndarray) -> str:
    """Where the first bad value is: its position, and its index label when that differs."""
    row = int(np.flatnonzero(bad)[0])
    label = series.index[row]
    return f"row {row}" + ("" if label == row else f" (index {shown(label)})") + ":"


def _spellings(field: Field) -> str:
    return ", ".join(repr(s) for s in field.spellings)


def _listed(header: Sequence[str]) -> str:
    shown_names = ", ".join(shown(h, 30) for h in header[:12]) or "none"
    return shown_names + (f" and {len(header) - 12} more" if len(header) > 12 else "")
