"""Connectomes from pandas DataFrames (brainview.connectome.from_frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainview.connectome import Connectome
from brainview.connectome.from_frames import EDGE_FIELDS, FLYWIRE_EDGE_ENDS, NEUPRINT_EDGE_ENDS
from brainview.connectome.io import codex, neuprint
from brainview.connectome.io.edgelist import read_edgelist
from brainview.errors import InvalidConnectomeError, ParameterError
from tests.invariants import assert_valid_connectome


def neuprint_tables():
    """As neuprint-python's fetch_adjacencies returns them: one connection row per pair and ROI."""
    neurons = pd.DataFrame({
        "bodyId": [10, 20, 30, 40],
        "instance": ["DNa02_R", "DNa02_L", "PFL3(PB08)_L", None],
        "type": ["DNa02", "DNa02", "PFL3", "PFL3"],
        "predictedNt": ["acetylcholine", "gaba", "glutamate", None],
        "pre": [120, 80, 40, 5],
    })
    conns = pd.DataFrame({
        "bodyId_pre": [10, 10, 20, 30, 30],
        "bodyId_post": [20, 20, 30, 40, 10],
        "roi": ["LAL(R)", "PS(R)", "LAL(R)", "PB", "PB"],
        "weight": [3, 4, 5, 6, 1],
    })
    return neurons, conns


def by_name(connectome: Connectome) -> dict:
    edges = connectome.edges_to_pandas()
    return {(a, b): (c, s) for a, b, c, s in edges[["pre_name", "post_name", "count", "sign"]].itertuples(index=False)}


def test_neuprint_tables_give_named_cells_summed_pairs_and_fly_signs():
    neurons, conns = neuprint_tables()
    fly = Connectome.from_dataframes(neurons, conns)
    assert_valid_connectome(fly)
    assert fly.ids.tolist() == [10, 20, 30, 40]  # rows in the order of the cell table
    # Names as the neuPrint reader gives them: the instance, else the type (unique by id).
    assert fly.names.tolist() == ["DNa02_R", "DNa02_L", "PFL3(PB08)_L", "PFL3"]
    assert fly["cell_type"].to_strings().tolist() == ["DNa02", "DNa02", "PFL3", "PFL3"]
    assert fly["nt"].to_strings().tolist() == ["ACh", "GABA", "Glu", "unknown"]
    # The two ROI rows of 10 -> 20 are one connection; GABA and glutamate are inhibitory in the fly.
    assert by_name(fly) == {
        ("DNa02_R", "DNa02_L"): (7.0, 1), ("DNa02_L", "PFL3(PB08)_L"): (5.0, -1),
        ("PFL3(PB08)_L", "DNa02_R"): (1.0, -1), ("PFL3(PB08)_L", "PFL3"): (6.0, -1),
    }
    assert fly["instance"].to_strings()[0] == "DNa02_R" and fly["pre"].tolist() == [120, 80, 40, 5]
    assert fly.meta["species"] == "Drosophila melanogaster" and not fly.positions_measured


def test_flywire_tables_use_root_ids_and_syn_count():
    cells = pd.DataFrame({
        "root_id": [720575940600000002, 720575940600000001],
        "cell_type": ["DNa02", "PFL3"], "side": ["right", "left"], "nt_type": ["GABA", "ACH"],
    })
    connections = pd.DataFrame({
        "pre_root_id": [720575940600000001, 720575940600000001, 720575940600000002],
        "post_root_id": [720575940600000002, 720575940600000002, 720575940600000001],
        "neuropil": ["LAL_R", "PS_R", "LAL_R"], "syn_count": [7, 2, 9],
    })
    fly = Connectome.from_dataframes(cells, connections)
    assert fly.ids.tolist() == [720575940600000002, 720575940600000001]
    assert fly["side"].to_strings().tolist() == ["right", "left"]
    assert by_name(fly) == {("PFL3", "DNa02"): (9.0, 1), ("DNa02", "PFL3"): (9.0, -1)}


def test_the_spellings_are_those_of_the_neuprint_and_codex_readers():
    assert [f.name for f in neuprint.CONNECTION_FIELDS[:2]] == list(NEUPRINT_EDGE_ENDS)
    assert [f.name for f in codex.CONNECTION_FIELDS[:2]] == list(FLYWIRE_EDGE_ENDS)
    assert {"bodyId_pre", "pre_root_id"} <= set(EDGE_FIELDS[0].spellings)
    assert {"weight", "syn_count"} <= set(next(f for f in EDGE_FIELDS if f.name == "weight").spellings)


def test_generic_tables_keep_positions_extra_columns_and_worm_signs():
    cells = pd.DataFrame({
        "id": [1, 2, 3], "name": ["AVAL", "AVAR", "DD1"], "cell_type": ["AVA", "AVA", "DD"],
        "nt": ["Glu", "Glu", "GABA"], "x": [0.0, 1.0, 2.0], "y": [5.0, 5.0, 5.0], "z": [-1.0, 0.0, 1.0],
        "score": [0.5, 0.25, 1.0],
    })
    edges = pd.DataFrame({"pre": [1, 3, 2], "post": [2, 1, 3], "weight": [4.0, 2.0, 1.0]})
    worm = Connectome.from_dataframes(cells, edges, meta={"name": "three"})
    assert worm.meta["name"] == "three" and worm.positions_measured
    np.testing.assert_array_equal(worm.position, cells[["x", "y", "z"]].to_numpy(np.float32))
    assert worm["score"].tolist() == [0.5, 0.25, 1.0]
    # Not fly tables: only GABA is inhibitory, as for a CSV edge list.
    assert by_name(worm) == {("AVAL", "AVAR"): (4.0, 1), ("DD1", "AVAL"): (2.0, -1), ("AVAR", "DD1"): (1.0, 1)}
    fly_signs = Connectome.from_dataframes(cells, edges, inhibitory={"GABA", "Glu"})
    assert by_name(fly_signs)[("AVAL", "AVAR")] == (4.0, -1)


def test_a_sign_column_wins_over_transmitters():
    neurons, conns = neuprint_tables()
    signed = Connectome.from_dataframes(neurons, conns.assign(sign=[1, 1, 1, 1, -1]))
    assert by_name(signed)[("DNa02_L", "PFL3(PB08)_L")] == (5.0, 1)
    assert by_name(signed)[("PFL3(PB08)_L", "DNa02_R")] == (1.0, -1)


def test_edges_may_name_cells_and_ids_may_be_the_index():
    cells = pd.DataFrame({"name": ["A", "B"], "nt": ["ACh", "GABA"]}, index=pd.Index([7, 9], name="bodyId"))
    edges = pd.DataFrame({"source": ["B", "A"], "target": ["A", "B"], "count": [3, 1]})
    connectome = Connectome.from_dataframes(cells, edges)
    assert connectome.ids.tolist() == [7, 9]
    assert by_name(connectome) == {("B", "A"): (3.0, -1), ("A", "B"): (1.0, 1)}


def test_without_edges_or_cells():
    neurons, conns = neuprint_tables()
    alone = Connectome.from_dataframes(neurons)
    assert alone.n == 4 and alone.chemical.n_connections == 0
    from_edges = Connectome.from_dataframes(None, conns)
    assert from_edges.ids.tolist() == [10, 20, 30, 40] and from_edges.chemical.total_weight == 19


def test_gap_junctions_are_symmetric_and_a_pair_listed_both_ways_counts_once(tiny):
    cells = tiny.to_pandas()
    gap = pd.DataFrame({"id_a": [1010, 1040, 1000], "id_b": [1040, 1010, 1020], "weight": [0.5, 0.5, 2.0]})
    connectome = Connectome.from_dataframes(cells, tiny.edges_to_pandas(), gap)
    table = connectome.edges_to_pandas("gap")
    assert table[["name_a", "name_b", "weight"]].values.tolist() == [["N0", "N2", 2.0], ["N1", "N4", 0.5]]
    with pytest.raises(InvalidConnectomeError, match=r"gap junctions table names cells .* \(77\)"):
        Connectome.from_dataframes(cells, None, gap.assign(id_b=[1040, 77, 1020]))


def test_round_trip_through_the_tables(tiny):
    back = Connectome.from_dataframes(tiny.to_pandas(), tiny.edges_to_pandas(), tiny.edges_to_pandas("gap"), tiny.meta)
    assert _same_but_meta(back, tiny)


def _same_but_meta(a: Connectome, b: Connectome) -> bool:
    return a.equals(Connectome(dict(b.columns), b.position, b.chemical, b.gap, dict(a.meta)))


def test_the_worm_round_trips_through_its_tables():
    import brainview

    worm = brainview.load_default()
    back = Connectome.from_dataframes(
        worm.to_pandas(), worm.edges_to_pandas(), worm.edges_to_pandas("gap"), worm.meta
    )
    # A cell without a transmitter reads as "unknown", as every reader gives it.
    nt = worm["nt"].to_strings()
    expected = worm.with_columns(nt=np.where(nt == "", "unknown", nt))
    assert _same_but_meta(back, expected)


def test_a_dataframe_and_a_csv_file_of_the_same_tables_give_the_same_connectome(tmp_path):
    cells = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "nt": ["ACh", "GABA", "Glu"], "side": list("LRL")})
    edges = pd.DataFrame({"pre": [1, 2, 2, 3], "post": [2, 3, 3, 1], "weight": [1.0, 2.0, 3.0, 4.0]})
    cells.to_csv(tmp_path / "net_nodes.csv", index=False)
    edges.to_csv(tmp_path / "net_edges.csv", index=False)
    from_file = read_edgelist(tmp_path / "net_edges.csv")
    from_frames = Connectome.from_dataframes(cells, edges)
    assert _same_but_meta(from_frames, from_file)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 50), st.sampled_from([-1, 1])),
                max_size=40))
def test_random_edge_tables_round_trip(rows):
    ids = np.arange(8) * 3 + 100
    cells = pd.DataFrame({"id": ids, "name": [f"c{i}" for i in range(8)]})
    edges = pd.DataFrame(rows, columns=["pre", "post", "weight", "sign"]).astype({"pre": int, "post": int})
    edges["pre"], edges["post"] = ids[edges["pre"]], ids[edges["post"]]
    connectome = Connectome.from_dataframes(cells, edges)
    assert_valid_connectome(connectome)
    again = Connectome.from_dataframes(connectome.to_pandas(), connectome.edges_to_pandas())
    assert _same_but_meta(again, connectome)
    summed = edges.groupby(["pre", "post"])["weight"].sum()
    table = connectome.edges_to_pandas().set_index(["pre_id", "post_id"])["count"]
    assert table.to_dict() == {key: float(value) for key, value in summed.items()}


# -- errors name the table, the column and the value ---------------------------------------------
def test_a_missing_id_column_is_named_with_its_spellings():
    _, conns = neuprint_tables()
    message = "needs an id column .*'bodyId', 'root_id'.* its columns are 'foo', 'type'"
    with pytest.raises(InvalidConnectomeError, match=message):
        Connectome.from_dataframes(pd.DataFrame({"foo": [10, 20], "type": ["a", "b"]}), conns)


def test_a_missing_edge_end_is_named():
    neurons, conns = neuprint_tables()
    with pytest.raises(InvalidConnectomeError, match="edges table has no 'post' column .*'bodyId_post'"):
        Connectome.from_dataframes(neurons, conns.drop(columns="bodyId_post"))


def test_repeated_ids_are_refused():
    neurons, conns = neuprint_tables()
    with pytest.raises(InvalidConnectomeError, match="cell ids must be unique; column 'bodyId' repeats 10, 30"):
        Connectome.from_dataframes(pd.concat([neurons, neurons.iloc[[0, 2]]]), conns)


def test_edges_to_unknown_cells_list_a_few():
    neurons, conns = neuprint_tables()
    with pytest.raises(InvalidConnectomeError, match=r"column 'bodyId_post' has 3 rows with unknown ids \(99, 98\)"):
        Connectome.from_dataframes(neurons, conns.assign(bodyId_post=[20, 99, 98, 40, 99]))
    many = pd.DataFrame({"bodyId_pre": np.arange(1000, 1008), "bodyId_post": 10, "weight": 1})
    with pytest.raises(InvalidConnectomeError, match=r"\(1000, 1001, 1002, 1003, 1004 and 3 more\)"):
        Connectome.from_dataframes(neurons, many)


@pytest.mark.parametrize(("change", "message"), [
    ({"bodyId": [1.5, 2, 3, 4]}, r"column 'bodyId' of the cells table: row 0: expected a whole number, got 1.5"),
    ({"bodyId": ["10", "x", "30", "40"]}, r"column 'bodyId' of the cells table: row 1: expected an integer, got 'x'"),
    ({"bodyId": [10, None, 30, 40]}, r"column 'bodyId' of the cells table: row 1: expected an integer, got a missing"),
])
def test_bad_ids_are_refused_with_their_row(change, message):
    neurons, conns = neuprint_tables()
    with pytest.raises(InvalidConnectomeError, match=message):
        Connectome.from_dataframes(neurons.assign(**change), conns)


@pytest.mark.parametrize(("weight", "message"), [
    (["1", "x", 3, 4, 5], r"column 'weight' of the edges table: row 1: expected a number, got 'x'"),
    ([1, np.nan, 3, 4, 5], r"row 1: expected a number, got a missing value"),
    ([1, 2, 3, -np.inf, 5], r"row 3: expected a finite number within float32, got -inf"),
    ([1, 2, 3, 4, 1e39], r"row 4: expected a finite number within float32, got 1e\+39"),
])
def test_bad_weights_are_refused_with_their_row(weight, message):
    neurons, conns = neuprint_tables()
    with pytest.raises(InvalidConnectomeError, match=message):
        Connectome.from_dataframes(neurons, conns.assign(weight=weight))


def test_a_row_is_named_by_its_index_label_too():
    neurons, conns = neuprint_tables()
    conns.index = ["a", "b", "c", "d", "e"]
    with pytest.raises(InvalidConnectomeError, match=r"row 2 \(index 'c'\): expected a number"):
        Connectome.from_dataframes(neurons, conns.assign(weight=[1, 2, "?", 4, 5]))


def test_something_other_than_a_dataframe_is_refused():
    neurons, conns = neuprint_tables()
    with pytest.raises(ParameterError, match="the cells must be a pandas DataFrame, got dict"):
        Connectome.from_dataframes(neurons.to_dict(), conns)
    with pytest.raises(ParameterError, match="the edges must be a pandas DataFrame, got list"):
        Connectome.from_dataframes(neurons, [(10, 20, 1)])


def test_extra_columns_of_any_pandas_type_are_kept_and_written(tmp_path):
    from brainview.connectome.io import read_native, write_native

    neurons = pd.DataFrame({
        "bodyId": [10, 20], "instance": ["a_R", "b_L"], "cropped": [True, False],
        "somaRadius": pd.array([301, None], dtype="Int64"), "somaLocation": [[1, 2, 3], None], "status": ["Traced", None],
    })
    conns = pd.DataFrame({"bodyId_pre": [10], "bodyId_post": [20], "weight": [3]})
    fly = Connectome.from_dataframes(neurons, conns)
    assert fly["cropped"].tolist() == [1.0, 0.0]
    np.testing.assert_array_equal(fly["somaRadius"], [301.0, np.nan])
    assert fly["somaLocation"].to_strings().tolist() == ["[1, 2, 3]", ""]
    assert fly["status"].to_strings().tolist() == ["Traced", ""]
    write_native(fly, tmp_path / "fly.h5")
    assert read_native(tmp_path / "fly.h5").equals(fly)  # NaN in a numeric column equals NaN
