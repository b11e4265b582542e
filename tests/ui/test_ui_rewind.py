"""Rewinding a live run in the worker: the same spikes again, a new branch, the old one kept and exported."""

import numpy as np
import pytest

from brainview.experiment.recording import read_recording
from brainview.sim.runfile import DatasetInfo
from brainview.ui import commands as cmd
from brainview.ui.worker import SimulationWorker
from tests.ui.recording import Recorder


@pytest.fixture
def net(connectome_factory):
    """Cell 0 drives 1 and 2; 2 drives 3; 4 and 5 unconnected."""
    return connectome_factory(6, edges=[(0, 1, 50.0, 1), (0, 2, 50.0, 1), (2, 3, 50.0, 1), (4, 5, 1.0, 1)])


@pytest.fixture
def worker(qtbot, net):
    worker = SimulationWorker(net, cmd.Pacing("flat"))
    worker.recorder = Recorder(worker)
    exported = []
    worker.exported.connect(lambda written, problem: exported.append((written, problem)))
    worker.exported_files = exported
    worker.start()
    qtbot.waitUntil(lambda: bool(worker.recorder.ready), timeout=120_000)
    worker.submit(cmd.SetCheckpointing(every_ms=50.0, budget_MB=16.0))
    yield worker
    worker.stop()


def run_to(qtbot, worker, t_ms):
    snapshots = worker.recorder.snapshots
    now = snapshots[-1].t_ms if snapshots else 0.0
    worker.submit(cmd.Step(t_ms - now))
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= t_ms - 1e-9, timeout=30_000)


def export(qtbot, worker, path, net, branch=None):
    files = worker.exported_files
    count = len(files)
    worker.submit(cmd.ExportRun(str(path), DatasetInfo.of(net), branch=branch))
    qtbot.waitUntil(lambda: len(files) > count, timeout=30_000)
    written, problem = files[-1]
    assert not problem, problem
    return read_recording(written[0])


def spikes(recording, first_ms=0.0, end_ms=np.inf):
    t = recording.spike_steps * recording.dt_ms
    keep = (t >= first_ms) & (t < end_ms)
    order = np.lexsort((recording.spike_cells[keep], recording.spike_steps[keep]))
    return recording.spike_steps[keep][order], recording.spike_cells[keep][order]


def test_a_rewound_run_with_the_same_interventions_fires_the_same_spikes(qtbot, worker, net, tmp_path):
    drive = cmd.ApplyStimulus("drive", "drive 0", [0], 150.0)
    worker.submit(drive)
    run_to(qtbot, worker, 200.0)
    worker.submit(cmd.ApplyLesion("cut", "silence 2", [2], "silence"))
    run_to(qtbot, worker, 400.0)
    worker.submit(cmd.Restore(120.0))
    snapshots = worker.recorder.snapshots
    qtbot.waitUntil(lambda: snapshots[-1].branch is not None, timeout=30_000)
    state = snapshots[-1].branch
    assert (state.current, state.parent, state.fork_ms) == (2, 1, pytest.approx(120.0))
    assert state.in_force == (drive.serial,) and [b.number for b in state.kept] == [1]
    assert snapshots[-1].t_ms == pytest.approx(120.0) and snapshots[-1].spike_t_ms.max() < 120.0
    assert snapshots[-1].generation > snapshots[-2].generation
    # The same change at the same time on the new branch: the same course as the old one.
    run_to(qtbot, worker, 200.0)
    worker.submit(cmd.ApplyLesion("cut", "silence 2", [2], "silence"))
    run_to(qtbot, worker, 400.0)
    old = export(qtbot, worker, tmp_path / "branch1.h5", net, branch=1)
    new = export(qtbot, worker, tmp_path / "branch2.h5", net)
    for a, b in zip(spikes(old), spikes(new)):
        np.testing.assert_array_equal(a, b)
    assert spikes(old)[0].size > 40 and not np.any(spikes(old, 200.0)[1] == 2)
    assert [m.kind for m in new.markers].count("lesion") == 1


def test_a_branch_with_another_change_differs_after_the_fork_only(qtbot, worker, net, tmp_path):
    worker.submit(cmd.ApplyStimulus("drive", "drive 0", [0], 150.0))
    run_to(qtbot, worker, 150.0)
    lesion = cmd.ApplyLesion("cut", "silence 2", [2], "silence")
    worker.submit(lesion)
    run_to(qtbot, worker, 300.0)
    # Rewind to after the lesion, between two checkpoints: the lesion is in force there again.
    worker.submit(cmd.Restore(175.0))
    snapshots = worker.recorder.snapshots
    qtbot.waitUntil(lambda: snapshots[-1].branch is not None, timeout=30_000)
    assert lesion.serial in snapshots[-1].branch.in_force
    assert any(c.kind == "lesion" and c.serial == 0 for c in snapshots[-1].changes), "the lesion's marker is shown again"
    worker.submit(cmd.RemoveLesion("cut", "restore 2"))
    run_to(qtbot, worker, 300.0)
    old = export(qtbot, worker, tmp_path / "old.h5", net, branch=1)
    new = export(qtbot, worker, tmp_path / "new.h5", net)
    for a, b in zip(spikes(old, end_ms=175.0), spikes(new, end_ms=175.0)):
        np.testing.assert_array_equal(a, b)
    assert not np.any(spikes(old, 175.0)[1] == 2) and np.any(spikes(new, 176.0)[1] == 2)
    # Rewinding again before the new branch moved on does not keep an empty branch.
    worker.submit(cmd.Restore(250.0))
    qtbot.waitUntil(lambda: snapshots[-1].branch is not None and abs(snapshots[-1].branch.fork_ms - 250.0) < 1e-6,
                    timeout=30_000)
    worker.submit(cmd.Restore(100.0))
    qtbot.waitUntil(lambda: snapshots[-1].branch is not None and abs(snapshots[-1].branch.fork_ms - 100.0) < 1e-6,
                    timeout=30_000)
    assert [b.number for b in snapshots[-1].branch.kept] == [1, 2] and snapshots[-1].branch.current == 3


def test_a_change_made_right_after_the_rewind_is_in_force_in_the_branch(qtbot, worker):
    drive = cmd.ApplyStimulus("drive", "drive 0", [0], 150.0)
    worker.submit(drive)
    run_to(qtbot, worker, 100.0)
    # The user lets go of the timeline and lesions at once: both reach the worker before it publishes.
    lesion = cmd.ApplyLesion("cut", "silence 2", [2], "silence")
    worker.submit(cmd.Restore(40.0))
    worker.submit(lesion)
    snapshots = worker.recorder.snapshots
    qtbot.waitUntil(lambda: any(s.branch is not None for s in snapshots), timeout=30_000)
    state = next(s.branch for s in snapshots if s.branch is not None)
    assert set(state.in_force) == {drive.serial, lesion.serial}
    assert any(c.serial == lesion.serial for s in snapshots for c in s.changes)
