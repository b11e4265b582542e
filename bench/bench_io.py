"""Foundation benchmark: reading and writing a FlyWire-scale connectome.

Builds (once, cached in bench/out/) a Codex download with the real FlyWire v783 annotations and
about 15 million synthetic connections (see flywire_scale.py), then measures, each stage in a
fresh process so that peak memory belongs to that stage alone:

* the Codex CSV read (``brainview.load(folder)``),
* the native HDF5 write and its file size,
* the native HDF5 read.

Budgets (DESIGN.md): native read under 2 s, peak memory under 2 GB. Prints a table; asserts nothing.

Usage::

    python bench/bench_io.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flywire_scale import CODEX_DIR, NATIVE_PATH, OUT_DIR, write_codex_folder  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

STAGES = ("codex_read", "native_write", "native_read")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_stage(stage: str) -> dict:
    """Run one stage in this process and return its figures."""
    from brainview import load
    from brainview.connectome.io import write_native

    started_rss = _peak_rss_mb()
    if stage == "codex_read":
        t0 = time.perf_counter()
        connectome = load(CODEX_DIR)
        seconds = time.perf_counter() - t0
        extra = {"connectome": repr(connectome)}
    elif stage == "native_write":
        connectome = load(CODEX_DIR)
        temporary = OUT_DIR / "write_probe.h5"
        t0 = time.perf_counter()
        write_native(connectome, temporary)
        seconds = time.perf_counter() - t0
        os.replace(temporary, NATIVE_PATH)
        extra = {"file_mb": NATIVE_PATH.stat().st_size / 1e6}
    elif stage == "native_read":
        t0 = time.perf_counter()
        connectome = load(NATIVE_PATH)
        seconds = time.perf_counter() - t0
        extra = {"connectome": repr(connectome)}
    else:
        raise ValueError(stage)
    return {"stage": stage, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "import_rss_mb": started_rss, **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="native read repetitions (best and mean shown)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage)))
        return
    if not (CODEX_DIR / "connections.csv.gz").exists():
        print("generating the synthetic Codex folder...", file=sys.stderr)
        write_codex_folder()
    results = {}
    for stage in STAGES:
        runs = args.repeat if stage == "native_read" else 1
        outputs = []
        for _ in range(runs):
            done = subprocess.run([sys.executable, __file__, "--stage", stage], capture_output=True, text=True, check=True)
            outputs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        results[stage] = outputs
    print(f"machine: {describe_machine()}")
    print(f"command: python bench/bench_io.py --repeat {args.repeat}")
    print(f"dataset: {results['native_read'][0]['connectome']}")
    connections_mb = sum(p.stat().st_size for p in CODEX_DIR.iterdir()) / 1e6
    print(f"Codex folder on disk: {connections_mb:.0f} MB (gzip CSV)")
    print(f"{'stage':<14}{'seconds':>10}{'peak RSS MB':>14}")
    for stage in STAGES:
        times = [r["seconds"] for r in results[stage]]
        label = f"{min(times):.2f}" + (f" (mean {sum(times) / len(times):.2f})" if len(times) > 1 else "")
        peak = max(r["peak_rss_mb"] for r in results[stage])
        print(f"{stage:<14}{label:>10}{peak:>14.0f}")
    print(f"native file: {results['native_write'][0]['file_mb']:.0f} MB")
    print("budgets: native read < 2 s, peak memory < 2,000 MB")


if __name__ == "__main__":
    main()
