"""Cost of dopamine-gated plasticity: every KC-to-MBON connection plastic, against the same run without it.

Each case runs the same network with the same drive twice, once plain and once with
``Simulation(plasticity=PlasticityRule("class:Kenyon_Cell", "class:MBON", "class:DAN", ...))``
(gating by the connectome: a DAN teaches the KC-to-MBON connections onto the MBONs it synapses
onto, and those from the KCs it synapses onto), alternating plain and plastic ``--repeats``
times in this one process (A B A B...). A run is timed around ``Simulation.run`` after an untimed
first step (the kernels load from numba's cache; run ``brainview prepare`` once beforehand) and
a reset; ``setup s`` is building the Simulation, which for the plastic one includes finding the
plastic connections and the gates. Figures are per simulated second: loop wall time and the
process's CPU time. Two cases:

* **fly**: the FlyWire-scale network of bench/flywire_scale.py (139,255 neurons with the real
  v783 annotations, about 14.5 million synthetic connections). Its random wiring knows nothing
  of the mushroom body (it has 300 KC-to-MBON connections), so this script grafts one onto it,
  on the real ``class:Kenyon_Cell`` (5,177), ``class:MBON`` (96) and ``class:DAN`` (331) rows,
  by the rules of the synthetic mushroom body (brainview/connectome/examples/mushroom_body.py):
  15 compartments per hemisphere, 5 in each lobe (γ, α'/β', α/β); a KC's lobe follows its real
  FlyWire type (``KCg*`` γ, ``KCapbp*`` α'/β', ``KCab*`` α/β); each MBON type and each DAN type
  gets one compartment, **drawn at random** (seeded), not its real one; every KC synapses onto
  every MBON of its hemisphere in the compartments of its lobe (1 + Poisson synapses, about
  :data:`KC_MBON_SYNAPSES` per MBON in all), every DAN onto every MBON of its hemisphere in its
  compartment (1 synapse). These replace the random KC-to-MBON and DAN-to-MBON connections;
  the rest of the random wiring stays, its DAN-to-KC connections included (each makes its DAN
  gate all of that KC's plastic connections). Drive: a random ``--kc-fraction`` of the KCs at
  ``--kc-rate`` Hz and every DAN at ``--dan-rate`` Hz (Poisson, each event adding Shiu et
  al.'s 68.75 mV to ``v``), Shiu et al.'s ``w_syn`` = 0.275 mV, dt = 0.1 ms;
* **mushroom-body**: ``brainview example mushroom-body`` (one hemisphere: 2,000 KCs, its MBONs,
  DANs and PNs; skipped where brainview.connectome.examples is not there), an odour of 10
  random glomeruli (its PNs at 150 Hz) and every DAN at ``--dan-rate`` Hz.

The rule is the same in both (``--tau-e``, ``--eta``, ``w_min`` 0, ``w_max`` twice the largest
starting weight). Prints the machine, the command, the network, the number of plastic
connections and gates, and per run the spikes of all cells, of the KCs and of the DANs (the
modulators), so that one sees the plain and plastic runs did the same work; asserts nothing
about time.

Usage::

    python bench/bench_plasticity.py [--only fly,mushroom-body] [--repeats 2] [--duration 1]
        [--mb-duration 5] [--kc-fraction 0.1] [--kc-rate 10] [--dan-rate 10] [--threads 1]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe as describe_machine

DT_MS = 0.1
SEED = 0
KC_MBON_SYNAPSES = 10_000  # KC synapses onto one MBON, all its KCs together (as the example)
LOBES = {"γ": "KCg", "α'/β'": "KCapbp", "α/β": "KCab"}  # lobe: prefix of its KCs' FlyWire types
COMPARTMENTS_PER_LOBE = 5
PN_RATE_HZ = 150.0
W_POI_MV = 68.75  # Shiu et al.: w_syn 0.275 mV x f_poi 250
HEADER = (f"{'case':<14} {'plasticity':<10} {'sim s':>5} {'wall s/s':>9} {'CPU s/s':>8} {'spikes':>10}"
          f" {'KC spikes':>10} {'DAN spikes':>10} {'setup s':>8} {'mean w/w0':>9}")


def graft_mushroom_body(connectome, seed: int = SEED):
    """``connectome`` with KC-to-MBON and DAN-to-MBON connections drawn as the module docstring
    says, in place of its own; the number of each kind of connection added."""
    from brainview.connectome import Connectome, SynapseCSR
    from brainview.connectome.selectors import resolve

    rng = np.random.default_rng(seed)
    kcs, mbons, dans = (resolve(connectome, f"class:{name}") for name in ("Kenyon_Cell", "MBON", "DAN"))
    types, sides = connectome.strings("cell_type"), connectome.strings("side")
    n_compartments = COMPARTMENTS_PER_LOBE * len(LOBES)

    def by_type(rows):  # one random compartment per cell type
        labels = np.unique(types[rows])
        compartment = dict(zip(labels, rng.integers(0, n_compartments, labels.size)))
        return np.array([compartment[t] for t in types[rows]])

    kc_lobe = np.full(kcs.size, -1)
    for lobe, prefix in enumerate(LOBES.values()):
        kc_lobe[np.char.startswith(types[kcs].astype(str), prefix)] = lobe
    kc_lobe[kc_lobe < 0] = rng.integers(0, len(LOBES), int(np.sum(kc_lobe < 0)))  # KCg-s and the like: random
    mbon_compartment, dan_compartment = by_type(mbons), by_type(dans)
    new_pre, new_post, new_count = [], [], []
    for side in np.unique(sides[np.r_[kcs, mbons, dans]]):
        for m, mbon in enumerate(mbons):
            if sides[mbon] != side:
                continue
            inputs = kcs[(sides[kcs] == side) & (kc_lobe == mbon_compartment[m] // COMPARTMENTS_PER_LOBE)]
            if inputs.size:
                mean = KC_MBON_SYNAPSES / inputs.size
                new_pre.append(inputs)
                new_post.append(np.full(inputs.size, mbon))
                new_count.append(1 + rng.poisson(max(mean - 1, 0), inputs.size))
            teachers = dans[(sides[dans] == side) & (dan_compartment == mbon_compartment[m])]
            new_pre.append(teachers)
            new_post.append(np.full(teachers.size, mbon))
            new_count.append(np.ones(teachers.size, np.int64))
    chemical = connectome.chemical
    pre, post = np.asarray(chemical.pre), np.asarray(chemical.indices)
    is_kc, is_mbon, is_dan = (np.zeros(connectome.n, bool) for _ in range(3))
    is_kc[kcs], is_mbon[mbons], is_dan[dans] = True, True, True
    keep = ~((is_kc[pre] | is_dan[pre]) & is_mbon[post])
    new_pre, new_post = np.concatenate(new_pre), np.concatenate(new_post)
    rewired = SynapseCSR.from_edges(
        np.r_[pre[keep], new_pre], np.r_[post[keep], new_post],
        np.r_[np.asarray(chemical.weight)[keep], np.concatenate(new_count)], connectome.n,
        np.r_[np.asarray(chemical.sign)[keep], np.ones(new_pre.size, np.int8)].astype(np.int8),
    )
    grafted = Connectome(dict(connectome.columns), connectome.position, rewired, connectome.gap,
                         {**connectome.meta, "name": connectome.meta.get("name", "") + " + mushroom body graft"})
    added = {"KC->MBON": int(np.sum(is_kc[new_pre])), "DAN->MBON": int(np.sum(is_dan[new_pre])),
             "DAN->KC (random wiring)": int(np.sum(is_dan[pre] & is_kc[post]))}
    return grafted, added


def fly_case(args):
    from flywire_scale import flywire_scale_connectome

    from brainview.connectome.selectors import resolve

    connectome, added = graft_mushroom_body(flywire_scale_connectome())
    kcs = resolve(connectome, "class:Kenyon_Cell")
    driven_kcs = np.sort(np.random.default_rng(SEED).choice(kcs, round(args.kc_fraction * kcs.size), replace=False))
    drive = [(driven_kcs, args.kc_rate), (resolve(connectome, "class:DAN"), args.dan_rate)]
    notes = [f"graft: {', '.join(f'{k} {v:,}' for k, v in added.items())} connections",
             f"drive: {driven_kcs.size:,} of {kcs.size:,} KCs at {args.kc_rate:g} Hz, every DAN at {args.dan_rate:g} Hz"]
    return connectome, drive, args.duration, notes


def mushroom_body_case(args):
    try:
        from brainview.connectome.examples import builder
        from brainview.connectome.examples.mushroom_body import odour_rows, random_odour
    except ImportError:
        return None
    from brainview.connectome.selectors import resolve

    connectome = builder("mushroom-body")(seed=SEED)
    odour = random_odour(connectome, seed=SEED)
    pns = odour_rows(connectome, odour)
    drive = [(pns, PN_RATE_HZ), (resolve(connectome, "class:DAN"), args.dan_rate)]
    notes = [f"drive: odour {'+'.join(odour)} ({pns.size} PNs at {PN_RATE_HZ:g} Hz), every DAN at {args.dan_rate:g} Hz"]
    return connectome, drive, args.mb_duration, notes


def measure(connectome, drive, duration_s: float, rule, threads: int) -> dict:
    """One timed run of ``duration_s`` on ``connectome`` with ``drive`` [(rows, Hz)], plastic
    with ``rule`` (None: plain)."""
    from brainview.connectome.selectors import resolve
    from brainview.sim import ShiuParams, Simulation

    started = time.perf_counter()
    sim = Simulation(connectome, ShiuParams(), DT_MS, seed=SEED, threads=threads, plasticity=rule)
    for rows, rate in drive:
        sim.stimulate(rows, rate)
    setup_s = time.perf_counter() - started
    sim.step(1)  # loads the cached kernels
    sim.reset()
    cpu, wall = time.process_time(), time.perf_counter()
    sim.run(duration_ms=duration_s * 1e3)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, cells = sim.spikes.arrays()
    counts = np.bincount(cells, minlength=connectome.n)
    figures = {
        "wall_s": wall, "cpu_s": cpu, "setup_s": setup_s, "spikes": int(cells.size),
        "kc_spikes": int(counts[resolve(connectome, "class:Kenyon_Cell")].sum()),
        "dan_spikes": int(counts[resolve(connectome, "class:DAN")].sum()),
    }
    if rule is not None:
        figures["plastic"] = int(sim.plastic.pre.size)
        gates_per_cell = np.diff(sim._plasticity.gate_indptr)
        figures["gates"] = int(gates_per_cell.sum())
        figures["gate_updates"] = int(np.sum(counts * gates_per_cell))  # weight changes the run made
        start = sim.plastic.initial.astype(np.float64) * sim.params.w_syn_mV
        figures["weight_ratio"] = float(sim.plastic_weights_mV().sum() / start.sum())
    return figures


def row(case: str, rule, duration_s: float, f: dict) -> str:
    ratio = f"{f['weight_ratio']:9.4f}" if "weight_ratio" in f else f"{'':>9}"
    return (f"{case:<14} {'on' if rule is not None else 'off':<10} {duration_s:5.2f} {f['wall_s'] / duration_s:9.3f}"
            f" {f['cpu_s'] / duration_s:8.3f} {f['spikes']:>10,} {f['kc_spikes']:>10,} {f['dan_spikes']:>10,}"
            f" {f['setup_s']:8.2f} {ratio}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="fly,mushroom-body", help="cases, comma-separated")
    parser.add_argument("--repeats", type=int, default=2, help="plain/plastic pairs per case (A B A B...)")
    parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds per fly run")
    parser.add_argument("--mb-duration", type=float, default=5.0, help="simulated seconds per mushroom-body run")
    parser.add_argument("--kc-fraction", type=float, default=0.1, help="fraction of the fly's KCs driven")
    parser.add_argument("--kc-rate", type=float, default=10.0, help="Poisson rate of the driven KCs, Hz")
    parser.add_argument("--dan-rate", type=float, default=10.0, help="Poisson rate of every DAN, Hz")
    parser.add_argument("--tau-e", type=float, default=200.0, help="eligibility decay time, ms")
    parser.add_argument("--eta", type=float, default=0.001, help="weight change per DAN spike per unit eligibility, mV")
    parser.add_argument("--threads", type=int, default=1, help="brainview threads")
    args = parser.parse_args(argv)
    from brainview.sim.plasticity import PlasticityRule

    rule = PlasticityRule(pre="class:Kenyon_Cell", post="class:MBON", modulators="class:DAN",
                          tau_e_ms=args.tau_e, eta_mV=args.eta)
    print(f"machine: {describe_machine()}")
    print(f"command: python {shlex.join(sys.argv)}")
    print(f"rule: KC -> MBON plastic, DAN modulators (depressing), gating by the connectome, tau_e {args.tau_e:g} ms,"
          f" eta {args.eta:g} mV, w_min 0, w_max twice the largest starting weight; {args.threads} thread(s)")
    builders = {"fly": fly_case, "mushroom-body": mushroom_body_case}
    for case in args.only.split(","):
        started = time.perf_counter()
        built = builders[case](args)
        if built is None:
            print(f"\n{case}: skipped (brainview.connectome.examples is not there)")
            continue
        connectome, drive, duration_s, notes = built
        print(f"\n{case}: {connectome} (built in {time.perf_counter() - started:.1f} s)")
        for note in notes:
            print(f"  {note}")
        print(HEADER, flush=True)
        results = {"off": [], "on": []}
        plastic = None
        for _ in range(args.repeats):
            for variant, case_rule in (("off", None), ("on", rule)):
                figures = measure(connectome, drive, duration_s, case_rule, args.threads)
                results[variant].append(figures)
                plastic = figures if case_rule is not None else plastic
                print(row(case, case_rule, duration_s, figures), flush=True)
        off = np.median([f["wall_s"] for f in results["off"]])
        on = np.median([f["wall_s"] for f in results["on"]])
        print(f"  plastic connections {plastic['plastic']:,}, gates (modulator, connection) {plastic['gates']:,};"
              f" the last plastic run: {plastic['dan_spikes']:,} DAN spikes, {plastic['gate_updates']:,} weight updates")
        print(f"  median wall per simulated second: off {off / duration_s:.3f} s, on {on / duration_s:.3f} s,"
              f" on/off {on / off:.2f} (+{(on - off) / duration_s * 1e3:.0f} ms per simulated second)")


if __name__ == "__main__":
    main()
