"""SONATA circuits: nodes and edges HDF5 files with their type tables and a circuit config.

SONATA (Dai et al. 2020, PLoS Comput Biol 16: e1007696) is the network format of BMTK, NEST's
``SonataNetwork``, Neurodamus and libsonata. A circuit is:

- a circuit config (JSON): ``networks.nodes`` and ``networks.edges`` list the files, each entry
  with ``nodes_file`` / ``edges_file``, an optional ``node_types_file`` / ``edge_types_file``
  and optional ``populations`` (``{"name": {"type": ...}}``); ``manifest`` defines ``$VARS``
  substituted into the paths; relative paths are relative to the config's folder;
- a nodes file: ``/nodes/<population>/{node_type_id, node_group_id, node_group_index}`` (one
  entry per node; the node id is the row) and groups ``/nodes/<population>/<k>/`` of attribute
  datasets, indexed by ``node_group_index`` for the nodes whose ``node_group_id`` is ``k``; a
  string attribute may be stored as integer codes into ``<k>/@library/<name>``;
- an edges file: ``/edges/<population>/{source_node_id, target_node_id}`` (each with an
  attribute ``node_population``), ``edge_type_id``, ``edge_group_id``, ``edge_group_index`` and
  attribute groups as for nodes; optional ``indices`` for the simulators' lookups;
- node and edge types files: space-separated tables keyed by ``node_type_id`` /
  ``edge_type_id``, whose columns apply to every node (edge) of the type that does not set
  the attribute itself (``NULL`` is missing).

Reading (:func:`read_sonata`) accepts the circuit config, a folder (with a
``circuit_config*.json``, else every ``*nodes*.h5`` and ``*edges*.h5`` in it, each with the
``*node_types*.csv`` / ``*edge_types*.csv`` of the same prefix), or one nodes file (with the
edges files of its folder that connect its populations). All node populations become one
connectome, in file and population order; with more than one a ``population`` column says
which. Node attributes map onto columns: ``name`` (else ``<population>_<node id>``), ``id``
(when unique integers, else the row), ``kind`` (default ``neuron``), ``cell_type`` (else
``mtype``, ``pop_name``, ``model_name``, the first a node has), ``cell_class`` (or ``class``),
``super_class``, ``region`` (or ``location``), ``side``, ``nt`` (or ``neurotransmitter``), ``subsystem``,
``radius``, positions from ``x``, ``y``, ``z`` (or a ``positions`` (n, 3) dataset) in
micrometres; other attributes are extra columns, except the simulators' ``model_type``,
``model_template``, ``model_processing`` and ``dynamics_params``.

Edges are chemical connections, except those of a population of type ``electrical`` (by the
config, or a name ending in ``electrical`` or ``gap``), which are gap junctions (weight from
``conductance``, else ``weight``, else ``|syn_weight|``, else 1). A chemical edge's synapse count
is ``count``, else ``nsyns``, else ``|syn_weight|``, else 1, summed over edges of the same pair;
its sign is ``sign``, else negative for a negative ``syn_weight``, else inhibitory when the
presynaptic node's ``ei`` is ``i`` or its transmitter is GABA. Attributes of the (first) nodes
file's root (but SONATA's ``magic`` and ``version``) and of its ``/nodes`` group become
metadata; without a root attribute ``brainview_version`` (files brainview did not write) the
name, species and source are filled in when absent.

HDF5 is read through :mod:`brainview.connectome.io.hdf5` (no links, external storage, virtual
datasets or foreign filters); attribute datasets of other types (fixed-length strings,
compound types) are left out. Every problem is a FormatError naming the file it is in.
The files are found by :mod:`~brainview.connectome.io.sonata_config`, populations and types
tables read by :mod:`~brainview.connectome.io.sonata_tables`; the writer is
:mod:`~brainview.connectome.io.sonata_writer`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.hdf5 import open_hdf5
from brainview.connectome.io.sonata_config import (
    MAX_CONFIG_BYTES,
    FileEntry,
    find_circuit,
)
from brainview.connectome.io.sonata_tables import (
    EDGE_ATTRIBUTES,
    Table,
    lookup_types,
    one_line,
    parse_types,
    read_table,
    shown,
    text_of,
    texts,
)
from brainview.connectome.layout import complete_positions
from brainview.connectome.neurotransmitters import canonical_nt
from brainview.connectome.synapses import SynapseCSR

MAX_POSITION_UM = 1e9
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_CELLS = int(np.iinfo(np.int32).max)
COLUMN_ALIASES = {
    "kind": ("kind",), "cell_type": ("cell_type", "mtype", "pop_name", "model_name"),
    "cell_class": ("cell_class", "class"), "super_class": ("super_class",), "region": ("region", "location"),
    "side": ("side",), "nt": ("nt", "neurotransmitter"), "subsystem": ("subsystem",),
}
SIMULATOR_ATTRIBUTES = {"model_type", "model_template", "model_processing", "dynamics_params"}
_USED = {"name", "id", "x", "y", "z", "radius", "node_type_id"}
_RESERVED_META = {"magic", "version", "brainview_version", "format"}


def read_sonata(path: str | os.PathLike, progress=None) -> Connectome:
    """Read a SONATA circuit (a circuit config, a folder or a nodes file); see the module notes.

    Raises
    ------
    FormatError
        For a config, types table, nodes or edges file that is not valid SONATA, or a circuit
        brainview cannot hold (no nodes, edges to unknown nodes); the error names the file.
    """
    from brainview.connectome.io.native import FORMAT as NATIVE
    from brainview.connectome.io.native import read_native

    path = Path(path)
    report = progress or (lambda fraction, message: None)
    if path.is_file() and path.suffix.lower() in (".h5", ".hdf5") and _root_format(path) == NATIVE:
        return read_native(path, progress)  # a native file that happens to be called *nodes.h5
    circuit = find_circuit(path)
    nodes: list[Table] = []
    for k, entry in enumerate(circuit.nodes):
        report(0.5 * k / len(circuit.nodes), f"reading {entry.path.name}")
        nodes += _read_tables(entry, "nodes")
    if not nodes:
        raise FormatError(circuit.source, "the circuit has no node populations")
    edges: list[Table] = []
    for k, entry in enumerate(circuit.edges):
        report(0.5 + 0.4 * k / len(circuit.edges), f"reading {entry.path.name}")
        edges += _read_tables(entry, "edges")
    report(0.9, "building the connectome")
    meta, complete = _meta(circuit.nodes[0].path)
    if not complete:
        meta.setdefault("name", _circuit_name(circuit.source))
        meta.setdefault("species", "unknown")
        meta.setdefault("source", "SONATA circuit")
    connectome = parse_sonata(nodes, edges, meta, circuit.partial)
    report(1.0, "done")
    return connectome


# -- reading the files -------------------------------------------------------------------------
def _root_format(path: Path) -> str:
    try:
        with open_hdf5(path) as h5, h5.errors():
            return str(h5.attribute("/", "format", "scalar", default=""))
    except FormatError:
        return ""


def _circuit_name(source: Path) -> str:
    """A folder's name, a config's folder's name (circuit_config.json) or stem, a nodes file's stem."""
    if source.is_file() and source.suffix.lower() == ".json" and source.stem.startswith("circuit_config"):
        return source.resolve().parent.name
    return source.resolve().name.split(".")[0]


def _meta(path: Path) -> tuple[dict[str, str], bool]:
    """The nodes file's root and /nodes attributes, and whether brainview wrote them (then complete)."""
    with open_hdf5(path) as h5, h5.errors():
        complete = h5.attribute("/", "brainview_version", "scalar", default=None) is not None
        meta = {}
        for where in ("/", "nodes"):
            if where != "/" and not h5.has(where):
                continue
            for key in h5.attribute_names(where):
                if where == "/" and key in _RESERVED_META:
                    continue
                try:
                    value = h5.attribute(where, key, "scalar")
                except FormatError:  # an array or a foreign type: not metadata brainview keeps
                    continue
                meta[key] = value if isinstance(value, str) else str(value)
        return meta, complete


def _read_tables(entry: FileEntry, kind: str) -> list[Table]:
    types = None
    if entry.types is not None:
        types = parse_types(text_of(entry.types, MAX_CONFIG_BYTES * 4), entry.types, f"{kind[:-1]}_type_id")
    with open_hdf5(entry.path) as h5, h5.errors():
        if not h5.has(kind):
            raise h5.fail(f"not a SONATA {kind} file: no /{kind} group", column=kind)
        names = h5.members(kind)
        wanted = list(entry.populations) or names
        tables = []
        for name in wanted:
            if name not in names:
                raise h5.fail(f"the config lists population {shown(name)}, which the file does not hold", column=kind)
            table = read_table(h5, kind, name, EDGE_ATTRIBUTES if kind == "edges" else None)
            table.kind = entry.populations.get(name, "")
            if types is not None:
                lookup_types(table, types, entry.types)
            tables.append(table)
        return tables


# -- the connectome ----------------------------------------------------------------------------
def parse_sonata(nodes: list[Table], edges: list[Table], meta: dict[str, str], partial: bool = False) -> Connectome:
    """One connectome from node and edge population tables (see the module notes for the mapping)."""
    offsets, total = {}, 0
    for table in nodes:
        if table.name in offsets:
            raise FormatError(table.file, f"node population {shown(table.name)} appears twice in the circuit")
        offsets[table.name] = total
        total += table.n
    if total == 0:
        raise FormatError(nodes[0].file, "the circuit has no nodes")
    if total > MAX_CELLS:
        raise FormatError(nodes[0].file, f"{total} nodes, more than brainview can index ({MAX_CELLS})")
    attrs = _merge(nodes, total)
    columns: dict[str, object] = {"id": _ids(attrs.get("id"), total)}
    names = attrs.get("name")
    default = np.concatenate([np.array([f"{t.name}_{i}" for i in range(t.n)], dtype=object) for t in nodes])
    columns["name"] = Categorical.from_values(default if names is None else _coalesce([names, default]))
    used = set(_USED)
    for column, aliases in COLUMN_ALIASES.items():
        given = [a for a in aliases if a in attrs]
        if given:
            used.update(given)
            columns[column] = _categorical(_coalesce([attrs[a] for a in given]))
    if "nt" in columns:
        labels = columns["nt"].to_strings()
        columns["nt"] = Categorical.from_values([canonical_nt(v) if v else "" for v in labels])
    columns.setdefault("kind", Categorical.filled(total, "neuron"))
    if len(nodes) > 1:
        columns["population"] = Categorical.from_values(np.repeat([t.name for t in nodes], [t.n for t in nodes]))
    for key in sorted(set(attrs) - used - SIMULATOR_ATTRIBUTES - set(COLUMN_ALIASES)):
        values = attrs[key]
        columns[key] = values if values.dtype != object else _categorical(values)
    if "radius" in attrs:
        columns["radius"] = _radius(attrs["radius"], nodes[0].file)
    inhibitory = _inhibitory(attrs, columns.get("nt"), total)
    chemical, gap = _synapses(edges, offsets, nodes, total, inhibitory, partial)
    position = _positions(attrs, nodes[0].file)
    meta = dict(meta)
    if position is None or not np.isfinite(position).all():
        position = complete_positions(position, chemical, gap, meta)
    try:
        return Connectome(columns, position, chemical, gap, meta)
    except ValueError as error:
        raise FormatError(nodes[0].file, f"not a valid connectome: {one_line(str(error))}") from None


def _merge(tables: list[Table], total: int) -> dict[str, np.ndarray]:
    """Every node attribute over all populations, missing (NaN or None) where a population lacks it."""
    keys = sorted({k for t in tables for k in t.attributes})
    merged = {}
    for key in keys:
        parts = [t.attributes.get(key) for t in tables]
        if len(parts) == 1:
            merged[key] = parts[0]
            continue
        text = any(p is not None and p.dtype == object for p in parts)
        filled = [p if p is not None else np.full(t.n, None if text else np.nan, dtype=object if text else float)
                  for p, t in zip(parts, tables)]
        merged[key] = np.concatenate([_as_text(p) if text else p.astype(float) for p in filled])
    return merged


def _coalesce(arrays: list[np.ndarray]) -> np.ndarray:
    """Per row, the first of ``arrays`` that gives a value."""
    out = _as_text(arrays[0]).copy()
    for values in arrays[1:]:
        missing = _missing(out)
        out[missing] = _as_text(values)[missing]
    return out


def _as_text(values: np.ndarray) -> np.ndarray:
    return texts(values)


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return np.array([v is None or v == "" for v in values], dtype=bool)
    return np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.size, bool)


def _categorical(values: np.ndarray) -> Categorical:
    return Categorical.from_values(_as_text(values))


def _ids(values: np.ndarray | None, total: int) -> np.ndarray:
    """The ``id`` attribute when it is unique whole numbers for every node, else the rows."""
    if values is not None and values.dtype.kind in "iuf" and values.size == total:
        if values.dtype.kind == "f":
            exact = (np.isfinite(values).all() and (np.abs(values) < 2**53).all()
                     and np.array_equal(np.trunc(values), values))
            candidate = values.astype(np.int64) if exact else None
        elif values.dtype.kind == "u":
            candidate = values.astype(np.int64) if not values.size or values.max() < 2**63 else None
        else:
            candidate = values.astype(np.int64)
        if candidate is not None and np.unique(candidate).size == total:
            return candidate
    return np.arange(total, dtype=np.int64)


def _radius(values: np.ndarray, file: Path) -> np.ndarray:
    if values.dtype == object:
        raise FormatError(file, "expected numbers in the node attribute 'radius'", column="radius")
    radius = values.astype(np.float64)
    if not np.all(np.isnan(radius) | ((radius >= 0) & (radius <= MAX_POSITION_UM))):
        raise FormatError(file, f"radii must lie from 0 to {MAX_POSITION_UM:g} micrometres", column="radius")
    return radius.astype(np.float32)


def _positions(attrs: dict[str, np.ndarray], file: Path) -> np.ndarray | None:
    if not any(axis in attrs for axis in "xyz"):
        return None
    columns = []
    for axis in "xyz":
        values = attrs.get(axis)
        if values is None:
            values = np.full(next(len(v) for v in attrs.values()), np.nan)
        if values.dtype == object:
            raise FormatError(file, f"expected numbers in the node attribute {axis!r}", column=axis)
        values = values.astype(np.float64)
        if not np.all(np.isnan(values) | (np.abs(values) <= MAX_POSITION_UM)):
            raise FormatError(file, f"positions must lie within {MAX_POSITION_UM:g} micrometres", column=axis)
        columns.append(values)
    return np.stack(columns, axis=1)


def _inhibitory(attrs: dict[str, np.ndarray], nt: Categorical | None, total: int) -> np.ndarray:
    """Nodes whose outgoing chemical edges are inhibitory when an edge does not say."""
    out = np.zeros(total, bool) if nt is None else nt.mask("GABA")
    ei = attrs.get("ei")
    if ei is not None and ei.dtype == object:
        out |= np.array([isinstance(v, str) and v.strip().lower() in ("i", "inh", "inhibitory") for v in ei])
    return out


def _synapses(edges, offsets, nodes, total, inhibitory, partial) -> tuple[SynapseCSR, SynapseCSR | None]:
    sizes = {t.name: t.n for t in nodes}
    chemical, gap = ([], [], [], []), ([], [], [])
    for table in edges:
        ends = []
        for end in ("source", "target"):
            population = table.populations.get(end) or (nodes[0].name if len(nodes) == 1 else "")
            if population not in offsets:
                if partial:
                    break
                raise FormatError(table.file, f"edge population {shown(table.name)}: its {end} node population "
                                  f"{shown(population)} is not in the circuit", column=f"{end}_node_id")
            ids = table.ends[end]
            if ids.size and (ids.min() < 0 or ids.max() >= sizes[population]):
                raise FormatError(table.file, f"edge population {shown(table.name)}: {end} node ids must lie in "
                                  f"[0, {sizes[population]}), got [{ids.min()}, {ids.max()}]", column=f"{end}_node_id")
            ends.append(ids + offsets[population])
        if len(ends) < 2:
            continue
        pre, post = ends
        electrical = table.kind == "electrical" or table.name.lower().endswith(("electrical", "gap"))
        a = {key: _numbers(table, key) for key in table.attributes}
        if electrical:
            weight = _first(a, ("conductance", "weight"), table.n, abs_of=a.get("syn_weight"))
            gap[0].append(pre), gap[1].append(post), gap[2].append(_checked(weight, table, "conductance"))
            continue
        count = _checked(_first(a, ("count", "nsyns"), table.n, abs_of=a.get("syn_weight")), table, "count")
        sign = np.where(inhibitory[pre], -1, 1).astype(np.int8)
        syn_weight = a.get("syn_weight")
        if syn_weight is not None:
            sign[syn_weight < 0] = -1
        given = a.get("sign")
        if given is not None:
            known = ~np.isnan(given)
            sign[known] = np.where(given[known] < 0, -1, 1)
        for part, values in zip(chemical, (pre, post, count, sign)):
            part.append(values)
    file = edges[0].file if edges else nodes[0].file
    return _csr(chemical, total, file), (_csr(gap, total, file, True) if gap[0] else None)


def _numbers(table: Table, key: str) -> np.ndarray:
    values = table.attributes[key]
    if values.dtype == object:
        raise FormatError(table.file, f"edge population {shown(table.name)}: expected numbers in the attribute {key!r}",
                          column=key)
    return values.astype(np.float64)


def _first(attrs: dict[str, np.ndarray], keys: tuple[str, ...], n: int, abs_of: np.ndarray | None) -> np.ndarray:
    """Per edge, the first of ``keys`` that is given, else ``|abs_of|``, else 1."""
    out = np.full(n, np.nan)
    for values in [attrs.get(k) for k in keys] + [None if abs_of is None else np.abs(abs_of)]:
        if values is not None:
            fill = np.isnan(out)
            out[fill] = values[fill]
    out[np.isnan(out)] = 1.0
    return out


def _checked(values: np.ndarray, table: Table, what: str) -> np.ndarray:
    bad = np.flatnonzero(~((values >= 0) & (values <= FLOAT32_MAX)))
    if bad.size:
        raise FormatError(table.file, f"edge {bad[0]} of population {shown(table.name)}: expected a {what} of 0 "
                          f"or more, finite within float32, got {values[bad[0]]!r}", column=what)
    return values


def _csr(parts, total: int, file: Path, symmetric: bool = False) -> SynapseCSR:
    if not parts[0]:
        return SynapseCSR.empty(total)
    arrays = [np.concatenate(p) for p in parts]
    try:
        csr = SynapseCSR.from_edges(*arrays[:3], total, None if symmetric else arrays[3])
        if not np.isfinite(csr.weight).all():
            raise ValueError("the weights of a pair, summed over its edges, exceed float32's range")
        return csr.symmetrized() if symmetric else csr
    except ValueError as error:
        raise FormatError(file, f"invalid connections: {one_line(str(error))}") from None
