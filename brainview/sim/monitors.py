"""Recording: every spike, probe voltages, and binned spike rates per group of cells.

Monitors record; the engine fills them after each chunk of steps. They are built for a reader
that polls (a GUI worker, a notebook): each has a cursor-based ``since`` so a reader takes only
what is new, without copying what it already has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from brainview.connectome import Connectome
from brainview.connectome.categorical import Categorical
from brainview.errors import ParameterError
from brainview.sim.params import steps_of


class SpikeRecord:
    """All spikes of a run as (step, cell) pairs, in the order they happened.

    Parameters
    ----------
    dt_ms : float
        Step length: a spike at step ``s`` happened at ``s x dt_ms`` milliseconds.
    connectome : Connectome
        The cells, for per-cell counts and for naming them in :meth:`to_pandas`.

    Notes
    -----
    The record covers the steps from :attr:`first_step` (0, or where :meth:`clear` left it)
    to :attr:`end_step` (the steps simulated when the engine last appended); rates are
    spikes over that span, so a cell that never fired reads 0 Hz, not "unknown".
    """

    def __init__(self, dt_ms: float, connectome: Connectome) -> None:
        self.dt_ms = float(dt_ms)
        self.connectome = connectome
        # Growing buffers (doubled when full): appending a chunk costs its own size, and reading
        # what is new is a view, so polling a long run stays linear in its spikes.
        self._steps = np.zeros(0, np.int64)
        self._cells = np.zeros(0, np.int32)
        self._count = 0
        self.first_step = 0
        """First step the record covers."""
        self.end_step = 0
        """Steps simulated when spikes were last appended: the record covers steps before it."""

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        cells = np.unique(self.arrays()[1]).size
        return (
            f"<SpikeRecord: {self._count:,} spikes of {cells:,} of {self.connectome.n:,} cells, "
            f"{self.first_step * self.dt_ms:g} to {self.end_step * self.dt_ms:g} ms>"
        )

    def append(self, steps: np.ndarray, cells: np.ndarray, steps_done: int | None = None) -> None:
        """Add the spikes of one chunk (copies are kept); ``steps_done``: the steps simulated by now."""
        if steps.size:
            end = self._count + steps.size
            if end > self._steps.size:
                capacity = max(end, 2 * self._steps.size, 1024)
                self._steps = np.concatenate([self._steps[: self._count], np.zeros(capacity - self._count, np.int64)])
                self._cells = np.concatenate([self._cells[: self._count], np.zeros(capacity - self._count, np.int32)])
            self._steps[self._count : end] = steps
            self._cells[self._count : end] = cells
            self._count = end
        if steps_done is not None:
            self.end_step = max(self.end_step, int(steps_done))

    def clear(self, next_step: int | None = None) -> None:
        """Forget every spike; the record covers the steps from ``next_step`` (default: from now)."""
        # New buffers, not reused ones: arrays handed out before stay as they were.
        self._steps = np.zeros(0, np.int64)
        self._cells = np.zeros(0, np.int32)
        self._count = 0
        self.first_step = self.end_step = self.end_step if next_step is None else int(next_step)

    def truncate(self, end_step: int) -> None:
        """Forget the spikes from step ``end_step`` on (a rewind): the record then ends there.

        The spikes kept are copied into new buffers, so arrays handed out before stay as they were.
        """
        end_step = int(end_step)
        keep = int(np.searchsorted(self._steps[: self._count], end_step, side="left"))
        self._steps, self._cells = self._steps[:keep].copy(), self._cells[:keep].copy()
        self._count = keep
        self.first_step = min(self.first_step, end_step)
        self.end_step = end_step

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps int64, cells int32) of every spike so far."""
        return self.since(0)[:2]

    def since(self, cursor: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Spikes recorded after the first ``cursor`` ones (read-only views, no copy), and the new cursor.

        Pass the returned cursor to the next call to receive each spike exactly once; the cost
        is that of the new spikes, however long the run.
        """
        if cursor < 0 or cursor > self._count:
            raise ParameterError(f"cursor must lie in [0, {self._count}], was {cursor}")
        steps, cells = self._steps[cursor : self._count], self._cells[cursor : self._count]
        steps.setflags(write=False)  # read-only views: the record is not copied, nor changed through them
        cells.setflags(write=False)
        return steps, cells, self._count

    # -- in milliseconds ------------------------------------------------------------------------
    @property
    def times_ms(self) -> np.ndarray:
        """float64 time of every spike, ms (``step x dt_ms``), in the order of :meth:`arrays`."""
        return self.arrays()[0] * self.dt_ms

    @property
    def cells(self) -> np.ndarray:
        """int32 row of the cell of every spike, in the order of :meth:`arrays`."""
        return self.arrays()[1]

    @property
    def duration_ms(self) -> float:
        """The span the record covers, ms."""
        return (self.end_step - self.first_step) * self.dt_ms

    def _window(self, start_ms: float | None, stop_ms: float | None) -> tuple[int, int]:
        """[first, end) steps of a window given in ms, clipped to what the record covers."""
        first = self.first_step if start_ms is None else steps_of(start_ms, self.dt_ms, "the window start")
        end = self.end_step if stop_ms is None else steps_of(stop_ms, self.dt_ms, "the window stop")
        first, end = max(first, self.first_step), min(end, self.end_step)
        if end <= first:
            raise ParameterError(
                f"the window {_ms(start_ms, 'the start')} to {_ms(stop_ms, 'the end')} holds no recorded time "
                f"(the record covers {self.first_step * self.dt_ms:g} to {self.end_step * self.dt_ms:g} ms)"
            )
        return first, end

    def counts(self, start_ms: float | None = None, stop_ms: float | None = None) -> np.ndarray:
        """int64 spikes of each cell (one entry per row) in ``[start_ms, stop_ms)``; default: all recorded."""
        return self._counts(*self._window(start_ms, stop_ms))

    def _counts(self, first: int, end: int) -> np.ndarray:
        steps, cells = self.arrays()
        inside = (steps >= first) & (steps < end)
        return np.bincount(cells[inside], minlength=self.connectome.n).astype(np.int64)

    def rates_Hz(self, start_ms: float | None = None, stop_ms: float | None = None) -> np.ndarray:
        """float64 rate of each cell in ``[start_ms, stop_ms)``, Hz: its spikes over the window's length.

        The window defaults to everything recorded and is clipped to it.

        Raises
        ------
        ParameterError
            For a window that holds no recorded time, or whose ends are not whole steps.
        """
        first, end = self._window(start_ms, stop_ms)
        return self._counts(first, end) / ((end - first) * self.dt_ms * 1e-3)

    def to_pandas(self, columns: tuple[str, ...] = ("id", "name", "cell_type")) -> pd.DataFrame:
        """One row per spike, in time order: ``time_ms``, ``step``, ``row`` and the cell's ``columns``.

        String columns come as pandas categoricals (cheap for millions of spikes).
        """
        steps, cells = self.arrays()
        data: dict[str, object] = {"time_ms": steps * self.dt_ms, "step": steps, "row": cells}
        for key in columns:
            column = self.connectome[key]
            if isinstance(column, Categorical):
                codes = np.asarray(column.codes)[cells]
                data[key] = pd.Categorical.from_codes(codes, categories=list(column.categories))
            else:
                data[key] = np.asarray(column)[cells]
        return pd.DataFrame(data)


def _ms(value: float | None, default: str) -> str:
    return default if value is None else f"{value:g} ms"


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
    """Probe voltages; a new segment starts whenever the set of probed cells changes.

    The current segment grows in a buffer doubled when full, so appending a chunk costs its
    own size and reading the newest steps (:meth:`latest`) is a view, however long the run.
    """

    def __init__(self) -> None:
        self._closed: list[ProbeSegment] = []
        self._rows = np.zeros(0, np.int64)
        self._first_step = 0
        self._volts = np.zeros((0, 0))
        self._count = 0

    @property
    def rows(self) -> np.ndarray:
        """The cells probed now."""
        return self._rows

    def set_rows(self, rows: np.ndarray, next_step: int) -> None:
        """Probe ``rows`` from step ``next_step`` on; what was recorded so far becomes a segment."""
        current = self._current()
        if current.volts_mV.shape[0]:
            self._closed.append(ProbeSegment(current.first_step, current.rows, current.volts_mV.copy()))
        self._rows = np.asarray(rows, dtype=np.int64)
        self._first_step = next_step
        self._volts, self._count = np.zeros((0, self._rows.size)), 0

    def append(self, volts: np.ndarray) -> None:
        """Add the voltages (steps x probes, volts) of the steps that follow the last chunk."""
        if not (volts.shape[0] and self._rows.size):
            return
        end = self._count + volts.shape[0]
        if end > self._volts.shape[0]:
            grown = np.zeros((max(end, 2 * self._volts.shape[0], 1024), self._rows.size))
            grown[: self._count] = self._volts[: self._count]
            self._volts = grown
        self._volts[self._count : end] = volts * 1e3
        self._count = end

    def clear(self, next_step: int = 0) -> None:
        """Forget every recorded voltage, keep the probed cells."""
        self._closed.clear()
        self._volts, self._count = np.zeros((0, self._rows.size)), 0  # new: views handed out stay valid
        self._first_step = next_step

    def _current(self) -> ProbeSegment:
        volts = self._volts[: self._count]
        volts.setflags(write=False)
        return ProbeSegment(self._first_step, self._rows, volts)

    def segments(self) -> list[ProbeSegment]:
        """Every segment recorded so far, the current one last (if it holds any step)."""
        current = self._current()
        return [*self._closed, current] if current.volts_mV.shape[0] else list(self._closed)

    def latest(self, n_steps: int) -> ProbeSegment:
        """The last ``n_steps`` steps of the current probes (fewer if fewer were recorded); a view."""
        current = self._current()
        start = max(0, current.volts_mV.shape[0] - n_steps)
        return ProbeSegment(current.first_step + start, current.rows, current.volts_mV[start:])


class RateMonitor:
    """Spike counts per group of cells in bins of fixed width, read as rates.

    Groups may overlap (a cell type and the class it belongs to, traced side by side): a spike
    counts once in every group its cell is in. Bins are aligned to step 0.

    Parameters
    ----------
    member_ptr : numpy.ndarray
        int64 (N + 1): the groups of cell ``i`` are ``member_group[member_ptr[i]:member_ptr[i + 1]]``.
    member_group : numpy.ndarray
        int32 group index of each membership.
    labels : tuple of str
        Name of each group.
    bin_steps : int
        Bin width in steps.
    dt_ms : float
        Step length, to turn counts into rates.
    by : str
        The column whose labels name the groups ("" when the groups were given as cells).
    """

    def __init__(
        self, member_ptr: np.ndarray, member_group: np.ndarray, labels: tuple[str, ...], bin_steps: int,
        dt_ms: float, by: str = "",
    ) -> None:
        if bin_steps < 1:
            raise ParameterError(f"a rate bin must hold at least one step, was {bin_steps}")
        self.by = by
        """The column whose labels name the groups ("" when the groups were given directly)."""
        self.member_ptr = np.asarray(member_ptr, dtype=np.int64)
        self.member_group = np.asarray(member_group, dtype=np.int32)
        self.labels = tuple(labels)
        self.bin_steps = int(bin_steps)
        self.dt_ms = float(dt_ms)
        self.sizes = np.bincount(self.member_group, minlength=len(self.labels))
        self._counts = np.zeros((0, len(self.labels)), np.int64)
        self._steps_done = 0
        self.n_bins = 0
        """Bins started so far (the last may be incomplete)."""

    @classmethod
    def by_column(cls, connectome: Connectome, column: str, bin_steps: int, dt_ms: float) -> RateMonitor:
        """One group per label of a categorical column (``"cell_type"``, ``"subsystem"``...)."""
        values = connectome.columns.get(column)
        if not isinstance(values, Categorical):
            choices = sorted(k for k, v in connectome.columns.items() if isinstance(v, Categorical))
            raise ParameterError(f"cannot group rates by {column!r}; use a label column: {', '.join(choices)}")
        labelled = values.codes >= 0
        ptr = np.concatenate([[0], np.cumsum(labelled)])
        return cls(ptr, values.codes[labelled], values.categories, bin_steps, dt_ms, by=column)

    @classmethod
    def of_groups(
        cls, n_cells: int, labels: tuple[str, ...], rows: tuple[np.ndarray, ...], bin_steps: int, dt_ms: float
    ) -> RateMonitor:
        """One group per entry of ``rows`` (cell rows, groups may overlap), named by ``labels``."""
        if len(labels) != len(rows):
            raise ParameterError(f"{len(labels)} group labels for {len(rows)} groups")
        cells = [np.unique(np.asarray(r, dtype=np.int64)) for r in rows]
        cell = np.concatenate(cells) if cells else np.zeros(0, np.int64)
        if cell.size and (cell.min() < 0 or cell.max() >= n_cells):
            raise ParameterError(f"group cells must lie in [0, {n_cells - 1}]")
        group = np.repeat(np.arange(len(cells), dtype=np.int32), [c.size for c in cells])
        order = np.argsort(cell, kind="stable")
        ptr = np.searchsorted(cell[order], np.arange(n_cells + 1))
        return cls(ptr, group[order], tuple(labels), bin_steps, dt_ms)

    def __repr__(self) -> str:
        by = f" by {self.by!r}" if self.by else ""
        return f"<RateMonitor{by}: {len(self.labels)} groups, {self.n_bins} bins of {self.bin_ms:g} ms>"

    @property
    def bin_ms(self) -> float:
        """Bin width, ms."""
        return self.bin_steps * self.dt_ms

    def clear(self) -> None:
        """Forget every count."""
        self._counts = np.zeros((0, len(self.labels)), np.int64)
        self._steps_done = 0
        self.n_bins = 0

    def truncate(self, steps_done: int) -> int:
        """Forget the counts from step ``steps_done`` on (a rewind); returns the first step of the
        bin that holds it, now empty: the caller counts that bin's earlier spikes again."""
        current = int(steps_done) // self.bin_steps
        self._counts[current:] = 0
        self.n_bins = min(self.n_bins, -(-int(steps_done) // self.bin_steps))
        self._steps_done = int(steps_done)
        return current * self.bin_steps

    def add_spikes(self, steps: np.ndarray, cells: np.ndarray, steps_done: int) -> None:
        """Count spikes into their bins; bins grow to cover ``steps_done`` steps."""
        self._steps_done = int(steps_done)
        n_bins = -(-steps_done // self.bin_steps)
        if n_bins > self._counts.shape[0]:
            grown = np.zeros((max(n_bins, 2 * self._counts.shape[0]), len(self.labels)), np.int64)
            grown[: self._counts.shape[0]] = self._counts
            self._counts = grown
        self.n_bins = max(self.n_bins, n_bins)
        cells = np.asarray(cells, dtype=np.int64)
        first, memberships = self.member_ptr[cells], np.diff(self.member_ptr)[cells]
        # Each spike once per group of its cell: the memberships of all spiking cells, end to end.
        starts = np.repeat(first - np.cumsum(memberships) + memberships, memberships)
        groups = self.member_group[starts + np.arange(starts.size)]
        if not groups.size:
            return
        flat = (np.repeat(steps, memberships) // self.bin_steps) * len(self.labels) + groups
        # bincount over the bins this chunk touches only (np.add.at is several times slower).
        low = int(flat.min()) // len(self.labels) * len(self.labels)
        counted = np.bincount(flat - low)
        self._counts.reshape(-1)[low : low + counted.size] += counted

    @property
    def complete_bins(self) -> int:
        """Bins that are over (the last of :attr:`n_bins` may still be filling)."""
        return self._steps_done // self.bin_steps

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

    def to_pandas(self) -> pd.DataFrame:
        """The rates (Hz, mean per cell) as a table: one row per bin, indexed by its start
        (``start_ms``), one column per group. The last bin may be incomplete."""
        # Rounded, so that a bin can be looked up by its start: 3 x 0.1 is 0.30000000000000004.
        starts = pd.Index(np.round(np.arange(self.n_bins) * self.bin_ms, 9), name="start_ms")
        return pd.DataFrame(self.rates_Hz(), index=starts, columns=pd.Index(self.labels, name=self.by or "group"))
