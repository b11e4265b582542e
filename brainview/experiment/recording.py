"""A recorded run read back for replay: its spikes in time order and its interventions as markers.

The window's timeline (:mod:`brainview.ui.timeline`) replays a :class:`Recording` in the 3D view
and the traces: dragged to a time, it shows the spikes of the moments before it. Two run formats
are read:

- a brainview-run file (``.h5``, :mod:`brainview.sim.runfile`): spikes as (trial, step,
  neuron) rows, the engine's log (``/log``) as markers;
- an NWB file (``.nwb``, :mod:`brainview.experiment.nwb`, read with pynwb): spike times of
  the Units table (``id``: the cell's row, ``source_id``: its id in the dataset), trials on one
  time axis (trial ``k`` starts at ``k x duration``), the configuration (dt, steps, cells)
  from the file's ``notes`` JSON, and the ``stimuli`` and ``lesions`` intervals as markers.

One trial is replayed at a time (the first by default). A recording belongs to a dataset: before
it is shown, :meth:`Recording.check_cells` checks that its cells are those of the open one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.io.errors import FormatError
from brainview.errors import ParameterError

MARKER_KINDS = ("lesion", "unlesion", "stimulus", "unstimulus")
"""What a :class:`Marker` says happened (the traces' marker colours go by it)."""


@dataclass(frozen=True)
class Marker:
    """A change of lesions or stimuli at ``t_ms``: ``kind`` one of :data:`MARKER_KINDS`."""

    t_ms: float
    kind: str
    label: str


ACTION_WORDS = {
    "silence": "silence", "ablate": "ablate", "undo silence": "restore", "undo ablate": "restore",
    "poisson on": "drive", "poisson off": "stop", "current on": "inject", "current off": "stop",
}
"""The words a marker uses for each action of the engine's log."""

LABEL_CHARS = 28
"""Longest marker label; a longer target is cut (the traces draw labels side by side)."""


def marker_of(t_ms: float, action: str, target: str) -> Marker | None:
    """The marker of an engine log entry (``"silence"``, ``"undo ablate"``, ``"poisson on"``...);
    None for entries that change no intervention (a reset)."""
    if action in ("silence", "ablate"):
        kind = "lesion"
    elif action.startswith("undo "):
        kind = "unlesion"
    elif action.endswith(" on"):
        kind = "stimulus"
    elif action.endswith(" off"):
        kind = "unstimulus"
    else:
        return None
    for prefix in ("name:", "type:"):  # the common selectors read as the cells' names
        target = target.removeprefix(prefix)
    label = f"{ACTION_WORDS.get(action, action)} {target}"
    return Marker(float(t_ms), kind, label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026")


@dataclass(frozen=True, eq=False)
class Recording:
    """One trial of a recorded run (see the module notes).

    Parameters
    ----------
    path : str
        The file it was read from.
    dataset_name : str
        The name of the dataset it ran on.
    n_cells : int
        Cells of that dataset.
    cell_ids : numpy.ndarray
        int64 source id of each cell row, or of the rows in ``id_rows`` when not all are known.
    id_rows : numpy.ndarray or None
        The rows ``cell_ids`` belong to (None: every row, in order).
    dt_ms, duration_ms : float
        Time step and length of the trial, ms.
    spike_steps, spike_cells : numpy.ndarray
        int64 step and int32 cell row of every spike, in time order.
    markers : tuple of Marker
        The interventions, in time order.
    trial, trials : int
        The trial shown and how many the file holds.
    """

    path: str
    dataset_name: str
    n_cells: int
    cell_ids: np.ndarray
    id_rows: np.ndarray | None
    dt_ms: float
    duration_ms: float
    spike_steps: np.ndarray
    spike_cells: np.ndarray
    markers: tuple[Marker, ...]
    trial: int = 0
    trials: int = 1

    def __post_init__(self) -> None:
        order = np.argsort(self.spike_steps, kind="stable")
        object.__setattr__(self, "spike_steps", np.asarray(self.spike_steps, np.int64)[order])
        object.__setattr__(self, "spike_cells", np.asarray(self.spike_cells, np.int32)[order])
        object.__setattr__(self, "markers", tuple(sorted(self.markers, key=lambda m: m.t_ms)))

    def __repr__(self) -> str:
        return (f"<Recording of {self.dataset_name!r}: trial {self.trial + 1} of {self.trials}, "
                f"{self.duration_ms:g} ms, {self.spike_steps.size:,} spikes, {len(self.markers)} markers>")

    def spikes_between(self, start_ms: float, stop_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """(cell rows int32, times ms float64) of the spikes in ``[start_ms, stop_ms)``: two binary
        searches and a slice, whatever the length of the run."""
        first, end = np.searchsorted(self.spike_steps, [start_ms / self.dt_ms - 1e-6, stop_ms / self.dt_ms - 1e-6])
        return self.spike_cells[first:end], self.spike_steps[first:end] * self.dt_ms

    def group_rates_Hz(self, rows: tuple[np.ndarray, ...], bin_ms: float, stop_ms: float,
                       start_ms: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Mean rate per cell of each group of ``rows`` in bins of ``bin_ms`` that end by ``stop_ms``:
        (bin end times ms, rates (groups, bins) Hz). Bins are aligned to 0, as the engine's."""
        first_bin, end_bin = int(max(start_ms, 0.0) // bin_ms), int(stop_ms // bin_ms)
        ends = (np.arange(first_bin, end_bin) + 1) * bin_ms
        rates = np.zeros((len(rows), ends.size))
        if not ends.size:
            return ends, rates
        cells, times = self.spikes_between(first_bin * bin_ms, end_bin * bin_ms)
        bins = (times // bin_ms).astype(np.int64) - first_bin
        for index, group in enumerate(rows):
            member = np.zeros(self.n_cells, bool)
            member[np.asarray(group, np.int64)] = True
            inside = member[cells]
            counts = np.bincount(bins[inside], minlength=ends.size)[: ends.size]
            rates[index] = counts / max(int(member.sum()), 1) / (bin_ms * 1e-3)
        return ends, rates

    def check_cells(self, connectome: Connectome) -> None:
        """ParameterError naming the file unless the recording's cells are ``connectome``'s."""
        if self.n_cells != connectome.n:
            raise ParameterError(
                f"{self.path}: this run has {self.n_cells:,} cells, the open dataset {connectome.n:,}; "
                f"open the dataset it ran on ({self.dataset_name or 'unnamed'}) first")
        rows = np.arange(connectome.n) if self.id_rows is None else self.id_rows
        if self.cell_ids.size and not np.array_equal(np.asarray(connectome.ids)[rows], self.cell_ids):
            raise ParameterError(
                f"{self.path}: the run's cell ids are not those of the open dataset; "
                f"open the dataset it ran on ({self.dataset_name or 'unnamed'}) first")


def read_recording(path: str | os.PathLike, trial: int = 0) -> Recording:
    """Read trial ``trial`` of the run file ``path`` (``.h5``: brainview-run; ``.nwb``: NWB).

    Raises
    ------
    FormatError
        For a file that is not a run file of either format (the error names the file).
    ParameterError
        For another suffix, a trial the file does not hold, or NWB without pynwb.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".nwb":
        return _read_nwb(path, trial)
    if suffix in (".h5", ".hdf5"):
        return _read_brainview(path, trial)
    raise ParameterError(f"{path}: a run file to replay ends in .h5 (brainview-run) or .nwb (NWB)")


def _check_trial(path: Path, trial: int, trials: int) -> None:
    if not 0 <= trial < trials:
        raise ParameterError(f"{path}: it holds trials 1 to {trials}, not {trial + 1}")


def _read_brainview(path: Path, trial: int) -> Recording:
    from brainview.sim.runfile import read_run

    record = read_run(path)
    config = record.config
    trials = int(config["trials"])
    _check_trial(path, trial, trials)
    dt_ms = float(config["dt_ms"])
    mine = record.spikes["trial"] == trial
    logged = record.log["trial"] == trial
    actions, targets = (np.asarray(record.log[key], dtype=object)[logged] for key in ("action", "target"))
    markers = [marker_of(t, a, g) for t, a, g in zip(record.log["time_ms"][logged], actions, targets)]
    return Recording(
        str(path), str(config.get("dataset_name", "")), int(record.cell_ids.size), record.cell_ids, None, dt_ms,
        int(config["n_steps"]) * dt_ms, record.spikes["step"][mine], record.spikes["neuron"][mine],
        tuple(m for m in markers if m is not None), trial, trials,
    )


def _read_nwb(path: Path, trial: int) -> Recording:
    try:
        import pynwb
    except ImportError:
        raise ParameterError("replaying NWB needs the optional package pynwb: pip install 'brainview[formats]'") from None
    try:
        with pynwb.NWBHDF5IO(str(path), "r") as io:
            nwb = io.read()
            config = json.loads(nwb.notes or "{}")
            units = nwb.units
            rows = np.asarray(units.id.data[:], np.int64) if units is not None else np.zeros(0, np.int64)
            # A ragged column is read through its index: the index's data are the ends, its target the times.
            index = units["spike_times"] if units is not None else None
            times = np.asarray(index.target.data[:], np.float64) if index is not None else np.zeros(0)
            ends = np.asarray(index.data[:], np.int64) if index is not None else np.zeros(0, np.int64)
            ids = np.asarray(units["source_id"].data[:], np.int64) if units is not None else np.zeros(0, np.int64)
            intervals = {name: _interval_rows(nwb, name) for name in ("stimuli", "lesions")}
    except (OSError, KeyError, ValueError, json.JSONDecodeError) as error:
        raise FormatError(path, f"not an NWB run file brainview wrote ({error})") from None
    for key in ("dt_ms", "n_steps", "n_cells", "trials"):
        if not isinstance(config.get(key), (int, float)):
            raise FormatError(path, f"the run configuration (general/notes) lacks {key!r}")
    dt_ms, n_steps, trials = float(config["dt_ms"]), int(config["n_steps"]), int(config["trials"])
    _check_trial(path, trial, trials)
    duration_s = n_steps * dt_ms * 1e-3
    cells = np.repeat(rows, np.diff(np.r_[0, ends]))
    steps = np.rint(times * 1e3 / dt_ms).astype(np.int64) - trial * n_steps
    mine = (steps >= 0) & (steps < n_steps)
    markers = []
    for group, (on, off) in (("stimuli", ("stimulus", "unstimulus")), ("lesions", ("lesion", "unlesion"))):
        for start_s, stop_s, row_trial, target, kind in intervals[group]:
            if row_trial != trial:
                continue
            offset = trial * duration_s
            start = marker_of((start_s - offset) * 1e3, kind if group == "lesions" else f"{kind} on", target)
            markers.append(start)
            if stop_s - offset < duration_s - 1e-9:
                action = f"undo {kind}" if group == "lesions" else f"{kind} off"
                markers.append(marker_of((stop_s - offset) * 1e3, action, target))
    if rows.size and (rows.min() < 0 or rows.max() >= int(config["n_cells"])):
        raise FormatError(path, f"unit ids must be cell rows in [0, {int(config['n_cells'])})", column="units/id")
    return Recording(str(path), str(config.get("dataset_name", "")), int(config["n_cells"]), ids, rows, dt_ms,
                     n_steps * dt_ms, steps[mine], cells[mine], tuple(m for m in markers if m is not None), trial,
                     trials)


def _interval_rows(nwb, name: str) -> list[tuple[float, float, int, str, str]]:
    """(start s, stop s, trial, target, kind or mode) of each row of the intervals table ``name``."""
    table = nwb.intervals.get(name) if nwb.intervals is not None else None
    if table is None or len(table) == 0:
        return []
    kind = "kind" if "kind" in table.colnames else "mode"
    return list(zip(table["start_time"].data[:], table["stop_time"].data[:], table["trial"].data[:],
                    table["target"].data[:], table[kind].data[:]))
