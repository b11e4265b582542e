"""The brainview-run file: one HDF5 file per simulation run, reproducible from the file alone.

Layout (declared once in :data:`SCHEMA`)::

    /                       attrs: format="brainview-run", format_version, brainview_version, created
    /config                 attrs: dataset_path, dataset_name, dataset_digest, digest_name, model,
                                   dt_ms, duration_ms, n_steps, seed, trials, n_cells, rates_by,
                                   rate_bin_ms
    /config/params          attrs: every model parameter (ShiuParams names, units in the names)
    /config/stimuli/*       one row per stimulus: selector, kind, value, start_ms, stop_ms
    /config/lesions/*       one row per lesion: selector, mode, time_ms
    /config/probes          the probe selectors
    /cells/id               int64 (N): source id of each cell row
    /spikes/{trial, step, neuron}   one row per spike
    /probes/neuron          int32 (P): probed cell rows
    /probes/voltage_mV      float32 (trials, steps, P): v after each step
    /rates/{label, size}    rate groups (labels of column ``rates_by``) and their cell counts
    /rates/rate_Hz          float32 (trials, bins, groups)
    /log/*                  every change, per trial: trial, step, time_ms, action, target, cells, detail

The file is written to a temporary name beside the target and renamed when complete, so a run
that fails leaves no file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.native import DatasetSpec
from brainview.sim.lesions import LesionMode
from brainview.sim.params import ShiuParams
from brainview.sim.protocol import LesionSpec, Protocol, RunResult, StimulusSpec
from brainview.sim.stimuli import StimulusKind

FORMAT = "brainview-run"
FORMAT_VERSION = 1

SCHEMA = (
    DatasetSpec("cells/id", "int64", "N", "source id of each cell row"),
    DatasetSpec("spikes/trial", "int32", "S", "trial of each spike"),
    DatasetSpec("spikes/step", "int64", "S", "time step of each spike (time = step x dt_ms)"),
    DatasetSpec("spikes/neuron", "int32", "S", "cell row of each spike"),
    DatasetSpec("probes/neuron", "int32", "P", "probed cell rows"),
    DatasetSpec("probes/voltage_mV", "float32", "trials x steps x P", "v after each step, mV"),
    DatasetSpec("rates/label", "str", "G", "rate group labels"),
    DatasetSpec("rates/size", "int64", "G", "cells per rate group"),
    DatasetSpec("rates/rate_Hz", "float32", "trials x bins x G", "mean rate per cell of each group and bin"),
    DatasetSpec("config/stimuli/selector", "str", "K", "cells of each stimulus"),
    DatasetSpec("config/stimuli/kind", "str", "K", "poisson or current"),
    DatasetSpec("config/stimuli/value", "float64", "K", "rate in Hz (poisson; NaN: r_poi_Hz) or amplitude in mV"),
    DatasetSpec("config/stimuli/start_ms", "float64", "K", "onset"),
    DatasetSpec("config/stimuli/stop_ms", "float64", "K", "offset (NaN: end of run)"),
    DatasetSpec("config/lesions/selector", "str", "L", "cells of each lesion"),
    DatasetSpec("config/lesions/mode", "str", "L", "silence or ablate"),
    DatasetSpec("config/lesions/time_ms", "float64", "L", "time the lesion takes effect"),
    DatasetSpec("config/probes", "str", "Q", "probe selectors"),
    DatasetSpec("log/trial", "int32", "R", "trial of each logged change"),
    DatasetSpec("log/step", "int64", "R", "first step the change acts on"),
    DatasetSpec("log/time_ms", "float64", "R", "the same, ms"),
    DatasetSpec("log/action", "str", "R", "what changed"),
    DatasetSpec("log/target", "str", "R", "the cells it changed (selector)"),
    DatasetSpec("log/cells", "int64", "R", "how many cells"),
    DatasetSpec("log/detail", "str", "R", "rate or amplitude"),
)
"""Every dataset of a brainview-run file."""

_STR = h5py.string_dtype()
_COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


@dataclass(frozen=True)
class DatasetInfo:
    """Where the run's network came from."""

    path: str
    name: str
    digest: str
    digest_name: str
    ids: np.ndarray


@dataclass
class RunRecord:
    """A brainview-run file read back."""

    config: dict
    params: ShiuParams
    protocol: Protocol
    cell_ids: np.ndarray
    spikes: dict[str, np.ndarray]  # trial, step, neuron
    probe_neurons: np.ndarray
    probe_voltage_mV: np.ndarray
    rate_labels: tuple[str, ...]
    rate_sizes: np.ndarray
    rates_Hz: np.ndarray
    log: dict[str, np.ndarray]


def write_run(path: str | os.PathLike, result: RunResult, dataset: DatasetInfo) -> Path:
    """Write ``result`` of a run on ``dataset`` to ``path``, atomically; returns the path."""
    from brainview import __version__

    path = Path(path)
    with atomic_output(path) as temporary:
        with h5py.File(temporary, "w", libver="v110") as f:
            f.attrs.update({
                "format": FORMAT, "format_version": FORMAT_VERSION, "brainview_version": __version__,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            })
            _write_config(f.create_group("config"), result, dataset)
            _array(f, "cells/id", dataset.ids.astype(np.int64))
            trials = result.trials
            _array(f, "spikes/trial", np.concatenate(
                [np.full(t.spike_steps.size, i, np.int32) for i, t in enumerate(trials)]))
            _array(f, "spikes/step", np.concatenate([t.spike_steps for t in trials]).astype(np.int64))
            _array(f, "spikes/neuron", np.concatenate([t.spike_cells for t in trials]).astype(np.int32))
            _array(f, "probes/neuron", result.probe_rows.astype(np.int32))
            _array(f, "probes/voltage_mV", np.stack([t.probe_mV for t in trials]).astype(np.float32))
            _array(f, "rates/label", np.array(result.rate_labels, dtype=object), _STR)
            _array(f, "rates/size", np.asarray(result.rate_sizes, np.int64))
            _array(f, "rates/rate_Hz", np.stack([t.rates_Hz for t in trials]).astype(np.float32))
            log = [(i, e) for i, t in enumerate(trials) for e in t.log]
            _array(f, "log/trial", np.array([i for i, _ in log], np.int32))
            _array(f, "log/step", np.array([e.step for _, e in log], np.int64))
            _array(f, "log/time_ms", np.array([e.time_ms for _, e in log], np.float64))
            for key in ("action", "target", "detail"):
                _array(f, f"log/{key}", np.array([getattr(e, key) for _, e in log], dtype=object), _STR)
            _array(f, "log/cells", np.array([e.cells for _, e in log], np.int64))
            f["config"].attrs["wall_s"] = result.wall_s
    return path


def _array(f: h5py.File, name: str, data: np.ndarray, dtype=None) -> None:
    options = _COMPRESSION if data.size and dtype is None else {}
    f.create_dataset(name, data=data, dtype=dtype, chunks=True if options else None, **options)


def _write_config(group: h5py.Group, result: RunResult, dataset: DatasetInfo) -> None:
    protocol = result.protocol
    group.attrs.update({
        "dataset_path": dataset.path, "dataset_name": dataset.name, "dataset_digest": dataset.digest,
        "digest_name": dataset.digest_name, "model": "shiu_lif", "dt_ms": result.dt_ms,
        "duration_ms": protocol.duration_ms, "n_steps": result.n_steps, "seed": result.seed,
        "trials": len(result.trials), "n_cells": int(dataset.ids.size),
        "rates_by": protocol.rates_by or "", "rate_bin_ms": protocol.rate_bin_ms,
    })
    group.create_group("params").attrs.update(result.params.to_dict())
    stimuli = protocol.stimuli
    _array(group, "stimuli/selector", np.array([s.selector for s in stimuli], dtype=object), _STR)
    _array(group, "stimuli/kind", np.array([s.kind.value for s in stimuli], dtype=object), _STR)
    _array(group, "stimuli/value", np.array([np.nan if s.value is None else s.value for s in stimuli], np.float64))
    _array(group, "stimuli/start_ms", np.array([s.start_ms for s in stimuli], np.float64))
    _array(group, "stimuli/stop_ms", np.array([np.nan if s.stop_ms is None else s.stop_ms for s in stimuli], np.float64))
    lesions = protocol.lesions
    _array(group, "lesions/selector", np.array([s.selector for s in lesions], dtype=object), _STR)
    _array(group, "lesions/mode", np.array([s.mode.value for s in lesions], dtype=object), _STR)
    _array(group, "lesions/time_ms", np.array([s.time_ms for s in lesions], np.float64))
    _array(group, "probes", np.array(list(protocol.probes), dtype=object), _STR)


def read_run(path: str | os.PathLike) -> RunRecord:
    """Read a brainview-run file.

    Raises
    ------
    FormatError
        If the file is not HDF5, not a brainview-run file, of a newer version, or lacks a dataset.
    """
    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise FormatError(path, f"not a readable HDF5 file: {error}") from None
    with f:
        found = _text(f.attrs.get("format", ""))
        if found != FORMAT:
            raise FormatError(path, f"not a brainview run file (root attribute format is {found!r}, expected {FORMAT!r})")
        version = int(f.attrs.get("format_version", -1))
        if version > FORMAT_VERSION:
            raise FormatError(path, f"format_version {version} is newer than this brainview reads ({FORMAT_VERSION})")
        for spec in SCHEMA:
            if spec.path not in f:
                raise FormatError(path, f"missing dataset /{spec.path} ({spec.doc})", column=spec.path)
        config = {k: _plain(v) for k, v in f["config"].attrs.items()}
        params = ShiuParams.from_dict({k: float(v) for k, v in f["config/params"].attrs.items()})
        protocol = _protocol(f, config)
        return RunRecord(
            config=config,
            params=params,
            protocol=protocol,
            cell_ids=f["cells/id"][()],
            spikes={key: f[f"spikes/{key}"][()] for key in ("trial", "step", "neuron")},
            probe_neurons=f["probes/neuron"][()],
            probe_voltage_mV=f["probes/voltage_mV"][()],
            rate_labels=tuple(_strings(f["rates/label"])),
            rate_sizes=f["rates/size"][()],
            rates_Hz=f["rates/rate_Hz"][()],
            log={
                key: (_strings(f[f"log/{key}"]) if f[f"log/{key}"].dtype.kind == "O" else f[f"log/{key}"][()])
                for key in ("trial", "step", "time_ms", "action", "target", "cells", "detail")
            },
        )


def _protocol(f: h5py.File, config: dict) -> Protocol:
    stimuli = tuple(
        StimulusSpec(selector, StimulusKind(kind), None if np.isnan(value) else float(value),
                     float(start), None if np.isnan(stop) else float(stop))
        for selector, kind, value, start, stop in zip(
            _strings(f["config/stimuli/selector"]), _strings(f["config/stimuli/kind"]),
            f["config/stimuli/value"][()], f["config/stimuli/start_ms"][()], f["config/stimuli/stop_ms"][()],
        )
    )
    lesions = tuple(
        LesionSpec(selector, LesionMode(mode), float(time_ms))
        for selector, mode, time_ms in zip(
            _strings(f["config/lesions/selector"]), _strings(f["config/lesions/mode"]), f["config/lesions/time_ms"][()]
        )
    )
    return Protocol(
        duration_ms=float(config["duration_ms"]),
        stimuli=stimuli,
        lesions=lesions,
        probes=tuple(_strings(f["config/probes"])),
        rates_by=config["rates_by"] or None,
        rate_bin_ms=float(config["rate_bin_ms"]),
    )


def _strings(dataset: h5py.Dataset) -> list[str]:
    return [_text(v) for v in dataset[()]]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _plain(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
