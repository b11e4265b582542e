"""The whole app on the default dataset: play, drive, lesion through the browser, undo, errors.

These run without OpenGL (the 3D view shows its fallback); tests/ui/test_ui_view_gl.py checks
the 3D view under Xvfb.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from brainview.connectome.io import write_native
from brainview.ui.app import create_window
from brainview.ui.lesson import FIRST_LESSON, shipped_lesson

pytest.importorskip("brainview.sim")


def rates_of(window, label):
    traces = window.traces
    index = traces.rates.labels.index(label)
    return traces.rates.series(index)


def test_drive_lesion_a_type_while_running_and_undo(qtbot, window):
    session = window.session
    worm = session.connectome
    window.controls.w_syn.setValue(dict(shipped_lesson(FIRST_LESSON).model)["w_syn_mV"])
    ava_node = session.tree.leaf_of(worm.index_of("AVAL"))
    session.watch(ava_node.target())
    window.stimuli.selector.setText("ALML,ALMR,AVM")
    window.stimuli.rate.setValue(150)
    window.stimuli.drive_button.click()
    window.controls.pacing_actions.actions()[0].trigger()  # flat out
    with qtbot.waitActive(window):  # shortcuts go to the active window
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controls.running and window.traces.now_ms > 300, timeout=30_000)
    t_before = window.traces.now_ms
    window.browser.reveal(ava_node.key)
    with qtbot.waitSignal(window.traces.changesShown, timeout=10_000):
        window.browser.set_lesion(ava_node.key, "silence")  # the browser's lesion cell does this
    assert np.all(window.worker.sim.lesions.status()[ava_node.rows] == 1)  # the engine applied it
    lesion_t = window.traces.markers[-1][0]
    assert lesion_t >= t_before
    assert window.browser.lesion_items[ava_node.key].text() == "silenced"
    qtbot.waitUntil(lambda: window.traces.now_ms > lesion_t + 300, timeout=30_000)
    t, rate = rates_of(window, "AVA")
    assert rate[(t > 50) & (t <= lesion_t)].mean() > 20  # it fired while driven
    assert rate[t > lesion_t + 10].max() == 0  # and stopped at the lesion
    x, y = window.traces.raster.segments()
    assert x.size > 0  # the raster is live
    with qtbot.waitSignal(window.traces.changesShown, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.all(window.worker.sim.lesions.status()[ava_node.rows] == 0)
    undo_t = window.traces.markers[-1][0]
    qtbot.waitUntil(lambda: window.traces.now_ms > undo_t + 300, timeout=30_000)
    t, rate = rates_of(window, "AVA")
    assert rate[t > undo_t + 50].mean() > 20  # undo restored it
    assert window.browser.lesion_items[ava_node.key].text() == ""
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.controls.running, timeout=5000)


def test_an_error_in_the_worker_shows_a_dialog_and_the_window_stays_usable(qtbot, window, monkeypatch):
    sim = window.worker.sim

    def broken_step(n_steps=1, progress=None):
        raise RuntimeError("the engine broke on purpose")

    monkeypatch.setattr(sim, "step", broken_step)
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: window.error_box is not None, timeout=10_000)
    assert "broke on purpose" in window.error_box.text()
    assert "Traceback" in window.error_box.detailedText()
    qtbot.waitUntil(lambda: not window.controls.running, timeout=5000)
    # the window still answers: select a cell, the inspector follows; a lesion goes on the stack
    worm = window.session.connectome
    window.session.select(worm.index_of("AVBL"))
    assert "AVBL" in window.inspector.title.text()
    window.inspector.lesion_button.click()
    assert len(window.session.experiment.history.done) == 1
    monkeypatch.undo()
    window.error_box.close()
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: window.traces.now_ms > 50, timeout=30_000)


def test_open_a_file_remembers_it_and_a_bad_file_is_reported(qtbot, window, tmp_path, tiny):
    path = tmp_path / "tiny.h5"
    write_native(tiny, path)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.session.connectome.n == tiny.n and window.engine_ready, timeout=60_000)
    assert window.settings.recent_files() == [str(path.resolve())]
    assert [a.text() for a in window.recent_menu.actions()][0] == "&1 tiny.h5"
    assert window.browser.model.rowCount() == 3  # T0, T1, T2
    assert window.banner.isHidden()  # the worm lesson does not fit this dataset
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not an hdf5 file")
    window.open_path(bad)
    qtbot.waitUntil(lambda: window.error_box is not None, timeout=30_000)
    assert "broken.h5" in window.error_box.windowTitle()
    assert window.session.connectome.n == tiny.n  # the open dataset stays


def test_settings_are_remembered_between_sessions(qtbot, tmp_path):
    ini = tmp_path / "settings.ini"
    first = create_window(None, ini)
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.session is not None, timeout=60_000)
    assert not first.banner.isHidden()  # a first run offers the lesson
    first.controls.pacing_actions.actions()[2].trigger()  # 10x slower
    first._dismiss_banner()
    first.close()
    second = create_window(None, ini)
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: second.session is not None, timeout=60_000)
    assert second.controls.pacing.mode == "slow" and second.controls.pacing.slowdown == 10
    assert second.banner.isHidden()
    second.close()


def test_the_lesson_sets_up_traces_and_performs_its_steps(qtbot, window):
    touch = shipped_lesson(FIRST_LESSON)
    window.start_lesson(touch)
    session = window.session
    assert len(session.groups) == len(touch.groups) and len(session.probes) == 3
    assert window.controls.w_syn.value() == pytest.approx(1.4)
    window.lesson_panel.perform_step()
    assert len(session.experiment.stimuli) == 1
    qtbot.waitUntil(lambda: window.controls.running, timeout=5000)
    window.lesson_panel.show_step(1)
    window.lesson_panel.perform_step()
    worm = session.connectome
    assert session.lesion_state()[worm.index_of("AVDR")] == 1
    window.session.undo()
    assert session.lesion_state()[worm.index_of("AVDR")] == 0


def test_the_load_dialog_is_not_modal(qtbot, window):
    # A modal QProgressDialog runs the event loop inside setValue: a load finishing in there
    # started a new engine mid-update, a crash seen while the worker loaded the numba cache.
    window.open_path(None)
    assert window.progress is not None
    assert window.progress.windowModality() == Qt.WindowModality.NonModal
    window._on_load_progress(0.5, "half way")  # returns without running the event loop
    assert window.load_job is not None
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)


def test_opening_another_dataset_shows_its_clock_at_zero_without_play(qtbot, window):
    from brainview.ui.controls import format_clock

    window.controls.pacing_actions.actions()[0].trigger()  # flat out
    window.controls.play_action.setChecked(True)
    qtbot.waitUntil(lambda: window.traces.now_ms > 200, timeout=30_000)
    window.open_path(None)
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    qtbot.waitUntil(lambda: window.controls.clock.text() == format_clock(0.0), timeout=10_000)
    assert not window.controls.running and window.controls.factor.text() == "paused"
