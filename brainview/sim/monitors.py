"""Recording: every spike, probe voltages, and binned spike rates per group of cells.

Monitors record; the engine fills them after each chunk of steps. They are built for a reader
that polls (a GUI worker, a notebook): each has a cursor-based ``since`` so a reader takes only
what is new, without copying what it already has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.categorical import Categorical
from brainview.errors import ParameterError


class SpikeRecord:
    """All spikes of a run as (step, cell) pairs, in the order they happened."""

    def __init__(self) -> None:
        self._steps: list[np.ndarray] = []
        self._cells: list[np.ndarray] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, steps: np.ndarray, cells: np.ndarray) -> None:
        """Add the spikes of one chunk (copies are kept)."""
        if steps.size:
            self._steps.append(np.array(steps, dtype=np.int64))
            self._cells.append(np.array(cells, dtype=np.int32))
            self._count += steps.size

    def clear(self) -> None:
        """Forget every spike."""
        self._steps.clear()
        self._cells.clear()
        self._count = 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps int64, cells int32) of every spike so far."""
        return self.since(0)[:2]

    def since(self, cursor: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Spikes recorded after the first ``cursor`` ones, and the new cursor.

        Pass the returned cursor to the next call to receive each spike exactly once.
        """
        if cursor < 0 or cursor > self._count:
            raise ParameterError(f"cursor must lie in [0, {self._count}], was {cursor}")
        if len(self._steps) > 1:  # merge the chunks so that repeated calls stay cheap
            self._steps = [np.concatenate(self._steps)]
            self._cells = [np.concatenate(self._cells)]
        if not self._steps:
            return np.zeros(0, np.int64), np.zeros(0, np.int32), self._count
        return self._steps[0][cursor:], self._cells[0][cursor:], self._count


@dataclass(frozen=True, eq=False)
class ProbeSegment:
    """Voltages of a fixed set of probed cells over consecutive steps.

    ``volts_mV[i, j]`` is ``v`` of ``rows[j]`` after step ``first_step + i``, i.e. at time
    ``(first_step + i + 1) x dt``.
    """

    first_step: int
    rows: np.ndarray
    volts_mV: np.ndarray


class ProbeRecord:
    """Probe voltages; a new segment starts whenever the set of probed cells changes."""

    def __init__(self) -> None:
        self._closed: list[ProbeSegment] = []
        self._rows = np.zeros(0, np.int64)
        self._first_step = 0
        self._chunks: list[np.ndarray] = []

    @property
    def rows(self) -> np.ndarray:
        """The cells probed now."""
        return self._rows

    def set_rows(self, rows: np.ndarray, next_step: int) -> None:
        """Probe ``rows`` from step ``next_step`` on; what was recorded so far becomes a segment."""
        current = self._current()
        if current.volts_mV.shape[0]:
            self._closed.append(current)
        self._rows = np.asarray(rows, dtype=np.int64)
        self._first_step = next_step
        self._chunks = []

    def append(self, volts: np.ndarray) -> None:
        """Add the voltages (steps x probes, volts) of the steps that follow the last chunk."""
        if volts.shape[0] and self._rows.size:
            self._chunks.append(volts * 1e3)

    def clear(self, next_step: int = 0) -> None:
        """Forget every recorded voltage, keep the probed cells."""
        self._closed.clear()
        self._chunks = []
        self._first_step = next_step

    def _current(self) -> ProbeSegment:
        if len(self._chunks) > 1:  # merge so that repeated reads stay cheap
            self._chunks = [np.concatenate(self._chunks)]
        volts = self._chunks[0] if self._chunks else np.zeros((0, self._rows.size))
        return ProbeSegment(self._first_step, self._rows, volts)

    def segments(self) -> list[ProbeSegment]:
        """Every segment recorded so far, the current one last (if it holds any step)."""
        current = self._current()
        return [*self._closed, current] if current.volts_mV.shape[0] else list(self._closed)

    def latest(self, n_steps: int) -> ProbeSegment:
        """The last ``n_steps`` steps of the current probes (fewer if fewer were recorded)."""
        current = self._current()
        start = max(0, current.volts_mV.shape[0] - n_steps)
        return ProbeSegment(current.first_step + start, current.rows, current.volts_mV[start:])


class RateMonitor:
    """Spike counts per group of cells in bins of fixed width, read as rates.

    Parameters
    ----------
    group_of : numpy.ndarray
        int32 group index per cell, -1 for cells in no group.
    labels : tuple of str
        Name of each group.
    bin_steps : int
        Bin width in steps.
    dt_ms : float
        Step length, to turn counts into rates.
    """

    def __init__(self, group_of: np.ndarray, labels: tuple[str, ...], bin_steps: int, dt_ms: float) -> None:
        if bin_steps < 1:
            raise ParameterError(f"a rate bin must hold at least one step, was {bin_steps}")
        self.group_of = np.asarray(group_of, dtype=np.int32)
        self.labels = tuple(labels)
        self.bin_steps = int(bin_steps)
        self.dt_ms = float(dt_ms)
        self.sizes = np.bincount(self.group_of[self.group_of >= 0], minlength=len(self.labels))
        self._counts = np.zeros((0, len(self.labels)), np.int64)
        self.n_bins = 0
        """Bins started so far (the last may be incomplete)."""

    @classmethod
    def by_column(cls, connectome: Connectome, column: str, bin_steps: int, dt_ms: float) -> RateMonitor:
        """One group per label of a categorical column (``"cell_type"``, ``"subsystem"``...)."""
        values = connectome.columns.get(column)
        if not isinstance(values, Categorical):
            choices = sorted(k for k, v in connectome.columns.items() if isinstance(v, Categorical))
            raise ParameterError(f"cannot group rates by {column!r}; use a label column: {', '.join(choices)}")
        return cls(values.codes, values.categories, bin_steps, dt_ms)

    @property
    def bin_ms(self) -> float:
        """Bin width, ms."""
        return self.bin_steps * self.dt_ms

    def clear(self) -> None:
        """Forget every count."""
        self._counts = np.zeros((0, len(self.labels)), np.int64)
        self.n_bins = 0

    def add_spikes(self, steps: np.ndarray, cells: np.ndarray, steps_done: int) -> None:
        """Count spikes into their bins; bins grow to cover ``steps_done`` steps."""
        n_bins = -(-steps_done // self.bin_steps)
        if n_bins > self._counts.shape[0]:
            grown = np.zeros((max(n_bins, 2 * self._counts.shape[0]), len(self.labels)), np.int64)
            grown[: self._counts.shape[0]] = self._counts
            self._counts = grown
        self.n_bins = max(self.n_bins, n_bins)
        groups = self.group_of[cells]
        keep = groups >= 0
        flat = (steps[keep] // self.bin_steps) * len(self.labels) + groups[keep]
        np.add.at(self._counts.reshape(-1), flat, 1)

    def counts(self) -> np.ndarray:
        """int64 (bins, groups): spikes per bin and group."""
        return self._counts[: self.n_bins]

    def rates_Hz(self, first_bin: int = 0) -> np.ndarray:
        """float64 (bins, groups): mean rate per cell of each group in each bin since ``first_bin``.

        Groups with no cells read 0.
        """
        counts = self.counts()[first_bin:]
        per_cell = np.where(self.sizes > 0, 1.0 / np.maximum(self.sizes, 1), 0.0)
        return counts * per_cell / (self.bin_ms * 1e-3)
