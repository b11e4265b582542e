"""Runs as SONATA: a spikes file, the network as a SONATA circuit, and a simulation config.

The spikes file (SONATA's spike report)::

    /                          attrs: magic, version
    /spikes/<population>       attrs: sorting = by_time (HDF5 enum none/by_id/by_time), and
                               brainview's trials, trial_duration_ms, dt_ms, seed, dataset_digest,
                               digest_name, brainview_version
    /spikes/<population>/timestamps   float64 (S), ms, attr units = "ms"
    /spikes/<population>/node_ids     uint64 (S): the cell rows, the circuit's node ids

Trials follow each other on one time axis (trial k's spikes are shifted by k x duration), as in
the NWB export. Beside it, :mod:`brainview.connectome.io.sonata_writer`'s circuit (nodes and
edges files, types tables, circuit config; ``<population>`` is the node population's name) and
a ``simulation_config.json`` that names the circuit, the spikes file and the run's ``tstop``,
``dt`` and ``random_seed``. Every file is written completely or not at all, the simulation
config last.

Where the files go (:func:`run_paths`): for a folder, ``spikes.h5``, ``circuit_config.json``,
``nodes.h5``, ``edges.h5``, ``node_types.csv``, ``edge_types.csv`` and
``simulation_config.json`` inside it; for a file ``NAME_spikes.h5`` (or ``NAME.h5``), the
spikes there and the others beside it as ``NAME_circuit_config.json``, ``NAME_nodes.h5``...
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from brainview.connectome.connectome import Connectome
from brainview.connectome.io.atomic_files import atomic_outputs
from brainview.connectome.io.sonata_writer import (
    MAGIC,
    SONATA_VERSION,
    CircuitPaths,
    circuit_paths,
    population_name,
    write_circuit_files,
)
from brainview.errors import ParameterError
from brainview.sim.protocol import RunResult
from brainview.sim.runfile import DatasetInfo

SORTING = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")
"""SONATA's spike sorting attribute type."""


@dataclass(frozen=True)
class RunPaths:
    """The files of a SONATA run; :attr:`simulation` names the others."""

    simulation: Path
    spikes: Path
    circuit: CircuitPaths

    def all(self) -> list[Path]:
        """Every file, the simulation config first (it is renamed into place last)."""
        return [self.simulation, self.spikes, *self.circuit.all()]


def run_paths(destination: str | os.PathLike) -> RunPaths:
    """Where :func:`write_sonata_run` puts the files for ``destination`` (see the module notes)."""
    destination = Path(destination)
    if destination.suffix.lower() in (".h5", ".hdf5"):
        stem = destination.stem
        base = stem[: -len("spikes")].rstrip("_") if stem.lower().endswith("spikes") else stem
        prefix = f"{base}_" if base else ""
        folder, spikes = destination.parent, destination
    else:
        prefix, folder, spikes = "", destination, destination / "spikes.h5"
    return RunPaths(folder / f"{prefix}simulation_config.json", spikes, circuit_paths(folder, prefix))


def generate_spikes(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """Spike times (ms, float64) and node ids (uint64) of every trial, sorted by time, then node."""
    steps = np.concatenate([t.spike_steps.astype(np.int64) + i * result.n_steps for i, t in enumerate(result.trials)]
                           or [np.zeros(0, np.int64)])
    cells = np.concatenate([t.spike_cells.astype(np.int64) for t in result.trials] or [np.zeros(0, np.int64)])
    order = np.lexsort((cells, steps))
    return steps[order] * result.dt_ms, cells[order].astype(np.uint64)


def generate_simulation_config(paths: RunPaths, result: RunResult) -> dict:
    """The SONATA simulation config of the run: its circuit, spikes file, tstop, dt and seed."""
    folder = paths.simulation.parent

    def relative(path: Path) -> str:
        return "$BASE_DIR/" + os.path.relpath(path, folder).replace(os.sep, "/")

    return {
        "manifest": {"$BASE_DIR": "."},
        "network": relative(paths.circuit.config),
        "run": {"tstop": result.n_steps * result.dt_ms * len(result.trials), "dt": result.dt_ms,
                "random_seed": int(result.seed)},
        "output": {"output_dir": "$BASE_DIR", "spikes_file": os.path.relpath(paths.spikes, folder).replace(os.sep, "/"),
                   "spikes_sort_order": "by_time"},
    }


def write_spikes(path: Path, result: RunResult, dataset: DatasetInfo, population: str) -> None:
    """Write the spikes file at ``path`` (not atomically: :func:`write_sonata_run` renames it)."""
    from brainview import __version__

    times, nodes = generate_spikes(result)
    with h5py.File(path, "w", libver="v110") as f:
        f.attrs["magic"] = np.uint32(MAGIC)
        f.attrs["version"] = np.array(SONATA_VERSION, np.uint32)
        group = f.create_group(f"spikes/{population}")
        group.attrs.create("sorting", 2, dtype=SORTING)
        group.attrs.update({
            "trials": len(result.trials), "trial_duration_ms": result.n_steps * result.dt_ms, "dt_ms": result.dt_ms,
            "seed": int(result.seed), "dataset_digest": dataset.digest, "digest_name": dataset.digest_name,
            "brainview_version": __version__,
        })
        group.create_dataset("timestamps", data=times).attrs["units"] = "ms"
        group.create_dataset("node_ids", data=nodes)


def write_sonata_run(destination: str | os.PathLike, result: RunResult, dataset: DatasetInfo,
                     connectome: Connectome) -> list[Path]:
    """Write ``result`` as SONATA at ``destination`` (:func:`run_paths`), all files or none.

    ``connectome`` is the network the run simulated (its cells are the dataset's rows).
    Returns the files written, the simulation config first.
    """
    if connectome.n != dataset.ids.size:
        raise ParameterError(f"the connectome has {connectome.n} cells, the run's dataset {dataset.ids.size}")
    paths = run_paths(destination)
    population = population_name(connectome)
    with atomic_outputs(paths.all()) as temporary:
        simulation, spikes, *circuit = temporary
        write_circuit_files(connectome, CircuitPaths(*circuit), paths.circuit, population)
        write_spikes(spikes, result, dataset, population)
        simulation.write_text(json.dumps(generate_simulation_config(paths, result), indent=2) + "\n")
    return paths.all()
