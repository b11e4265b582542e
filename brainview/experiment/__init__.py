"""Experiments as data, shared by the window, the command line, notebooks and files (no Qt).

- :mod:`~brainview.experiment.model`: :class:`Experiment` and its parts;
- :mod:`~brainview.experiment.cells`: cell sets by browser node, selector or cell, found
  again from their keys;
- :mod:`~brainview.experiment.files`: experiment files (TOML);
- :mod:`~brainview.experiment.replay`: an experiment's simulation and its log replayed.
"""

from brainview.experiment.cells import cell, cells_from_key, cells_from_selector
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
    "read_experiment", "replay", "simulation", "write_experiment",
]
