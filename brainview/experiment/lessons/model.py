"""Lessons as data: a guided experiment's groups, probes, model parameters and steps.

The file format is in :mod:`brainview.experiment.lessons.files`; this module holds what a
lesson is and whether it fits a dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from brainview.connectome import Connectome
from brainview.connectome.io.errors import FormatError
from brainview.connectome.selectors import FIELDS, Selector

LEARNING_ACTIONS = ("plasticity on", "present A", "present B", "pair A", "reset weights")
"""What a lesson step may ask of the Learning panel (:mod:`brainview.ui.learning_panel`): make
the live run plastic, present odour A or B, pair A with reward, or put the weights back; the
presentations run one after another."""

COLOUR_FIELDS = {k: v for k, v in FIELDS.items() if v not in ("name", "id")}
"""What ``color_by`` may name (selector field -> column)."""

LESION_MODES = ("silence", "ablate", "lift")
"""A lesson's lesion modes: those of :mod:`brainview.sim.lesions`, and ``lift`` to undo one."""


class Group(NamedTuple):
    """A population-rate trace: its label and its cells' selector."""

    label: str
    selector: str


class Drive(NamedTuple):
    """Drive ``selector``'s cells at ``rate_Hz`` (0: stop driving them); ``label`` names the set."""

    selector: str
    rate_Hz: float
    label: str = ""


class Cut(NamedTuple):
    """Lesion ``selector``'s cells (``mode`` silence or ablate) or lift their lesion (``lift``)."""

    selector: str
    mode: str
    label: str = ""


@dataclass(frozen=True)
class LessonStep:
    """One step: words to read, and the actions its "Do it" button performs, in this order:
    stimuli, lesions, traces (groups, probes), colours, the Learning panel's actions, play."""

    title: str
    text: str
    stimuli: tuple[Drive, ...] = ()
    lesions: tuple[Cut, ...] = ()
    groups: tuple[Group, ...] = ()
    probes: tuple[str, ...] = ()
    color_by: str | None = None
    learning: tuple[str, ...] = ()
    play: bool = False

    @property
    def acts(self) -> bool:
        """True when the step does something (its "Do it" button is enabled)."""
        return bool(self.stimuli or self.lesions or self.groups or self.probes or self.color_by
                    or self.learning or self.play)


@dataclass(frozen=True)
class Lesson:
    """A guided experiment; see the module docstring for what each field means.

    ``model`` holds the ``ShiuParams`` overrides as (name, value) pairs; ``path`` is the file
    the lesson was read from (None when built in code), ``lines`` the (line, key) where each
    selector is written there, for error messages.
    """

    title: str
    summary: str
    citation: str
    steps: tuple[LessonStep, ...]
    groups: tuple[Group, ...] = ()
    probes: tuple[str, ...] = ()
    color_by: str | None = None
    model: tuple[tuple[str, float], ...] = ()
    model_note: str = ""
    dataset: str = ""
    needs: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)
    lines: dict = field(default_factory=dict, compare=False, repr=False)

    def selectors(self) -> list[str]:
        """Every selector the lesson uses, once each, in the order of the file."""
        used = list(self.needs) + [g.selector for g in self.groups] + list(self.probes)
        for step in self.steps:
            used += [s.selector for s in step.stimuli] + [c.selector for c in step.lesions]
            used += [g.selector for g in step.groups] + list(step.probes)
        return list(dict.fromkeys(used))

    def missing_in(self, connectome: Connectome) -> list[str]:
        """The selectors that select nothing in ``connectome`` (empty: the lesson fits).

        Most selectors name exact labels, so a look-up in each column's category set answers
        this at once, even for the 139,255 names of a whole fly brain.
        """
        labels: dict[str, set[str]] = {}
        missing = []
        for text in self.selectors():
            selector = Selector.parse(text)
            if selector.column == "id" or any(c in v for v in selector.values for c in "*?["):
                found = selector.resolve(connectome, allow_empty=True).size > 0
            else:
                if selector.column not in labels:
                    labels[selector.column] = set(connectome[selector.column].categories)
                found = not labels[selector.column].isdisjoint(selector.values)
            if not found:
                missing.append(text)
        return missing


def check_fits(lesson: Lesson, connectome: Connectome) -> None:
    """Raise a FormatError naming the file, line and key of the first selector ``connectome`` lacks."""
    missing = lesson.missing_in(connectome)
    if missing:
        text = missing[0]
        line, place = lesson.lines.get(text, (None, "selector"))
        name = connectome.meta.get("name", "this dataset")
        others = f" (nor do {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise FormatError(lesson.path or "<lesson>", f"{place}: selector {text!r} matches no cell in {name}{others}",
                          line=line)
