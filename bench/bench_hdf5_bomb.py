"""Reliability benchmark: peak memory of reading crafted native files ("decompression bombs").

Builds (in bench/out/bomb/) a valid native connectome of ``--cells`` cells and
``--connections`` connections, and from it three crafted files:

* ``inflate``: one gzip chunk of /synapses/chemical/count replaced by a stream that inflates to
  ``--inflate-mb`` MiB (HDF5's own gzip filter inflates all of it before it notices);
* ``fill``: /synapses/chemical/{indices,count,sign} declared 2**36 entries long with no chunk
  stored, so that HDF5 would expand them from the fill value;
* ``rows``: a two-cell network whose row pointer claims ``--rows-m`` million duplicate
  self-connections, stored as well-compressed zeros (a small file that expands a thousandfold).

Each is loaded with :func:`brainview.load` in a fresh process, which reports the wall time,
the peak memory the load added (resident set, and the Python/numpy allocations tracemalloc
sees), the outcome, and the file's *accepted* size: the bytes of the datasets the reader read,
whose shapes it had checked against the header first. The valid file shows the ordinary
overhead of a full load. The reliability target is a peak under 2x the accepted size (plus
nothing for refused files); with ``--contrast`` the inflate file is also read with plain h5py,
as the reader did before, to show what it replaced. Prints a table; asserts nothing.

Usage::

    python bench/bench_hdf5_bomb.py [--cells 1000000] [--connections 10000000] [--inflate-mb 1024] [--contrast]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe as describe_machine  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "out" / "bomb"
CASES = ("valid", "inflate", "fill", "rows")


# -- the files ---------------------------------------------------------------------------------
def write_valid(path: Path, cells: int, connections: int) -> None:
    """A valid connectome: sorted random targets, counts 1..20, one inhibitory connection in five."""
    import numpy as np

    from brainview.connectome import Connectome, SynapseCSR
    from brainview.connectome.io import write_native

    rng = np.random.default_rng(0)
    per_row = connections // cells
    indptr = np.arange(cells + 1, dtype=np.int64) * per_row
    # per_row distinct sorted targets in each row: a random start and a random stride below n / per_row
    stride = max(cells // (per_row + 1), 1)
    offsets = (np.arange(per_row, dtype=np.int64) * stride)[None, :]
    starts = rng.integers(0, max(cells - offsets[0, -1], 1), cells)[:, None]
    indices = (starts + offsets).astype(np.int32).reshape(-1)
    count = rng.integers(1, 21, indices.size).astype(np.float32)
    sign = np.where(rng.random(indices.size) < 0.2, -1, 1).astype(np.int8)
    chemical = SynapseCSR(indptr, indices, count, sign)
    columns = {
        "id": np.arange(cells, dtype=np.int64) * 7 + 720575940600000000,
        "cell_type": [f"type_{k % 5000}" for k in range(cells)],
        "radius": rng.uniform(0.5, 3, cells).astype(np.float32),
    }
    position = rng.uniform(0, 1000, (cells, 3)).astype(np.float32)
    write_native(Connectome(columns, position, chemical, None, {"name": f"bench {cells} cells"}), path)


def write_inflate(valid: Path, path: Path, inflate_mb: int) -> None:
    """The valid file with the first chunk of /synapses/chemical/count inflating to ``inflate_mb`` MiB."""
    import h5py

    shutil.copy(valid, path)
    stream = zlib.compressobj(9)
    zeros = bytes(64 << 20)
    pieces = [stream.compress(zeros) for _ in range(max(inflate_mb // 64, 1))]
    bomb = b"".join(pieces) + stream.flush()
    with h5py.File(path, "a") as f:
        f["synapses/chemical/count"].id.write_direct_chunk((0,), bomb, 0)


def write_fill(valid: Path, path: Path) -> None:
    """The valid file with its connection tables declared 2**36 long and nothing stored."""
    import h5py
    import numpy as np

    shutil.copy(valid, path)
    huge = 2**36
    with h5py.File(path, "a") as f:
        n = f["neurons/id"].shape[0]
        del f["synapses/chemical/indptr"]
        f["synapses/chemical/indptr"] = np.arange(n + 1, dtype=np.int64) * huge // n
        for name, dtype in (("indices", "i4"), ("count", "f4"), ("sign", "i1")):
            del f[f"synapses/chemical/{name}"]
            f.create_dataset(f"synapses/chemical/{name}", shape=(huge,), dtype=dtype, chunks=(1 << 20,),
                             compression="gzip", shuffle=True, fillvalue=1 if name != "indices" else 0)


def write_rows(path: Path, rows_m: int) -> None:
    """Two cells, and ``rows_m`` million self-connections of cell 0, all stored (as zeros, compressed)."""
    import h5py
    import numpy as np

    from brainview.connectome import Connectome, SynapseCSR
    from brainview.connectome.io import write_native

    small = Connectome({"id": np.array([1, 2])}, np.zeros((2, 3)), SynapseCSR.empty(2), None, {"name": "rows"})
    write_native(small, path)
    e = rows_m * 1_000_000
    block = 1 << 22
    with h5py.File(path, "a") as f:
        del f["synapses/chemical/indptr"]
        f["synapses/chemical/indptr"] = np.array([0, e, e], np.int64)
        for name, dtype, value in (("indices", np.int32, 0), ("count", np.float32, 1), ("sign", np.int8, 1)):
            del f[f"synapses/chemical/{name}"]
            dataset = f.create_dataset(f"synapses/chemical/{name}", shape=(e,), dtype=dtype, chunks=(block,),
                                       compression="gzip", compression_opts=9, shuffle=True)
            values = np.full(block, value, dtype)
            for start in range(0, e, block):
                dataset[start : start + block] = values[: e - start]


def build(args) -> dict[str, Path]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tag = f"{args.cells}x{args.connections}"
    paths = {case: OUT_DIR / f"{case}_{tag}.h5" for case in ("valid", "inflate", "fill")}
    paths["inflate"] = OUT_DIR / f"inflate_{tag}_{args.inflate_mb}mb.h5"
    paths["rows"] = OUT_DIR / f"rows_{args.rows_m}m.h5"
    if not paths["valid"].exists():
        write_valid(paths["valid"], args.cells, args.connections)
    if not paths["inflate"].exists():
        write_inflate(paths["valid"], paths["inflate"], args.inflate_mb)
    if not paths["fill"].exists():
        write_fill(paths["valid"], paths["fill"])
    if not paths["rows"].exists():
        write_rows(paths["rows"], args.rows_m)
    return paths


# -- one measurement, in its own process -------------------------------------------------------
def _rss_now_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def measure(path: Path, plain_h5py: bool = False) -> dict:
    """Load ``path`` (or read its datasets with plain h5py) and return the figures."""
    import numpy as np

    import brainview
    from brainview.connectome.io import FormatError, hdf5
    from brainview.resources import default_dataset_path

    brainview.load(default_dataset_path())  # imports and HDF5's own start-up, outside the figures
    accepted = []
    original = hdf5.SafeDataset.read

    def counting_read(self):
        accepted.append(self.nbytes)
        return original(self)

    hdf5.SafeDataset.read = counting_read
    reset = _reset_peak()
    before = _rss_now_mb()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        if plain_h5py:
            import h5py

            with h5py.File(path, "r") as f:
                values = [f[name][()] for name in ("synapses/chemical/indices", "synapses/chemical/count")]
                outcome = f"read {sum(v.nbytes for v in values) / 1e6:.0f} MB"
                del values
        else:
            connectome = brainview.load(path)
            outcome = f"loaded {connectome.n} cells, {connectome.chemical.n_connections} connections"
            del connectome
    except FormatError as error:
        outcome = f"FormatError: {error.problem}"
    except MemoryError:
        outcome = "MemoryError"
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    np.zeros(1)
    return {
        "file_mb": path.stat().st_size / 1e6,
        "accepted_mb": sum(accepted) / 1e6,
        "seconds": seconds,
        "rss_peak_mb": max(_rss_peak_mb() - before, 0.0) if reset else float("nan"),
        "traced_peak_mb": traced_peak / 1e6,
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=10_000_000)
    parser.add_argument("--inflate-mb", type=int, default=1024, help="what the inflate bomb's chunk expands to")
    parser.add_argument("--rows-m", type=int, default=134, help="millions of self-connections of the rows bomb")
    parser.add_argument("--contrast", action="store_true", help="also read the inflate file with plain h5py")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.plain)))
        return
    paths = build(args)
    runs = [(case, paths[case], False) for case in CASES]
    if args.contrast:
        runs.append(("inflate, plain h5py", paths["inflate"], True))
    results = []
    for label, path, plain in runs:
        command = [sys.executable, __file__, "--measure", str(path)] + (["--plain"] if plain else [])
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        results.append((label, json.loads(done.stdout.strip().splitlines()[-1])))
    print(f"machine: {describe_machine()}")
    print(f"command: python bench/bench_hdf5_bomb.py --cells {args.cells} --connections {args.connections} "
          f"--inflate-mb {args.inflate_mb} --rows-m {args.rows_m}" + (" --contrast" if args.contrast else ""))
    print(f"{'case':<22}{'file MB':>9}{'accepted MB':>13}{'peak RSS MB':>13}{'traced MB':>11}{'ratio':>7}"
          f"{'seconds':>9}  outcome")
    for label, r in results:
        peak = max(r["rss_peak_mb"], r["traced_peak_mb"])
        ratio = f"{peak / r['accepted_mb']:.2f}" if r["accepted_mb"] >= 1 else "-"
        accepted = f"{r['accepted_mb']:.1f}" if not label.endswith("h5py") else "(none)"
        print(f"{label:<22}{r['file_mb']:>9.1f}{accepted:>13}{r['rss_peak_mb']:>13.1f}"
              f"{r['traced_peak_mb']:>11.1f}{ratio:>7}{r['seconds']:>9.2f}  {r['outcome'][:90]}")
    print("ratio: the larger peak over the accepted size (shown from 1 MB accepted); target under 2")
    print("accepted: bytes of the datasets read, each after its shape was checked against the header")


if __name__ == "__main__":
    main()
