"""GraphML and GEXF files (plain or gzip-compressed), read and written through networkx.

Reading maps node attributes onto connectome columns by name: ``name`` (else ``label``, else
the node's key), ``kind``, ``cell_type`` (or ``type``), ``cell_class`` (or ``class``),
``super_class``, ``region``, ``side``, ``nt`` (or ``neurotransmitter``), ``subsystem``,
``radius``, and positions in micrometres from ``x``, ``y``, ``z`` (or GEXF ``viz:position``);
other attributes are kept as extra columns. Node keys that are all integers become the cell
ids (else an integer ``id``/``bodyId``/``root_id`` attribute, else 0..N-1).

Each edge is a chemical connection with its count from ``count`` (or ``weight``,
``syn_count``, ``synapses``; 1 when absent) and its sign from ``sign`` (negative ->
inhibitory) or else from the presynaptic transmitter (GABA only, as the species is not known).
Edges with ``kind`` = ``gap`` are gap junctions (weight from ``weight``). Undirected graphs
connect both ways. Graph attributes become metadata.

Before networkx sees a file, one streaming pass with expat checks that it is well-formed XML,
that typed numeric attribute values are numbers, and that every edge ends at a declared node,
so errors name the line. Entity declarations are refused (no entity expansion attacks).

Values are checked as in the CSV readers: counts and gap weights finite, not negative and
within float32 (also once summed over parallel edges), signs finite, positions within
:data:`~brainview.connectome.io._columns.MAX_POSITION_UM` micrometres, radii not negative
(1 where missing); anything else, and any file networkx cannot parse, is a FormatError naming
the file (and the line of the node or edge when the check knows it).
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import networkx as nx
import numpy as np
import pandas as pd

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io import Progress
from brainview.connectome.io._columns import (
    FLOAT32_MAX,
    MAX_POSITION_UM,
    build_synapses,
    decimal_int64,
)
from brainview.connectome.io._text_files import one_line, open_binary, shown, unreadable
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.errors import FormatError
from brainview.connectome.layout import complete_positions
from brainview.connectome.neurotransmitters import canonical_nt
from brainview.connectome.synapses import SynapseCSR

COLUMN_ALIASES = {
    "kind": ("kind",), "cell_type": ("cell_type", "type"), "cell_class": ("cell_class", "class"),
    "super_class": ("super_class", "superclass"), "region": ("region",), "side": ("side",),
    "nt": ("nt", "neurotransmitter"), "subsystem": ("subsystem",),
}
COUNT_KEYS = ("count", "weight", "syn_count", "synapses")
ID_KEYS = ("id", "bodyId", "root_id")
GAP_KINDS = {"gap", "gap junction", "gap_junction", "electrical"}
_NETWORKX_GRAPH_KEYS = {"node_default", "edge_default", "mode"}
_NUMERIC_TYPES = {"int": "an integer", "long": "an integer", "integer": "an integer", "float": "a number", "double": "a number"}
# What networkx raises, one place or another, for a file it cannot make a graph of.
_NETWORKX_ERRORS = (nx.NetworkXError, ParseError, ValueError, KeyError, TypeError, IndexError, AttributeError,
                    RuntimeError, OverflowError, LookupError, zlib.error, EOFError, OSError)


def read_graphml(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a GraphML file (``.graphml`` or ``.graphml.gz``); see the module notes for the mapping."""
    return _read(Path(path), "GraphML", progress)


def read_gexf(path: str | os.PathLike, progress: Progress | None = None) -> Connectome:
    """Read a GEXF file (``.gexf`` or ``.gexf.gz``); see the module notes for the mapping."""
    return _read(Path(path), "GEXF", progress)


def _read(path: Path, fmt: str, progress: Progress | None) -> Connectome:
    report = progress or (lambda fraction, message: None)
    report(0.0, f"checking {path.name}")
    scan = scan_xml(path)
    report(0.3, f"reading {path.name}")
    try:
        with open_binary(path) as handle:
            if fmt == "GraphML":
                graph = nx.read_graphml(handle)
            else:
                graph = nx.read_gexf(handle, version=_gexf_version(scan.namespace))
    except _NETWORKX_ERRORS as error:
        raise FormatError(path, f"not a valid {fmt} file: {one_line(str(error)) or type(error).__name__}") from None
    report(0.7, "building the connectome")
    connectome = parse_graph(graph, path, scan.edge_lines, fmt, scan.node_lines)
    report(1.0, "done")
    return connectome


def _gexf_version(namespace: str) -> str:
    for version, spec in nx.readwrite.gexf.GEXF.versions.items():
        if spec["NS_GEXF"] == namespace:
            return version
    return "1.2draft"


class XMLScan:
    """What one expat pass over a graph file found: namespace, nodes, and the line of each edge."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.namespace = ""
        self.nodes: set[str] = set()
        self.node_lines: dict[str, int] = {}
        self.edge_lines: dict[tuple[str, str], int] = {}
        self._edges: list[tuple[str | None, str | None, int]] = []
        self._numeric: dict[tuple[str, str], tuple[str, str]] = {}
        self._context = "graph"
        self._data: tuple[tuple[str, str], int, list[str]] | None = None
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.EntityDeclHandler = self._refuse_entities

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        self.namespace = self.namespace or namespace
        line = self.parser.CurrentLineNumber
        if local == "key" and attrs.get("attr.type") in _NUMERIC_TYPES:  # GraphML declaration
            self._numeric[("any", attrs.get("id", ""))] = (attrs.get("attr.name", ""), attrs["attr.type"])
        elif local == "attributes":  # GEXF: attribute ids are per class (node or edge)
            self._context = attrs.get("class", "node")
        elif local == "attribute" and attrs.get("type") in _NUMERIC_TYPES:
            self._numeric[(self._context, attrs.get("id", ""))] = (attrs.get("title", ""), attrs["type"])
        elif local == "node":
            self.nodes.add(attrs.get("id", ""))
            self.node_lines.setdefault(attrs.get("id", ""), line)
            self._context = "node"
        elif local == "edge":
            self._edges.append((attrs.get("source"), attrs.get("target"), line))
            self._context = "edge"
        elif local == "data":
            self._data = (("any", attrs.get("key", "")), line, [])
        elif local == "attvalue":
            self._check((self._context, attrs.get("for", attrs.get("id", ""))), attrs.get("value", ""), line)

    def _end(self, name: str) -> None:
        if name.rpartition(" ")[2] == "data" and self._data is not None:
            key, line, parts = self._data
            self._check(key, "".join(parts), line)
            self._data = None

    def _text(self, text: str) -> None:
        if self._data is not None:
            self._data[2].append(text)

    def _check(self, key: tuple[str, str], text: str, line: int) -> None:
        if key not in self._numeric:
            return
        attribute, kind = self._numeric[key]
        try:
            int(text.strip()) if _NUMERIC_TYPES[kind] == "an integer" else float(text)
        except ValueError:
            raise FormatError(self.path, f"expected {_NUMERIC_TYPES[kind]}, got {shown(text.strip())}", line=line,
                              column=attribute[:60]) from None

    def _refuse_entities(self, *args) -> None:
        raise FormatError(self.path, "XML entity declarations are not accepted", line=self.parser.CurrentLineNumber)

    def check_edges(self) -> None:
        """FormatError for the first edge whose end is not a declared node."""
        for source, target, line in self._edges:
            for end, value in (("source", source), ("target", target)):
                if value is None:
                    raise FormatError(self.path, f"an edge without a {end}", line=line, column=end)
                if value not in self.nodes:
                    raise FormatError(
                        self.path, f"edge to an unknown neuron id {shown(value)} (no node declares it)", line=line,
                        column=end,
                    )
            self.edge_lines.setdefault((source, target), line)


def scan_xml(path: Path) -> XMLScan:
    """Check a GraphML/GEXF file in one streaming pass; FormatError naming the line on a problem."""
    scan = XMLScan(path)
    try:
        with open_binary(path) as handle:
            first = handle.read(1 << 16)
            if not first.strip():
                raise FormatError(path, "the file is empty")
            while first:
                scan.parser.Parse(first, False)
                first = handle.read(1 << 20)
            scan.parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise FormatError(
            path, f"not well-formed XML ({expat.ErrorString(error.code)}, at character {error.offset + 1})",
            line=error.lineno,
        ) from None
    except FormatError:
        raise
    except (LookupError, ValueError) as error:  # an XML declaration naming an unknown encoding
        raise FormatError(path, f"not well-formed XML: {one_line(str(error))}", line=scan.parser.CurrentLineNumber) from None
    except (OSError, EOFError, zlib.error) as error:
        raise unreadable(path, error) from None
    scan.check_edges()
    return scan


def parse_graph(
    graph: nx.Graph, path: Path, edge_lines: dict[tuple[str, str], int], fmt: str, node_lines: dict[str, int] | None = None
) -> Connectome:
    """A Connectome from a networkx graph read from ``path`` (``edge_lines``, ``node_lines`` locate errors)."""
    keys = list(graph.nodes)
    if not keys:
        raise FormatError(path, "the graph has no nodes")
    attributes = [graph.nodes[k] for k in keys]
    n = len(keys)
    columns = {"id": _ids(keys, attributes)}
    names = [a.get("name", a.get("label", str(k))) for k, a in zip(keys, attributes)]
    columns["name"] = Categorical.from_values([str(v) for v in names])
    used = {"name", "label", "viz", "x", "y", "z", *ID_KEYS}
    for column, aliases in COLUMN_ALIASES.items():
        key = next((a for a in aliases if any(a in attrs for attrs in attributes)), None)
        if key is not None:
            used.add(key)
            columns[column] = Categorical.from_values([attrs.get(key) for attrs in attributes])
    columns["nt"] = Categorical.from_values(
        [canonical_nt(v) for v in (columns["nt"].to_strings() if "nt" in columns else [""] * n)]
    )
    columns.setdefault("kind", Categorical.filled(n, "neuron"))
    for key in sorted({k for attrs in attributes for k in attrs} - used):
        columns[key] = _extra_column([attrs.get(key) for attrs in attributes])
    lines = [(node_lines or {}).get(str(k)) for k in keys]
    if "radius" in columns:
        columns["radius"] = _radii(columns["radius"], path, lines)
    chemical, gap = _synapses(graph, keys, columns["nt"], path, edge_lines)
    meta = {str(k): str(v) for k, v in graph.graph.items() if k not in _NETWORKX_GRAPH_KEYS and isinstance(v, str | int | float)}
    declared = meta.get("positions", "")
    meta.setdefault("name", path.name.split(".")[0])
    meta.setdefault("species", "unknown")
    meta.setdefault("units", "synapse counts (or the weights as given)")
    meta["source"] = f"{fmt} file"
    position = _positions(attributes, path, lines)
    if position is not None:
        meta.setdefault("coordinate_frame", "as given in the file (micrometres)")
    position = complete_positions(position, chemical, gap, meta)
    if declared.startswith("layout") and meta["positions"] == "measured" and "positions_filled" not in meta:
        meta["positions"] = declared  # the file's x, y, z were themselves computed
    try:
        return Connectome(columns, position, chemical, gap, meta)
    except ValueError as error:  # what the data model refuses and the checks above let through
        raise FormatError(path, f"not a valid connectome: {one_line(str(error))}") from None


def _ids(keys: list, attributes: list[dict]) -> np.ndarray:
    """Node keys that are unique int64 integers, else unique int64 id attributes, else 0..N-1."""
    values, _, fits = decimal_int64([str(k) for k in keys])
    if fits.all() and np.unique(values).size == len(keys):
        return values
    for key in ID_KEYS:
        given = [a.get(key) for a in attributes]
        if (all(isinstance(v, int | np.integer) and not isinstance(v, bool) and -(2**63) <= v < 2**63 for v in given)
                and len(set(given)) == len(given)):
            return np.asarray(given, np.int64)
    return np.arange(len(keys), dtype=np.int64)


def _extra_column(values: list) -> np.ndarray | Categorical:
    try:
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    except OverflowError:  # an integer beyond float64: kept as text
        return Categorical.from_values([None if v is None else str(v) for v in values])
    present = pd.Series(values, dtype=object).notna()
    if present.any() and numbers[present].notna().all():
        return numbers.to_numpy(np.float64)
    return Categorical.from_values(values)


def _radii(radius: np.ndarray | Categorical, path: Path, lines: list[int | None]) -> np.ndarray:
    """Node radii: not negative and finite, 1 where a node has none."""
    if not isinstance(radius, np.ndarray):
        raise FormatError(path, "expected numbers in the node attribute 'radius'", column="radius")
    bad = np.flatnonzero(~((radius >= 0) & (radius <= MAX_POSITION_UM)) & ~np.isnan(radius))
    if bad.size:
        raise FormatError(path, f"expected a radius from 0 to {MAX_POSITION_UM:g} micrometres, got {float(radius[bad[0]])!r}",
                          line=lines[bad[0]], column="radius")
    return np.where(np.isnan(radius), 1.0, radius)


def _positions(attributes: list[dict], path: Path, lines: list[int | None]) -> np.ndarray | None:
    """(N, 3) positions from x, y, z (or GEXF viz:position), NaN where missing; None if no node has any."""
    if not any("x" in a or "viz" in a for a in attributes):
        return None
    position = np.full((len(attributes), 3), np.nan)
    for row, attrs in enumerate(attributes):
        viz = attrs.get("viz", {}).get("position", {}) if isinstance(attrs.get("viz"), dict) else {}
        viz = viz if isinstance(viz, dict) else {}
        for k, axis in enumerate("xyz"):
            value = attrs.get(axis, viz.get(axis))
            if value is None:
                continue
            try:
                position[row, k] = float(value)
            except (TypeError, ValueError, OverflowError):
                position[row, k] = np.inf  # reported below
            if not abs(position[row, k]) <= MAX_POSITION_UM and not np.isnan(position[row, k]):
                raise FormatError(
                    path, f"expected a position within {MAX_POSITION_UM:g} micrometres, got {shown(str(value))}",
                    line=lines[row], column=axis,
                )
    return position


def _synapses(graph, keys, nt: Categorical, path: Path, edge_lines) -> tuple[SynapseCSR, SynapseCSR | None]:
    index = {k: i for i, k in enumerate(keys)}
    chemical: list[tuple[int, int, float, int]] = []
    gap: list[tuple[int, int, float]] = []
    # The line and the count's attribute of each row, to locate a pair whose sum overflows.
    chemical_at: list[tuple[int | None, str | None]] = []
    gap_at: list[tuple[int | None, str | None]] = []
    inhibitory = nt.mask("GABA")
    for u, v, data in graph.edges(data=True):
        i, j = index[u], index[v]
        line = edge_lines.get((u, v))
        if str(data.get("kind", "")).lower() in GAP_KINDS:
            gap.append((i, j, _number(data, ("weight", "count"), path, line, minimum=0.0)))
            gap_at.append((line, next((k for k in ("weight", "count") if k in data), None)))
            continue
        count = _number(data, COUNT_KEYS, path, line, minimum=0.0)
        given = _number(data, ("sign",), path, line, default=np.nan)
        directions = [(i, j)] if graph.is_directed() or i == j else [(i, j), (j, i)]
        for pre, post in directions:
            inhibitory_edge = given < 0 if np.isfinite(given) else inhibitory[pre]
            chemical.append((pre, post, count, -1 if inhibitory_edge else 1))
            chemical_at.append((line, next((k for k in COUNT_KEYS if k in data), None)))
    n = len(keys)

    def error_at(rows: list[tuple[int | None, str | None]]):
        return lambda problem, row: FormatError(
            path, problem, line=None if row is None else rows[row][0], column=None if row is None else rows[row][1]
        )

    pre, post, count, sign = (np.array(c) for c in zip(*chemical)) if chemical else ([], [], [], [])
    synapses = build_synapses(pre, post, count, n, np.asarray(sign, np.int8), error_at(chemical_at))
    gaps = None
    if gap:
        i, j, w = (np.array(c) for c in zip(*gap))
        gaps = build_synapses(i, j, w, n, None, error_at(gap_at)).symmetrized()
    return synapses, gaps


def _number(
    data: dict, keys: tuple[str, ...], path: Path, line: int | None, default: float = 1.0, minimum: float | None = None
) -> float:
    """The first of ``keys`` in an edge's ``data`` as a finite float32-sized number, else ``default``."""
    key = next((k for k in keys if k in data), None)
    if key is None:
        return default
    try:
        value = float(data[key])
    except (TypeError, ValueError, OverflowError):
        raise FormatError(path, f"expected a number, got {shown(str(data[key]))}", line=line, column=key) from None
    if not abs(value) <= FLOAT32_MAX or (minimum is not None and value < minimum):
        expected = f"a number of {minimum:g} or more" if minimum is not None else "a number"
        raise FormatError(path, f"expected {expected}, finite within float32, got {shown(str(data[key]))}",
                          line=line, column=key)
    return value


def generate_graph(connectome: Connectome) -> nx.MultiDiGraph:
    """The connectome as a networkx multigraph: node attributes, chemical and gap edges.

    Nodes are keyed by ``str(id)``; chemical edges carry ``kind="chemical"``, ``count`` and
    ``sign``; each gap junction pair appears once with ``kind="gap"`` and ``weight``.
    """
    graph = nx.MultiDiGraph(**{k: v for k, v in connectome.meta.items()})
    keys = [str(i) for i in connectome.ids]
    columns = {key: connectome.strings(key) if isinstance(value, Categorical) else value
               for key, value in connectome.columns.items() if key != "id"}
    for row, key in enumerate(keys):
        attrs = {}
        for column, values in columns.items():
            value = values[row]
            if isinstance(value, str):
                if value:
                    attrs[column] = value
            elif np.isfinite(value):
                attrs[column] = value.item()
        attrs.update(zip("xyz", (float(v) for v in connectome.position[row])))
        graph.add_node(key, **attrs)
    chemical = connectome.chemical
    for i, j, count, sign in zip(chemical.pre, chemical.indices, chemical.weight, chemical.sign):
        graph.add_edge(keys[i], keys[j], kind="chemical", count=float(count), sign=int(sign))
    if connectome.gap is not None:
        gap = connectome.gap
        for i, j, weight in zip(gap.pre, gap.indices, gap.weight):
            if i <= j:
                graph.add_edge(keys[i], keys[j], kind="gap", weight=float(weight))
    return graph


def write_graphml(connectome: Connectome, path: str | os.PathLike) -> Path:
    """Write ``connectome`` as GraphML (gzip-compressed when ``path`` ends in ``.gz``), atomically."""
    return _write(connectome, Path(path), nx.write_graphml)


def write_gexf(connectome: Connectome, path: str | os.PathLike) -> Path:
    """Write ``connectome`` as GEXF (gzip-compressed when ``path`` ends in ``.gz``), atomically."""
    return _write(connectome, Path(path), nx.write_gexf)


def _write(connectome: Connectome, path: Path, writer) -> Path:
    graph = generate_graph(connectome)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with atomic_output(path) as temporary, opener(temporary, "wb") as out:
        writer(graph, out)
    return path
