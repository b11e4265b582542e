"""Trace buffers: raster decimation and windowing, histories, population-rate binning."""

import numpy as np

from brainview.ui.tracedata import History, RasterBuffer, SpikeWindow, choose_raster_rows


def test_raster_rows_sorted_by_type_and_decimated_evenly():
    sort_key = np.array([2, 0, 1, 0, 2, 1])
    assert choose_raster_rows(np.arange(6), sort_key).tolist() == [1, 3, 2, 5, 0, 4]
    many = np.arange(150_000)
    shown = choose_raster_rows(many, many % 7, max_rows=1000)
    assert shown.size == 1000
    assert np.unique(shown).size == 1000
    # every type keeps about its share of the rows
    share = np.bincount(shown % 7, minlength=7)
    assert share.min() >= 1000 // 7 - 2


def test_driven_and_lesioned_cells_are_shown_on_top_and_never_decimated_away():
    many = np.arange(139_255)  # fly scale: an even subset of 1,500 would keep one cell in 93
    acted_on = np.array([5, 77_000, 3, 139_254, 10**6])  # a row outside the candidates is left out
    shown = choose_raster_rows(many, many % 7, max_rows=1500, first=acted_on)
    assert shown.size == 1500 and np.unique(shown).size == 1500
    assert shown[-4:].tolist() == [77_000, 3, 139_254, 5]  # on top, by type: 0, 3, 3, 5
    assert not np.isin(shown[:-4], acted_on).any()
    assert choose_raster_rows(np.arange(6), np.zeros(6, int), max_rows=2, first=np.arange(6)).tolist() == [0, 1]
    assert choose_raster_rows(np.arange(6), np.zeros(6, int), first=np.array([4])).tolist() == [0, 1, 2, 3, 5, 4]


def test_raster_keeps_only_shown_cells_inside_the_window():
    raster = RasterBuffer(10, np.array([7, 2]), window_ms=100.0, capacity=50)
    raster.add(np.array([2, 5, 7]), np.array([10.0, 11.0, 12.0]), now_ms=20.0)
    x, y = raster.segments()
    assert x.tolist() == [10.0, 10.0, 12.0, 12.0]
    assert y.tolist() == [1.0, 1.8, 0.0, 0.8]
    raster.add(np.array([7]), np.array([150.0]), now_ms=150.0)
    x, _ = raster.segments()
    assert x.tolist() == [150.0, 150.0]  # the spikes before 50 ms left the window


def test_raster_drops_the_oldest_when_full():
    raster = RasterBuffer(3, np.arange(3), window_ms=1e9, capacity=4)
    raster.add(np.zeros(3, int), np.array([1.0, 2.0, 3.0]), now_ms=3.0)
    raster.add(np.zeros(3, int), np.array([6.0, 4.0, 5.0]), now_ms=6.0)
    x, _ = raster.segments()
    assert x[::2].tolist() == [3.0, 4.0, 5.0, 6.0]


def test_history_keeps_the_last_samples():
    history = History(("a", "b"), capacity=4)
    history.add(np.array([1.0, 2.0, 3.0]), np.array([[1, 2, 3], [4, 5, 6]]))
    history.add(np.array([4.0, 5.0]), np.array([[7, 8], [9, 10]]))
    t, a = history.series(0)
    assert t.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert a.tolist() == [2, 3, 7, 8]
    assert history.series(1)[1].tolist() == [5, 6, 9, 10]


def test_spike_window_keeps_every_cell_and_refills_a_new_raster():
    recent = SpikeWindow(window_ms=100.0, capacity=10)
    recent.add(np.array([4, 1, 4]), np.array([10.0, 20.0, 30.0]), now_ms=30.0)
    recent.add(np.array([2]), np.array([125.0]), now_ms=125.0)
    rows, t = recent.arrays()
    assert rows.tolist() == [4, 2] and t.tolist() == [30.0, 125.0]  # 10 and 20 ms left the window
    raster = RasterBuffer(5, np.array([4]), window_ms=100.0)
    raster.add(*recent.arrays(), now_ms=125.0)
    assert raster.segments()[0].tolist() == [30.0, 30.0]
