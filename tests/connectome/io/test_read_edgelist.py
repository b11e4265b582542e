"""Generic CSV edge lists, with and without a header, with and without a node table."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io.edgelist import node_table_for, read_edgelist


def write(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode()) if path.name.endswith(".gz") else text.encode())
    return path


def test_named_cells_repeated_pairs_summed(tmp_path, edges_of):
    path = write(tmp_path / "worm.csv", "pre,post,weight\nADAL,AIBR,2\nADAL,AIBR,3\nAIBR,ADAL,1\nAVAL,AVAL,4\n")
    c = brainview.load(path)
    assert sorted(c.names) == ["ADAL", "AIBR", "AVAL"]
    assert edges_of(c) == {("ADAL", "AIBR"): (5.0, 1), ("AIBR", "ADAL"): (1.0, 1), ("AVAL", "AVAL"): (4.0, 1)}
    assert c.meta["positions"] == "layout:spectral" and c.meta["source"] == "CSV edge list"
    assert c.meta["name"] == "worm" and c.meta["units"].startswith("synapse counts")


def test_source_target_aliases_sign_column_and_no_weight(tmp_path, edges_of):
    path = write(tmp_path / "g.tsv", "source\ttarget\tsign\n1\t2\t-1\n2\t3\t1\n2\t3\t1\n")
    c = read_edgelist(path)
    assert list(c.ids) == [1, 2, 3]
    assert edges_of(c) == {("1", "2"): (1.0, -1), ("2", "3"): (2.0, 1)}


def test_negative_weights_are_inhibitory(tmp_path, edges_of):
    c = read_edgelist(write(tmp_path / "g.csv", "pre,post,weight\na,b,-3\nb,a,2\n"))
    assert edges_of(c) == {("a", "b"): (3.0, -1), ("b", "a"): (2.0, 1)}


def test_headerless_integer_ids_with_node_table(tmp_path, edges_of):
    write(tmp_path / "fly_edgelist.csv.gz", "10,20,2\n20,30,1\n10,10,5\n")
    write(tmp_path / "fly_nodes.csv.gz", "node_id,pair,hemisphere,nt,x,y,z\n10,0,L,GABA,1,2,3\n20,0,R,ACh,4,5,6\n30,1,L,,7,8,\n")
    assert node_table_for(tmp_path / "fly_edgelist.csv.gz") == tmp_path / "fly_nodes.csv.gz"
    c = brainview.load(tmp_path / "fly_edgelist.csv.gz")
    assert list(c.ids) == [10, 20, 30] and list(c.names) == ["10", "20", "30"]
    assert list(c.strings("side")) == ["left", "right", "left"]
    assert list(c.strings("nt")) == ["GABA", "ACh", "unknown"]
    assert c["pair"].dtype == np.float64 and list(c["pair"]) == [0, 0, 1]  # numeric extra column
    assert edges_of(c) == {("10", "20"): (2.0, -1), ("20", "30"): (1.0, 1), ("10", "10"): (5.0, -1)}
    assert np.allclose(c.position[:2], [[1, 2, 3], [4, 5, 6]])
    assert c.meta["positions"] == "measured" and c.meta["positions_filled"] == "1"


def test_names_matched_against_node_table(tmp_path):
    write(tmp_path / "chem.csv", "pre,post,weight\nRIAL,RIAR,2\nRIAR,SMDVL,1\n")
    write(tmp_path / "nodes.csv", "name,cell_type,soma_x,soma_y,soma_z,radius\nRIAL,RIA,1,0,0,1.5\nRIAR,RIA,-1,0,0,\n"
          "SMDVL,SMD,0,1,0,2\nISOL,X,0,0,9,1\n")
    c = read_edgelist(tmp_path / "chem.csv")
    assert list(c.names) == ["RIAL", "RIAR", "SMDVL", "ISOL"] and list(c.ids) == [0, 1, 2, 3]
    assert list(c.strings("cell_type")) == ["RIA", "RIA", "SMD", "X"]
    assert np.allclose(c["radius"], [1.5, 1.0, 2.0, 1.0])
    assert np.allclose(c.position[3], [0, 0, 9]) and c.meta["positions"] == "measured"


def test_edgelist_errors_name_file_line_column(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post,weight\na,b,1\nb,c,lots\n")
    with pytest.raises(FormatError, match="expected a number, got 'lots'") as info:
        read_edgelist(path)
    assert (info.value.line, info.value.column) == (3, "weight")
    write(path, "pre,dst,weight\na,b,1\n")
    with pytest.raises(FormatError, match="missing column 'post' \\(or 'target'.*'dst'"):
        read_edgelist(path)
    write(path, "")
    with pytest.raises(FormatError, match="the file is empty"):
        read_edgelist(path)
    write(path, "pre,post,weight\na,,1\n")
    with pytest.raises(FormatError, match="expected a cell id or name, got an empty value") as info:
        read_edgelist(path)
    assert (info.value.line, info.value.column) == (2, "post")


def test_unknown_node_and_bad_node_tables(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post\n1,2\n2,7\n")
    nodes = write(tmp_path / "e_nodes.csv", "id,name\n1,A\n2,B\n")
    with pytest.raises(FormatError, match="edge to an unknown neuron id '7' \\(not in e_nodes.csv\\)") as info:
        read_edgelist(path)
    assert (info.value.line, info.value.column) == (3, "post")
    write(nodes, "id,name\n1,A\n2,B\n1,C\n")
    with pytest.raises(FormatError, match="id 1 appears twice") as info:
        read_edgelist(path)
    assert info.value.line == 4
    write(nodes, "cell,type\nA,x\n")
    with pytest.raises(FormatError, match="needs an 'id' or a 'name' column"):
        read_edgelist(path)
    write(path, "pre,post\nA,B\n")
    write(nodes, "id\n1\n2\n")
    with pytest.raises(FormatError, match="no 'name' column"):
        read_edgelist(path)


def test_cli_info_on_bad_edgelist(tmp_path, capsys):
    path = write(tmp_path / "e.csv", "pre,post,weight\na,b,1\nb,c,x\n")
    assert main(["info", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [f"brainview: error: {path}, line 3, column 'weight': expected a number, got 'x'"]


def test_real_larva_subset_without_header(shared_data):
    c = brainview.load(shared_data / "larva_subset_bgm" / "maggot_subset_edgelist.csv.gz")
    assert c.n == 1240 and c.chemical.total_weight == 137_980
    assert c.chemical.n_connections == 32_564
    assert c["side"].counts() == {"left": 620, "right": 620}
    assert not c.positions_measured and np.isfinite(c.position).all()


def test_real_celegans_named_edges(shared_data):
    c = brainview.load(shared_data / "celegans" / "celegans_cook2019_herm_chemical_edges.csv")
    assert c.n == 446 and c.chemical.n_connections == 4_879 and c.chemical.total_weight == 28_113
    assert "AVAL" in set(c.names)


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
def test_repeated_name_in_node_table(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post\nA,B\n")
    nodes = write(tmp_path / "e_nodes.csv", "name,type\nA,x\nB,y\nA,z\n")
    with pytest.raises(FormatError, match="name 'A' appears twice") as info:
        brainview.load(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(nodes), 4, "name")
    # An unnamed cell is named by its id, which must not be another cell's name either.
    write(tmp_path / "e.csv", "pre,post\n5,A\n")
    write(nodes, "id,name\n5,\n6,5\n7,A\n")
    with pytest.raises(FormatError, match="name '5' appears twice \\(a cell without a name is named by its id") as info:
        brainview.load(path)
    assert info.value.path == str(nodes) and info.value.line == 3


@pytest.mark.parametrize("cell", ["9223372036854775808", "-9223372036854775809", "1" * 1_000_000])
def test_integer_ids_beyond_int64(tmp_path, cell):
    path = write(tmp_path / "e.csv", f"pre,post,weight\n1,2,3\n2,{cell},1\n")
    with pytest.raises(FormatError, match="expected a cell id within int64") as info:
        brainview.load(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 3, "post")
    assert len(str(info.value)) < 500


def test_weights_beyond_float32(tmp_path):
    # 1e39 is inf as float32, and the layout (no positions here) choked on it.
    path = write(tmp_path / "e.csv", "pre,post,weight\na,b,2\nb,c,1e39\n")
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 3, "weight")
    # Two weights of 3e38 are finite, their sum is not: the second row is at fault.
    write(path, "pre,post,weight\na,b,3e38\nb,c,1\na,b,3e38\n")
    with pytest.raises(FormatError, match="summed over its rows") as info:
        brainview.load(path)
    assert (info.value.line, info.value.column) == (4, "weight")
    write(path, "pre,post,weight\na,b,3e38\nb,c,-3e38\n")
    c = brainview.load(path)  # a negative weight is an inhibitory count
    assert c.chemical.weight.max() == np.float32(3e38) and np.isfinite(c.position).all()


@pytest.mark.parametrize(
    ("row", "column"),
    [("2,b,1e300,0,0,1", "x"), ("2,b,0,-inf,0,1", "y"), ("2,b,0,0,2e9,1", "z"), ("2,b,0,0,0,-1", "radius"),
     ("2,b,0,0,0,inf", "radius")],
)
def test_node_positions_and_radii_out_of_range(tmp_path, row, column):
    path = write(tmp_path / "e.csv", "pre,post\n1,2\n")
    nodes = write(tmp_path / "e_nodes.csv", f"id,name,x,y,z,radius\n1,a,0,0,0,1\n{row}\n")
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(nodes), 3, column)


def test_invalid_utf8_in_an_edge_row(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(b"pre,post,weight\na,b,1\nb,c\xff,2\n")
    with pytest.raises(FormatError, match="not UTF-8") as info:
        brainview.load(path)
    assert (info.value.path, info.value.line) == (str(path), 3)


def test_long_header_field_in_an_edge_list_and_its_node_table(tmp_path):
    path = write(tmp_path / "e.csv", "pre,post,weight\na,b,1\n")
    nodes = write(tmp_path / "e_nodes.csv", "name," + "n" * 140_000 + "\na,1\n")
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.path, info.value.line) == (str(nodes), 1)
    nodes.unlink()
    write(path, "pre,post," + "w" * 140_000 + "\na,b,1\n")
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.path, info.value.line) == (str(path), 1)


def test_labels_that_differ_only_by_a_nul_character_stay_apart(tmp_path, edges_of):
    path = tmp_path / "e.csv"
    path.write_bytes(b"pre,post,weight\na,a\x00,2\na\x00,b,1\n")
    c = brainview.load(path)
    assert c.n == 3 and c.chemical.n_connections == 2
