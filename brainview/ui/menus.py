"""The main window's menus: File, Edit, Simulation, View, Lesson, Help.

Every action is also added to the window, so its shortcut works wherever the focus is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from brainview.ui import experiment_files, picture
from brainview.ui.lesson import install_lesson_menu
from brainview.ui.movie import MovieRecorder
from brainview.ui.outlines import install_outline_menu
from brainview.ui.theme import THEMES


def build_menus(window) -> None:
    """Give the main window ``window`` its menu bar; every action is also a window shortcut."""
    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    _action(window, file_menu, "&Open...", QKeySequence.StandardKey.Open, window.choose_file)
    _action(window, file_menu, "Open &folder (Codex, Shiu et al., neuPrint)...", QKeySequence("Ctrl+Shift+O"),
        window.choose_folder)
    window.recent_menu = file_menu.addMenu("Open &Recent")
    _action(window, file_menu, "Open the &default dataset (C. elegans)", None, lambda: window.open_path(None))
    file_menu.addSeparator()
    _action(window, file_menu, "Open &experiment...", QKeySequence("Ctrl+Shift+E"),
        lambda: experiment_files.choose_and_open(window))
    _action(window, file_menu, "&Save experiment", QKeySequence.StandardKey.Save,
        lambda: experiment_files.save(window, window.experiment_path))
    _action(window, file_menu, "Save experiment &as...", QKeySequence.StandardKey.SaveAs,
        lambda: experiment_files.save(window))
    _action(window, file_menu, "E&xport run...", QKeySequence("Ctrl+E"),
        lambda: experiment_files.export_run(window, branch=window.timeline.panel.chosen_branch()))
    _action(window, file_menu, "Re&play run file...", QKeySequence("Ctrl+Shift+R"), window.timeline.choose_replay)
    _action(window, file_menu, "Save &picture...", QKeySequence("Ctrl+Shift+P"), lambda: picture.save_picture(window))
    window.recorder = MovieRecorder(window)
    file_menu.addAction(window.recorder.record_action)
    window.addAction(window.recorder.record_action)
    window.restore_action = _action(window, file_menu, "Restore the last experiment on launch", None,
                     window.settings.set_restore_last_experiment)
    window.restore_action.setCheckable(True)
    window.restore_action.setChecked(window.settings.restore_last_experiment())
    file_menu.addSeparator()
    _action(window, file_menu, "&Quit", QKeySequence.StandardKey.Quit, window.close)
    edit_menu = window.menuBar().addMenu("&Edit")
    window.undo_action = _action(window, edit_menu, "&Undo", QKeySequence.StandardKey.Undo,
                  lambda: window.session and window.session.undo())
    window.redo_action = _action(window, edit_menu, "&Redo", QKeySequence("Ctrl+Shift+Z"),
                  lambda: window.session and window.session.redo())
    window.undo_action.setEnabled(False)
    window.redo_action.setEnabled(False)
    edit_menu.addSeparator()
    _action(window, edit_menu, "&Find in browser", QKeySequence.StandardKey.Find, window._focus_search)
    _action(window, edit_menu, "Trace &voltage of selected cell", QKeySequence("V"), window._probe_selected)
    window.clear_selection_action = _action(window, edit_menu, "&Clear selection", QKeySequence(Qt.Key.Key_Escape),
                                            lambda: window.session and window.session.select(-1))
    sim_menu = menus.addMenu("&Simulation")
    for action in (window.controls.play_action, window.controls.step_action, window.controls.reset_action):
        sim_menu.addAction(action)
        window.addAction(action)
    sim_menu.addSeparator()
    for action in window.controls.pacing_actions.actions():
        sim_menu.addAction(action)
        window.addAction(action)
    view_menu = menus.addMenu("&View")
    for dock in window.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    window_menu = view_menu.addMenu("Trace &window")
    for seconds in (0.5, 1, 2, 5, 10):
        _action(window, window_menu, f"{seconds:g} s", None, lambda _=False, s=seconds: window._set_trace_window(s * 1000))
    install_outline_menu(window, view_menu)
    view_menu.addSeparator()
    _build_appearance_menu(window, view_menu)
    install_lesson_menu(window, menus.addMenu("&Lesson"))
    help_menu = menus.addMenu("&Help")
    _action(window, help_menu, "&Keyboard shortcuts", QKeySequence(Qt.Key.Key_F1), window.show_shortcuts)
    _action(window, help_menu, "&About brainview", None, window.show_about)
    window._refresh_recent_menu()


def _build_appearance_menu(window, view_menu) -> None:
    """View > Theme, the text size and presentation mode (see :mod:`brainview.ui.presentation`)."""
    appearance, presentation = window.appearance, window.presentation
    theme_menu = view_menu.addMenu("T&heme")
    themes = QActionGroup(window)
    window.theme_actions = {}
    for name in THEMES:
        action = _action(window, theme_menu, f"&{name.capitalize()}", None,
                         lambda _=False, n=name: appearance.set_theme(n))
        action.setCheckable(True)
        action.setChecked(name == appearance.theme.name)
        themes.addAction(action)
        window.theme_actions[name] = action
    larger = _action(window, view_menu, "&Larger text", QKeySequence.StandardKey.ZoomIn, appearance.larger)
    # Ctrl++ needs Shift on most keyboards: Ctrl+= does the same.
    larger.setShortcuts([QKeySequence.StandardKey.ZoomIn, QKeySequence("Ctrl+=")])
    _action(window, view_menu, "&Smaller text", QKeySequence.StandardKey.ZoomOut, appearance.smaller)
    _action(window, view_menu, "&Reset text size", QKeySequence("Ctrl+0"), lambda: appearance.set_font_scale(1.0))
    view_menu.addSeparator()
    window.presentation_action = _action(window, view_menu, "&Presentation", QKeySequence(Qt.Key.Key_F5),
                                         presentation.set_active)
    window.presentation_action.setCheckable(True)
    # Esc leaves presentation mode; meanwhile it does not clear the selection (one key, one meaning).
    leave = QAction("Leave presentation", window, shortcut=QKeySequence(Qt.Key.Key_Escape), enabled=False)
    leave.triggered.connect(presentation.leave)
    window.addAction(leave)  # a window shortcut, in no menu: the menu bar is hidden while it works

    def on_toggled(on: bool) -> None:
        window.presentation_action.setChecked(on)
        leave.setEnabled(on)
        window.clear_selection_action.setEnabled(not on)

    presentation.toggled.connect(on_toggled)
    _action(window, view_menu, "Presentation &panels...", None, presentation.choose_panels)


def _action(window, menu, text, shortcut, slot) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(shortcut)
    action.triggered.connect(slot)
    menu.addAction(action)
    window.addAction(action)
    return action
