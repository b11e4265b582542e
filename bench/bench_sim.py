"""Simulation benchmark: the Shiu et al. 2024 model on the FlyWire-scale network, brainview vs Brian2.

The network is the foundation benchmark's (bench/flywire_scale.py: 139,255 neurons with the
real FlyWire v783 annotations and about 14.5 million synthetic connections); dt = 0.1 ms. Two
regimes, both with 50 excitatory neurons (picked with a fixed seed) driven at 150 Hz and every
Poisson event adding 68.75 mV to ``v`` (Shiu et al.'s ``w_syn x f_poi`` = 0.275 mV x 250, so
``f_poi = 68.75 / w_syn``):

* **sparse**: Shiu et al.'s ``w_syn`` = 0.275 mV; activity stays near the driven cells
  (default 1 s simulated, ``--duration``);
* **dense**: ``w_syn`` = ``--dense-w-syn`` (0.9 mV by default), where the network ignites and most
  cells fire (default 0.3 s, ``--dense-duration``). What matters is the regime, not the number:
  the network of issue 11 ignited at 0.5 mV, this generator's synthetic wiring only near 0.9 mV
  (about 130,000 cells active and 2.4 million spikes in 0.3 s). The moment a network ignites
  depends on its Poisson trains, which differ between the two simulators; ``--dense-warmup 0.5``
  runs both untimed until they have ignited and times the next ``--dense-duration`` seconds.

Sections (``--only``, comma-separated; all by default):

* ``main``: sparse and dense, brainview on one thread beside Brian2 cpp_standalone on one thread,
  with the same parameters;
* ``drive``: 50, 500 and 5,000 driven neurons, sparse (brainview; Brian2 too with
  ``--scaling-brian2``, driven through a PoissonGroup so that 5,000 inputs stay two code objects);
* ``size``: networks of 10,000, 50,000 and 139,255 neurons, sparse and dense (a random subset of
  the neurons with a fixed seed and the synapses among them, so the connections fall as the square
  of the fraction kept, and a subset may not ignite at the dense weight);
* ``threads``: brainview on 1 thread, on 2 threads timed against 1 as it runs (the default with
  ``threads=2``, :mod:`brainview.sim.threads`) and on 2 threads always, sparse and dense, pinned
  to two CPUs, with the second CPU idle and with it loaded by a busy loop (what a GUI or another
  program does to a second thread);
* ``profile``: brainview's dense step split into its parts (update, delivery...), timed on copies
  of the engine state once the network has ignited (``--profile`` runs only this).

Every measurement runs in a fresh process. Figures are per simulated second: loop wall time and
CPU time (brainview: the process's CPU time around ``Simulation.run``, all threads; Brian2: timers
put around the network run in its main.cpp). Prints the machine, the command, the network and the
tables; asserts nothing about time.

Usage (Brian2 needs the .venv-brian2 environment)::

    python bench/bench_sim.py [--only main,drive,size,threads,profile] [--skip-brian2]
        [--scaling-brian2] [--duration 1] [--dense-duration 0.3] [--dense-warmup 0] [--dense-w-syn 0.9]
        [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe as describe_machine
from sim_cases import (  # noqa: F401  (driven_rows: imported from here by other scripts)
    DT_MS,
    RATE_HZ,
    SEED,
    SPARSE_W_SYN,
    W_POI_MV,
    WORKERS,
    driven_rows,
    network,
)

SECTIONS = ("main", "drive", "size", "threads", "profile")
DRIVE_COUNTS = (50, 500, 5000)
SIZES = (10_000, 50_000, None)  # None: the whole network
HEADER = (f"{'case':<28} {'simulator':<34} {'sim s':>5} {'wall s/s':>9} {'CPU s/s':>9} {'spikes':>11}"
          f" {'active':>8} {'setup s':>8} {'jit s':>7}")


def in_subprocess(case: dict) -> dict:
    """Run one measurement in a fresh process (clean memory, clean Brian2 device state)."""
    command = [sys.executable, __file__, "--worker", json.dumps(case)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def busy_cpu(cpu: int | None):
    """A process spinning on ``cpu`` (None: no load) while the block runs."""
    if cpu is None:
        yield
        return
    code = f"import os\nif hasattr(os, 'sched_setaffinity'): os.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"
    spinner = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def row(label: str, simulator: str, case: dict, figures: dict) -> str:
    if "error" in figures:
        return f"{label:<28} {simulator:<34} failed: {figures['error']}"
    seconds = case["duration_s"]
    return (
        f"{label:<28} {simulator:<34} {seconds:5.2f} {figures['wall_s'] / seconds:9.3f} {figures['cpu_s'] / seconds:9.3f}"
        f" {figures['spikes']:>11,} {figures['active']:>8,} {figures['setup_s']:8.1f} {figures['jit_s']:7.2f}"
    )


def measure(label: str, simulator: str, case: dict, load_cpu: int | None = None) -> dict:
    with busy_cpu(load_cpu):
        figures = in_subprocess(case)
    print(row(label, simulator, case, figures), flush=True)
    return figures


def brian2_name(case: dict) -> str:
    return "Brian2 standalone, PoissonGroup" if case.get("poisson") == "group" else "Brian2 cpp_standalone (1 thread)"


def print_profile(case: dict) -> None:
    result = in_subprocess({**case, "sim": "profile"})
    if "error" in result:
        print(f"profile failed: {result['error']}")
        return
    for moment in result["moments"]:
        print(f"  at step {moment['step']:>5}: {moment['active']:>7,} cells stepped, {moment['spikes_due']:>6,} spikes"
              f" arriving with {moment['events_due']:>10,} synaptic events")
    whole = result["parts_ms"].get("whole step (run_busy_steps, 1 step)")
    print(f"  {'part of the step (on a copy of the state)':<44} {'ms/step':>8} {'of whole':>9}")
    for label, ms in result["parts_ms"].items():
        share = f"{ms / whole:8.0%}" if whole else ""
        print(f"  {label:<44} {ms:8.3f} {share:>9}")
    for label, error in result["errors"].items():
        print(f"  {label:<44} not measured: {error}")
    print(f"  {'Simulation.step, the next ' + str(result['run_steps']) + ' steps':<44} {result['run_ms_per_step']:8.3f}")
    print("  deliver includes gather (its rows not prefetched, unlike in a run); each part is one call from")
    print("  Python, whose unboxing of the state the call-overhead line estimates.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run, of {','.join(SECTIONS)}")
    parser.add_argument("--profile", action="store_true", help="run only the profile of the dense case")
    parser.add_argument("--skip-brian2", action="store_true", help="do not run Brian2 (no .venv-brian2 needed)")
    parser.add_argument("--scaling-brian2", action="store_true", help="run Brian2 in the drive and size sections too (slow)")
    parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds of the sparse case (1)")
    parser.add_argument("--dense-duration", type=float, default=0.3, help="simulated seconds of the dense case (0.3)")
    parser.add_argument("--dense-warmup", type=float, default=0.0,
                        help="simulated seconds run untimed before the dense case (0; 0.5 compares ignited brains)")
    parser.add_argument("--dense-w-syn", type=float, default=0.9,
                        help="w_syn of the dense case, mV (0.9: where this synthetic network ignites)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        case = json.loads(args.worker)
        print(json.dumps(WORKERS[case["sim"]](case)))
        return
    sections = ["profile"] if args.profile else [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    regimes = {
        "sparse": {"w_syn": SPARSE_W_SYN, "driven": 50, "duration_s": args.duration},
        "dense": {"w_syn": args.dense_w_syn, "driven": 50, "duration_s": args.dense_duration,
                  "warmup_s": args.dense_warmup},
    }
    brian2 = not args.skip_brian2
    scaling_brian2 = brian2 and args.scaling_brian2

    connectome = network(None)
    print(f"machine: {describe_machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"network: {connectome}")
    print(f"drive:   excitatory neurons (seed {SEED}) at {RATE_HZ:g} Hz, {W_POI_MV:g} mV per Poisson event; dt = {DT_MS} ms")
    for name, regime in regimes.items():
        warmup = f" after {regime['warmup_s']:g} s untimed" if regime.get("warmup_s") else ""
        print(f"{name + ':':<8} w_syn = {regime['w_syn']:g} mV (f_poi = {W_POI_MV / regime['w_syn']:.4g}),"
              f" {regime['duration_s']:g} s simulated{warmup} (spikes and active cells: of the timed part)")

    if "main" in sections:
        print(f"\n== sparse and dense, brainview beside Brian2 ==\n{HEADER}")
        for name, regime in regimes.items():
            measure(name, "brainview (1 thread)", {**regime, "sim": "brainview"})
            if brian2:
                case = {**regime, "sim": "brian2"}
                measure(name, brian2_name(case), case)
    if "drive" in sections:
        print(f"\n== driven neurons (sparse) ==\n{HEADER}")
        for count in DRIVE_COUNTS:
            regime = {**regimes["sparse"], "driven": count}
            measure(f"sparse, {count:,} driven", "brainview (1 thread)", {**regime, "sim": "brainview"})
            if scaling_brian2:
                case = {**regime, "sim": "brian2", "poisson": "group"}
                measure(f"sparse, {count:,} driven", brian2_name(case), case)
    if "size" in sections:
        print(f"\n== network size (random subsets of the neurons, seed {SEED}) ==\n{HEADER}")
        for size in SIZES:
            cells = connectome.n if size is None else size
            print(f"-- {cells:,} neurons, {network(size, connectome).chemical.indptr[-1]:,} connections")
            for name, regime in regimes.items():
                label = f"{name}, {cells // 1000}k cells"
                measure(label, "brainview (1 thread)", {**regime, "size": size, "sim": "brainview"})
                if scaling_brian2:
                    case = {**regime, "size": size, "sim": "brian2"}
                    measure(label, brian2_name(case), case)
    if "threads" in sections:
        cpus = sorted(os.sched_getaffinity(0))[:2] if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))[:2]
        print(f"\n== threads, pinned to CPUs {cpus}: second CPU idle, then loaded by a busy loop ==\n{HEADER}")
        if len(cpus) < 2:
            print("skipped: fewer than two CPUs available")
        else:
            for load, load_cpu in (("idle", None), ("loaded", cpus[1])):
                for name, regime in regimes.items():
                    for label, threads, timed in (("1 thread", 1, True), ("2 threads, timed", 2, True),
                                                  ("2 threads, always", 2, False)):
                        case = {**regime, "sim": "brainview", "threads": threads, "time_threads": timed, "cpus": cpus}
                        figures = measure(f"{name}, 2nd CPU {load}", f"brainview ({label})", case, load_cpu)
                        if threads > 1 and "threads_in_use" in figures:
                            print(f"{'':<28} (the last chunk of steps used {figures['threads_in_use']} thread(s))")
    if "profile" in sections:
        print(f"\n== profile of the dense case (brainview, 1 thread, after {regimes['dense']['duration_s']:g} s) ==")
        print_profile(regimes["dense"])
    print()
    print("wall s/s, CPU s/s: seconds of the run loop per simulated second (lower is faster); CPU counts")
    print("every thread of the process. spikes: in the whole run; active: neurons that spiked. setup:")
    print("brainview's network loading; Brian2's network construction in Python plus its binary's time")
    print("outside the loop (loading arrays, creating synapses, writing results). jit: brainview's first")
    print("step (numba cache load or compilation); Brian2's code generation and C++ compilation.")


if __name__ == "__main__":
    main()
