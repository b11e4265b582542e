"""Runs as NWB files (Neurodata Without Borders 2, written with pynwb).

What a file holds::

    /units                       Units: one row per cell that spiked (id: the cell's row in the
                                 dataset), spike_times in seconds (ragged, with its index),
                                 source_id, cell_name, cell_type, cell_class, subsystem
    /intervals/trials            one row per trial; trials follow each other on one time axis:
                                 trial k spans [k x duration, (k + 1) x duration)
    /intervals/stimuli           TimeIntervals: each stimulus from on to off (or the trial's end),
                                 with trial, target (selector), kind, cells, detail (rate, amplitude)
    /intervals/lesions           TimeIntervals: each lesion from when it took effect to its undo
                                 (or the trial's end), with trial, target, mode, cells
    /acquisition/membrane_potential  TimeSeries (steps x trials, probes), volts (stored as mV
                                 with conversion 1e-3), one sample per step    (when probed)
    /processing/simulation       probed_cells (the columns of membrane_potential), group_rates
                                 (TimeSeries, Hz, one sample per rate bin) and rate_groups
    /general                     was_generated_by: brainview and its version; notes: the run
                                 configuration as JSON (dataset path, name and digest, model
                                 parameters, dt, seed, protocol); experiment_description names
                                 the dataset and its digest

Stimuli and lesions come from the engine's log, so a run from the window (where cells are
lesioned and restored by hand) is described as faithfully as a protocol's. The Units table is
built from whole columns at once (not unit by unit), so 100k cells take well under a second.
pynwb is an optional dependency (``pip install 'brainview[formats]'``).
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from brainview.connectome.io.atomic import atomic_output
from brainview.errors import ParameterError
from brainview.sim.protocol import RunResult
from brainview.sim.runfile import LABELS, DatasetInfo


@dataclass(frozen=True)
class Interval:
    """One stimulus or lesion, in seconds on the file's time axis."""

    start_s: float
    stop_s: float
    trial: int
    target: str
    kind: str  # poisson / current for stimuli, silence / ablate for lesions
    cells: int
    detail: str


def require_pynwb():
    """The pynwb module; ParameterError saying how to install it when it is missing."""
    try:
        import pynwb
    except ImportError:
        raise ParameterError("writing NWB needs the optional package pynwb: pip install 'brainview[formats]'") from None
    return pynwb


def spike_table(result: RunResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells that spiked (sorted rows), the end of each one's spikes, and all spike times in s.

    Spikes of cell ``rows[k]`` are ``times[ends[k - 1]:ends[k]]`` in time order; trial ``t``'s
    step ``s`` is at ``(t x n_steps + s) x dt``.
    """
    steps = np.concatenate([t.spike_steps.astype(np.int64) + i * result.n_steps for i, t in enumerate(result.trials)]
                           or [np.zeros(0, np.int64)])
    cells = np.concatenate([t.spike_cells.astype(np.int64) for t in result.trials] or [np.zeros(0, np.int64)])
    order = np.lexsort((steps, cells))
    rows, counts = np.unique(cells[order], return_counts=True)
    return rows, np.cumsum(counts), steps[order] * (result.dt_ms * 1e-3)


def intervals(result: RunResult) -> tuple[list[Interval], list[Interval]]:
    """Stimuli and lesions of every trial from the engine's log (see the module notes)."""
    dt_s, trial_s = result.dt_ms * 1e-3, result.n_steps * result.dt_ms * 1e-3
    stimuli: list[Interval] = []
    lesions: list[Interval] = []
    for trial, record in enumerate(result.trials):
        offset = trial * trial_s
        open_: dict[tuple[str, str, str], tuple[float, int, str]] = {}
        for entry in record.log:
            at = offset + entry.step * dt_s
            action = entry.action
            if action.endswith(" on") or action in ("silence", "ablate"):
                kind = action[:-3] if action.endswith(" on") else action
                group = "stimulus" if action.endswith(" on") else "lesion"
                open_[(group, kind, entry.target)] = (at, entry.cells, entry.detail)
                continue
            if action.endswith(" off"):
                key = ("stimulus", action[:-4], entry.target)
            elif action.startswith("undo "):
                key = ("lesion", action[5:], entry.target)
            else:
                continue
            if key in open_:
                start, cells, detail = open_.pop(key)
                (stimuli if key[0] == "stimulus" else lesions).append(
                    Interval(start, at, trial, key[2], key[1], cells, detail))
        for (group, kind, target), (start, cells, detail) in open_.items():
            (stimuli if group == "stimulus" else lesions).append(
                Interval(start, offset + trial_s, trial, target, kind, cells, detail))
    return sorted(stimuli, key=lambda i: (i.start_s, i.target)), sorted(lesions, key=lambda i: (i.start_s, i.target))


def run_config(result: RunResult, dataset: DatasetInfo) -> dict:
    """The run's configuration as plain JSON values (what reproduces it)."""
    protocol = result.protocol
    return {
        "dataset_path": dataset.path, "dataset_name": dataset.name, "dataset_digest": dataset.digest,
        "digest_name": dataset.digest_name, "model": "shiu_lif", "params": result.params.to_dict(),
        "dt_ms": result.dt_ms, "duration_ms": result.n_steps * result.dt_ms, "n_steps": result.n_steps,
        "seed": result.seed, "trials": len(result.trials), "n_cells": int(dataset.ids.size),
        "stimuli": [{"selector": s.selector, "kind": s.kind.value, "value": s.value, "start_ms": s.start_ms,
                     "stop_ms": s.stop_ms} for s in protocol.stimuli],
        "lesions": [{"selector": s.selector, "mode": s.mode.value, "time_ms": s.time_ms} for s in protocol.lesions],
        "probes": list(protocol.probes), "rates_by": protocol.rates_by, "rate_bin_ms": protocol.rate_bin_ms,
    }


def generate_nwb(result: RunResult, dataset: DatasetInfo, created: datetime | None = None):
    """The run as a :class:`pynwb.NWBFile` (nothing is written)."""
    pynwb = require_pynwb()
    from brainview import __version__

    created = created or datetime.now(UTC)
    trials = len(result.trials)
    duration_s = result.n_steps * result.dt_ms * 1e-3
    nwb = pynwb.NWBFile(
        session_description=f"brainview simulation of {dataset.name or 'a connectome'}: {trials} trial"
                            f"{'s' if trials != 1 else ''} of {duration_s * 1e3:g} ms",
        identifier=str(uuid.uuid4()),
        session_start_time=created,
        experiment_description=f"Shiu et al. 2024 leaky integrate-and-fire model on {dataset.name or 'a connectome'} "
                               f"({dataset.digest_name} {dataset.digest})",
        notes=json.dumps(run_config(result, dataset), default=_plain),
        data_collection="Simulated. Trials follow each other on one time axis: trial k starts at k x duration.",
        was_generated_by=[["brainview", __version__]],
    )
    nwb.units = _units(result, dataset)
    for trial in range(trials):
        nwb.add_trial(start_time=trial * duration_s, stop_time=(trial + 1) * duration_s)
    stimuli, lesions = intervals(result)
    nwb.add_time_intervals(_intervals(pynwb, "stimuli", "Stimuli, from on to off (or the end of their trial).",
                                      stimuli, "kind", "poisson or current"))
    nwb.add_time_intervals(_intervals(pynwb, "lesions", "Lesions, from when they took effect to their undo "
                                      "(or the end of their trial).", lesions, "mode", "silence or ablate"))
    _probes(pynwb, nwb, result, dataset)
    return nwb


def _plain(value):
    return value.item() if isinstance(value, np.generic) else str(value)


def _labels(dataset: DatasetInfo, key: str, rows: np.ndarray) -> np.ndarray:
    """The ``key`` label of cell ``rows`` as an object array of str ("" where unknown)."""
    column = dataset.cells.get(key)
    return np.full(rows.size, "", dtype=object) if column is None else column.to_strings()[rows]


def _units(result: RunResult, dataset: DatasetInfo):
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex
    from pynwb.misc import Units

    rows, ends, times = spike_table(result)
    spike_times = VectorData(name="spike_times", data=times, description="spike times, s")
    columns = [
        spike_times, VectorIndex(name="spike_times_index", data=ends, target=spike_times),
        VectorData(name="source_id", data=np.asarray(dataset.ids, np.int64)[rows], description="the dataset's cell id"),
    ]
    names = {"name": "cell_name", "cell_type": "cell_type", "cell_class": "cell_class", "subsystem": "subsystem"}
    for key in LABELS:
        columns.append(VectorData(name=names[key], data=_labels(dataset, key, rows), description=f"{key} of the cell"))
    return Units(
        name="units", id=ElementIdentifiers(name="id", data=rows),
        description="cells that spiked: one row per cell (id: its row in the dataset), spike times in seconds",
        columns=columns,
    )


def _intervals(pynwb, name: str, description: str, rows: list[Interval], kind: str, kind_doc: str):
    """A TimeIntervals table built from typed columns (so an empty one is written too)."""
    from hdmf.common import ElementIdentifiers, VectorData

    def column(key: str, values: list, dtype, doc: str) -> VectorData:
        return VectorData(name=key, data=np.array(values, dtype=object if dtype is str else dtype), description=doc)

    columns = [
        column("start_time", [r.start_s for r in rows], np.float64, "start, s"),
        column("stop_time", [r.stop_s for r in rows], np.float64, "end, s"),
        column("trial", [r.trial for r in rows], np.int64, "trial index"),
        column("target", [r.target for r in rows], str, "the cells (selector)"),
        column(kind, [r.kind for r in rows], str, kind_doc),
        column("cells", [r.cells for r in rows], np.int64, "how many cells"),
        column("detail", [r.detail for r in rows], str, "rate or amplitude"),
    ]
    return pynwb.epoch.TimeIntervals(name=name, description=description, columns=columns,
                                     id=ElementIdentifiers(name="id", data=np.arange(len(rows))))


def _probes(pynwb, nwb, result: RunResult, dataset: DatasetInfo) -> None:
    from hdmf.common import DynamicTable, VectorData

    module = None
    probes = np.asarray(result.probe_rows, np.int64)
    if probes.size and result.n_steps:
        voltage = np.concatenate([t.probe_mV for t in result.trials]).astype(np.float32)
        nwb.add_acquisition(pynwb.TimeSeries(
            name="membrane_potential", data=voltage, unit="volts", conversion=1e-3, rate=1e3 / result.dt_ms,
            starting_time=result.dt_ms * 1e-3, description="membrane potential at the end of each step; columns: "
                                                           "the rows of processing/simulation/probed_cells",
        ))
        module = nwb.create_processing_module("simulation", "brainview's recordings of the run")
        module.add(DynamicTable(name="probed_cells", description="the columns of acquisition/membrane_potential",
                                columns=[VectorData(name="cell_row", data=probes, description="row in the dataset"),
                                         VectorData(name="source_id", data=np.asarray(dataset.ids, np.int64)[probes],
                                                    description="the dataset's cell id"),
                                         VectorData(name="cell_name", data=_labels(dataset, "name", probes),
                                                    description="name of the cell")]))
    rates = [np.asarray(t.rates_Hz, np.float32) for t in result.trials]
    if result.rate_labels and rates and rates[0].size:
        module = module or nwb.create_processing_module("simulation", "brainview's recordings of the run")
        bin_s, trial_s = result.protocol.rate_bin_ms * 1e-3, result.n_steps * result.dt_ms * 1e-3
        starts = np.concatenate([k * trial_s + np.arange(r.shape[0]) * bin_s for k, r in enumerate(rates)])
        module.add(pynwb.TimeSeries(
            name="group_rates", data=np.concatenate(rates), unit="Hz", timestamps=starts,
            description=f"mean rate per cell of each group of {result.protocol.rates_by} (columns: the rows of "
                        "rate_groups) in each bin; timestamps: the bins' starts",
        ))
        module.add(DynamicTable(name="rate_groups", description="the columns of group_rates",
                                columns=[VectorData(name="label", data=np.array(result.rate_labels, dtype=object),
                                                    description="group"),
                                         VectorData(name="cells", data=np.asarray(result.rate_sizes, np.int64),
                                                    description="cells in the group")]))


def write_nwb(path: str | os.PathLike, result: RunResult, dataset: DatasetInfo) -> Path:
    """Write ``result`` of a run on ``dataset`` as an NWB file at ``path``, atomically; returns the path."""
    pynwb = require_pynwb()
    path = Path(path)
    nwb = generate_nwb(result, dataset)
    with atomic_output(path) as temporary, warnings.catch_warnings():
        # The temporary name ends in .part; the file renamed into place ends in .nwb.
        warnings.filterwarnings("ignore", message="The file path provided", category=UserWarning)
        with pynwb.NWBHDF5IO(str(temporary), "w") as io:
            io.write(nwb)
    return path
