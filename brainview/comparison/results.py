"""The output folder of a comparison or screen, written as conditions finish and read back to resume.

Layout of ``DIR``::

    experiment.toml          the comparison as run (schema brainview-experiment, with [design])
    conditions/<slug>.h5     one file per finished condition (format brainview-condition):
                             attrs name, design, lesions (fingerprints), readouts;
                             spikes, rate_Hz (trials x readouts), wall_s (trials),
                             raster_ms, raster_row (the readout cells' spikes of trial 0)
    trials.csv               condition, trial, readout, spikes, rate_Hz: every trial
    summary.csv              the statistics (:data:`~brainview.comparison.stats.SUMMARY_COLUMNS`)
    rates.png, rasters/*.png, report.txt

Every file is written to a temporary name and renamed when complete, so an interrupted run
leaves each finished condition readable and no half-written file. A condition file is reused
only when its fingerprints match the comparison being run; a folder holding another
comparison's conditions is refused rather than mixed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from brainview.comparison.design import Comparison
from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.hdf5 import open_hdf5
from brainview.errors import ParameterError

FORMAT = "brainview-condition"
FORMAT_VERSION = 1
_STR = h5py.string_dtype()


@dataclass(frozen=True)
class ConditionResult:
    """Every trial of one condition: spikes and rates per readout, and the first trial's raster."""

    name: str
    spikes: np.ndarray  # int64 (trials, readouts)
    rates_Hz: np.ndarray  # float64 (trials, readouts)
    wall_s: np.ndarray  # float64 (trials,)
    raster_ms: np.ndarray
    raster_rows: np.ndarray


def slug(name: str) -> str:
    """A file name for condition ``name``: readable, and unique by a hash of the name."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:40] or "condition"
    return f"{words}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


class ResultFolder:
    """``DIR`` of one comparison: its finished conditions, and where the next ones go."""

    def __init__(self, path: str | os.PathLike, comparison: Comparison) -> None:
        self.path = Path(path)
        self.comparison = comparison
        if self.path.exists() and not self.path.is_dir():
            raise ParameterError(f"{self.path} is a file; --out needs a folder for the results")
        (self.path / "conditions").mkdir(parents=True, exist_ok=True)

    def begin(self) -> None:
        """Write the comparison being run as ``experiment.toml`` (after :meth:`finished` accepted the folder)."""
        from brainview.comparison.files import write_comparison

        write_comparison(self.path / "experiment.toml", self.comparison)

    def condition_path(self, name: str) -> Path:
        return self.path / "conditions" / f"{slug(name)}.h5"

    def finished(self) -> dict[str, ConditionResult]:
        """The conditions of this comparison already in the folder, by name.

        Raises
        ------
        ParameterError
            If the folder holds conditions of a different comparison (another dataset, stimulus,
            readout, number of trials...), or a condition of the same name with other lesions.
        FormatError
            If a condition file is damaged (it was not written by brainview: ours are atomic).
        """
        done = {}
        wanted = {slug(name): name for name in self.comparison.condition_names}
        for file in sorted((self.path / "conditions").glob("*.h5")):
            design, lesions, name = _fingerprints(file)
            if design != self.comparison.fingerprint:
                raise ParameterError(
                    f"{self.path} holds the results of another comparison ({file.name} has other stimuli, "
                    "readouts, trials, parameters or dataset); choose a new --out folder or remove it"
                )
            if file.stem not in wanted:
                continue  # a condition of this design that this run leaves out (a narrower screen)
            if wanted[file.stem] != name or lesions != self.comparison.condition(name).fingerprint:
                raise ParameterError(f"{file}: condition {name!r} was run with other lesions; remove the file to rerun it")
            done[name] = read_condition(file, self.comparison)
        return done

    def write(self, result: ConditionResult) -> Path:
        """Write a finished condition atomically; returns its path."""
        from brainview import __version__

        path = self.condition_path(result.name)
        with atomic_output(path) as temporary, h5py.File(temporary, "w") as f:
            f.attrs.update({
                "format": FORMAT, "format_version": FORMAT_VERSION, "brainview_version": __version__,
                "name": result.name, "design": self.comparison.fingerprint,
                "lesions": self.comparison.condition(result.name).fingerprint,
            })
            f.attrs["readouts"] = np.array([r.label for r in self.comparison.readouts], dtype=_STR)
            f["spikes"] = result.spikes.astype(np.int64)
            f["rate_Hz"] = result.rates_Hz.astype(np.float64)
            f["wall_s"] = result.wall_s.astype(np.float64)
            f["raster_ms"] = result.raster_ms.astype(np.float64)
            f["raster_row"] = result.raster_rows.astype(np.int64)
        return path


def _fingerprints(path: Path) -> tuple[str, str, str]:
    with open_hdf5(path) as h5, h5.errors():
        if h5.attribute("/", "format", "scalar", default="") != FORMAT:
            raise h5.fail(f"not a brainview condition file (expected format {FORMAT!r})")
        version = h5.attribute("/", "format_version", "int")
        if version is None or not 1 <= version <= FORMAT_VERSION:
            raise h5.fail(f"format_version {version!r} is not one this brainview reads ({FORMAT_VERSION})")
        return tuple(str(h5.attribute("/", key, "scalar", default="")) for key in ("design", "lesions", "name"))


def read_condition(path: str | os.PathLike, comparison: Comparison) -> ConditionResult:
    """A condition file of ``comparison``, its shapes checked against the comparison's."""
    path = Path(path)
    shape = (comparison.trials, len(comparison.readouts))
    with open_hdf5(path) as h5, h5.errors():
        name = str(h5.attribute("/", "name", "scalar", default=""))
        values = {}
        for key, dtype, expected in (
            ("spikes", np.int64, shape), ("rate_Hz", np.float64, shape), ("wall_s", np.float64, shape[:1]),
            ("raster_ms", np.float64, None), ("raster_row", np.int64, None),
        ):
            if not h5.has(key):
                raise h5.fail(f"missing dataset /{key}", column=key)
            dataset = h5.dataset(key)
            if (expected is not None and dataset.shape != expected) or (expected is None and len(dataset.shape) != 1):
                raise h5.fail(f"shape {dataset.shape}, expected {expected or '(spikes,)'}", column=key)
            values[key] = dataset.read_as(dtype)
    n_rows = sum(r.rows.size for r in comparison.readouts)
    if values["raster_ms"].shape != values["raster_row"].shape:
        raise h5.fail("raster_ms and raster_row differ in length", column="raster_row")
    rows = values["raster_row"]
    if rows.size and (rows.min() < 0 or rows.max() >= n_rows):
        raise h5.fail(f"raster rows must lie in [0, {n_rows})", column="raster_row")
    if not np.all(np.isfinite(values["rate_Hz"])) or np.any(values["spikes"] < 0):
        raise h5.fail("rates must be finite and spike counts zero or more", column="rate_Hz")
    return ConditionResult(name, values["spikes"], values["rate_Hz"], values["wall_s"], values["raster_ms"], rows)
