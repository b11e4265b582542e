"""The notebook side of the engine: durations with units, spike records in ms, tables, reprs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brainview.connectome.selectors import SelectorError
from brainview.errors import ParameterError
from brainview.sim import Simulation


def driven_ring(factory):
    """The six-cell ring with cell 0 driven hard enough to fire every refractory period."""
    sim = Simulation(factory(6), seed=3)
    sim.inject([0], 2000.0)
    return sim


@pytest.mark.parametrize("duration", ["5 ms", "5ms", "0.005 s", "5000us", " 5 ms "])
def test_a_duration_with_its_unit(connectome_factory, duration):
    sim = Simulation(connectome_factory(3))
    assert sim.run(duration) == 50 and sim.steps_done == 50


def test_a_duration_in_ms_by_keyword(connectome_factory):
    sim = Simulation(connectome_factory(3), dt_ms=0.05)
    assert sim.run(duration_ms=5) == 100 and sim.time_ms == pytest.approx(5.0)


@pytest.mark.parametrize("bare", [500, 2.5, np.float64(10.0)])
def test_a_bare_number_is_refused_saying_what_to_write(connectome_factory, bare):
    sim = Simulation(connectome_factory(3))
    with pytest.raises(ParameterError, match=r"gives no unit.*run\('\S+ ms'\) or run\(duration_ms=\S+\).*step\("):
        sim.run(bare)
    assert sim.steps_done == 0


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "give a duration with its unit"),
    (("5 ms",), {"duration_ms": 5}, "give the duration once"),
    (("500",), {}, "'500' is not a time: write a number and a unit"),
    (("5 min",), {}, "is not a time"),
    (("-5 ms",), {}, "the duration must be positive, was -5 ms"),
    ((), {"duration_ms": float("nan")}, "duration_ms must be a finite number of milliseconds"),
    ((), {"duration_ms": "5"}, "duration_ms must be a finite number"),
    (("0.05 ms",), {}, "does not divide the duration"),
])
def test_malformed_durations_are_refused(connectome_factory, args, kwargs, message):
    sim = Simulation(connectome_factory(3))
    with pytest.raises(ParameterError, match=message):
        sim.run(*args, **kwargs)


def test_progress_is_keyword_only(connectome_factory):
    sim = Simulation(connectome_factory(3))
    seen = []
    sim.run("150 ms", progress=lambda fraction, message: seen.append(fraction))
    assert seen == [pytest.approx(1 / 1.5), pytest.approx(1.0)]
    with pytest.raises(TypeError):
        sim.run("1 ms", None, None)


def test_step_takes_a_whole_number_of_steps(connectome_factory):
    sim = Simulation(connectome_factory(3))
    assert sim.step(np.int64(3)) == 3
    for bad in (2.5, -1, True):
        with pytest.raises(ParameterError, match="whole number"):
            sim.step(bad)


def test_spike_times_are_steps_times_dt(connectome_factory):
    sim = Simulation(connectome_factory(3, edges=[]), dt_ms=0.05)
    sim.inject([1], 2000.0)
    sim.run("5 ms")  # cell 1 crosses threshold in its first step, then every 2.2 ms (44 steps) + 1 step
    steps, cells = sim.spikes.arrays()
    assert steps.tolist() == [1, 46, 91] and cells.tolist() == [1, 1, 1]
    np.testing.assert_allclose(sim.spikes.times_ms, [0.05, 2.3, 4.55])
    assert sim.spikes.cells.tolist() == [1, 1, 1] and sim.spikes.duration_ms == pytest.approx(5.0)


def test_counts_and_rates_per_cell_over_windows(connectome_factory):
    sim = driven_ring(connectome_factory)
    sim.run("100 ms")
    record = sim.spikes
    steps, cells = record.arrays()
    counts = record.counts()
    assert counts.shape == (6,) and counts.tolist() == np.bincount(cells, minlength=6).tolist()
    np.testing.assert_allclose(record.rates_Hz(), counts / 0.1)
    early = np.bincount(cells[steps < 400], minlength=6)
    assert record.counts(stop_ms=40).tolist() == early.tolist()
    np.testing.assert_allclose(record.rates_Hz(start_ms=40), (counts - early) / 0.06)
    assert record.rates_Hz()[0] == pytest.approx(460.0)  # fires at steps 0, 22, 44 ... 990: 46 spikes in 0.1 s
    with pytest.raises(ParameterError, match="holds no recorded time"):
        record.rates_Hz(start_ms=100)
    with pytest.raises(ParameterError, match="does not divide"):
        record.counts(stop_ms=40.05)


def test_rates_cover_the_time_simulated_even_without_spikes(connectome_factory):
    sim = Simulation(connectome_factory(3))
    sim.run("200 ms")
    assert len(sim.spikes) == 0 and sim.spikes.duration_ms == pytest.approx(200.0)
    assert sim.spikes.rates_Hz().tolist() == [0.0, 0.0, 0.0]


def test_clearing_the_record_restarts_its_window_now(connectome_factory):
    sim = driven_ring(connectome_factory)
    sim.run("50 ms")
    sim.spikes.clear()  # as the GUI worker does after taking each chunk's spikes
    sim.run("50 ms")
    assert sim.spikes.first_step == 500 and sim.spikes.duration_ms == pytest.approx(50.0)
    assert sim.spikes.arrays()[0].min() >= 500
    sim.reset()
    assert sim.spikes.first_step == 0 and sim.spikes.duration_ms == 0 and len(sim.spikes) == 0


def test_spike_table_names_the_cells(connectome_factory):
    sim = driven_ring(connectome_factory)
    sim.run("20 ms")
    table = sim.spikes.to_pandas()
    steps, cells = sim.spikes.arrays()
    assert list(table.columns) == ["time_ms", "step", "row", "id", "name", "cell_type"]
    assert len(table) == len(sim.spikes)
    np.testing.assert_allclose(table["time_ms"], steps * 0.1)
    assert table["row"].tolist() == cells.tolist()
    assert table["name"].tolist() == [f"N{c}" for c in cells]
    assert table["id"].tolist() == [1000 + 10 * c for c in cells]
    assert isinstance(table["cell_type"].dtype, pd.CategoricalDtype)
    assert list(sim.spikes.to_pandas(columns=("nt",)).columns) == ["time_ms", "step", "row", "nt"]


def test_rate_monitor_table_has_a_row_per_bin_and_a_column_per_group(connectome_factory):
    sim = driven_ring(connectome_factory)
    monitor = sim.add_rate_monitor("cell_type", bin_ms=30)
    sim.run("90 ms")
    table = monitor.to_pandas()
    assert table.index.name == "start_ms" and table.index.tolist() == [0.0, 30.0, 60.0]
    assert table.columns.name == "cell_type" and table.columns.tolist() == ["T0", "T1", "T2"]
    np.testing.assert_allclose(table.to_numpy(), monitor.rates_Hz())
    # The monitor and the spike record agree: T0 is cells 0 and 1.
    assert table.loc[30.0, "T0"] == pytest.approx(sim.spikes.rates_Hz(30, 60)[:2].mean())


def test_reprs_say_what_a_reader_needs(connectome_factory):
    sim = driven_ring(connectome_factory)
    monitor = sim.add_rate_monitor("cell_type", bin_ms=10)
    sim.lesion([4, 5])
    sim.run("20 ms")
    text = repr(sim)
    assert text.startswith("<Simulation of 'fixture': 6 cells, t = 20 ms (dt 0.1 ms)")
    assert "1 driven" in text and "2 silenced" in text and f"{len(sim.spikes)} spikes" in text
    assert repr(sim.spikes) == (
        f"<SpikeRecord: {len(sim.spikes)} spikes of {np.unique(sim.spikes.cells).size} of 6 cells, 0 to 20 ms>"
    )
    assert repr(monitor) == "<RateMonitor by 'cell_type': 3 groups, 2 bins of 10 ms>"
    assert "no stimulus" in repr(Simulation(connectome_factory(3)))


def test_a_mask_is_a_target_and_is_never_read_as_rows(connectome_factory):
    sim = Simulation(connectome_factory(6))
    mask = sim.connectome["cell_type"] == "T2"  # cells 4 and 5
    sim.lesion(mask, mode="ablate")
    assert np.flatnonzero(sim.lesions.status()).tolist() == [4, 5]
    handle = sim.stimulate(sim.connectome["name"] == "N0")
    assert np.flatnonzero(sim.stimuli.driven()).tolist() == [0]
    sim.remove(handle)
    with pytest.raises(SelectorError, match=r"one entry per cell \(6\)"):
        sim.lesion(mask[:5])
    with pytest.raises(SelectorError, match="empty"):
        sim.lesion(np.zeros(6, bool))
