"""FlyWire Codex reader: small downloads written here in the real column layouts."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import FormatError
from brainview.connectome.io._tables import read_batches, read_table
from brainview.connectome.io.codex import CONNECTION_FIELDS, parse_connections, read_codex, read_codex_annotations

A, B, C, D = 720575940600000001, 720575940600000002, 720575940600000003, 720575940600000004

NEURONS = f"""root_id,group,nt_type,nt_type_score,da_avg,ser_avg,gaba_avg,glut_avg,ach_avg,oct_avg
{A},GNG,ACH,0.8,0.0,0.0,0.1,0.1,0.8,0.0
{B},GNG,GABA,0.9,0.0,0.0,0.9,0.0,0.1,0.0
{C},ME,GLUT,0.7,0.0,0.0,0.1,0.7,0.2,0.0
{D},LO.LOP,,,,,,,,
"""
CLASSIFICATION = f"""root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve
{A},efferent,descending,DN,,DNa02,DNa02,,right,
{B},intrinsic,central,,,CB0001,,LB7,left,
{C},intrinsic,optic,,,T4b,,,left,
{D},intrinsic,optic,,,T4b,,,left,
"""
CONSOLIDATED = f"""root_id,primary_type,additional_type(s)
{B},PRW001,CB0001
999,NotInThisSnapshot,
"""
# The pair A -> B spans two neuropils: one connection of 3 + 4 synapses.
CONNECTIONS = f"""pre_root_id,post_root_id,neuropil,syn_count,nt_type
{A},{B},GNG,3,ACH
{A},{B},PRW,4,ACH
{B},{C},GNG,5,GABA
{C},{A},ME_L,6,GLUT
{D},{C},LO_L,2,
"""
COORDINATES = f"""root_id,position,supervoxel_id
{A},[100000 200000 300000],1
{A},[900000 900000 900000],2
{B},[110000 210000 310000],3
{C},"[120000, 220000, 320000]",4
"""


def write(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def codex_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "flywire_v783"
    folder.mkdir()
    write(folder / "neurons.csv", NEURONS)
    write(folder / "classification.csv.gz", CLASSIFICATION)
    write(folder / "consolidated_cell_types.csv", CONSOLIDATED)
    write(folder / "connections.csv.gz", CONNECTIONS)
    write(folder / "coordinates.csv", COORDINATES)
    return folder


def test_codex_folder_columns_and_synapses(codex_folder):
    stages = []
    c = brainview.load(codex_folder, progress=lambda f, m: stages.append((f, m)))
    assert list(c.ids) == [A, B, C, D]
    assert list(c.strings("cell_type")) == ["DNa02", "PRW001", "T4b", "T4b"]  # consolidated type preferred
    assert list(c.strings("nt")) == ["ACh", "GABA", "Glu", "unknown"]
    assert list(c.strings("region")) == ["GNG", "GNG", "ME", "LO.LOP"]
    assert list(c.strings("super_class")) == ["descending", "central", "optic", "optic"]
    assert list(c.strings("cell_class")) == ["DN", "", "", ""]
    assert list(c.strings("kind")) == ["neuron"] * 4
    assert list(c.strings("hemilineage")) == ["", "LB7", "", ""]
    assert np.allclose(c["nt_score"][:3], [0.8, 0.9, 0.7]) and np.isnan(c["nt_score"][3])
    # Unique type+side names stay short; shared ones get the root id.
    assert list(c.names) == ["DNa02_R", "PRW001_L", f"T4b_L_{C}", f"T4b_L_{D}"]
    a, b, cc = 0, 1, 2
    row = c.chemical.row(a)
    assert list(c.chemical.indices[row]) == [b] and list(c.chemical.weight[row]) == [7.0]
    assert c.chemical.total_weight == 3 + 4 + 5 + 6 + 2
    signs = {(int(i), int(j)): int(s) for i, j, s in zip(c.chemical.pre, c.chemical.indices, c.chemical.sign)}
    assert signs == {(a, b): 1, (b, cc): -1, (cc, a): -1, (3, cc): 1}
    assert c.meta["version"] == "783" and c.meta["species"] == "Drosophila melanogaster"
    assert c.meta["units"] == "synapse counts" and "license" in c.meta and "citation" in c.meta
    assert stages[0][0] == 0.0 and stages[-1][0] == 1.0 and len(stages) >= 4


def test_codex_positions_nm_to_um_first_row_and_filled(codex_folder):
    c = read_codex(codex_folder)
    assert np.allclose(c.position[0], [100, 200, 300])  # first of A's two rows, nm -> um
    assert np.allclose(c.position[2], [120, 220, 320])  # comma-separated form
    assert np.isfinite(c.position).all()
    assert c.positions_measured and c.meta["positions"] == "measured"
    assert c.meta["positions_filled"] == "1"
    # D (no coordinates) is placed next to its only partner, C.
    assert np.linalg.norm(c.position[3] - c.position[2]) < 5


def test_codex_connections_file_and_no_coordinates_is_laid_out(codex_folder):
    (codex_folder / "coordinates.csv").unlink()
    c = brainview.load(codex_folder / "connections.csv.gz")
    assert c.n == 4 and c.meta["positions"] == "layout:spectral" and not c.positions_measured
    assert len({tuple(p) for p in np.round(c.position, 3)}) == 4


def test_codex_signs_from_presynaptic_neuron_without_row_nt(codex_folder):
    text = "\n".join(",".join(line.split(",")[:4]) for line in CONNECTIONS.strip().splitlines())
    write(codex_folder / "connections.csv.gz", text + "\n")
    c = read_codex(codex_folder)
    signs = {(int(i), int(j)): int(s) for i, j, s in zip(c.chemical.pre, c.chemical.indices, c.chemical.sign)}
    assert signs == {(0, 1): 1, (1, 2): -1, (2, 0): -1, (3, 2): 1}


def test_codex_prefers_thresholded_connections(codex_folder):
    write(codex_folder / "connections_no_threshold.csv", CONNECTIONS + f"{D},{A},LO_L,1,ACH\n")
    assert read_codex(codex_folder).chemical.n_connections == 4
    c = brainview.load(codex_folder / "connections_no_threshold.csv")
    assert c.chemical.n_connections == 5 and c.meta["connections_file"] == "connections_no_threshold.csv"


def test_codex_annotations_without_connections(codex_folder):
    for name in ("connections.csv.gz", "coordinates.csv"):
        (codex_folder / name).unlink()
    columns = read_codex_annotations(codex_folder)
    assert list(columns["id"]) == [A, B, C, D]
    assert list(columns["cell_type"].to_strings()) == ["DNa02", "PRW001", "T4b", "T4b"]


def test_codex_unknown_neuron_id_names_file_line_column(codex_folder):
    write(codex_folder / "connections.csv.gz", CONNECTIONS + f"{A},999,GNG,1,ACH\n")
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    error = info.value
    assert error.path.endswith("connections.csv.gz") and error.line == 7 and error.column == "post_root_id"
    assert "unknown neuron id 999" in str(error)


def test_codex_non_numeric_count_names_line(codex_folder):
    write(codex_folder / "connections.csv.gz", CONNECTIONS.replace(",5,GABA", ",five,GABA"))
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    assert info.value.line == 4 and info.value.column == "syn_count" and "'five'" in str(info.value)
    assert "expected an integer" in str(info.value)


def test_codex_missing_column_lists_found_columns(codex_folder):
    write(codex_folder / "connections.csv.gz", CONNECTIONS.replace("syn_count", "synapses"))
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    message = str(info.value)
    assert "missing column 'syn_count'" in message and "'synapses'" in message and "'pre_root_id'" in message


def test_codex_empty_connections_file(codex_folder):
    write(codex_folder / "connections.csv.gz", "")
    with pytest.raises(FormatError, match="the file is empty"):
        read_codex(codex_folder)


def test_codex_bad_position_and_repeated_neuron(codex_folder):
    write(codex_folder / "coordinates.csv", COORDINATES.replace("[110000 210000 310000]", "[110000 oops]"))
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    assert info.value.line == 4 and info.value.column == "position"
    write(codex_folder / "coordinates.csv", COORDINATES)
    write(codex_folder / "neurons.csv", NEURONS + f"{A},GNG,ACH,0.8,0,0,0,0,0,0\n")
    with pytest.raises(FormatError, match="appears twice") as info:
        read_codex(codex_folder)
    assert info.value.line == 6


def test_codex_folder_without_neuron_tables(codex_folder):
    for name in ("neurons.csv", "classification.csv.gz"):
        (codex_folder / name).unlink()
    with pytest.raises(FormatError, match="no neuron table"):
        read_codex(codex_folder)


def test_cli_info_on_bad_codex_folder_is_one_line(codex_folder, capsys):
    write(codex_folder / "connections.csv.gz", CONNECTIONS + f"{A},999,GNG,1,ACH\n")
    assert main(["info", str(codex_folder)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("brainview: error:") and "line 7" in lines[0]
    assert "Traceback" not in captured.err


def test_cli_convert_bad_codex_leaves_no_output(codex_folder, tmp_path, capsys):
    write(codex_folder / "connections.csv.gz", CONNECTIONS.replace(",5,GABA", ",x,GABA"))
    out = tmp_path / "out.h5"
    assert main(["convert", str(codex_folder), str(out)]) == 1
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert "line 4" in capsys.readouterr().err


def test_real_flywire_annotations(shared_data, tmp_path):
    folder = tmp_path / "flywire_v783"
    folder.mkdir()
    for name in ("neurons.csv.gz", "classification.csv.gz", "consolidated_cell_types.csv.gz"):
        shutil.copy(shared_data / "flywire_v783" / name, folder / name)
    columns = read_codex_annotations(folder)
    assert len(columns["id"]) == 139_255
    assert columns["super_class"].counts()["optic"] == 77_536
    nt = columns["nt"].counts()
    assert nt["ACh"] == 82_298 and nt["Glu"] == 19_605 and nt["unknown"] == 19_658
    names = columns["name"].to_strings()
    assert len(set(names)) == names.size and "" not in set(names)


@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
def test_codex_connections_in_batches_match_one_table(codex_folder, engine):
    columns = read_codex_annotations(codex_folder)
    path = codex_folder / "connections.csv.gz"
    whole = parse_connections([read_table(path, CONNECTION_FIELDS, engine=engine)], columns["id"], columns["nt"], "")
    # One row a batch: the two rows of the pair A -> B come in different batches.
    batches = read_batches(path, CONNECTION_FIELDS, batch_rows=1, engine=engine)
    batched = parse_connections(batches, columns["id"], columns["nt"], "")
    for name in ("indptr", "indices", "weight", "sign"):
        np.testing.assert_array_equal(getattr(batched, name), getattr(whole, name))
    assert batched.weight[batched.row(0)].tolist() == [7.0] and batched.total_weight == 20


@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
def test_codex_unknown_neuron_id_in_a_later_batch_names_its_line(codex_folder, engine):
    path = write(codex_folder / "connections.csv.gz", CONNECTIONS + f"{A},{B},GNG,1,ACH\n{B},999,GNG,1,ACH\n")
    columns = read_codex_annotations(codex_folder)
    with pytest.raises(FormatError) as info:
        parse_connections(
            read_batches(path, CONNECTION_FIELDS, batch_rows=2, engine=engine), columns["id"], columns["nt"], ""
        )
    assert (info.value.line, info.value.column) == (8, "post_root_id") and "999" in str(info.value)


def test_codex_large_connections_file_errors_name_the_line(codex_folder):
    # About 7 MB: the connections are streamed in several blocks; lines count on across them.
    (codex_folder / "connections.csv.gz").unlink()
    rows = f"{A},{B},GNG,1,ACH\n" * 150_000
    write(codex_folder / "connections.csv", CONNECTIONS + rows)
    c = read_codex(codex_folder)
    assert c.chemical.weight[c.chemical.row(0)].tolist() == [150_007.0] and c.chemical.total_weight == 150_020
    write(codex_folder / "connections.csv", CONNECTIONS + rows + f"{C},{D},ME_L,2,GLUT\n{A},999,GNG,1,ACH\n")
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    assert (info.value.line, info.value.column) == (150_008, "post_root_id")


def test_codex_reads_without_pyarrow(codex_folder, without_pyarrow):
    c = read_codex(codex_folder)
    signs = {(int(i), int(j)): int(s) for i, j, s in zip(c.chemical.pre, c.chemical.indices, c.chemical.sign)}
    assert signs == {(0, 1): 1, (1, 2): -1, (2, 0): -1, (3, 2): 1} and c.chemical.total_weight == 20
    write(codex_folder / "connections.csv.gz", CONNECTIONS.replace(",5,GABA", ",five,GABA"))
    with pytest.raises(FormatError) as info:
        read_codex(codex_folder)
    assert (info.value.line, info.value.column) == (4, "syn_count")


# -- hostile input (found by fuzzing, tests/connectome/io/test_fuzz_text_readers.py) ------------
@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
@pytest.mark.parametrize("count", ["-5", "9200000000000000000", "16777217"])
def test_codex_counts_out_of_range(codex_folder, engine, count, monkeypatch):
    # Counts are whole numbers from 0 to 2**24: a negative one, or one float32 cannot hold
    # exactly (9.2e18 is far beyond any real pair), is refused where it is.
    monkeypatch.setattr("brainview.connectome.io._tables._have_pyarrow", lambda: engine == "pyarrow")
    path = write(codex_folder / "connections.csv.gz", CONNECTIONS.replace(",5,GABA", f",{count},GABA"))
    with pytest.raises(FormatError, match="expected an integer from 0 to 16777216") as info:
        brainview.load(codex_folder)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 4, "syn_count")


def test_codex_position_beyond_float32_after_conversion(codex_folder):
    path = write(codex_folder / "coordinates.csv", COORDINATES.replace("[110000 210000 310000]", "[1e300 0 0]"))
    with pytest.raises(FormatError, match="expected a position") as info:
        brainview.load(codex_folder)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 4, "position")


def test_codex_invalid_utf8_and_long_header_field(codex_folder):
    path = codex_folder / "connections.csv.gz"
    path.write_bytes(gzip.compress(CONNECTIONS.encode().replace(b"ME_L", b"ME\xff")))
    with pytest.raises(FormatError, match="not UTF-8") as info:
        brainview.load(codex_folder)
    assert (info.value.path, info.value.line) == (str(path), 5)
    write(path, CONNECTIONS.replace("neuropil", "n" * 140_000))
    with pytest.raises(FormatError) as info:
        brainview.load(codex_folder)
    assert (info.value.path, info.value.line) == (str(path), 1) and len(str(info.value)) < 500


# Subsystem rules on load (issue 14): A is descending, B central in the GNG, C and D optic.
EXPECTED_SUBSYSTEMS = ["motor", "steering", "visual", "visual"]

OWN_RULES = """
title = "two groups"
default = "rest"
default_colour = "#777777"

[[group]]
label = "feeding"
colour = "#aa0000"
rationale = "Central neurons of the gnathal ganglion."
citations = ["A test, 2026"]
rules = [{ region = ["GNG"], super_class = ["central"] }]
"""


def test_codex_folder_and_file_get_the_flywire_subsystems_on_load(codex_folder):
    from brainview.connectome.selectors import resolve

    for path in (codex_folder, codex_folder / "connections.csv.gz"):
        c = brainview.load(path)
        assert list(c.strings("subsystem")) == EXPECTED_SUBSYSTEMS
        assert c.meta["subsystem_rules"] == "flywire"
    assert list(resolve(c, "subsystem:steering")) == [1]  # what `simulate --stim subsystem:steering` selects


def test_load_rules_chooses_a_shipped_rule_set_or_ones_own_file(codex_folder, tmp_path):
    worm_rules = brainview.load(codex_folder, rules="celegans")
    assert worm_rules.meta["subsystem_rules"] == "celegans"
    own = tmp_path / "feeding.toml"
    own.write_text(OWN_RULES)
    c = brainview.load(codex_folder, rules=own)
    assert list(c.strings("subsystem")) == ["rest", "feeding", "rest", "rest"]
    assert c.meta["subsystem_rules"] == str(own)
    assert list(brainview.load(codex_folder, rules=str(own)).strings("subsystem")) == list(c.strings("subsystem"))


def test_load_rules_unknown_or_broken_fails_naming_it(codex_folder, tmp_path):
    from brainview.connectome.subsystems import RuleFileError
    from brainview.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="'hemibrian'.*celegans, flywire"):
        brainview.load(codex_folder, rules="hemibrian")
    broken = tmp_path / "broken.toml"
    broken.write_text(OWN_RULES.replace('colour = "#aa0000"', 'colour = "red"'))
    with pytest.raises(RuleFileError, match=r"broken.toml, line \d+, group 'feeding', key 'colour': must be a colour"):
        brainview.load(codex_folder, rules=broken)
    unfitting = tmp_path / "unfitting.toml"
    unfitting.write_text(OWN_RULES.replace("GNG", "NOWHERE"))
    with pytest.raises(RuleFileError, match=r"unfitting.toml, line \d+, group 'feeding', key 'rules': the group matches no"):
        brainview.load(codex_folder, rules=unfitting)
    assert main(["info", str(codex_folder), "--rules", str(unfitting)]) == 1


def test_cli_info_lists_the_flywire_groups_and_takes_rules(codex_folder, tmp_path, capsys):
    import json

    assert main(["info", str(codex_folder)]) == 0
    out = capsys.readouterr().out
    assert "subsystems (rules: flywire): 3 (4 cells labelled)" in out
    assert "visual 2, steering 1, motor 1" in out  # equal counts in the rule file's order
    own = tmp_path / "feeding.toml"
    own.write_text(OWN_RULES)
    assert main(["info", str(codex_folder), "--rules", str(own), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["subsystem_rules"] == str(own) and summary["subsystem"]["counts"] == {"rest": 3, "feeding": 1}
    assert main(["info", str(codex_folder), "--rules", "nope"]) == 1
    assert "no subsystem rule set 'nope'" in capsys.readouterr().err


def test_cli_info_says_when_no_rule_set_fits(tmp_path, capsys):
    edges = tmp_path / "edges.csv"
    edges.write_text("pre,post,weight\na,b,1\nb,c,2\n")
    assert main(["info", str(edges)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "subsystem" in line]
    assert lines == [(
        "  subsystems: no rule set fits this dataset, so its cells have none; choose one with --rules NAME|FILE "
        "(shipped: celegans, flywire, hemibrain, larva, manc)"
    )]


def test_real_flywire_codex_folder_every_neuron_gets_a_group(shared_data, tmp_path):
    from brainview.connectome.categorical import MISSING
    from brainview.connectome.subsystems import rules_for

    folder = tmp_path / "flywire_v783"
    folder.mkdir()
    for name in ("neurons.csv.gz", "classification.csv.gz", "consolidated_cell_types.csv.gz"):
        shutil.copy(shared_data / "flywire_v783" / name, folder / name)
    # The wiring is not in ../shared/data: a connections table without rows loads the annotations
    # through the reader, as a real download would be.
    (folder / "connections.csv").write_text("pre_root_id,post_root_id,neuropil,syn_count,nt_type\n")
    fly = brainview.load(folder)
    assert fly.n == 139_255 and fly.meta["subsystem_rules"] == "flywire"
    subsystem = fly["subsystem"]
    assert np.count_nonzero(subsystem.codes == MISSING) == 0
    counts = subsystem.counts()
    print("\nFlyWire v783 loaded from a Codex folder, neurons per subsystem:", counts)
    assert sum(counts.values()) == 139_255 and set(counts) <= set(rules_for("flywire").labels)
    assert counts["steering"] > 2_000 and counts["learning"] > 5_000 and counts["visual"] > 80_000
