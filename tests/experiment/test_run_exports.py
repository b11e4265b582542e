"""Runs written as brainview-run, NWB and SONATA: self-describing, valid for their own tools, and
with the same spikes as the run; the format chosen by the path or by name; all files or none."""

from __future__ import annotations

import importlib.util
import json

import h5py
import numpy as np
import pytest

import brainview
from brainview.errors import ParameterError
from brainview.experiment.export import run_format, write_run_file
from brainview.experiment.nwb import intervals, spike_table
from brainview.experiment.run_summary import format_run_text, summarise_run
from brainview.experiment.sonata_spikes import generate_spikes, run_paths
from brainview.sim import LesionMode, StimulusKind
from brainview.sim.protocol import LesionSpec, Protocol, RunResult, StimulusSpec, run_protocol
from brainview.sim.runfile import DatasetInfo, read_run, write_run

PROTOCOL = Protocol(
    duration_ms=40.0,
    stimuli=(StimulusSpec("N0,N1,N2,N3"), StimulusSpec("type:T3", StimulusKind.POISSON, 300.0, 10.0, 30.0),
             StimulusSpec("N9", StimulusKind.CURRENT, 12.0)),
    lesions=(LesionSpec("type:T5", LesionMode.ABLATE, 20.0),),
    probes=("N4,N5",), rates_by="cell_type", rate_bin_ms=5.0,
)


@pytest.fixture
def network(connectome_factory):
    rng = np.random.default_rng(0)
    pre, post = rng.integers(0, 30, 400), rng.integers(0, 30, 400)
    edges = [(int(a), int(b), float(rng.integers(1, 30)), 1 if rng.random() < 0.8 else -1)
             for a, b in zip(pre, post) if a != b]
    return connectome_factory(30, edges=edges, gap_edges=[(1, 2, 1.0)],
                           subsystem=["steering"] * 10 + ["learning"] * 10 + [""] * 10,
                           cell_class=["sensory", "motor", "inter"] * 10)


@pytest.fixture
def result(network):
    return run_protocol(network, PROTOCOL, seed=3, trials=2, workers=1)


@pytest.fixture
def dataset(network):
    return DatasetInfo.of(network, "somewhere/net.h5")


def _spikes(result: RunResult) -> list[tuple[int, int]]:
    """(global step, cell) of every spike, trials one after another."""
    return sorted((int(s) + k * result.n_steps, int(c)) for k, t in enumerate(result.trials)
                  for s, c in zip(t.spike_steps, t.spike_cells))


def test_run_files_describe_their_cells(result, dataset, network, tmp_path):
    record = read_run(write_run(tmp_path / "run.h5", result, dataset))
    assert set(record.cells) == {"name", "cell_type", "cell_class", "subsystem"}
    for key, column in record.cells.items():
        assert column.equals(network[key]), key
    with h5py.File(tmp_path / "run.h5") as f:
        assert f["cells/name"].dtype == np.int32 and list(f["cells/name"].attrs["categories"])[:2] == ["N0", "N1"]


def test_run_files_without_labels_still_read(result, dataset, tmp_path):
    path = write_run(tmp_path / "old.h5", result, dataset)
    with h5py.File(path, "a") as f:  # as the first brainview wrote them
        for key in ("name", "cell_type", "cell_class", "subsystem"):
            del f[f"cells/{key}"]
    record = read_run(path)
    assert record.cells == {} and record.spikes["step"].size == sum(t.spike_steps.size for t in result.trials)
    assert "most active cells" in format_run_text(summarise_run(record))


def test_the_summary_counts_spikes_cells_groups_and_interventions(result, dataset, tmp_path):
    summary = summarise_run(read_run(write_run(tmp_path / "run.h5", result, dataset)))
    json.dumps(summary)
    spikes = sum(t.spike_steps.size for t in result.trials)
    assert summary["spikes"] == spikes and summary["trials"] == 2 and summary["duration_ms"] == pytest.approx(40.0)
    counts = np.bincount(np.concatenate([t.spike_cells for t in result.trials]), minlength=30)
    top = summary["most_active_cells"][0]
    assert top["spikes"] == counts.max() and top["name"] == f"N{top['row']}"
    assert top["rate_Hz"] == pytest.approx(counts.max() / 0.08)
    assert summary["most_active_groups"]["by"] == "cell_type" and summary["most_active_groups"]["groups"]
    assert {s["label"] for s in summary["subsystems"]} == {"steering", "learning"}
    actions = [(e["time_ms"], e["action"], e["target"], e["trials"]) for e in summary["interventions"]]
    assert (20.0, "ablate", "type:T5", [0, 1]) in actions and (30.0, "poisson off", "type:T3", [0, 1]) in actions
    text = format_run_text(summary)
    assert "40 ms x 2 trials" in text and "ablate type:T5" in text and "most active groups (by cell_type)" in text


def test_nwb_passes_validation_and_holds_the_same_spikes(result, dataset, tmp_path):
    pynwb = pytest.importorskip("pynwb")
    (path,) = write_run_file(tmp_path / "run.nwb", result, dataset)
    assert pynwb.validate(path=str(path)) == []
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units
        found = sorted((round(t / 1e-4), int(row)) for k, row in enumerate(units.id[:])
                       for t in units["spike_times"][k])
        assert found == _spikes(result)
        assert list(units["cell_name"][:]) == [f"N{r}" for r in units.id[:]]
        assert set(units.colnames) >= {"spike_times", "source_id", "cell_name", "cell_type", "cell_class", "subsystem"}
        assert [row for row in nwb.trials.to_dataframe()[["start_time", "stop_time"]].itertuples(index=False)] == [
            pytest.approx((0.0, 0.04)), pytest.approx((0.04, 0.08))]
        stimuli = nwb.intervals["stimuli"].to_dataframe()
        t3 = stimuli[stimuli.target == "type:T3"]
        assert t3.start_time.tolist() == pytest.approx([0.01, 0.05])
        assert t3.stop_time.tolist() == pytest.approx([0.03, 0.07])
        lesions = nwb.intervals["lesions"].to_dataframe()
        assert lesions["mode"].tolist() == ["ablate", "ablate"]
        assert lesions.start_time.tolist() == pytest.approx([0.02, 0.06])
        voltage = nwb.acquisition["membrane_potential"]
        np.testing.assert_allclose(voltage.data[:] * voltage.conversion * 1e3,
                                   np.concatenate([t.probe_mV for t in result.trials]), rtol=1e-6)
        assert list(nwb.processing["simulation"]["probed_cells"]["cell_name"][:]) == ["N4", "N5"]
        assert [list(x) for x in nwb.was_generated_by[:]] == [["brainview", brainview.__version__]]
        notes = json.loads(nwb.notes)
        assert notes["dataset_digest"] == dataset.digest and notes["seed"] == 3 and notes["trials"] == 2


def test_nwb_of_a_silent_run_without_probes_is_valid(network, dataset, tmp_path):
    pynwb = pytest.importorskip("pynwb")
    quiet = run_protocol(network, Protocol(5.0, rates_by=None), trials=1)
    (path,) = write_run_file(tmp_path / "quiet.nwb", quiet, dataset)
    assert pynwb.validate(path=str(path)) == []
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        assert len(io.read().units) == 0


def test_the_units_table_is_built_in_columns_for_many_cells():
    rows, ends, times = spike_table(_many(100_000))
    assert rows.size == 100_000 and ends[-1] == times.size and np.all(np.diff(ends) > 0)
    assert np.all(np.diff(times[: ends[0]]) >= 0)


def _many(n: int) -> RunResult:
    from brainview.sim import ShiuParams
    from brainview.sim.protocol import TrialResult

    rng = np.random.default_rng(0)
    cells = np.repeat(np.arange(n), 3)
    trial = TrialResult(rng.integers(0, 1000, cells.size), cells, np.zeros((1000, 0)), np.zeros((0, 0)), [], 0.0)
    return RunResult(Protocol(100.0), ShiuParams(), 0.1, 0, 1000, np.zeros(0, np.int64), (), np.zeros(0), [trial], 0.0)


def test_intervals_pair_on_and_off_and_undo():
    from brainview.sim.engine import LogEntry

    run = _many(3)
    run.trials[0].log = [LogEntry(0, 0.0, "poisson on", "type:A", 2, "150 Hz"), LogEntry(10, 1.0, "silence", "N1", 1),
                         LogEntry(20, 2.0, "undo silence", "N1", 1), LogEntry(30, 3.0, "poisson off", "type:A", 2)]
    stimuli, lesions = intervals(run)
    assert [(s.start_s, s.stop_s, s.kind, s.detail) for s in stimuli] == [
        (0.0, pytest.approx(0.003), "poisson", "150 Hz")]
    assert [(s.start_s, s.stop_s, s.kind) for s in lesions] == [(pytest.approx(0.001), pytest.approx(0.002), "silence")]


def test_sonata_run_is_read_by_libsonata_with_the_same_counts(result, dataset, network, tmp_path):
    libsonata = pytest.importorskip("libsonata")
    written = write_run_file(tmp_path / "run", result, dataset, connectome=network)
    assert [p.name for p in written] == ["simulation_config.json", "spikes.h5", "circuit_config.json", "nodes.h5",
                                         "edges.h5", "node_types.csv", "edge_types.csv"]
    simulation = libsonata.SimulationConfig.from_file(str(tmp_path / "run" / "simulation_config.json"))
    assert simulation.run.dt == pytest.approx(0.1) and simulation.run.tstop == pytest.approx(80.0)
    circuit = libsonata.CircuitConfig.from_file(simulation.network)
    (population,) = circuit.node_populations
    assert circuit.node_population(population).size == network.n
    chemical = circuit.edge_population(f"{population}__{population}__chemical")
    assert chemical.size == network.chemical.n_connections
    spikes = libsonata.SpikeReader(simulation.output.spikes_file)[population]
    assert spikes.sorting == "by_time"
    found = sorted((round(t / 0.1), node) for node, t in spikes.get())
    assert found == _spikes(result)
    assert brainview.load(tmp_path / "run").equals(network)  # the folder opens as the network


def test_sonata_spikes_file_with_the_circuit_beside_it(result, dataset, network, tmp_path):
    written = write_run_file(tmp_path / "worm_spikes.h5", result, dataset, format="sonata", connectome=network)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written) == sorted([
        "worm_simulation_config.json", "worm_spikes.h5", "worm_circuit_config.json", "worm_nodes.h5",
        "worm_edges.h5", "worm_node_types.csv", "worm_edge_types.csv"])
    times, nodes = generate_spikes(result)
    assert np.all(np.diff(times) >= 0) and nodes.dtype == np.uint64
    assert run_paths(tmp_path / "spikes.h5").circuit.nodes == tmp_path / "nodes.h5"


@pytest.mark.parametrize(("path", "fmt", "expected"), [
    ("run.h5", None, "brainview"), ("run.hdf5", None, "brainview"), ("run.nwb", None, "nwb"), ("run", None, "sonata"),
    ("out/", None, "sonata"), ("run.sonata", None, "sonata"), ("run_spikes.h5", "sonata", "sonata"), ("run.h5", "brainview", "brainview"),
])
def test_the_format_goes_by_the_path_or_by_name(path, fmt, expected):
    assert run_format(path, fmt) == expected


@pytest.mark.parametrize(("path", "fmt", "message"), [
    ("run.txt", None, "must end in .h5"), ("run.h5", "nwb", "must end in .nwb"), ("run.nwb", "sonata", "folder"),
    ("run.h5", "csv", "unknown run format"),
])
def test_a_path_that_does_not_fit_is_refused(path, fmt, message):
    with pytest.raises(ParameterError, match=message):
        run_format(path, fmt)


def test_sonata_needs_the_connectome(result, dataset, tmp_path):
    with pytest.raises(ParameterError, match="needs the connectome"):
        write_run_file(tmp_path / "run", result, dataset)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_sonata_write_leaves_nothing(result, dataset, network, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("brainview.experiment.sonata_spikes.write_spikes", broken)
    with pytest.raises(OSError, match="No space left") as caught:
        write_run_file(tmp_path / "new" / "run", result, dataset, connectome=network)
    assert caught.value.filename == str(tmp_path / "new" / "run")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_destination_names_it(result, dataset, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    has_pynwb = importlib.util.find_spec("pynwb") is not None
    for name in ("run.h5", "run.nwb") if has_pynwb else ("run.h5",):
        with pytest.raises(OSError) as caught:
            write_run_file(tmp_path / "file" / name, result, dataset)
        assert caught.value.filename == str(tmp_path / "file" / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_nwb_without_pynwb_says_how_to_install_it(result, dataset, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith("pynwb"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(ParameterError, match=r"brainview\[formats\]"):
        write_run_file(tmp_path / "run.nwb", result, dataset)
    assert list(tmp_path.iterdir()) == []
