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
    /cells/{name, cell_type, cell_class, subsystem}
                            int32 (N) codes with attribute "categories" (-1: no label), as in the
                            native connectome file: the run describes its cells without the dataset
    /spikes/{trial, step, neuron}   one row per spike
    /probes/neuron          int32 (P): probed cell rows
    /probes/voltage_mV      float32 (trials, steps, P): v after each step
    /rates/{label, size}    rate groups (labels of column ``rates_by``) and their cell counts
    /rates/rate_Hz          float32 (trials, bins, groups)
    /log/*                  every change, per trial: trial, step, time_ms, action, target, cells, detail

The file is written to a temporary name beside the target and renamed when complete, so a run
that fails leaves no file behind.

The cell labels (``/cells/<label>``) came after the first files were written: they are optional
for the reader, so files without them still read (with no labels), and files with them still
read in a brainview that does not know them (it ignores them). The format version stays 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.digest import DIGEST_NAME, connectome_digest
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.hdf5 import SafeDataset, SafeFile, open_hdf5
from brainview.connectome.io.native import DatasetSpec
from brainview.errors import ParameterError
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

LABELS = ("name", "cell_type", "cell_class", "subsystem")
"""The connectome's label columns a run file keeps beside the cell ids (``/cells/<label>``)."""

_STR = h5py.string_dtype()
_COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


@dataclass(frozen=True)
class DatasetInfo:
    """Where the run's network came from, and what its cells are called.

    Parameters
    ----------
    path, name : str
        The dataset's file (or folder) and its name.
    digest, digest_name : str
        Its content hash (:func:`~brainview.connectome.digest.connectome_digest`) and the hash's name.
    ids : numpy.ndarray
        int64 source id of each cell row.
    cells : mapping of str to Categorical
        Labels of each cell row by column (:data:`LABELS`: name, cell_type, cell_class,
        subsystem); run files store them so that they describe their cells by themselves.
        Empty when not known.
    """

    path: str
    name: str
    digest: str
    digest_name: str
    ids: np.ndarray
    cells: Mapping[str, Categorical] = field(default_factory=dict)

    @classmethod
    def of(cls, connectome: Connectome, path: str | os.PathLike | None = None, name: str | None = None) -> DatasetInfo:
        """The description of ``connectome`` (read from ``path``): digest, ids and :data:`LABELS`."""
        source = "" if path is None else str(Path(path).resolve())
        label = name or connectome.meta.get("name", "") or (Path(path).stem if path is not None else "connectome")
        cells = {key: connectome[key] for key in LABELS}  # string columns: always categorical
        return cls(source, label, connectome_digest(connectome), DIGEST_NAME, connectome.ids, cells)


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
    cells: dict[str, Categorical] = field(default_factory=dict)
    """Labels of the cells (:data:`LABELS`) that the file holds; empty for older files."""


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
            _write_labels(f, dataset)
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


def _array(f: h5py.File, name: str, data: np.ndarray, dtype=None) -> h5py.Dataset:
    options = _COMPRESSION if data.size and dtype is None else {}
    return f.create_dataset(name, data=data, dtype=dtype, chunks=True if options else None, **options)


def _write_labels(f: h5py.File, dataset: DatasetInfo) -> None:
    for key in LABELS:
        column = dataset.cells.get(key)
        if column is None:
            continue
        if len(column) != dataset.ids.size:
            raise ParameterError(f"the {key} labels cover {len(column)} cells, the dataset has {dataset.ids.size}")
        codes = _array(f, f"cells/{key}", np.asarray(column.codes, np.int32))
        codes.attrs["categories"] = np.array(list(column.categories), dtype=_STR)


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
    """Read a brainview-run file, through the safe HDF5 reader (:mod:`brainview.connectome.io.hdf5`).

    Every dataset's shape is checked against the others (and the configuration's trial and
    step counts) before any is read; numbers are converted to the schema's dtypes only when
    exact, and spike and probe cell rows must lie among the run's cells.

    Raises
    ------
    FormatError
        If the file is not HDF5, not a brainview-run file, of a newer version, lacks or
        misshapes a dataset, or holds links or external storage; the error names the file.
    """
    path = Path(path)
    with open_hdf5(path) as h5, h5.errors():
        return _read_run(h5)


def _read_run(h5: SafeFile) -> RunRecord:
    found = h5.attribute("/", "format", "scalar", default="")
    if found != FORMAT:
        raise h5.fail(f"not a brainview run file (root attribute format is {found!r}, expected {FORMAT!r})")
    version = h5.attribute("/", "format_version", "int")
    if version is None or version < 1:
        raise h5.fail(f"no valid format_version attribute (got {version!r})")
    if version > FORMAT_VERSION:
        raise h5.fail(f"format_version {version} is newer than this brainview reads ({FORMAT_VERSION})")
    for spec in SCHEMA:
        if not h5.has(spec.path):
            raise h5.fail(f"missing dataset /{spec.path} ({spec.doc})", column=spec.path)
    config = {k: h5.attribute("config", k, "scalar") for k in h5.attribute_names("config")}
    for key in ("duration_ms", "rates_by", "rate_bin_ms", "trials", "n_steps"):
        if key not in config:
            raise h5.fail(f"the run configuration lacks {key!r}", column="config")
    params = ShiuParams.from_dict({k: h5.attribute("config/params", k, "number")
                                   for k in h5.attribute_names("config/params")})
    datasets = _open_datasets(h5, config)
    values = {
        spec.path: datasets[spec.path].read_strings() if spec.dtype == "str" else datasets[spec.path].read_as(spec.dtype)
        for spec in SCHEMA
    }
    n_cells = values["cells/id"].size
    for name, limit in (("spikes/neuron", n_cells), ("probes/neuron", n_cells), ("spikes/trial", config["trials"]),
                        ("spikes/step", config["n_steps"])):
        rows = values[name]
        if rows.size and (rows.min() < 0 or rows.max() >= limit):
            raise h5.fail(f"values must lie in [0, {limit}), got [{rows.min()}, {rows.max()}]", column=name)
    return RunRecord(
        config=config,
        params=params,
        protocol=_protocol(values, config),
        cell_ids=values["cells/id"],
        spikes={key: values[f"spikes/{key}"] for key in ("trial", "step", "neuron")},
        probe_neurons=values["probes/neuron"],
        probe_voltage_mV=values["probes/voltage_mV"],
        rate_labels=tuple(values["rates/label"]),
        rate_sizes=values["rates/size"],
        rates_Hz=values["rates/rate_Hz"],
        log={key: values[f"log/{key}"] for key in ("trial", "step", "time_ms", "action", "target", "cells", "detail")},
        cells=_read_labels(h5, n_cells),
    )


def _read_labels(h5: SafeFile, n_cells: int) -> dict[str, Categorical]:
    """The optional ``/cells/<label>`` columns: int32 codes of shape (N,) into their categories."""
    labels = {}
    for key in LABELS:
        name = f"cells/{key}"
        if not h5.has(name):
            continue
        dataset = h5.dataset(name, f"{key} of each cell (category codes)")
        if dataset.shape != (n_cells,):
            raise h5.fail(f"shape {dataset.shape}, expected ({n_cells},): one code per cell", column=name)
        categories = h5.attribute(name, "categories", "strs")
        if categories is None:
            raise h5.fail("category codes without their 'categories' attribute", column=name)
        codes = dataset.read_as(np.int32)
        if codes.size and (codes.min() < -1 or codes.max() >= len(categories)):
            raise h5.fail(f"category codes must lie in [-1, {len(categories) - 1}], got [{codes.min()}, {codes.max()}]",
                          column=name)
        try:
            labels[key] = Categorical(codes, tuple(categories))
        except ValueError as error:
            raise h5.fail(str(error), column=name) from None
    return labels


def _open_datasets(h5: SafeFile, config: dict) -> dict[str, SafeDataset]:
    """Every dataset of :data:`SCHEMA`, its shape checked against the others' before any is read."""
    sizes: dict[str, int] = {}
    for key, dim in (("trials", "trials"), ("n_steps", "steps")):
        if not isinstance(config[key], int) or isinstance(config[key], bool) or config[key] < 0:
            raise h5.fail(f"config attribute {key} must be a whole number, got {config[key]!r}", column="config")
        sizes[dim] = config[key]
    datasets = {}
    for spec in SCHEMA:
        dataset = h5.dataset(spec.path, spec.doc, strings=spec.dtype == "str")
        dims = spec.dims.split(" x ")
        if len(dataset.shape) != len(dims):
            raise h5.fail(f"shape {dataset.shape}, expected {spec.dims} ({spec.doc})", column=spec.path)
        for dim, size in zip(dims, dataset.shape):
            if sizes.setdefault(dim, size) != size:
                raise h5.fail(f"shape {dataset.shape}, expected {spec.dims} with {dim} = {sizes[dim]}",
                              column=spec.path)
        datasets[spec.path] = dataset
    return datasets


def _protocol(values: dict, config: dict) -> Protocol:
    stimuli = tuple(
        StimulusSpec(selector, StimulusKind(kind), None if np.isnan(value) else float(value),
                     float(start), None if np.isnan(stop) else float(stop))
        for selector, kind, value, start, stop in zip(
            values["config/stimuli/selector"], values["config/stimuli/kind"], values["config/stimuli/value"],
            values["config/stimuli/start_ms"], values["config/stimuli/stop_ms"],
        )
    )
    lesions = tuple(
        LesionSpec(selector, LesionMode(mode), float(time_ms))
        for selector, mode, time_ms in zip(
            values["config/lesions/selector"], values["config/lesions/mode"], values["config/lesions/time_ms"]
        )
    )
    return Protocol(
        duration_ms=float(config["duration_ms"]),
        stimuli=stimuli,
        lesions=lesions,
        probes=tuple(values["config/probes"]),
        rates_by=str(config["rates_by"]) or None,
        rate_bin_ms=float(config["rate_bin_ms"]),
    )
