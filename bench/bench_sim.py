"""Simulation benchmark: the Shiu et al. 2024 model on the FlyWire-scale network, brainview vs Brian2.

The network is the foundation benchmark's (bench/flywire_scale.py: 139,255 neurons with the
real FlyWire v783 annotations and about 15 million synthetic connections). 50 excitatory
neurons, picked with a fixed seed, get Poisson drive at 150 Hz; 1 s is simulated at dt = 0.1 ms.
The same network and the same driven neurons run, each in a fresh process:

* brainview on one thread, its default (after a warm-up call that loads the numba kernels
  from their cache),
* Brian2 runtime mode (cython code generation),
* Brian2 cpp_standalone, on one thread and with OpenMP on every core (network construction,
  code generation and compilation reported apart, as setup),
* optionally Brian2's numpy mode.

The Brian2 model is Shiu et al.'s: ``(unless refractory)`` equations integrated with the
``exact`` method, ``on_pre: g += w`` with a 1.8 ms delay, one ``PoissonInput`` per driven neuron
adding ``w_syn x f_poi`` to ``v``, no refractory period for driven neurons.

``--threads`` also measures brainview's spike delivery on one thread against all of them, on
the light load above and on a heavy one (5,000 driven neurons), which is where splitting
delivery over threads can pay. Prints a table; asserts nothing about time.

Usage::

    python bench/bench_sim.py [--skip-cython] [--skip-standalone] [--numpy] [--threads]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import OUT_DIR, flywire_scale_connectome  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

DRIVEN = 50
RATE_HZ = 150.0
DURATION_S = 1.0
DT_MS = 0.1
SEED = 0


def driven_rows(connectome, count: int = DRIVEN, seed: int = SEED) -> np.ndarray:
    """``count`` neurons whose every outgoing connection is excitatory, drawn with ``seed``."""
    chemical = connectome.chemical
    out_degree = np.diff(chemical.indptr)
    inhibitory_out = np.bincount(chemical.pre[chemical.sign < 0], minlength=connectome.n)
    candidates = np.flatnonzero((out_degree > 0) & (inhibitory_out == 0))
    return np.sort(np.random.default_rng(seed).choice(candidates, count, replace=False))


def spike_figures(cells: np.ndarray) -> dict:
    return {"spikes": int(cells.size), "active": int(np.unique(cells).size)}


def run_brainview(threads: int = 1, count: int = DRIVEN) -> dict:
    """brainview on the benchmark network; returns figures as a dict."""
    from brainview.sim import Simulation

    started = time.perf_counter()
    connectome = flywire_scale_connectome()
    load_s = time.perf_counter() - started
    rows = driven_rows(connectome, count)
    sim = Simulation(connectome, dt_ms=DT_MS, seed=SEED, threads=threads)
    sim.stimulate(rows, RATE_HZ)
    started = time.perf_counter()
    sim.step(1)  # loads (or compiles) the kernels
    sim.reset()
    warmup_s = time.perf_counter() - started
    started = time.perf_counter()
    sim.run(duration_ms=DURATION_S * 1e3)
    wall = time.perf_counter() - started
    _, cells = sim.spikes.arrays()
    return {"wall_s": wall, "setup_s": load_s, "compile_s": warmup_s, **spike_figures(cells)}


def build_brian2(connectome, rows: np.ndarray):
    """Shiu et al.'s Brian2 model on ``connectome`` with Poisson drive on ``rows``."""
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
    neurons.rfc = 2.2 * b2.ms
    chemical = connectome.chemical
    synapses = b2.Synapses(neurons, neurons, "w : volt", on_pre="g += w", delay=1.8 * b2.ms)
    synapses.connect(i=chemical.pre, j=chemical.indices)
    synapses.w = chemical.weight.astype(np.float64) * chemical.sign * 0.275 * b2.mV
    inputs = []
    for row in rows:
        inputs.append(b2.PoissonInput(neurons[int(row):int(row) + 1], "v", 1, RATE_HZ * b2.Hz, 0.275 * 250 * b2.mV))
        neurons[int(row)].rfc = 0 * b2.ms
    monitor = b2.SpikeMonitor(neurons)
    return b2.Network(neurons, synapses, monitor, *inputs), monitor


def run_brian2(mode: str, threads: int = 1) -> dict:
    """Brian2 in ``mode`` ("cython", "numpy" or "standalone" on ``threads``) on the benchmark network."""
    import brian2 as b2

    connectome = flywire_scale_connectome()
    rows = driven_rows(connectome)
    b2.defaultclock.dt = DT_MS * b2.ms
    b2.seed(SEED)
    directory = OUT_DIR / "brian2_standalone"
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    else:
        b2.prefs.codegen.target = mode
    started = time.perf_counter()
    network, monitor = build_brian2(connectome, rows)
    if mode == "standalone":
        network.run(DURATION_S * b2.second)
        b2.device.build(directory=str(directory), compile=True, run=True)
        total = time.perf_counter() - started
        wall = float(b2.device._last_run_time)
        figures = {"wall_s": wall, "setup_s": total - wall, "compile_s": float("nan")}
    else:
        network.run(0 * b2.ms)  # code generation and compilation, kept out of the timing
        setup = time.perf_counter() - started
        started = time.perf_counter()
        network.run(DURATION_S * b2.second)
        figures = {"wall_s": time.perf_counter() - started, "setup_s": setup, "compile_s": float("nan")}
    return {**figures, **spike_figures(np.asarray(monitor.i))}


def in_subprocess(*worker: str) -> dict:
    """Run one measurement in a fresh process (clean memory, clean Brian2 device state)."""
    command = [sys.executable, __file__, "--worker", *worker]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(name: str, figures: dict) -> str:
    if "error" in figures:
        return f"{name:<34} failed: {figures['error']}"
    per_second = figures["wall_s"] / DURATION_S
    compile_text = "" if np.isnan(figures.get("compile_s", np.nan)) else f"{figures['compile_s']:8.2f}"
    return (
        f"{name:<34} {per_second:10.3f} {1 / per_second:9.1f}x {figures['spikes']:>9,} {figures['active']:>8,}"
        f" {figures['setup_s']:8.1f} {compile_text:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cython", action="store_true", help="do not run Brian2 runtime (cython) mode")
    parser.add_argument("--skip-standalone", action="store_true", help="do not run Brian2 cpp_standalone")
    parser.add_argument("--numpy", action="store_true", help="also run Brian2's numpy mode (slow)")
    parser.add_argument("--threads", action="store_true", help="compare brainview on one thread and on all")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "brainview":
            print(json.dumps(run_brainview(int(rest[0]), int(rest[1]))))
        else:
            print(json.dumps(run_brian2(kind, *(int(r) for r in rest))))
        return

    connectome = flywire_scale_connectome()
    print(f"machine: {describe_machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"network: {connectome}")
    print(f"drive:   {DRIVEN} excitatory neurons at {RATE_HZ:g} Hz (seed {SEED}); {DURATION_S:g} s at dt = {DT_MS} ms")
    print()
    print(f"{'simulator':<34} {'wall s/s':>10} {'speed':>10} {'spikes':>9} {'active':>8} {'setup s':>8} {'jit s':>8}")
    cores = os.cpu_count() or 1
    runs = [("brainview (1 thread)", ("brainview", "1", str(DRIVEN)))]
    if not args.skip_cython:
        runs.append(("Brian2 runtime (cython)", ("cython",)))
    if not args.skip_standalone:
        runs.append(("Brian2 cpp_standalone (1 thread)", ("standalone", "1")))
        if cores > 1:
            runs.append((f"Brian2 cpp_standalone ({cores} threads)", ("standalone", str(cores))))
    if args.numpy:
        runs.append(("Brian2 runtime (numpy)", ("numpy",)))
    for name, worker in runs:
        print(row(name, in_subprocess(*worker)), flush=True)
    if args.threads:
        print()
        for count in (DRIVEN, 5000):
            for threads in (1, cores):
                figures = in_subprocess("brainview", str(threads), str(count))
                print(row(f"brainview, {count} driven, {threads} thread(s)", figures), flush=True)
    print()
    print("wall s/s: wall-clock seconds per simulated second (lower is faster); speed: x real time;")
    print("active: neurons that spiked; setup: loading (brainview) or network construction, code")
    print("generation and compilation (Brian2), not included in wall s/s; jit: brainview's first call.")


if __name__ == "__main__":
    main()
