"""Rate monitors against a histogram: overlapping groups, spikes fed in uneven chunks."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.errors import ParameterError
from brainview.sim.monitors import RateMonitor


def test_group_rates_agree_with_a_histogram_across_uneven_chunks():
    rng = np.random.default_rng(1)
    groups = (np.array([0, 1, 2]), np.array([2, 3]))
    cells = rng.integers(0, 5, 400)
    steps = np.sort(rng.integers(0, 1000, 400))  # 100 ms of 0.1 ms steps
    monitor = RateMonitor.of_groups(5, ("a", "b"), groups, bin_steps=100, dt_ms=0.1)
    previous = 0
    for stop in (30, 175, 180, 642, 1000):
        chunk = (steps >= previous) & (steps < stop)
        monitor.add_spikes(steps[chunk], cells[chunk], stop)
        previous = stop
    expected = np.stack([
        np.histogram(steps[np.isin(cells, members)], bins=np.arange(0, 1001, 100))[0] / (members.size * 0.01)
        for members in groups
    ], axis=1)
    assert monitor.complete_bins == 10 and monitor.labels == ("a", "b")
    np.testing.assert_allclose(monitor.rates_Hz(), expected)
    np.testing.assert_allclose(monitor.rates_Hz(4), expected[4:])


def test_groups_are_checked():
    with pytest.raises(ParameterError, match="2 group labels for 1 groups"):
        RateMonitor.of_groups(3, ("a", "b"), (np.array([0]),), 10, 0.1)
    with pytest.raises(ParameterError, match=r"lie in \[0, 2\]"):
        RateMonitor.of_groups(3, ("a",), (np.array([3]),), 10, 0.1)
    with pytest.raises(ParameterError, match="at least one step"):
        RateMonitor.of_groups(3, ("a",), (np.array([0]),), 0, 0.1)


def test_polling_the_spike_record_returns_read_only_views_that_later_spikes_leave_alone(tiny):
    from brainview.sim.monitors import SpikeRecord

    record = SpikeRecord(0.1, tiny)
    record.append(np.array([1, 2]), np.array([0, 3]), 3)
    steps, cells, cursor = record.since(0)
    assert cursor == 2 and not steps.flags.writeable and not cells.flags.writeable
    for chunk in range(2000):  # grows the buffers several times
        record.append(np.array([chunk + 3]), np.array([chunk % 6]), chunk + 4)
    assert steps.tolist() == [1, 2] and cells.tolist() == [0, 3]
    new_steps, _, cursor = record.since(cursor)
    assert new_steps.size == 2000 and new_steps[0] == 3 and cursor == 2002
    assert np.shares_memory(new_steps, record.since(0)[0])  # a view of the record, not a copy
    kept = record.since(0)[0]
    record.clear()
    record.append(np.array([9]), np.array([1]), 2010)
    assert kept[0] == 1 and record.arrays()[0].tolist() == [9]


def test_the_probe_record_grows_in_place_and_keeps_its_segments():
    from brainview.sim.monitors import ProbeRecord

    record = ProbeRecord()
    record.set_rows(np.array([2, 5]), 0)
    first = None
    for chunk in range(1500):
        record.append(np.full((2, 2), chunk * 1e-3))
        if chunk == 0:
            first = record.latest(2)
    assert first.volts_mV.tolist() == [[0.0, 0.0], [0.0, 0.0]] and not first.volts_mV.flags.writeable
    newest = record.latest(3)
    assert newest.first_step == 2997 and newest.volts_mV[:, 0].tolist() == pytest.approx([1498.0, 1499.0, 1499.0])
    record.set_rows(np.array([1]), 3000)
    record.append(np.ones((4, 1)))
    segments = record.segments()
    assert [s.volts_mV.shape for s in segments] == [(3000, 2), (4, 1)] and segments[1].first_step == 3000
    record.clear(10)
    assert record.segments() == [] and newest.volts_mV.shape == (3, 2)
