"""Lesions: silencing or ablating a selection of cells, reversibly, between any two steps.

``silence``
    The cell is held at rest (``v = v_0``, ``g = 0``), never spikes, and its chemical synapses
    carry nothing, including spikes it fired before the lesion that are still on their way. Its
    gap junctions stay: a silenced cell is an electrical partner clamped at rest, so it shunts
    the cells coupled to it towards ``v_0``.
``ablate``
    The cell is removed: it never spikes, its inputs do nothing, its outputs (in flight or not)
    are gone, and it leaves the gap-junction coupling.

Lesions stack: a cell is ablated while any ablation covers it, else silenced while any
silencing covers it. Undoing a lesion returns a cell to rest, not refractory, as if it had been
quiet all along.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from brainview.errors import ParameterError
from brainview.sim.kernels import ABLATED, NORMAL, SILENCED


class LesionMode(str, Enum):
    """How a lesion acts on its cells."""

    SILENCE = "silence"
    ABLATE = "ablate"

    @classmethod
    def parse(cls, text: str | LesionMode) -> LesionMode:
        """A mode from its name; ValueError naming the choices otherwise."""
        try:
            return cls(text if isinstance(text, LesionMode) else str(text).strip().lower())
        except ValueError:
            raise ParameterError(f"unknown lesion mode {text!r}; use 'silence' or 'ablate'") from None


@dataclass(frozen=True)
class LesionHandle:
    """Returned by :meth:`Simulation.lesion`; pass it to :meth:`Simulation.undo`."""

    serial: int


@dataclass(frozen=True, eq=False)
class Lesion:
    """One applied lesion: its cells (rows), mode, label and the step it took effect."""

    rows: np.ndarray
    mode: LesionMode
    label: str
    step: int


class LesionBook:
    """The lesions in force and the per-cell status they imply.

    Parameters
    ----------
    n : int
        Number of cells.
    """

    def __init__(self, n: int) -> None:
        self._silence = np.zeros(n, np.int32)
        self._ablate = np.zeros(n, np.int32)
        self._lesions: dict[int, Lesion] = {}
        self._next_serial = 0

    def add(self, lesion: Lesion) -> LesionHandle:
        """Record a lesion and return its handle."""
        counts = self._ablate if lesion.mode is LesionMode.ABLATE else self._silence
        counts[lesion.rows] += 1
        handle = LesionHandle(self._next_serial)
        self._next_serial += 1
        self._lesions[handle.serial] = lesion
        return handle

    def remove(self, handle: LesionHandle) -> Lesion:
        """Forget a lesion; KeyError if the handle is unknown or already undone."""
        if not isinstance(handle, LesionHandle) or handle.serial not in self._lesions:
            raise KeyError(f"no lesion in force with handle {handle!r} (already undone?)")
        lesion = self._lesions.pop(handle.serial)
        counts = self._ablate if lesion.mode is LesionMode.ABLATE else self._silence
        counts[lesion.rows] -= 1
        return lesion

    def clear(self) -> None:
        """Remove every lesion."""
        self._silence[:] = 0
        self._ablate[:] = 0
        self._lesions.clear()

    def status(self) -> np.ndarray:
        """uint8 per cell: NORMAL, SILENCED or ABLATED."""
        status = np.full(self._silence.shape, NORMAL, np.uint8)
        status[self._silence > 0] = SILENCED
        status[self._ablate > 0] = ABLATED
        return status
