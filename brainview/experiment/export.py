"""Write a run in any of brainview's run formats, chosen by the path or by name.

The formats (:data:`RUN_FORMATS`):

- ``brainview``: the brainview-run HDF5 file (:mod:`brainview.sim.runfile`), self-describing
  and reproducible; ``brainview info RUN.h5`` summarises it;
- ``nwb``: an NWB file (:mod:`brainview.experiment.nwb`; needs pynwb);
- ``sonata``: a SONATA spikes file with the network as a SONATA circuit and a simulation config
  (:mod:`brainview.experiment.sonata_spikes`).

Without a format, :func:`run_format` goes by the path: ``.nwb`` is NWB; ``.h5`` / ``.hdf5`` is
a brainview-run file; a folder (one that exists, a path ending in ``/`` or ``.sonata``, or a
new name without a suffix) is SONATA. ``format="sonata"`` with an ``.h5`` path writes the SONATA spikes there
and the circuit beside it.

The app exports the window's recording with the same function the command line uses::

    from brainview.experiment.export import write_run_file
    from brainview.sim.runfile import DatasetInfo

    written = write_run_file("run.nwb", result, DatasetInfo.of(connectome, path), connectome=connectome)
"""

from __future__ import annotations

import os
from pathlib import Path

from brainview.connectome.connectome import Connectome
from brainview.connectome.io.atomic_files import writing
from brainview.errors import ParameterError
from brainview.sim.protocol import RunResult
from brainview.sim.runfile import DatasetInfo, write_run

RUN_FORMATS = {
    "brainview": "brainview-run HDF5 (.h5)",
    "nwb": "Neurodata Without Borders (.nwb)",
    "sonata": "SONATA spikes + circuit (a folder, or an .h5 spikes file)",
}
"""Run formats by name, with what they are."""

HDF5_SUFFIXES = (".h5", ".hdf5")


def is_folder_path(path: str | os.PathLike) -> bool:
    """True for an existing folder, a path ending in a separator or ``.sonata``, or a new name without a suffix."""
    text = os.fspath(path)
    path = Path(text)
    return (path.is_dir() or text.endswith(("/", os.sep)) or path.suffix.lower() == ".sonata"
            or (not path.suffix and not path.exists()))


def run_format(path: str | os.PathLike, format: str | None = None) -> str:
    """The run format for ``path`` (see the module notes); ParameterError if the two disagree.

    Raises
    ------
    ParameterError
        For an unknown format, or a path that does not suit it (``.txt``; ``--format nwb`` with
        an ``.h5`` path).
    """
    suffix = Path(path).suffix.lower()
    folder = is_folder_path(path)
    if format is None:
        if suffix == ".nwb":
            return "nwb"
        if suffix in HDF5_SUFFIXES:
            return "brainview"
        if folder:
            return "sonata"
        raise ParameterError(f"{path}: the run file must end in .h5 (brainview-run), .nwb (NWB), "
                             "or name a folder (SONATA); or choose one with --format")
    if format not in RUN_FORMATS:
        raise ParameterError(f"unknown run format {format!r}; formats are {', '.join(RUN_FORMATS)}")
    fits = {"brainview": suffix in HDF5_SUFFIXES, "nwb": suffix == ".nwb",
            "sonata": folder or suffix in HDF5_SUFFIXES}[format]
    if not fits:
        needs = {"brainview": "must end in .h5", "nwb": "must end in .nwb",
                 "sonata": "must be a folder or an .h5 spikes file"}[format]
        raise ParameterError(f"{path}: a {format} run file {needs}")
    return format


def write_run_file(
    path: str | os.PathLike,
    result: RunResult,
    dataset: DatasetInfo,
    format: str | None = None,
    connectome: Connectome | None = None,
) -> list[Path]:
    """Write ``result`` of a run on ``dataset`` at ``path`` in ``format`` (default: by the path).

    Parameters
    ----------
    path : path-like
        Where to write (see :func:`run_format` for how it chooses the format).
    result : RunResult
        What the run recorded (from :func:`~brainview.sim.protocol.run_protocol`, or built by
        the app from the window's recording).
    dataset : DatasetInfo
        The network it ran on (:meth:`DatasetInfo.of` a connectome).
    format : {"brainview", "nwb", "sonata"}, optional
        Overrides the choice by path.
    connectome : Connectome, optional
        The network itself; SONATA needs it (its circuit is written beside the spikes).

    Returns
    -------
    list of Path
        The files written (one, except for SONATA). Every one is complete or absent: a
        failed write leaves nothing behind.

    Raises
    ------
    ParameterError
        For a format that does not suit the path, SONATA without the connectome, or NWB
        without pynwb installed.
    OSError
        If the destination cannot be written.
    """
    chosen = run_format(path, format)
    with writing(path):
        if chosen == "nwb":
            from brainview.experiment.nwb import write_nwb

            return [write_nwb(path, result, dataset)]
        if chosen == "sonata":
            from brainview.experiment.sonata_spikes import write_sonata_run

            if connectome is None:
                raise ParameterError("a SONATA run needs the connectome: its circuit is written beside the spikes")
            return write_sonata_run(path, result, dataset, connectome)
        return [write_run(path, result, dataset)]
