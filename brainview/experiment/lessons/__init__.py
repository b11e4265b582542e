"""Lessons: guided experiments as data and as TOML files (no Qt).

- :mod:`~brainview.experiment.lessons.model`: :class:`Lesson` and its steps, and whether a
  lesson fits a dataset;
- :mod:`~brainview.experiment.lessons.files`: the lesson file format (``brainview-lesson``);
- :mod:`~brainview.experiment.lessons.from_history`: an experiment's history as a lesson.
"""

from brainview.experiment.lessons.files import generate_lesson, parse_lesson, read_lesson, write_lesson
from brainview.experiment.lessons.from_history import lesson_from_experiment, selector_for
from brainview.experiment.lessons.model import (
    LEARNING_ACTIONS, Cut, Drive, Group, Lesson, LessonStep, check_fits,
)

__all__ = [
    "LEARNING_ACTIONS", "Cut", "Drive", "Group", "Lesson", "LessonStep", "check_fits", "generate_lesson",
    "lesson_from_experiment", "parse_lesson", "read_lesson", "selector_for", "write_lesson",
]
