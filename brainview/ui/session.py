"""The window's adapter of one :class:`~brainview.experiment.Experiment`: Qt signals and worker commands.

The experiment model (Qt-free, in :mod:`brainview.experiment`) holds everything the user set up;
a :class:`Session` follows it the way napari's vispy layers follow their layer models. It
subscribes to the model's changes, turns lesion, stimulus, probe and group changes into
commands for the simulation worker, and re-emits every change as a Qt signal the panels redraw
from. Panels change the experiment through the session's methods (which call the model's), so
every panel shows the same state, and undo and redo act on the model.

The session also writes the engine's log into the model: each lesion and stimulus command
carries a serial number, and when a snapshot reports that the engine applied it, at which step,
the change is recorded (:meth:`Session.record_changes`). When the engine starts again at t = 0,
the worker reports the interventions it kept at step 0, so the log always describes the run
from its start. When the engine is rewound to go on as a new branch, the session follows it
(:meth:`Session.follow_branch`): the experiment then holds what was in force at the fork point,
its log what came before it, and its undo history starts there.

Subsystem rules are applied live (:meth:`Session.apply_rules`): the session's connectome gets a
new ``subsystem`` column and the browser's tree is rebuilt, while the simulation runs on (its
engine never reads the labels). Lesions and stimuli keep their cells; traced groups and
colours of a subsystem follow it to its new cells and, when it is renamed, to its new name.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from brainview.connectome import Connectome
from brainview.connectome.subsystems import RuleFileError, SubsystemRules, apply_subsystems, resolve_rules
from brainview.errors import UnknownNameError
from brainview.experiment import CellSet, DatasetRef, Experiment, LesionEntry, StimulusEntry
from brainview.errors import ParameterError
from brainview.sim.params import recommended_params
from brainview.ui.celltree import CellTree
from brainview.ui.commands import (
    ApplyLesion, ApplyStimulus, BranchState, Change, Command, RemoveLesion, RemoveStimulus, SetGroups, SetModelParameters,
    SetPlasticity, SetProbes,
)

MAX_PROBES = 8
"""Most cells whose voltage is traced at once (the oldest probe goes first)."""


def dataset_recommendation(connectome: Connectome) -> tuple[dict[str, float], str]:
    """The model parameters ``connectome``'s metadata recommends and why, or ({}, the problem)
    for a recommendation that cannot be used (the dataset still opens, on the model's defaults)."""
    try:
        return recommended_params(connectome.meta, connectome.meta.get("name", "the dataset")), ""
    except ParameterError as error:
        return {}, str(error)


class Session(QObject):
    """One dataset open in the window, adapting its experiment for the panels and the worker.

    Parameters
    ----------
    connectome : Connectome
        The dataset.
    send : callable
        Delivers a worker command (the worker's ``submit``).
    experiment : Experiment, optional
        The experiment to show (opened from a file); a new, empty one by default.
    dataset : DatasetRef, optional
        Where ``connectome`` came from, for a new experiment.
    """

    lesionsChanged = Signal()
    stimuliChanged = Signal()
    selectionChanged = Signal(int)
    appearanceChanged = Signal()
    groupsChanged = Signal()
    probesChanged = Signal()
    historyChanged = Signal()
    modelChanged = Signal()
    subsystemsChanged = Signal()

    def __init__(
        self,
        connectome: Connectome,
        send: Callable[[Command], None],
        parent: QObject | None = None,
        experiment: Experiment | None = None,
        dataset: DatasetRef | None = None,
    ) -> None:
        super().__init__(parent)
        self.connectome = connectome
        self.tree = CellTree.build(connectome)
        self.rules = _recorded_rules(connectome)
        # A new experiment starts from the parameters the dataset recommends (the model's defaults
        # where it recommends none); an experiment file brings its own.
        self.experiment = experiment or Experiment(
            connectome, dataset or DatasetRef(None, ""), params=dataset_recommendation(connectome)[0])
        self.send = send
        # What the worker was told is in force, by key: a change sends the difference.
        self._sent: dict[tuple[str, str], LesionEntry | StimulusEntry] = {}
        # serial of each command sent -> (kind, key, entry), for the log when the engine applies it.
        self._commands: dict[int, tuple[str, str, LesionEntry | StimulusEntry | None]] = {}
        self._unsubscribe = self.experiment.subscribe(self._on_model_change)

    def start(self) -> None:
        """Tell a new worker everything the experiment holds (after it is created)."""
        if self.experiment.params:
            self.send(SetModelParameters(tuple(self.experiment.params.items())))
        if self.experiment.plasticity is not None:
            self.send(SetPlasticity(self.experiment.plasticity, self.experiment.plasticity_by))
        for kind, table in (("lesions", self.experiment.lesions), ("stimuli", self.experiment.stimuli)):
            for key in table:
                self._sync(kind, key)
        self._send_groups()
        if self.experiment.probes:
            self.send(SetProbes(tuple(self.experiment.probes)))

    def close(self) -> None:
        """Stop following the experiment (the window opens another)."""
        self._unsubscribe()

    # -- following the model ----------------------------------------------------------------------
    def _on_model_change(self, aspect: str, key: object) -> None:
        if aspect in ("lesions", "stimuli"):
            self._sync(aspect, key)
            (self.lesionsChanged if aspect == "lesions" else self.stimuliChanged).emit()
        elif aspect == "groups":
            self._send_groups()
            self.groupsChanged.emit()
        elif aspect == "probes":
            self.send(SetProbes(tuple(self.experiment.probes)))
            self.probesChanged.emit()
        elif aspect == "view":
            if "selected" in key:
                self.selectionChanged.emit(self.experiment.view.selected)
            if {"hidden", "colours", "color_by"} & set(key):
                self.appearanceChanged.emit()
        elif aspect == "history":
            self.historyChanged.emit()
        elif aspect == "model":
            self.send(SetModelParameters(tuple(self.experiment.params.items())))
            self.modelChanged.emit()
        elif aspect == "plasticity":
            self.send(SetPlasticity(self.experiment.plasticity, self.experiment.plasticity_by))

    def _sync(self, table: str, key: str) -> None:
        """Send the worker what changed for ``key``: the old entry out, the new one in."""
        kind = "lesion" if table == "lesions" else "stimulus"
        entry = getattr(self.experiment, table).get(key)
        if isinstance(entry, StimulusEntry) and not entry.on:
            entry = None  # listed, switched off: nothing in the engine
        old = self._sent.pop((kind, key), None)
        if old == entry:
            if old is not None:
                self._sent[(kind, key)] = old
            return
        if old is not None:
            remove = RemoveLesion(key, f"restore {old.cells.label}") if kind == "lesion" else \
                RemoveStimulus(key, f"stop {old.cells.label}")
            self._commands[remove.serial] = (kind, key, None)
            self.send(remove)
        if entry is not None:
            if kind == "lesion":
                command = ApplyLesion(key, entry.text, entry.cells.rows, entry.mode)
            else:
                command = ApplyStimulus(key, entry.text, entry.cells.rows, entry.rate_Hz, stream=entry.stream)
            self._sent[(kind, key)] = entry
            self._commands[command.serial] = (kind, key, entry)
            self.send(command)

    def _send_groups(self) -> None:
        groups = self.experiment.groups.values()
        self.send(SetGroups(tuple(g.label for g in groups), tuple(g.rows for g in groups)))

    def record_changes(self, changes: tuple[Change, ...], new_run: bool = False) -> None:
        """Write the changes a snapshot reports into the experiment's log, at their steps.

        ``new_run``: the engine started again at t = 0 (a reset or new parameters); the log
        starts afresh, with the interventions the engine kept, which the worker reports at step 0.
        """
        if new_run:
            self.experiment.clear_log()
        for change in changes:
            command = self._commands.get(change.serial)
            if command is not None:
                self.experiment.record(change.step, *command)

    def follow_branch(self, state: BranchState) -> None:
        """The engine was rewound (a new branch, ``state``): the experiment holds what is in
        force at the fork point, which the engine already has (nothing is sent)."""
        in_force = [self._commands[s] for s in state.in_force if s in self._commands]
        self._sent = {(kind, key): entry for kind, key, entry in in_force if entry is not None}
        lesions = {key: entry for (kind, key), entry in self._sent.items() if kind == "lesion"}
        stimuli = {key: entry for (kind, key), entry in self._sent.items() if kind == "stimulus"}
        self.experiment.start_branch(lesions, stimuli, state.fork_step)

    # -- lesions and stimuli (undoable, on the model) ------------------------------------------------
    def lesion(self, target: CellSet, mode: str | None) -> None:
        """Lesion ``target`` (``silence``/``ablate``) or lift its lesion (None), undoably."""
        self.experiment.set_lesion(target, mode)

    def stimulate(self, target: CellSet, rate_hz: float | None, on: bool = True) -> None:
        """Drive ``target`` at ``rate_hz`` (None removes the stimulus), undoably."""
        self.experiment.set_stimulus(target, rate_hz, on)

    def undo(self) -> None:
        """Take back the last lesion or stimulus change."""
        self.experiment.undo()

    def redo(self) -> None:
        """Do again the change last taken back."""
        self.experiment.redo()

    def lesion_state(self) -> np.ndarray:
        """Per cell: 0 intact, 1 silenced, 2 ablated."""
        return self.experiment.lesion_state()

    # -- selection, visibility, colours (the experiment's view state) ----------------------------------
    @property
    def selected(self) -> int:
        """Row of the selected cell, -1 for none."""
        return self.experiment.view.selected

    def select(self, row: int) -> None:
        """Make cell ``row`` the selected one (-1: none)."""
        self.experiment.set_view(selected=int(row))

    @property
    def hidden(self) -> np.ndarray:
        """bool per cell: hidden from the 3D view and the raster (a new array; change it with
        :meth:`set_hidden` or :meth:`set_hidden_mask`)."""
        mask = np.zeros(self.connectome.n, bool)
        mask[self.experiment.view.hidden] = True
        return mask

    def set_hidden(self, rows: np.ndarray, hidden: bool) -> None:
        """Hide or show the cells ``rows`` in the 3D view and the raster."""
        mask = self.hidden
        mask[np.asarray(rows, dtype=np.int64)] = hidden
        self.set_hidden_mask(mask)

    def set_hidden_mask(self, mask: np.ndarray) -> None:
        """Hide exactly the cells where ``mask`` is True."""
        self.experiment.set_view(hidden=np.flatnonzero(mask))

    @property
    def colours(self) -> dict[str, QColor]:
        """The colour the user gave each group key."""
        return {key: QColor(code) for key, code in self.experiment.view.colours.items()}

    def set_colour(self, key: str, colour: QColor | None) -> None:
        """Paint the group ``key`` in ``colour`` in the 3D view (None: its default colour)."""
        colours = dict(self.experiment.view.colours)
        if colour is None:
            colours.pop(key, None)
        else:
            colours[key] = QColor(colour).name()
        self.experiment.set_view(colours=colours)

    def colour_overrides(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, rgba float32 (k, 4)) of every coloured group, inner groups painted last."""
        colours = self.colours
        if not colours:
            return np.zeros(0, np.int64), np.zeros((0, 4), np.float32)
        rgba = np.zeros((self.connectome.n, 4), np.float32)
        painted = np.zeros(self.connectome.n, bool)
        for key in sorted(colours, key=lambda k: k.count("/")):
            rows = self.tree.find(key).rows if key in self.tree.by_key else np.zeros(0, np.int64)
            rgba[rows] = colours[key].getRgbF()
            painted[rows] = True
        rows = np.flatnonzero(painted)
        return rows, rgba[rows]

    # -- subsystem rules ------------------------------------------------------------------------
    def apply_rules(self, rules: SubsystemRules, renamed: dict[str, str] | None = None) -> None:
        """Label the cells with ``rules`` now, while the simulation runs on.

        Parameters
        ----------
        rules : SubsystemRules
            The new rules.
        renamed : dict of str to str, optional
            Old label -> new label of groups renamed by this change: their traced rates and
            colours keep following them.
        """
        renamed = renamed or {}
        self.connectome = apply_subsystems(self.connectome, rules)
        self.experiment.connectome = self.connectome
        self.rules = rules
        self.tree = CellTree.build(self.connectome)
        traced = list(self.experiment.groups.values())
        followed = [self._followed(cells, renamed) for cells in traced]
        if followed != traced:
            for cells in traced:
                self.experiment.set_group(cells, False)
            for cells in followed:
                self.experiment.set_group(cells, True)
        colours = {self._followed_key(key, renamed): code for key, code in self.experiment.view.colours.items()}
        self.experiment.set_view(colours=colours)
        self.subsystemsChanged.emit()

    def _followed_key(self, key: str, renamed: dict[str, str]) -> str:
        head, sep, rest = key.partition("/")
        column, _, label = head.partition("=")
        if column != "subsystem":
            return key
        return f"subsystem={renamed.get(label, label)}{sep}{rest}"

    def _followed(self, cells: CellSet, renamed: dict[str, str]) -> CellSet:
        """A traced subsystem group with its new name and cells (others, or one gone, as they were)."""
        key = self._followed_key(cells.key, renamed)
        node = self.tree.by_key.get(key)
        if not key.startswith("subsystem=") or node is None:
            return cells
        return node.target()

    def subsystem_colours(self) -> dict[str, tuple[float, float, float, float]]:
        """RGBA of every subsystem label the rules colour (empty without rules)."""
        if self.rules is None:
            return {}
        return {label: QColor(code).getRgbF() for label, code in self.rules.colours.items()}

    # -- traces -------------------------------------------------------------------------------
    @property
    def groups(self) -> dict[str, CellSet]:
        """The groups whose population rates are traced, by key."""
        return self.experiment.groups

    def watch(self, target: CellSet, watched: bool = True) -> None:
        """Show (or stop showing) the population rate of ``target`` in the traces."""
        self.experiment.set_group(target, watched)

    @property
    def probes(self) -> list[int]:
        """The cells whose voltage is traced, oldest first."""
        return self.experiment.probes

    def probe(self, row: int, probed: bool = True) -> None:
        """Trace (or stop tracing) the voltage of cell ``row``."""
        row = int(row)
        probes = list(self.experiment.probes)
        if probed and row not in probes:
            probes = (probes + [row])[-MAX_PROBES:]
        elif not probed and row in probes:
            probes.remove(row)
        self.experiment.set_probes(probes)

    def cell_label(self, row: int) -> str:
        """A cell's name, or its id when it has none."""
        return self.connectome["name"][row] or f"id {int(self.connectome.ids[row])}"


def _recorded_rules(connectome: Connectome) -> SubsystemRules | None:
    """The rules ``meta["subsystem_rules"]`` names (as the 3D view's palette finds them), or None."""
    recorded = connectome.meta.get("subsystem_rules")
    if not recorded or not (recorded.endswith(".toml") or not any(c in recorded for c in "/\\")):
        return None  # a name, or a .toml file: a data file's metadata opens nothing else
    try:
        return resolve_rules(recorded)
    except (OSError, RuleFileError, UnknownNameError):
        return None
