"""The app's two themes, dark and light, and its type size.

Colours are chosen for contrast on a washed-out projector image: in the dark theme near-white
text on near-black, in the light one near-black on near-white; accents differ in lightness as
well as hue, and traces are at least 2 px wide. The light theme's accents are darker than the
dark theme's (a yellow that reads on black disappears on white).

The theme in use belongs to the ``QApplication`` (as its palette does): :func:`apply_theme`
sets it and :func:`current` reads it back. The module attributes ``TEXT``, ``MUTED``,
``ACCENT``, ``LESION``, ``STIMULUS``, ``BACKGROUND``, ``PANEL``, ``RAISED`` and
``TRACE_COLOURS`` are the colours of the theme in use, read when a panel draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget


@dataclass(frozen=True)
class Theme:
    """One theme's colours (``#rrggbb`` strings; ``view_background`` is RGBA from 0 to 1)."""

    name: str
    background: str
    panel: str
    raised: str
    alternate: str
    text: str
    muted: str
    disabled: str
    accent: str
    highlight: str
    banner: str
    lesion: str
    stimulus: str
    legend_brush: tuple[int, int, int, int]
    """RGBA (0-255) behind the traces' legends: the plot background, nearly opaque."""
    trace_colours: tuple[str, ...]
    """Colours of rate and voltage traces, in order; distinct in lightness on this background."""
    view_background: tuple[float, float, float, float]
    """The 3D view's background. The light theme's is a pale grey-blue, dark enough that the
    white cores of the spikes' (additive) glow still stand out from it."""


DARK = Theme(
    name="dark", background="#121417", panel="#1b1e23", raised="#262a31", alternate="#20242a",
    text="#eceff4", muted="#a7adb8", disabled="#6b7280", accent="#4fa3ff", highlight="#2f6fb3",
    banner="#1f3552", lesion="#ff4d4d", stimulus="#ffd23f", legend_brush=(18, 20, 23, 210),
    trace_colours=("#4fa3ff", "#ffd23f", "#ff7b54", "#6ee7a8", "#d08cff", "#ff5fa2", "#7fdbff", "#c3e88d"),
    view_background=(0.035, 0.04, 0.055, 1.0),
)

LIGHT = Theme(
    name="light", background="#f3f4f6", panel="#ffffff", raised="#e3e6eb", alternate="#f0f2f5",
    text="#111418", muted="#4f5765", disabled="#9aa1ad", accent="#1760c4", highlight="#2f6fb3",
    banner="#dce9fb", lesion="#c8102e", stimulus="#9a6200", legend_brush=(255, 255, 255, 225),
    trace_colours=("#1760c4", "#b35c00", "#d0341b", "#138a48", "#7b35c9", "#c2185b", "#00798a", "#5a7a00"),
    view_background=(0.80, 0.83, 0.88, 1.0),
)

THEMES = {theme.name: theme for theme in (DARK, LIGHT)}
"""The themes by name, in View > Theme's order."""

BASE_POINT_SIZE = 11
"""Body text size in points at font scale 1: large enough for a projector at the back of a room."""

LEGEND_SHARE = 9 / 11
"""A plot legend's text size relative to the body text (pyqtgraph's 9 pt beside our 11 pt)."""

MIN_FONT_SCALE, MAX_FONT_SCALE, FONT_SCALE_STEP = 0.75, 3.0, 0.25
"""The font scale's range, and how much View > Larger / Smaller text change it."""

_THEME_PROPERTY = "brainviewTheme"

_COLOUR_NAMES = {
    "BACKGROUND": "background", "PANEL": "panel", "RAISED": "raised", "TEXT": "text", "MUTED": "muted",
    "ACCENT": "accent", "LESION": "lesion", "STIMULUS": "stimulus", "TRACE_COLOURS": "trace_colours",
}


def __getattr__(name: str):
    # The panels read ``theme.TEXT`` and the like as they draw: give them the theme in use.
    if name in _COLOUR_NAMES:
        return getattr(current(), _COLOUR_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def clamp_font_scale(scale: float) -> float:
    """``scale`` within [MIN_FONT_SCALE, MAX_FONT_SCALE], on a FONT_SCALE_STEP boundary."""
    steps = round(float(scale) / FONT_SCALE_STEP)
    return min(max(steps * FONT_SCALE_STEP, MIN_FONT_SCALE), MAX_FONT_SCALE)


def point_size(font_scale: float) -> int:
    """Body text size in points at ``font_scale``."""
    return max(round(BASE_POINT_SIZE * font_scale), 6)


def legend_points(points: int) -> int:
    """Text size of the plots' legends with body text of ``points``: smaller, as they sit on the data."""
    return max(round(points * LEGEND_SHARE), 6)


def current() -> Theme:
    """The theme the application uses now (dark before :func:`apply_theme`, or without an application)."""
    app = QApplication.instance()
    name = app.property(_THEME_PROPERTY) if app is not None else None
    return THEMES.get(name, DARK)


def palette(theme: Theme) -> QPalette:
    """The Qt palette of ``theme``."""
    result = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.background,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.panel,
        QPalette.ColorRole.AlternateBase: theme.alternate,
        QPalette.ColorRole.ToolTipBase: theme.raised,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.raised,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff",
    }
    for role, colour in roles.items():
        result.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.disabled))
    return result


def style_sheet(theme: Theme, points: int) -> str:
    """The app's style sheet for ``theme`` with body text of ``points``."""
    return f"""
QToolTip {{ color: {theme.text}; background: {theme.raised}; border: 1px solid {theme.accent}; padding: 4px; }}
QDockWidget::title {{ background: {theme.raised}; padding: 5px 8px; }}
QTreeView, QTableView, QListWidget {{ background: {theme.panel}; alternate-background-color: {theme.alternate}; }}
QTreeView::item, QListWidget::item {{ padding: 2px 0; }}
QHeaderView::section {{ background: {theme.raised}; color: {theme.text}; padding: 4px; border: 0; }}
QPushButton, QToolButton {{ padding: 4px 10px; }}
QToolBar {{ spacing: 6px; padding: 3px; }}
QLabel#banner {{ background: {theme.banner}; border: 1px solid {theme.accent}; border-radius: 4px; padding: 8px; }}
QLabel#simClock {{ font-family: monospace; font-size: {points + 3}pt; font-weight: bold; }}
QLabel#presentationClock {{ font-family: monospace; font-size: {points * 2}pt; font-weight: bold;
    color: {theme.text}; padding: 4px 16px; }}
QLabel#presentationKeys {{ color: {theme.muted}; }}
QStatusBar {{ color: {theme.muted}; }}
"""


def apply_theme(app: QApplication, theme: Theme = DARK, font_scale: float = 1.0) -> None:
    """Give ``app`` ``theme`` (Fusion style, palette, style sheet) with text at ``font_scale``,
    and make it pyqtgraph's default for plots made from now on.

    Widgets follow at once; plots and the 3D view, which draw their own colours, are restyled
    by their panels (see :func:`restyle_plots`).
    """
    import pyqtgraph

    points = point_size(font_scale)
    app.setProperty(_THEME_PROPERTY, theme.name)
    # Each of these is sent to every widget of the application: set only what changes, so that
    # a second window (or the same theme applied again) does not restyle every widget there is.
    if app.style().name() != "fusion":
        app.setStyle("Fusion")
    colours = palette(theme)
    if app.palette() != colours:
        app.setPalette(colours)
    font = QFont(app.font())
    font.setPointSize(points)
    if app.font() != font:
        app.setFont(font)
    sheet = style_sheet(theme, points)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    pyqtgraph.setConfigOptions(background=theme.background, foreground=theme.text, antialias=False)


def restyle_plots(root: QWidget, theme: Theme, points: int) -> None:
    """Give every pyqtgraph plot under ``root`` the background, axis colours and tick font of
    ``theme`` at ``points``: pyqtgraph draws its own colours and ignores the Qt palette."""
    import pyqtgraph as pg

    font = QFont(QApplication.font())
    font.setPointSize(points)
    for view in root.findChildren(pg.GraphicsView):
        view.setBackground(theme.background)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(theme.muted)
                item.setTextPen(theme.text)
                item.setTickFont(font)
                if item.labelText:  # setLabel draws the title again, in the new colour and size
                    item.setLabel(item.labelText, item.labelUnits, color=theme.text, **{"font-size": f"{points}pt"})
            elif isinstance(item, pg.LegendItem):
                item.setBrush(pg.mkBrush(*theme.legend_brush))
                item.setLabelTextColor(theme.text)
                item.setLabelTextSize(f"{legend_points(points)}pt")
                # Entries made again: the size setter draws no label anew, and a legend never
                # shrinks its rows and columns back after larger text.
                entries = [(sample.item, label.text) for sample, label in item.items]
                item.clear()
                for plotted, name in entries:
                    item.addItem(plotted, name)
