"""The app's dialogs: errors that do not block the window, shortcuts, about; the Open filter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

OPEN_FILTER = (
    "Connectomes (*.h5 *.hdf5 *.csv *.csv.gz *.tsv *.tsv.gz *.graphml *.graphml.gz *.gexf *.gexf.gz *.parquet);;"
    "brainview HDF5 (*.h5 *.hdf5);;CSV edge lists and Codex/neuPrint tables (*.csv *.csv.gz *.tsv *.tsv.gz);;"
    "GraphML / GEXF (*.graphml *.graphml.gz *.gexf *.gexf.gz);;Shiu et al. (*.parquet);;All files (*)"
)

SHORTCUTS = (
    ("Space", "play / pause"), (".", "step 10 ms"), ("Ctrl+R", "reset to t = 0"),
    ("Ctrl+1 .. Ctrl+4", "flat out, real time, 10x slower, 100x slower"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo a lesion or stimulus"),
    ("L / Shift+L", "silence / ablate the browser's current group"),
    ("Ctrl+F", "search the cell-type browser"), ("V", "trace the voltage of the selected cell"),
    ("Esc", "clear the selection; in a text field: leave it (Space plays again)"),
    ("Ctrl+O / Ctrl+Shift+O", "open a file / a folder of tables"), ("Ctrl+Shift+P", "save a picture of the 3D view"),
    ("Ctrl+Shift+M", "record a movie of the 3D view (again: stop)"), ("Ctrl+Shift+R", "replay a run file"),
    ("F5 / Esc", "presentation mode: full screen, large text / leave it"),
    ("Ctrl++ / Ctrl+- / Ctrl+0", "larger / smaller / normal text"),
    ("F1", "this list"),
)


def error_box(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """A non-modal error message with the details (a traceback) behind a button; call ``open()``."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def show_shortcuts(parent: QWidget) -> None:
    """List the keyboard shortcuts."""
    rows = "".join(f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>" for keys, what in SHORTCUTS)
    QMessageBox.information(parent, "Keyboard shortcuts", f"<table>{rows}</table>")


def show_about(parent: QWidget, meta: dict[str, str]) -> None:
    """Version, dataset and citation."""
    from brainview import __version__

    QMessageBox.about(parent, "About brainview", (
        f"<b>brainview {__version__}</b><br>Explore connectomes in 3D and run live lesion experiments.<br><br>"
        f"Dataset: {meta.get('name', '-')}<br>{meta.get('citation', '')}<br>{meta.get('license', '')}<br><br>"
        "Model: leaky integrate-and-fire of Shiu et al. 2024, Nature 634:210-219."))
