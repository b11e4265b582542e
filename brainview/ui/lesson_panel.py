"""The lesson panel: a guided experiment, one step at a time, each step one click.

Every action a step takes (drive, lesion, play) goes through the session's undoable actions,
so the user can undo a lesson step like any other change. :class:`LessonBanner` is the
first-run invitation to the lesson shown above the 3D view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from brainview.connectome.selectors import SelectorError
from brainview.experiment import CellSet, cells_from_selector
from brainview.ui.lesson import Lesson
from brainview.ui.session import Session


class LessonPanel(QWidget):
    """Shows a :class:`~brainview.ui.lesson.Lesson` and performs its steps on request."""

    playRequested = Signal()
    modelRequested = Signal(object)
    """The lesson's model parameters, ((name, value), ...), to set before its first step."""
    learningRequested = Signal(tuple)
    """A step's Learning panel actions (:data:`~brainview.ui.lesson.LEARNING_ACTIONS`), in order."""

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
        """Begin ``lesson`` on ``session``: set up its traces and show its first step."""
        self.session = session
        self.lesson = lesson
        for label, selector in lesson.groups:
            target = cells_from_selector(session.connectome, selector)
            session.watch(CellSet(f"lesson:{label}", label, target.rows))
        for name in lesson.probes:
            session.probe(session.connectome.index_of(name))
        if lesson.model:
            self.modelRequested.emit(lesson.model)
        self.show_step(0)

    def show_step(self, index: int) -> None:
        """Show step ``index`` of the lesson."""
        lesson = self.lesson
        self.step = max(0, min(index, len(lesson.steps) - 1))
        step = lesson.steps[self.step]
        self.heading.setText(
            f"<b style='font-size:14pt'>{lesson.title}</b><br>Step {self.step + 1} of {len(lesson.steps)}: <b>{step.title}</b>")
        intro = f"<p>{lesson.summary}</p><p><i>{lesson.model_note}</i></p>" if self.step == 0 else ""
        self.text.setHtml(f"{intro}<p>{step.text}</p><p style='color:#a7adb8'><small>{lesson.citation}</small></p>")
        self.back_button.setEnabled(self.step > 0)
        self.next_button.setEnabled(self.step < len(lesson.steps) - 1)
        self.do_button.setEnabled(bool(step.stimuli or step.lesions or step.play or step.learning))

    def perform_step(self) -> None:
        """Do what the current step says: drive, lesion, the Learning panel's actions, play."""
        step = self.lesson.steps[self.step]
        session = self.session
        try:
            for selector, rate_hz in step.stimuli:
                session.stimulate(cells_from_selector(session.connectome, selector), rate_hz)
            for selector, mode in step.lesions:
                session.lesion(cells_from_selector(session.connectome, selector), mode)
        except SelectorError as error:
            self.text.append(f"<p style='color:#ff4d4d'>{error}</p>")
            return
        if step.learning:
            self.learningRequested.emit(tuple(step.learning))
        if step.play:
            self.playRequested.emit()


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
