"""The dialog of Save picture and Record movie: where to write, at what size, (for a movie) how fast.

The size is that of the whole image, the caption strip included (a movie's frames must all have
one size). Presets offer the view's own size and twice it, and the usual video sizes; the two
spin boxes take any other.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

VIDEO_SIZES = ((1280, 720, "HD"), (1920, 1080, "full HD"), (3840, 2160, "4K"))
"""Sizes offered after the view's own: (width, height, name)."""

MAX_SIDE_PX = 8192
"""Largest width or height offered (as ``brainview render --size``)."""


def size_presets(view_size: tuple[int, int], first_scale: int) -> list[tuple[str, tuple[int, int]]]:
    """(text, size) choices: the view at ``first_scale`` times its size first, then the others."""
    width, height = view_size
    scales = (first_scale, *(s for s in (1, 2) if s != first_scale))
    views = [(f"{'The view' if s == 1 else f'{s} x the view'} ({s * width} x {s * height})", (s * width, s * height))
             for s in scales]
    return views + [(f"{w} x {h} ({name})", (w, h)) for w, h, name in VIDEO_SIZES]


class OutputDialog(QDialog):
    """Asks for a file, a size and, when ``fps`` is given, a frame rate.

    Parameters
    ----------
    parent : QWidget
        The window.
    title : str
        "Save picture", "Record movie".
    start : Path
        The file name proposed.
    file_filter : str
        The file chooser's filter, e.g. "PNG images (*.png)".
    presets : list of (str, (int, int))
        Sizes to choose from (:func:`size_presets`); the first is chosen.
    fps : float, optional
        The frame rate proposed; None: no rate is asked (a picture).
    even : bool
        Sizes must be even (H.264 movies): odd ones are rounded down.
    """

    def __init__(self, parent: QWidget, title: str, start: Path, file_filter: str,
                 presets: list[tuple[str, tuple[int, int]]], fps: float | None = None, even: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.file_filter = file_filter
        self.even = even
        self.path_edit = QLineEdit(str(start))
        choose = QPushButton("Choose...")
        choose.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(choose)
        self.presets = QComboBox()
        for text, size in presets:
            self.presets.addItem(text, size)
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(16, MAX_SIDE_PX)
            box.setSuffix(" px")
            box.setSingleStep(2 if even else 1)
        self.presets.currentIndexChanged.connect(self._on_preset)
        self._on_preset(0)
        custom = QHBoxLayout()
        custom.addWidget(self.width_box)
        custom.addWidget(QLabel("x"))
        custom.addWidget(self.height_box)
        form = QFormLayout(self)
        form.addRow("File", where)
        form.addRow("Size", self.presets)
        form.addRow("", custom)
        self.fps_box: QDoubleSpinBox | None = None
        if fps is not None:
            self.fps_box = QDoubleSpinBox()
            self.fps_box.setRange(1, 120)
            self.fps_box.setDecimals(0)
            self.fps_box.setValue(fps)
            self.fps_box.setSuffix(" frames per simulated second")
            self.fps_box.setToolTip("The movie plays one simulated second per second, whatever the pacing")
            form.addRow("Frame rate", self.fps_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_preset(self, index: int) -> None:
        size = self.presets.itemData(index)
        if size is not None:
            self.width_box.setValue(size[0])
            self.height_box.setValue(size[1])

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path_edit.text(), self.file_filter)
        if path:
            self.path_edit.setText(path)

    def chosen(self) -> tuple[Path, tuple[int, int], float | None]:
        """The file, the size (rounded down to even numbers where asked) and the rate (None for a picture)."""
        width, height = self.width_box.value(), self.height_box.value()
        if self.even:
            width, height = width - width % 2, height - height % 2
        fps = None if self.fps_box is None else float(self.fps_box.value())
        return Path(self.path_edit.text().strip()), (width, height), fps


def ask_output(parent: QWidget, title: str, start: Path, file_filter: str,
               presets: list[tuple[str, tuple[int, int]]], fps: float | None = None,
               even: bool = False) -> tuple[Path, tuple[int, int], float | None] | None:
    """Show an :class:`OutputDialog`; its choice, or None when cancelled or no file was named."""
    dialog = OutputDialog(parent, title, start, file_filter, presets, fps, even)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.chosen()
    finally:
        dialog.deleteLater()
    return chosen if chosen[0].name else None
