"""The experiment model: everything a user sets up on one dataset, as plain data, without Qt.

One :class:`Experiment` serves the window, the command line, notebooks and experiment files:

- what it runs on: the dataset (:class:`DatasetRef`, path and digest), the model and its
  parameter overrides, ``dt``, the seed and the plasticity rule of a plastic run;
- what the user did: lesions and stimuli by key (:class:`LesionEntry`, :class:`StimulusEntry`),
  and the log of when each change took effect in the running engine (:class:`LogRecord`);
- what is recorded: probed cells and the groups whose population rates are traced;
- what the window shows (:class:`ViewState`): colour field, selection, camera, group colours.

Changes go through methods that record them in :attr:`Experiment.history` (undo and redo act
on the model) and tell the observers registered with :meth:`Experiment.subscribe` what changed,
the way napari's layers emit events that their vispy adapters follow. The window's
:class:`~brainview.ui.session.Session` is one such observer: it turns changes into commands
for the simulation worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.arrays import frozen
from brainview.errors import ParameterError
from brainview.experiment.history import Change, History
from brainview.sim.lesions import LesionMode

ASPECTS = ("lesions", "stimuli", "groups", "probes", "view", "model", "plasticity", "log", "history")
"""What an observer is told changed (the first argument of its callback)."""


@dataclass(frozen=True, eq=False)
class CellSet:
    """A named set of cells the user can lesion, drive, trace, colour or hide.

    Parameters
    ----------
    key : str
        Stable identity: a browser node (``"cell_type=AVA"``,
        ``"subsystem=steering/cell_class=motor"``), a selector (``"selector:type:AVA"``) or one
        cell (``"cell:<id>"``).
    label : str
        Short words for lists, menus and trace markers.
    rows : numpy.ndarray
        The cells, as sorted, unique int64 rows of the experiment's connectome (read-only).
    """

    key: str
    label: str
    rows: np.ndarray

    def __post_init__(self) -> None:
        rows = np.unique(np.asarray(self.rows, dtype=np.int64))
        object.__setattr__(self, "rows", frozen(rows))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellSet) and other.key == self.key and np.array_equal(other.rows, self.rows)

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"CellSet({self.key!r}, {self.label!r}, {self.rows.size} cells)"


@dataclass(frozen=True, eq=True)
class LesionEntry:
    """``cells`` silenced or ablated (see :mod:`brainview.sim.lesions`)."""

    cells: CellSet
    mode: LesionMode = LesionMode.SILENCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", LesionMode.parse(self.mode))

    @property
    def text(self) -> str:
        """``"silence AVA"``: the words of its trace marker."""
        return f"{self.mode.value} {self.cells.label}"


@dataclass(frozen=True, eq=True)
class StimulusEntry:
    """Poisson drive of ``cells`` at ``rate_Hz``; ``on`` False keeps it listed but silent."""

    cells: CellSet
    rate_Hz: float = 150.0
    on: bool = True

    def __post_init__(self) -> None:
        if not (np.isfinite(self.rate_Hz) and self.rate_Hz > 0):
            raise ParameterError(f"a stimulus rate must be a number of Hz above 0, was {self.rate_Hz!r}")
        object.__setattr__(self, "rate_Hz", float(self.rate_Hz))

    @property
    def stream(self) -> int:
        """The Poisson random stream of this stimulus, from its key: a replay draws the same trains."""
        return stream_of(self.cells.key)

    @property
    def text(self) -> str:
        """``"drive ASH 150 Hz"``: the words of its trace marker."""
        return f"drive {self.cells.label} {self.rate_Hz:g} Hz"


def stream_of(key: str) -> int:
    """A stable 63-bit random-stream number for the stimulus called ``key``."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1


@dataclass(frozen=True)
class LogRecord:
    """A change as the engine applied it: from step ``step`` on, ``key`` holds ``entry``.

    ``kind`` is ``"lesion"`` or ``"stimulus"``; ``entry`` is the new :class:`LesionEntry` or
    :class:`StimulusEntry`, or None when the lesion was lifted or the stimulus stopped.
    """

    step: int
    kind: str
    key: str
    entry: LesionEntry | StimulusEntry | None


@dataclass(frozen=True)
class DatasetRef:
    """The dataset an experiment runs on.

    ``path`` is None for the embedded default dataset; ``digest`` is
    :func:`brainview.connectome.digest.connectome_digest` of its contents, so a moved or
    changed file is recognised on open.
    """

    path: str | None
    digest: str
    name: str = ""
    digest_name: str = "sha256"


@dataclass(frozen=True)
class ViewState:
    """What the window shows, as plain data.

    Parameters
    ----------
    color_by : str or None
        The column (or ``"activity"``) the cells are coloured by; None for the dataset's default.
    selected : int
        Row of the selected cell, -1 for none.
    camera : dict
        The camera's plain parameters (``center``, ``distance``, ``azimuth``, ``elevation``,
        ``fov``), empty for the dataset's default view.
    colours : dict of str to str
        ``#rrggbb`` colour of each group key the user painted.
    hidden : numpy.ndarray
        Rows of the cells hidden from the view and the raster.
    """

    color_by: str | None = None
    selected: int = -1
    camera: dict = field(default_factory=dict)
    colours: dict = field(default_factory=dict)
    hidden: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", frozen(np.unique(np.asarray(self.hidden, dtype=np.int64))))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ViewState) and (self.color_by, self.selected, self.camera, self.colours)
            == (other.color_by, other.selected, other.camera, other.colours)
            and np.array_equal(self.hidden, other.hidden)
        )


Observer = Callable[[str, object], None]
"""``observer(aspect, detail)``: ``aspect`` is one of :data:`ASPECTS`; ``detail`` the key changed or None."""


class Experiment:
    """One experiment on one dataset; see the module docstring.

    Parameters
    ----------
    connectome : Connectome
        The dataset (rows of every :class:`CellSet` refer to it).
    dataset : DatasetRef
        Where it came from.
    params : dict of str to float, optional
        Overrides of :class:`~brainview.sim.ShiuParams` by field name (``{"w_syn_mV": 1.4}``).
    dt_ms : float
        Time step, ms.
    seed : int
        Seed of the Poisson drive.
    model : str
        Name of the neuron model in the plugin registry.

    Attributes
    ----------
    plasticity : PlasticityRule or None
        The dopamine-gated plasticity of a plastic run (:mod:`brainview.sim.plasticity`), None
        for a run without; set with :meth:`set_plasticity`.
    plasticity_by : str
        The column whose labels the plastic weights are summed by for display.
    """

    def __init__(
        self,
        connectome: Connectome,
        dataset: DatasetRef,
        params: dict[str, float] | None = None,
        dt_ms: float = 0.1,
        seed: int = 0,
        model: str = "shiu",
    ) -> None:
        self.connectome = connectome
        self.dataset = dataset
        self.model = model
        self.params: dict[str, float] = dict(params or {})
        self.dt_ms = float(dt_ms)
        self.seed = int(seed)
        self.lesions: dict[str, LesionEntry] = {}
        self.stimuli: dict[str, StimulusEntry] = {}
        self.groups: dict[str, CellSet] = {}
        self.probes: list[int] = []
        self.view = ViewState()
        self.log: list[LogRecord] = []
        self.history = History()
        self.plasticity = None
        self.plasticity_by = "cell_type"
        self._observers: list[Observer] = []

    def __repr__(self) -> str:
        name = self.dataset.name or self.connectome.meta.get("name", "connectome")
        return (
            f"<Experiment on {name!r}: {len(self.lesions)} lesions, {len(self.stimuli)} stimuli, "
            f"{len(self.groups)} traced groups, {len(self.probes)} probes, seed {self.seed}>"
        )

    # -- observers ---------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(aspect, key)`` after every change; returns the function that unsubscribes."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _notify(self, aspect: str, detail: object = None) -> None:
        for observer in list(self._observers):
            observer(aspect, detail)

    # -- lesions and stimuli (undoable) -------------------------------------------------------
    def set_lesion(self, cells: CellSet, mode: LesionMode | str | None) -> None:
        """Lesion ``cells`` in ``mode`` (``"silence"``/``"ablate"``), or lift its lesion (None)."""
        new = None if mode is None else LesionEntry(cells, mode)
        text = f"lift lesion of {cells.label}" if new is None else new.text
        self._change("lesions", cells.key, new, text)

    def set_stimulus(self, cells: CellSet, rate_Hz: float | None, on: bool = True) -> None:
        """Drive ``cells`` at ``rate_Hz`` (None removes the stimulus); ``on`` False pauses it."""
        new = None if rate_Hz is None else StimulusEntry(cells, rate_Hz, on)
        if new is None:
            text = f"remove stimulus {cells.label}"
        else:
            text = f"drive {cells.label} at {rate_Hz:g} Hz" if on else f"switch off {cells.label}"
        self._change("stimuli", cells.key, new, text)

    def _change(self, table: str, key: str, new, text: str) -> None:
        old = getattr(self, table).get(key)
        if old == new:
            return
        self.history.record(Change(text, table, key, old, new))
        self._put(table, key, new)
        self._notify("history", None)

    def _put(self, table: str, key: str, entry) -> None:
        entries = getattr(self, table)
        if entry is None:
            entries.pop(key, None)
        else:
            entries[key] = entry
        self._notify(table, key)

    def undo(self) -> None:
        """Take back the last lesion or stimulus change."""
        if self.history.undo(self._put) is not None:
            self._notify("history", None)

    def redo(self) -> None:
        """Do again the change last taken back."""
        if self.history.redo(self._put) is not None:
            self._notify("history", None)

    def lesion_state(self) -> np.ndarray:
        """int8 per cell: 0 intact, 1 silenced, 2 ablated (ablation wins where lesions overlap)."""
        state = np.zeros(self.connectome.n, np.int8)
        for lesion in self.lesions.values():
            code = 2 if lesion.mode is LesionMode.ABLATE else 1
            state[lesion.cells.rows] = np.maximum(state[lesion.cells.rows], code)
        return state

    def driven_mask(self) -> np.ndarray:
        """bool per cell: a switched-on stimulus drives it."""
        mask = np.zeros(self.connectome.n, bool)
        for stimulus in self.stimuli.values():
            if stimulus.on:
                mask[stimulus.cells.rows] = True
        return mask

    # -- the engine's log -----------------------------------------------------------------------
    def record(self, step: int, kind: str, key: str, entry: LesionEntry | StimulusEntry | None) -> None:
        """Note that the running engine applied a change at ``step`` (the worker reports it)."""
        self.log.append(LogRecord(int(step), kind, key, entry))
        self._notify("log", key)

    def start_branch(self, lesions: dict[str, LesionEntry], stimuli: dict[str, StimulusEntry], fork_step: int) -> None:
        """The engine was rewound to ``fork_step`` to go on as a new branch: ``lesions`` and
        ``stimuli`` are in force there, the log keeps what came before that step, and the undo
        history starts afresh (:mod:`brainview.experiment.branches`)."""
        self.lesions, self.stimuli = dict(lesions), dict(stimuli)
        self.log = [record for record in self.log if record.step < fork_step]
        self.history.clear()
        for aspect in ("lesions", "stimuli", "log", "history"):
            self._notify(aspect, None)

    def clear_log(self) -> None:
        """Forget the log: the engine starts a new run (it reports what it keeps at step 0)."""
        self.log = []
        self._notify("log", None)

    # -- recording and the model ----------------------------------------------------------------
    def set_group(self, cells: CellSet, traced: bool = True) -> None:
        """Trace (or stop tracing) the population rate of ``cells``."""
        if traced == (cells.key in self.groups):
            return
        if traced:
            self.groups[cells.key] = cells
        else:
            del self.groups[cells.key]
        self._notify("groups", cells.key)

    def set_probes(self, rows: list[int]) -> None:
        """Record the voltage of these cells (rows, in order)."""
        rows = [int(r) for r in rows]
        if any(not 0 <= r < self.connectome.n for r in rows):
            raise ParameterError(f"probe rows must lie in [0, {self.connectome.n - 1}], got {rows}")
        if rows != self.probes:
            self.probes = rows
            self._notify("probes", None)

    def set_params(self, params: dict[str, float]) -> None:
        """Replace the model's parameter overrides (the engine restarts at t = 0)."""
        params = {str(k): float(v) for k, v in params.items()}
        if params != self.params:
            self.params = params
            self._notify("model", None)

    def set_plasticity(self, rule, by: str = "cell_type") -> None:
        """Run with the plasticity ``rule`` (a :class:`~brainview.sim.plasticity.PlasticityRule`),
        or without (None); the weights are shown summed by the labels of column ``by``. The
        engine restarts at t = 0."""
        if (rule, by) != (self.plasticity, self.plasticity_by):
            self.plasticity, self.plasticity_by = rule, str(by)
            self._notify("plasticity", None)

    def set_view(self, **changes) -> None:
        """Change fields of :attr:`view` (``color_by``, ``selected``, ``camera``, ``colours``, ``hidden``)."""
        view = replace(self.view, **changes)
        if view != self.view:
            self.view = view
            self._notify("view", tuple(changes))
