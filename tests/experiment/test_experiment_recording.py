"""Run files read back for replay: the same spikes and markers from brainview-run and NWB."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome.io.errors import FormatError
from brainview.errors import ParameterError
from brainview.experiment.export import write_run_file
from brainview.experiment.live import recorded_run
from brainview.experiment.recording import Marker, marker_of, read_recording
from brainview.sim import Simulation
from brainview.sim.runfile import DatasetInfo


@pytest.fixture
def run(connectome_factory):
    connectome = connectome_factory(8, edges=[(0, 1, 50.0, 1), (1, 2, 50.0, 1), (4, 5, 1.0, 1)])
    sim = Simulation(connectome, seed=3)
    drive = sim.stimulate([0], 200.0)
    sim.step(1000)
    lesion = sim.lesion([2], "silence")
    sim.step(1000)
    sim.undo(lesion)
    sim.remove(drive)
    sim.step(500)
    return connectome, sim


@pytest.mark.parametrize("suffix", [".h5", ".nwb"])
def test_a_run_file_reads_back_with_its_spikes_and_markers(tmp_path, run, suffix):
    if suffix == ".nwb":
        pytest.importorskip("pynwb")
    connectome, sim = run
    path = tmp_path / f"run{suffix}"
    write_run_file(path, recorded_run(sim), DatasetInfo.of(connectome))
    recording = read_recording(path)
    steps, cells = sim.spikes.arrays()
    order = np.lexsort((cells, steps))
    got = np.lexsort((recording.spike_cells, recording.spike_steps))
    np.testing.assert_array_equal(recording.spike_steps[got], steps[order])
    np.testing.assert_array_equal(recording.spike_cells[got], cells[order])
    assert recording.duration_ms == pytest.approx(250.0) and recording.dt_ms == pytest.approx(0.1)
    kinds = [(m.kind, round(m.t_ms, 6)) for m in recording.markers]
    assert kinds[0] == ("stimulus", 0.0)
    assert ("lesion", 100.0) in kinds and ("unlesion", 200.0) in kinds and ("unstimulus", 200.0) in kinds
    recording.check_cells(connectome)
    rows, times = recording.spikes_between(100.0, 150.0)
    assert times.size and times.min() >= 100.0 and times.max() < 150.0
    assert not np.any(rows == 2), "cell 2 is silenced from 100 ms"
    ends, rates = recording.group_rates_Hz((np.array([0]), np.array([2])), 10.0, 95.0)
    assert ends.tolist() == [10.0 * k for k in range(1, 10)] and rates.shape == (2, 9)
    assert rates[0].mean() > 50


def test_a_recording_of_another_dataset_is_refused(tmp_path, run, connectome_factory):
    connectome, sim = run
    path = tmp_path / "run.h5"
    write_run_file(path, recorded_run(sim), DatasetInfo.of(connectome))
    with pytest.raises(ParameterError, match=r"run\.h5: this run has 8 cells, the open dataset 9"):
        read_recording(path).check_cells(connectome_factory(9))


def test_bad_run_files_name_the_file(tmp_path):
    text = tmp_path / "run.txt"
    text.write_text("no")
    with pytest.raises(ParameterError, match="run.txt"):
        read_recording(text)
    fake = tmp_path / "fake.h5"
    fake.write_bytes(b"not hdf5")
    with pytest.raises(FormatError, match="fake.h5"):
        read_recording(fake)


def test_log_actions_become_markers():
    assert marker_of(5.0, "silence", "type:AVA") == Marker(5.0, "lesion", "silence AVA")
    assert marker_of(5.0, "poisson on", "name:ALML,ALMR,AVM,PLML,PLMR,PVDL").label == "drive ALML,ALMR,AVM,PLML,PL\u2026"
    assert marker_of(5.0, "undo ablate", "x").kind == "unlesion"
    assert marker_of(5.0, "poisson off", "x").kind == "unstimulus"
    assert marker_of(0.0, "reset", "trial 0") is None
