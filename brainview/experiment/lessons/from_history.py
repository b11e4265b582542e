"""An experiment's history made into a lesson: one step per intervention, in the order done.

"Save as lesson" in the window writes what :func:`lesson_from_experiment` returns, so a teacher
can set up an experiment by hand and hand it on as a lesson. Each lesion or stimulus change
still in effect in the history (undone changes are left out) becomes a step whose text is a
placeholder to edit; the traced groups, probed cells, colours and model parameters are set up
when the lesson starts. Cell sets are written as selectors that find exactly the same cells
again: the selector a set was made from, a browser node's label, the cells' names, or at last
their ids. The Learning panel's own presentations (keys ``learning:...``) are left out: they are
its timed protocol, which a lesson asks for with ``learning`` actions instead.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.selectors import FIELDS, Selector, SelectorError
from brainview.experiment.cells import UNLABELLED, cells_from_selector, resolvable
from brainview.experiment.lessons.model import Cut, Drive, Group, Lesson, LessonStep
from brainview.experiment.model import CellSet, Experiment, LesionEntry, StimulusEntry

PLACEHOLDER = "Say what to watch after this step, and why. (Written by Save as lesson: edit me.)"
"""The text of every step "Save as lesson" writes."""

def lesson_from_experiment(experiment: Experiment, title: str, summary: str = "") -> Lesson:
    """The lesson that repeats ``experiment``'s interventions, one step each (see the module docstring).

    Parameters
    ----------
    experiment : Experiment
        The experiment whose history (:attr:`Experiment.history`) to follow.
    title : str
        The lesson's title.
    summary : str, optional
        Its first paragraph (a placeholder when empty).
    """
    connectome = experiment.connectome
    steps = []
    for change in experiment.history.done:
        if change.key.startswith("learning:"):
            continue
        entry = change.new if change.new is not None else change.old
        selector = selector_for(connectome, entry.cells)
        label = entry.cells.label if entry.cells.label != cells_from_selector(connectome, selector).label else ""
        if change.table == "lesions":
            mode = change.new.mode.value if isinstance(change.new, LesionEntry) else "lift"
            step = LessonStep(_title(change.text), PLACEHOLDER, lesions=(Cut(selector, mode, label),))
        else:
            on = isinstance(change.new, StimulusEntry) and change.new.on
            rate_hz = change.new.rate_Hz if on else 0.0
            step = LessonStep(_title(change.text), PLACEHOLDER, stimuli=(Drive(selector, rate_hz, label),))
        steps.append(step)
    if not steps:
        steps.append(LessonStep("Explore", PLACEHOLDER))
    first = steps[0]
    steps[0] = LessonStep(first.title, first.text, first.stimuli, first.lesions, play=True)
    name = experiment.dataset.name or connectome.meta.get("name", "")
    return Lesson(
        title=title,
        summary=summary or "What question does this lesson ask, and what did the experiment it repeats find?",
        citation="",
        steps=tuple(steps),
        groups=tuple(Group(cells.label, selector_for(connectome, cells)) for cells in experiment.groups.values()),
        probes=tuple(selector_for(connectome, CellSet("", "", np.array([row]))) for row in experiment.probes),
        color_by=experiment.view.color_by,
        model=tuple(experiment.params.items()),
        dataset=str(name),
    )


def selector_for(connectome: Connectome, cells: CellSet) -> str:
    """A selector string that selects exactly ``cells`` on ``connectome``."""
    for text in _candidates(connectome, cells):
        try:
            rows = Selector.parse(text).resolve(connectome, allow_empty=True)
        except SelectorError:
            continue
        if np.array_equal(rows, cells.rows):
            return text
    return "id:" + ",".join(str(int(i)) for i in connectome.ids[cells.rows])


def _candidates(connectome: Connectome, cells: CellSet):
    """Selectors that may select ``cells``, most readable first (an id list is the last resort)."""
    key = cells.key
    if key.startswith("selector:"):
        yield key.removeprefix("selector:")
    elif resolvable(key) and "/" not in key and not key.startswith("cell:"):
        column, _, value = key.partition("=")
        if column in FIELDS.values() and value != UNLABELLED and "," not in value:
            yield str(Selector(column, (value,)))
    names = list(connectome["name"].take(cells.rows).to_strings())
    if names and all(names) and not any(c in name for name in names for c in ",:*?["):
        yield ",".join(names)


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]
