"""Shiu et al. 2024 model inputs: Completeness + Connectivity (Parquet and CSV)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io.shiu import read_completeness, read_shiu

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

IDS = [720575940600000030, 720575940600000010, 720575940600000020]  # model order, not sorted
COMPLETENESS = ",Completed\n" + "".join(f"{i},{c}\n" for i, c in zip(IDS, ["True", "False", "True"]))
HEADER = "Presynaptic_ID,Postsynaptic_ID,Presynaptic_Index,Postsynaptic_Index,Connectivity,Excitatory,Excitatory x Connectivity\n"
ROWS = [(0, 1, 5, 1), (1, 2, 3, 0), (2, 0, 7, 1)]  # (pre index, post index, count, excitatory)


def connectivity_csv(rows=ROWS) -> str:
    return HEADER + "".join(
        f"{IDS[i]},{IDS[j]},{i},{j},{c},{e},{c if e else -c}\n" for i, j, c, e in rows
    )


def write_parquet(path: Path, rows=ROWS, drop=()) -> Path:
    i, j, c, e = (np.array(x) for x in zip(*rows))
    ids = np.array(IDS + [1])  # index 3 is a deliberately bad row in one test
    table = {
        "Presynaptic_ID": ids[i], "Postsynaptic_ID": ids[j], "Presynaptic_Index": i, "Postsynaptic_Index": j,
        "Connectivity": c, "Excitatory": e, "Excitatory x Connectivity": np.where(e > 0, c, -c),
    }
    pq.write_table(pa.table({k: v for k, v in table.items() if k not in drop}), path)
    return path


@pytest.fixture
def shiu_folder(tmp_path: Path) -> Path:
    (tmp_path / "Completeness_783.csv").write_text(COMPLETENESS)
    write_parquet(tmp_path / "Connectivity_783.parquet")
    return tmp_path


def check_network(c) -> None:
    assert list(c.ids) == IDS  # Completeness order is the neuron index
    assert list(c["completed"]) == [True, False, True]
    edges = {(int(i), int(j)): (float(w), int(s)) for i, j, w, s in
             zip(c.chemical.pre, c.chemical.indices, c.chemical.weight, c.chemical.sign)}
    assert edges == {(0, 1): (5.0, 1), (1, 2): (3.0, -1), (2, 0): (7.0, 1)}


def test_shiu_folder_parquet(shiu_folder):
    c = brainview.load(shiu_folder)
    check_network(c)
    assert list(c.names) == [str(i) for i in IDS]
    assert c.meta["version"] == "783" and c.meta["positions"] == "layout:spectral"
    assert "Shiu" in c.meta["citation"] and c.meta["units"] == "synapse counts"


def test_shiu_csv_connectivity_signed_column_only(tmp_path):
    (tmp_path / "Completeness_630.csv.gz").write_bytes(gzip.compress(COMPLETENESS.encode()))
    text = connectivity_csv().replace(",Excitatory,", ",Other,")
    path = tmp_path / "Connectivity_630.csv"
    path.write_text(text)
    check_network(brainview.load(path))


def test_shiu_index_columns_without_ids(shiu_folder):
    write_parquet(shiu_folder / "Connectivity_783.parquet", drop=("Presynaptic_ID", "Postsynaptic_ID"))
    check_network(read_shiu(shiu_folder))
    write_parquet(shiu_folder / "Connectivity_783.parquet", rows=ROWS + [(0, 3, 1, 1)],
                  drop=("Presynaptic_ID", "Postsynaptic_ID"))
    with pytest.raises(FormatError, match="unknown neuron index 3") as info:
        read_shiu(shiu_folder)
    assert "row 4" in str(info.value) and info.value.column == "Postsynaptic_Index"


def test_shiu_joins_codex_annotations_in_the_same_folder(shiu_folder):
    (shiu_folder / "classification.csv").write_text(
        "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve\n"
        f"{IDS[1]},intrinsic,central,,,PRW001,,,left,\n{IDS[2]},intrinsic,central,,,PRW001,,,right,\n"
    )
    (shiu_folder / "neurons.csv").write_text(f"root_id,group,nt_type\n{IDS[1]},PRW,GABA\n")
    c = read_shiu(shiu_folder)
    assert list(c.strings("cell_type")) == ["", "PRW001", "PRW001"]
    assert list(c.names) == [str(IDS[0]), "PRW001_L", "PRW001_R"]
    assert list(c.strings("nt")) == ["unknown", "GABA", "unknown"]
    check_network(c)  # the signs still come from the model's Excitatory column


def test_shiu_unknown_id_in_parquet_names_row(shiu_folder):
    write_parquet(shiu_folder / "Connectivity_783.parquet", rows=ROWS)
    table = pq.read_table(shiu_folder / "Connectivity_783.parquet").to_pydict()
    table["Postsynaptic_ID"][1] = 42
    pq.write_table(pa.table(table), shiu_folder / "Connectivity_783.parquet")
    with pytest.raises(FormatError, match="row 2: edge to an unknown neuron id 42") as info:
        read_shiu(shiu_folder)
    assert info.value.column == "Postsynaptic_ID"


def test_shiu_csv_errors_name_lines(tmp_path):
    (tmp_path / "Completeness_783.csv").write_text(COMPLETENESS)
    path = tmp_path / "Connectivity_783.csv"
    path.write_text(connectivity_csv().replace(",3,0,", ",three,0,"))
    with pytest.raises(FormatError) as info:
        read_shiu(path)
    assert (info.value.line, info.value.column) == (3, "Connectivity") and "'three'" in str(info.value)
    path.write_text(connectivity_csv() + f"{IDS[0]},99,0,1,1,1,1\n")
    with pytest.raises(FormatError, match="unknown neuron id 99") as info:
        read_shiu(path)
    assert (info.value.line, info.value.column) == (5, "Postsynaptic_ID")
    path.write_text(HEADER.replace("Connectivity,", "Synapses,"))
    with pytest.raises(FormatError, match="missing column 'Connectivity'.*'Synapses'"):
        read_shiu(path)
    path.write_text(connectivity_csv().replace(",Excitatory,Excitatory x Connectivity", ",A,B"))
    with pytest.raises(FormatError, match="missing column 'Excitatory'"):
        read_shiu(path)


def test_shiu_parquet_non_numeric_and_empty(shiu_folder):
    table = pq.read_table(shiu_folder / "Connectivity_783.parquet").to_pydict()
    table["Connectivity"] = ["5", "3", "seven"]
    pq.write_table(pa.table(table), shiu_folder / "Connectivity_783.parquet")
    with pytest.raises(FormatError, match="row 3: expected a number, got 'seven'"):
        read_shiu(shiu_folder)
    (shiu_folder / "Connectivity_783.parquet").write_bytes(b"")
    with pytest.raises(FormatError, match="the file is empty"):
        read_shiu(shiu_folder)
    (shiu_folder / "Connectivity_783.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(FormatError, match="not a readable Parquet file"):
        read_shiu(shiu_folder)


def test_shiu_completeness_problems(shiu_folder):
    path = shiu_folder / "Completeness_783.csv"
    path.write_text("")
    with pytest.raises(FormatError, match="the file is empty"):
        read_shiu(shiu_folder)
    path.write_text(COMPLETENESS + f"{IDS[0]},True\n")
    with pytest.raises(FormatError, match="appears twice") as info:
        read_shiu(shiu_folder)
    assert info.value.line == 5
    path.unlink()
    with pytest.raises(FormatError, match="expected Completeness_783.csv"):
        read_shiu(shiu_folder)


def test_shiu_parquet_without_pyarrow_says_how_to_fix(shiu_folder, without_pyarrow):
    with pytest.raises(FormatError, match=r"pip install 'brainview\[parquet\]'"):
        read_shiu(shiu_folder)


def test_cli_info_on_bad_shiu_file(shiu_folder, capsys):
    (shiu_folder / "Connectivity_783.parquet").write_bytes(b"")
    assert main(["info", str(shiu_folder / "Connectivity_783.parquet")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Connectivity_783.parquet" in err[0] and "empty" in err[0]


def test_real_completeness_file(shared_data):
    table = read_completeness(shared_data / "flywire_v783" / "Completeness_783.csv.gz")
    assert table.n_rows == 138_639
    assert table["root_id"][:3].tolist() == [720575940596125868, 720575940597856265, 720575940597944841]
    assert table["Completed"].counts().get("True", 0) > 0


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
@pytest.mark.parametrize("count", [-5, 1e39, 9.2e18, float("inf")])
def test_shiu_parquet_counts_out_of_range_name_the_row(shiu_folder, count):
    table = pq.read_table(shiu_folder / "Connectivity_783.parquet").to_pydict()
    table["Connectivity"] = [5.0, count, 7.0]
    pq.write_table(pa.table(table), shiu_folder / "Connectivity_783.parquet")
    with pytest.raises(FormatError, match="row 2: expected a number from 0 to 16777216") as info:
        brainview.load(shiu_folder)
    assert info.value.column == "Connectivity"


def test_shiu_csv_counts_that_overflow_float32(tmp_path):
    # Two rows of 3e38 for one pair overflow float32 when summed: counts stop at 2**24.
    (tmp_path / "Completeness_783.csv").write_text(COMPLETENESS)
    rows = ROWS + [(0, 1, 3e38, 1)]
    path = tmp_path / "Connectivity_783.csv"
    path.write_text(connectivity_csv(rows).replace(",5,1,5\n", ",3e38,1,3e38\n"))
    with pytest.raises(FormatError, match="expected a number from 0 to 16777216") as info:
        brainview.load(path)
    assert (info.value.line, info.value.column) == (2, "Connectivity")
    path.write_text(connectivity_csv().replace(",3,0,-3\n", ",-3,0,-3\n"))
    with pytest.raises(FormatError) as info:
        brainview.load(path)
    assert (info.value.line, info.value.column) == (3, "Connectivity")


def test_shiu_damaged_parquet_is_a_one_line_error(shiu_folder):
    path = shiu_folder / "Connectivity_783.parquet"
    data = bytearray(path.read_bytes())
    data[8:40] = b"\x00" * 32  # the first column chunk's page header
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="not a readable Parquet file") as info:
        brainview.load(shiu_folder)
    assert info.value.path == str(path) and "\n" not in str(info.value)


def test_shiu_with_empty_codex_annotation_tables(shiu_folder):
    (shiu_folder / "neurons.csv").write_text("root_id,group,nt_type\n")
    c = brainview.load(shiu_folder)
    assert list(c.ids) == IDS and list(c.strings("nt")) == ["unknown"] * 3


def test_shiu_with_codex_tables_beside_gets_the_flywire_subsystems(shiu_folder):
    plain = read_shiu(shiu_folder)
    assert "subsystem_rules" not in plain.meta and not plain["subsystem"].counts()
    (shiu_folder / "classification.csv").write_text(
        "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve\n"
        f"{IDS[0]},intrinsic,central,Kenyon_Cell,,KCg-m,,,left,\n{IDS[1]},intrinsic,central,DAN,,PAM01,,,left,\n"
    )
    annotated = read_shiu(shiu_folder)
    assert annotated.meta["subsystem_rules"] == "flywire"
    from brainview.connectome.subsystems import classify, rules_for

    expected = classify(annotated, rules_for("flywire"))
    assert list(annotated.strings("subsystem")) == list(expected.to_strings())
    assert annotated.strings("subsystem")[0] == "learning"  # a Kenyon cell
