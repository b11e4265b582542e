"""The Compare panel: control against the current lesions in the background, while the view runs."""

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from brainview.experiment import cells_from_selector
from brainview.ui.app import create_window
from brainview.ui.compare_panel import (
    CONTROL_HZ, DIFFERENCE, EFFECT, LESIONED_HZ, Q, Q_LEVEL, READOUT, VALUE_ROLE, format_q,
)
from brainview.ui.lesson import FIRST_LESSON, shipped_lesson

pytest.importorskip("brainview.sim")
pytest.importorskip("scipy")


def touch_setup(window):
    """The touch lesson's set-up: drive the touch receptors, trace AVA (a browser node) and
    VA/DA, silence AVA and AVD. Returns the AVA node."""
    session = window.session
    worm = session.connectome
    window.controls.w_syn.setValue(dict(shipped_lesson(FIRST_LESSON).model)["w_syn_mV"])
    session.stimulate(cells_from_selector(worm, "ALML,ALMR,AVM"), 150.0)
    ava = session.tree.leaf_of(worm.index_of("AVAL"))
    session.watch(ava.target())
    session.watch(cells_from_selector(worm, "type:VA,DA"))
    session.lesion(cells_from_selector(worm, "type:AVA,AVD"), "silence")
    return ava


def table_rows(panel):
    table = panel.table
    return [[table.item(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def click_row(qtbot, panel, row):
    table = panel.table
    rect = table.visualItemRect(table.item(row, READOUT))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_compare_runs_beside_the_live_view_and_shows_the_summary_of_the_snapshot(qtbot, window):
    from brainview.comparison import run_comparison
    from brainview.comparison.from_experiment import comparison_of

    panel, session = window.compare, window.session
    (view_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&View"]
    assert window.docks["compare"].toggleViewAction() in view_menu.actions()
    assert window.docks["compare"] in window.tabifiedDockWidgets(window.docks["stimuli"])
    ava = touch_setup(window)
    expected = run_comparison(comparison_of(session.experiment, 6, 200.0), scheduler="serial").summary
    window.controls.play_action.setChecked(True)
    qtbot.waitUntil(lambda: window.controls.running and window.traces.now_ms > 0, timeout=30_000)
    window.docks["compare"].raise_()
    panel.trials.setValue(6)
    panel.duration.setValue(0.2)
    panel.compare_button.click()
    assert panel.running and panel.compare_button.text() == "Cancel"
    live_from = window.traces.now_ms
    session.undo()  # lift the lesion while it runs: the comparison keeps its snapshot
    assert not session.experiment.lesions
    qtbot.waitUntil(lambda: not panel.running, timeout=120_000)
    assert window.traces.now_ms > live_from  # the live run went on meanwhile
    assert "of 2 readouts differ" in panel.status.text()
    qtbot.waitUntil(lambda: panel.table.horizontalScrollBar().maximum() == 0)  # the dock grew to show every column
    rows = table_rows(panel)
    assert [row[READOUT].text() for row in rows] == list(expected["readout"]) == [ava.label, "VA,DA"]
    for row, want in zip(rows, expected.itertuples()):
        assert row[CONTROL_HZ].data(VALUE_ROLE) == pytest.approx(want.control_mean_Hz)
        assert row[LESIONED_HZ].data(VALUE_ROLE) == pytest.approx(want.mean_Hz)
        assert row[DIFFERENCE].data(VALUE_ROLE) == pytest.approx((want.diff_Hz, want.ci_low_Hz, want.ci_high_Hz))
        assert row[DIFFERENCE].text().startswith(f"{want.diff_Hz:+.1f}  [{want.ci_low_Hz:+.1f}, ")
        assert row[EFFECT].data(VALUE_ROLE) == pytest.approx(want.effect_size)
        assert row[Q].data(VALUE_ROLE) == pytest.approx(want.q)
        assert row[Q].text() == format_q(want.q)
        assert row[READOUT].font().bold() == (want.q < Q_LEVEL)
    # Silencing AVA/AVD silences them and the backward motor neurons they drive.
    assert all(r.condition == "silence AVA,AVD" and r.diff_Hz < 0 and r.ci_high_Hz < 0 and r.q < Q_LEVEL
               for r in expected.itertuples())

    click_row(qtbot, panel, 1)
    va_da = panel.readouts["VA,DA"]
    assert np.array_equal(window.traces.focus_rows, va_da.rows)
    assert session.selected == va_da.rows[0]
    click_row(qtbot, panel, 0)
    assert np.array_equal(window.traces.focus_rows, ava.rows)
    assert session.selected == ava.rows[0]
    assert window.browser.view.currentIndex().data(Qt.ItemDataRole.UserRole + 1) == ava.key  # its browser row
    window.controls.play_action.setChecked(False)


def test_what_is_missing_is_said_in_the_panel(qtbot, window):
    panel, session = window.compare, window.session
    touch_setup(window)
    session.undo()  # no lesion any more
    panel.compare_button.click()
    assert not panel.running
    assert panel.status.text().startswith("Lesion some cells first: the comparison runs the current stimuli")
    assert panel.table.rowCount() == 0
    for group in list(session.groups.values()):
        session.watch(group, False)
    session.redo()
    panel.compare_button.click()
    assert "Trace at least one group" in panel.status.text() and not panel.running


def test_a_second_click_cancels_and_a_new_run_follows(qtbot, window):
    panel = window.compare
    touch_setup(window)
    panel.trials.setValue(500)
    panel.duration.setValue(1.0)
    panel.compare_button.click()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=60_000)
    panel.compare_button.click()
    assert panel.compare_button.text() == "Cancelling..." and not panel.compare_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    assert panel.status.text().startswith("Comparison cancelled")
    assert panel.compare_button.text() == "Compare" and panel.compare_button.isEnabled()
    assert panel.table.rowCount() == 0 and panel.table.isHidden() and panel.progress.isHidden()
    panel.trials.setValue(2)
    panel.duration.setValue(0.1)
    panel.compare_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    assert panel.table.rowCount() == 2 and panel.table.isVisible() and panel.progress.isHidden()


def test_opening_a_dataset_drops_the_run_on_the_last_one(qtbot, window):
    panel = window.compare
    touch_setup(window)
    panel.trials.setValue(500)
    panel.compare_button.click()
    old_job = panel.job
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=60_000)
    window.open_path(None)
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    assert not panel.running and panel.compare_button.text() == "Compare" and panel.compare_button.isEnabled()
    qtbot.waitUntil(lambda: old_job.thread.isFinished(), timeout=30_000)
    assert panel.table.rowCount() == 0 and panel.status.text().startswith("Runs the stimuli")
    panel.compare_button.click()  # the new experiment has no lesion
    assert panel.status.text().startswith("Lesion some cells first")


def test_keyboard_moves_between_readouts(qtbot, window):
    panel = window.compare
    touch_setup(window)
    panel.trials.setValue(2)
    panel.duration.setValue(0.1)
    panel.compare_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    click_row(qtbot, panel, 0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    assert np.array_equal(window.traces.focus_rows, panel.readouts["VA,DA"].rows)


def test_closing_the_window_while_it_compares_waits_for_the_run(qtbot, tmp_path):
    win = create_window(None, tmp_path / "settings.ini")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine_ready, timeout=120_000)
    touch_setup(win)
    win.compare.trials.setValue(500)
    win.compare.compare_button.click()
    job = win.compare.job
    qtbot.waitUntil(lambda: win.compare.progress.value() > 0, timeout=60_000)
    started = time.monotonic()
    win.close()
    assert job.thread.isFinished()
    assert time.monotonic() - started < 20  # it stops after the trial under way (0.2 s here)

