"""Lesion-screen throughput: trials per second, brainview serial against a local Dask cluster against Brian2.

A screen is a control and one silencing condition per cell type, each run for a number of
independent trials (:func:`brainview.comparison.silence_each`, ``brainview screen``). Two cases:

* **worm**: the embedded C. elegans (449 cells, gap junctions), Poisson drive of ALML, ALMR and
  AVM at 150 Hz, ``w_syn_mV = 1.4``, readout ``type:VA,DA``, silencing each cell type within
  ``--worm-within`` (16 command and first-layer interneuron types by default, so 17 conditions),
  4 trials of 1 s each;
* **fly**: the FlyWire-scale network of bench/flywire_scale.py (139,255 neurons with the real
  v783 annotations, about 14.5 million synthetic connections; skipped when neither its cache nor
  the annotations in ../shared/data are there), sparse regime of bench/bench_sim.py (Shiu et
  al.'s ``w_syn`` = 0.275 mV, 50 excitatory neurons driven at 150 Hz), readout: the 20 cells
  receiving the most synapses from the driven ones; conditions: the ``--fly-types`` cell types
  (3) receiving the most synapses from the driven neurons, each silencing its cells among their
  direct targets; 2 trials of 0.2 s.

Runners, one after another in this sitting (``--repeats`` alternates the two brainview ones):

* **brainview serial**: ``run_comparison(comparison, scheduler="serial")`` in this process;
* **brainview local**: ``run_comparison(comparison, scheduler="local", workers=--workers)``: a
  Dask LocalCluster started and stopped by the run, the network sent to each worker once;
* **Brian2 joblib**: Shiu et al.'s way of running a screen: for each condition
  ``Parallel(n_jobs=--n-jobs)(delayed(run_trial)(...) for trial in range(trials))``, every trial
  loading the connectome from its file, building the network in a fresh ``start_scope()`` and
  running it with Brian2's runtime device and the Cython target (Brian2's default where Cython
  is installed, as in Shiu et al.'s code); loky keeps its worker processes between conditions.
  The model is the one of tests/sim/brian2_shiu.py: ``(unless refractory)`` equations integrated
  ``exact``, ``on_pre: g += w`` with a 1.8 ms delay, no refractory period for driven neurons,
  and the worm's gap junctions as a ``(summed)`` current, which brainview models too. The drive
  (``--brian2-poisson``, both by default):

  - ``inputs``: one ``PoissonInput(N=1)`` per driven neuron, as Shiu et al.'s code does. Each
    PoissonInput makes a uniquely named ``BinomialFunction`` (``poissoninput_binomial_<k>``,
    the counter growing with every trial a process runs) whose name is in the generated code,
    so every PoissonInput of every trial is a new Cython module, compiled then (seconds each);
  - ``group``: one ``PoissonGroup`` and one-to-one ``Synapses`` without delay (the same
    Bernoulli trains in the same schedule slot; bench/sim_cases.py's ``poisson="group"``), whose
    code repeats from trial to trial, so the Cython cache serves it after the first.

  Silencing is Shiu et al.'s: the silenced neurons' outgoing synapses get weight 0 (set in one
  assignment of the weight array rather than their loop of string-indexed assignments, one per
  neuron) and they get no Poisson drive; they can still fire from their inputs, and their
  membrane stays free on their gap junctions, where brainview's silence holds them at rest, so
  readout rates can differ where a silenced cell has gap junctions (the worm). Each trial starts
  with ``gc.collect()``, so that the previous trial's objects are gone and their names (hence
  the code of the neuron group and the synapses) come back: without it a process that has not
  collected yet generates and compiles everything afresh (in Brian2's favour, not in Shiu et
  al.'s code).

Brian2 runs in a subprocess with the ``.venv-brian2`` interpreter (``--brian2-python``; it needs
joblib there), its Cython cache in a fresh folder for this run (``--brian2-cache`` names one to
keep), shared by the Brian2 runs in the order printed: the first pays the compilation of the code
they share, each worker process pays loading it and generating the code of every trial's new
network. brainview's kernels come from numba's on-disk cache (run ``brainview prepare`` once
beforehand); the serial run finds them loaded by an untimed warm-up step, each cluster worker
loads them in its first trial.

Figures: ``wall s`` is the whole screen as a user waits for it (brainview: ``run_comparison``
with its statistics, the cluster's start and the network's transfer; Brian2: from the first
``Parallel`` call, which starts the worker processes, to the last result). The indented rows
divide a sum of per-trial times by the number of processes, what a long screen tends to as its
fixed costs are spread: brainview's trial (a Simulation made from the shared network arrays and
run); Brian2's whole trial (load, build, code generation and compilation, loop); Brian2's loop
only (``Network.run`` after ``before_run``). brainview's serial and local-cluster trials are
checked to be identical (their ``result.rates`` frames and spike counts), and each Brian2 run's
readout rates are set beside brainview's as a sanity check. Nothing about time is asserted.

Usage (from the main environment; Brian2 runs with .venv-brian2's interpreter)::

    python bench/bench_screen.py [--skip-worm] [--skip-fly] [--skip-brian2] [--workers 2] [--n-jobs 2]
        [--worm-trials 4] [--worm-duration 1] [--worm-within SELECTOR]
        [--fly-types 3] [--fly-trials 2] [--fly-duration 0.2] [--fly-size N] [--repeats 1]
        [--brian2-poisson inputs,group] [--brian2-cache DIR] [--brian2-python PATH]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

WORM_WITHIN = "type:AVA,AVB,AVD,AVE,PVC,DVA,RIM,AIB,AIY,AIZ,RIA,RIB,RIS,SAA,SAB,AVK"
WORM_STIM = "ALML,ALMR,AVM"
WORM_READOUT = "type:VA,DA"
WORM_W_SYN = 1.4
FLY_READOUT_CELLS = 20
POISSON = {"inputs": "PoissonInput per cell", "group": "one PoissonGroup"}
COLUMNS = f"{'case':<6} {'runner':<50} {'conditions':>10} {'trials':>6} {'wall s':>8} {'trials/s':>9}  notes"


# ---------------------------------------------------------------- the screens, as comparisons


def worm_comparison(args):
    import brainview
    from brainview.comparison import Comparison, Drive, silence_each
    from brainview.connectome.digest import connectome_digest
    from brainview.experiment.cells import cells_from_selector
    from brainview.experiment.model import DatasetRef
    from brainview.resources import default_dataset_path

    connectome = brainview.load(default_dataset_path())
    within = cells_from_selector(connectome, args.worm_within)
    return Comparison(
        connectome, DatasetRef(None, connectome_digest(connectome), "C. elegans"),
        (Drive(cells_from_selector(connectome, WORM_STIM), 150.0),),
        (cells_from_selector(connectome, WORM_READOUT),),
        silence_each(connectome, "cell_type", within),
        trials=args.worm_trials, duration_ms=args.worm_duration * 1e3, params={"w_syn_mV": WORM_W_SYN},
    )


def fly_comparison(args):
    """The FlyWire-scale screen, or None (with the reason printed) when its data are absent."""
    from flywire_scale import NATIVE_PATH, shared_flywire_dir

    if not NATIVE_PATH.exists():
        try:
            shared_flywire_dir()
        except SystemExit as missing:
            print(f"fly: skipped ({missing})")
            return None
    from sim_cases import RATE_HZ, SPARSE_W_SYN, W_POI_MV, driven_rows, network

    from brainview.comparison import Comparison, Drive, silence_each
    from brainview.experiment.model import CellSet, DatasetRef

    connectome = network(args.fly_size)
    driven = driven_rows(connectome, 50)
    chemical = connectome.chemical
    from_driven = np.isin(chemical.pre, driven)
    synapses_in = np.bincount(chemical.indices[from_driven], weights=chemical.weight[from_driven], minlength=connectome.n)
    synapses_in[driven] = 0
    readout = np.argsort(synapses_in, kind="stable")[::-1][:FLY_READOUT_CELLS]
    targets = np.flatnonzero(synapses_in > 0)
    targets = np.setdiff1d(targets, readout)
    codes = connectome.columns["cell_type"].codes
    labelled = targets[codes[targets] >= 0]
    per_type = np.bincount(codes[labelled], weights=synapses_in[labelled])
    chosen = np.argsort(per_type, kind="stable")[::-1][:args.fly_types]
    within = CellSet("bench:fly-screen", "direct targets", labelled[np.isin(codes[labelled], chosen)])
    params = {"w_syn_mV": SPARSE_W_SYN, "f_poi": W_POI_MV / SPARSE_W_SYN}
    return Comparison(
        connectome, DatasetRef(None, "flywire-scale-bench", "FlyWire-scale"),
        (Drive(CellSet("bench:driven", "50 driven", driven), RATE_HZ),),
        (CellSet("bench:readout", f"top {FLY_READOUT_CELLS} targets", readout),),
        silence_each(connectome, "cell_type", within),
        trials=args.fly_trials, duration_ms=args.fly_duration * 1e3, params=params,
    )


# ---------------------------------------------------------------- brainview runners


def run_brainview(comparison, scheduler: str, workers: int | None) -> dict:
    from brainview.comparison import run_comparison

    started = time.perf_counter()
    result = run_comparison(comparison, scheduler=scheduler, workers=workers)
    wall = time.perf_counter() - started
    trial_s = np.concatenate([c.wall_s for c in result.conditions.values()])
    return {"wall_s": wall, "trial_s": trial_s, "result": result}


def warm_up_brainview(comparison) -> float:
    """One step of the engine, untimed: numba's cached kernels loaded before the serial run (s)."""
    from brainview.sim import Simulation

    started = time.perf_counter()
    Simulation(comparison.connectome, comparison.model_params(), comparison.dt_ms).step(1)
    return time.perf_counter() - started


def control_rate(result) -> float:
    rates = result.rates
    return float(rates.loc[rates["condition"] == "control", "rate_Hz"].mean())


def condition_means(result) -> dict[str, float]:
    return result.rates.groupby("condition", sort=False)["rate_Hz"].mean().to_dict()


# ---------------------------------------------------------------- Brian2, one process per trial


def brian2_spec(comparison, dataset: dict, n_jobs: int, cache_dir: str, poisson: str) -> dict:
    """What the Brian2 subprocess needs, as JSON: rows, parameters, the conditions' silenced rows."""
    from brainview.comparison import trial_stream

    return {
        "dataset": dataset, "bench_dir": str(BENCH_DIR), "n_jobs": n_jobs, "cache_dir": cache_dir, "poisson": poisson,
        "params": comparison.model_params().to_dict(), "dt_ms": comparison.dt_ms,
        "duration_ms": comparison.duration_ms, "readout_from_ms": comparison.readout_from_ms,
        "trials": comparison.trials,
        "drives": [{"rows": d.cells.rows.tolist(), "rate_Hz": d.rate_Hz} for d in comparison.stimuli],
        "readouts": [{"label": r.label, "rows": r.rows.tolist()} for r in comparison.readouts],
        "conditions": [
            {"name": name, "silenced": np.unique(np.concatenate(
                [l.cells.rows for l in comparison.condition(name).lesions] or [np.zeros(0, np.int64)])).tolist(),
             "seeds": [trial_stream(name, t) % 2**32 for t in range(comparison.trials)]}
            for name in comparison.condition_names
        ],
    }


def run_brian2_subprocess(spec: dict, python: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        done = subprocess.run([python, __file__, "--brian2-screen", handle.name], capture_output=True, text=True,
                              check=False)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        return {"error": lines[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def brian2_screen(spec: dict) -> dict:
    """Every condition's trials through joblib, one Parallel call per condition (Shiu et al.'s run_exp)."""
    from joblib import Parallel, delayed

    trials = []
    started = time.perf_counter()
    for condition in spec["conditions"]:
        trials += Parallel(n_jobs=spec["n_jobs"])(
            delayed(brian2_trial)(spec, condition, trial) for trial in range(spec["trials"])
        )
    return {"wall_s": time.perf_counter() - started, "trials": trials}


def _load_network(dataset: dict):
    if dataset["kind"] == "worm":
        import brainview
        from brainview.resources import default_dataset_path

        return brainview.load(default_dataset_path())
    from sim_cases import network

    return network(dataset.get("size"))


def brian2_trial(spec: dict, condition: dict, trial: int) -> dict:
    """One trial in a joblib worker: load, build, silence, run; readout spike counts and timings."""
    if spec["bench_dir"] not in sys.path:
        sys.path.insert(0, spec["bench_dir"])
    gc.collect()  # frees the last trial's objects, so that their names, hence their code, come back
    import brian2 as b2  # a process's first trial imports it: in the wall time, not in the trial's

    from brainview.sim import ShiuParams

    started = time.perf_counter()
    b2.prefs.codegen.target = "cython"
    b2.prefs.codegen.runtime.cython.cache_dir = spec["cache_dir"]
    b2.start_scope()
    b2.defaultclock.dt = spec["dt_ms"] * b2.ms
    b2.seed(condition["seeds"][trial])
    connectome = _load_network(spec["dataset"])
    loaded = time.perf_counter()

    p = ShiuParams(**spec["params"])
    namespace = {
        "v_0": p.v_0_mV * b2.mV, "v_rst": p.v_rst_mV * b2.mV, "v_th": p.v_th_mV * b2.mV,
        "t_mbr": p.t_mbr_ms * b2.ms, "tau": p.tau_ms * b2.ms, "g_gap": p.g_gap_per_ms / b2.ms,
    }
    gap = connectome.gap if connectome.gap is not None and connectome.gap.n_connections else None
    equations = """
        dv/dt = (v_0 - v + g) / t_mbr + I_gap : volt (unless refractory)
        dg/dt = -g / tau : volt (unless refractory)
        I_gap : volt/second
        rfc : second
    """
    neurons = b2.NeuronGroup(connectome.n, equations, threshold="v > v_th", reset="v = v_rst; g = 0*mV",
                             refractory="rfc", method="exact", namespace=namespace)
    neurons.v = p.v_0_mV * b2.mV
    neurons.g = 0 * b2.mV
    silenced = np.asarray(condition["silenced"], np.int64)
    rfc = np.full(connectome.n, p.t_rfc_ms)
    drive = []
    for stimulus in spec["drives"]:
        rows = np.setdiff1d(np.asarray(stimulus["rows"], np.int64), silenced)  # silenced: not driven
        rfc[rows] = 0.0  # Shiu et al.: no refractory period for Poisson targets
        if spec["poisson"] == "inputs":
            drive += [b2.PoissonInput(neurons[int(r):int(r) + 1], "v", 1, stimulus["rate_Hz"] * b2.Hz,
                                      p.w_syn_mV * p.f_poi * b2.mV) for r in rows]
        elif rows.size:
            sources = b2.PoissonGroup(rows.size, stimulus["rate_Hz"] * b2.Hz)
            feed = b2.Synapses(sources, neurons, on_pre=f"v_post += {p.w_syn_mV * p.f_poi!r}*mV")
            feed.connect(i=np.arange(rows.size), j=rows)
            drive += [sources, feed]
    neurons.rfc = rfc * b2.ms
    chemical = connectome.chemical
    synapses = b2.Synapses(neurons, neurons, "w : volt", on_pre="g += w", delay=p.t_dly_ms * b2.ms)
    synapses.connect(i=chemical.pre, j=chemical.indices)
    weight = chemical.weight.astype(np.float64) * chemical.sign * p.w_syn_mV
    weight[np.isin(chemical.pre, silenced)] = 0.0  # Shiu et al.'s silence(): outgoing weights 0
    synapses.w = weight * b2.mV
    objects = [neurons, synapses, *drive]
    if gap is not None:
        junctions = b2.Synapses(
            neurons, neurons, "w_gap : 1\nI_gap_post = g_gap * w_gap * (v_pre - v_post) : volt/second (summed)",
            namespace=namespace,
        )
        junctions.connect(i=gap.pre, j=gap.indices)
        junctions.w_gap = gap.weight.astype(np.float64)
        objects.append(junctions)
    monitor = b2.SpikeMonitor(neurons)
    net = b2.Network(*objects, monitor)
    built = time.perf_counter()
    net.run(spec["duration_ms"] * b2.ms, namespace=namespace)
    ran = time.perf_counter()
    loop_s = float(b2.device._last_run_time)

    cells = np.asarray(monitor.i, np.int64)
    times_ms = np.asarray(monitor.t / b2.ms)
    in_window = times_ms >= spec["readout_from_ms"] - spec["dt_ms"] / 2
    window_s = (spec["duration_ms"] - spec["readout_from_ms"]) * 1e-3
    rates = []
    for readout in spec["readouts"]:
        count = int(np.count_nonzero(in_window & np.isin(cells, readout["rows"])))
        rates.append(count / (len(readout["rows"]) * window_s))
    return {
        "condition": condition["name"], "trial": trial, "pid": os.getpid(), "rates_Hz": rates,
        "load_s": loaded - started, "build_s": built - loaded, "prepare_s": ran - built - loop_s,
        "loop_s": loop_s, "total_s": ran - started,
    }


# ---------------------------------------------------------------- the table


def line(case: str, runner: str, comparison, wall_s: float, notes: str) -> str:
    conditions, trials = len(comparison.condition_names), len(comparison.condition_names) * comparison.trials
    return (f"{case:<6} {runner:<50} {conditions:>10} {trials:>6} {wall_s:8.2f} {trials / wall_s:9.2f}  {notes}")


def brainview_rows(case, comparison, runs: dict, workers: int) -> list[str]:
    out = []
    repeated = len(runs) > 2
    for (scheduler, repeat), figures in runs.items():
        trial_s = figures["trial_s"]
        processes = 1 if scheduler == "serial" else workers
        name = "brainview serial" if scheduler == "serial" else "brainview local cluster"
        run = f", run {repeat + 1}" if repeated else ""
        runner = name + (f" ({workers} workers)" if scheduler == "local" else "") + run
        overhead = figures["wall_s"] - trial_s.sum() / processes
        out.append(line(case, runner, comparison, figures["wall_s"],
                        f"trial median {np.median(trial_s):.3f} s (control trial 0: {trial_s[0]:.3f}); rest "
                        f"{overhead:.1f} s (start, stats); control {control_rate(figures['result']):.1f} Hz"))
        out.append(line(case, f"  {name}{run}: trial work only", comparison, trial_s.sum() / processes,
                        f"sum of per-trial times / {processes}"))
    return out


def brian2_rows(case, comparison, figures: dict, n_jobs: int, poisson: str) -> list[str]:
    runner = f"Brian2 joblib ({n_jobs} procs), {POISSON[poisson]}"
    if "error" in figures:
        return [f"{case:<6} {runner:<50} failed: {figures['error']}"]
    trials = figures["trials"]
    part = {k: np.array([t[k] for t in trials]) for k in ("load_s", "build_s", "prepare_s", "loop_s", "total_s")}
    firsts = {}
    for index, t in enumerate(trials):
        firsts.setdefault(t["pid"], index)
    first = np.array(sorted(firsts.values()))
    later = np.setdiff1d(np.arange(len(trials)), first)
    control = np.mean([t["rates_Hz"][0] for t in trials if t["condition"] == "control"])
    prepare_later = f"{np.median(part['prepare_s'][later]):.2f}" if later.size else "-"
    notes = (f"per trial: load {np.median(part['load_s']):.2f}, build {np.median(part['build_s']):.2f}, "
             f"codegen+compile {np.median(part['prepare_s'][first]):.1f} in a process's first trial "
             f"/ {prepare_later} later, loop {np.median(part['loop_s']):.2f} s; "
             f"{len(firsts)} processes; control {control:.1f} Hz")
    return [
        line(case, runner, comparison, figures["wall_s"], notes),
        line(case, f"  Brian2 {poisson}: trial work incl. compile", comparison, part["total_s"].sum() / n_jobs,
             f"sum of per-trial times / {n_jobs}"),
        line(case, f"  Brian2 {poisson}: loop only", comparison, part["loop_s"].sum() / n_jobs,
             f"sum of Network.run loop times / {n_jobs} (no load, build, codegen, compile)"),
    ]


def agreement(comparison, brainview_result, brian2: dict, poisson: str) -> str:
    """Condition means of the first readout, brainview against Brian2 (a sanity check, not a test)."""
    if "error" in brian2:
        return ""
    ours = condition_means(brainview_result)
    theirs = {}
    for t in brian2["trials"]:
        theirs.setdefault(t["condition"], []).append(t["rates_Hz"][0])
    names = list(comparison.condition_names)
    a = np.array([ours[n] for n in names])
    b = np.array([np.mean(theirs[n]) for n in names])
    worst = int(np.argmax(np.abs(a - b)))
    r = f"Pearson r = {np.corrcoef(a, b)[0, 1]:.3f} over {len(names)} conditions, " if len(names) >= 5 else ""
    return (f"  readout mean rate, brainview vs Brian2 {poisson}: control {a[0]:.1f} vs {b[0]:.1f} Hz; {r}"
            f"largest difference {a[worst]:.1f} vs {b[worst]:.1f} Hz ({names[worst]})")


def identical(serial_result, local_result) -> str:
    same = serial_result.rates.equals(local_result.rates) and all(
        np.array_equal(serial_result.conditions[n].spikes, local_result.conditions[n].spikes)
        for n in serial_result.conditions
    )
    rows = len(serial_result.rates)
    return f"  serial and local-cluster trials identical (result.rates, {rows} rows): {'yes' if same else 'NO'}"


def brian2_python(args) -> str | None:
    if args.skip_brian2:
        return None
    python = Path(args.brian2_python)
    if not python.exists():
        print(f"Brian2: skipped ({python} not found; --brian2-python)")
        return None
    check = subprocess.run([str(python), "-c", "import brian2, joblib, Cython"], capture_output=True, text=True,
                           check=False)
    if check.returncode != 0:
        print(f"Brian2: skipped ({python} lacks brian2, joblib or Cython: "
              f"{(check.stderr.strip().splitlines() or ['?'])[-1]})")
        return None
    return str(python)


def run_case(case: str, comparison, dataset: dict, args, python: str | None, cache: str) -> list[str]:
    print(f"-- {case}: {len(comparison.condition_names)} conditions x {comparison.trials} trials x "
          f"{comparison.duration_ms / 1e3:g} s ...", flush=True)
    warm_s = warm_up_brainview(comparison)
    runs: dict[tuple[str, int], dict] = {}
    for repeat in range(args.repeats):
        for scheduler in ("serial", "local"):
            figures = runs[scheduler, repeat] = run_brainview(comparison, scheduler, args.workers)
            print(f"   brainview {scheduler}, run {repeat + 1}: {figures['wall_s']:.1f} s", flush=True)
    out = brainview_rows(case, comparison, runs, args.workers)
    checks = [f"  brainview warm-up (numba cache load, untimed): {warm_s:.2f} s",
              identical(runs["serial", 0]["result"], runs["local", 0]["result"])]
    for poisson in (args.brian2_poisson if python is not None else ()):
        brian2 = run_brian2_subprocess(brian2_spec(comparison, dataset, args.n_jobs, cache, poisson), python)
        print(f"   Brian2 {poisson}: {brian2.get('wall_s', float('nan')):.1f} s", flush=True)
        out += brian2_rows(case, comparison, brian2, args.n_jobs, poisson)
        checks.append(agreement(comparison, runs["serial", 0]["result"], brian2, poisson))
    return out + [c for c in checks if c]


def poisson_variants(text: str) -> tuple[str, ...]:
    variants = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = sorted(set(variants) - set(POISSON))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown Brian2 drive {unknown[0]!r}; choose from {', '.join(POISSON)}")
    return variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-worm", action="store_true")
    parser.add_argument("--skip-fly", action="store_true")
    parser.add_argument("--skip-brian2", action="store_true", help="brainview only (no .venv-brian2 needed)")
    parser.add_argument("--brian2-python", default=str(REPO / ".venv-brian2" / "bin" / "python"),
                        help="interpreter with brian2, joblib and Cython (default .venv-brian2)")
    parser.add_argument("--brian2-cache", help="Cython cache folder for Brian2 (default: a fresh one for this run)")
    parser.add_argument("--brian2-poisson", type=poisson_variants, default=("inputs", "group"),
                        help="Brian2 drive, comma-separated: inputs (one PoissonInput per neuron, Shiu et al.), "
                             "group (one PoissonGroup) (default inputs,group)")
    parser.add_argument("--workers", type=int, default=2, help="local-cluster workers (2)")
    parser.add_argument("--n-jobs", type=int, default=2, help="Brian2 joblib processes (2)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each brainview runner, alternated (1)")
    parser.add_argument("--worm-within", default=WORM_WITHIN, help="cells whose cell types are screened")
    parser.add_argument("--worm-trials", type=int, default=4, help="trials per condition (4)")
    parser.add_argument("--worm-duration", type=float, default=1.0, help="seconds per trial (1)")
    parser.add_argument("--fly-types", type=int, default=3, help="cell types screened (3)")
    parser.add_argument("--fly-trials", type=int, default=2, help="trials per condition (2)")
    parser.add_argument("--fly-duration", type=float, default=0.2, help="seconds per trial (0.2)")
    parser.add_argument("--fly-size", type=int, help="neurons: a random subset of the FlyWire-scale network")
    parser.add_argument("--brian2-screen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.brian2_screen:
        print(json.dumps(brian2_screen(json.loads(Path(args.brian2_screen).read_text()))))
        return

    from machine import describe

    started = time.perf_counter()
    print(f"machine: {describe()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    python = brian2_python(args)
    with tempfile.TemporaryDirectory(prefix="brian2_cython_") as fresh:
        cache = args.brian2_cache or fresh
        if python is not None:
            print(f"Brian2:  {python}, runtime device, Cython target; Cython cache "
                  f"{cache if args.brian2_cache else 'a fresh folder'} shared by the Brian2 runs below, in order")
        lines = screens(args, python, cache)
    print(f"\n{COLUMNS}")
    for text in lines:
        print(text)
    print("\nwall s: the whole screen as a user waits for it; trials/s: trials / wall s. Indented rows: per-trial")
    print("times summed and divided by the processes, what a long screen tends to. brainview's trial: a Simulation")
    print("made from the shared network arrays and run. Brian2 per trial: load (the connectome from its file),")
    print("build (the objects), codegen+compile (before_run), loop (Network.run after before_run).")
    print(f"benchmark wall time: {(time.perf_counter() - started) / 60:.1f} min")


def screens(args, python: str | None, cache: str) -> list[str]:
    lines = []
    if not args.skip_worm:
        comparison = worm_comparison(args)
        print(f"worm:    {comparison.connectome}; drive {WORM_STIM} at 150 Hz, w_syn {WORM_W_SYN} mV, readout "
              f"{WORM_READOUT}, silence each cell_type within {args.worm_within}")
        lines += run_case("worm", comparison, {"kind": "worm"}, args, python, cache)
    if not args.skip_fly:
        comparison = fly_comparison(args)
        if comparison is not None:
            print(f"fly:     {comparison.connectome}; sparse: w_syn 0.275 mV, 50 driven at 150 Hz, readout "
                  f"{comparison.readouts[0].label}, silence each of "
                  f"{', '.join(c.name.removeprefix('silence ') + f' ({c.lesions[0].cells.rows.size})' for c in comparison.conditions)}")
            lines += run_case("fly", comparison, {"kind": "fly", "size": args.fly_size}, args, python, cache)
    return lines


if __name__ == "__main__":
    main()
