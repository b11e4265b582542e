import json

import pytest

from brainview.cli import main
from brainview.connectome.io import read_native, write_native


def test_info_reports_counts_as_json(tiny, tmp_path, capsys):
    path = write_native(tiny, tmp_path / "tiny.h5")
    assert main(["info", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cells"] == 6
    assert summary["chemical"] == {
        "connections": 6, "synapses": 12.0, "excitatory_connections": 5,
        "inhibitory_connections": 1, "self_connections": 0,
    }
    assert summary["gap_junctions"] == {"pairs": 1, "weight": 0.5}
    assert summary["cell_type"]["counts"] == {"T0": 2, "T1": 2, "T2": 2}
    assert summary["nt"]["counts"] == {"ACh": 5, "GABA": 1}


def test_info_text_lists_the_sections(tiny, tmp_path, capsys):
    path = write_native(tiny, tmp_path / "tiny.h5")
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    for expected in ("cells: 6", "chemical connections: 6", "gap junctions: 1 pairs", "cell types: 3"):
        assert expected in text


def test_convert_round_trips_through_native(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    assert main(["convert", str(source), str(tmp_path / "b.h5")]) == 0
    assert read_native(tmp_path / "b.h5").equals(tiny)


def test_convert_writes_the_subsystems_of_the_rules_chosen(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    assert main(["convert", str(source), str(tmp_path / "b.h5"), "--rules", "hemibrain"]) == 0
    converted = read_native(tmp_path / "b.h5")
    assert converted.meta["subsystem_rules"] == "hemibrain"
    assert converted["subsystem"].counts() == {"other": 6}  # tiny's types (T0, T1, T2) are no hemibrain type


@pytest.mark.parametrize("args, message", [
    (["info", "missing.h5"], "no such file or folder"),
    (["convert", "missing.h5", "out.h5"], "no such file or folder"),
])
def test_missing_input_is_one_line_error(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("brainview: error:") and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.h5").exists()


def test_convert_refuses_non_h5_destination(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    assert main(["convert", str(source), str(tmp_path / "b.csv")]) == 1
    assert "must end in .h5" in capsys.readouterr().err


def test_bad_file_gives_no_output_file(tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    assert main(["convert", str(bad), str(tmp_path / "out.h5")]) == 1
    assert "bad.h5" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.h5"]
