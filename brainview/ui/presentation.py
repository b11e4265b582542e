"""How the main window looks: its theme and text size, and presentation mode.

:class:`Appearance` applies View > Theme and View > Larger / Smaller text to the whole window
at once: the Qt widgets through the application's palette, font and style sheet, the pyqtgraph
plots and the 3D view, which draw their own colours, through their panels. Both choices are
kept in the settings and come back at the next launch.

:class:`Presentation` is View > Presentation (F5; Esc or F5 leaves): the window goes full
screen with the 3D view, a large clock of simulated time and only the panels chosen in
View > Presentation panels..., all text at :data:`PRESENTATION_FONT_SCALE` times its size, so
that the back of a classroom can read it from a projector. Leaving puts back the window's
geometry, its bars and its dock layout (which docks show, in which area and tab, at which size)
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QObject, QRect, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMainWindow, QSizePolicy, QToolBar,
    QVBoxLayout, QWidget,
)

from brainview.ui import theme
from brainview.ui.settings import AppSettings

PRESENTATION_FONT_SCALE = 2.0
"""Presentation mode multiplies the text size by this: 22 pt body text at the normal scale,
about what a 1920 x 1080 projector needs to be read from the back of a classroom."""

TRACES_SHARE = 0.55
"""Presentation mode gives the traces, when shown, this share of the screen's height."""


class Appearance(QObject):
    """The theme and text size of ``window`` (a :class:`~brainview.ui.main_window.MainWindow`).

    Applies the settings' choices at once; every change is applied live and remembered.
    """

    def __init__(self, window: QMainWindow, settings: AppSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.theme = theme.THEMES[settings.theme()]
        self.font_scale = settings.font_scale()
        """The user's text size factor (kept in the settings)."""
        self.boost = 1.0
        """A further factor presentation mode applies while it is on (not kept)."""
        self.apply()

    @property
    def effective_font_scale(self) -> float:
        """The text size factor in use: the user's, times the presentation's boost."""
        return self.font_scale * self.boost

    def set_theme(self, name: str) -> None:
        """Use the theme ``name`` ("dark" or "light") now and at the next launch."""
        self.settings.set_theme(name)
        self.theme = theme.THEMES[name]
        self.apply()

    def set_font_scale(self, scale: float) -> None:
        """Make text ``scale`` times its normal size (clamped to the allowed range), now and later."""
        self.font_scale = theme.clamp_font_scale(scale)
        self.settings.set_font_scale(self.font_scale)
        self.apply()

    def larger(self) -> None:
        """One step larger text (View > Larger text)."""
        self.set_font_scale(self.font_scale + theme.FONT_SCALE_STEP)

    def smaller(self) -> None:
        """One step smaller text (View > Smaller text)."""
        self.set_font_scale(self.font_scale - theme.FONT_SCALE_STEP)

    def set_boost(self, boost: float) -> None:
        """Multiply the user's text size by ``boost`` (presentation mode; 1 for none)."""
        self.boost = boost
        self.apply()

    def apply(self) -> None:
        """Give the application and every part of the window the current theme and text size."""
        scale = self.effective_font_scale
        points = theme.point_size(scale)
        theme.apply_theme(QApplication.instance(), self.theme, scale)
        window = self.window
        theme.restyle_plots(window, self.theme, points)  # every panel's plots, the traces' own below
        window.traces.apply_theme(self.theme, points)
        window.view.apply_theme(self.theme)
        font = QFont(QApplication.font())
        # A dock draws its title in the application's dock-title font as it was when the dock
        # was made, unless its own font differs from the application's: make it differ, in
        # a way that draws the same, so that titles follow the text size.
        font.setStyleStrategy(QFont.StyleStrategy.PreferQuality)
        for dock in window.docks.values():
            dock.setFont(font)


@dataclass(frozen=True)
class SavedLayout:
    """What presentation mode changes, as it was before."""

    geometry: QByteArray
    rect: QRect
    """The window's own geometry (without a frame)."""
    state: QByteArray
    window_state: Qt.WindowState
    visible: dict[QWidget, bool]
    """The bars, the banner and the view's controls: whether each was shown."""


class Presentation(QObject):
    """View > Presentation of ``window``: full screen, large text and clock, only the chosen panels.

    Parameters
    ----------
    window : MainWindow
        The window to present; its docks are ``window.docks``.
    appearance : Appearance
        Its appearance, whose text size presentation mode boosts.
    settings : AppSettings
        Where the chosen panels are kept.
    """

    toggled = Signal(bool)
    """Presentation mode was entered (True) or left (False)."""

    def __init__(self, window: QMainWindow, appearance: Appearance, settings: AppSettings) -> None:
        super().__init__(window)
        self.window = window
        self.appearance = appearance
        self.settings = settings
        self.saved: SavedLayout | None = None
        self.clock = QLabel(window.controls.clock.text())
        self.clock.setObjectName("presentationClock")
        # The menus and the toolbar are hidden: say which keys still work.
        self.keys = QLabel("Space plays or pauses\nEsc leaves the presentation")
        self.keys.setObjectName("presentationKeys")
        self.keys.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Never wider than the room left beside the clock: a wide minimum would keep the window
        # from fitting the screen.
        self.keys.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QWidget()
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 16, 0)
        row.addWidget(self.clock)
        row.addWidget(self.keys, 1)
        self.bar.hide()
        window.centralWidget().layout().insertWidget(0, self.bar)
        window.controls.clockShown.connect(self.clock.setText)

    @property
    def active(self) -> bool:
        """True while the window presents."""
        return self.saved is not None

    def set_active(self, on: bool) -> None:
        """Enter (True) or leave (False) presentation mode."""
        if on:
            self.enter()
        else:
            self.leave()

    def enter(self) -> None:
        """Go full screen with large text and clock, showing only the chosen panels."""
        if self.active:
            return
        window = self.window
        others = [window.menuBar(), window.statusBar(), window.banner, window.view.bar, *self._toolbars()]
        self.saved = SavedLayout(window.saveGeometry(), window.geometry(), window.saveState(), window.windowState(),
                                 {widget: widget.isVisible() for widget in others})
        for widget in others:
            widget.hide()
        self.show_chosen_panels()
        self.clock.setText(window.controls.clock.text())
        self.bar.show()
        self.appearance.set_boost(PRESENTATION_FONT_SCALE)
        # The whole screen even where no window manager acts on the full-screen state (Xvfb, some kiosks).
        screen = window.screen().geometry()
        window.setGeometry(screen)
        window.showFullScreen()
        traces = window.docks["traces"]
        if traces.isVisible():  # three plots with large text need the room
            window.resizeDocks([traces], [round(screen.height() * TRACES_SHARE)], Qt.Orientation.Vertical)
        self.toggled.emit(True)

    def leave(self) -> None:
        """Back to the window as it was before :meth:`enter`: geometry, docks, bars and text size."""
        if not self.active:
            return
        saved, window = self.saved, self.window
        self.saved = None
        self.bar.hide()
        self.appearance.set_boost(1.0)  # first: the text size changes the docks' minimum sizes
        window.setWindowState(saved.window_state)
        window.restoreGeometry(saved.geometry)
        if saved.window_state == Qt.WindowState.WindowNoState:
            # restoreGeometry places the frame where it was, guessing its size when no window
            # manager has told it yet: the window's own rectangle puts it back exactly.
            window.setGeometry(saved.rect)
        window.restoreState(saved.state)
        for widget, visible in saved.visible.items():
            widget.setVisible(visible)
        self.toggled.emit(False)

    def normal_layout(self) -> tuple[QByteArray, QByteArray]:
        """The (geometry, dock state) to remember at closing: the one before presentation mode, if on."""
        if self.saved is not None:
            return self.saved.geometry, self.saved.state
        return self.window.saveGeometry(), self.window.saveState()

    def show_chosen_panels(self) -> None:
        """Show the chosen docks that have something to show, and hide every other."""
        chosen = set(self.settings.presentation_panels())
        for key, dock in self.window.docks.items():
            dock.setVisible(key in chosen and self._has_content(key))

    def choose_panels(self) -> PanelChoice:
        """Open View > Presentation panels...: which docks presentation mode shows (returns the dialog)."""
        dialog = PanelChoice(self.window.docks, self.settings.presentation_panels(), self.window)
        dialog.accepted.connect(lambda: self._panels_chosen(dialog.chosen()))
        dialog.open()
        return dialog

    def _panels_chosen(self, keys: list[str]) -> None:
        self.settings.set_presentation_panels(keys)
        if self.active:
            self.show_chosen_panels()

    def _has_content(self, key: str) -> bool:
        # A dock whose View menu entry is off does not fit the dataset (the Learning panel on
        # a dataset without the circuit); the lesson panel is empty until a lesson starts.
        if not self.window.docks[key].toggleViewAction().isEnabled():
            return False
        return key != "lesson" or self.window.lesson_panel.lesson is not None

    def _toolbars(self) -> list[QToolBar]:
        return [bar for bar in self.window.findChildren(QToolBar) if bar.parent() is self.window]


class PanelChoice(QDialog):
    """View > Presentation panels...: a box per dock; the 3D view is always shown.

    Parameters
    ----------
    docks : dict of str to QDockWidget
        The window's docks by key.
    chosen : list of str
        Keys ticked at first.
    """

    def __init__(self, docks: dict, chosen: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Presentation panels")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Presentation mode (F5) shows the 3D view, a large clock and these panels:"))
        always = QCheckBox("3D view (always)")
        always.setChecked(True)
        always.setEnabled(False)
        layout.addWidget(always)
        self.boxes: dict[str, QCheckBox] = {}
        for key, dock in docks.items():
            box = QCheckBox(dock.windowTitle())
            box.setChecked(key in chosen)
            layout.addWidget(box)
            self.boxes[key] = box
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        """Keys of the docks ticked."""
        return [key for key, box in self.boxes.items() if box.isChecked()]
