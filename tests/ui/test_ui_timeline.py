"""The timeline in the window: replaying a run file, rewinding the live run, branches kept and exported."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

import brainview
from brainview.experiment import cells_from_selector
from brainview.experiment.export import write_run_file
from brainview.experiment.live import recorded_run
from brainview.experiment.recording import read_recording
from brainview.sim import ShiuParams, Simulation
from brainview.sim.runfile import DatasetInfo
from brainview.ui import experiment_files
from brainview.ui.commands import SetCheckpointing, Step
from brainview.ui.controls import format_clock
from brainview.ui.replay import replay_snapshot


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


def worm_run(worm, path):
    """A 600 ms run on the worm: touch neurons driven, AVA silenced at 300 ms."""
    sim = Simulation(worm, ShiuParams(w_syn_mV=1.4), seed=2)
    sim.stimulate("ALML,ALMR,AVM,PLML,PLMR", 150.0)
    sim.step(3000)
    sim.lesion("type:AVA", "silence")
    sim.step(3000)
    write_run_file(path, recorded_run(sim), DatasetInfo.of(worm))
    return sim


def drag(qtbot, bar, t_ms):
    """Press on the timeline's cursor, drag it to ``t_ms`` and let go."""
    start = QPoint(round(bar.x_of(bar.time_ms)), bar.height() // 2)
    end = QPoint(round(bar.x_of(t_ms)), bar.height() // 2)
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(bar, pos=(start + end) / 2)
    qtbot.mouseMove(bar, pos=end)
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=end)
    return bar.time_at(end.x())


@pytest.mark.parametrize("suffix", [".h5", ".nwb"])
def test_replay_a_run_file_and_drag_the_timeline(qtbot, window, worm, tmp_path, suffix):
    if suffix == ".nwb":
        pytest.importorskip("pynwb")
    path = tmp_path / f"touch{suffix}"
    worm_run(worm, path)
    window.session.watch(cells_from_selector(worm, "ALML,ALMR,AVM,PLML,PLMR"))
    timeline = window.timeline
    assert timeline.open_replay(path)
    panel = timeline.panel
    assert panel.replaying and panel.bar.duration_ms == pytest.approx(600.0)
    assert [kind for _, kind in panel.bar.markers] == ["stimulus", "lesion"]
    t_ms = drag(qtbot, panel.bar, 450.0)
    assert t_ms == pytest.approx(450.0, abs=5.0)
    traces, recording = window.traces, read_recording(path)
    assert traces.now_ms == pytest.approx(t_ms) and window.view.clock_ms == pytest.approx(t_ms)
    rows, times = traces.recent.arrays()
    want_rows, want_times = recording.spikes_between(max(t_ms - traces.window_ms, 0.0), t_ms)
    assert times.size == want_times.size > 100 and times.max() < t_ms
    np.testing.assert_array_equal(np.sort(rows), np.sort(want_rows))
    assert [t for t, _ in traces.markers] == pytest.approx([0.0, 300.0])
    t, rates = traces.rates.series(0)
    assert t.size and t.max() <= t_ms and rates.mean() > 50, "the driven touch neurons' rate is replayed"
    assert f"{t_ms / 1000:.2f} s" in panel.clock.text()
    assert window.controls.clock.text() == format_clock(t_ms), "the toolbar's clock reads the replayed time"
    view = window.view.view
    if view is not None:  # the 3D view (GL under Xvfb) glows with the spikes of the moments before t
        activity = view._activity
        qtbot.waitUntil(lambda: abs(activity.time_ms - t_ms) < 1e-3, timeout=5_000)
        glowing = recording.spikes_between(t_ms - activity.cutoff_ms, t_ms)[1].size
        assert glowing > 10 and abs(activity.live_events() - glowing) <= max(3, glowing // 20)
    # Live snapshots do not disturb the replay; closing it goes back to the live run.
    window.worker.submit(Step(20.0))
    qtbot.wait(300)
    assert traces.now_ms == pytest.approx(t_ms)
    panel.close_button.click()
    assert not panel.replaying and timeline.replay is None
    assert window.controls.clock.text() == format_clock(20.0), "back to the live run's clock"


def test_replay_plays_at_a_speed(qtbot, window, worm, tmp_path):
    path = tmp_path / "touch.h5"
    worm_run(worm, path)
    timeline = window.timeline
    timeline.open_replay(path)
    timeline.panel.speed.setCurrentIndex(timeline.panel.speed.findData(4.0))
    assert timeline.replay.speed == 4.0
    timeline.panel.play_button.click()
    assert timeline.replay.is_playing and timeline.panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: window.traces.now_ms > 100.0, timeout=10_000)
    qtbot.waitUntil(lambda: not timeline.replay.is_playing, timeout=20_000)
    assert timeline.replay.t_ms == pytest.approx(600.0) and timeline.panel.play_button.text() == "Play"


def test_a_run_of_another_dataset_is_refused_with_its_name(qtbot, window, tmp_path, connectome_factory):
    other = connectome_factory(5)
    sim = Simulation(other)
    sim.step(100)
    path = tmp_path / "other.h5"
    write_run_file(path, recorded_run(sim), DatasetInfo.of(other))
    assert not window.timeline.open_replay(path)
    assert "other.h5" in window.error_box.text() + window.error_box.informativeText()


def test_replay_snapshot_holds_the_window_before_the_time(worm, tmp_path):
    path = tmp_path / "touch.h5"
    worm_run(worm, path)
    recording = read_recording(path)
    snapshot = replay_snapshot(recording, 400.0, 200.0, ("AVA",), (np.flatnonzero(worm["cell_type"].to_strings() == "AVA"),), -5)
    assert snapshot.spike_t_ms.min() >= 200.0 and snapshot.spike_t_ms.max() < 400.0
    assert snapshot.rates_hz.shape == (1, 20) and snapshot.rate_t_ms[-1] == pytest.approx(400.0)
    assert [(c.t_ms, c.kind, c.serial) for c in snapshot.changes] == [(300.0, "lesion", 0)]


def test_rewind_the_live_run_keeps_both_branches_and_both_export(qtbot, window, worm, tmp_path):
    session = window.session
    touch = cells_from_selector(worm, "ALML,ALMR,AVM,PLML,PLMR")
    session.stimulate(touch, 150.0)
    session.watch(touch)
    window.worker.submit(SetCheckpointing(every_ms=50.0, budget_MB=64.0))
    window.worker.submit(Step(200.0))
    qtbot.waitUntil(lambda: window.traces.now_ms >= 200.0, timeout=30_000)
    alm = cells_from_selector(worm, "ALML,ALMR")  # driven: they stop firing when silenced
    session.lesion(alm, "silence")
    qtbot.waitUntil(lambda: len(session.experiment.log) == 2, timeout=10_000)
    window.worker.submit(Step(200.0))
    qtbot.waitUntil(lambda: window.traces.now_ms >= 400.0, timeout=30_000)
    assert session.experiment.history.undo_text
    panel = window.timeline.panel
    assert [kind for _, kind in panel.bar.markers] == ["stimulus", "lesion"]
    t_ms = drag(qtbot, panel.bar, 150.0)
    qtbot.waitUntil(lambda: window.timeline.branch_state is not None, timeout=30_000)
    state = window.timeline.branch_state
    assert state.current == 2 and state.fork_ms == pytest.approx(t_ms, abs=0.05)
    # The window follows the branch: the lesion made after the fork point is gone, the drive stays;
    # the undo history starts at the fork point.
    assert list(session.experiment.lesions) == [] and list(session.experiment.stimuli) == [touch.key]
    assert [r.kind for r in session.experiment.log] == ["stimulus"]
    assert not session.experiment.history.undo_text and not window.undo_action.isEnabled()
    assert not window.view.view or window.view.view.flags()[alm.rows].max() & 2 == 0
    assert panel.branches.count() == 2 and panel.branches.isVisible()
    assert window.traces.now_ms == pytest.approx(state.fork_ms) and window.traces.recent.arrays()[1].size
    assert [t for t, _ in window.traces.markers] == [0.0]
    # Go on without the lesion; export the old branch (chosen in the list) and the new one.
    window.worker.submit(Step(300.0))
    qtbot.waitUntil(lambda: window.traces.now_ms >= 400.0, timeout=30_000)
    written = []
    window.worker.exported.connect(lambda files, problem: written.append((files, problem)))
    panel.branches.setCurrentIndex(0)
    assert panel.chosen_branch() == 1 and panel.compare_button.text() == "Compare with branch 1"
    experiment_files.export_run(window, tmp_path / "old.h5", branch=panel.chosen_branch())
    experiment_files.export_run(window, tmp_path / "new.h5")
    qtbot.waitUntil(lambda: len(written) == 2, timeout=30_000)
    assert all(not problem for _, problem in written)
    old, new = read_recording(tmp_path / "old.h5"), read_recording(tmp_path / "new.h5")
    assert old.duration_ms == pytest.approx(400.0) and new.duration_ms >= 400.0
    fork = state.fork_step
    for a, b in ((old.spike_steps, new.spike_steps), (old.spike_cells, new.spike_cells)):
        np.testing.assert_array_equal(a[old.spike_steps < fork], b[new.spike_steps < fork])
    assert [m.kind for m in old.markers] == ["stimulus", "lesion"] and [m.kind for m in new.markers] == ["stimulus"]
    alm_old = np.isin(old.spike_cells, alm.rows) & (old.spike_steps >= 2000)
    alm_new = np.isin(new.spike_cells, alm.rows) & (new.spike_steps >= 2000) & (new.spike_steps < 4000)
    assert alm_old.sum() == 0 and alm_new.sum() > 0, "the lesion acts in the old branch only"
    # Compare: both branches' traced rates side by side.
    panel.compare_button.click()
    qtbot.waitUntil(lambda: window.timeline.comparison is not None, timeout=30_000)
    comparison = window.timeline.comparison
    assert comparison.parting_ms == pytest.approx(state.fork_ms)
    assert comparison.table.rowCount() == 1 and comparison.table.item(0, 1).text()
    comparison.close()
