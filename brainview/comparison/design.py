"""A comparison as data: control against one or more lesion conditions, over independent trials.

A :class:`Comparison` names everything a run needs: the dataset and its model parameters, the
stimuli with their times, the readouts (the groups whose mean rates are compared), the lesion
conditions (each a set of lesions with mode and time; the control has none), the number of
trials per condition, the duration and the seed. It is checked when made, so a run never starts
on a design that cannot finish.

Every trial draws its own Poisson trains from the seed, the condition's name and the trial
number (:func:`trial_stream`): a trial gives the same spikes wherever it runs (this process, a
local cluster, a remote worker), and adding a condition to a screen changes no other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from brainview.connectome import Connectome
from brainview.errors import ParameterError
from brainview.experiment.model import CellSet, DatasetRef
from brainview.sim.lesions import LesionMode
from brainview.sim.params import ShiuParams, check_dt, steps_of

CONTROL = "control"
"""The name of the condition without lesions."""


@dataclass(frozen=True)
class Drive:
    """Poisson drive of ``cells`` at ``rate_Hz`` from ``start_ms`` to ``stop_ms`` (None: the end)."""

    cells: CellSet
    rate_Hz: float = 150.0
    start_ms: float = 0.0
    stop_ms: float | None = None

    @property
    def text(self) -> str:
        until = f"-{self.stop_ms:g} ms" if self.stop_ms is not None else ""
        when = f" from {self.start_ms:g}{until or ' ms'}" if self.start_ms or until else ""
        return f"drive {self.cells.label} {self.rate_Hz:g} Hz{when}"


@dataclass(frozen=True)
class Lesion:
    """``cells`` silenced or ablated from ``time_ms`` to the end of the trial."""

    cells: CellSet
    mode: LesionMode = LesionMode.SILENCE
    time_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", LesionMode.parse(self.mode))

    @property
    def text(self) -> str:
        return f"{self.mode.value} {self.cells.label}" + (f" at {self.time_ms:g} ms" if self.time_ms else "")


@dataclass(frozen=True)
class Condition:
    """A named set of lesions compared against the control."""

    name: str
    lesions: tuple[Lesion, ...]

    @property
    def fingerprint(self) -> str:
        """A digest of the lesions (cells, modes, times): a finished condition is reused only if equal."""
        return _digest([(_cells_digest(l.cells), l.mode.value, l.time_ms) for l in self.lesions])


@dataclass(frozen=True, eq=False)
class Comparison:
    """Control against ``conditions`` on ``connectome``; see the module docstring.

    Parameters
    ----------
    connectome, dataset
        The network and where it came from (its digest makes a saved comparison findable).
    stimuli : tuple of Drive
        The drive every condition gets.
    readouts : tuple of CellSet
        The groups whose mean rates are compared, over ``readout_from_ms`` to the end.
    conditions : tuple of Condition
        The lesion conditions (the control, :data:`CONTROL`, is implicit and has no lesions).
    trials : int
        Independent trials per condition (at least 2: the statistics need a spread).
    duration_ms, dt_ms : float
        Length of a trial and the time step, ms.
    seed : int
        Seed of every trial's Poisson trains (with the condition and the trial number).
    params : dict of str to float
        Overrides of :class:`~brainview.sim.ShiuParams` by field name.
    readout_from_ms : float
        Start of the window the readout rates are counted over (spikes before it are ignored).
    plasticity : PlasticityRule, optional
        Dopamine-gated plasticity (:mod:`brainview.sim.plasticity`) in every trial; each trial
        starts from the connectome's weights.

    Raises
    ------
    ParameterError
        For anything a run could not finish with; the message names the part.
    """

    connectome: Connectome
    dataset: DatasetRef
    stimuli: tuple[Drive, ...]
    readouts: tuple[CellSet, ...]
    conditions: tuple[Condition, ...]
    trials: int = 10
    duration_ms: float = 1000.0
    dt_ms: float = 0.1
    seed: int = 0
    params: dict[str, float] = field(default_factory=dict)
    readout_from_ms: float = 0.0
    plasticity: object = None

    def __post_init__(self) -> None:
        for name in ("stimuli", "readouts", "conditions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "params", {str(k): float(v) for k, v in self.params.items()})
        self.check()

    def check(self) -> None:
        """Raise :class:`ParameterError` unless every trial of every condition can run."""
        check_whole(self.trials, "trials per condition", 2)
        check_whole(self.seed, "the seed", 0)
        self.model_params()
        dt_ms = check_dt(self.dt_ms)
        if not (np.isfinite(self.duration_ms) and self.duration_ms > 0):
            raise ParameterError(f"the duration must be positive, was {self.duration_ms:g} ms")
        n_steps = steps_of(self.duration_ms, dt_ms, "the duration")
        if not 0 <= self.readout_from_ms < self.duration_ms:
            raise ParameterError(
                f"the readout window must start within the trial (0 to {self.duration_ms:g} ms), "
                f"was {self.readout_from_ms:g} ms"
            )
        steps_of(self.readout_from_ms, dt_ms, "the readout start")
        if not self.readouts:
            raise ParameterError("a comparison needs at least one readout: the cells whose rates are compared")
        if not self.conditions:
            raise ParameterError("a comparison needs at least one lesion condition to compare with the control")
        labels = [r.label for r in self.readouts]
        for label in labels:
            if labels.count(label) > 1:
                raise ParameterError(f"two readouts are called {label!r}; each readout needs its own label")
        names = [c.name for c in self.conditions]
        for name in names:
            if not name.strip() or name == CONTROL or names.count(name) > 1:
                raise ParameterError(
                    f"condition names must be unique, not empty and not {CONTROL!r}; {name!r} is not"
                )
        for cells in self.readouts + tuple(d.cells for d in self.stimuli) + tuple(
            l.cells for c in self.conditions for l in c.lesions
        ):
            if cells.rows.size == 0 or cells.rows[-1] >= self.connectome.n:
                raise ParameterError(f"{cells.label!r} names no cell of this dataset")
        for drive in self.stimuli:
            if not (np.isfinite(drive.rate_Hz) and drive.rate_Hz >= 0):
                raise ParameterError(f"{drive.text}: the rate must be zero or more Hz")
            start = _step(drive.start_ms, dt_ms, n_steps, f"{drive.text}: the start")
            if drive.stop_ms is not None and _step(drive.stop_ms, dt_ms, n_steps + 1, f"{drive.text}: the stop") <= start:
                raise ParameterError(f"{drive.text}: it stops before it starts")
        for condition in self.conditions:
            if not condition.lesions:
                raise ParameterError(f"condition {condition.name!r} has no lesion; it would be a second control")
            for lesion in condition.lesions:
                _step(lesion.time_ms, dt_ms, n_steps, f"condition {condition.name!r}, {lesion.text}")

    @property
    def n_steps(self) -> int:
        """Steps per trial."""
        return steps_of(self.duration_ms, self.dt_ms, "the duration")

    @property
    def condition_names(self) -> tuple[str, ...]:
        """The control's name, then every lesion condition's, in order."""
        return (CONTROL,) + tuple(c.name for c in self.conditions)

    def condition(self, name: str) -> Condition:
        """The condition called ``name`` (the control: a condition without lesions)."""
        if name == CONTROL:
            return Condition(CONTROL, ())
        for condition in self.conditions:
            if condition.name == name:
                return condition
        raise ParameterError(f"no condition called {name!r}; the conditions are {', '.join(self.condition_names)}")

    def model_params(self) -> ShiuParams:
        """The model parameters with this comparison's overrides (ParameterError for an unknown name)."""
        unknown = sorted(set(self.params) - set(ShiuParams().to_dict()))
        if unknown:
            raise ParameterError(
                f"unknown model parameter {unknown[0]!r}; the parameters are {', '.join(ShiuParams().to_dict())}"
            )
        return ShiuParams().replace(**self.params)

    @property
    def fingerprint(self) -> str:
        """A digest of everything but the lesion conditions: finished conditions of another design are never reused."""
        design = {
            "dataset": self.dataset.digest,
            "stimuli": [(_cells_digest(d.cells), d.rate_Hz, d.start_ms, d.stop_ms) for d in self.stimuli],
            "readouts": [(r.label, _cells_digest(r)) for r in self.readouts],
            "trials": int(self.trials), "duration_ms": self.duration_ms, "dt_ms": self.dt_ms,
            "seed": int(self.seed), "params": sorted(self.model_params().to_dict().items()),
            "readout_from_ms": self.readout_from_ms,
        }
        if self.plasticity is not None:  # absent otherwise: the digests of earlier designs stay as they were
            design["plasticity"] = repr(self.plasticity)  # a dataclass of selectors and numbers: every field
        return _digest(design)


def check_whole(value: object, what: str, minimum: int) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        least = ", zero or more" if minimum == 0 else f" of at least {minimum}"
        raise ParameterError(f"{what} must be a whole number{least}, was {value!r}")


def trial_stream(condition: str, trial: int) -> int:
    """The trial number the engine is given for trial ``trial`` of ``condition`` (a 63-bit number).

    It comes from the condition's name, not its position, so conditions added to or removed from
    a screen leave the others' trains unchanged.
    """
    digest = hashlib.sha256(f"{condition}\0{int(trial)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def _step(time_ms: float, dt_ms: float, n_steps: int, what: str) -> int:
    if not (np.isfinite(time_ms) and time_ms >= 0):
        raise ParameterError(f"{what} must be a time of zero or more ms, was {time_ms!r}")
    step = steps_of(time_ms, dt_ms, what)
    if step >= n_steps:
        raise ParameterError(f"{what} ({time_ms:g} ms) is not before the end of the trial")
    return step


def _cells_digest(cells: CellSet) -> str:
    return hashlib.sha256(np.ascontiguousarray(cells.rows, dtype="<i8").tobytes()).hexdigest()[:16]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
