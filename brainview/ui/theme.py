"""The dark theme: high contrast and large type, so the app stays readable on a projector.

Colours are chosen for contrast on a washed-out projector image: near-white text on near-black,
accents that differ in lightness as well as hue, and traces at least 2 px wide.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#121417"
PANEL = "#1b1e23"
RAISED = "#262a31"
TEXT = "#eceff4"
MUTED = "#a7adb8"
ACCENT = "#4fa3ff"
LESION = "#ff4d4d"
STIMULUS = "#ffd23f"

TRACE_COLOURS = ("#4fa3ff", "#ffd23f", "#ff7b54", "#6ee7a8", "#d08cff", "#ff5fa2", "#7fdbff", "#c3e88d")
"""Colours of rate and voltage traces, in order; bright and distinct in lightness."""

BASE_POINT_SIZE = 11
"""Body text size in points: large enough for a projector at the back of a room."""

STYLE_SHEET = f"""
QToolTip {{ color: {TEXT}; background: {RAISED}; border: 1px solid {ACCENT}; padding: 4px; }}
QDockWidget::title {{ background: {RAISED}; padding: 5px 8px; font-weight: bold; }}
QTreeView, QTableView, QListWidget {{ background: {PANEL}; alternate-background-color: #20242a; }}
QTreeView::item, QListWidget::item {{ padding: 2px 0; }}
QHeaderView::section {{ background: {RAISED}; color: {TEXT}; padding: 4px; border: 0; }}
QPushButton, QToolButton {{ padding: 4px 10px; }}
QToolBar {{ spacing: 6px; padding: 3px; }}
QLabel#banner {{ background: #1f3552; border: 1px solid {ACCENT}; border-radius: 4px; padding: 8px; }}
QLabel#simClock {{ font-family: monospace; font-size: {BASE_POINT_SIZE + 3}pt; font-weight: bold; }}
QStatusBar {{ color: {MUTED}; }}
"""


def dark_palette() -> QPalette:
    """The app's palette: light text on dark panels, blue selection."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: "#20242a",
        QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Highlight: "#2f6fb3",
        QPalette.ColorRole.HighlightedText: "#ffffff",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    return palette


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the dark theme (Fusion style, palette, style sheet, type size) and configure pyqtgraph."""
    import pyqtgraph

    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
    pyqtgraph.setConfigOptions(background=BACKGROUND, foreground=TEXT, antialias=False)
