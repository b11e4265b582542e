"""SONATA circuits written by hand with h5py, the way BMTK and NEST's examples lay them out."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

STR = h5py.string_dtype()


def _population(group: h5py.Group, kind: str, type_ids, group_ids, group_rows) -> None:
    singular = kind[:-1]
    group.create_dataset(f"{singular}_type_id", data=np.asarray(type_ids, np.uint32))
    group.create_dataset(f"{singular}_group_id", data=np.asarray(group_ids, np.uint32))
    group.create_dataset(f"{singular}_group_index", data=np.asarray(group_rows, np.uint64))


def write_bmtk_circuit(folder: Path) -> Path:
    """A two-population circuit (v1: 5 cells in two groups; lgn: 3 virtual cells) with types tables.

    Returns the circuit config. v1 edges: 0->1 (3 synapses), 1->2 (2, a type with a negative
    weight), 2->4 (5, from a PV cell: inhibitory by ``ei``), 4->0 twice (1 + 1, summed);
    lgn -> v1: 0->0 (weight 2.0), 2->3 (weight 0.5); a gap junction population v1 1<->2.
    """
    network = folder / "network"
    network.mkdir(parents=True)
    with h5py.File(network / "v1_nodes.h5", "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], np.uint32)
        v1 = f.create_group("nodes/v1")
        _population(v1, "nodes", [100, 100, 101, 102, 102], [0, 0, 0, 1, 1], [0, 1, 2, 0, 1])
        g0 = v1.create_group("0")
        for axis, values in zip("xyz", ([1.0, 2.0, 3.0], [10.0, 20.0, 30.0], [0.0, 0.0, 5.0])):
            g0.create_dataset(axis, data=np.array(values, np.float32))
        g0.create_dataset("tuning_angle", data=np.array([0.0, 45.0, 90.0]))
        g1 = v1.create_group("1")
        g1.create_dataset("positions", data=np.array([[4.0, 40.0, 1.0], [5.0, 50.0, 2.0]]))
        g1.create_dataset("mtype", data=np.array([1, 0], np.int32))
        g1.create_dataset("@library/mtype", data=np.array(["L4_PC", "L4_SS"], dtype=object), dtype=STR)
        g1.create_dataset("label", data=np.array(["a", "b"], dtype="S1"))  # fixed-length strings: left out
        g1.create_group("dynamics_params").create_dataset("tau", data=np.array([1.0, 2.0]))
    (network / "v1_node_types.csv").write_text(
        "node_type_id model_type pop_name ei location model_template\n"
        "100 biophysical Scnn1a e VisL4 ctdb:Biophys1.hoc\n"
        "101 biophysical PV1 i VisL4 NULL\n"
        "102 point_process \"LIF exc\" e VisL23 nest:iaf_psc_alpha\n"
    )
    with h5py.File(network / "lgn_nodes.h5", "w") as f:
        lgn = f.create_group("nodes/lgn")
        _population(lgn, "nodes", [200, 200, 200], [0, 0, 0], [0, 1, 2])
        lgn.create_group("0")
    (network / "lgn_node_types.csv").write_text("node_type_id model_type pop_name\n200 virtual tON\n")
    with h5py.File(network / "v1_v1_edges.h5", "w") as f:
        e = f.create_group("edges/v1_to_v1")
        for end, ids in (("source", [0, 1, 2, 4, 4]), ("target", [1, 2, 4, 0, 0])):
            e.create_dataset(f"{end}_node_id", data=np.array(ids, np.uint64)).attrs["node_population"] = "v1"
        _population(e, "edges", [10, 11, 10, 10, 10], [0] * 5, range(5))
        e.create_dataset("0/nsyns", data=np.array([3, 2, 5, 1, 1], np.int32))
        e.create_dataset("0/delay", data=np.full(5, 2.0))
        g = f.create_group("edges/v1_gap")
        for end, ids in (("source", [1, 2]), ("target", [2, 1])):
            g.create_dataset(f"{end}_node_id", data=np.array(ids, np.uint64)).attrs["node_population"] = "v1"
        _population(g, "edges", [12, 12], [0, 0], [0, 1])
        g.create_dataset("0/conductance", data=np.array([0.25, 0.25]))
    (network / "v1_v1_edge_types.csv").write_text(
        "edge_type_id target_query source_query syn_weight delay dynamics_params model_template\n"
        "10 \"ei=='e'\" * 2.5 2.0 AMPA_ExcToExc.json exp2syn\n"
        "11 * \"pop_name=='PV1'\" -1.5 2.0 GABA_InhToExc.json exp2syn\n"
        "12 * * NULL NULL NULL gap\n"
    )
    with h5py.File(network / "lgn_v1_edges.h5", "w") as f:
        e = f.create_group("edges/lgn_to_v1")
        e.create_dataset("source_node_id", data=np.array([0, 2], np.uint64)).attrs["node_population"] = "lgn"
        e.create_dataset("target_node_id", data=np.array([0, 3], np.uint64)).attrs["node_population"] = "v1"
        _population(e, "edges", [20, 20], [0, 0], [0, 1])
        e.create_dataset("0/syn_weight", data=np.array([2.0, 0.5]))
    config = {
        "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network"},
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/v1_nodes.h5", "node_types_file": "$NETWORK_DIR/v1_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/lgn_nodes.h5", "node_types_file": "$NETWORK_DIR/lgn_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/v1_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/v1_v1_edge_types.csv",
                 "populations": {"v1_to_v1": {"type": "chemical"}, "v1_gap": {"type": "electrical"}}},
                {"edges_file": "$NETWORK_DIR/lgn_v1_edges.h5"},
            ],
        },
    }
    path = folder / "circuit_config.json"
    path.write_text(json.dumps(config, indent=2))
    return path
