"""The first run: the engine prepared in the background, said so, and a Play pressed meanwhile kept."""

import functools
import threading

import pytest
from PySide6.QtCore import Qt

from brainview.ui import main_window
from brainview.ui.app import create_window
from brainview.ui.controls import format_clock
from brainview.ui.engine_status import warm_up_engine
from brainview.ui.loader import read_dataset
from brainview.ui.worker import SimulationWorker, default_simulation

pytest.importorskip("brainview.sim")


class Gates:
    """A dataset read, a warm-up that "compiles" and a build that last until the test opens their
    gates (the embedded worm reads in well under a second: without a gate, whether it is still
    being read when the test looks is a race)."""

    def __init__(self):
        self.read, self.warm, self.build = threading.Event(), threading.Event(), threading.Event()
        self.fail = False

    def reading(self, path):
        task = read_dataset(path)

        def gated(progress):
            assert self.read.wait(60)
            return task(progress)

        return gated

    def warm_up(self):
        assert self.warm.wait(60)
        return True

    def make(self, connectome, overrides):
        assert self.build.wait(60)
        if self.fail:
            raise RuntimeError("no engine today")
        return default_simulation(connectome, overrides)

    def open(self):
        self.read.set()
        self.warm.set()
        self.build.set()


@pytest.fixture
def gates(monkeypatch):
    gates = Gates()
    slow = functools.partial(SimulationWorker, make_simulation=gates.make, warm_up=gates.warm_up)
    monkeypatch.setattr(main_window, "SimulationWorker", slow)
    monkeypatch.setattr(main_window, "read_dataset", gates.reading)
    yield gates
    gates.open()


@pytest.fixture
def window(qtbot, tmp_path, gates):
    win = create_window(None, tmp_path / "settings.ini")
    qtbot.addWidget(win)
    win.show()
    yield win
    gates.open()  # a failed test must not leave the worker waiting at a gate while the window closes
    win.close()


def test_play_pressed_while_loading_waits_for_the_engine_then_plays(qtbot, window, gates):
    controls, label = window.controls, window.engine.label.text
    assert window.load_job is not None and window.worker is None  # still reading the dataset
    assert not controls.step_action.isEnabled() and not controls.reset_action.isEnabled()
    controls.play_action.trigger()  # what Space does
    assert controls.play_action.isChecked() and controls.play_action.text() == "Starting..."
    assert not controls.running and "dataset is read" in label()
    gates.read.set()
    qtbot.waitUntil(lambda: window.worker is not None, timeout=60_000)
    assert controls.step_action.isEnabled()  # the worker queues a step until its engine is built
    assert controls.play_action.text() == "Starting..."  # the new dataset kept the waiting Play
    qtbot.waitUntil(lambda: "Preparing the simulation engine" in label(), timeout=10_000)
    qtbot.waitUntil(lambda: "(first run only)" in label(), timeout=10_000)  # the warm-up is long: compiling
    assert "Play starts when it is ready" in label()
    assert not controls.running and controls.clock.text() == format_clock(0.0)
    assert controls.factor.text() == "paused"
    gates.warm.set()
    qtbot.waitUntil(lambda: "(first run only)" not in label(), timeout=10_000)  # building, not compiling
    assert "Preparing the simulation engine" in label() and not window.engine_ready
    gates.build.set()
    qtbot.waitUntil(lambda: controls.running, timeout=60_000)  # without a second press
    assert controls.play_action.text() == "Pause" and window.worker._running
    assert "compiled and ready" in label() and "Playing." in label()
    qtbot.waitUntil(lambda: window.traces.now_ms > 0, timeout=30_000)


def test_a_second_press_before_the_engine_is_ready_cancels_the_waiting_play(qtbot, window, gates):
    controls, label = window.controls, window.engine.label.text
    gates.read.set()
    qtbot.waitUntil(lambda: window.worker is not None, timeout=60_000)
    with qtbot.waitActive(window):  # shortcuts go to the active window
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert controls.play_action.text() == "Starting..."
    qtbot.waitUntil(lambda: "Play starts when it is ready" in label(), timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert controls.play_action.text() == "Play" and not controls.play_action.isChecked()
    assert "Play starts" not in label()
    gates.open()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=60_000)
    qtbot.wait(500)  # a Play still held would have been sent at once
    assert not controls.running and not window.worker._running
    assert "Press Space to play" in label()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # ready: a press plays at once
    qtbot.waitUntil(lambda: controls.running and window.traces.now_ms > 0, timeout=30_000)
    assert "Press Space to play" not in label()  # not while it plays


def test_a_build_that_fails_drops_the_waiting_play(qtbot, window, gates):
    controls, label = window.controls, window.engine.label.text
    gates.read.set()
    qtbot.waitUntil(lambda: window.worker is not None, timeout=60_000)
    controls.play_action.trigger()
    gates.fail = True
    gates.open()
    qtbot.waitUntil(lambda: window.error_box is not None, timeout=60_000)
    assert "no engine today" in window.error_box.text()
    assert controls.play_action.text() == "Play" and not controls.play_action.isChecked()
    assert "Preparing" not in label() and not window.engine_ready


def test_the_warm_up_says_it_compiled_only_when_it_did():
    warm_up_engine()
    assert warm_up_engine() is False  # everything is compiled in this process now
