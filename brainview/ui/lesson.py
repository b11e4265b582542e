"""The Lesson menu: the shipped lessons and the user's own, read from their files.

Lessons are TOML files (:mod:`brainview.experiment.lessons.files`): the shipped ones in
``assets/lessons`` and the user's in the app's data folder (:func:`user_lesson_folder`), read
again each time the menu opens, so a lesson saved or copied there appears at once. A lesson
whose selectors the open dataset lacks is listed but disabled, its tooltip saying which
selectors it needs; a user's file that cannot be read is listed as broken, and choosing it
shows its error (file, line, key) instead of breaking the menu or the start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu

from brainview.connectome import Connectome
from brainview.errors import BrainviewError
from brainview.experiment.lessons import Lesson, check_fits, lesson_from_experiment, read_lesson, write_lesson
from brainview.resources import lesson_paths

FIRST_LESSON = "celegans-1-touch-escape"
"""The shipped lesson (file stem) the first-run banner offers."""

FILTER = "brainview lessons (*.toml);;All files (*)"
SHOWN_SELECTOR_CHARS = 40
"""A missing selector longer than this is shortened in a tooltip."""


@dataclass(frozen=True)
class LessonEntry:
    """A lesson file of the menu: the lesson, or the error that kept it from being read."""

    path: Path
    lesson: Lesson | None
    error: str = ""
    shipped: bool = False

    @property
    def title(self) -> str:
        """The lesson's title, or its file name when it is broken."""
        return self.lesson.title if self.lesson is not None else self.path.name


def user_lesson_folder() -> Path:
    """Where the user's lessons are kept: ``lessons`` in the app's data folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "lessons"


def _entry(path: Path, shipped: bool) -> LessonEntry:
    try:
        return LessonEntry(path, read_lesson(path), shipped=shipped)
    except (BrainviewError, OSError) as error:
        return LessonEntry(path, None, str(error), shipped)


@cache
def shipped_lessons() -> tuple[LessonEntry, ...]:
    """The lessons shipped in ``assets/lessons``, in file-name order (read once)."""
    return tuple(_entry(path, True) for path in lesson_paths())


def shipped_lesson(stem: str) -> Lesson:
    """The shipped lesson of the file ``assets/lessons/<stem>.toml``."""
    for entry in shipped_lessons():
        if entry.path.stem == stem and entry.lesson is not None:
            return entry.lesson
    raise KeyError(f"no shipped lesson {stem!r}")


def user_lessons(folder: Path | None = None) -> tuple[LessonEntry, ...]:
    """The lessons in the user's folder (``*.toml``, by name), broken files included."""
    folder = user_lesson_folder() if folder is None else folder
    paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return tuple(_entry(path, False) for path in paths)


def needs_text(missing: list[str], dataset: str = "") -> str:
    """``"needs type:MN9, class:gustatory; made for a FlyWire brain"``, long selectors shortened."""
    shown = [s if len(s) <= SHOWN_SELECTOR_CHARS else s[: SHOWN_SELECTOR_CHARS - 3] + "..." for s in missing]
    return f"needs {', '.join(shown)}" + (f"; made for {dataset}" if dataset else "")


# -- the menu ----------------------------------------------------------------------------------
def install_lesson_menu(window, menu: QMenu) -> None:
    """Fill the main window's Lesson menu (re-read each time it opens) and follow the lesson
    panel's colour requests."""
    window.lesson_menu = menu
    window.lesson_actions = []
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: refresh_lesson_menu(window))
    window.lesson_panel.colourRequested.connect(lambda column: _show_colour(window, column))
    refresh_lesson_menu(window)


def refresh_lesson_menu(window, connectome: Connectome | None = None) -> set[str]:
    """Rebuild the Lesson menu for ``connectome`` (the open dataset by default); returns the
    file stems of the shipped lessons that fit it.

    ``window.lesson_actions`` lists (action, entry) for every lesson file shown.
    """
    if connectome is None and window.session is not None:
        connectome = window.session.connectome
    menu = window.lesson_menu
    menu.clear()
    window.lesson_actions = []
    fitting = set()
    shipped, own = shipped_lessons(), user_lessons()
    for entries in (shipped, own):
        if entries is own and own:
            menu.addSeparator()
        for entry in entries:
            action = QAction(entry.title if entry.lesson is not None else f"{entry.title} (broken)", menu)
            if entry.lesson is None:
                action.setToolTip(entry.error)
                action.triggered.connect(lambda _=False, e=entry: window.show_error("This lesson file cannot be read", e.error))
            else:
                missing = entry.lesson.missing_in(connectome) if connectome is not None else []
                action.setEnabled(connectome is not None and not missing)
                action.setToolTip(needs_text(missing, entry.lesson.dataset) if missing else _gist(entry.lesson))
                action.triggered.connect(lambda _=False, l=entry.lesson: window.start_lesson(l))
                if connectome is not None and not missing and entry.shipped:
                    fitting.add(entry.path.stem)
            menu.addAction(action)
            window.lesson_actions.append((action, entry))
    menu.addSeparator()
    menu.addAction("&Open lesson file...").triggered.connect(lambda: open_lesson_file(window))
    save = menu.addAction("&Save as lesson...")
    save.setToolTip("Write this experiment's lesions and stimuli as a lesson, one step each, to edit and share")
    save.setEnabled(window.session is not None)
    save.triggered.connect(lambda: save_as_lesson(window))
    menu.addAction("Show the &lessons folder").triggered.connect(_show_folder)
    return fitting


def open_lesson_file(window, path: str | Path | None = None) -> Lesson | None:
    """Read a lesson file (asked for when ``path`` is None) and start it if it fits the open
    dataset; otherwise show its error. Returns the lesson started, or None."""
    if window.session is None:
        return None
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Open a lesson", str(user_lesson_folder()), FILTER)
        if not path:
            return None
    try:
        lesson = read_lesson(path)
        check_fits(lesson, window.session.connectome)
    except BrainviewError as error:
        window.show_error("Could not start the lesson", str(error))
        return None
    window.start_lesson(lesson)
    return lesson


def save_as_lesson(window, path: str | Path | None = None, title: str | None = None) -> Path | None:
    """Write the open experiment's history as a lesson (title and file asked for when None);
    returns the file written, or None."""
    session = window.session
    if session is None:
        return None
    if title is None:
        title, ok = QInputDialog.getText(window, "Save as lesson", "The lesson's title:")
        if not ok or not title.strip():
            return None
    if path is None:
        folder = user_lesson_folder()
        folder.mkdir(parents=True, exist_ok=True)
        start = folder / f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-') or 'lesson'}.toml"
        path, _ = QFileDialog.getSaveFileName(window, "Save as lesson", str(start), FILTER)
        if not path:
            return None
    lesson = lesson_from_experiment(session.experiment, title.strip())
    try:
        written = write_lesson(lesson, path)
    except OSError as error:
        window.show_error("Could not save the lesson", f"{path}: {error.strerror or error}")
        return None
    refresh_lesson_menu(window)
    window.statusBar().showMessage(f"Saved the lesson {written}: edit its texts, then find it in the Lesson menu", 8000)
    return written


def _show_folder() -> None:
    folder = user_lesson_folder()
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _show_colour(window, column: str) -> None:
    box = window.view.colour_box
    index = box.findData(column)
    if index >= 0:
        box.setCurrentIndex(index)


def _gist(lesson: Lesson) -> str:
    """A tooltip: the summary's first two sentences (rich text, so that Qt wraps it)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", lesson.summary)
    return f"<p>{' '.join(sentences[:2])}</p>"
