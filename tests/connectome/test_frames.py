"""A connectome as pandas tables and networkx graphs (brainview.connectome.frames)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from brainview.connectome import frames
from brainview.errors import ParameterError


def test_cell_table_has_one_row_per_cell_with_categoricals_and_positions(tiny):
    cells = tiny.to_pandas()
    assert list(cells.columns[:10]) == [
        "id", "name", "kind", "cell_type", "cell_class", "super_class", "region", "side", "nt", "subsystem",
    ]
    assert {"x", "y", "z", "radius"} <= set(cells.columns)
    assert cells.index.name == "row" and cells.index.tolist() == list(range(6))
    assert cells["id"].tolist() == tiny.ids.tolist()
    assert cells["name"].dtype == "category" and cells["name"].tolist() == [f"N{i}" for i in range(6)]
    assert cells["cell_class"].isna().all()  # a label no source gave is missing, not ""
    np.testing.assert_array_equal(cells[["x", "y", "z"]].to_numpy(), tiny.position)
    assert cells.loc[cells["cell_type"] == "T1", "name"].tolist() == ["N2", "N3"]


def test_cell_table_is_a_copy_that_can_be_changed(tiny):
    cells = tiny.to_pandas()
    cells.loc[0, "x"] = 1e6  # the connectome's arrays are read-only; the table's are not
    cells.loc[0, "radius"] = 7.0
    assert tiny.position[0, 0] != 1e6 and tiny["radius"][0] == 1.0


def test_edge_table_lists_every_connection_with_ids_rows_names_counts_and_signs(tiny):
    edges = tiny.edges_to_pandas()
    assert len(edges) == tiny.chemical.n_connections
    assert edges[["pre_row", "post_row"]].to_numpy().tolist() == [[i, (i + 1) % 6] for i in range(6)]
    last = edges[edges["pre_name"] == "N5"].iloc[0]
    assert (last["pre_id"], last["post_id"], last["post_name"]) == (1050, 1000, "N0")
    assert last["count"] == 2.0 and last["sign"] == -1
    assert set(edges.loc[edges["pre_name"] != "N5", "sign"]) == {1}


def test_gap_table_lists_each_pair_once(tiny):
    gap = tiny.edges_to_pandas("gap")
    assert gap[["name_a", "name_b", "weight"]].values.tolist() == [["N1", "N4", 0.5]]
    assert gap[["id_a", "id_b", "row_a", "row_b"]].values.tolist() == [[1010, 1040, 1, 4]]


def test_gap_table_is_empty_without_gap_junctions(connectome_factory):
    assert connectome_factory(4).edges_to_pandas("gap").empty


def test_unknown_edge_kind_is_refused(tiny):
    with pytest.raises(ParameterError, match="kind must be one of chemical, gap"):
        tiny.edges_to_pandas("electrical")


def test_to_networkx_of_a_mask_keeps_the_connections_among_the_selection(tiny):
    graph = tiny.to_networkx(tiny["cell_type"] != "T2")  # N0..N3
    assert isinstance(graph, nx.DiGraph) and graph.graph["name"] == "fixture"
    assert sorted(graph.nodes) == [1000, 1010, 1020, 1030]
    assert sorted(graph.edges) == [(1000, 1010), (1010, 1020), (1020, 1030)]
    assert graph.edges[1000, 1010] == {"weight": 2.0, "sign": 1}
    node = graph.nodes[1020]
    assert node["row"] == 2 and node["name"] == "N2" and node["cell_type"] == "T1" and node["nt"] == "ACh"
    assert node["cell_class"] == "" and node["x"] == pytest.approx(float(tiny.position[2, 0]))


def test_to_networkx_takes_rows_selectors_and_gap_junctions(tiny):
    whole = tiny.to_networkx()
    assert whole.number_of_nodes() == 6 and whole.edges[1050, 1000]["sign"] == -1
    assert sorted(tiny.to_networkx([5, 0]).edges) == [(1050, 1000)]
    assert sorted(tiny.to_networkx("N0,N1").nodes) == [1000, 1010]
    gap = tiny.to_networkx(kind="gap")
    assert isinstance(gap, nx.Graph) and not gap.is_directed()
    assert list(gap.edges(data="weight")) == [(1010, 1040, 0.5)]


def test_to_networkx_refuses_a_mask_of_the_wrong_length(tiny):
    with pytest.raises(ParameterError, match=r"one entry per cell \(6\)"):
        tiny.to_networkx(np.ones(5, bool))


def test_to_networkx_refuses_a_whole_fly_sized_network(connectome_factory):
    big = connectome_factory(frames.MAX_NETWORKX_CELLS + 1, edges=[])
    with pytest.raises(ParameterError, match="at most 50,000 cells.*50,001: select fewer cells"):
        big.to_networkx()
    assert big.to_networkx(np.arange(10)).number_of_nodes() == 10


def test_to_networkx_refuses_too_many_connections(tiny, monkeypatch):
    monkeypatch.setattr(frames, "MAX_NETWORKX_CONNECTIONS", 3)
    with pytest.raises(ParameterError, match="at most 3 connections.*have 6: select fewer cells"):
        tiny.to_networkx()
    assert tiny.to_networkx([0, 1, 2]).number_of_edges() == 2


def test_tables_of_the_worm_agree_with_its_arrays(worm):
    edges = worm.edges_to_pandas()
    assert edges["count"].sum() == pytest.approx(worm.chemical.total_weight)
    assert (edges["sign"] == -1).sum() == int((worm.chemical.sign == -1).sum())
    gap = worm.edges_to_pandas("gap")
    assert len(gap) == worm.gap.n_pairs and gap["weight"].sum() == pytest.approx(worm.gap.pair_weight)
    cells = worm.to_pandas()
    assert len(cells) == worm.n and (cells["subsystem"] == "steering").sum() == (worm["subsystem"] == "steering").sum()


@pytest.fixture(scope="module")
def worm():
    import brainview

    return brainview.load_default()


def test_edge_table_dtypes_are_compact(tiny):
    edges = tiny.edges_to_pandas()
    assert edges["pre_row"].dtype == np.int32 and edges["count"].dtype == np.float32
    assert edges["sign"].dtype == np.int8 and isinstance(edges["pre_name"].dtype, pd.CategoricalDtype)
