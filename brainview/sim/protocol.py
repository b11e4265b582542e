"""Experiments as data: what to stimulate, lesion and record, when, over how many trials.

A :class:`Protocol` is checked against a connectome before anything runs (:func:`prepare`), so
a bad selector or a lesion after the end fails fast; :func:`run_protocol` then runs every trial
and returns a :class:`RunResult` that :mod:`brainview.sim.runfile` writes. Trials are
independent (each has its own Poisson trains) and run in parallel threads, one per core.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.errors import ParameterError
from brainview.sim.engine import LogEntry, Simulation, network_arrays
from brainview.sim.lesions import LesionMode
from brainview.sim.models import model_from_registry
from brainview.sim.monitors import RateMonitor
from brainview.sim.params import ShiuParams, check_dt, steps_of
from brainview.sim.stimuli import StimulusKind
from brainview.sim.targets import resolve_target


@dataclass(frozen=True)
class StimulusSpec:
    """A stimulus of a protocol.

    ``value`` is the Poisson rate in Hz (None: the model's ``r_poi_Hz``) or the current
    amplitude in mV; it acts from ``start_ms`` to ``stop_ms`` (None: the end of the run).
    """

    selector: str
    kind: StimulusKind = StimulusKind.POISSON
    value: float | None = None
    start_ms: float = 0.0
    stop_ms: float | None = None


@dataclass(frozen=True)
class LesionSpec:
    """A lesion of a protocol, applied at ``time_ms`` and kept to the end of the run."""

    selector: str
    mode: LesionMode = LesionMode.SILENCE
    time_ms: float = 0.0


@dataclass(frozen=True)
class Protocol:
    """One experiment: its duration, stimuli, lesions, probes and rate groups."""

    duration_ms: float
    stimuli: tuple[StimulusSpec, ...] = ()
    lesions: tuple[LesionSpec, ...] = ()
    probes: tuple[str, ...] = ()
    rates_by: str | None = "cell_type"
    rate_bin_ms: float = 10.0


@dataclass(frozen=True)
class _Event:
    step: int
    order: int
    action: str
    spec: StimulusSpec | LesionSpec


@dataclass(frozen=True)
class Plan:
    """A protocol checked against a connectome: its events in time order and its probed rows."""

    n_steps: int
    events: tuple[_Event, ...]
    probe_rows: np.ndarray


@dataclass
class TrialResult:
    """What one trial recorded."""

    spike_steps: np.ndarray
    spike_cells: np.ndarray
    probe_mV: np.ndarray  # (steps, probes)
    rates_Hz: np.ndarray  # (bins, groups)
    log: list[LogEntry]
    wall_s: float


@dataclass
class RunResult:
    """Every trial of a protocol, with what is needed to reproduce it."""

    protocol: Protocol
    params: ShiuParams
    dt_ms: float
    seed: int
    n_steps: int
    probe_rows: np.ndarray
    rate_labels: tuple[str, ...]
    rate_sizes: np.ndarray
    trials: list[TrialResult]
    wall_s: float


def prepare(
    connectome: Connectome, protocol: Protocol, params: ShiuParams, dt_ms: float, model: str = "shiu_lif"
) -> Plan:
    """Check ``protocol`` against ``connectome``; nothing is simulated.

    Raises
    ------
    ValueError
        For a duration or dt that is not positive, a dt that does not divide the synaptic delay or
        an event time, an event at or after the end, or a negative rate.
    SelectorError
        For a selector that is malformed or selects nothing.
    """
    dt_ms = check_dt(dt_ms)
    if not np.isfinite(protocol.duration_ms) or protocol.duration_ms <= 0:
        raise ParameterError(f"the duration must be positive, was {protocol.duration_ms:g} ms")
    model = model_from_registry(model, params)
    model.delay_steps(dt_ms)
    n_steps = steps_of(protocol.duration_ms, dt_ms, "the duration")
    events: list[_Event] = []
    for order, spec in enumerate(protocol.stimuli):
        resolve_target(connectome, spec.selector)
        if spec.kind is StimulusKind.POISSON:
            rate = params.r_poi_Hz if spec.value is None else spec.value
            if not np.isfinite(rate) or rate < 0:
                raise ParameterError(f"stimulus {spec.selector!r}: the rate must be zero or more Hz, was {rate:g}")
            model.poisson_probability(rate, dt_ms)
        elif spec.value is None or not np.isfinite(spec.value):
            raise ParameterError(f"stimulus {spec.selector!r}: a current step needs a finite amplitude in mV")
        start = _event_step(spec.start_ms, dt_ms, n_steps, f"stimulus {spec.selector!r} start")
        events.append(_Event(start, order, "on", spec))
        if spec.stop_ms is not None:
            stop = _event_step(spec.stop_ms, dt_ms, n_steps, f"stimulus {spec.selector!r} stop", at_end=True)
            if stop <= start:
                raise ParameterError(f"stimulus {spec.selector!r} stops ({spec.stop_ms:g} ms) before it starts")
            events.append(_Event(stop, order, "off", spec))
    for order, spec in enumerate(protocol.lesions):
        resolve_target(connectome, spec.selector)
        step = _event_step(spec.time_ms, dt_ms, n_steps, f"lesion {spec.selector!r}")
        events.append(_Event(step, len(protocol.stimuli) + order, "lesion", spec))
    probe_rows = [resolve_target(connectome, selector)[0] for selector in protocol.probes]
    if protocol.rates_by is not None:
        RateMonitor.by_column(connectome, protocol.rates_by, steps_of(protocol.rate_bin_ms, dt_ms, "the rate bin"), dt_ms)
    return Plan(
        n_steps,
        tuple(sorted(events, key=lambda e: (e.step, e.order))),
        np.unique(np.concatenate(probe_rows)) if probe_rows else np.zeros(0, np.int64),
    )


def _event_step(time_ms: float, dt_ms: float, n_steps: int, what: str, at_end: bool = False) -> int:
    """The step of an event at ``time_ms``; it must come before the end (or at it, if allowed)."""
    if not np.isfinite(time_ms) or time_ms < 0:
        raise ParameterError(f"{what}: time must be zero or positive, was {time_ms:g} ms")
    step = steps_of(time_ms, dt_ms, f"the {what} time")
    if step > n_steps or (step == n_steps and not at_end):
        raise ParameterError(f"{what} at {time_ms:g} ms is not before the end of the run ({n_steps * dt_ms:g} ms)")
    return step


def run_protocol(
    connectome: Connectome,
    protocol: Protocol,
    params: ShiuParams | None = None,
    dt_ms: float = 0.1,
    seed: int = 0,
    trials: int = 1,
    progress=None,
    workers: int | None = None,
    threads_per_trial: int = 1,
    model: str = "shiu_lif",
) -> RunResult:
    """Run every trial of ``protocol``; see :func:`prepare` for the errors raised up front.

    Parameters
    ----------
    progress : callable, optional
        ``progress(fraction, message)``, called from this thread.
    workers : int, optional
        Threads running trials at once (default: one per core, at most ``trials``).
    threads_per_trial : int
        Threads sharing each trial's busy steps (see :class:`Simulation`): with more than
        one, each trial times its busy steps both ways and uses the threads only while they are
        faster. The default, 1, leaves the other cores to the other trials.
    model : str
        The neuron model's name in the plugin registry.
    """
    params = params if params is not None else ShiuParams()
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ParameterError(f"the number of trials must be at least 1, was {trials!r}")
    plan = prepare(connectome, protocol, params, dt_ms, model)
    network = network_arrays(connectome)
    done = np.zeros(trials)
    lock = threading.Lock()
    cancelled = threading.Event()

    workers = max(1, min(trials, workers or os.cpu_count() or 1))

    def one_trial(trial: int) -> TrialResult:
        sim = Simulation(connectome, params, dt_ms, seed, trial, network=network, threads=threads_per_trial, model=model)

        def report(fraction: float, _message: str) -> None:
            if cancelled.is_set():  # checked between chunks of steps
                raise KeyboardInterrupt
            with lock:
                done[trial] = fraction

        return _run_trial(sim, protocol, plan, report)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one_trial, trial) for trial in range(trials)]
        try:
            while not all(f.done() for f in futures):
                time.sleep(0.05)
                if progress is not None:
                    with lock:
                        fraction = float(done.mean())
                    progress(fraction, f"{int(np.sum(done >= 1))}/{trials} trials")
        except KeyboardInterrupt:  # stop the trials at their next chunk instead of finishing them
            cancelled.set()
            raise
        results = [f.result() for f in futures]
    if progress is not None:
        progress(1.0, f"{trials}/{trials} trials")
    wall = time.perf_counter() - started
    labels, sizes = (), np.zeros(0, np.int64)
    if protocol.rates_by is not None:
        monitor = RateMonitor.by_column(connectome, protocol.rates_by, 1, dt_ms)
        labels, sizes = monitor.labels, monitor.sizes
    return RunResult(protocol, params, dt_ms, seed, plan.n_steps, plan.probe_rows, labels, sizes, results, wall)


def _run_trial(sim: Simulation, protocol: Protocol, plan: Plan, report) -> TrialResult:
    started = time.perf_counter()
    n_steps = plan.n_steps
    if plan.probe_rows.size:
        sim.set_probes(plan.probe_rows)
    monitor = sim.add_rate_monitor(protocol.rates_by, protocol.rate_bin_ms) if protocol.rates_by else None
    handles = {}
    for event in plan.events:
        if event.step > sim.steps_done:
            sim.step(event.step - sim.steps_done, _scaled(report, sim.steps_done, event.step, n_steps))
        spec = event.spec
        if event.action == "lesion":
            sim.lesion(spec.selector, spec.mode)
        elif event.action == "off":
            sim.remove(handles.pop(event.order))
        elif spec.kind is StimulusKind.POISSON:
            handles[event.order] = sim.stimulate(spec.selector, spec.value)
        else:
            handles[event.order] = sim.inject(spec.selector, spec.value)
    if n_steps > sim.steps_done:
        sim.step(n_steps - sim.steps_done, _scaled(report, sim.steps_done, n_steps, n_steps))
    report(1.0, "done")
    steps, cells = sim.spikes.arrays()
    segments = sim.probes.segments()
    probe = segments[-1].volts_mV if segments else np.zeros((n_steps, 0))
    rates = monitor.rates_Hz() if monitor is not None else np.zeros((0, 0))
    return TrialResult(steps, cells, probe, rates, list(sim.log), time.perf_counter() - started)


def _scaled(report, first: int, last: int, total: int):
    """A progress callback for steps ``first..last`` of ``total`` reporting the whole fraction."""

    def scaled(fraction: float, message: str) -> None:
        report((first + fraction * (last - first)) / total, message)

    return scaled
