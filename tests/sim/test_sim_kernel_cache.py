"""The numba cache survives processes that compile it at the same moment.

Two processes start together on an empty cache directory and both compile and cache the
kernels; later processes then load that cache and must run and give the same spikes. Before
the parallel kernels were taken out of the cache, this pattern could leave entries that made
every later run segfault (numba#10128). See "Caching" in brainview/sim/kernels.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = """
import hashlib, sys
import numpy as np
from brainview import load_default
from brainview.sim import Simulation
c = load_default()
out = []
for threads in (1, 2):
    sim = Simulation(c, seed=3, threads=threads, parallel_min_events=1, time_threads=False, dense_fraction=2**30)
    sim.stimulate("type:ASH", rate_Hz=150.0)
    sim.stimulate("type:AVB", rate_Hz=150.0)
    sim.run(duration_ms=60.0)
    steps, cells = sim.spikes.arrays()
    out.append(hashlib.sha256(steps.tobytes() + cells.tobytes()).hexdigest() + f":{steps.size}")
print(" ".join(out))
"""


def _start(cache: Path) -> subprocess.Popen:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_NUM_THREADS="2")
    return subprocess.Popen(
        [sys.executable, "-c", RUN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"exit {process.returncode}\n{err[-3000:]}"
    return out.strip()


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(2))
def test_two_processes_compile_the_cache_at_once_and_later_runs_use_it(tmp_path, attempt):
    cache = tmp_path / "numba-cache"
    racing = [_start(cache), _start(cache)]
    first = [_finish(p) for p in racing]
    entries = sorted(p.name for p in cache.rglob("*.nbi"))
    assert any("run_steps" in name for name in entries), entries
    assert not any("_busy_step_parallel" in name or "run_steps_threaded" in name for name in entries), entries
    later = [_finish(_start(cache)) for _ in range(2)]
    serial, threaded = first[0].split()
    assert serial == threaded, "serial and two-thread runs must agree to the bit"
    assert int(serial.split(":")[1]) > 0
    assert set(first) == set(later) == {first[0]}


FIRST_RUN = """
from brainview import load_default
from brainview.sim import Simulation, kernels
sim = Simulation(load_default(), seed=1)
sim.stimulate("type:ASH", rate_Hz=150.0)
sim.inject("type:AVA", 10.0)
sim.set_probes("type:AVB")
sim.run(duration_ms=5.0)
sim.voltages_mV()
busy = Simulation(load_default(), seed=1, dense_fraction=2**30)  # every step with activity is busy
busy.stimulate("type:ASH", rate_Hz=150.0)
busy.inject("type:AVA", 30.0)
busy.run(duration_ms=20.0)
assert busy.busy_steps > 0
for name in ("run_steps", "run_busy_steps", "catch_up"):
    stats = getattr(kernels, name).stats
    print(name, sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


@pytest.mark.slow
def test_after_prepare_a_first_run_compiles_nothing(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    prepared = subprocess.run(
        [sys.executable, "-m", "brainview", "prepare"], env=env, capture_output=True, text=True, timeout=600
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    assert "the simulation engine is ready" in prepared.stdout
    first = subprocess.run([sys.executable, "-c", FIRST_RUN], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    loaded = {name: (int(hits), int(misses)) for name, hits, misses in (line.split() for line in first.stdout.split("\n") if line)}
    assert loaded == {"run_steps": (1, 0), "run_busy_steps": (1, 0), "catch_up": (1, 0)}, loaded
