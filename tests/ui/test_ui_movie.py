"""File > Record movie under a real OpenGL context (Xvfb): frames at the simulated-time cadence,
the indicator and Stop, a movie finished when the window closes, errors in words.

Skipped where no OpenGL context can be created (no display, Qt's offscreen platform).
"""

import re

import numpy as np
import pytest

from brainview.ui.app import create_window

pytestmark = pytest.mark.gl
iio = pytest.importorskip("imageio.v3")


def _step(qtbot, window, ms: float) -> None:
    """Advance the simulation by ``ms`` and wait until the view has shown it."""
    from brainview.ui.commands import Step

    target = window.view.clock_ms + ms
    window.worker.submit(Step(ms))
    qtbot.waitUntil(lambda: window.view.clock_ms >= target - 1e-6, timeout=30_000)


def _drive(window, selector="ALML,ALMR,AVM,PVM"):
    window.stimuli.selector.setText(selector)
    window.stimuli.drive_button.click()


def test_a_recording_has_one_frame_per_interval_of_simulated_time(qtbot, gl_window, tmp_path):
    window = gl_window
    recorder = window.recorder
    _drive(window)
    path = tmp_path / "live.mp4"
    assert recorder.start(path, (64, 48), fps=100)
    assert recorder.indicator.isVisible() and re.fullmatch(r"\u25cf Recording 00:00", recorder.label.text())
    assert recorder.record_action.text() == "Stop recording &movie"
    _step(qtbot, window, 100.0)  # 100 ms at 100 frames per simulated second: 10 frames
    qtbot.waitUntil(lambda: recorder.movie_s >= 0.1 - 1e-9, timeout=30_000)
    assert not path.exists()  # written under a temporary name until it is finished
    recorder.stop_button.click()  # the indicator's Stop
    assert not recorder.indicator.isVisible() and recorder.record_action.text() == "Record &movie..."
    frames = iio.imread(path, index=None)
    assert frames.shape == (10, 48, 64, 3)
    assert window.statusBar().currentMessage() == f"Movie saved: {path} (10 frames, 0.1 s)"


def test_frames_show_the_glow_of_their_own_moment_and_a_gif_too(qtbot, gl_window, tmp_path, monkeypatch):
    from brainview.ui import movie

    window = gl_window
    _drive(window)
    path = tmp_path / "glow.gif"
    # the menu's dialog, answered: this file, frames of 96 x 64, 50 frames per simulated second
    monkeypatch.setattr("brainview.ui.output_dialog.ask_output",
                        lambda *args, **kwargs: (path, (96, 64), 50.0))
    action = next(a for a in window.actions() if a.text() == movie.RECORD_TEXT)
    assert action.shortcut().toString() == "Ctrl+Shift+M"
    action.trigger()
    assert window.recorder.recording
    _step(qtbot, window, 200.0)
    qtbot.waitUntil(lambda: window.recorder.movie_s >= 0.2 - 1e-9, timeout=30_000)
    action.trigger()  # the same action stops
    assert not window.recorder.recording
    frames = iio.imread(path, index=None)
    assert frames.shape == (10, 64, 96, 3)
    # the driven touch cells fire many times a second: the glow comes and goes between frames
    changes = [np.abs(frames[k].astype(int) - frames[k + 1]).sum() for k in range(len(frames) - 1)]
    assert sum(change > 0 for change in changes) >= 3


def test_closing_the_window_while_recording_finishes_the_movie(qtbot, tmp_path):
    from brainview.ui.view3d import opengl_problem

    if opengl_problem():
        pytest.skip("no OpenGL here")
    window = create_window(None, tmp_path / "settings.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)
    if window.view.view is None:
        pytest.skip("the 3D view could not start")
    path = tmp_path / "closed.mp4"
    assert window.recorder.start(path, (64, 48), fps=50)
    _step(qtbot, window, 100.0)
    window.close()  # the frames still due are drawn and the file closed before the view goes
    assert iio.imread(path, index=None).shape == (5, 48, 64, 3)


def test_a_size_mp4_cannot_take_is_refused_in_words(qtbot, gl_window, tmp_path):
    window = gl_window
    assert not window.recorder.start(tmp_path / "odd.mp4", (65, 48), fps=30)
    assert window.error_box is not None and "must be even each way for MP4" in window.error_box.text()
    assert not window.recorder.recording and not (tmp_path / "odd.mp4").exists()
    assert not window.recorder.start(tmp_path / "movie.avi", (64, 48), fps=30)
    assert "must end in .mp4 or .gif" in window.error_box.text()


def test_frames_that_fall_behind_slow_the_simulation_until_the_recording_stops(qtbot, gl_window, tmp_path):
    from brainview.ui import movie
    from brainview.ui.commands import Pacing, SetPacing, Snapshot

    window = gl_window
    recorder = window.recorder
    sent = []
    submit = window.worker.submit
    window.worker.submit = lambda command: (sent.append(command), submit(command))
    assert recorder.start(tmp_path / "slow.mp4", (64, 48), fps=30)
    recorder._frame_s = 0.1  # as if each frame took 100 ms: 30 frames a second need 10x slower
    empty = np.zeros(0)
    behind = Snapshot(generation=window.view.generation, t_ms=window.view.clock_ms + 2000.0, spike_rows=empty.astype(np.int32),
                      spike_t_ms=empty, rate_t_ms=empty, rates_hz=np.zeros((0, 0)), group_labels=(),
                      probe_rows=empty.astype(np.int64), probe_t_ms=empty, probe_mV=np.zeros((0, 0)),
                      real_time_factor=0.0, running=True, changes=())
    recorder.add_snapshot(behind)  # 2 s of movie due at once: more than BACKLOG_S
    assert len(recorder._due) > movie.BACKLOG_S * 30
    assert sent[-1] == SetPacing(Pacing("slow", 10.0))
    recorder._on_tick()
    assert recorder.label.text().endswith("(simulation paced 10x slower to keep up)")
    recorder.stop()  # the frames due are drawn, the user's pacing comes back
    assert sent[-1] == SetPacing(window.controls.pacing)
    assert iio.imread(tmp_path / "slow.mp4", index=None).shape[0] == 60


def test_a_replay_is_recorded_from_its_moments_with_its_markers_as_captions(qtbot, gl_window, tmp_path):
    from brainview.experiment.recording import Marker, read_recording
    from brainview.sim import ShiuParams, Simulation
    from brainview.experiment.export import write_run_file
    from brainview.experiment.live import recorded_run
    from brainview.sim.runfile import DatasetInfo
    from brainview.ui.movie import marker_interventions

    window = gl_window
    worm = window.session.connectome
    sim = Simulation(worm, ShiuParams(w_syn_mV=1.4), seed=2)
    sim.stimulate("ALML,ALMR,AVM", 150.0)
    sim.step(2000)
    sim.lesion("type:AVA", "silence")
    sim.step(2000)
    run = write_run_file(tmp_path / "touch.h5", recorded_run(sim), DatasetInfo.of(worm))[0]
    spans = marker_interventions(read_recording(run).markers)
    assert [(s.start_ms, s.text) for s in spans] == [(0.0, "drive ALML,ALMR,AVM"), (200.0, "silence AVA")]
    assert marker_interventions([Marker(0.0, "lesion", "silence AVA"), Marker(5.0, "unlesion", "restore AVA")])[0].stop_ms == 5.0
    assert window.timeline.open_replay(run)
    path = tmp_path / "replay.mp4"
    assert window.recorder.start(path, (64, 48), fps=50)
    for t_ms in (100.0, 200.0, 300.0, 400.0):  # the replay plays on: one frame every 20 ms of it
        window.timeline.replay.seek(t_ms)
    assert window.recorder.stop() == path
    frames = iio.imread(path, index=None)
    assert frames.shape == (20, 48, 64, 3)
    assert frames[-1].max() > 0  # drawn, not empty
