"""Busy steps use the threads only while they are timed faster than one thread."""

from __future__ import annotations

import numpy as np
from test_sim_kernels import random_network

from brainview.sim import Simulation
from brainview.sim.threads import ThreadChooser


def run_chunk(chooser: ThreadChooser, seconds_per_step: dict[bool, float], n_steps: int = 1000, busy: bool = True):
    """Plan a chunk and record its runs as if each step took ``seconds_per_step[threaded]``."""
    runs = chooser.plan(n_steps)
    assert sum(steps for _, steps in runs) == n_steps
    for threaded, steps in runs:
        chooser.record(threaded, steps * seconds_per_step[threaded], steps, steps if busy else 0)
    return runs


def test_quiet_steps_stay_on_one_thread_without_probes():
    chooser = ThreadChooser()
    for _ in range(5):
        assert run_chunk(chooser, {False: 1e-3, True: 1e-4}, busy=False) == [(False, 1000)]
    assert not chooser.threaded


def test_threads_are_probed_once_compiled_and_used_while_faster():
    chooser = ThreadChooser(probe_steps=100, probe_warmup_steps=0, probe_every=3)
    fast_threads = {False: 1e-3, True: 6e-4}
    assert run_chunk(chooser, fast_threads, busy=False) == [(False, 1000)]  # nothing busy yet
    assert run_chunk(chooser, fast_threads) == [(False, 1000)]  # first busy chunk: one thread
    assert run_chunk(chooser, fast_threads) == [(True, 100), (False, 900)]  # compiles, not timed
    assert not chooser.threaded
    assert run_chunk(chooser, fast_threads) == [(True, 100), (False, 900)]  # timed: faster
    assert chooser.threaded
    runs = [run_chunk(chooser, fast_threads) for _ in range(4)]
    assert runs[:3] == [[(True, 1000)]] * 3  # probe_every chunks on the threads,
    assert runs[3] == [(False, 100), (True, 900)]  # then one thread is timed again
    assert chooser.threaded and chooser.interval == 6  # still slower: probed half as often


def test_a_busy_second_core_sends_the_steps_back_to_one_thread():
    chooser = ThreadChooser(probe_steps=100, probe_warmup_steps=0, probe_every=2)
    idle, loaded = {False: 1e-3, True: 6e-4}, {False: 1.1e-3, True: 3e-3}
    for _ in range(4):
        run_chunk(chooser, idle)
    assert chooser.threaded
    run_chunk(chooser, loaded)  # the threads slow down: their own timing says so at once
    assert not chooser.threaded
    for _ in range(2):
        assert run_chunk(chooser, loaded) == [(False, 1000)]
    assert run_chunk(chooser, loaded) == [(True, 100), (False, 900)]  # probed, still slower
    assert not chooser.threaded
    for _ in range(4):  # so the next probe waits twice as long
        assert run_chunk(chooser, loaded) == [(False, 1000)]
    assert run_chunk(chooser, loaded) == [(True, 100), (False, 900)]
    assert chooser.interval == 8


def test_the_start_of_a_probe_is_not_timed():
    chooser = ThreadChooser(probe_steps=300, probe_warmup_steps=100, probe_every=2)
    run_chunk(chooser, {False: 1e-3, True: 6e-4})
    run_chunk(chooser, {False: 1e-3, True: 6e-4})  # compiles
    runs = chooser.plan(1000)
    assert runs == [(True, 100), (True, 200), (False, 700)]
    chooser.record(True, 100 * 5e-3, 100, 100)  # idle threads waking up: slow, and not counted
    chooser.record(True, 200 * 6e-4, 200, 200)
    chooser.record(False, 700 * 1e-3, 700, 700)
    assert chooser.threaded and chooser.seconds_per_step[True] == 6e-4


def test_a_timed_simulation_gives_the_spikes_of_one_thread(connectome_factory):
    connectome = random_network(connectome_factory, n=400, n_edges=8000, seed=12)
    results = []
    for threads in (1, 2):
        sim = Simulation(connectome, seed=2, threads=threads, parallel_min_events=0, dense_fraction=2**30)
        sim.stimulate(np.arange(0, 400, 9), 200)
        for _ in range(6):  # chunks of 1,000 steps: probes of both ways
            sim.run(duration_ms=100)
        results.append(sim.spikes.arrays())
        if threads > 1:
            assert sim._thread_chooser.compiled and sim._thread_chooser.seconds_per_step[True] is not None
            assert sim.threads_in_use in (1, 2)
    assert results[0][0].size > 1000
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, expected)
