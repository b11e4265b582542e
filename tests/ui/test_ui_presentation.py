"""Themes, text size and presentation mode: applied live to widgets, plots and the 3D view, kept
between launches; presentation mode shows only the chosen panels and Esc restores the layout."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from brainview.ui import theme
from brainview.ui.app import create_window
from brainview.ui.browser import LESION
from brainview.ui.commands import Change, Snapshot
from brainview.ui.controls import format_clock
from brainview.ui.presentation import PRESENTATION_FONT_SCALE
from brainview.ui.settings import AppSettings
from brainview.ui.traces import TracesPanel


@pytest.fixture(autouse=True)
def dark_again(qapp):
    """The theme belongs to the application, which every test shares: put the default back."""
    yield
    theme.apply_theme(qapp, theme.DARK, 1.0)


def opened(qtbot, ini):
    """A window on the default dataset with the settings in ``ini``, its session open."""
    window = create_window(None, ini)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session is not None, timeout=60_000)
    return window


def colour(value) -> str:
    return QColor(value).name()


def test_settings_keep_theme_font_scale_and_panels_and_reject_unknown_themes(tmp_path):
    ini = tmp_path / "s.ini"
    settings = AppSettings.at(ini)
    assert (settings.theme(), settings.font_scale()) == ("dark", 1.0)
    assert settings.presentation_panels() == ["traces", "lesson"]
    settings.set_theme("light")
    settings.set_font_scale(9.0)  # beyond the range: the largest kept
    settings.set_presentation_panels([])
    settings.sync()
    again = AppSettings.at(ini)
    assert (again.theme(), again.font_scale(), again.presentation_panels()) == ("light", theme.MAX_FONT_SCALE, [])
    again.set_presentation_panels(["traces", "inspector"])
    again.sync()
    assert AppSettings.at(ini).presentation_panels() == ["traces", "inspector"]
    with pytest.raises(ValueError, match="was 'pink'"):
        again.set_theme("pink")
    again.store.setValue("appearance/theme", "pink")  # an edited file
    again.store.setValue("appearance/font_scale", "huge")
    assert (again.theme(), again.font_scale()) == ("dark", 1.0)


def test_the_traces_take_the_theme_colours_and_text_size(qtbot, worm_session):
    traces = TracesPanel()
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    alml = worm_session.connectome.index_of("ALML")
    worm_session.watch(worm_session.tree.leaf_of(alml).target())
    traces.add_snapshot(Snapshot(0, 20.0, np.zeros(0, np.int32), np.zeros(0), np.asarray([20.0]), np.zeros((1, 1)),
                                 ("ALM",), np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 0)), 1.0, True,
                                 (Change(12.0, "lesion", "silence AVA", 1),)))
    normal_legend = traces.rate_plot.legend.boundingRect()
    traces.apply_theme(theme.LIGHT, 22)
    assert colour(traces.graphics.backgroundBrush().color()) == theme.LIGHT.background
    assert colour(traces.raster_curve.opts["pen"].color()) == theme.LIGHT.text  # not white on white
    assert colour(traces.rate_curves[0].opts["pen"].color()) == theme.LIGHT.trace_colours[0]
    assert traces.rate_curves[0].opts["pen"].width() == 4  # twice the text, twice the line
    axis = traces.rate_plot.getAxis("left")
    assert colour(axis.textPen().color()) == theme.LIGHT.text
    assert axis.style["tickFont"].pointSize() == 22
    assert axis.minimumWidth() > 1.5 * 120  # room for the larger tick labels
    _, lines = traces.markers[0]
    assert {colour(line.pen.color()) for _, line in lines} == {theme.LIGHT.lesion}
    legend = traces.rate_plot.legend
    legend_label = legend.items[0][1]
    assert theme.LIGHT.text.lstrip("#") in legend_label.item.toHtml().lower()
    assert legend_label.opts["size"] == "18pt"
    assert legend.boundingRect().height() > 1.25 * normal_legend.height()  # (with its fixed margins)
    traces.apply_theme(theme.DARK, 11)
    assert legend.boundingRect() == normal_legend  # and shrinks back with the text
    assert colour(traces.graphics.backgroundBrush().color()) == theme.DARK.background
    assert {colour(line.pen.color()) for _, line in lines} == {theme.DARK.lesion}


def test_switching_the_theme_recolours_the_window_and_persists(qtbot, tmp_path, qapp):
    ini = tmp_path / "settings.ini"
    window = opened(qtbot, ini)
    assert window.theme_actions["dark"].isChecked()
    window.theme_actions["light"].trigger()
    assert colour(qapp.palette().color(QPalette.ColorRole.Window)) == theme.LIGHT.background
    assert colour(window.browser.palette().color(QPalette.ColorRole.Text)) == theme.LIGHT.text
    assert colour(window.traces.graphics.backgroundBrush().color()) == theme.LIGHT.background
    assert window.view.background == theme.LIGHT.view_background
    if window.view.view is not None:
        assert tuple(window.view.view.canvas.bgcolor.rgba) == pytest.approx(theme.LIGHT.view_background)
    assert theme.TEXT == theme.LIGHT.text  # what panels read as they draw
    window.close()
    again = opened(qtbot, ini)
    assert again.theme_actions["light"].isChecked()
    assert colour(qapp.palette().color(QPalette.ColorRole.Window)) == theme.LIGHT.background
    assert colour(again.traces.graphics.backgroundBrush().color()) == theme.LIGHT.background
    again.theme_actions["dark"].trigger()
    assert colour(again.traces.graphics.backgroundBrush().color()) == theme.DARK.background
    again.close()


def test_the_text_size_changes_every_widget_font_and_persists(qtbot, tmp_path, qapp):
    ini = tmp_path / "settings.ini"
    window = opened(qtbot, ini)
    base = window.browser.search.font().pointSize()
    assert base == theme.BASE_POINT_SIZE
    actions = {action.text(): action for action in window.actions()}
    assert actions["&Reset text size"].shortcut().toString() == "Ctrl+0"
    actions["&Larger text"].trigger()
    actions["&Larger text"].trigger()
    wanted = theme.point_size(1.5)
    assert window.browser.search.font().pointSize() == wanted
    assert window.docks["traces"].font().pointSize() == wanted
    metrics, header = window.browser.view.fontMetrics(), window.browser.view.header()
    fitted = max(metrics.horizontalAdvance("(lesioned)"), metrics.horizontalAdvance("Lesion")) + 16
    assert header.sectionSize(LESION) == fitted  # the fixed columns refit the larger text
    assert window.traces.voltage_plot.getAxis("bottom").style["tickFont"].pointSize() == wanted
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)  # Ctrl++ without Shift
    assert window.browser.search.font().pointSize() == theme.point_size(1.75)
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.browser.search.font().pointSize() == theme.point_size(2.0)
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.browser.search.font().pointSize() == wanted
    window.close()
    again = opened(qtbot, ini)
    assert again.browser.search.font().pointSize() == wanted
    {action.text(): action for action in again.actions()}["&Reset text size"].trigger()
    assert again.browser.search.font().pointSize() == base
    {action.text(): action for action in again.actions()}["&Smaller text"].trigger()
    assert again.browser.search.font().pointSize() == theme.point_size(0.75) < base
    again.close()
    assert AppSettings.at(ini).font_scale() == 0.75


def visible_docks(window):
    return {key for key, dock in window.docks.items() if dock.isVisible()}


def layout_of(window):
    """The window's geometry; each dock's visibility, area, floating, tab group and, when on
    screen (not hidden, nor a tab behind another), its geometry."""
    return window.geometry(), {
        key: (dock.isVisible(), window.dockWidgetArea(dock), dock.isFloating(),
              sorted(other.objectName() for other in window.tabifiedDockWidgets(dock)),
              None if dock.visibleRegion().isEmpty() else dock.geometry())
        for key, dock in window.docks.items()}


def test_presentation_shows_the_chosen_panels_and_a_large_clock_and_esc_restores_the_layout(qtbot, window):
    from brainview.ui.lesson import FIRST_LESSON, shipped_lesson

    with qtbot.waitActive(window):
        window.activateWindow()
    window.start_lesson(shipped_lesson(FIRST_LESSON))
    window.docks["inspector"].hide()  # a layout of the user's own: restored as it was
    window.session.select(3)
    qtbot.wait(300)
    before_geometry, before_layout = window.geometry(), layout_of(window)
    assert {"browser", "traces", "lesson"} <= visible_docks(window)
    window.settings.set_presentation_panels(["traces"])
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.presentation.active and window.isFullScreen() and window.presentation_action.isChecked()
    qtbot.waitUntil(lambda: window.geometry() == window.screen().geometry())
    assert visible_docks(window) == {"traces"}
    assert window.menuBar().isHidden() and window.statusBar().isHidden() and window.view.bar.isHidden()
    clock = window.presentation.clock
    assert clock.isVisible() and clock.text() == window.controls.clock.text() and window.presentation.keys.isVisible()
    assert clock.font().pointSize() >= 4 * theme.BASE_POINT_SIZE
    assert window.browser.font().pointSize() >= PRESENTATION_FONT_SCALE * theme.BASE_POINT_SIZE
    assert window.view.legend.font().pointSize() >= PRESENTATION_FONT_SCALE * theme.BASE_POINT_SIZE
    window.controls.play_action.trigger()  # the clock follows the simulation
    qtbot.waitUntil(lambda: clock.text() != format_clock(0.0), timeout=30_000)
    window.controls.play_action.trigger()
    qtbot.waitUntil(lambda: not window.controls.running)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.presentation.active and not window.isFullScreen()
    assert window.session.selected == 3  # Esc left presentation mode and did nothing else
    assert not window.presentation_action.isChecked()
    qtbot.waitUntil(lambda: window.geometry() == before_geometry)
    qtbot.wait(300)
    assert layout_of(window) == before_layout
    assert window.presentation.bar.isHidden() and window.menuBar().isVisible() and window.statusBar().isVisible()
    assert window.browser.font().pointSize() == theme.BASE_POINT_SIZE
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.session.selected == -1  # outside presentation Esc clears the selection again


def test_a_hidden_panel_shown_for_the_presentation_is_hidden_again_in_its_place(qtbot, window):
    window.docks["inspector"].hide()
    qtbot.wait(300)
    before_geometry, before_layout = window.geometry(), layout_of(window)
    window.settings.set_presentation_panels(["inspector", "traces"])
    window.presentation_action.trigger()
    assert visible_docks(window) == {"inspector", "traces"}
    qtbot.waitUntil(lambda: window.geometry() == window.screen().geometry())
    window.presentation_action.trigger()
    qtbot.waitUntil(lambda: window.geometry() == before_geometry)
    qtbot.wait(300)
    assert layout_of(window) == before_layout
    window.presentation_action.trigger()
    entered_with = window.presentation.saved.state
    window.close()  # while presenting: the layout from before is the one remembered
    assert window.settings.window_state()[1] == entered_with != window.saveState()


def test_the_lesson_panel_is_presented_only_while_a_lesson_runs_and_panels_can_be_chosen(qtbot, window):
    from brainview.ui.lesson import FIRST_LESSON, shipped_lesson

    window.settings.set_presentation_panels(["lesson"])
    window.presentation_action.trigger()
    assert visible_docks(window) == set()  # no lesson yet: an empty panel would waste the screen
    window.start_lesson(shipped_lesson(FIRST_LESSON))
    dialog = window.presentation.choose_panels()
    assert list(dialog.boxes) == list(window.docks)
    assert dialog.boxes["lesson"].isChecked() and not dialog.boxes["traces"].isChecked()
    dialog.boxes["traces"].setChecked(True)
    dialog.accept()
    assert window.settings.presentation_panels() == ["lesson", "traces"]
    assert visible_docks(window) == {"lesson", "traces"}
    window.presentation_action.trigger()
    assert not window.presentation.active and not QApplication.instance().font().pointSize() > theme.BASE_POINT_SIZE


@pytest.mark.gl
def test_the_3d_view_draws_on_the_theme_background(qtbot, window):
    if window.view.view is None:
        pytest.skip(f"the 3D view could not start: {window.view.problem}")
    window.theme_actions["light"].trigger()
    corner = window.view.view.render()[2, 2, :3].astype(int)
    assert np.abs(corner - np.round(np.asarray(theme.LIGHT.view_background[:3]) * 255)).max() <= 2
    window.theme_actions["dark"].trigger()
    corner = window.view.view.render()[2, 2, :3].astype(int)
    assert np.abs(corner - np.round(np.asarray(theme.DARK.view_background[:3]) * 255)).max() <= 2
