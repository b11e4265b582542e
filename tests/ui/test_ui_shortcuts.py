"""Shortcuts work wherever the focus is, unless a text field is being edited; Esc leaves the field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QTreeView

from brainview.ui.shortcuts import is_text_field


def activate(qtbot, window):
    """Make ``window`` the active window (Xvfb has no window manager to do it)."""
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def test_what_counts_as_a_text_field(qtbot):
    editable, fixed = QComboBox(), QComboBox()
    editable.setEditable(True)
    read_only = QPlainTextEdit()
    read_only.setReadOnly(True)
    assert is_text_field(QLineEdit()) and is_text_field(QSpinBox()) and is_text_field(editable)
    assert not is_text_field(fixed) and not is_text_field(read_only) and not is_text_field(QTreeView())


def test_space_plays_with_the_focus_on_the_traces(qtbot, window):
    activate(qtbot, window)
    plot = window.traces.graphics
    plot.setFocus()
    qtbot.waitUntil(plot.hasFocus, timeout=5_000)
    qtbot.keyClick(plot, Qt.Key.Key_Space)
    qtbot.waitUntil(window.controls.play_action.isChecked, timeout=5_000)
    qtbot.keyClick(plot, Qt.Key.Key_Space)
    assert not window.controls.play_action.isChecked()


def test_a_text_field_keeps_space_until_esc_leaves_it(qtbot, window):
    activate(qtbot, window)
    field = window.stimuli.selector
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5_000)
    qtbot.keyClicks(field, "AVA")
    qtbot.keyClick(field, Qt.Key.Key_Space)
    assert field.text() == "AVA " and not window.controls.play_action.isChecked()
    window.session.select(0)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not field.hasFocus()
    assert window.session.selected == 0  # Esc left the field; it did not also clear the selection
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(window.controls.play_action.isChecked, timeout=5_000)


def test_ctrl_q_quits_from_the_traces_floating_in_a_window_of_their_own(qtbot, window):
    dock = window.docks["traces"]
    dock.setFloating(True)
    qtbot.waitUntil(dock.isVisible, timeout=5_000)
    dock.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock, timeout=5_000)
    qtbot.keyClick(window.traces.graphics, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)


def test_ctrl_q_quits_with_the_focus_on_the_traces(qtbot, window):
    activate(qtbot, window)
    window.traces.graphics.setFocus()
    qtbot.waitUntil(window.traces.graphics.hasFocus, timeout=5_000)
    qtbot.keyClick(window.traces.graphics, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
