"""``brainview simulate --out`` in every run format, ``brainview info RUN.h5``, and ``brainview
convert`` to every network writer: chosen by the path, one clear error line and no output on bad
input or an unwritable destination."""

from __future__ import annotations

import json

import numpy as np
import pytest

import brainview
from brainview.cli import main
from brainview.connectome.io import read_native, write_native


@pytest.fixture
def network_file(tmp_path, connectome_factory):
    rng = np.random.default_rng(1)
    pre, post = rng.integers(0, 30, 300), rng.integers(0, 30, 300)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1) for a, b in zip(pre, post) if a != b]
    return write_native(connectome_factory(30, edges=edges, gap_edges=[(3, 4, 0.5)]), tmp_path / "net.h5")


SIMULATE = ["--duration", "50ms", "--stim", "N0,N1,N2@300", "--lesion", "type:T3@20ms", "--probe", "N5"]


def _error(capsys) -> str:
    error = capsys.readouterr().err
    assert error.startswith("brainview: error: ") and error.count("\n") == 1, error
    return error


def test_simulate_writes_nwb(network_file, tmp_path, capsys):
    pynwb = pytest.importorskip("pynwb")
    out = tmp_path / "run.nwb"
    assert main(["simulate", str(network_file), *SIMULATE, "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert pynwb.validate(path=str(out)) == []


def test_simulate_writes_sonata_into_a_folder(network_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", str(network_file), *SIMULATE, "--out", f"{out}/"]) == 0
    assert "simulation_config.json" in capsys.readouterr().out
    assert brainview.load(out).equals(read_native(network_file))
    libsonata = pytest.importorskip("libsonata")
    simulation = libsonata.SimulationConfig.from_file(str(out / "simulation_config.json"))
    reader = libsonata.SpikeReader(simulation.output.spikes_file)
    assert len(reader[reader.get_population_names()[0]].get()) > 0


def test_simulate_format_sonata_with_an_h5_spikes_file(network_file, tmp_path, capsys):
    assert main(["simulate", str(network_file), *SIMULATE, "--format", "sonata",
                 "--out", str(tmp_path / "net_spikes.h5")]) == 0
    assert {"net_spikes.h5", "net_nodes.h5", "net_edges.h5", "net_circuit_config.json"} <= {
        p.name for p in tmp_path.iterdir()}


@pytest.mark.parametrize(("options", "message"), [
    (["--format", "nwb", "--out", "run.h5"], "must end in .nwb"),
    (["--out", "run.csv"], "must end in .h5"),
    (["--format", "sonata", "--out", "run.nwb"], "must be a folder or an .h5"),
])
def test_a_mismatched_out_fails_before_simulating(network_file, tmp_path, capsys, monkeypatch, options, message):
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", str(network_file), *SIMULATE, *options]) == 1
    assert message in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.h5"]


@pytest.mark.parametrize("out", ["blocked/run.h5", "blocked/run.nwb", "blocked/run/"])
def test_an_unwritable_destination_is_one_line_naming_it(network_file, tmp_path, capsys, out):
    if out.endswith(".nwb"):
        pytest.importorskip("pynwb")
    (tmp_path / "blocked").write_text("a file where a folder should be")
    destination = str(tmp_path / out)
    assert main(["simulate", str(network_file), *SIMULATE, "--out", destination]) == 1
    assert destination.rstrip("/") in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "net.h5"]


def test_info_summarises_a_run_file(network_file, tmp_path, capsys):
    out = tmp_path / "run.h5"
    assert main(["simulate", str(network_file), *SIMULATE, "--trials", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    for expected in ("brainview run of", "50 ms x 2 trials", "spikes:", "most active cells:", "N0 (T0)",
                     "most active groups (by cell_type)", "interventions:", "silence type:T3",
                     "poisson on name:N0,N1,N2"):
        assert expected in text, expected
    assert main(["info", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "brainview-run" and summary["trials"] == 2 and summary["cells"] == 30
    assert summary["spikes"] == sum(summary["spikes_per_trial"]) > 0
    assert summary["dataset"]["path"] == str(network_file.resolve())


def test_info_on_other_hdf5_files_still_reports_the_connectome_error(tmp_path, capsys):
    import h5py

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.attrs["format"] = "something-else"
    assert main(["info", str(tmp_path / "other.h5")]) == 1
    assert "not a brainview connectome file" in _error(capsys)


@pytest.mark.parametrize("name", ["c.h5", "c.graphml", "c.graphml.gz", "c.gexf", "c.gexf.gz", "c.json", "c.sonata",
                                  "folder", "folder/"])
def test_convert_reaches_every_writer(tiny, tmp_path, capsys, name):
    source = write_native(tiny, tmp_path / "a.h5")
    destination = tmp_path / "out" / name
    assert main(["convert", str(source), str(destination)]) == 0
    assert "wrote" in capsys.readouterr().out
    back = brainview.load(destination)
    assert back.n == tiny.n and back.chemical.n_connections == tiny.chemical.n_connections
    assert back.gap.n_pairs == tiny.gap.n_pairs and list(back.names) == list(tiny.names)
    if name.endswith((".h5", ".json", ".sonata")) or name.startswith("folder"):
        assert back.equals(tiny)


def test_convert_reads_sonata_too(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    assert main(["convert", str(source), str(tmp_path / "circuit")]) == 0
    assert main(["convert", str(tmp_path / "circuit"), str(tmp_path / "back.h5")]) == 0
    assert read_native(tmp_path / "back.h5").equals(tiny)


def test_convert_to_an_unwritable_destination_leaves_nothing(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    (tmp_path / "blocked").write_text("x")
    for name in ("c.h5", "c.graphml", "c.json", "circuit/"):
        destination = str(tmp_path / "blocked" / name)
        assert main(["convert", str(source), destination]) == 1
        assert destination.rstrip("/") in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5", "blocked"]


def test_convert_refuses_an_unknown_destination(tiny, tmp_path, capsys):
    source = write_native(tiny, tmp_path / "a.h5")
    assert main(["convert", str(source), str(tmp_path / "b.txt")]) == 1
    assert ".graphml" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5"]
