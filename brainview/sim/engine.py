"""The :class:`Simulation`: a Shiu-model spiking network over a connectome, run in chunks.

A GUI worker thread, a notebook or the CLI drive it the same way: call :meth:`Simulation.run`
or :meth:`Simulation.step` for a chunk of steps (all of it runs inside one numba call), change
stimuli, lesions and probes between chunks, and read what is new from the monitors
(:attr:`Simulation.spikes`, :attr:`Simulation.probes`, :attr:`Simulation.rates`). Every change is
logged with the step it took effect at. Nothing here is thread-safe: one thread owns a
simulation; the kernels release the GIL, so simulations in different threads run in parallel.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.arrays import exact_integers
from brainview.errors import ParameterError
from brainview.sim import checkpoints, kernels, threaded_kernels
from brainview.sim.checkpoints import Checkpoint
from brainview.sim.kernels import NEVER, NORMAL, ChunkRecord, EngineState, Network
from brainview.sim.lesions import Lesion, LesionBook, LesionHandle, LesionMode
from brainview.sim.models import model_from_registry
from brainview.sim.monitors import ProbeRecord, RateMonitor, SpikeRecord
from brainview.sim.network import checked_network, input_sum_dtype, network_arrays, partition
from brainview.sim.params import ShiuParams, check_dt, run_steps_of, steps_of
from brainview.sim.plasticity import PlasticityRule, PlasticSynapses, WeightMonitor, no_plasticity, plastic_network
from brainview.sim.stimuli import Stimulus, StimulusBook, StimulusHandle, StimulusKind
from brainview.sim.targets import Target, resolve_target
from brainview.sim.threads import ThreadChooser

CHUNK_STEPS = 1000
"""Steps per kernel call inside :meth:`Simulation.step`; between calls progress is reported."""

PARALLEL_MIN_EVENTS = 20_000
"""Connections a network needs (synaptic events a step can have) before its busy steps may use
threads: a smaller network's steps are too short to share, and the threaded kernel's
compilation (a few seconds, as it is never cached) would buy nothing."""


@dataclass(frozen=True)
class LogEntry:
    """One change to a running simulation.

    ``step`` is the first step the change acts on, ``time_ms`` the same in milliseconds.
    """

    step: int
    time_ms: float
    action: str
    target: str
    cells: int
    detail: str = ""


class Simulation:
    """The Shiu et al. 2024 model on every cell of ``connectome``.

    Parameters
    ----------
    connectome : Connectome
        The network; chemical synapses give ``w_syn x count x sign``, gap junctions (if any)
        couple cells with ``g_gap x weight``.
    params : ShiuParams, optional
        Model parameters (the published defaults when omitted).
    dt_ms : float
        Time step, ms; must divide the synaptic delay.
    seed : int
        Seed of the Poisson drive; with ``trial`` it fixes every random number of a run.
    trial : int
        Trial number: trials of one seed draw independent Poisson trains.
    network : Network, optional
        Synapse arrays from :func:`network_arrays`, to share them between simulations.
    threads : int
        Spans of cells that share the busy steps (most cells active), on numba's threads
        (``numba.set_num_threads`` caps how many run at once); the other steps run on the
        calling thread. The default, 1, leaves the other cores to the rest of the program (a
        GUI thread). Results are the same to the bit whatever the number. With more than one,
        :meth:`run` times the busy steps on the threads against one thread as it goes and uses
        the threads only while they are faster (a busy core makes them slower), see
        bench/bench_sim.py.
    parallel_min_events : int
        Connections the network needs (synaptic events a step can have) before its busy steps
        use the threads.
    time_threads : bool
        With more than one thread: time the two ways and use the faster (the default), or,
        when False, run every busy step on the threads (to measure them).
    dense_fraction : int
        A step updates its cells in row order, rather than from the active list, once the
        active cells reach ``1 / dense_fraction`` of all cells, and finds the cells its spikes
        reach by a scan once the synaptic events do (0: always from lists). Results are the
        same to the bit whatever the value; it only changes speed.
    plasticity : PlasticityRule, optional
        Dopamine-gated plasticity on the connections it names (:mod:`brainview.sim.plasticity`);
        the simulation then holds its own copy of the weights (:attr:`plastic`,
        :meth:`plastic_weights_mV`, :meth:`add_weight_monitor`).
    model : str, optional
        The neuron model's name in the plugin registry (:func:`brainview.plugins.registry`):
        ``"shiu_lif"`` by default, ``"shiu_lif_plastic"`` with ``plasticity``; a plugin's model
        must give the constants of the same kernels (:class:`~brainview.sim.models.ShiuLIF`).

    Examples
    --------
    >>> sim = Simulation(connectome, seed=1)                    # doctest: +SKIP
    >>> sim.stimulate("type:ASH", rate_Hz=150)                  # doctest: +SKIP
    >>> sim.run("500 ms")                                       # doctest: +SKIP
    >>> handle = sim.lesion("type:AVA", mode="ablate")          # doctest: +SKIP
    >>> sim.run(duration_ms=500); sim.undo(handle)              # doctest: +SKIP
    >>> sim.spikes.rates_Hz(start_ms=500).mean()                # doctest: +SKIP
    >>> sim.spikes.to_pandas()                                  # doctest: +SKIP
    """

    def __init__(
        self,
        connectome: Connectome,
        params: ShiuParams | None = None,
        dt_ms: float = 0.1,
        seed: int = 0,
        trial: int = 0,
        network: Network | None = None,
        threads: int = 1,
        parallel_min_events: int = PARALLEL_MIN_EVENTS,
        time_threads: bool = True,
        dense_fraction: int = kernels.DENSE_FRACTION,
        plasticity: PlasticityRule | None = None,
        model: str | None = None,
    ) -> None:
        self.connectome = connectome
        self.model = model_from_registry(model or ("shiu_lif_plastic" if plasticity is not None else "shiu_lif"), params)
        if plasticity is not None and not getattr(self.model, "plastic", False):
            raise ParameterError(f"model {self.model.name!r} has no plastic synapses; use 'shiu_lif_plastic'")
        self.params = self.model.params
        self.dt_ms = check_dt(dt_ms)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ParameterError(f"seed must be a non-negative integer, was {seed!r}")
        self.seed = int(seed)
        self.trial = int(trial)
        self.network = network_arrays(connectome) if network is None else checked_network(network, connectome.n)
        if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ParameterError(f"threads must be a whole number, at least 1; was {threads!r}")
        if isinstance(dense_fraction, bool) or not isinstance(dense_fraction, numbers.Integral) or not 0 <= dense_fraction <= 2**30:
            raise ParameterError(f"dense_fraction must be a whole number from 0 to 2**30; was {dense_fraction!r}")
        self._dense_fraction = int(dense_fraction)
        self.plastic: PlasticSynapses | None = None
        self._plasticity = no_plasticity(connectome.n)
        if plasticity is not None:  # this simulation's own weights: a copy of the network's
            self.network, self._plasticity, self.plastic = plastic_network(
                connectome, self.network, plasticity, self.params.w_syn_mV, self.dt_ms
            )
        # Passes over every connection, once (not at every reset); plastic weights leave whole
        # numbers: float64 sums.
        self._input_sum_dtype = np.dtype(np.float64) if self.plastic is not None else input_sum_dtype(self.network)
        self._spans = partition(self.network, int(threads), int(parallel_min_events))
        self.constants = self.model.constants(self.dt_ms, float(np.max(self._gap_weight_sums(), initial=0.0)))
        self.quiet_table = self.model.quiet_table(self.dt_ms)
        self.refractory_steps = self.model.refractory_steps(self.dt_ms)
        n = connectome.n
        self.lesions = LesionBook(n)
        self.stimuli = StimulusBook(n)
        self.spikes = SpikeRecord(self.dt_ms, connectome)
        self.probes = ProbeRecord()
        self.rates: dict[str, RateMonitor] = {}
        self.weight_monitors: list[WeightMonitor] = []
        self.log: list[LogEntry] = []
        self._state = self._initial_state(n)
        self._thread_chooser = ThreadChooser() if self.busy_threads > 1 and time_threads else None
        self.threads_in_use = 1  # threads the last chunk of steps ran its busy steps on
        self._busy_kernel = False  # run_busy_steps, from the first busy step on (see run_steps)
        self._drive = self.stimuli.poisson_drive(self.dt_ms, self.seed, self.trial)
        self._refresh()

    # -- state ------------------------------------------------------------------------------
    def _initial_state(self, n: int) -> EngineState:
        slots = self.constants.delay_steps + 1
        cells = np.zeros(n, kernels.CELL_RECORD)  # see CELL_RECORD for why one record per cell
        spans = self._spans
        cells["v"] = self.constants.v_0
        cells["last_spike"] = NEVER
        cells["refractory_steps"] = self.refractory_steps
        return EngineState(
            cells=cells,
            v=cells["v"],
            g=cells["g"],
            i_ext=np.zeros(n),
            last_update=np.full(n, -1, np.int64),
            last_spike=cells["last_spike"],
            refractory_steps=cells["refractory_steps"],
            status=cells["status"],
            pinned=cells["pinned"],
            in_active=np.zeros(n, np.uint8),
            active=np.zeros(n, np.int32),
            gap_forcing=np.zeros(n),
            spiking=np.zeros(n, np.int32),
            queue=np.zeros((slots, n), np.int32),
            queue_len=np.zeros(slots, np.int64),
            counters=np.zeros(4, np.int64),
            wheel=np.full(self.refractory_steps + 1, -1, np.int32),
            next_sleeper=np.full(n, -1, np.int32),
            partition=spans,
            partition_counts=np.zeros((spans.size - 1, 3), np.int64),
            spike_shares=np.zeros((2, spans.size), np.int64),
            input_parts=np.zeros((spans.size - 1 if spans.size > 2 else 0, n), self._input_sum_dtype),
            sleepers=np.zeros(n, np.int32),
            input_sum=np.zeros(n, self._input_sum_dtype),
            received=cells["received"],
            receivers=np.zeros(n, np.int32),
            dense_fraction=self._dense_fraction,
        )

    @property
    def busy_threads(self) -> int:
        """Threads that may share a busy step: 1 unless more were asked for and the network
        qualifies (see :func:`brainview.sim.network.partition`). Whether they do at a given
        moment is timed as the simulation runs (:mod:`brainview.sim.threads`); the last chunk
        of steps used :attr:`threads_in_use`."""
        return int(self._state.partition.shape[0] - 1)

    @property
    def n(self) -> int:
        """Number of cells."""
        return self.connectome.n

    def __repr__(self) -> str:
        status = self.lesions.status()
        driven = int(np.count_nonzero(self.stimuli.driven() | (self.stimuli.injected_mV() != 0)))
        state = [f"{driven} driven" if driven else "no stimulus"]
        for label, code in (("silenced", kernels.SILENCED), ("ablated", kernels.ABLATED)):
            count = int(np.count_nonzero(status == code))
            if count:
                state.append(f"{count} {label}")
        return (
            f"<Simulation of {self.connectome.meta.get('name', 'a connectome')!r}: {self.n:,} cells, "
            f"t = {self.time_ms:g} ms (dt {self.dt_ms:g} ms), {', '.join(state)}, {len(self.spikes):,} spikes>"
        )

    @property
    def steps_done(self) -> int:
        """Steps simulated since the start (or the last :meth:`reset`)."""
        return int(self._state.counters[0])

    @property
    def time_ms(self) -> float:
        """Simulated time, ms."""
        return self.steps_done * self.dt_ms

    @property
    def busy_steps(self) -> int:
        """Steps so far in which most cells were busy, run block by block (see
        :func:`brainview.sim.kernels._busy_step`); the others ran from the active list."""
        return int(self._state.counters[3])

    @property
    def n_active(self) -> int:
        """Cells stepped individually right now (the rest are at or near rest)."""
        return int(self._state.counters[1] + self._state.counters[2])

    def voltages_mV(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Membrane potential of ``rows`` (all cells when None, else in the order given) now, mV."""
        if rows is None:
            cells = np.arange(self.n, dtype=np.int32)
        else:
            cells = exact_integers(rows, np.int64, "cell rows").ravel()
            if cells.size and (cells.min() < 0 or cells.max() >= self.n):
                raise ParameterError(f"cell rows must lie in [0, {self.n - 1}], got {cells.min()} .. {cells.max()}")
            cells = cells.astype(np.int32)
        out = np.empty(cells.size)
        kernels.catch_up(self.constants, self.quiet_table, self._state, cells, out, False)
        return out * 1e3

    # -- running ----------------------------------------------------------------------------
    def run(
        self,
        duration: str | None = None,
        *,
        duration_ms: float | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> int:
        """Simulate for a duration given with its unit: ``run("500 ms")``, ``run("0.5 s")`` or
        ``run(duration_ms=500)``; returns the steps run.

        A bare number is refused, since it could mean steps or milliseconds: :meth:`step`
        takes a number of steps.

        Parameters
        ----------
        duration : str, optional
            A number and a unit (s, ms, us), as the command line's ``--duration`` takes it.
        duration_ms : float, optional
            The duration in milliseconds, instead of ``duration``.
        progress : callable, optional
            ``progress(fraction, message)``, as for :meth:`step`.

        Raises
        ------
        ParameterError
            For a bare number, both or neither of ``duration`` and ``duration_ms``, a duration
            that is not positive, or one that is not a whole number of steps of ``dt``.
        """
        return self.step(run_steps_of(duration, duration_ms, self.dt_ms), progress)

    def step(self, n_steps: int = 1, progress: Callable[[float, str], None] | None = None) -> int:
        """Simulate ``n_steps`` more steps; returns ``n_steps``.

        ``progress(fraction, message)`` is called after each chunk of :data:`CHUNK_STEPS` steps.
        """
        if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 0:
            raise ParameterError(f"the number of steps must be a whole number, zero or more; was {n_steps!r}")
        done = 0
        while done < n_steps:
            chunk = min(CHUNK_STEPS, n_steps - done, *(m.steps_to_next(self.steps_done) for m in self.weight_monitors))
            done += self._run_chunk(chunk)
            for monitor in self.weight_monitors:
                if monitor.due(self.steps_done):
                    monitor.sample(self)
            if progress is not None:
                progress(done / n_steps, f"{self.time_ms:.0f} ms simulated")
        return n_steps

    def _run_chunk(self, n_steps: int) -> int:
        probes = self.probes.rows.astype(np.int32)
        capacity = max(4 * self.n_active + 1024, 4096)
        record = ChunkRecord(
            np.empty(capacity, np.int64), np.empty(capacity, np.int32), probes,
            np.empty((n_steps, probes.size)), np.zeros(1, np.int64),
        )
        probe_v = record.probe_v
        chooser = self._thread_chooser
        runs = [(self.busy_threads > 1, n_steps)] if chooser is None else chooser.plan(n_steps)
        done = 0
        for threaded, steps in runs:
            busy_before, started = self.busy_steps, time.perf_counter()
            stop = done + steps
            while done < stop:
                arguments = (
                    self.network, self.constants, self.quiet_table, self._state, self._drive,
                    record._replace(probe_v=probe_v[done:]), self._plasticity, stop - done,
                )
                if threaded:
                    done += threaded_kernels.run_steps_threaded(*arguments)
                elif self._busy_kernel:
                    done += kernels.run_busy_steps(*arguments)
                else:
                    done += kernels.run_steps(*arguments)
                if done < stop and not threaded and not self._busy_kernel and not self._spike_buffer_full(record):
                    self._busy_kernel = True  # run_steps stopped before a first busy step
                elif done < stop:  # the spike buffer filled up: keep what it holds, then go on
                    self._take_spikes(record)
                    capacity *= 2
                    record = record._replace(
                        spike_step=np.empty(capacity, np.int64), spike_cell=np.empty(capacity, np.int32)
                    )
            self.threads_in_use = self.busy_threads if threaded else 1
            if chooser is not None:
                chooser.record(threaded, time.perf_counter() - started, steps, self.busy_steps - busy_before)
        self._take_spikes(record)
        self.probes.append(probe_v)
        return n_steps

    def _spike_buffer_full(self, record: ChunkRecord) -> bool:
        """Whether the kernel stopped because the next step's spikes might not fit (as it checks)."""
        st = self._state
        return record.spike_step.shape[0] - int(record.n_spikes[0]) < int(st.counters[1] + st.counters[2])

    def _take_spikes(self, record: ChunkRecord) -> None:
        count = int(record.n_spikes[0])
        steps, cells = record.spike_step[:count], record.spike_cell[:count]
        self.spikes.append(steps, cells, self.steps_done)
        for monitor in self.rates.values():
            monitor.add_spikes(steps, cells, self.steps_done)
        record.n_spikes[0] = 0

    # -- interventions -----------------------------------------------------------------------
    def lesion(self, target: Target, mode: str | LesionMode = LesionMode.SILENCE) -> LesionHandle:
        """Silence or ablate ``target`` from the next step on; see :mod:`brainview.sim.lesions`.

        Parameters
        ----------
        target : str, Selector or array of rows
            The cells, e.g. ``"type:AVA"``, ``"class:DAN"``, ``"region:GNG"``, ``"ALML,ALMR"``.
        mode : {"silence", "ablate"}

        Returns
        -------
        LesionHandle
            Pass it to :meth:`undo`.
        """
        mode = LesionMode.parse(mode)
        rows, label = resolve_target(self.connectome, target)
        handle = self.lesions.add(Lesion(rows, mode, label, self.steps_done))
        self._note(mode.value, label, rows.size)
        self._refresh()
        return handle

    def undo(self, handle: LesionHandle) -> None:
        """Undo a lesion from the next step on; its cells restart at rest."""
        lesion = self.lesions.remove(handle)
        self._note(f"undo {lesion.mode.value}", lesion.label, lesion.rows.size)
        self._refresh()

    def stimulate(
        self, target: Target, rate_Hz: float | None = None, stream: int | None = None, frozen: bool = False
    ) -> StimulusHandle:
        """Drive each cell of ``target`` with its own Poisson train (``r_poi_Hz`` by default).

        ``stream`` (a whole number in ``[0, 2**63)``) names the trains' random stream, so that
        the same stimulus added at another moment or in another order draws the same trains;
        by default stimuli are numbered in the order they are added. With ``frozen``, the trains
        of a named stream are counted from the stimulus' start: started again later, it repeats
        them spike for spike (the same odour presented twice). Returns a handle for :meth:`remove`.
        """
        rate = self.params.r_poi_Hz if rate_Hz is None else rate_Hz
        if not _is_finite_number(rate) or rate < 0:
            raise ParameterError(f"a Poisson rate must be a number of Hz, zero or more; was {rate!r}")
        if stream is not None and (not isinstance(stream, numbers.Integral) or not 0 <= stream < 2**63):
            raise ParameterError(f"a stimulus stream must be a whole number in [0, 2**63), was {stream!r}")
        self.model.poisson_probability(rate, self.dt_ms)
        return self._add_stimulus(target, StimulusKind.POISSON, float(rate), f"{rate:g} Hz", stream, bool(frozen))

    def inject(self, target: Target, amplitude_mV: float) -> StimulusHandle:
        """Inject a current step into ``target``: ``amplitude_mV`` (``R x I``) joins ``v_0 - v + g``.

        Returns a handle for :meth:`remove`.
        """
        if not _is_finite_number(amplitude_mV):
            raise ParameterError(f"a current amplitude must be a finite number of mV, was {amplitude_mV!r}")
        return self._add_stimulus(target, StimulusKind.CURRENT, float(amplitude_mV), f"{amplitude_mV:g} mV")

    def _add_stimulus(
        self, target: Target, kind: StimulusKind, value: float, detail: str, stream: int | None = None,
        frozen: bool = False,
    ) -> StimulusHandle:
        rows, label = resolve_target(self.connectome, target)
        handle = self.stimuli.add(Stimulus(rows, kind, value, label, self.steps_done, stream, frozen))
        self._note(f"{kind.value} on", label, rows.size, detail)
        self._refresh()
        return handle

    def remove(self, handle: StimulusHandle) -> None:
        """Stop a stimulus from the next step on."""
        stimulus = self.stimuli.remove(handle)
        self._note(f"{stimulus.kind.value} off", stimulus.label, stimulus.rows.size)
        self._refresh()

    def set_probes(self, target: Target | None) -> None:
        """Record ``v`` of ``target`` after every step from now on (None stops probing).

        Probing only reads: a probed cell evolves exactly as it would unprobed.
        """
        rows = np.zeros(0, np.int64) if target is None else resolve_target(self.connectome, target)[0]
        self.probes.set_rows(rows, self.steps_done)

    def plastic_weights_mV(self) -> np.ndarray:
        """The weight of each plastic connection now (``plastic.pre[i] -> plastic.post[i]``), mV."""
        if self.plastic is None:
            raise ParameterError("this simulation has no plastic synapses: give Simulation(plasticity=...)")
        return self.network.signed_count[self.plastic.edges].astype(np.float64) * self.params.w_syn_mV

    def reset_weights(self) -> None:
        """Plastic weights back to their starting values and eligibility to 0 (no-op without plasticity)."""
        if self.plastic is not None:
            self.network.signed_count[self.plastic.edges] = self.plastic.initial
            self._plasticity.trace[:] = 0.0
            self._plasticity.trace_step[:] = self.steps_done
            for monitor in self.weight_monitors:
                monitor.sample(self)

    def add_weight_monitor(self, by: str = "cell_type", every_ms: float = 10.0) -> WeightMonitor:
        """Record the plastic weights summed per label of the postsynaptic cells' column ``by``
        every ``every_ms`` from now on (and at once); see :class:`~brainview.sim.plasticity.WeightMonitor`."""
        if self.plastic is None:
            raise ParameterError("this simulation has no plastic synapses: give Simulation(plasticity=...)")
        monitor = WeightMonitor(self.connectome, self.plastic, by, steps_of(every_ms, self.dt_ms, "the weight interval"))
        monitor.sample(self)
        self.weight_monitors.append(monitor)
        return monitor

    def add_rate_monitor(
        self, by: str = "cell_type", bin_ms: float = 10.0,
        groups: Mapping[str, Target] | Sequence[tuple[str, Target]] | None = None,
    ) -> RateMonitor:
        """Count spikes per group in bins of ``bin_ms`` from now on; bins are aligned to step 0.

        The groups are the labels of column ``by``, or, with ``groups``, the named targets
        (``{"AVA": "type:AVA", "motor": "class:motor"}``, or ``(label, target)`` pairs, in
        order; they may overlap). The monitor is kept in :attr:`rates` under ``by``, replacing
        any earlier one.
        """
        bin_steps = steps_of(bin_ms, self.dt_ms, "the rate bin")
        if groups is None:
            monitor = RateMonitor.by_column(self.connectome, by, bin_steps, self.dt_ms)
        else:
            pairs = list(groups.items()) if isinstance(groups, Mapping) else list(groups)
            rows = tuple(resolve_target(self.connectome, target)[0] for _, target in pairs)
            monitor = RateMonitor.of_groups(self.n, tuple(label for label, _ in pairs), rows, bin_steps, self.dt_ms)
        monitor.add_spikes(np.zeros(0, np.int64), np.zeros(0, np.int32), self.steps_done)
        self.rates[by] = monitor
        return monitor

    def checkpoint(self, baseline: Checkpoint | None = None) -> Checkpoint:
        """The full state now, to :meth:`restore` later (see :mod:`brainview.sim.checkpoints`;
        :class:`~brainview.sim.checkpoints.CheckpointStore` keeps them within a memory budget)."""
        return checkpoints.take(self, baseline)

    def restore(self, checkpoint: Checkpoint) -> None:
        """Back to ``checkpoint``'s step and state: run on with the same interventions, the same
        spikes follow; the monitors forget what came after it."""
        checkpoints.restore(self, checkpoint)

    def reset(self, trial: int | None = None, keep_interventions: bool = True) -> None:
        """Back to time 0: every cell at rest, no spike in flight, monitors emptied.

        Parameters
        ----------
        trial : int, optional
            Start this trial (new Poisson trains); the current trial again when omitted.
        keep_interventions : bool
            Keep the stimuli and lesions in force (they act from step 0); else remove them.
        """
        if trial is not None:
            self.trial = int(trial)
        if not keep_interventions:
            self.lesions.clear()
            self.stimuli.clear()
        self._state = self._initial_state(self.n)
        for monitor in self.weight_monitors:
            monitor.clear()
        self.reset_weights()
        self.spikes.clear(0)
        self.probes.clear(0)
        for monitor in self.rates.values():
            monitor.clear()
        self.log.clear()
        self._note("reset", f"trial {self.trial}", self.n)
        self._refresh()

    def _note(self, action: str, target: str, cells: int, detail: str = "") -> None:
        step = self.steps_done
        self.log.append(LogEntry(step, step * self.dt_ms, action, target, int(cells), detail))

    def _refresh(self) -> None:
        """Bring the engine arrays in line with the stimuli and lesions in force."""
        st, k = self._state, self.constants
        last = self.steps_done - 1
        # Sleeping (refractory) cells rejoin the list; the next update puts them back to sleep
        # under the refractory periods and lesions in force from now on.
        st.in_active[st.in_active == kernels.SLEEPING] = kernels.STEPPED
        st.wheel[:] = -1
        st.counters[2] = 0
        status = self.lesions.status()
        changed = np.flatnonzero(status != st.status)
        if changed.size:  # newly lesioned cells are clamped; restored ones restart at rest
            st.v[changed] = k.v_0
            st.g[changed] = 0.0
            st.last_update[changed] = last
            st.last_spike[changed] = NEVER
            st.status[:] = status
        driven = self.stimuli.driven()
        st.refractory_steps[:] = np.where(driven, 0, self.refractory_steps)
        st.i_ext[:] = self.stimuli.injected_mV() * 1e-3
        self._drive = self.stimuli.poisson_drive(self.dt_ms, self.seed, self.trial)
        pinned = driven | (st.i_ext != 0) | self._gap_coupled(status)
        pinned &= status == NORMAL
        st.pinned[:] = pinned
        joining = np.flatnonzero(pinned & (st.in_active == 0)).astype(np.int32)
        if joining.size:
            kernels.catch_up(k, self.quiet_table, st, joining, np.empty(joining.size), True)
        st.in_active[joining] = 1
        st.in_active[status != NORMAL] = 0
        active = np.flatnonzero(st.in_active).astype(np.int32)
        st.active[: active.size] = active
        st.counters[1] = active.size

    def _gap_owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.network.gap_indptr))

    def _gap_weight_sums(self) -> np.ndarray:
        return np.bincount(self._gap_owner(), weights=self.network.gap_weight, minlength=self.n)

    def _gap_coupled(self, status: np.ndarray) -> np.ndarray:
        """Cells with at least one gap-junction partner that is not ablated."""
        if not self.network.gap_partners.size:
            return np.zeros(self.n, bool)
        live = status[self.network.gap_partners] != kernels.ABLATED
        return np.bincount(self._gap_owner()[live], minlength=self.n) > 0


def _is_finite_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(np.isfinite(value))
