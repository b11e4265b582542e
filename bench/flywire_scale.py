"""A FlyWire-scale connectome for benchmarks: real annotations, synthetic wiring.

The 139,255 neurons and their annotations are the real FlyWire v783 Codex tables in
``../shared/data/flywire_v783``; the wiring there is not public in a size we can fetch, so this
module draws one with the published totals (Shiu et al. 2024: 15,091,983 connections,
54,492,922 synapses) and heavy-tailed statistics:

* out-degree lognormal (a few hub neurons with thousands of targets, most with tens);
* targets drawn with a Pareto "popularity" per neuron (heavy-tailed in-degree), half of them
  from the presynaptic neuron's own neuropil group;
* synapse counts Zipf-distributed (mean about 3.6, capped at 2,000);
* about 10 % of connections split over two neuropils, as Codex lists them, so readers must sum.

Positions are synthetic too: each neuropil group gets a centroid in a fly-brain-sized
ellipsoid, mirrored by hemisphere, and neurons scatter around it.

The files are written in the real Codex layout (``connections.csv.gz`` with pre_root_id,
post_root_id, neuropil, syn_count, nt_type; ``coordinates.csv.gz`` with "[x y z]" in nm) beside
copies of the real annotation tables, so the benchmark exercises the Codex reader end to end.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
CODEX_DIR = OUT_DIR / "flywire_scale_codex"
NATIVE_PATH = OUT_DIR / "flywire_scale.h5"
TARGET_CONNECTIONS = 15_091_983
TARGET_SYNAPSES = 54_492_922
ANNOTATION_FILES = ("neurons.csv.gz", "classification.csv.gz", "consolidated_cell_types.csv.gz")


def shared_flywire_dir() -> Path:
    """The real FlyWire v783 annotation tables; exits with a message if they are absent."""
    configured = os.environ.get("BRAINVIEW_SHARED_DATA")
    root = Path(configured) if configured else BENCH_DIR.parent.parent / "shared" / "data"
    folder = root / "flywire_v783"
    if not (folder / "neurons.csv.gz").is_file():
        sys.exit(f"FlyWire v783 annotations not found in {folder}; set BRAINVIEW_SHARED_DATA")
    return folder


def draw_wiring(groups: np.ndarray, nt: np.ndarray, seed: int = 783) -> pd.DataFrame:
    """Synthetic connections (one row per neuron pair and neuropil) for neurons in ``groups``.

    Parameters
    ----------
    groups : numpy.ndarray
        Neuropil group label per neuron (strings), used for locality and the neuropil column.
    nt : numpy.ndarray
        Codex transmitter label per neuron (ACH, GABA...), copied to each row's nt_type.
    seed : int
        Seed of the generator; the same seed gives the same wiring.
    """
    rng = np.random.default_rng(seed)
    n = groups.shape[0]
    mean_degree = TARGET_CONNECTIONS / n
    sigma = 1.0
    out_degree = rng.lognormal(np.log(mean_degree) - sigma**2 / 2, sigma, n)
    out_degree = np.maximum(1, np.round(out_degree * TARGET_CONNECTIONS / out_degree.sum())).astype(np.int64)
    pre = np.repeat(np.arange(n, dtype=np.int64), out_degree)

    popularity = rng.pareto(1.5, n) + 1.0
    cumulative = np.cumsum(popularity) / popularity.sum()
    post = np.searchsorted(cumulative, rng.random(pre.size)).clip(0, n - 1)

    # Half of the targets come from the presynaptic neuron's own neuropil group.
    group_codes, group_index = np.unique(groups, return_inverse=True)
    by_group = np.argsort(group_index, kind="stable")
    group_start = np.searchsorted(group_index[by_group], np.arange(group_codes.size))
    group_size = np.bincount(group_index, minlength=group_codes.size)
    local = rng.random(pre.size) < 0.5
    pre_group = group_index[pre[local]]
    offset = (rng.random(local.sum()) * group_size[pre_group]).astype(np.int64)
    post[local] = by_group[group_start[pre_group] + offset]

    key = np.unique(pre * n + post)
    pre, post = key // n, key % n
    keep = pre != post
    pre, post = pre[keep], post[keep]

    count = np.minimum(rng.zipf(2.2, pre.size), 2000).astype(np.int64)
    count = np.maximum(1, np.round(count * TARGET_SYNAPSES / count.sum())).astype(np.int64)

    # Split about 10 % of the connections over two neuropils, as Codex does.
    split = (rng.random(pre.size) < 0.1) & (count >= 2)
    first_part = np.where(split, count // 2, count)
    other_neuropil = group_codes[rng.integers(0, group_codes.size, split.sum())]
    neuropil = np.array([g.split(".")[0] for g in group_codes], dtype=object)[group_index[pre]]
    frame = pd.DataFrame({
        "pre_root_id": np.r_[pre, pre[split]],
        "post_root_id": np.r_[post, post[split]],
        "neuropil": np.r_[neuropil, [g.split(".")[0] for g in other_neuropil]],
        "syn_count": np.r_[first_part, count[split] - first_part[split]],
        "nt_type": np.r_[nt[pre], nt[pre[split]]],
    })
    return frame


def draw_positions(groups: np.ndarray, sides: np.ndarray, seed: int = 783) -> np.ndarray:
    """(N, 3) synthetic soma positions in nanometres, clustered by neuropil group and side."""
    rng = np.random.default_rng(seed + 1)
    centroid = {}
    for label in np.unique(groups):
        g = np.random.default_rng(zlib.crc32(label.encode()))
        direction = g.normal(size=3)
        direction /= np.linalg.norm(direction)
        centroid[label] = direction * g.uniform(0.2, 1.0) * np.array([350.0, 160.0, 120.0])
    base = np.array([centroid[label] for label in groups])
    mirror = np.where(sides == "left", -1.0, np.where(sides == "right", 1.0, 0.0))
    base[:, 0] = np.where(mirror == 0, base[:, 0] * 0.2, np.abs(base[:, 0]) * mirror)
    return (base + rng.normal(0, 20.0, base.shape)) * 1000.0


def write_codex_folder(folder: Path = CODEX_DIR, seed: int = 783) -> Path:
    """Write the synthetic Codex download (real annotations + synthetic wiring) into ``folder``."""
    source = shared_flywire_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ANNOTATION_FILES:
        shutil.copyfile(source / name, folder / name)
    neurons = pd.read_csv(source / "neurons.csv.gz", usecols=["root_id", "group", "nt_type"])
    classes = pd.read_csv(source / "classification.csv.gz", usecols=["root_id", "side"])
    neurons = neurons.merge(classes, on="root_id", how="left")
    ids = neurons["root_id"].to_numpy(np.int64)
    groups = neurons["group"].fillna("unknown").astype(str).to_numpy()
    nt = neurons["nt_type"].fillna("").astype(str).to_numpy()
    wiring = draw_wiring(groups, nt, seed)
    wiring["pre_root_id"] = ids[wiring["pre_root_id"].to_numpy()]
    wiring["post_root_id"] = ids[wiring["post_root_id"].to_numpy()]
    with gzip.open(folder / "connections.csv.gz", "wt", compresslevel=1) as handle:
        wiring.to_csv(handle, index=False)
    xyz = np.round(draw_positions(groups, neurons["side"].fillna("").astype(str).to_numpy(), seed)).astype(np.int64)
    coordinates = pd.DataFrame({
        "root_id": ids,
        "position": [f"[{x} {y} {z}]" for x, y, z in xyz],
        "supervoxel_id": np.arange(ids.size, dtype=np.int64) + 79_000_000_000_000_000,
    })
    coordinates.to_csv(folder / "coordinates.csv.gz", index=False, compression="gzip")
    return folder


def flywire_scale_connectome():
    """The FlyWire-scale benchmark connectome, read from the native cache (built when absent)."""
    from brainview import load
    from brainview.connectome.io import write_native

    if not NATIVE_PATH.exists():
        if not (CODEX_DIR / "connections.csv.gz").exists():
            print("generating the synthetic FlyWire-scale Codex folder (a few minutes)...", file=sys.stderr)
            write_codex_folder()
        write_native(load(CODEX_DIR), NATIVE_PATH)
    return load(NATIVE_PATH)


if __name__ == "__main__":
    print(flywire_scale_connectome())


def flywire_scale_or_random(random: int | None):
    """The connectome a rendering benchmark draws: FlyWire-scale, or ``random`` random points."""
    if random is None:
        return flywire_scale_connectome()
    from brainview.connectome import Connectome, SynapseCSR

    rng = np.random.default_rng(0)
    position = rng.normal(size=(random, 3)) * [250.0, 120.0, 90.0]
    return Connectome({"id": np.arange(random)}, position, SynapseCSR.empty(random), None,
                      {"name": f"{random} random points"})
