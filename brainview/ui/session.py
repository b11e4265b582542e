"""The state of one open dataset in the app, and the undoable actions that change it.

A :class:`Session` holds the connectome, its cell-type tree, the experiment (lesions and
stimuli), the selection, what is hidden or coloured, the watched groups and the probed cells.
Panels change it only through its methods and redraw from its signals, so every panel shows the
same state. Lesion and stimulus changes go through a ``QUndoStack`` and are sent to the
simulation worker as commands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack

from brainview.connectome import Connectome
from brainview.ui.celltree import CellTree
from brainview.ui.commands import Command, SetGroups, SetProbes
from brainview.ui.experiment import Experiment, Lesion, Stimulus, Target

MAX_PROBES = 8
"""Most cells whose voltage is traced at once (the oldest probe goes first)."""


class Session(QObject):
    """One dataset open in the window.

    Parameters
    ----------
    connectome : Connectome
        The dataset.
    send : callable
        Delivers a worker command (the worker's ``submit``).
    """

    lesionsChanged = Signal()
    stimuliChanged = Signal()
    selectionChanged = Signal(int)
    appearanceChanged = Signal()
    groupsChanged = Signal()
    probesChanged = Signal()

    def __init__(self, connectome: Connectome, send: Callable[[Command], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connectome = connectome
        self.tree = CellTree.build(connectome)
        self.experiment = Experiment()
        self.undo_stack = QUndoStack(self)
        self.send = send
        self.selected = -1
        self.hidden = np.zeros(connectome.n, bool)
        self.colours: dict[str, QColor] = {}
        self.groups: dict[str, Target] = {}
        self.probes: list[int] = []

    # -- lesions and stimuli (undoable) ---------------------------------------------------------
    def lesion(self, target: Target, mode: str | None) -> None:
        """Lesion ``target`` (``silence``/``ablate``) or lift its lesion (None), undoably."""
        new = None if mode is None else Lesion(target, mode)
        if self.experiment.lesions.get(target.key) == new:
            return
        text = f"lift lesion of {target.label}" if mode is None else f"{mode} {target.label}"
        self.undo_stack.push(_SetEntry(self, "lesion", target.key, new, text))

    def stimulate(self, target: Target, rate_hz: float | None, on: bool = True) -> None:
        """Drive ``target`` at ``rate_hz`` (None removes the stimulus), undoably."""
        new = None if rate_hz is None else Stimulus(target, rate_hz, on)
        if self.experiment.stimuli.get(target.key) == new:
            return
        if new is None:
            text = f"remove stimulus {target.label}"
        else:
            text = f"drive {target.label} at {rate_hz:g} Hz" if on else f"switch off {target.label}"
        self.undo_stack.push(_SetEntry(self, "stimulus", target.key, new, text))

    def _set_entry(self, kind: str, key: str, entry: Lesion | Stimulus | None) -> None:
        if kind == "lesion":
            commands = self.experiment.set_lesion(key, entry)
        else:
            commands = self.experiment.set_stimulus(key, entry)
        for command in commands:
            self.send(command)
        (self.lesionsChanged if kind == "lesion" else self.stimuliChanged).emit()

    def lesion_state(self) -> np.ndarray:
        """Per cell: 0 intact, 1 silenced, 2 ablated."""
        return self.experiment.lesion_state(self.connectome.n)

    # -- selection, visibility, colours ----------------------------------------------------------
    def select(self, row: int) -> None:
        """Make cell ``row`` the selected one (-1: none)."""
        row = int(row)
        if row != self.selected:
            self.selected = row
            self.selectionChanged.emit(row)

    def set_hidden(self, rows: np.ndarray, hidden: bool) -> None:
        """Hide or show the cells ``rows`` in the 3D view and the raster."""
        self.hidden[np.asarray(rows, dtype=np.int64)] = hidden
        self.appearanceChanged.emit()

    def set_colour(self, key: str, colour: QColor | None) -> None:
        """Paint the group ``key`` in ``colour`` in the 3D view (None: its default colour)."""
        if colour is None:
            self.colours.pop(key, None)
        else:
            self.colours[key] = QColor(colour)
        self.appearanceChanged.emit()

    def colour_overrides(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, rgba float32 (k, 4)) of every coloured group, inner groups painted last."""
        if not self.colours:
            return np.zeros(0, np.int64), np.zeros((0, 4), np.float32)
        rgba = np.zeros((self.connectome.n, 4), np.float32)
        painted = np.zeros(self.connectome.n, bool)
        for key in sorted(self.colours, key=lambda k: k.count("/")):
            rows = self.tree.find(key).rows if key in self.tree.by_key else np.zeros(0, np.int64)
            rgba[rows] = self.colours[key].getRgbF()
            painted[rows] = True
        rows = np.flatnonzero(painted)
        return rows, rgba[rows]

    # -- traces -------------------------------------------------------------------------------
    def watch(self, target: Target, watched: bool = True) -> None:
        """Show (or stop showing) the population rate of ``target`` in the traces."""
        if watched:
            self.groups[target.key] = target
        else:
            self.groups.pop(target.key, None)
        self.send(SetGroups(tuple(t.label for t in self.groups.values()), tuple(t.rows for t in self.groups.values())))
        self.groupsChanged.emit()

    def probe(self, row: int, probed: bool = True) -> None:
        """Trace (or stop tracing) the voltage of cell ``row``."""
        row = int(row)
        if probed and row not in self.probes:
            self.probes = (self.probes + [row])[-MAX_PROBES:]
        elif not probed and row in self.probes:
            self.probes.remove(row)
        else:
            return
        self.send(SetProbes(tuple(self.probes)))
        self.probesChanged.emit()

    def cell_label(self, row: int) -> str:
        """A cell's name, or its id when it has none."""
        return self.connectome["name"][row] or f"id {int(self.connectome.ids[row])}"


class _SetEntry(QUndoCommand):
    """Set one lesion or stimulus entry; undo puts the previous entry back."""

    def __init__(self, session: Session, kind: str, key: str, new, text: str) -> None:
        super().__init__(text)
        self.session = session
        self.kind = kind
        self.key = key
        self.new = new
        table = session.experiment.lesions if kind == "lesion" else session.experiment.stimuli
        self.old = table.get(key)

    def redo(self) -> None:
        self.session._set_entry(self.kind, self.key, self.new)

    def undo(self) -> None:
        self.session._set_entry(self.kind, self.key, self.old)
