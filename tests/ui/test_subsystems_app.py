"""The Subsystems panel in the running app: a group from a selection, lesioned while running, kept across launches."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.ui.app import create_window

pytest.importorskip("brainview.sim")


def _open(qtbot, settings_file):
    window = create_window(None, settings_file)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)
    return window


def _play_flat_out(qtbot, window):
    window.controls.pacing_actions.actions()[0].trigger()  # flat out
    window.controls.play_action.setChecked(True)
    qtbot.waitUntil(lambda: window.controls.running and window.traces.now_ms > 50, timeout=30_000)


def _lesion_group(qtbot, window, label, rows):
    panel = window.subsystems
    panel.groups.setCurrentItem(next(panel.groups.topLevelItem(i) for i in range(panel.groups.topLevelItemCount())
                                     if panel.groups.topLevelItem(i).text(0) == label))
    panel.lesion("silence")
    qtbot.waitUntil(lambda: np.all(window.worker.sim.lesions.status()[rows] == 1), timeout=10_000)
    key = f"subsystem={label}"
    assert window.session.experiment.lesions[key].mode.value == "silence"
    assert window.browser.lesion_items[key].text() == "silenced"  # through the browser's own path
    assert window.undo_action.text() == f"&Undo {window.session.experiment.history.undo_text}"


def test_a_group_made_lesioned_saved_and_back_after_a_relaunch(qtbot, tmp_path):
    settings_file = tmp_path / "settings.ini"
    window = _open(qtbot, settings_file)
    session = window.session
    worm = session.connectome
    ava = session.tree.leaf_of(worm.index_of("AVAL"))
    window.browser.reveal(ava.key)  # the selection: the browser's current group
    _play_flat_out(qtbot, window)
    assert window.subsystems.group_from_selection()
    assert window.session is session and window.controls.running  # the same run goes on
    t_edit = window.traces.now_ms
    qtbot.waitUntil(lambda: window.traces.now_ms > t_edit + 50, timeout=30_000)
    rows = session.tree.find("subsystem=group1").rows
    assert sorted(worm.names[rows]) == ["AVAL", "AVAR"]
    assert "subsystem=group1" in window.browser.items  # the browser's tree follows
    session.watch(session.tree.find("subsystem=group1").target())
    assert "group1" in window.traces.rates.labels
    assert window.subsystems.rename("group1", "escape")
    assert "escape" in window.traces.rates.labels and "group1" not in window.traces.rates.labels
    if window.view.view is not None:  # with OpenGL: the 3D colours by subsystem follow
        assert "escape" in [label for label, _ in window.view.view.legend()]
    _lesion_group(qtbot, window, "escape", rows)
    assert window.controls.running
    window.subsystems.save()
    window.close()

    again = _open(qtbot, settings_file)
    session = again.session
    assert "escape" in [again.subsystems.groups.topLevelItem(i).text(0)
                        for i in range(again.subsystems.groups.topLevelItemCount())]
    rows = session.tree.find("subsystem=escape").rows
    assert sorted(session.connectome.names[rows]) == ["AVAL", "AVAR"]
    assert not session.experiment.lesions  # a new run: the lesion was not kept, the group was
    _play_flat_out(qtbot, again)
    _lesion_group(qtbot, again, "escape", rows)
    again.close()
