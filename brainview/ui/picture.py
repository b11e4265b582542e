"""File > Save picture: the 3D view as a PNG with its legend and caption burnt in.

:func:`compose_picture` is the pure part: an RGBA array of the view in, a QImage with a caption
strip under it out (colour swatches and labels, as the legend row above the view shows them, then
caption lines: the dataset and the simulated time, the interventions in force). It needs only
QtGui, so ``brainview render --legend`` and ``--movie`` draw the same strip without a window.
:func:`compose_frame` fits the view and the strip into a picture of an exact size (a movie's
frames, a picture at a chosen size). :func:`save_picture` is the window's side: the dialog
(where, and at what size), the drawing, the status bar and the error box.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from brainview.render.movie_frames import interventions_line

PICTURE_SCALE = 2
"""Save picture offers the view at this many times its size on screen first (sharp in a slide or paper)."""

STRIP_SHARE = 1 / 3
"""Most of a picture's height its strip may take in :func:`compose_frame`; beyond, the legend,
then the caption, are left out (a thumbnail-sized movie shows the view alone)."""

SCALE_HEIGHT_PX = 600
"""A picture this tall gets the strip at scale 1; a taller one a proportionally larger strip."""

LINE_PX = 22
"""Height of one line of the caption strip, in pixels at scale 1."""

MARGIN_PX = 8
"""Space above and below the strip's lines and at its sides, in pixels at scale 1."""

FONT_PX = 13
"""Caption text size, in pixels at scale 1."""

SWATCH_PX = 12
"""Diameter of a legend swatch, in pixels at scale 1."""

STRIP_BACKGROUND = "#1b1e23"
STRIP_TEXT = "#eceff4"
"""The strip's colours: the app theme's panel and text colours (:mod:`brainview.ui.theme`),
repeated here so that this module needs no QtWidgets application."""

FILTER = "PNG images (*.png)"

Entry = tuple[str, Sequence[float]]
"""A legend entry: (label, RGBA with components from 0 to 1)."""


def compose_picture(rgba: np.ndarray, legend_entries: Sequence[Entry], caption: str = "", scale: float = 1.0,
                    max_entries: int | None = None) -> QImage:
    """The picture ``rgba`` with a caption strip under it.

    Parameters
    ----------
    rgba : numpy.ndarray
        (height, width, 4) uint8 image, as :meth:`ConnectomeView.render <brainview.render.view.ConnectomeView.render>`
        returns it.
    legend_entries : sequence of (str, RGBA)
        The colour legend; each entry gets a round swatch and its label, lines wrap between entries.
    caption : str
        Text under the legend, e.g. "C. elegans  t = 2.436 s"; lines separated by "\\n", each cut
        with an ellipsis where it would not fit; "" for none.
    scale : float
        Multiplies the strip's line height, margins and type, for a picture drawn at ``scale``
        times the view's size.
    max_entries : int, optional
        Show only the first entries, then "... N more" (None: all).

    Returns
    -------
    QImage
        ``rgba`` on top, the strip (:func:`strip_height` high) at the bottom; ``rgba`` alone when
        there is neither a legend nor a caption.
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"rgba should be a (height, width, 4) array, was {rgba.shape}")
    height, width = rgba.shape[:2]
    view = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    font = QFont()
    font.setPixelSize(max(round(FONT_PX * scale), 1))
    lines = _layout(legend_entries, caption, width, scale, max_entries, QFontMetricsF(font))
    strip = strip_height(len(lines), scale)
    image = QImage(width, height + strip, QImage.Format.Format_RGBA8888)
    image.fill(QColor(STRIP_BACKGROUND))
    painter = QPainter(image)
    try:
        painter.drawImage(0, 0, view)  # drawn while ``rgba`` is alive: the QImage only borrows its memory
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        line_px, swatch = LINE_PX * scale, SWATCH_PX * scale
        for index, items in enumerate(lines):
            top = height + MARGIN_PX * scale + index * line_px
            for x, label, colour in items:
                text_x = x
                if colour is not None:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(QColor.fromRgbF(*(float(c) for c in colour[:3])))
                    painter.drawEllipse(QPointF(x + swatch / 2, top + line_px / 2), swatch / 2, swatch / 2)
                    text_x = x + swatch * 1.5
                painter.setPen(QColor(STRIP_TEXT))
                painter.drawText(QRectF(text_x, top, width - text_x, line_px),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
    finally:
        painter.end()
    return image


def strip_height(n_lines: int, scale: float = 1.0) -> int:
    """Height in pixels of a caption strip of ``n_lines`` lines (0 lines: no strip)."""
    return round((2 * MARGIN_PX + n_lines * LINE_PX) * scale) if n_lines else 0


def _layout(entries: Sequence[Entry], caption: str, width: int, scale: float, max_entries: int | None,
            metrics: QFontMetricsF) -> list[list[tuple[float, str, Sequence[float] | None]]]:
    """The strip's lines: each a list of (x, label, swatch colour or None), wrapped at ``width``."""
    shown = list(entries if max_entries is None else entries[:max_entries])
    items: list[tuple[str, Sequence[float] | None]] = [(label, colour) for label, colour in shown]
    if len(entries) > len(shown):
        items.append((f"... {len(entries) - len(shown)} more", None))
    margin, swatch, gap = MARGIN_PX * scale, SWATCH_PX * scale, 2 * MARGIN_PX * scale
    lines: list[list[tuple[float, str, Sequence[float] | None]]] = []
    line: list[tuple[float, str, Sequence[float] | None]] = []
    x = margin
    for label, colour in items:
        item_width = metrics.horizontalAdvance(label) + (swatch * 1.5 if colour is not None else 0)
        if line and x + item_width > width - margin:  # wrap between entries, never inside one
            lines.append(line)
            line, x = [], margin
        line.append((x, label, colour))
        x += item_width + gap
    if line:
        lines.append(line)
    for text in caption.split("\n") if caption else ():
        # a caption line never wraps: cut with an ellipsis, so a movie's frames keep one height
        shown_text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 2 * margin)
        lines.append([(margin, shown_text, None)])
    return lines


def strip_lines(legend_entries: Sequence[Entry], caption: str, width: int, scale: float = 1.0,
                max_entries: int | None = None) -> int:
    """How many lines :func:`compose_picture` gives the strip of a picture ``width`` pixels wide."""
    font = QFont()
    font.setPixelSize(max(round(FONT_PX * scale), 1))
    return len(_layout(legend_entries, caption, width, scale, max_entries, QFontMetricsF(font)))


def frame_scale(size: tuple[int, int]) -> float:
    """The strip's scale for a picture of ``size``: 1, larger for pictures taller than :data:`SCALE_HEIGHT_PX`."""
    return max(1.0, size[1] / SCALE_HEIGHT_PX)


def compose_frame(render: Callable[[tuple[int, int]], np.ndarray], legend_entries: Sequence[Entry], caption: str,
                  size: tuple[int, int], max_entries: int | None = None) -> QImage:
    """A picture of exactly ``size`` = (width, height): the view above, the strip at the bottom.

    ``render((width, view_height))`` draws the view in the height the strip leaves. A strip
    taller than :data:`STRIP_SHARE` of the picture drops the legend, then the caption too.
    For a given legend and number of caption lines the view's height is always the same, so the
    frames of a movie show the view at one size.
    """
    width, height = (int(v) for v in size)
    scale = frame_scale(size)
    for entries, text in ((legend_entries, caption), ((), caption), ((), "")):
        strip = strip_height(strip_lines(entries, text, width, scale, max_entries), scale)
        if strip <= height * STRIP_SHARE:
            break
    rgba = _fitted(render((width, height - strip)), (width, height - strip))
    return compose_picture(rgba, entries, text, scale, max_entries)


def _fitted(rgba: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``rgba`` scaled to exactly ``size``, where a high-DPI screen's rounding drew it a pixel off."""
    height, width = rgba.shape[:2]
    if (width, height) == tuple(size):
        return rgba
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    image = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).scaled(
        size[0], size[1], Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return _pixels(image, QImage.Format.Format_RGBA8888, 4)


def image_rgb(image: QImage) -> np.ndarray:
    """A QImage as a (height, width, 3) uint8 RGB array (a movie frame)."""
    return _pixels(image, QImage.Format.Format_RGB888, 3)


def _pixels(image: QImage, format: QImage.Format, channels: int) -> np.ndarray:
    """A copy of ``image``'s pixels in ``format``, (height, width, channels) uint8 (rows unpadded)."""
    image = image.convertToFormat(format)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :channels * image.width()].reshape(image.height(), image.width(), channels).copy()


def interventions_now(experiment) -> list[str]:
    """The lesions and stimuli of ``experiment`` in force now: "silence AVA", "drive ALML 150 Hz"."""
    lesions = [entry.text for entry in experiment.lesions.values()]
    return lesions + [entry.text for entry in experiment.stimuli.values() if entry.on]


def picture_caption(name: str, t_ms: float) -> str:
    """"name  t = 2.436 s", the time left out before a simulation has run (``t_ms`` 0)."""
    return f"{name}    t = {t_ms / 1000:.3f} s" if t_ms > 0 else name


def default_file_name(name: str, t_ms: float, suffix: str = ".png") -> str:
    """A file name from the dataset's name and the simulated time, e.g. "celegans_t2.436s.png"."""
    # a dataset's display name often ends in its citation, "(Cook et al. 2019)": too long for a name
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name.split(" (")[0]).strip("_").lower() or "brainview"
    return f"{stem}_t{t_ms / 1000:.3f}s{suffix}" if t_ms > 0 else f"{stem}{suffix}"


def draw_view(view, size: tuple[int, int]) -> np.ndarray:
    """``view`` (a ConnectomeView) drawn ``size`` = (width, height) pixels large as the user sees it:
    an RGBA array.

    Every cell is drawn, even while a big connectome plays and the view shows its sample. The
    view draws in logical pixels, so on a high-DPI screen it is asked for ``size`` divided by the
    screen's pixel ratio.
    """
    ratio = view.canvas.pixel_scale
    live = view.live
    view.set_live(False)
    try:
        return view.render((max(round(size[0] / ratio), 1), max(round(size[1] / ratio), 1)))
    finally:
        view.set_live(live)


def dataset_names(session) -> tuple[str, str]:
    """The session's dataset as the caption names it, and the stem of file names proposed for it."""
    reference = session.experiment.dataset
    name = session.connectome.meta.get("name", "") or reference.name or "connectome"
    return name, Path(reference.path).stem if reference.path else name


def save_picture(window, path: str | Path | None = None, size: tuple[int, int] | None = None) -> Path | None:
    """Write the window's 3D view, with legend and caption, to a PNG; the path written, or None.

    With ``path`` None the user is asked where and at what size (:mod:`brainview.ui.output_dialog`).
    ``size`` is the whole picture's, the strip included; by default :data:`PICTURE_SCALE` times
    the view's size on screen. The picture shows the colours, marks and activity glow of the
    view now, and its caption the dataset, the simulated time and the lesions and stimuli in force.
    """
    from brainview.ui.output_dialog import ask_output, size_presets
    from brainview.ui.view3d import LEGEND_ENTRIES

    session, panel = window.session, window.view
    if session is None:
        return None
    if panel.view is None:
        window.show_error("Could not save a picture", f"The 3D view is not available here: {panel.problem}.")
        return None
    name, stem = dataset_names(session)
    t_ms = panel.clock_ms
    view_size = tuple(int(v) for v in panel.view.canvas.size)
    if path is None:
        start = Path(window.last_folder(), default_file_name(stem, t_ms))
        chosen = ask_output(window, "Save picture", start, FILTER, size_presets(view_size, PICTURE_SCALE))
        if chosen is None:
            return None
        path, size, _ = chosen
    size = size or (PICTURE_SCALE * view_size[0], PICTURE_SCALE * view_size[1])
    path = Path(path) if Path(path).suffix else Path(path).with_suffix(".png")
    caption = f"{picture_caption(name, t_ms)}\n{interventions_line(interventions_now(session.experiment))}"
    image = compose_frame(lambda s: draw_view(panel.view, s), panel.view.legend(), caption, size, LEGEND_ENTRIES)
    if not image.save(str(path), "PNG"):
        # QImage.save says only that it failed: the usual causes are named for the user
        window.show_error("Could not save the picture",
                          f"{path} could not be written (is the folder there and writable?)")
        return None
    window.statusBar().showMessage(f"Picture saved: {path}", 8000)
    return path
