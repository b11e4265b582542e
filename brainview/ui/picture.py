"""File > Save picture: the 3D view as a PNG with its legend and caption burnt in.

:func:`compose_picture` is the pure part: an RGBA array of the view in, a QImage with a caption
strip under it out (colour swatches and labels, as the legend row above the view shows them, then
the dataset and the simulated time). It needs only QtGui, so ``brainview render --legend`` draws
the same strip without a window. :func:`save_picture` is the window's side: the dialog, the
drawing at twice the view's size, the status bar and the error box.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QFileDialog

PICTURE_SCALE = 2
"""Save picture draws the view at this many times its size on screen (sharp in a slide or paper)."""

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
        A last line of text, e.g. "C. elegans  t = 2.436 s"; "" for none.
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
    if caption:
        lines.append([(margin, caption, None)])
    return lines


def picture_caption(name: str, t_ms: float) -> str:
    """"name  t = 2.436 s", the time left out before a simulation has run (``t_ms`` 0)."""
    return f"{name}    t = {t_ms / 1000:.3f} s" if t_ms > 0 else name


def default_file_name(name: str, t_ms: float) -> str:
    """A file name from the dataset's name and the simulated time, e.g. "celegans_t2.436s.png"."""
    # a dataset's display name often ends in its citation, "(Cook et al. 2019)": too long for a name
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name.split(" (")[0]).strip("_").lower() or "brainview"
    return f"{stem}_t{t_ms / 1000:.3f}s.png" if t_ms > 0 else f"{stem}.png"


def save_picture(window, path: str | Path | None = None) -> Path | None:
    """Write the window's 3D view, with legend and caption, to a PNG (asked where when ``path``
    is None); the path written, or None when nothing was.

    The view is drawn at :data:`PICTURE_SCALE` times its size on screen, with the colours,
    marks and activity glow it shows now.
    """
    from brainview.ui.view3d import LEGEND_ENTRIES

    session, panel = window.session, window.view
    if session is None:
        return None
    if panel.view is None:
        window.show_error("Could not save a picture", f"The 3D view is not available here: {panel.problem}.")
        return None
    reference = session.experiment.dataset
    name = session.connectome.meta.get("name", "") or reference.name or "connectome"
    t_ms = panel.clock_ms
    if path is None:
        stem_name = Path(reference.path).stem if reference.path else name
        start = Path(window.last_folder(), default_file_name(stem_name, t_ms))
        path, _ = QFileDialog.getSaveFileName(window, "Save picture", str(start), FILTER)
        if not path:
            return None
    path = Path(path) if Path(path).suffix else Path(path).with_suffix(".png")
    rgba = panel.render_picture(PICTURE_SCALE)
    image = compose_picture(rgba, panel.view.legend(), picture_caption(name, t_ms), PICTURE_SCALE, LEGEND_ENTRIES)
    if not image.save(str(path), "PNG"):
        # QImage.save says only that it failed: the usual causes are named for the user
        window.show_error("Could not save the picture",
                          f"{path} could not be written (is the folder there and writable?)")
        return None
    window.statusBar().showMessage(f"Picture saved: {path}", 8000)
    return path
