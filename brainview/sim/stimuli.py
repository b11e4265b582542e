"""Stimuli: Poisson drive and current steps on any selection, added and removed while running.

``poisson``
    Each selected cell receives its own Poisson train at ``rate_Hz``; an event adds
    ``w_syn x f_poi`` to ``v`` (Shiu et al. 2024: with the defaults one event makes one spike).
    As in their Brian2 code, a Poisson-driven cell has no refractory period while driven.
``current``
    A step of injected current, given as the depolarisation it would hold at rest
    (``R x I``, mV), added to ``v_0 - v + g`` in the membrane equation until removed.

Overlapping stimuli add up: two Poisson stimuli on one cell are two independent trains, and
current amplitudes sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from brainview.sim.kernels import _GOLDEN, PoissonDrive

_MASK = 0xFFFFFFFFFFFFFFFF


class StimulusKind(str, Enum):
    """What a stimulus does to its cells."""

    POISSON = "poisson"
    CURRENT = "current"


@dataclass(frozen=True)
class StimulusHandle:
    """Returned by :meth:`Simulation.stimulate` and :meth:`Simulation.inject`."""

    serial: int


@dataclass(frozen=True, eq=False)
class Stimulus:
    """One stimulus in force: its cells (rows), kind, strength, label and start step.

    ``value`` is the rate in Hz (Poisson) or the amplitude in mV (current). ``stream`` names
    its random stream (a whole number below 2**63); None numbers it by the order of addition.
    ``frozen`` trains depend on the steps since ``step`` rather than on the step itself: the
    same frozen stimulus started again (an odour presented twice) draws the same trains.
    """

    rows: np.ndarray
    kind: StimulusKind
    value: float
    label: str
    step: int
    stream: int | None = None
    frozen: bool = False


def mix64(x: int) -> int:
    """The splitmix64 finaliser on a Python int (the same function as the kernels' ``mix64``)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix64_array(x: np.ndarray) -> np.ndarray:
    """:func:`mix64` of every entry of a uint64 array (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def stream_key(seed: int, trial: int, serial: int) -> int:
    """The random stream of stimulus number ``serial`` in trial ``trial`` of a run seeded ``seed``."""
    return mix64(mix64(mix64(seed) ^ (trial & _MASK)) ^ (serial & _MASK))


class StimulusBook:
    """The stimuli in force, and the drive arrays the kernels read.

    Parameters
    ----------
    n : int
        Number of cells.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._stimuli: dict[int, Stimulus] = {}
        self._next_serial = 0

    def add(self, stimulus: Stimulus) -> StimulusHandle:
        """Record a stimulus and return its handle."""
        handle = StimulusHandle(self._next_serial)
        self._next_serial += 1
        self._stimuli[handle.serial] = stimulus
        return handle

    def remove(self, handle: StimulusHandle) -> Stimulus:
        """Forget a stimulus; KeyError if the handle is unknown or already removed."""
        if not isinstance(handle, StimulusHandle) or handle.serial not in self._stimuli:
            raise KeyError(f"no stimulus in force with handle {handle!r} (already removed?)")
        return self._stimuli.pop(handle.serial)

    def clear(self) -> None:
        """Remove every stimulus (serial numbers keep counting)."""
        self._stimuli.clear()

    def poisson_drive(self, dt_ms: float, seed: int, trial: int) -> PoissonDrive:
        """One Bernoulli entry per (Poisson stimulus, cell), with its own random stream.

        The stream of an entry depends on the seed, the trial, the stimulus' ``stream`` (else its
        serial number) and the cell, so adding or removing another stimulus never changes it, and
        a stimulus with a named stream draws the same trains whenever it is added.
        """
        cells, probability, keys = [], [], []
        for serial, stimulus in self._stimuli.items():
            if stimulus.kind is not StimulusKind.POISSON:
                continue
            # Named streams have the top bit set, so they never meet a serial number's stream.
            base = stream_key(seed, trial, serial if stimulus.stream is None else stimulus.stream | 1 << 63)
            cells.append(stimulus.rows.astype(np.int32))
            probability.append(np.full(stimulus.rows.size, stimulus.value * dt_ms * 1e-3))
            key = mix64_array(np.uint64(base) ^ stimulus.rows.astype(np.uint64))
            if stimulus.frozen:  # uniform(key, step) mixes key + step x golden: shift the origin to the start
                with np.errstate(over="ignore"):
                    key = key - np.uint64(stimulus.step) * _GOLDEN
            keys.append(key)
        if not cells:
            return PoissonDrive(np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.uint64))
        return PoissonDrive(np.concatenate(cells), np.concatenate(probability), np.concatenate(keys))

    def driven(self) -> np.ndarray:
        """bool per cell: receives Poisson drive."""
        mask = np.zeros(self.n, bool)
        for stimulus in self._stimuli.values():
            if stimulus.kind is StimulusKind.POISSON:
                mask[stimulus.rows] = True
        return mask

    def injected_mV(self) -> np.ndarray:
        """float64 per cell: the summed current-step amplitude, mV."""
        total = np.zeros(self.n)
        for stimulus in self._stimuli.values():
            if stimulus.kind is StimulusKind.CURRENT:
                np.add.at(total, stimulus.rows, stimulus.value)
        return total
