"""Generic CSV edge lists, with an optional node table beside them.

The edge list has one row per connection: ``pre``, ``post`` (also ``source``/``target`` or
``from``/``to``), an optional ``weight`` (also ``count``, ``syn_count``, ``synapses``; 1 when
absent) and an optional ``sign``. Cells are named either by integer ids or by text names
("ADAL"); repeated pairs are summed. A file without a header line is read as
``pre, post[, weight[, sign]]``: line 1 counts as a header when it names one of those columns or
its last field is not a number.

Signs come from the ``sign`` column (negative -> inhibitory), else from a negative weight
(its magnitude is the count), else from the presynaptic transmitter of the node table: only
GABA counts as inhibitory, since an edge list does not say which species it describes.

Weights must be finite within float32 (also once summed over a pair's rows), positions and
radii within :data:`~brainview.connectome.io._columns.MAX_POSITION_UM` (radii not negative),
integer cell ids within int64; anything else is a FormatError naming the line and column.

The node table is ``<stem>_nodes.csv`` or ``nodes.csv`` beside the edge list (``.csv.gz`` and
``.tsv`` work too; for ``x_edgelist.csv`` and ``x_edges.csv`` also ``x_nodes.csv``). It needs an
``id`` (``node_id``, ``bodyId``, ``root_id``, ``skeleton_id``) or a ``name`` (``label``) column
and may hold any standard column (``kind``, ``cell_type``/``type``, ``cell_class``/``class``,
``super_class``, ``region``, ``side``/``hemisphere``, ``nt``/``neurotransmitter``,
``subsystem``, ``radius``) and soma positions in micrometres (``x, y, z`` or ``soma_x, soma_y,
soma_z``); other columns are kept as they are. Without positions the cells are laid out.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress
from brainview.connectome.io._columns import (
    MAX_POSITION_UM,
    Field,
    build_synapses,
    decimal_int64,
    first_duplicate_row,
    index_in,
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
from brainview.connectome.neurotransmitters import canonical_nt
from brainview.connectome.synapses import SynapseCSR

EDGE_FIELDS = (
    Field("pre", "text", ("source", "from", "pre_id", "presynaptic")),
    Field("post", "text", ("target", "to", "post_id", "postsynaptic")),
    Field("weight", "float", ("count", "syn_count", "synapses", "n_synapses"), required=False),
    Field("sign", "float", required=False),
)
HEADERLESS = ("pre", "post", "weight", "sign")

NODE_FIELDS = (
    Field("id", "int", ("node_id", "bodyId", "root_id", "skeleton_id", "skid"), required=False),
    Field("name", "text", ("label", "neuron"), required=False),
    Field("kind", "text", required=False),
    Field("cell_type", "text", ("type",), required=False),
    Field("cell_class", "text", ("class",), required=False),
    Field("super_class", "text", ("superclass",), required=False),
    Field("region", "text", ("neuropil",), required=False),
    Field("side", "text", ("hemisphere",), required=False),
    Field("nt", "text", ("neurotransmitter", "nt_type"), required=False),
    Field("subsystem", "text", required=False),
    Field("radius", "float", required=False, missing_ok=True, minimum=0.0, maximum=MAX_POSITION_UM),
    *(Field(axis, "float", (f"soma_{axis}", f"position_{axis}", f"pos_{axis}"), required=False, missing_ok=True,
            minimum=-MAX_POSITION_UM, maximum=MAX_POSITION_UM) for axis in "xyz"),
)

_SIDES = {"l": "left", "r": "right", "left": "left", "right": "right"}
_SUFFIXES = (".csv.gz", ".tsv.gz", ".csv", ".tsv")


def node_table_for(path: Path) -> Path | None:
    """The node table beside the edge list ``path``, or None."""
    name = path.name
    stem = next((name[: -len(s)] for s in _SUFFIXES if name.lower().endswith(s)), path.stem)
    stems = [f"{stem}_nodes"]
    for ending in ("_edgelist", "_edge_list", "_edges"):
        if stem.lower().endswith(ending):
            stems.append(stem[: -len(ending)] + "_nodes")
    stems.append("nodes")
    for candidate_stem in stems:
        for suffix in _SUFFIXES:
            candidate = path.parent / f"{candidate_stem}{suffix}"
            if candidate.is_file() and candidate != path:
                return candidate
    return None


def read_edgelist(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a CSV edge list and the node table beside it, if any.

    Raises
    ------
    FormatError
        For an empty file, a missing column, a non-numeric weight or sign, an edge to a cell the
        node table does not list, or a repeated node, naming the file, line and column.
    """
    path = Path(path)
    report = progress or (lambda fraction, message: None)
    report(0.0, f"reading {path.name}")
    edges = read_edges(path)
    nodes_path = node_table_for(path)
    nodes = None
    if nodes_path is not None:
        report(0.4, f"reading {nodes_path.name}")
        nodes = read_nodes(nodes_path)
    report(0.6, "building the synapse table")
    meta = {
        "name": path.name.split(".")[0],
        "species": "unknown",
        "source": "CSV edge list" + (f" with node table {nodes_path.name}" if nodes_path else ""),
        "units": "synapse counts (or the weights as given)",
    }
    columns, chemical, position = parse_edgelist(edges, nodes)
    report(0.8, "placing cells")
    if position is not None:
        meta["coordinate_frame"] = f"as given in {nodes_path.name} (micrometres)"
    position = complete_positions(position, chemical, None, meta)
    try:
        connectome = Connectome(columns, position, chemical, None, meta)
    except ValueError as error:  # what the data model refuses and the checks above let through
        raise FormatError(nodes_path or path, f"not a valid connectome: {one_line(str(error))}") from None
    report(1.0, "done")
    return connectome


def read_edges(path: Path) -> Table:
    """The edge table, with or without a header line."""
    line = header_line(path)
    delimiter = delimiter_of(path, line)
    fields = split_line(line, delimiter, path) or [""]
    known = {s.lower() for f in EDGE_FIELDS for s in f.spellings}
    if any(f.lower() in known for f in fields) or not _is_number(fields[-1]):
        return read_table(path, EDGE_FIELDS)
    if len(fields) < 2:
        raise FormatError(path, "expected at least two columns (pre, post) in a file without a header", line=1)
    names = [*HEADERLESS[: len(fields)], *(f"column_{k + 1}" for k in range(len(HEADERLESS), len(fields)))]
    return read_table(path, EDGE_FIELDS, names=names, has_header=False)


def read_nodes(path: Path) -> Table:
    """The node table: the standard columns plus every other column, as text."""
    line = header_line(path)
    header = split_line(line, delimiter_of(path, line), path)
    known = {s.lower() for f in NODE_FIELDS for s in f.spellings}
    extras = tuple(Field(h, "text", required=False) for h in dict.fromkeys(header) if h and h.lower() not in known)
    nodes = read_table(path, NODE_FIELDS + extras)
    if "id" not in nodes and "name" not in nodes:
        found = ", ".join(shown(h, 30) for h in header[:12]) + (f" and {len(header) - 12} more" if len(header) > 12 else "")
        raise FormatError(path, f"a node table needs an 'id' or a 'name' column; the columns found are {found}", line=1)
    for key in ("id", "name"):
        if key in nodes:
            values = nodes[key] if key == "id" else nodes[key].to_strings()
            # Cells without a name are named by their id later; only given names must be unique.
            rows = np.flatnonzero(values != "") if key == "name" else np.arange(values.size)
            repeat = first_duplicate_row(values[rows])
            if repeat is not None:
                value = values[rows[repeat]]
                shown_value = shown(str(value)) if key == "name" else str(int(value))
                raise nodes.error(f"{key} {shown_value} appears twice", rows[repeat], key)
    return nodes


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _integer_labels(column: Categorical, table: Table, key: str) -> np.ndarray | None:
    """The labels as int64 when every one is a decimal integer, else None.

    Raises
    ------
    FormatError
        For the first row whose label is an integer beyond int64 (ids, not names, by then).
    """
    values, decimal, fits = decimal_int64(column.categories)
    if not decimal.all():
        return None
    if not fits.all():
        row = int(np.flatnonzero(np.isin(column.codes, np.flatnonzero(~fits)))[0])
        raise table.error(f"expected a cell id within int64, got {shown(column[row])}", row, key)
    return values


def parse_edgelist(edges: Table, nodes: Table | None) -> tuple[dict, SynapseCSR, np.ndarray | None]:
    """Columns, chemical synapses and positions (None when not given) from the two tables."""
    pre_labels, post_labels = edges["pre"], edges["post"]
    for key in ("pre", "post"):
        if (edges[key].codes == MISSING).any():
            row = int(np.flatnonzero(edges[key].codes == MISSING)[0])
            raise edges.error("expected a cell id or name, got an empty value", row, key)
    pre_int, post_int = _integer_labels(pre_labels, edges, "pre"), _integer_labels(post_labels, edges, "post")
    by_id = pre_int is not None and post_int is not None and (nodes is None or "id" in nodes)
    if nodes is None:
        columns = _cells_from_edges(pre_labels, post_labels, pre_int, post_int, by_id)
    else:
        if not by_id and "name" not in nodes:
            raise FormatError(nodes.path, "the edges name cells by text but this node table has no 'name' column")
        columns = _cells_from_nodes(nodes, by_id)
    keys = columns.pop("_keys")
    ends = []
    for key, labels, as_int in (("pre", pre_labels, pre_int), ("post", post_labels, post_int)):
        category_values = as_int if by_id else np.asarray(labels.categories, dtype=object)
        category_rows = np.append(index_in(keys, category_values), -1)
        rows = category_rows[labels.codes]
        if (rows < 0).any():
            row = int(np.flatnonzero(rows < 0)[0])
            where = f" (not in {nodes.path.name})" if nodes is not None else ""
            raise edges.error(f"edge to an unknown neuron id {shown(labels[row])}{where}", row, key)
        ends.append(rows)
    n = len(columns["id"])
    weight = edges.columns.get("weight", np.ones(edges.n_rows))
    if "sign" in edges:
        sign = np.where(edges["sign"] < 0, -1, 1)
    elif (weight < 0).any():
        sign = np.where(weight < 0, -1, 1)
    else:
        sign = np.where(columns["nt"].mask("GABA")[ends[0]], -1, 1)
    chemical = build_synapses(
        ends[0], ends[1], np.abs(weight), n, sign.astype(np.int8),
        lambda problem, row: edges.error(problem, row, "weight" if "weight" in edges else None),
    )
    position = columns.pop("_position", None)
    return columns, chemical, position


def _cells_from_edges(pre, post, pre_int, post_int, by_id: bool) -> dict:
    """The cells named in the edges, with ``_keys``: the ids, or the exact labels, edges refer to."""
    if by_id:
        ids = np.unique(np.concatenate([pre_int, post_int]))
        keys = ids
        names = Categorical.from_values(ids.astype(str))
    else:
        # Object arrays of str: a fixed-width copy would take the longest label's width per label.
        keys = np.unique(np.asarray([*pre.categories, *post.categories], dtype=object))
        ids = np.arange(keys.size, dtype=np.int64)
        names = Categorical.from_values(keys)
    n = ids.size
    return {"id": ids, "name": names, "kind": Categorical.filled(n, "neuron"), "nt": Categorical.filled(n, "unknown"),
            "_keys": keys}


def _cells_from_nodes(nodes: Table, by_id: bool) -> dict:
    """The cells of the node table, with ``_keys``: the ids, or the exact names, edges refer to."""
    n = nodes.n_rows
    columns: dict = {"id": None, "name": None, **nodes.columns}
    ids = nodes.columns.get("id", np.arange(n, dtype=np.int64))
    labels = ids.astype(str).astype(object)
    if "name" in nodes:  # cells without a name are named by their id
        labels = np.where(nodes["name"].codes == MISSING, labels, nodes["name"].to_strings())
        if not by_id:
            repeat = first_duplicate_row(labels)
            if repeat is not None:
                raise nodes.error(
                    f"name {shown(labels[repeat])} appears twice (a cell without a name is named by its id)", repeat, "name"
                )
    name = Categorical.from_values(labels)
    columns["_keys"] = ids if by_id else labels
    xyz = [columns.pop(axis, None) for axis in ("x", "y", "z")]
    if "side" in columns:
        side = columns["side"]
        columns["side"] = Categorical.from_values(
            np.array([_SIDES.get(c.strip().lower(), c) for c in side.categories] + [""], dtype=object)[side.codes]
        )
    if "nt" in columns:
        nt = columns["nt"]
        columns["nt"] = Categorical.from_values(
            np.array([canonical_nt(c) for c in nt.categories] + ["unknown"], dtype=object)[nt.codes]
        )
    else:
        columns["nt"] = Categorical.filled(n, "unknown")
    if "kind" not in columns:
        columns["kind"] = Categorical.filled(n, "neuron")
    if "radius" in columns:  # missing radii are drawn at 1 um
        columns["radius"] = np.where(np.isfinite(columns["radius"]), columns["radius"], 1.0)
    for key, value in list(columns.items()):
        if key not in {f.name for f in NODE_FIELDS} and isinstance(value, Categorical):
            columns[key] = _numeric_if_possible(value)
    columns.update(id=ids, name=name)
    if all(axis is not None for axis in xyz):
        columns["_position"] = np.column_stack(xyz)
    return columns


def _numeric_if_possible(column: Categorical) -> np.ndarray | Categorical:
    """An extra column of numbers as float64 (NaN where missing), other text as it is."""
    values = pd.to_numeric(pd.Series(column.categories, dtype=object), errors="coerce").to_numpy(np.float64)
    if not np.isfinite(values).all():
        return column
    return np.append(values, np.nan)[column.codes]
