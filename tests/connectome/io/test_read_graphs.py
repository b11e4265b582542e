"""GraphML and GEXF: attribute mapping, round trips, and located errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io.graphs import read_gexf, read_graphml, write_gexf, write_graphml

GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="label" attr.type="string"/>
  <key id="d1" for="node" attr.name="type" attr.type="string"/>
  <key id="d2" for="node" attr.name="neurotransmitter" attr.type="string"/>
  <key id="d3" for="node" attr.name="x" attr.type="double"/>
  <key id="d4" for="node" attr.name="y" attr.type="double"/>
  <key id="d5" for="node" attr.name="z" attr.type="double"/>
  <key id="d6" for="edge" attr.name="weight" attr.type="double"/>
  <key id="d7" for="node" attr.name="layer" attr.type="int"/>
  <graph edgedefault="directed">
    <node id="a"><data key="d0">AVAL</data><data key="d1">AVA</data><data key="d2">ACh</data>
      <data key="d3">1</data><data key="d4">2</data><data key="d5">3</data><data key="d7">4</data></node>
    <node id="b"><data key="d0">DD1</data><data key="d1">DD</data><data key="d2">GABA</data>
      <data key="d3">4</data><data key="d4">5</data><data key="d5">6</data></node>
    <node id="c"><data key="d0">VA1</data><data key="d1">VA</data></node>
    <edge source="a" target="b"><data key="d6">3</data></edge>
    <edge source="b" target="c"><data key="d6">2</data></edge>
    <edge source="a" target="c"/>
  </graph>
</graphml>
"""


@pytest.fixture
def graphml(tmp_path: Path) -> Path:
    path = tmp_path / "worm.graphml"
    path.write_text(GRAPHML)
    return path


def test_graphml_attribute_mapping(graphml, edges_of):
    c = brainview.load(graphml)
    assert list(c.names) == ["AVAL", "DD1", "VA1"] and list(c.ids) == [0, 1, 2]
    assert list(c.strings("cell_type")) == ["AVA", "DD", "VA"]
    assert list(c.strings("nt")) == ["ACh", "GABA", "unknown"]
    assert c["layer"][0] == 4 and np.isnan(c["layer"][1])
    assert edges_of(c) == {("AVAL", "DD1"): (3.0, 1), ("DD1", "VA1"): (2.0, -1), ("AVAL", "VA1"): (1.0, 1)}
    assert np.allclose(c.position[:2], [[1, 2, 3], [4, 5, 6]]) and np.isfinite(c.position[2]).all()
    assert c.meta["positions"] == "measured" and c.meta["positions_filled"] == "1"
    assert c.meta["source"] == "GraphML file"


def test_undirected_graphml_connects_both_ways(tmp_path):
    path = tmp_path / "u.graphml.gz"
    path.write_bytes(gzip.compress(GRAPHML.replace('edgedefault="directed"', 'edgedefault="undirected"').encode()))
    c = read_graphml(path)
    assert c.chemical.n_connections == 6 and c.meta["positions"] == "measured"


@pytest.mark.parametrize(("write", "read", "name"), [
    (write_graphml, read_graphml, "c.graphml"), (write_gexf, read_gexf, "c.gexf"), (write_graphml, read_graphml, "c.graphml.gz"),
])
def test_round_trip(tmp_path, connectome_factory, write, read, name):
    original = connectome_factory(
        6, edges=[(0, 1, 2.0, 1), (1, 2, 5.0, -1), (5, 0, 1.0, -1), (3, 3, 4.0, 1)], gap_edges=[(1, 4, 0.5)],
        region=["GNG", "", "ME", "ME", "LO", "GNG"],
    )
    path = write(original, tmp_path / name)
    back = brainview.load(path)
    assert np.array_equal(back.ids, original.ids)
    for key in ("name", "kind", "cell_type", "nt", "region"):
        assert back[key].equals(original[key]), key
    assert np.allclose(back.position, original.position) and np.allclose(back["radius"], original["radius"])
    for mine, theirs in ((back.chemical, original.chemical), (back.gap, original.gap)):
        assert np.array_equal(mine.indptr, theirs.indptr) and np.array_equal(mine.indices, theirs.indices)
        assert np.array_equal(mine.weight, theirs.weight)
    assert np.array_equal(back.chemical.sign, original.chemical.sign)
    assert not list(tmp_path.glob("*.part"))


def test_graphml_errors_name_lines(graphml):
    text = GRAPHML.replace('<edge source="b" target="c">', '<edge source="b" target="zz">')
    graphml.write_text(text)
    with pytest.raises(FormatError, match="edge to an unknown neuron id 'zz'") as info:
        read_graphml(graphml)
    assert (info.value.line, info.value.column) == (18, "target")
    graphml.write_text(GRAPHML.replace('<data key="d6">2</data>', '<data key="d6">two</data>'))
    with pytest.raises(FormatError, match="expected a number, got 'two'") as info:
        read_graphml(graphml)
    assert (info.value.line, info.value.column) == (18, "weight")
    graphml.write_text(GRAPHML.replace("</graph>", ""))
    with pytest.raises(FormatError, match="not well-formed XML") as info:
        read_graphml(graphml)
    assert info.value.line == 21  # the </graphml> that finds <graph> still open
    graphml.write_text("")
    with pytest.raises(FormatError, match="the file is empty"):
        read_graphml(graphml)


def test_string_typed_count_and_entities_are_refused(graphml):
    graphml.write_text(GRAPHML.replace('attr.name="weight" attr.type="double"', 'attr.name="weight" attr.type="string"')
                       .replace('<data key="d6">2</data>', '<data key="d6">many</data>'))
    with pytest.raises(FormatError, match="expected a number, got 'many'") as info:
        read_graphml(graphml)
    assert (info.value.line, info.value.column) == (18, "weight")
    graphml.write_text('<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa">]><graphml>&a;</graphml>')
    with pytest.raises(FormatError, match="entity declarations"):
        read_graphml(graphml)


def test_gexf_viz_positions_and_labels(tmp_path, edges_of):
    path = tmp_path / "g.gexf"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">
  <graph defaultedgetype="directed">
    <attributes class="edge"><attribute id="0" title="count" type="double"/></attributes>
    <nodes>
      <node id="10" label="A"><viz:position x="1" y="2" z="3"/></node>
      <node id="20" label="B"><viz:position x="4" y="5" z="6"/></node>
    </nodes>
    <edges>
      <edge id="0" source="10" target="20"><attvalues><attvalue for="0" value="7"/></attvalues></edge>
    </edges>
  </graph>
</gexf>
""")
    c = brainview.load(path)
    assert list(c.ids) == [10, 20] and list(c.names) == ["A", "B"]
    assert np.allclose(c.position, [[1, 2, 3], [4, 5, 6]]) and c.meta["positions"] == "measured"
    assert edges_of(c) == {("A", "B"): (7.0, 1)}
    path.write_text(path.read_text().replace('value="7"', 'value="seven"'))
    with pytest.raises(FormatError, match="expected a number, got 'seven'") as info:
        read_gexf(path)
    assert (info.value.line, info.value.column) == (10, "count")


def test_cli_info_on_bad_graphml(graphml, capsys):
    graphml.write_text(GRAPHML.replace('target="c"/>', 'target="q"/>'))
    assert main(["info", str(graphml)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 19" in err[0] and "unknown neuron id 'q'" in err[0]


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
@pytest.mark.parametrize(("name", "read"), [("w.graphml.gz", read_graphml), ("w.gexf.gz", read_gexf)])
def test_corrupt_gzip(tmp_path, connectome_factory, name, read):
    path = (write_graphml if "graphml" in name else write_gexf)(connectome_factory(6), tmp_path / name)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # zlib: "invalid distance too far back" or a bad checksum
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="corrupt gzip data") as info:
        brainview.load(path)
    assert info.value.path == str(path)


def test_unknown_encoding_in_the_xml_declaration(graphml):
    graphml.write_text(GRAPHML.replace('encoding="UTF-8"', 'encoding="GABA"'))
    with pytest.raises(FormatError, match="not well-formed XML") as info:
        read_graphml(graphml)
    assert info.value.path == str(graphml)


@pytest.mark.parametrize(
    ("old", "new", "line", "column"),
    [
        ('<data key="d6">3</data>', '<data key="d6">1e39</data>', 17, "weight"),  # inf as float32
        ('<data key="d6">3</data>', '<data key="d6">-3</data>', 17, "weight"),  # a count below 0
        ('<data key="d3">1</data>', '<data key="d3">1e300</data>', 12, "x"),  # a position out of range
    ],
)
def test_numbers_out_of_range_name_the_line(graphml, old, new, line, column):
    graphml.write_text(GRAPHML.replace(old, new))
    with pytest.raises(FormatError) as info:
        read_graphml(graphml)
    assert (info.value.line, info.value.column) == (line, column)


def test_parallel_edges_whose_counts_overflow_when_summed(tmp_path):
    path = tmp_path / "m.graphml"
    path.write_text(GRAPHML.replace('<edge source="a" target="c"/>',
                                    '<edge source="a" target="b"><data key="d6">3e38</data></edge>'
                                    '<edge source="a" target="b"><data key="d6">3e38</data></edge>'))
    with pytest.raises(FormatError, match="summed over its rows") as info:
        read_graphml(path)
    assert (info.value.line, info.value.column) == (17, "weight")


def test_integer_keys_beyond_int64_and_missing_radii(graphml):
    # Node keys beyond int64 are not ids (0..N-1 are used); a node without a radius gets 1 um.
    text = GRAPHML.replace('id="a"', 'id="99999999999999999999"').replace('source="a"', 'source="99999999999999999999"')
    text = text.replace('<key id="d7"', '<key id="d12" for="node" attr.name="radius" attr.type="double"/><key id="d7"')
    graphml.write_text(text.replace('<data key="d7">4</data>', '<data key="d12">2</data>'))
    c = read_graphml(graphml)
    assert list(c.ids) == [0, 1, 2] and list(c["radius"]) == [2.0, 1.0, 1.0]
    graphml.write_text(text.replace('<data key="d7">4</data>', '<data key="d12">-2</data>'))
    with pytest.raises(FormatError, match="radius") as info:
        read_graphml(graphml)
    assert (info.value.line, info.value.column) == (12, "radius")  # the node's line


def test_huge_values_give_short_messages(graphml):
    graphml.write_text(GRAPHML.replace('<data key="d7">4</data>', f'<data key="d7">{"1" * 1_000_000}</data>'))
    with pytest.raises(FormatError, match="expected an integer") as info:
        read_graphml(graphml)
    assert info.value.line == 13 and len(str(info.value)) < 500
