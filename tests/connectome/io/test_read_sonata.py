"""SONATA circuits: brainview's writer and reader round-trip, libsonata reads what brainview
writes, circuits laid out as BMTK writes them open as connectomes, bad circuits fail naming the file."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from invariants import assert_valid_connectome
from sonata_fixtures import write_bmtk_circuit

import brainview
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.sonata import read_sonata
from brainview.connectome.io.sonata_tables import parse_types
from brainview.connectome.io.sonata_writer import (
    destination_paths,
    edge_index,
    population_name,
    write_sonata,
)


@pytest.fixture
def worm(connectome_factory):
    rng = np.random.default_rng(5)
    pre, post = rng.integers(0, 12, 60), rng.integers(0, 12, 60)
    edges = [(int(a), int(b), float(rng.integers(1, 9)), -1 if a % 5 == 0 else 1) for a, b in zip(pre, post)]
    return connectome_factory(
        12, edges=edges, gap_edges=[(1, 4, 0.5), (2, 7, 1.5)],
        subsystem=["steering", "", None, "learning"] * 3, score=np.linspace(0, 1, 12), flag=np.arange(12) % 2 == 0,
        layer=np.arange(12, dtype=np.int16),
    )


def test_written_circuit_reads_back_as_the_same_connectome(worm, tmp_path):
    config = write_sonata(worm, tmp_path / "worm")
    assert config == tmp_path / "worm" / "circuit_config.json"
    assert sorted(p.name for p in (tmp_path / "worm").iterdir()) == [
        "circuit_config.json", "edge_types.csv", "edges.h5", "node_types.csv", "nodes.h5"]
    for path in (tmp_path / "worm", config, tmp_path / "worm" / "nodes.h5"):
        back = brainview.load(path)
        assert back.equals(worm), path
        assert_valid_connectome(back)


def test_a_json_destination_is_the_config_with_the_files_beside_it(worm, tmp_path):
    config = write_sonata(worm, tmp_path / "out" / "fly.json")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "fly.json", "fly_edge_types.csv", "fly_edges.h5", "fly_node_types.csv", "fly_nodes.h5"]
    assert brainview.load(config).equals(worm)
    assert destination_paths(tmp_path / "circuit_config.json").nodes == tmp_path / "nodes.h5"


def test_libsonata_reads_the_written_circuit(worm, tmp_path):
    libsonata = pytest.importorskip("libsonata")
    config = libsonata.CircuitConfig.from_file(str(write_sonata(worm, tmp_path / "worm")))
    population = population_name(worm)
    assert config.node_populations == {population}
    nodes = config.node_population(population)
    assert nodes.size == worm.n
    np.testing.assert_array_equal(nodes.get_attribute("id", nodes.select_all()), worm.ids)
    np.testing.assert_array_equal(nodes.get_attribute("name", nodes.select_all()), worm.names)
    np.testing.assert_allclose(nodes.get_attribute("x", nodes.select_all()), worm.position[:, 0])
    chemical = config.edge_population(f"{population}__{population}__chemical")
    assert chemical.size == worm.chemical.n_connections
    everything = chemical.select_all()
    np.testing.assert_array_equal(chemical.source_nodes(everything), worm.chemical.pre)
    np.testing.assert_array_equal(chemical.target_nodes(everything), worm.chemical.indices)
    np.testing.assert_allclose(chemical.get_attribute("syn_weight", everything),
                               worm.chemical.weight * worm.chemical.sign)
    for node in range(worm.n):  # the indices answer afferent and efferent queries
        incoming = chemical.afferent_edges([node]).flatten()
        assert sorted(incoming) == sorted(np.flatnonzero(worm.chemical.indices == node))
        outgoing = chemical.efferent_edges([node]).flatten()
        assert list(outgoing) == list(range(*worm.chemical.indptr[node : node + 2]))
    gap = config.edge_population(f"{population}__{population}__electrical")
    assert gap.size == worm.gap.n_connections


def test_edge_index_groups_consecutive_edges():
    node_ranges, edge_ranges = edge_index(np.array([0, 0, 0, 2, 2]), np.array([0, 1, 5, 2, 3]), 4)
    assert node_ranges.tolist() == [[0, 2], [0, 0], [2, 3], [0, 0]]
    assert edge_ranges.tolist() == [[0, 2], [5, 6], [2, 4]]


def test_a_bmtk_circuit_opens_as_a_connectome(tmp_path):
    c = brainview.load(write_bmtk_circuit(tmp_path))
    assert_valid_connectome(c)
    assert c.n == 8 and list(c.names) == ["v1_0", "v1_1", "v1_2", "v1_3", "v1_4", "lgn_0", "lgn_1", "lgn_2"]
    assert list(c.strings("cell_type")) == ["Scnn1a", "Scnn1a", "PV1", "L4_SS", "L4_PC", "tON", "tON", "tON"]
    assert list(c.strings("region"))[:5] == ["VisL4"] * 3 + ["VisL23"] * 2
    assert list(c.strings("population")) == ["v1"] * 5 + ["lgn"] * 3
    assert c["tuning_angle"][2] == 90.0 and np.isnan(c["tuning_angle"][3])
    assert "model_type" not in c.columns and "label" not in c.columns and "dynamics_params" not in c.columns
    np.testing.assert_allclose(c.position[3], [4.0, 40.0, 1.0])
    assert np.isfinite(c.position).all() and c.meta["positions_filled"] == "3"
    edges = {(int(i), int(j)): (float(w), int(s)) for i, j, w, s in
             zip(c.chemical.pre, c.chemical.indices, c.chemical.weight, c.chemical.sign)}
    assert edges == {(0, 1): (3.0, 1), (1, 2): (2.0, -1), (2, 4): (5.0, -1), (4, 0): (2.0, 1),
                     (5, 0): (2.0, 1), (7, 3): (0.5, 1)}
    assert c.gap is not None and c.gap.n_pairs == 1 and c.gap.weight.tolist() == [0.25, 0.25]
    assert c.meta["source"] == "SONATA circuit" and c.meta["name"] == tmp_path.name


def test_one_nodes_file_opens_with_the_edges_of_its_folder(tmp_path):
    write_bmtk_circuit(tmp_path)
    c = brainview.load(tmp_path / "network" / "v1_nodes.h5")
    assert c.n == 5 and "population" not in c.columns
    assert c.chemical.n_connections == 4  # the lgn -> v1 edges are left out: lgn is not in the file


def test_a_folder_without_config_reads_its_nodes_and_edges_files(tmp_path):
    write_bmtk_circuit(tmp_path)
    c = read_sonata(tmp_path / "network")
    assert c.n == 8 and c.chemical.n_connections == 6


def test_types_tables_parse_quotes_nulls_and_numbers(tmp_path):
    text = 'edge_type_id syn_weight model_template query\n1 2.5 "static synapse" NULL\n2 -1 exp2syn "a==\'b\'"\n'
    types = parse_types(text, tmp_path / "t.csv", "edge_type_id")
    assert types == {"syn_weight": {1: 2.5, 2: -1.0}, "model_template": {1: "static synapse", 2: "exp2syn"},
                     "query": {2: "a=='b'"}}


def _refused(path, match, named=None):
    with pytest.raises(FormatError, match=match) as caught:
        brainview.load(path)
    assert caught.value.path == str(named or path)
    assert "\n" not in str(caught.value)


def test_bad_circuits_fail_naming_the_file(worm, tmp_path):
    config = write_sonata(worm, tmp_path / "c")
    nodes, edges = config.parent / "nodes.h5", config.parent / "edges.h5"
    (tmp_path / "broken.json").write_text("{not json")
    _refused(tmp_path / "broken.json", "not a JSON circuit config")
    (tmp_path / "other.json").write_text(json.dumps({"networks": {"nodes": [{"nodes_file": "missing.h5"}]}}))
    _refused(tmp_path / "other.json", "missing.h5 does not exist")
    (tmp_path / "loop.json").write_text(json.dumps({"manifest": {"$A": "$B", "$B": "$A"}, "networks": {}}))
    _refused(tmp_path / "loop.json", "loop")
    edges.write_bytes(edges.read_bytes()[: 3000])  # truncated
    _refused(config, "edges.h5|truncated|HDF5", named=edges)
    nodes.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(500))  # foreign
    _refused(config, "HDF5", named=nodes)


def test_edges_to_missing_nodes_are_refused(worm, tmp_path):
    config = write_sonata(worm, tmp_path / "c")
    with h5py.File(config.parent / "edges.h5", "a") as f:
        dataset = f[f"edges/{population_name(worm)}__{population_name(worm)}__chemical/target_node_id"]
        values = dataset[()]
        values[0] = 99
        dataset[...] = values
    _refused(config, r"target node ids must lie in \[0, 12\)", named=config.parent / "edges.h5")


def test_a_native_file_called_nodes_h5_still_reads_as_native(worm, tmp_path):
    from brainview.connectome.io import write_native

    path = write_native(worm, tmp_path / "nodes.h5")
    assert brainview.load(path).equals(worm)


def test_a_failed_write_leaves_nothing(worm, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("brainview.connectome.io.sonata_writer._write_edges", broken)
    with pytest.raises(OSError, match="No space"):
        write_sonata(worm, tmp_path / "new" / "circuit")
    assert list(tmp_path.iterdir()) == []  # not even the folders it made


def test_columns_without_labels_round_trip(worm, tmp_path):
    from brainview.connectome import Categorical

    bare = worm.with_columns(kind=Categorical.filled(worm.n), cell_type=Categorical.filled(worm.n))
    assert brainview.load(write_sonata(bare, tmp_path / "bare")).equals(bare)
