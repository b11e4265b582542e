"""Experiments as data, shared by the window, the command line, notebooks and files (no Qt).

- :mod:`~brainview.experiment.model`: :class:`Experiment` and its parts;
- :mod:`~brainview.experiment.cells`: cell sets by browser node, selector or cell, found
  again from their keys;
- :mod:`~brainview.experiment.files`: experiment files (TOML);
- :mod:`~brainview.experiment.replay`: an experiment's simulation and its log replayed;
- :mod:`~brainview.experiment.export`: runs written as brainview-run, NWB or SONATA
  (:mod:`~brainview.experiment.live` packs the window's recording as a run);
- :mod:`~brainview.experiment.recording`: run files read back for replay;
- :mod:`~brainview.experiment.branches`: the branches of a rewound live run.
"""

from brainview.experiment.cells import cell, cells_from_key, cells_from_selector
from brainview.experiment.export import write_run_file
from brainview.experiment.files import (
    DatasetChangedError, DatasetNotFoundError, read_experiment, write_experiment,
)
from brainview.experiment.model import (
    CellSet, DatasetRef, Experiment, LesionEntry, LogRecord, StimulusEntry, ViewState,
)
from brainview.experiment.replay import replay, simulation

__all__ = [
    "CellSet", "DatasetChangedError", "DatasetNotFoundError", "DatasetRef", "Experiment", "LesionEntry",
    "LogRecord", "StimulusEntry", "ViewState", "cell", "cells_from_key", "cells_from_selector",
    "read_experiment", "replay", "simulation", "write_experiment", "write_run_file",
]
