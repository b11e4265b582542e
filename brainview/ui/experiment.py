"""The experiment the user sets up: which cells are lesioned and which are driven.

An :class:`Experiment` maps a key (a browser node, a selector, a cell) to a lesion or a
stimulus. Every change goes through :meth:`Experiment.set_lesion` or
:meth:`Experiment.set_stimulus`, which return the worker commands that move the engine from the
old state to the new one; undo is the same call with the old entry. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.selectors import Selector
from brainview.ui.commands import (
    LESION_MODES, ApplyLesion, ApplyStimulus, Command, RemoveLesion, RemoveStimulus, unique_rows,
)


@dataclass(frozen=True, eq=False)
class Target:
    """A named set of cells the user can lesion, drive, colour or hide.

    Parameters
    ----------
    key : str
        Stable identity ("cell_type=AVA", "subsystem=steering/cell_class=motor", "selector:type:AVA").
    label : str
        Short words for lists, menus and trace markers.
    rows : numpy.ndarray
        The cells, as sorted int64 row indices.
    """

    key: str
    label: str
    rows: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", unique_rows(self.rows))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Target) and other.key == self.key and np.array_equal(other.rows, self.rows)

    def __hash__(self) -> int:
        return hash(self.key)


def target_from_selector(connectome: Connectome, text: str) -> Target:
    """The cells named by a selector string (``type:AVA``, ``ALML,ALMR,AVM``...).

    Raises
    ------
    SelectorError
        If the text does not parse or selects no cell; the message says why.
    """
    selector = Selector.parse(text)
    rows = selector.resolve(connectome)
    label = ",".join(selector.values) if selector.column in ("name", "cell_type") else str(selector)
    return Target(f"selector:{selector}", label, rows)


def target_for_cell(connectome: Connectome, row: int) -> Target:
    """One cell, labelled by its name (or its id when it has none)."""
    name = connectome["name"][row] or f"id {int(connectome.ids[row])}"
    return Target(f"cell:{int(connectome.ids[row])}", name, np.array([row]))


@dataclass(frozen=True, eq=False)
class Lesion:
    """A lesion of ``target`` in ``mode`` (``silence`` or ``ablate``)."""

    target: Target
    mode: str = "silence"

    def __post_init__(self) -> None:
        if self.mode not in LESION_MODES:
            raise ValueError(f"lesion mode must be one of {LESION_MODES}, was {self.mode!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lesion) and other.target == self.target and other.mode == self.mode

    __hash__ = None

    def apply_command(self, key: str) -> ApplyLesion:
        """The worker command that puts this lesion, called ``key``, into the engine."""
        return ApplyLesion(key, f"{self.mode} {self.target.label}", self.target.rows, self.mode)


@dataclass(frozen=True, eq=False)
class Stimulus:
    """Poisson drive of ``target`` at ``rate_hz``; ``on`` False keeps it listed but silent."""

    target: Target
    rate_hz: float = 150.0
    on: bool = True

    def __post_init__(self) -> None:
        if not self.rate_hz > 0:
            raise ValueError(f"a stimulus rate must be above 0 Hz, was {self.rate_hz}")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Stimulus) and other.target == self.target
            and other.rate_hz == self.rate_hz and other.on == self.on
        )

    __hash__ = None

    def apply_command(self, key: str) -> ApplyStimulus:
        """The worker command that puts this stimulus, called ``key``, into the engine."""
        return ApplyStimulus(key, f"drive {self.target.label} {self.rate_hz:g} Hz", self.target.rows, self.rate_hz)


class Experiment:
    """Current lesions and stimuli by key, and the commands that change them in the engine."""

    def __init__(self) -> None:
        self.lesions: dict[str, Lesion] = {}
        self.stimuli: dict[str, Stimulus] = {}

    def set_lesion(self, key: str, lesion: Lesion | None) -> list[Command]:
        """Make ``key`` lesioned as ``lesion`` (None: not lesioned); the commands that do it."""
        old = self.lesions.get(key)
        if old == lesion:
            return []
        commands: list[Command] = []
        if old is not None:
            commands.append(RemoveLesion(key, f"restore {old.target.label}"))
            del self.lesions[key]
        if lesion is not None:
            self.lesions[key] = lesion
            commands.append(lesion.apply_command(key))
        return commands

    def set_stimulus(self, key: str, stimulus: Stimulus | None) -> list[Command]:
        """Make ``key`` driven as ``stimulus`` (None: removed); the commands that do it."""
        old = self.stimuli.get(key)
        if old == stimulus:
            return []
        commands: list[Command] = []
        if old is not None and old.on:
            commands.append(RemoveStimulus(key, f"stop {old.target.label}"))
        self.stimuli.pop(key, None)
        if stimulus is not None:
            self.stimuli[key] = stimulus
            if stimulus.on:
                commands.append(stimulus.apply_command(key))
        return commands

    def replay(self) -> list[Command]:
        """Commands that put every current lesion and stimulus into a fresh engine."""
        commands: list[Command] = [lesion.apply_command(key) for key, lesion in self.lesions.items()]
        commands += [stimulus.apply_command(key) for key, stimulus in self.stimuli.items() if stimulus.on]
        return commands

    def lesion_state(self, n: int) -> np.ndarray:
        """Per cell: 0 intact, 1 silenced, 2 ablated (ablation wins where lesions overlap)."""
        state = np.zeros(n, np.int8)
        for lesion in self.lesions.values():
            code = 2 if lesion.mode == "ablate" else 1
            state[lesion.target.rows] = np.maximum(state[lesion.target.rows], code)
        return state

    def driven_mask(self, n: int) -> np.ndarray:
        """True for each cell that a switched-on stimulus drives."""
        mask = np.zeros(n, bool)
        for stimulus in self.stimuli.values():
            if stimulus.on:
                mask[stimulus.target.rows] = True
        return mask
