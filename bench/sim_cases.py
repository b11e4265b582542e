"""The measurements of bench/bench_sim.py, each meant to run in a fresh process.

A case is a plain dict (JSON on the worker's command line):

* ``sim``: "brainview" or "brian2" (cpp_standalone, one thread);
* ``w_syn``: mV per synapse; the Poisson weight stays at :data:`W_POI_MV` (``f_poi = W_POI_MV / w_syn``);
* ``driven``: how many excitatory neurons get Poisson drive at :data:`RATE_HZ`;
* ``size``: neurons of the network (a random subset of the FlyWire-scale one), None for all;
* ``duration_s``, ``threads`` (brainview only), ``cpus`` (CPUs to pin the worker to, or None);
* ``poisson`` (Brian2 only): "inputs" or "group", see :func:`build_brian2`.

Each runner returns a dict of figures: ``wall_s`` and ``cpu_s`` of the run loop, ``spikes``,
``active`` (cells that spiked), ``setup_s`` and ``jit_s``. :func:`profile_dense` splits a busy
step of brainview into its parts.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import OUT_DIR, flywire_scale_connectome

DT_MS = 0.1
SEED = 0
RATE_HZ = 150.0
SPARSE_W_SYN = 0.275  # Shiu et al.'s w_syn, mV
W_POI_MV = 68.75  # 0.275 mV x f_poi = 250: Shiu et al.'s jump of v per Poisson event, kept for every w_syn


def driven_rows(connectome, count: int = 50, seed: int = SEED) -> np.ndarray:
    """``count`` neurons whose every outgoing connection is excitatory, drawn with ``seed``."""
    chemical = connectome.chemical
    out_degree = np.diff(chemical.indptr)
    inhibitory_out = np.bincount(chemical.pre[chemical.sign < 0], minlength=connectome.n)
    candidates = np.flatnonzero((out_degree > 0) & (inhibitory_out == 0))
    return np.sort(np.random.default_rng(seed).choice(candidates, count, replace=False))


def network(size: int | None, connectome=None):
    """The FlyWire-scale connectome (``connectome`` if given), or the synapses among ``size`` of
    its neurons drawn with :data:`SEED` (a random subset: connections fall as the square of the
    fraction kept)."""
    connectome = flywire_scale_connectome() if connectome is None else connectome
    if size is None or size >= connectome.n:
        return connectome
    rows = np.sort(np.random.default_rng(SEED).choice(connectome.n, size, replace=False))
    return connectome.subset(rows)


def pin(case: dict) -> None:
    if case.get("cpus") and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(case["cpus"]))


def spike_figures(cells: np.ndarray) -> dict:
    return {"spikes": int(cells.size), "active": int(np.unique(cells).size)}


def _simulation(case: dict):
    """(connectome, Simulation with the case's drive, load seconds)."""
    from brainview.sim import Simulation
    from brainview.sim.params import ShiuParams

    started = time.perf_counter()
    connectome = network(case.get("size"))
    load_s = time.perf_counter() - started
    params = ShiuParams(w_syn_mV=case["w_syn"], f_poi=W_POI_MV / case["w_syn"])
    sim = Simulation(connectome, params=params, dt_ms=DT_MS, seed=SEED, threads=case.get("threads", 1),
                     time_threads=case.get("time_threads", True))
    sim.stimulate(driven_rows(connectome, case["driven"]), RATE_HZ)
    return connectome, sim, load_s


def run_brainview(case: dict) -> dict:
    """brainview on ``case``: loop wall and CPU time (the whole process's, so every thread's)."""
    pin(case)
    threads = case.get("threads", 1)
    if threads > 1:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    _, sim, load_s = _simulation(case)
    started = time.perf_counter()
    sim.step(1)  # loads the cached kernels (or compiles them)
    sim.reset()
    if threads > 1:  # the threaded loop is never cached: compile it here, on a small network, not in the timing
        from brainview.sim import Simulation

        Simulation(network(2000), threads=2, time_threads=False, parallel_min_events=0).step(1)
    jit_s = time.perf_counter() - started
    warmup_ms = case.get("warmup_s", 0.0) * 1e3
    if warmup_ms:  # untimed, so that the timed part is in the regime the network settles in
        sim.run(duration_ms=warmup_ms)
    cpu, wall = time.process_time(), time.perf_counter()
    sim.run(duration_ms=case["duration_s"] * 1e3)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    steps, cells = sim.spikes.arrays()
    cells = cells[steps >= round(warmup_ms / DT_MS)]
    return {"wall_s": wall, "cpu_s": cpu, "setup_s": load_s, "jit_s": jit_s,
            "threads_in_use": sim.threads_in_use, **spike_figures(cells)}


def build_brian2(connectome, rows: np.ndarray, w_syn_mV: float, w_poi_mV: float, poisson: str = "inputs"):
    """Shiu et al.'s Brian2 model on ``connectome``, Poisson drive at :data:`RATE_HZ` on ``rows``.

    ``(unless refractory)`` equations integrated ``exact``, ``on_pre: g += w`` with ``w`` =
    ``w_syn_mV x count x sign`` and a 1.8 ms delay, no refractory period for driven neurons. Each
    Poisson event adds ``w_poi_mV`` to ``v``: with ``poisson="inputs"`` through one
    ``PoissonInput`` per driven neuron (Shiu et al.'s code), with ``"group"`` through one
    ``PoissonGroup`` and one-to-one ``Synapses`` without delay (the same Bernoulli trains, in the
    same schedule slot, in two code objects however many neurons are driven).
    """
    import brian2 as b2

    namespace = {
        "v_0": -52 * b2.mV, "v_rst": -52 * b2.mV, "v_th": -45 * b2.mV, "t_mbr": 20 * b2.ms, "tau": 5 * b2.ms,
    }
    equations = """
        dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
        dg/dt = -g / tau : volt (unless refractory)
        rfc : second
    """
    neurons = b2.NeuronGroup(
        connectome.n, equations, threshold="v > v_th", reset="v = v_rst; g = 0*mV",
        refractory="rfc", method="exact", namespace=namespace,
    )
    neurons.v = -52 * b2.mV
    neurons.g = 0 * b2.mV
    refractory_ms = np.full(connectome.n, 2.2)
    refractory_ms[rows] = 0.0
    neurons.rfc = refractory_ms * b2.ms
    chemical = connectome.chemical
    synapses = b2.Synapses(neurons, neurons, "w : volt", on_pre="g += w", delay=1.8 * b2.ms)
    synapses.connect(i=chemical.pre, j=chemical.indices)
    synapses.w = chemical.weight.astype(np.float64) * chemical.sign * w_syn_mV * b2.mV
    if poisson == "inputs":
        drive = [b2.PoissonInput(neurons[int(r):int(r) + 1], "v", 1, RATE_HZ * b2.Hz, w_poi_mV * b2.mV) for r in rows]
    else:
        sources = b2.PoissonGroup(rows.size, RATE_HZ * b2.Hz)
        feed = b2.Synapses(sources, neurons, on_pre=f"v += {w_poi_mV!r}*mV")
        feed.connect(i=np.arange(rows.size), j=rows)
        drive = [sources, feed]
    monitor = b2.SpikeMonitor(neurons)
    return b2.Network(neurons, synapses, monitor, *drive), monitor


_LOOP_TIMER = """
struct timespec _bench_wall[2], _bench_cpu[2];
clock_gettime(CLOCK_MONOTONIC, &_bench_wall[0]); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_bench_cpu[0]);
"""
_LOOP_TIMER_END = """
clock_gettime(CLOCK_MONOTONIC, &_bench_wall[1]); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &_bench_cpu[1]);
{
    std::ofstream _bench_out((brian::results_dir + "bench_loop_times.txt").c_str());
    _bench_out.precision(9);
    _bench_out << (_bench_wall[1].tv_sec - _bench_wall[0].tv_sec) + 1e-9 * (_bench_wall[1].tv_nsec - _bench_wall[0].tv_nsec)
               << " " << (_bench_cpu[1].tv_sec - _bench_cpu[0].tv_sec) + 1e-9 * (_bench_cpu[1].tv_nsec - _bench_cpu[0].tv_nsec)
               << std::endl;
}
"""


def run_brian2(case: dict) -> dict:
    """Brian2 cpp_standalone on one thread. The loop's wall and CPU time come from timers put
    around the network run in main.cpp (Brian2's own ``_last_run_time`` is ``std::clock``, CPU
    time, without OpenMP; it is kept as ``brian2_run_time``). setup: network construction in
    Python plus the binary's time outside the loop (loading arrays, creating synapses, writing
    results); jit: code generation and compilation."""
    pin(case)
    import brian2 as b2

    started = time.perf_counter()
    connectome = network(case.get("size"))
    rows = driven_rows(connectome, case["driven"])
    directory = OUT_DIR / "brian2_standalone"
    b2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.defaultclock.dt = DT_MS * b2.ms
    b2.seed(SEED)
    net, monitor = build_brian2(connectome, rows, case["w_syn"], W_POI_MV, case.get("poisson", "inputs"))
    warmup_s = case.get("warmup_s", 0.0)
    if warmup_s:  # a run of its own: the timers, inserted after it, time only the next run
        net.run(warmup_s * b2.second)
    b2.device.insert_code("before_network_run", _LOOP_TIMER)
    b2.device.insert_code("after_network_run", _LOOP_TIMER_END)
    net.run(case["duration_s"] * b2.second)
    construct_s = time.perf_counter() - started
    started = time.perf_counter()
    b2.device.build(directory=str(directory), compile=True, run=False)
    jit_s = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    b2.device.run(directory=str(directory), with_output=False)
    binary_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu = map(float, (Path(b2.device.results_dir) / "bench_loop_times.txt").read_text().split())
    return {
        "wall_s": wall, "cpu_s": cpu, "setup_s": construct_s + binary_s - wall, "jit_s": jit_s,
        "binary_cpu_s": (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime),
        "brian2_run_time": float(b2.device._last_run_time),
        **spike_figures(np.asarray(monitor.i)[np.asarray(monitor.t / b2.second) >= warmup_s - DT_MS * 5e-4]),
    }


def _copy_state(state):
    """A deep copy of an EngineState that keeps fields that view one record array as views of
    one copy of it (the same memory layout, and the same numba types, as the original)."""
    records: dict[int, np.ndarray] = {}
    fields = {}
    for name in state._fields:
        value = getattr(state, name)
        if not isinstance(value, np.ndarray):
            continue
        base = value.base
        if value.dtype.names:  # the record array itself
            fields[name] = records.setdefault(id(value), value.copy())
        elif isinstance(base, np.ndarray) and base.dtype.names and base.shape == value.shape:
            copy = records.setdefault(id(base), base.copy())
            offset = value.ctypes.data - base.ctypes.data
            field = next(f for f in base.dtype.names if base.dtype.fields[f][1] == offset)
            fields[name] = copy[field]
        else:
            fields[name] = value.copy()
    return state._replace(**fields)


def _jitted_caller(function, arity: int):
    """An uncached njit function that calls ``function`` with its ``arity`` arguments: the
    kernels' private functions may have no Python wrapper of their own, and a changed signature
    then shows as a typing error when the caller compiles rather than as a crash."""
    from numba import njit

    names = ", ".join(f"a{i}" for i in range(arity))
    namespace = {"function": function}
    exec(f"def call({names}):\n    return function({names})\n", namespace)  # noqa: S102
    return njit(namespace["call"])


def profile_dense(case: dict, samples: int = 5, repeats: int = 5, gap_steps: int = 20) -> dict:
    """brainview's busy step split into parts, timed on copies of the engine state.

    Runs ``case`` for its duration (to ignition), then at ``samples`` moments ``gap_steps``
    steps apart times each part ``repeats`` times on a fresh copy of the state (after one untimed
    call, which compiles the caller), through the private functions of brainview.sim.kernels. A
    part whose function is missing, or no longer takes these arguments, is reported as such.
    """
    from brainview.sim import kernels as K

    pin(case)
    _, sim, _ = _simulation(case)
    sim.run(duration_ms=case["duration_s"] * 1e3)
    net, k, table, n = sim.network, sim.constants, sim.quiet_table, sim.n

    def record(st):
        return K.ChunkRecord(np.empty(n + 1, np.int64), np.empty(n + 1, np.int32), np.zeros(0, np.int32),
                             np.empty((1, 0)), np.zeros(1, np.int64))

    def slot_of(st):
        return int(st.counters[0]) % st.queue.shape[0]

    def next_slot_of(st):
        return (int(st.counters[0]) + 1) % st.queue.shape[0]

    def events_due(st):
        slot = slot_of(st)
        return int(sum(net.indptr[c + 1] - net.indptr[c] for c in st.queue[slot, : st.queue_len[slot]]))

    def dense(st):  # as _deliver_serial decides
        fraction = getattr(st, "dense_fraction", getattr(K, "DENSE_FRACTION", 4))
        return fraction > 0 and events_due(st) * fraction >= n

    parts = [
        ("whole step (run_busy_steps, 1 step)", "run_busy_steps",
         lambda st: (net, k, table, st, sim._drive, record(st), sim._plasticity, 1)),
        ("busy step: sums, then blocks", "_busy_step", lambda st: (net, k, table, st, int(st.counters[0]))),
        ("update + threshold (from the list)", "_update_and_threshold", lambda st: (k, st, int(st.counters[0]))),
        ("wake refractory cells due", "_wake", lambda st: (st, int(st.counters[0]))),
        ("prefetch the next step's rows", "_prefetch_rows",
         lambda st: (net, st, next_slot_of(st), 0, int(st.queue_len[next_slot_of(st)]))),
        ("gather input (sum per target)", "_gather_input", lambda st: (net, st, slot_of(st), not dense(st))),
        ("deliver from lists (gather + apply)", "_deliver",
         lambda st: (net, k, table, st, int(st.counters[0]), dense(st), st.active, int(st.counters[1]))),
        ("Poisson events", "_poisson_events", lambda st: (k, st, sim._drive, int(st.counters[0]))),
        ("(call overhead: _events_due)", "_events_due", lambda st: (net, st, slot_of(st))),
    ]
    if net.gap_partners.size:
        parts.insert(1, ("gap forcing", "_gap_forcing", lambda st: (net, k, st)))
    totals = {label: 0.0 for label, _, _ in parts}
    callers: dict[str, object] = {}
    errors: dict[str, str] = {}
    moments = []
    for _ in range(samples):
        st0 = sim._state
        moments.append({"step": int(st0.counters[0]), "active": int(st0.counters[1]),
                        "spikes_due": int(st0.queue_len[slot_of(st0)]), "events_due": events_due(st0)})
        for label, name, arguments in parts:
            if label in errors:
                continue
            if not hasattr(K, name):
                errors[label] = f"brainview.sim.kernels.{name} does not exist"
                continue
            try:
                for r in range(repeats + 1):
                    st = _copy_state(st0)
                    args = arguments(st)
                    caller = callers.get(label) or callers.setdefault(label, _jitted_caller(getattr(K, name), len(args)))
                    started = time.perf_counter()
                    caller(*args)
                    if r:
                        totals[label] += time.perf_counter() - started
            except Exception as error:  # noqa: BLE001  (a changed signature: numba's TypingError, TypeError...)
                errors[label] = f"{name} failed: {type(error).__name__}: {str(error).strip().splitlines()[0][:100]}"
        sim.step(gap_steps)
    started = time.perf_counter()
    steps = 100
    sim.step(steps)
    return {
        "moments": moments,
        "parts_ms": {label: totals[label] / (samples * repeats) * 1e3 for label, _, _ in parts if label not in errors},
        "errors": errors,
        "run_ms_per_step": (time.perf_counter() - started) / steps * 1e3,
        "run_steps": steps,
    }


WORKERS = {"brainview": run_brainview, "brian2": run_brian2, "profile": profile_dense}
