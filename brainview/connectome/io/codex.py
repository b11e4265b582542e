"""FlyWire Codex downloads: a folder of CSV tables (plain or gzip-compressed).

=================================  ==========================================================
file (``.csv`` or ``.csv.gz``)     columns used
=================================  ==========================================================
``neurons``                        root_id, group (-> region), nt_type (-> nt), nt_type_score
``classification``                 root_id, flow, super_class, class (-> cell_class),
                                   sub_class, cell_type, hemibrain_type, hemilineage, side, nerve
``consolidated_cell_types``        root_id, primary_type (-> cell_type, preferred)
``connections`` or                 pre_root_id, post_root_id, syn_count, nt_type (per row);
``connections_no_threshold``       one row per pair *and neuropil*: counts are summed per pair
``coordinates``                    root_id, position ("[x y z]" in nanometres; the first row of
                                   each neuron is used)
=================================  ==========================================================

The cells are the root ids of ``neurons`` and ``classification`` (at least one is needed),
sorted by id. A connection naming any other id is an error. Signs follow the transmitter of the
connection row (or of the presynaptic neuron when the row has none): GABA and glutamate are
inhibitory in the fly (:data:`~brainview.connectome.neurotransmitters.FLY_INHIBITORY`).
Positions are converted from nanometres to micrometres. Neurons without one (all of them in a
download without ``coordinates``) are placed inside the mesh of their main neuropil when the
package fafbseg is installed (:mod:`brainview.connectome.neuropils`; the column
``position_source`` then says where each was put), else among their partners, and a download
without ``coordinates`` is laid out (:mod:`brainview.connectome.layout`). The FlyWire subsystem rules (:data:`SUBSYSTEM_RULES`) fill
the ``subsystem`` column, and ``meta["subsystem_rules"]`` says so.

A ``syn_count`` must be a whole number from 0 to :data:`~brainview.connectome.io._columns.MAX_COUNT`
and a position within :data:`~brainview.connectome.io._columns.MAX_POSITION_UM` micrometres of
the origin; any other value is a FormatError naming its file, line and column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress
from brainview.connectome.io._columns import (
    MAX_COUNT,
    MAX_POSITION_UM,
    Field,
    first_duplicate_row,
    index_in,
    map_labels,
    readable_names,
)
from brainview.connectome.io._tables import Table, read_batches, read_table
from brainview.connectome.io._text_files import one_line, shown
from brainview.connectome.io.errors import FormatError
from brainview.connectome.neuropils import complete_fly_positions
from brainview.connectome.neurotransmitters import FLY_INHIBITORY, canonical_nt
from brainview.connectome.subsystems import apply_subsystems, rules_for
from brainview.connectome.synapses import SynapseCSR

TABLES = ("neurons", "classification", "consolidated_cell_types", "connections", "connections_no_threshold", "coordinates")
"""The Codex tables this reader knows, by file stem."""

NEURON_FIELDS = (
    Field("root_id", "int"),
    Field("group", "text", required=False),
    Field("nt_type", "text", required=False),
    Field("nt_type_score", "float", required=False, missing_ok=True),
)
CLASSIFICATION_FIELDS = (
    Field("root_id", "int"),
    *(Field(name, "text", required=False) for name in (
        "flow", "super_class", "class", "sub_class", "cell_type", "hemibrain_type", "hemilineage", "side", "nerve",
    )),
)
CONSOLIDATED_FIELDS = (Field("root_id", "int"), Field("primary_type", "text", required=False))
CONNECTION_FIELDS = (
    Field("pre_root_id", "int"),
    Field("post_root_id", "int"),
    Field("syn_count", "int", minimum=0, maximum=MAX_COUNT),
    Field("nt_type", "text", required=False),
)
COORDINATE_FIELDS = (Field("root_id", "int"), Field("position", "text"))

EXTRA_COLUMNS = ("flow", "sub_class", "hemilineage", "hemibrain_type", "nerve")
"""Classification columns kept as they are, beside the standard columns."""

SUBSYSTEM_RULES = "flywire"
"""The shipped rule set applied on load (``assets/subsystems/flywire.toml``), recorded in
``meta["subsystem_rules"]``; ``brainview.load(path, rules=...)`` applies another instead."""

META = {
    "species": "Drosophila melanogaster",
    "source": "FlyWire Codex download",
    "citation": "Dorkenwald et al. 2024, Nature 634:124; Schlegel et al. 2024, Nature 634:139",
    "license": "CC BY-NC 4.0 (FlyWire)",
    "units": "synapse counts",
    "coordinate_frame": "FlyWire (FAFB14), micrometres",
}


def find_tables(folder: Path) -> dict[str, Path]:
    """The Codex tables present in ``folder``, by stem (``.csv`` preferred over ``.csv.gz``)."""
    found: dict[str, Path] = {}
    for stem in TABLES:
        for suffix in (".csv", ".csv.gz"):
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                found[stem] = candidate
                break
    return found


def read_codex(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a FlyWire Codex download: a folder, or its connections file (tables beside it).

    Parameters
    ----------
    path : path-like
        The folder, or ``connections[_no_threshold].csv[.gz]`` inside it. In a folder with both
        connection files the thresholded ``connections`` file is used.
    progress : callable, optional
        ``progress(fraction, message)`` after each stage.

    Raises
    ------
    FormatError
        For a missing table or column, a non-numeric id or count, an edge to a neuron id no
        neuron table lists, or an unreadable position, naming the file, line and column.
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    folder = path if path.is_dir() else path.parent
    tables = find_tables(folder)
    if path.is_dir():
        connections_path = tables.get("connections") or tables.get("connections_no_threshold")
        if connections_path is None:
            raise FormatError(path, "no connections.csv(.gz) or connections_no_threshold.csv(.gz) in this folder")
    else:
        connections_path = path
    report(0.0, "reading neuron tables")
    columns = read_codex_annotations(folder, tables)
    report(0.2, f"reading {connections_path.name}")
    neuron_files = " or ".join(tables[t].name for t in ("neurons", "classification") if t in tables)
    # Streamed: 16 M rows of FlyWire are kept as 13 bytes each, never as whole int64 columns.
    chemical = parse_connections(
        read_batches(connections_path, CONNECTION_FIELDS), columns["id"], columns["nt"], neuron_files
    )
    report(0.85, "placing neurons")
    meta = dict(META, name=f"FlyWire ({folder.name})", connections_file=connections_path.name)
    version = re.search(r"v(\d+)", folder.name)
    if version:
        meta["version"] = version.group(1)
    position = None
    if "coordinates" in tables:
        position = parse_coordinates(read_table(tables["coordinates"], COORDINATE_FIELDS), columns["id"])
    position, position_source = complete_fly_positions(position, columns["region"], columns["side"], chemical, meta)
    if position_source is not None:
        columns["position_source"] = position_source
    try:
        connectome = Connectome(columns, position, chemical, None, meta)
    except ValueError as error:  # what the data model refuses and the checks above let through
        raise FormatError(connections_path, f"not a valid connectome: {one_line(str(error))}") from None
    report(0.95, "applying the FlyWire subsystem rules")
    connectome = apply_subsystems(connectome, rules_for(SUBSYSTEM_RULES))
    report(1.0, "done")
    return connectome


def read_codex_annotations(folder: str | os.PathLike, tables: dict[str, Path] | None = None) -> dict:
    """The neuron columns of a Codex folder, without needing its connections file.

    Parameters
    ----------
    folder : path-like
        A folder holding ``neurons`` and/or ``classification`` (and optionally
        ``consolidated_cell_types``) as ``.csv`` or ``.csv.gz``.
    tables : dict, optional
        The tables found by :func:`find_tables`, when the caller already looked.

    Returns
    -------
    dict
        Columns for :class:`~brainview.connectome.Connectome`, one row per root id, sorted by
        id: ``id`` (int64), ``name``, ``kind``, ``cell_type``, ``cell_class``, ``super_class``,
        ``region``, ``side``, ``nt`` (canonical), the extra classification columns
        (:data:`EXTRA_COLUMNS`) and ``nt_score`` (float32, NaN where unknown).

    Raises
    ------
    FormatError
        If neither neuron table is there, a required column is missing, or an id repeats.
    """
    folder = Path(folder)
    tables = find_tables(folder) if tables is None else tables
    if "neurons" not in tables and "classification" not in tables:
        raise FormatError(folder, "no neuron table: expected neurons.csv(.gz) or classification.csv(.gz)")
    neurons = _unique_ids(read_table(tables["neurons"], NEURON_FIELDS)) if "neurons" in tables else None
    classes = (
        _unique_ids(read_table(tables["classification"], CLASSIFICATION_FIELDS)) if "classification" in tables else None
    )
    consolidated = (
        read_table(tables["consolidated_cell_types"], CONSOLIDATED_FIELDS)
        if "consolidated_cell_types" in tables else None
    )
    return parse_annotations(neurons, classes, consolidated)


def _unique_ids(table: Table) -> Table:
    repeat = first_duplicate_row(table["root_id"])
    if repeat is not None:
        raise table.error(f"root_id {table['root_id'][repeat]} appears twice", repeat, "root_id")
    return table


def parse_annotations(neurons: Table | None, classes: Table | None, consolidated: Table | None) -> dict:
    """Join the neuron tables on root id into connectome columns (see :func:`read_codex_annotations`)."""
    present = [t for t in (neurons, classes) if t is not None]
    ids = np.unique(np.concatenate([t["root_id"] for t in present]))
    n = ids.size

    def column(table: Table | None, name: str) -> Categorical:
        if table is None or name not in table:
            return Categorical.filled(n)
        return _spread(table[name], index_in(ids, table["root_id"]), n)

    cell_type = column(classes, "cell_type")
    if consolidated is not None and "primary_type" in consolidated:
        cell_type = _prefer(column(consolidated, "primary_type"), cell_type)
    nt = map_labels(column(neurons, "nt_type"), canonical_nt)
    nt = Categorical.from_values(np.where(nt.codes == MISSING, "unknown", nt.to_strings()))
    side = column(classes, "side")
    columns = {
        "id": ids,
        "name": Categorical.from_values(readable_names(_type_and_side(cell_type, side), ids)),
        "kind": Categorical.filled(n, "neuron"),
        "cell_type": cell_type,
        "cell_class": column(classes, "class"),
        "super_class": column(classes, "super_class"),
        "region": column(neurons, "group"),
        "side": side,
        "nt": nt,
    }
    for name in EXTRA_COLUMNS:
        columns[name] = column(classes, name)
    score = np.full(n, np.nan, np.float32)
    if neurons is not None and "nt_type_score" in neurons:
        score[index_in(ids, neurons["root_id"])] = neurons["nt_type_score"]
    columns["nt_score"] = score
    return columns


def _spread(column: Categorical, rows: np.ndarray, n: int) -> Categorical:
    """A column of ``n`` cells with ``column[k]`` at cell ``rows[k]``, missing elsewhere."""
    codes = np.full(n, MISSING, np.int32)
    known = rows >= 0  # consolidated types may name neurons outside the neuron tables
    codes[rows[known]] = column.codes[known]
    return Categorical.from_codes_compact(codes, column.categories)


def _prefer(first: Categorical, fallback: Categorical) -> Categorical:
    """Row by row the label of ``first``, or that of ``fallback`` where ``first`` is missing."""
    return Categorical.from_values(np.where(first.codes != MISSING, first.to_strings(), fallback.to_strings()))


def _type_and_side(cell_type: Categorical, side: Categorical) -> np.ndarray:
    """"DNa02_R" style labels: cell type plus the side's initial; "" without a type."""
    types = cell_type.to_strings()
    initials = np.array([s[:1].upper() for s in side.categories] + [""], dtype=object)[side.codes]
    joined = np.where(initials != "", types + "_" + initials, types)
    return np.where(types == "", "", joined)


def parse_connections(
    batches: Iterable[Table], ids: np.ndarray, neuron_nt: Categorical, neuron_files: str
) -> SynapseCSR:
    """Map connection rows onto cell indices and sum ``syn_count`` per (pre, post) pair.

    Parameters
    ----------
    batches : iterable of Table
        The connection table in consecutive batches (:func:`read_batches`), or as one Table in
        a list. Only int32 cell indices, a float32 count and an int8 sign (13 bytes) are kept
        per row, so the raw columns of one batch at a time are all that is held besides.
    ids : numpy.ndarray
        The sorted int64 root ids of the cells.
    neuron_nt : Categorical
        The canonical transmitter of each cell, for rows whose own ``nt_type`` is empty (or
        when the table has no such column).
    neuron_files : str
        The neuron tables' file names, for the error message.

    Raises
    ------
    FormatError
        For the first row naming a root id not in ``ids``, with its line and column.
    """
    lookup = pd.Index(ids)  # its hash table is built once, for all batches
    inhibitory_cell = np.isin(neuron_nt.to_strings(), list(FLY_INHIBITORY))
    edges = _EdgeColumns()
    path = None
    for batch in batches:
        path = batch.path
        pre, post = _cell_rows(batch, lookup, neuron_files)
        edges.append(pre, post, batch["syn_count"], _row_signs(batch, inhibitory_cell[pre]))
        del batch, pre, post  # the batch's columns go before the next one is parsed
    pre, post, count, sign = edges.trimmed()
    try:  # counts are at most MAX_COUNT, so no pair's sum overflows: this is the last line of defence
        return SynapseCSR.from_edges(pre, post, count, ids.size, sign, overwrite_input=True)
    except ValueError as error:
        raise FormatError(path or "<connections>", f"invalid connections: {one_line(str(error))}", column="syn_count") from None


def _cell_rows(batch: Table, lookup: pd.Index, neuron_files: str) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices of the pre- and postsynaptic root ids of ``batch``.

    Raises
    ------
    FormatError
        For the first row of the batch that names an unknown root id.
    """
    rows = {name: index_in(lookup, batch[name]) for name in ("pre_root_id", "post_root_id")}
    unknown = [(int(np.argmax(cells < 0)), name) for name, cells in rows.items() if cells.size and cells.min() < 0]
    if unknown:
        row, name = min(unknown)
        raise batch.error(f"edge to an unknown neuron id {batch[name][row]} (not in {neuron_files})", row, name)
    return rows["pre_root_id"], rows["post_root_id"]


def _row_signs(batch: Table, pre_inhibitory: np.ndarray) -> np.ndarray:
    """int8 -1 / +1 per row: from the row's own transmitter, else from its presynaptic cell's."""
    inhibitory = pre_inhibitory
    if "nt_type" in batch:
        row_nt = batch["nt_type"]
        row_inhibitory = np.array([canonical_nt(c) in FLY_INHIBITORY for c in row_nt.categories] + [False])
        inhibitory = np.where(row_nt.codes != MISSING, row_inhibitory[row_nt.codes], inhibitory)
    return np.where(inhibitory, np.int8(-1), np.int8(1))


class _EdgeColumns:
    """Per-row cell indices, counts and signs, appended batch by batch to arrays grown in place.

    Growing reallocates (large blocks are remapped by the system, not copied), so the columns
    never exist twice, as they would if batches were collected and concatenated, and no small
    per-batch arrays are left scattered over the heap.
    """

    def __init__(self) -> None:
        self.columns = [np.empty(1 << 20, dtype) for dtype in (np.int32, np.int32, np.float32, np.int8)]
        self.size = 0

    def append(self, pre: np.ndarray, post: np.ndarray, count: np.ndarray, sign: np.ndarray) -> None:
        """Add rows: cell indices, synapse counts and signs (cast to int32, float32 and int8)."""
        end = self.size + len(pre)
        if end > len(self.columns[0]):
            self._resize(end + end // 2)
        for column, values in zip(self.columns, (pre, post, count, sign)):
            column[self.size:end] = values
        self.size = end

    def trimmed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """pre, post, count and sign, as long as the rows appended; the arrays are handed over."""
        self._resize(self.size)
        columns, self.columns = self.columns, []
        return tuple(columns)

    def _resize(self, rows: int) -> None:
        for column in self.columns:
            column.resize(rows, refcheck=False)  # no views of these arrays exist while filling


_POSITION = re.compile(r"^\s*\[?\s*([-+0-9.eE]+)[\s,]+([-+0-9.eE]+)[\s,]+([-+0-9.eE]+)\s*\]?\s*$")


def parse_coordinates(coordinates: Table, ids: np.ndarray) -> np.ndarray:
    """(N, 3) float64 positions in micrometres from "[x y z]" nanometre texts; NaN where absent.

    The first row of each root id is used; rows of ids that are not cells are ignored.

    Raises
    ------
    FormatError
        For the first position text that is not three numbers, with its line.
    """
    text = coordinates["position"]
    parsed = np.full((len(text.categories) + 1, 3), np.nan)
    for code, label in enumerate(text.categories):
        match = _POSITION.match(label)
        try:
            parsed[code] = [float(v) for v in match.groups()] if match else np.nan
        except ValueError:  # "1e" or "--" pass the pattern but are no numbers
            parsed[code] = np.nan
    parsed /= 1000.0  # micrometres
    usable = np.isfinite(parsed).all(axis=1) & (np.abs(parsed) <= MAX_POSITION_UM).all(axis=1)
    usable[-1] = True  # an empty position is a missing one, not an error
    bad = np.flatnonzero(~usable[text.codes])
    if bad.size:
        row = int(bad[0])
        raise coordinates.error(
            f"expected a position '[x y z]' in nanometres, each within {MAX_POSITION_UM * 1000:g}, got {shown(text[row])}",
            row, "position",
        )
    _, first = np.unique(coordinates["root_id"], return_index=True)
    cells = index_in(ids, coordinates["root_id"][first])
    position = np.full((ids.size, 3), np.nan)
    keep = cells >= 0
    position[cells[keep]] = parsed[text.codes[first[keep]]]
    return position
