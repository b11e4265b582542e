"""Writing a connectome as a SONATA circuit (read back by :mod:`brainview.connectome.io.sonata`).

One node population (named after the dataset, :func:`population_name`) and up to two edge
populations in one edges file::

    circuit_config.json      networks.nodes / networks.edges, paths relative to $BASE_DIR (".")
    nodes.h5                 /nodes/<pop>/{node_type_id, node_group_id, node_group_index}
                             /nodes/<pop>/0/{id, x, y, z, radius, <numeric columns>}
                             /nodes/<pop>/0/<string column>: int32 codes into 0/@library/<column>
                             root attributes: magic, version, brainview_version;
                             /nodes attributes: the connectome's metadata
    node_types.csv           node_type_id model_type model_template (one type)
    edges.h5                 /edges/<pop>__<pop>__chemical/{source_node_id, target_node_id,
                             edge_type_id, edge_group_id, edge_group_index}
                             .../0/{syn_weight (count x sign), count, sign}
                             .../indices/{source_to_target, target_to_source}
                             /edges/<pop>__<pop>__electrical/...  gap junctions, both directions,
                             .../0/conductance                    (only when there are any)
    edge_types.csv           edge_type_id model_template

Node ids are cell rows. ``syn_weight`` is the signed synapse count (what a point-neuron
simulator multiplies by its unit weight); ``count`` and ``sign`` keep both exactly. The files
are written all or none (:func:`~brainview.connectome.io.atomic_files.atomic_outputs`), the
circuit config last, and uncompressed: the libsonata wheels are built without HDF5's deflate
filter. The nodes file's root attribute ``brainview_version`` says that the attributes of its
``/nodes`` group are the connectome's complete metadata.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.io.atomic_files import atomic_outputs
from brainview.connectome.synapses import SynapseCSR

SONATA_VERSION = (0, 1)
MAGIC = 0x0A7A
_STR = h5py.string_dtype()


@dataclass(frozen=True)
class CircuitPaths:
    """The files of a written circuit; :attr:`config` is the entry point that names the others."""

    config: Path
    nodes: Path
    edges: Path
    node_types: Path
    edge_types: Path

    def all(self) -> list[Path]:
        """Every file, the config first."""
        return [self.config, self.nodes, self.edges, self.node_types, self.edge_types]


def circuit_paths(folder: str | os.PathLike, prefix: str = "") -> CircuitPaths:
    """``<prefix>circuit_config.json``, ``<prefix>nodes.h5``, ... in ``folder``."""
    folder = Path(folder)
    return CircuitPaths(*(folder / f"{prefix}{name}" for name in (
        "circuit_config.json", "nodes.h5", "edges.h5", "node_types.csv", "edge_types.csv")))


def destination_paths(destination: str | os.PathLike) -> CircuitPaths:
    """Where :func:`write_sonata` puts a circuit for ``destination``.

    A ``.json`` path is the circuit config itself, with the other files beside it named after
    it (``worm.json`` -> ``worm_nodes.h5``...; ``circuit_config.json`` -> ``nodes.h5``...);
    anything else is a folder that gets ``circuit_config.json``, ``nodes.h5``, ...
    """
    destination = Path(destination)
    if destination.suffix.lower() != ".json":
        return circuit_paths(destination)
    stem = destination.stem
    prefix = "" if stem == "circuit_config" else f"{stem}_"
    paths = circuit_paths(destination.parent, prefix)
    return CircuitPaths(destination, paths.nodes, paths.edges, paths.node_types, paths.edge_types)


def population_name(connectome: Connectome) -> str:
    """The node population's name: the dataset's name as letters, digits and underscores."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", connectome.meta.get("name", "")).strip("_")
    return (f"n_{name}" if name[:1].isdigit() else name) or "cells"


def write_sonata(connectome: Connectome, destination: str | os.PathLike, population: str | None = None) -> Path:
    """Write ``connectome`` as a SONATA circuit at ``destination`` (:func:`destination_paths`).

    Returns the circuit config's path. Every file is written completely or not at all.
    """
    paths = destination_paths(destination)
    with atomic_outputs(paths.all()) as temporary:
        write_circuit_files(connectome, CircuitPaths(*temporary), paths, population)
    return paths.config


def write_circuit_files(connectome: Connectome, files: CircuitPaths, final: CircuitPaths,
                        population: str | None = None) -> None:
    """Write the circuit's files at ``files`` (temporary names), naming ``final`` in the config."""
    population = population or population_name(connectome)
    _write_nodes(connectome, files.nodes, population)
    _write_edges(connectome, files.edges, population)
    files.node_types.write_text("node_type_id model_type model_template\n0 point_process brainview:shiu_lif\n")
    types = "edge_type_id model_template\n0 static_synapse\n"
    files.edge_types.write_text(types + ("1 gap_junction\n" if connectome.gap is not None else ""))
    config = generate_circuit_config(final, population, connectome.gap is not None)
    files.config.write_text(json.dumps(config, indent=2) + "\n")


def edge_population_names(population: str) -> tuple[str, str]:
    """The chemical and the electrical edge population of node population ``population``."""
    return f"{population}__{population}__chemical", f"{population}__{population}__electrical"


def generate_circuit_config(paths: CircuitPaths, population: str, gap: bool) -> dict:
    """The circuit config naming ``paths`` relative to the config's folder."""
    base = paths.config.parent

    def relative(path: Path) -> str:
        return "$BASE_DIR/" + os.path.relpath(path, base).replace(os.sep, "/")

    chemical, electrical = edge_population_names(population)
    edges = {chemical: {"type": "chemical"}}
    if gap:
        edges[electrical] = {"type": "electrical"}
    return {
        "manifest": {"$BASE_DIR": "."},
        "networks": {
            "nodes": [{"nodes_file": relative(paths.nodes), "node_types_file": relative(paths.node_types),
                       "populations": {population: {"type": "point_neuron"}}}],
            "edges": [{"edges_file": relative(paths.edges), "edge_types_file": relative(paths.edge_types),
                       "populations": edges}],
        },
    }


def _header(f: h5py.File) -> None:
    f.attrs["magic"] = np.uint32(MAGIC)
    f.attrs["version"] = np.array(SONATA_VERSION, np.uint32)


def _array(group: h5py.Group, name: str, data: np.ndarray) -> h5py.Dataset:
    # Uncompressed: libsonata's wheels are built without HDF5's deflate filter.
    return group.create_dataset(name, data=data)


def _write_nodes(connectome: Connectome, path: Path, population: str) -> None:
    from brainview import __version__

    n = connectome.n
    with h5py.File(path, "w", libver="v110") as f:
        _header(f)
        f.attrs["brainview_version"] = __version__  # the metadata on /nodes is then complete
        group = f.create_group(f"nodes/{population}")
        f["nodes"].attrs.update(connectome.meta)  # not on the root: SONATA's "version" is there
        _array(group, "node_type_id", np.zeros(n, np.int32))
        _array(group, "node_group_id", np.zeros(n, np.uint32))
        _array(group, "node_group_index", np.arange(n, dtype=np.uint64))
        attributes = group.create_group("0")
        _array(attributes, "id", np.asarray(connectome.ids, np.int64))
        for axis, values in zip("xyz", connectome.position.T):
            _array(attributes, axis, np.ascontiguousarray(values, np.float32))
        for key, name in _column_names(connectome).items():
            column = connectome[key]
            if not isinstance(column, Categorical):
                _array(attributes, name, np.asarray(column))
            elif (column.codes >= 0).any() or key == "kind":  # a missing kind is not "neuron", the reader's default
                missing = column.codes < 0
                library = list(column.categories) + ([""] if missing.any() else [])
                _array(attributes, name, np.where(missing, len(column.categories), column.codes).astype(np.int32))
                attributes.create_dataset(f"@library/{name}", data=np.array(library, dtype=object), dtype=_STR)


def _column_names(connectome: Connectome) -> dict[str, str]:
    """Every column but the id, by the HDF5 name it is stored under (no ``/``, not ``@...``)."""
    names: dict[str, str] = {}
    taken = {"id", "x", "y", "z", "@library"}
    for k, key in enumerate(connectome.columns):
        if key == "id":
            continue
        name = key.replace("/", "_")
        if not name or name in (".", "..") or name.startswith("@") or name in taken:
            name = f"column_{k}"
        taken.add(name)
        names[key] = name
    return names


def _write_edges(connectome: Connectome, path: Path, population: str) -> None:
    chemical_name, electrical_name = edge_population_names(population)
    with h5py.File(path, "w", libver="v110") as f:
        _header(f)
        chemical = connectome.chemical
        group = _edge_population(f, chemical_name, chemical, population, 0)
        _array(group, "0/syn_weight", (chemical.weight * chemical.sign).astype(np.float32))
        _array(group, "0/count", chemical.weight)
        _array(group, "0/sign", chemical.sign)
        if connectome.gap is not None:
            group = _edge_population(f, electrical_name, connectome.gap, population, 1)
            _array(group, "0/conductance", connectome.gap.weight)


def _edge_population(f: h5py.File, name: str, csr: SynapseCSR, population: str, type_id: int) -> h5py.Group:
    group = f.create_group(f"edges/{name}")
    source, target = csr.pre.astype(np.uint64), csr.indices.astype(np.uint64)
    for end, ids in (("source", source), ("target", target)):
        _array(group, f"{end}_node_id", ids).attrs["node_population"] = population
    e = csr.n_connections
    _array(group, "edge_type_id", np.full(e, type_id, np.int32))
    _array(group, "edge_group_id", np.zeros(e, np.uint32))
    _array(group, "edge_group_index", np.arange(e, dtype=np.uint64))
    group.create_group("0")
    for direction, (by, order) in {
        "source_to_target": (csr.pre, np.arange(e)),
        "target_to_source": _by_target(csr),
    }.items():
        node_ranges, edge_ranges = edge_index(by, order, csr.n)
        _array(group, f"indices/{direction}/node_id_to_ranges", node_ranges)
        _array(group, f"indices/{direction}/range_to_edge_id", edge_ranges)
    return group


def _by_target(csr: SynapseCSR) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(csr.indices, kind="stable")
    return csr.indices[order], order


def edge_index(nodes: np.ndarray, edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """SONATA's edge index: per node, a span of ranges; per range, a span of edge ids.

    ``nodes`` (sorted) is the node of each edge in ``edges`` (edge ids, ascending within a
    node). Consecutive edge ids of one node make one range. Returns ``node_id_to_ranges``
    (n x 2, uint64, ``[0, 0]`` for a node without edges) and ``range_to_edge_id`` (R x 2).
    """
    nodes, edges = np.asarray(nodes, np.int64), np.asarray(edges, np.int64)
    starts = np.ones(edges.size, bool)
    if edges.size:
        starts[1:] = (nodes[1:] != nodes[:-1]) | (edges[1:] != edges[:-1] + 1)
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], edges.size] - 1
    edge_ranges = np.stack([edges[first], edges[last] + 1], axis=1).astype(np.uint64) if first.size else \
        np.zeros((0, 2), np.uint64)
    range_node = nodes[first]
    node_ranges = np.zeros((n, 2), np.uint64)
    if first.size:
        count = np.bincount(range_node, minlength=n)
        begin = np.r_[0, np.cumsum(count)[:-1]]
        has = count > 0
        node_ranges[has, 0] = begin[has]
        node_ranges[has, 1] = begin[has] + count[has]
    return node_ranges, edge_ranges
