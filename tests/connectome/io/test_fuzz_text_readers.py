"""Every text reader against mutated files: a valid connectome or a FormatError, nothing else.

Each test builds a small valid dataset in code (FlyWire Codex, neuPrint, Shiu et al. CSV and
Parquet, CSV edge list with node table, the larva's edge list with its annotations, GraphML, GEXF, the Allen mouse plugin's long table),
applies random mutations to one or two of its files (byte flips, insertions, deletions,
truncation, repeated, deleted or swapped lines, fields replaced by hostile values: huge,
negative, NaN or infinite numbers, ids beyond int64, 140,000-character fields, invalid UTF-8,
control characters, XML specials) and loads it with :func:`brainview.load`. The load must
either return a connectome for which :func:`invariants.assert_valid_connectome` holds, or raise
:class:`~brainview.connectome.io.FormatError` whose ``path`` is one of the dataset's files (or
its folder) and whose message is one line of readable length. Any other exception fails.

``BRAINVIEW_FUZZ_EXAMPLES`` sets the examples per test (default 100); run once with a few
thousand after changing a reader.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invariants import assert_valid_connectome

import brainview
from brainview.connectome.io import FormatError

EXAMPLES = int(os.environ.get("BRAINVIEW_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
pytestmark = [  # what pandas and networkx say on the way to a FormatError
    pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:No key type for id:UserWarning"),
]
MAX_MESSAGE = 1000
"""The longest error message accepted: errors print as one line naming what was wrong."""

# -- the valid datasets ------------------------------------------------------------------------
A, B, C, D = (720575940600000001 + k for k in range(4))


@dataclass
class Dataset:
    """Files by name (uncompressed content; names ending in .gz are written compressed)."""

    files: dict[str, bytes]
    target: str = ""  # the file given to load(), or "" for the folder
    reader: str | None = None
    binary: frozenset[str] = field(default_factory=frozenset)  # files not to mutate as text


def lines(*rows: str) -> bytes:
    return "".join(f"{row}\n" for row in rows).encode()


def codex(target: str = "") -> Dataset:
    return Dataset({
        "neurons.csv": lines(
            "root_id,group,nt_type,nt_type_score,da_avg",
            f"{A},GNG,ACH,0.8,0.0", f"{B},GNG,GABA,0.9,0.1", f"{C},ME,GLUT,0.7,0.2", f"{D},LO.LOP,,,",
        ),
        "classification.csv.gz": lines(
            "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve",
            f"{A},efferent,descending,DN,,DNa02,DNa02,,right,", f"{B},intrinsic,central,,,CB0001,,LB7,left,",
            f"{C},intrinsic,optic,,,T4b,,,left,", f"{D},intrinsic,optic,,,T4b,,,left,",
        ),
        "consolidated_cell_types.csv": lines("root_id,primary_type,additional_type(s)", f"{B},PRW001,CB0001", "999,X,"),
        "connections.csv.gz": lines(
            "pre_root_id,post_root_id,neuropil,syn_count,nt_type",
            f"{A},{B},GNG,3,ACH", f"{A},{B},PRW,4,ACH", f"{B},{C},GNG,5,GABA", f"{C},{A},ME_L,6,GLUT", f"{D},{C},LO_L,2,",
        ),
        "coordinates.csv": lines(
            "root_id,position,supervoxel_id",
            f"{A},[100000 200000 300000],1", f"{A},[900000 900000 900000],2", f"{B},[110000 210000 310000],3",
            f'{C},"[120000, 220000, 320000]",4',
        ),
    }, target)


def neuprint() -> Dataset:
    return Dataset({
        "traced-neurons.csv": lines(
            "bodyId,type,instance,predictedNt,somaSide", "200,ADL01a,ADL01a_pct(ADL01)_R,acetylcholine,R",
            "100,KCg-m,KCg-m_R,gaba,L", "300,KCg-m,KCg-m_R,,", "400,,,glutamate,",
        ),
        "traced-total-connections.csv.gz": lines(
            "bodyId_pre,bodyId_post,weight", "100,200,12", "200,100,3", "300,200,5", "400,300,1", "400,400,2",
        ),
    })


def larva(target: str) -> Dataset:
    return Dataset({
        "maggot_x_edgelist.csv.gz": lines("11,22,3", "22,33,1", "33,11,2", "44,11,5"),
        "maggot_x_nodes.csv": lines("node_id,pair,hemisphere", "11,0,L", "22,1,R", "33,2,L", "44,3,R"),
        "meta_data.csv.gz": lines(
            ",name,class1,merge_class,simple_group,hemisphere,lineage", "11,KC #0,KC,KC-1claw,KCs,L,MBNB A",
            "22,MBON-a1,MBON,MBON-app,MBONs,R,unk", "33,DAN-d1,MBIN,MBIN-DAN,MBINs,L,unk", "99,x,sens,sens-ORN,,C,unk",
        ),
    }, target)


SHIU_IDS = (720575940600000030, 720575940600000010, 720575940600000020)
SHIU_ROWS = ((0, 1, 5, 1), (1, 2, 3, 0), (2, 0, 7, 1), (0, 2, 1, 0))
SHIU_HEADER = "Presynaptic_ID,Postsynaptic_ID,Presynaptic_Index,Postsynaptic_Index,Connectivity,Excitatory,Excitatory x Connectivity"


def shiu_columns() -> dict[str, list]:
    return {
        "Presynaptic_ID": [SHIU_IDS[i] for i, *_ in SHIU_ROWS],
        "Postsynaptic_ID": [SHIU_IDS[j] for _, j, *_ in SHIU_ROWS],
        "Presynaptic_Index": [i for i, *_ in SHIU_ROWS],
        "Postsynaptic_Index": [j for _, j, *_ in SHIU_ROWS],
        "Connectivity": [c for *_, c, _ in SHIU_ROWS],
        "Excitatory": [e for *_, e in SHIU_ROWS],
        "Excitatory x Connectivity": [c if e else -c for *_, c, e in SHIU_ROWS],
    }


def shiu_files() -> dict[str, bytes]:
    """Completeness plus the Codex annotation tables that lie beside it in a FlyWire download."""
    a, b, c = SHIU_IDS
    return {
        "Completeness_783.csv": lines(",Completed", f"{a},True", f"{b},False", f"{c},True"),
        "neurons.csv": lines("root_id,group,nt_type", f"{a},GNG,ACH", f"{b},ME,GABA"),
        "coordinates.csv": lines("root_id,position", f"{a},[1000 2000 3000]", f"{c},[4000 5000 6000]"),
    }


def shiu_csv() -> Dataset:
    columns = shiu_columns()
    rows = [",".join(str(columns[k][r]) for k in columns) for r in range(len(SHIU_ROWS))]
    return Dataset({**shiu_files(), "Connectivity_783.csv": lines(SHIU_HEADER, *rows)})


def parquet_bytes(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            arrays[name] = pa.array([str(v) for v in values])  # mixed types: a column of text
    out = io.BytesIO()
    pq.write_table(pa.table(arrays), out)
    return out.getvalue()


def edgelist(variant: str) -> Dataset:
    if variant == "named":  # cells named by text, no node table
        return Dataset({"worm.csv": lines("pre,post,weight", "ADAL,AIBR,2", "ADAL,AIBR,3", "AIBR,ADAL,-1", "AVAL,AVAL,4")},
                       "worm.csv")
    if variant == "headerless":
        return Dataset({"g.tsv": lines("1\t2\t3\t1", "2\t3\t1\t-1", "3\t1\t2\t1")}, "g.tsv")
    return Dataset({
        "net_edges.csv": lines("source,target,count,sign", "1,2,3,1", "2,3,4,-1", "3,1,1,1", "1,2,2,1", "4,4,1,1"),
        "net_nodes.csv": lines(
            "node_id,name,type,nt,side,radius,x,y,z,layer,note",
            "1,a,T1,ACh,L,1.5,0,1,2,3,x", "2,b,T1,GABA,r,,3,4,5,4,y", "3,,T2,,left,2,,,,5,", "4,d,T3,Glu,R,1,6,7,8,6,z",
        ),
    }, "net_edges.csv")


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
  <key id="d8" for="edge" attr.name="kind" attr.type="string"/>
  <key id="d9" for="edge" attr.name="sign" attr.type="int"/>
  <key id="d10" for="node" attr.name="radius" attr.type="float"/>
  <key id="d11" for="node" attr.name="bodyId" attr.type="long"/>
  <graph edgedefault="directed">
    <node id="a"><data key="d0">AVAL</data><data key="d1">AVA</data><data key="d2">ACh</data>
      <data key="d3">1</data><data key="d4">2</data><data key="d5">3</data><data key="d7">4</data><data key="d11">10</data></node>
    <node id="b"><data key="d0">DD1</data><data key="d1">DD</data><data key="d2">GABA</data>
      <data key="d3">4</data><data key="d4">5</data><data key="d5">6</data><data key="d10">2.5</data><data key="d11">20</data></node>
    <node id="c"><data key="d0">VA1</data><data key="d1">VA</data><data key="d11">30</data></node>
    <edge source="a" target="b"><data key="d6">3</data></edge>
    <edge source="b" target="c"><data key="d6">2</data><data key="d9">-1</data></edge>
    <edge source="a" target="c"/>
    <edge source="b" target="a"><data key="d8">gap</data><data key="d6">0.5</data></edge>
  </graph>
</graphml>
"""
GEXF = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" version="1.2">
  <graph defaultedgetype="directed" mode="static">
    <attributes class="node">
      <attribute id="0" title="cell_type" type="string"/>
      <attribute id="1" title="nt" type="string"/>
      <attribute id="2" title="radius" type="double"/>
      <attribute id="3" title="layer" type="integer"/>
    </attributes>
    <attributes class="edge">
      <attribute id="4" title="count" type="double"/>
      <attribute id="5" title="sign" type="integer"/>
      <attribute id="6" title="kind" type="string"/>
    </attributes>
    <nodes>
      <node id="1" label="AVAL"><attvalues><attvalue for="0" value="AVA"/><attvalue for="1" value="ACh"/>
        <attvalue for="2" value="1.5"/><attvalue for="3" value="2"/></attvalues><viz:position x="1.0" y="2.0" z="3.0"/></node>
      <node id="2" label="DD1"><attvalues><attvalue for="0" value="DD"/><attvalue for="1" value="GABA"/></attvalues>
        <viz:position x="4.0" y="5.0" z="6.0"/></node>
      <node id="3" label="VA1"/>
    </nodes>
    <edges>
      <edge id="0" source="1" target="2" weight="3"><attvalues><attvalue for="4" value="3"/></attvalues></edge>
      <edge id="1" source="2" target="3"><attvalues><attvalue for="4" value="2"/><attvalue for="5" value="-1"/></attvalues></edge>
      <edge id="2" source="3" target="1"><attvalues><attvalue for="6" value="gap"/></attvalues></edge>
    </edges>
  </graph>
</gexf>
"""


def graph_file(fmt: str, compressed: bool) -> Dataset:
    name = f"worm.{fmt}" + (".gz" if compressed else "")
    return Dataset({name: (GRAPHML if fmt == "graphml" else GEXF).encode()}, name)


def allen() -> Dataset:
    name = "oh2014_connections_long.csv"
    return Dataset({name: lines(
        "source,target,hemisphere,W,PValue", "CP,GPe,ipsi,1.5,0.01", "CP,GPe,contra,0.25,0.2", "MOp,CP,ipsi,0.75,0.03",
        "GPe,GPe,ipsi,2e-3,0.5",
    )}, name, reader="oh2014")


# -- mutations ---------------------------------------------------------------------------------
HOSTILE = (
    b"", b" ", b"-1", b"-7", b"-0", b"0", b"0.5", b"nan", b"NaN", b"inf", b"-inf", b"Infinity",
    b"1e39", b"-1e39", b"3e38", b"3.4028235e38", b"9.2e18", b"16777217", b"2147483648", b"4294967296",
    b"9223372036854775807", b"9223372036854775808", b"-9223372036854775809", b"99999999999999999999999",
    b"1e300", b"-1e300", b"1e-320", b"1e", b"--1", b"+5", b"0x1F", b"1_000", b" 12 ", b"007",
    b"[1 2 3]", b"[1e300 0 0]", b"[nan 0 0]", b"[inf 0 0]", b"[1e-3 -4e10 5]", b"[1 2]", b"[3e40 1 1]",
    b"True", b"None", b"null", b'"', b'""', b'"a,b"', b"a\nb", b"\x00", b"\r", b"\t", b"\x1b[31m", "\u202e".encode(),
    "é".encode(), b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"GABA", b"Glu", b"gap", b"contra", b"ipsi",
    b"x" * 140_000, b"9" * 5_000, b"1" * 1_000_000, b"<", b">", b"&amp;", b"&bogus;", b"]]>", b"<!ENTITY x 'y'>",
    b"720575940600000001", b"720575940600000002", b"200", b"1", b"a",
)
CSV_FIELD = re.compile(rb"[^,\t\r\n]+")
XML_FIELD = re.compile(rb'="([^"]*)"|>([^<]+)<')

position = st.integers(0, 1 << 30)
MUTATION = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(1, 255)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), position, st.integers(1, 64)),
    st.tuples(st.just("truncate"), position),
    st.tuples(st.just("duplicate_line"), position, st.integers(1, 3)),
    st.tuples(st.just("delete_line"), position),
    st.tuples(st.just("swap_lines"), position, position),
    st.tuples(st.just("field"), position, st.sampled_from(HOSTILE)),
    st.tuples(st.just("field"), position, st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.tuples(st.just("copy_field"), position, position),
)


def mutate(data: bytes, mutation: tuple, fields: re.Pattern) -> bytes:
    """``data`` with one mutation applied; positions are taken modulo the sizes they index."""
    kind, at, *args = mutation
    if kind in ("flip", "insert", "delete", "truncate"):
        k = at % (len(data) + 1)
        if kind == "flip":
            return data[:k] + bytes([data[k] ^ args[0]]) + data[k + 1:] if k < len(data) else data + bytes([args[0]])
        if kind == "insert":
            return data[:k] + args[0] + data[k:]
        if kind == "delete":
            return data[:k] + data[k + args[0]:]
        return data[:k]
    if kind in ("duplicate_line", "delete_line", "swap_lines"):
        rows = data.split(b"\n")
        k = at % len(rows)
        if kind == "duplicate_line":
            rows[k:k] = [rows[k]] * args[0]
        elif kind == "delete_line":
            del rows[k]
        else:
            j = args[0] % len(rows)
            rows[k], rows[j] = rows[j], rows[k]
        return b"\n".join(rows)
    spans = [m.span(m.lastindex) if m.lastindex else m.span() for m in fields.finditer(data)]
    if not spans:
        return data
    start, end = spans[at % len(spans)]
    value = args[0] if kind == "field" else data[slice(*spans[args[0] % len(spans)])]
    return data[:start] + value + data[end:]


@dataclass(frozen=True)
class Plan:
    """What to do to a dataset: mutations per file index, and whether to mutate the gzip bytes."""

    edits: tuple[tuple[int, tuple[tuple, ...], bool], ...]


PLAN = st.builds(
    Plan,
    st.lists(st.tuples(st.integers(0, 99), st.lists(MUTATION, min_size=1, max_size=3).map(tuple), st.booleans()),
             min_size=1, max_size=2).map(tuple),
)


def write_dataset(dataset: Dataset, folder: Path, plan: Plan) -> None:
    names = sorted(dataset.files)
    contents = dict(dataset.files)
    raw: dict[str, bytes] = {}
    for index, mutations, on_bytes in plan.edits:
        name = names[index % len(names)]
        compressed = name.endswith(".gz")
        if name in dataset.binary or (compressed and on_bytes):  # mutate the file's bytes as written
            data = raw.get(name) or (gzip.compress(contents[name], mtime=0) if compressed else contents[name])
            for mutation in mutations:
                data = mutate(data, mutation, CSV_FIELD)
            raw[name] = data
            continue
        fields = XML_FIELD if ".graphml" in name or ".gexf" in name else CSV_FIELD
        for mutation in mutations:
            contents[name] = mutate(contents[name], mutation, fields)
        raw.pop(name, None)
    for name in names:
        if name in raw:
            data = raw[name]
        else:
            data = gzip.compress(contents[name], mtime=0) if name.endswith(".gz") else contents[name]
        (folder / name).write_bytes(data)


def load_checked(dataset: Dataset, plan: Plan):
    """Write the mutated dataset, load it, and check the outcome; returns the connectome or the error."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "dataset_v783"
        folder.mkdir()
        write_dataset(dataset, folder, plan)
        target = folder / dataset.target if dataset.target else folder
        try:
            connectome = brainview.load(target, reader=dataset.reader)
        except FormatError as error:
            allowed = {str(folder), *(str(folder / name) for name in dataset.files)}
            assert error.path in allowed, f"the error names {error.path!r}, not a file of the dataset"
            message = str(error)
            assert "\n" not in message and "\r" not in message, f"a message of several lines: {message[:300]!r}"
            assert len(message) <= MAX_MESSAGE, f"a message of {len(message)} characters: {message[:300]!r}"
            return error
        assert_valid_connectome(connectome)
        return connectome


@pytest.fixture(params=["pyarrow", "pandas"])
def engine(request):
    """Both CSV engines: pyarrow's reader, and pandas' C parser as on an install without pyarrow."""
    if request.param == "pandas":
        with mock.patch("brainview.connectome.io._tables._have_pyarrow", return_value=False):
            yield request.param
    else:
        yield request.param


# -- the properties ----------------------------------------------------------------------------
def test_unmutated_datasets_load(engine, allen_plugin):
    """The starting points are valid: with no mutation every dataset loads."""
    datasets = [codex(), codex("connections.csv.gz"), neuprint(), shiu_csv(), allen(), larva(""),
                *(edgelist(v) for v in ("nodes", "named", "headerless")),
                *(graph_file(f, z) for f in ("graphml", "gexf") for z in (False, True))]
    for dataset in datasets:
        assert not isinstance(load_checked(dataset, Plan(())), FormatError), dataset.target


@FUZZ
@given(plan=PLAN, target=st.sampled_from(["", "connections.csv.gz"]))
def test_codex_survives_mutations(engine, plan, target):
    load_checked(codex(target), plan)


@FUZZ
@given(plan=PLAN)
def test_neuprint_survives_mutations(engine, plan):
    load_checked(neuprint(), plan)


@FUZZ
@given(plan=PLAN, target=st.sampled_from(["", "maggot_x_edgelist.csv.gz"]))
def test_larva_survives_mutations(engine, plan, target):
    load_checked(larva(target), plan)


@FUZZ
@given(plan=PLAN)
def test_shiu_csv_survives_mutations(engine, plan):
    load_checked(shiu_csv(), plan)


@FUZZ
@given(plan=PLAN)
def test_shiu_parquet_bytes_survive_mutations(plan):
    pytest.importorskip("pyarrow")
    dataset = Dataset({**shiu_files(), "Connectivity_783.parquet": parquet_bytes(shiu_columns())},
                      binary=frozenset({"Connectivity_783.parquet"}))
    load_checked(dataset, plan)


PARQUET_VALUE = st.one_of(
    st.sampled_from([-1, 0, 2**24 + 1, 2**31, 2**63 - 1, -(2**63), 9.2e18, 1e39, 3e38, -3e38, 0.5, -0.0,
                     float("nan"), float("inf"), float("-inf"), None, True, "x", "", "12", "1e400"]),
    st.integers(), st.floats(),
)


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(list(shiu_columns())), st.integers(0, len(SHIU_ROWS) - 1),
                                PARQUET_VALUE), min_size=1, max_size=4),
       drop=st.sets(st.sampled_from(list(shiu_columns())), max_size=2))
def test_shiu_parquet_values_survive_mutations(edits, drop):
    pytest.importorskip("pyarrow")
    columns = shiu_columns()
    for name, row, value in edits:
        columns[name][row] = value
    columns = {k: v for k, v in columns.items() if k not in drop}
    dataset = Dataset({**shiu_files(), "Connectivity_783.parquet": parquet_bytes(columns)})
    load_checked(dataset, Plan(()))


@FUZZ
@given(plan=PLAN, variant=st.sampled_from(["nodes", "named", "headerless"]))
def test_edgelist_survives_mutations(engine, plan, variant):
    load_checked(edgelist(variant), plan)


@FUZZ
@given(plan=PLAN, fmt=st.sampled_from(["graphml", "gexf"]), compressed=st.booleans())
def test_graph_files_survive_mutations(plan, fmt, compressed):
    load_checked(graph_file(fmt, compressed), plan)


@FUZZ
@given(plan=PLAN)
def test_allen_plugin_survives_mutations(allen_plugin, plan):
    load_checked(allen(), plan)


# -- what fuzzing found in the plugin reader, kept as examples -----------------------------------
@pytest.mark.parametrize(
    ("row", "line", "column"),
    [
        (b"CP,GPe,ipsi,\xff1.5,0.01", 3, None),  # not UTF-8: a UnicodeDecodeError from pandas
        (b'CP,GPe,ipsi,"1.5,0.01', None, None),  # an unclosed quote: a ParserError
        (b'"",GPe,ipsi,1.5,0.01', 3, "source"),  # an empty region: a TypeError sorting NaN with text
        (b"CP,GPe,ipsi,-1,0.01", 3, "W"),  # refused by the data model, not by the reader
        (b"CP,GPe,ipsi,1e39,0.01", 3, "W"),  # inf as float32
    ],
)
def test_allen_plugin_examples(allen_plugin, tmp_path, row, line, column):
    path = tmp_path / "oh2014_connections_long.csv"
    path.write_bytes(b"source,target,hemisphere,W,PValue\nCP,GPe,ipsi,1.5,0.01\n" + row + b"\n")
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), line, column)


def test_allen_plugin_repeated_rows_that_overflow_float32(allen_plugin, tmp_path):
    path = tmp_path / "oh2014_connections_long.csv"
    path.write_text("source,target,hemisphere,W,PValue\nCP,GPe,ipsi,3e38,0.01\nMOp,CP,ipsi,1,0.01\nCP,GPe,ipsi,3e38,0.01\n")
    with pytest.raises(FormatError, match="summed over its rows") as info:
        brainview.load(path)
    assert (info.value.line, info.value.column) == (4, "W")
