"""File > Open / Save experiment: the window's side of experiment files.

Saving writes the session's :class:`~brainview.experiment.Experiment` as TOML
(:mod:`brainview.experiment.files`, atomically). Opening reads it in the background; when its
dataset has moved or changed, the user is told so and asked where the dataset is now, and the
experiment in the window stays as it was until a file opens. On close, the experiment is kept
in the app's data folder so that it can be restored on the next launch (a setting).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from brainview.experiment import DatasetChangedError, DatasetNotFoundError, write_experiment
from brainview.ui.commands import ExportRun

FILTER = "brainview experiments (*.toml);;All files (*)"
RUN_FILTERS = {
    "brainview run (*.h5)": "brainview", "NWB (*.nwb)": "nwb", "SONATA folder (*.sonata)": "sonata",
}
LAST_EXPERIMENT = "last-experiment.toml"
"""Where the experiment open at the last close is kept, in the app's data folder."""


def last_experiment_path() -> Path:
    """The file the experiment open at the last close was kept in."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    return folder / LAST_EXPERIMENT


def save(window, path: str | Path | None = None) -> Path | None:
    """Write the window's experiment to ``path`` (asked for when None); the path, or None if not saved."""
    session = window.session
    if session is None:
        return None
    if path is None:
        start = window.experiment_path or str(Path(window.last_folder(), "experiment.toml"))
        path, _ = QFileDialog.getSaveFileName(window, "Save experiment", str(start), FILTER)
        if not path:
            return None
        path = Path(path) if Path(path).suffix else Path(path).with_suffix(".toml")
    window.view.store_camera()
    try:
        written = write_experiment(session.experiment, path)
    except OSError as error:
        window.show_error("Could not save the experiment", f"{path}: {error.strerror or error}")
        return None
    window.experiment_path = str(written)
    window.settings.add_recent_file(written)
    window.statusBar().showMessage(f"Saved {written}", 5000)
    return written


def choose_and_open(window) -> None:
    """Ask for an experiment file and open it."""
    path, _ = QFileDialog.getOpenFileName(window, "Open experiment", window.experiment_path or "", FILTER)
    if path:
        window.open_experiment(path)


def ask_for_dataset(window: QWidget, path: Path, error: DatasetNotFoundError | DatasetChangedError) -> Path | None:
    """Tell the user the experiment's dataset is missing or changed and ask where it is now."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Where is the dataset?", str(error), parent=window)
    box.setInformativeText("Choose the dataset this experiment was made on, or cancel to keep the window as it is.")
    choose = box.addButton("Choose dataset...", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is not choose:
        return None
    start = str(Path(error.dataset.path).parent) if error.dataset.path else str(path.parent)
    chosen, _ = QFileDialog.getOpenFileName(window, f"The dataset of {path.name}", start)
    return Path(chosen) if chosen else None


def export_run(window, path: str | Path | None = None, format: str | None = None, branch: int | None = None) -> None:
    """Have the worker write the run so far (asked where when ``path`` is None); the window
    hears back through the worker's ``exported`` signal. ``branch``: the number of a branch
    left behind to write instead of the running one (the timeline's branch list)."""
    from brainview.connectome.digest import DIGEST_NAME
    from brainview.sim.runfile import LABELS, DatasetInfo

    session, worker = window.session, window.worker
    if session is None or worker is None:
        return
    if path is None:
        start = str(Path(window.last_folder(), "run.h5" if branch is None else f"run-branch{branch}.h5"))
        path, chosen = QFileDialog.getSaveFileName(window, "Export run", start, ";;".join(RUN_FILTERS))
        if not path:
            return
        format = RUN_FILTERS.get(chosen)
    connectome, reference = session.connectome, session.experiment.dataset
    dataset = DatasetInfo(
        reference.path or "", reference.name or connectome.meta.get("name", ""), reference.digest, DIGEST_NAME,
        connectome.ids, {key: connectome[key] for key in LABELS},
    )
    worker.submit(ExportRun(str(path), dataset, format, branch))
    window.statusBar().showMessage(f"Exporting the run to {path}...")
