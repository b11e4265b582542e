"""How well the simulated worm predicts the measured signal-propagation atlas, by synaptic weight.

Randi et al. 2023 (Nature 623:406-414, doi:10.1038/s41586-023-06683-4) stimulated single
C. elegans neurons optogenetically and recorded the calcium responses of the others: a
300 x 300 atlas of which neurons respond to which (``q``, the false-discovery-corrected
significance of each measured pair) and how strongly (``dFF``). This script drives each of the
most-measured stimulated neurons in turn in the embedded Cook et al. 2019 worm, at each synaptic
weight asked for, and scores how well each neuron's mean voltage change predicts the atlas:

- ROC AUC of |mean voltage change| for the atlas's significant pairs (q < 0.05) against the
  other measured pairs, and Spearman's rho between the voltage change and dFF;
- the same for the spike-rate change;
- the anatomy alone as the baseline: chemical synapse count from the driven neuron plus the
  gap-junction weight between the two.

It also checks, per weight, that touching the head (ALML, ALMR, AVM at 150 Hz) drives the escape
circuit: the rates of the command interneurons AVA/AVD and the backward motor neurons VA/DA.

The atlas ships in the PyPI package ``wormneuroatlas`` (GPL-3). It is never a brainview
dependency and nothing of it is copied: this script installs the package into a cache folder
(``--cache``, default ``bench/out/wormneuroatlas``) with ``pip --no-deps`` and reads its
``data/funatlas.h5`` with h5py (numeric datasets only).

    python bench/bench_worm_atlas.py [--weights 0.275,0.5,0.7,1.0,1.4] [--driven 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402

import brainview  # noqa: E402
from brainview.sim import ShiuParams, Simulation  # noqa: E402

ATLAS_PACKAGE = "wormneuroatlas==0.0.7.3"
SIGNIFICANT_Q = 0.05
SAMPLE_EVERY_STEPS = 10
"""Voltages are sampled every 10 steps (1 ms at dt 0.1 ms) for the mean."""
SETTLE_MS = 100.0
"""The first 100 ms of each run are left out of the means: the drive's onset."""


def atlas_file(cache: Path) -> Path:
    """``funatlas.h5`` of wormneuroatlas, installed into ``cache`` on first use."""
    found = cache / "wormneuroatlas" / "data" / "funatlas.h5"
    if not found.is_file():
        print(f"installing {ATLAS_PACKAGE} (GPL-3, for this benchmark only) into {cache}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(cache),
                        ATLAS_PACKAGE], check=True)
    return found


def read_atlas(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(neuron names, q, dFF, measured) of the wild-type atlas, indexed [responding, stimulated]."""
    with h5py.File(path, "r") as atlas:
        names = [raw.decode() for raw in atlas["neuron_ids"][()]]
        q = np.asarray(atlas["wt/q"][()], dtype=float)
        dff = np.asarray(atlas["wt/dFF"][()], dtype=float)
        measured = np.asarray(atlas["wt/occ1"][()]) > 0
    return names, q, dff, measured & np.isfinite(q) & np.isfinite(dff)


def mean_responses(worm, params: ShiuParams, driven: list[int], rate_Hz: float, duration_ms: float, seed: int):
    """Per driven row: (mean voltage change, spike-rate change) of every cell, vs the undriven run."""

    def run(rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        sim = Simulation(worm, params, dt_ms=0.1, seed=seed)
        if rows:
            sim.stimulate(np.asarray(rows), rate_Hz)
        sim.run(duration_ms=SETTLE_MS)
        total = np.zeros(worm.n)
        samples = 0
        for _ in range(int(round((duration_ms - SETTLE_MS) / (0.1 * SAMPLE_EVERY_STEPS)))):
            sim.step(SAMPLE_EVERY_STEPS)
            total += sim.voltages_mV()
            samples += 1
        return total / samples, sim.spikes.rates_Hz(start_ms=SETTLE_MS)

    base_v, base_rate = run([])
    return {row: tuple(a - b for a, b in zip(run([row]), (base_v, base_rate))) for row in driven}, run


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC of ``scores`` for ``positive`` (Mann-Whitney U over the two classes' sizes)."""
    u = stats.mannwhitneyu(scores[positive], scores[~positive], alternative="two-sided").statistic
    return float(u) / (positive.sum() * (~positive).sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="0.275,0.5,0.7,1.0,1.4", help="w_syn values in mV, comma-separated")
    parser.add_argument("--driven", type=int, default=60, help="how many of the most-measured stimulated neurons")
    parser.add_argument("--rate-hz", type=float, default=150.0, help="Poisson rate of the driven neuron")
    parser.add_argument("--duration-ms", type=float, default=1000.0, help="simulated time per driven neuron")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="another model parameter for every run, e.g. g_gap_per_ms=0.01 (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "out" / "wormneuroatlas")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    others = {name: float(value) for name, value in (item.split("=", 1) for item in args.param)}

    print(f"# bench_worm_atlas: {describe()}; drive {args.rate_hz:g} Hz for {args.duration_ms:g} ms"
          + "".join(f", {name} {value:g}" for name, value in others.items()))
    names, q, dff, measured = read_atlas(atlas_file(args.cache))
    worm = brainview.load_default()
    row_of = {name: row for row, name in enumerate(worm.names)}
    atlas_rows = np.array([row_of.get(name, -1) for name in names])
    in_worm = atlas_rows >= 0
    measured &= in_worm[:, None] & in_worm[None, :]
    np.fill_diagonal(measured, False)
    per_stimulated = measured.sum(axis=0)
    stimulated = [int(j) for j in np.argsort(-per_stimulated, kind="stable")[: args.driven] if per_stimulated[j] > 0]
    pairs = [(i, j) for j in stimulated for i in np.flatnonzero(measured[:, j])]
    responding = np.array([i for i, _ in pairs])
    driver = np.array([j for _, j in pairs])
    significant = q[responding, driver] < SIGNIFICANT_Q
    print(f"atlas: {len(names)} neurons, {in_worm.sum()} in the worm; {len(stimulated)} driven neurons, "
          f"{len(pairs):,} measured pairs, {significant.sum():,} significant (q < {SIGNIFICANT_Q})")

    chemical = np.zeros((worm.n, worm.n))
    np.add.at(chemical, (worm.chemical.pre, worm.chemical.indices), worm.chemical.weight)
    gap = np.zeros((worm.n, worm.n))
    if worm.gap is not None:
        np.add.at(gap, (worm.gap.pre, worm.gap.indices), worm.gap.weight)
    pre, post = atlas_rows[driver], atlas_rows[responding]
    anatomy = chemical[pre, post] + gap[pre, post]
    print(f"anatomy alone (synapse count + gap-junction weight): AUC {auc(anatomy, significant):.3f}, "
          f"Spearman rho vs dFF {stats.spearmanr(anatomy, dff[responding, driver]).statistic:.3f}")

    touch = [row_of[name] for name in ("ALML", "ALMR", "AVM")]
    command = np.flatnonzero(np.isin(worm.strings("cell_type"), ["AVA", "AVD"]))
    backward = np.flatnonzero(np.isin(worm.strings("cell_type"), ["VA", "DA"]))
    print("\n| w_syn mV | AUC voltage | rho voltage | AUC rate | rho rate | AVA/AVD Hz on touch | VA/DA Hz | s |")
    print("|---|---|---|---|---|---|---|---|")
    for weight in weights:
        began = time.perf_counter()
        params = ShiuParams(w_syn_mV=weight, **others)
        responses, run = mean_responses(worm, params, [int(atlas_rows[j]) for j in stimulated], args.rate_hz,
                                        args.duration_ms, args.seed)
        dv = np.array([responses[int(atlas_rows[j])][0][atlas_rows[i]] for i, j in pairs])
        drate = np.array([responses[int(atlas_rows[j])][1][atlas_rows[i]] for i, j in pairs])
        _, touch_rate = run(touch)
        print(f"| {weight:g} | {auc(np.abs(dv), significant):.3f} | "
              f"{stats.spearmanr(dv, dff[responding, driver]).statistic:.3f} | "
              f"{auc(np.abs(drate), significant):.3f} | "
              f"{stats.spearmanr(drate, dff[responding, driver]).statistic:.3f} | "
              f"{touch_rate[command].mean():.1f} | {touch_rate[backward].mean():.1f} | "
              f"{time.perf_counter() - began:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
