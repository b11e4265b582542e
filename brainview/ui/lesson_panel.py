"""The lesson panel: a guided experiment, one step at a time, each step one click.

Every action a step takes (drive, lesion, trace, play) goes through the session's actions, so
the user can undo a lesson's lesions and stimuli like any other change. :class:`LessonBanner`
is the first-run invitation to the lesson shown above the 3D view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from brainview.errors import BrainviewError
from brainview.experiment import CellSet, cells_from_selector
from brainview.experiment.lessons import Group, Lesson
from brainview.ui.session import Session


class LessonPanel(QWidget):
    """Shows a :class:`~brainview.experiment.lessons.Lesson` and performs its steps on request."""

    playRequested = Signal()
    modelRequested = Signal(object)
    """The lesson's model parameters, ((name, value), ...), set when it starts (for the toolbar)."""
    learningRequested = Signal(tuple)
    """A step's Learning panel actions (:data:`~brainview.experiment.lessons.LEARNING_ACTIONS`), in order."""
    colourRequested = Signal(str)
    """The column the 3D view should colour the cells by."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.lesson: Lesson | None = None
        self.step = 0
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.back_button = QPushButton("Back")
        self.do_button = QPushButton("Do it")
        self.do_button.setToolTip("Perform this step for me (undo with Ctrl+Z)")
        self.next_button = QPushButton("Next step")
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.do_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(lambda: self.show_step(self.step - 1))
        self.next_button.clicked.connect(lambda: self.show_step(self.step + 1))
        self.do_button.clicked.connect(self.perform_step)

    def start(self, session: Session, lesson: Lesson) -> None:
        """Begin ``lesson`` on ``session``: its model parameters, traces and colours, then its first step.

        A selector that selects nothing here is reported in the panel (the Lesson menu offers
        only lessons that fit, but a file opened by hand may not).
        """
        self.session = session
        self.lesson = lesson
        self.show_step(0)
        if lesson.model:
            session.experiment.set_params({**session.experiment.params, **dict(lesson.model)})
            self.modelRequested.emit(lesson.model)
        self._act(lambda: self._show(lesson.groups, lesson.probes, lesson.color_by))

    def _show(self, groups: tuple[Group, ...], probes: tuple[str, ...], color_by: str | None) -> None:
        session = self.session
        for label, selector in groups:
            target = cells_from_selector(session.connectome, selector)
            session.watch(CellSet(f"lesson:{label}", label, target.rows))
        for selector in probes:
            for row in cells_from_selector(session.connectome, selector).rows:
                session.probe(int(row))
        if color_by:
            self.colourRequested.emit(color_by)

    def _act(self, action) -> bool:
        try:
            action()
        except BrainviewError as error:
            self.text.append(f"<p style='color:#ff4d4d'>{error}</p>")
            return False
        return True

    def show_step(self, index: int) -> None:
        """Show step ``index`` of the lesson."""
        lesson = self.lesson
        self.step = max(0, min(index, len(lesson.steps) - 1))
        step = lesson.steps[self.step]
        self.heading.setText(
            f"<b style='font-size:14pt'>{lesson.title}</b><br>Step {self.step + 1} of {len(lesson.steps)}: <b>{step.title}</b>")
        note = f"<p><i>{lesson.model_note}</i></p>" if lesson.model_note else ""
        intro = f"<p>{lesson.summary}</p>{note}" if self.step == 0 else ""
        self.text.setHtml(f"{intro}<p>{step.text}</p><p style='color:#a7adb8'><small>{lesson.citation}</small></p>")
        self.back_button.setEnabled(self.step > 0)
        self.next_button.setEnabled(self.step < len(lesson.steps) - 1)
        self.do_button.setEnabled(step.acts)

    def perform_step(self) -> None:
        """Do what the current step says: drive, lesion, trace, colour, the Learning panel's actions, play."""
        step = self.lesson.steps[self.step]
        if not self._act(self._drive_and_lesion) or not self._act(lambda: self._show(step.groups, step.probes, step.color_by)):
            return
        if step.learning:
            self.learningRequested.emit(tuple(step.learning))
        if step.play:
            self.playRequested.emit()

    def _drive_and_lesion(self) -> None:
        step, session = self.lesson.steps[self.step], self.session
        for selector, rate_hz, label in step.stimuli:
            session.stimulate(self._cells(selector, label), rate_hz or None)
        for selector, mode, label in step.lesions:
            session.lesion(self._cells(selector, label), None if mode == "lift" else mode)

    def _cells(self, selector: str, label: str) -> CellSet:
        found = cells_from_selector(self.session.connectome, selector)
        return CellSet(found.key, label or found.label, found.rows)


class LessonBanner(QWidget):
    """A one-line invitation to the first lesson, with "Start the lesson" and "Not now" buttons.

    Signals
    -------
    startRequested()
        The user wants the lesson.
    dismissed()
        The user declined it.
    """

    startRequested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 6, 6, 0)
        text = QLabel(
            "<b>New here?</b> Try the guided experiment: drive the worm's touch receptors, watch the "
            "escape circuit fire, then lesion its command interneurons while it runs.")
        text.setObjectName("banner")
        text.setWordWrap(True)
        start = QPushButton("Start the lesson")
        dismiss = QPushButton("Not now")
        start.clicked.connect(self.startRequested)
        dismiss.clicked.connect(self.dismissed)
        row.addWidget(text, 1)
        row.addWidget(start)
        row.addWidget(dismiss)
        self.hide()
