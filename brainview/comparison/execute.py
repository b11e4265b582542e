"""Running a comparison: every trial of every condition, here or on a Dask cluster.

Where the trials run:

- ``"serial"``: one after another in this process (a notebook's quick look, a test, a baseline);
- ``"local"`` (the default): a Dask ``LocalCluster`` of one single-threaded worker process per
  core, started and stopped by the run, nothing to set up;
- ``"tcp://HOST:PORT"``: the scheduler of a Dask cluster started elsewhere (``dask scheduler``
  on one machine, ``dask worker tcp://HOST:PORT`` on each of the others, brainview installed
  on all of them).

The :class:`~brainview.comparison.trials.TrialContext` (connectome and network arrays) goes to
each worker once; tasks carry a condition name and a trial number. Each trial's Poisson trains
come from the seed, the condition and the trial number, so every scheduler gives the same
results. With an output folder, each condition is written as soon as its last trial is in, and a
rerun into the same folder skips the conditions already there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.comparison.design import CONTROL, Comparison
from brainview.comparison.results import ConditionResult, ResultFolder
from brainview.comparison.trials import RASTER_TRIAL, TrialContext, TrialOutcome, run_trial
from brainview.errors import ParameterError

Progress = Callable[[float, str], None]


@dataclass
class ComparisonResult:
    """A finished comparison: every trial's rates, the statistics, and the rasters.

    ``rates`` has one row per condition, trial and readout (columns ``condition, trial,
    readout, spikes, rate_Hz``); ``summary`` the columns of
    :data:`~brainview.comparison.stats.SUMMARY_COLUMNS`; ``conditions`` every condition's
    arrays by name; ``out`` the results folder, if one was written.
    """

    comparison: Comparison
    rates: pd.DataFrame
    summary: pd.DataFrame
    conditions: dict[str, ConditionResult]
    wall_s: float
    out: Path | None = None


def run_comparison(
    comparison: Comparison,
    out: str | os.PathLike | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    progress: Progress | None = None,
    on_condition: Callable[[ConditionResult], None] | None = None,
    ranked: bool = False,
) -> ComparisonResult:
    """Run every trial of ``comparison`` and compare each lesion condition with the control.

    Parameters
    ----------
    out : path-like, optional
        Results folder (see :mod:`brainview.comparison.results`); conditions already there are
        not run again.
    scheduler : str
        ``"serial"``, ``"local"`` or the address of a Dask scheduler (module docstring).
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    progress : callable, optional
        ``progress(fraction, message)`` after each trial, with trials done, total and time left.
    on_condition : callable, optional
        Called with each condition as its last trial comes in (after it was written to ``out``).
    ranked : bool
        Sort the summary by effect, most significant first, with a ``rank`` column (a screen).

    Raises
    ------
    ParameterError
        For a scheduler that cannot be reached, or an ``out`` folder of another comparison.
    """
    from brainview.comparison.report import write_outputs
    from brainview.comparison.stats import rank, summarise

    started = time.perf_counter()
    folder = ResultFolder(out, comparison) if out is not None else None
    done = folder.finished() if folder is not None else {}
    if folder is not None:
        folder.begin()
    todo = [(name, trial) for name in comparison.condition_names if name not in done
            for trial in range(comparison.trials)]
    pending: dict[str, dict[int, TrialOutcome]] = {}
    clock = _Clock(len(todo), progress)
    for outcome in _outcomes(comparison, todo, scheduler, workers):
        trials = pending.setdefault(outcome.condition, {})
        trials[outcome.trial] = outcome
        clock.tick()
        if len(trials) == comparison.trials:
            result = _condition_result(outcome.condition, pending.pop(outcome.condition))
            if folder is not None:
                folder.write(result)
            done[result.name] = result
            if on_condition is not None:
                on_condition(result)
    conditions = {name: done[name] for name in comparison.condition_names}
    rates = rates_frame(comparison, conditions)
    summary = summarise(rates, CONTROL, comparison.seed)
    if ranked:
        summary = rank(summary)
    result = ComparisonResult(comparison, rates, summary, conditions, time.perf_counter() - started,
                              folder.path if folder is not None else None)
    if folder is not None:
        write_outputs(result)
    return result


def rates_frame(comparison: Comparison, conditions: dict[str, ConditionResult]) -> pd.DataFrame:
    """Every trial's spikes and rate per readout, one row per condition, trial and readout."""
    labels = [r.label for r in comparison.readouts]
    parts = []
    for name, result in conditions.items():
        trials, readouts = np.meshgrid(np.arange(comparison.trials), np.arange(len(labels)), indexing="ij")
        parts.append(pd.DataFrame({
            "condition": name, "trial": trials.ravel(), "readout": np.array(labels, dtype=object)[readouts.ravel()],
            "spikes": result.spikes.ravel(), "rate_Hz": result.rates_Hz.ravel(),
        }))
    return pd.concat(parts, ignore_index=True)


def _condition_result(name: str, trials: dict[int, TrialOutcome]) -> ConditionResult:
    ordered = [trials[t] for t in sorted(trials)]
    raster = trials[RASTER_TRIAL]
    return ConditionResult(
        name, np.stack([t.spikes for t in ordered]), np.stack([t.rates_Hz for t in ordered]),
        np.array([t.wall_s for t in ordered]), raster.raster_ms, raster.raster_rows,
    )


def _outcomes(
    comparison: Comparison, todo: list[tuple[str, int]], scheduler: str, workers: int | None
) -> Iterator[TrialOutcome]:
    """Each trial of ``todo`` as it finishes (in order for ``"serial"``, as they come for Dask)."""
    if not todo:
        return iter(())
    return map_tasks(run_trial, TrialContext.of(comparison), todo, scheduler, workers,
                     f"brainview-trial-{comparison.fingerprint[:12]}")


def map_tasks(function, context, tasks: list[tuple], scheduler: str = "serial", workers: int | None = None,
              prefix: str = "brainview-task") -> Iterator:
    """``function(context, *task)`` for every task, yielded as each finishes.

    ``"serial"`` runs them here in order; otherwise on a Dask cluster (module docstring), with
    ``context`` sent to each worker once and the tasks queued in order. Interrupting the
    iteration cancels what is still queued.
    """
    if scheduler == "serial":
        return (function(context, *task) for task in tasks)
    return _dask_map(function, context, tasks, scheduler, workers, prefix)


def _dask_map(function, context, tasks, scheduler, workers, prefix) -> Iterator:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        n_workers = workers or os.cpu_count() or 1
        if n_workers < 1:
            raise ParameterError(f"the local cluster needs at least 1 worker, was {n_workers}")
    elif not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://", "ucx://")):
        raise ParameterError(
            f"--scheduler {scheduler!r}: give the address of a Dask scheduler (tcp://HOST:PORT), 'local' or 'serial'"
        )

    def results():
        nonlocal cluster
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
            )
        address = cluster.scheduler_address if cluster is not None else scheduler
        try:
            try:
                client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise ParameterError(f"--scheduler {scheduler}: no Dask scheduler answers there ({error})") from None
            with client:
                if not client.scheduler_info().get("workers"):
                    client.wait_for_workers(1, timeout=60)
                # Scattered once with broadcast: every worker holds one copy, and tasks refer to it.
                shared = client.scatter(context, broadcast=True, hash=False)
                futures = [client.submit(function, shared, *task, key=f"{prefix}-{index}", pure=False)
                           for index, task in enumerate(tasks)]
                try:
                    for future in as_completed(futures):
                        yield future.result()
                finally:  # interrupted or failed: stop what is still queued
                    client.cancel([f for f in futures if not f.done()])
        finally:
            if cluster is not None:
                cluster.close()

    return results()


class _Clock:
    """Trials done out of the total, and the time left at the rate so far."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.started = time.monotonic()

    def tick(self) -> None:
        self.done += 1
        if self.progress is None:
            return
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        self.progress(self.done / self.total, f"{self.done}/{self.total} trials, {_duration(left)} left")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
