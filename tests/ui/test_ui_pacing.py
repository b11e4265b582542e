"""Redraw pacing on a slow screen: traces spaced by the window's repaint cost, a throttled clock."""

import numpy as np

from brainview.ui.commands import Pacing, Snapshot
from brainview.ui.controls import CLOCK_INTERVAL_MS, SimulationControls
from brainview.ui.traces import PAINT_SHARE, REDRAW_INTERVAL_MS, TracesPanel


def running_snapshot(t_ms: float, running: bool = True) -> Snapshot:
    empty = np.zeros(0)
    return Snapshot(0, t_ms, np.zeros(0, np.int32), empty, empty, np.zeros((0, 0)), (), np.zeros(0, np.int64),
                    empty, np.zeros((0, 0)), 2.0 if running else 0.0, running, ())


def test_traces_space_their_redraws_by_what_a_window_repaint_costs(qtbot):
    traces = TracesPanel()
    qtbot.addWidget(traces)
    traces.graphics.paint_s = 0.001
    assert traces.redraw_interval_ms == REDRAW_INTERVAL_MS
    traces.note_window_repaint(0.1)  # a window with a GL widget, composited in software
    assert traces.redraw_interval_ms == int(100 / PAINT_SHARE)
    for _ in range(40):
        traces.note_window_repaint(0.002)  # the window got cheap again (say, the 3D view closed)
    assert traces.redraw_interval_ms == REDRAW_INTERVAL_MS


def test_clock_follows_a_running_simulation_at_most_every_interval_and_a_pause_at_once(qtbot):
    controls = SimulationControls(Pacing("flat"))
    controls.show_snapshot(running_snapshot(1000.0))
    first = controls.clock.text()
    controls.show_snapshot(running_snapshot(2000.0))
    assert controls.clock.text() == first  # not repainted for every snapshot
    qtbot.waitUntil(lambda: controls.clock.text() != first, timeout=10 * CLOCK_INTERVAL_MS)
    assert "2.000" in controls.clock.text() and "2.00x" in controls.factor.text()
    controls.show_snapshot(running_snapshot(3000.0))
    controls.show_snapshot(running_snapshot(3500.0, running=False))
    assert "3.500" in controls.clock.text() and controls.factor.text() == "paused"
    qtbot.wait(2 * CLOCK_INTERVAL_MS)
    assert "3.500" in controls.clock.text()  # the pending running text does not come back
