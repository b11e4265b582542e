"""The example plugin in plugins/brainview-allen-mouse, loaded the way an installed one is."""

import sys
from pathlib import Path

import pytest

import brainview
from brainview.connectome.io import FormatError


def write_table(path, rows):
    path.write_text("source,target,hemisphere,W,PValue\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_plugin_reader_is_found_and_imported_on_use(allen_plugin, tmp_path):
    reader = allen_plugin.reader_for(Path("oh2014_connections_long.csv.gz"))
    assert reader.name == "oh2014"
    assert "brainview_allen_mouse.reader" not in sys.modules
    path = write_table(tmp_path / "oh2014_connections_long.csv", [
        "CP,GPe,ipsi,1.5,0.01", "CP,GPe,contra,0.25,0.2", "MOp,CP,ipsi,0.75,0.03",
    ])
    connectome = brainview.load(path)
    assert "brainview_allen_mouse.reader" in sys.modules
    assert connectome.n == 6  # three regions, each on both sides
    assert connectome.names.tolist() == ["CP_R", "GPe_R", "MOp_R", "CP_L", "GPe_L", "MOp_L"]
    rows = {name: i for i, name in enumerate(connectome.names)}
    edges = {(connectome.names[p], connectome.names[q]): w for p, q, w in
             zip(connectome.chemical.pre, connectome.chemical.indices, connectome.chemical.weight)}
    assert edges == {
        ("CP_R", "GPe_R"): 1.5, ("CP_R", "GPe_L"): 0.25, ("MOp_R", "CP_R"): 0.75,
        ("CP_L", "GPe_L"): 1.5, ("CP_L", "GPe_R"): 0.25, ("MOp_L", "CP_L"): 0.75,
    }
    assert rows["CP_R"] == 0
    assert connectome.meta["positions"] == "layout:spectral"


def test_plugin_errors_name_line_and_column(allen_plugin, tmp_path):
    path = write_table(tmp_path / "oh2014_connections_long.csv", ["CP,GPe,ipsi,1.5,0.01", "CP,GPe,sideways,0.2,0.1"])
    with pytest.raises(FormatError, match=r"line 3, column 'hemisphere': expected 'ipsi' or 'contra'"):
        brainview.load(path)
    path = write_table(tmp_path / "oh2014_connections_long.csv", ["CP,GPe,ipsi,lots,0.01"])
    with pytest.raises(FormatError, match=r"line 2, column 'W': expected a number, got 'lots'"):
        brainview.load(path)


def test_plugin_reads_the_real_table(allen_plugin, shared_data):
    connectome = brainview.load(shared_data / "mouse_oh2014" / "oh2014_connections_long.csv.gz")
    assert connectome.n == 2 * 213
    assert connectome.chemical.n_connections == 2 * (16_954 + 15_868)
