"""The data behind the live traces: a decimated spike raster, rate and voltage histories.

The buffers are preallocated and filled in place, so the plots can ``setData`` on views of them
at 60 frames a second without allocating. The worker bins population rates with the engine's
own :class:`~brainview.sim.monitors.RateMonitor`. No Qt here.
"""

from __future__ import annotations

import numpy as np

DEFAULT_RASTER_ROWS = 1500
"""Most cells a raster shows; more are decimated to an evenly spaced subset."""


def choose_raster_rows(
    candidates: np.ndarray, sort_key: np.ndarray, max_rows: int = DEFAULT_RASTER_ROWS,
    first: np.ndarray | None = None,
) -> np.ndarray:
    """The cells a raster shows, in display order (bottom to top).

    Parameters
    ----------
    candidates : numpy.ndarray
        Rows that may be shown (the visible or the selected cells).
    sort_key : numpy.ndarray
        One integer per cell of the connectome (for example the cell-type code), so that cells
        of one type sit together in the raster.
    max_rows : int
        Above this many candidates, an evenly spaced subset of the sorted candidates is kept:
        every type keeps its share of rows, and the raster stays readable for 100k+ cells.
    first : numpy.ndarray, optional
        Rows shown before all others, at the top, and never decimated away while they fit
        (the driven and lesioned cells: at fly scale an even subset would drop most of them).
    """
    candidates = np.unique(np.asarray(candidates, dtype=np.int64))
    chosen = np.zeros(0, np.int64) if first is None else np.intersect1d(np.asarray(first, dtype=np.int64), candidates)
    chosen = chosen[np.argsort(sort_key[chosen], kind="stable")][:max_rows]
    rest = np.setdiff1d(candidates, chosen, assume_unique=True)
    ordered = rest[np.argsort(sort_key[rest], kind="stable")]
    budget = max_rows - chosen.size
    if ordered.size > budget > 0:
        ordered = ordered[np.unique(np.linspace(0, ordered.size - 1, budget).round().astype(np.int64))]
    elif budget <= 0:
        ordered = ordered[:0]
    return np.concatenate([ordered, chosen])


class RasterBuffer:
    """Spikes of the shown cells over the last ``window_ms``, as line segments for one curve.

    Each spike is a vertical tick from ``y`` to ``y + 0.8`` drawn with ``connect="pairs"``, so the
    whole raster is one curve item however many spikes it holds.

    Parameters
    ----------
    n_cells : int
        Cells in the connectome.
    shown_rows : numpy.ndarray
        The cells on the raster, bottom to top (see :func:`choose_raster_rows`).
    window_ms : float
        How much simulated time the raster keeps.
    capacity : int
        Most spikes kept; the oldest go first when it is full.
    """

    def __init__(self, n_cells: int, shown_rows: np.ndarray, window_ms: float = 1000.0, capacity: int = 200_000) -> None:
        self.window_ms = window_ms
        self.capacity = capacity
        self.line_of_cell = np.full(n_cells, -1, np.int32)
        self.line_of_cell[np.asarray(shown_rows, dtype=np.int64)] = np.arange(len(shown_rows), dtype=np.int32)
        self.shown_rows = np.asarray(shown_rows, dtype=np.int64)
        self.x = np.zeros(2 * capacity, np.float64)
        self.y = np.zeros(2 * capacity, np.float64)
        self.size = 0

    def clear(self) -> None:
        """Forget every spike (after a reset)."""
        self.size = 0

    def add(self, rows: np.ndarray, t_ms: np.ndarray, now_ms: float) -> None:
        """Append the spikes of shown cells and drop those older than the window."""
        lines = self.line_of_cell[np.asarray(rows, dtype=np.int64)]
        keep = lines >= 0
        lines, t_ms = lines[keep], np.asarray(t_ms, dtype=np.float64)[keep]
        order = np.argsort(t_ms, kind="stable")  # the window cut below needs times in order
        lines, t_ms = lines[order], t_ms[order]
        if t_ms.size > self.capacity:
            lines, t_ms = lines[-self.capacity:], t_ms[-self.capacity:]
        oldest = now_ms - self.window_ms
        times = self.x[0:2 * self.size:2]
        first = int(np.searchsorted(times, oldest, side="left"))
        overflow = self.size - first + t_ms.size - self.capacity
        first += max(overflow, 0)
        if first:
            kept = self.size - first
            self.x[:2 * kept] = self.x[2 * first:2 * self.size]
            self.y[:2 * kept] = self.y[2 * first:2 * self.size]
            self.size = kept
        start, k = 2 * self.size, t_ms.size
        self.x[start:start + 2 * k:2] = t_ms
        self.x[start + 1:start + 2 * k:2] = t_ms
        self.y[start:start + 2 * k:2] = lines
        self.y[start + 1:start + 2 * k:2] = lines + 0.8
        self.size += k

    def segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Views of the x (ms) and y (line) arrays to draw, two points per spike."""
        return self.x[:2 * self.size], self.y[:2 * self.size]


class SpikeWindow:
    """Every cell's spikes over the last ``window_ms``, so a raster of other cells can be refilled.

    Parameters
    ----------
    window_ms : float
        How much simulated time to keep.
    capacity : int
        Most spikes kept; the oldest go first when it is full.
    """

    def __init__(self, window_ms: float = 1000.0, capacity: int = 500_000) -> None:
        self.window_ms = window_ms
        self.capacity = capacity
        self.rows = np.zeros(capacity, np.int64)
        self.t = np.zeros(capacity, np.float64)
        self.size = 0

    def clear(self) -> None:
        """Forget every spike."""
        self.size = 0

    def add(self, rows: np.ndarray, t_ms: np.ndarray, now_ms: float) -> None:
        """Append spikes (in time order) and drop those older than the window."""
        rows = np.asarray(rows, dtype=np.int64)[-self.capacity:]
        t_ms = np.asarray(t_ms, dtype=np.float64)[-self.capacity:]
        first = int(np.searchsorted(self.t[:self.size], now_ms - self.window_ms, side="left"))
        first += max(self.size - first + t_ms.size - self.capacity, 0)
        if first:
            kept = self.size - first
            self.rows[:kept] = self.rows[first:self.size]
            self.t[:kept] = self.t[first:self.size]
            self.size = kept
        self.rows[self.size:self.size + t_ms.size] = rows
        self.t[self.size:self.size + t_ms.size] = t_ms
        self.size += t_ms.size

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Views of the rows and times (ms) kept, oldest first."""
        return self.rows[:self.size], self.t[:self.size]


class History:
    """A fixed number of series sampled at shared times, keeping the last ``capacity`` samples.

    Used for population rates (one series per group) and probe voltages (one per cell).
    """

    def __init__(self, labels: tuple[str, ...], capacity: int = 20_000) -> None:
        self.labels = tuple(labels)
        self.capacity = capacity
        self.t = np.zeros(capacity, np.float64)
        self.values = np.zeros((len(self.labels), capacity), np.float64)
        self.size = 0

    def clear(self) -> None:
        """Forget every sample."""
        self.size = 0

    def add(self, t_ms: np.ndarray, values: np.ndarray) -> None:
        """Append samples: ``t_ms`` (k,) and ``values`` (series, k)."""
        t_ms = np.asarray(t_ms, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64).reshape(len(self.labels), t_ms.size)
        if t_ms.size > self.capacity:
            t_ms, values = t_ms[-self.capacity:], values[:, -self.capacity:]
        k = t_ms.size
        overflow = self.size + k - self.capacity
        if overflow > 0:
            kept = self.size - overflow
            self.t[:kept] = self.t[overflow:self.size]
            self.values[:, :kept] = self.values[:, overflow:self.size]
            self.size = kept
        self.t[self.size:self.size + k] = t_ms
        self.values[:, self.size:self.size + k] = values
        self.size += k

    def series(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Views of the times (ms) and values of series ``index``."""
        return self.t[:self.size], self.values[index, :self.size]
