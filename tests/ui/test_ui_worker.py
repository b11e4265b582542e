"""The simulation worker thread with the real engine on small networks."""

import numpy as np
import pytest

from brainview.ui import commands as cmd
from brainview.ui.worker import SimulationWorker
from tests.ui.recording import Recorder

pytest.importorskip("brainview.sim")


@pytest.fixture
def chain(connectome_factory):
    """Cell 0 drives 1 strongly (50 synapses); 2 and 3 are unconnected."""
    return connectome_factory(4, edges=[(0, 1, 50.0, 1), (2, 3, 1.0, 1)])


def collect(worker):
    return worker.recorder.snapshots


def spikes_of(snapshots, row, after_ms=-1.0):
    return sum(int(np.sum((s.spike_rows == row) & (s.spike_t_ms > after_ms))) for s in snapshots)


@pytest.fixture
def running_worker(qtbot, chain):
    worker = SimulationWorker(chain, cmd.Pacing("flat"))
    worker.recorder = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(worker.recorder.ready), timeout=120_000)
    yield worker
    worker.stop()
    assert worker.thread.isFinished()


def test_drive_lesion_and_undo_through_the_queue(qtbot, running_worker):
    worker = running_worker
    snapshots = collect(worker)
    worker.submit(cmd.SetGroups(("driven", "target"), (np.array([0]), np.array([1]))))
    worker.submit(cmd.SetProbes((1,)))
    drive = cmd.ApplyStimulus("s", "drive 0", [0], 200.0)
    worker.submit(drive)
    worker.submit(cmd.Step(200.0))
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= 200.0, timeout=20_000)
    assert spikes_of(snapshots, 0) > 10 and spikes_of(snapshots, 1) > 5
    assert spikes_of(snapshots, 2) == 0
    assert any(c.serial == drive.serial and c.kind == "stimulus" for s in snapshots for c in s.changes)
    # A new worker publishes its t = 0 snapshot at once, maybe before the groups and probes arrive.
    grouped = [s for s in snapshots if s.group_labels == ("driven", "target")]
    rates = np.concatenate([s.rates_hz for s in grouped], axis=1)
    assert rates.shape[0] == 2 and rates[0].mean() > 50
    volts = np.concatenate([s.probe_mV for s in snapshots if s.probe_rows.size], axis=1)
    assert volts.shape[0] == 1 and volts.size > 100 and volts.max() > -52.0
    lesion = cmd.ApplyLesion("l", "silence 1", [1], "silence")
    worker.submit(lesion)
    worker.submit(cmd.Step(100.0))
    qtbot.waitUntil(lambda: snapshots[-1].t_ms >= 300.0, timeout=20_000)
    lesion_t = next(c.t_ms for s in snapshots for c in s.changes if c.serial == lesion.serial)
    assert lesion_t == pytest.approx(200.0)
    assert spikes_of(snapshots, 1, after_ms=lesion_t) == 0
    assert spikes_of(snapshots, 0, after_ms=lesion_t) > 5
    worker.submit(cmd.RemoveLesion("l", "restore 1"))
    worker.submit(cmd.Step(100.0))
    qtbot.waitUntil(lambda: snapshots[-1].t_ms >= 400.0, timeout=20_000)
    assert spikes_of(snapshots, 1, after_ms=300.0) > 3


def test_play_pause_reset(qtbot, running_worker):
    worker = running_worker
    snapshots = collect(worker)
    worker.submit(cmd.Play())
    qtbot.waitUntil(lambda: worker.recorder.states == [True], timeout=5000)
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms > 50, timeout=20_000)
    assert snapshots[-1].running and snapshots[-1].real_time_factor > 0
    worker.submit(cmd.Pause())
    qtbot.waitUntil(lambda: worker.recorder.states == [True, False], timeout=5000)
    qtbot.waitUntil(lambda: not snapshots[-1].running, timeout=5000)
    paused = len(snapshots)
    paused_at = snapshots[-1].t_ms
    qtbot.wait(200)  # room for a wrong snapshot to arrive; no timing is asserted
    assert all(s.t_ms == paused_at and not s.running for s in snapshots[paused - 1:])
    worker.submit(cmd.Reset())
    qtbot.waitUntil(lambda: snapshots[-1].generation == 1, timeout=5000)
    assert snapshots[-1].t_ms == 0.0


def test_a_busy_gui_gets_one_snapshot_until_it_acknowledges_but_a_change_goes_out_at_once(
        qtbot, running_worker, monkeypatch):
    import brainview.ui.worker as worker_module

    monkeypatch.setattr(worker_module, "UNACKNOWLEDGED_LIMIT_S", 1e6)  # a GUI that never catches up
    worker = running_worker
    snapshots = collect(worker)
    worker.recorder.on_published = lambda snapshot: snapshots.append(snapshot)  # no acknowledge
    worker.published.disconnect()
    worker.published.connect(worker.recorder.on_published)
    worker.submit(cmd.Play())
    qtbot.waitUntil(lambda: len(snapshots) == 1, timeout=20_000)
    qtbot.wait(300)
    assert len(snapshots) == 1  # the worker runs on but holds the next snapshot back
    lesion = cmd.ApplyLesion("l", "silence 1", [1], "silence")
    worker.submit(lesion)
    qtbot.waitUntil(lambda: len(snapshots) == 2, timeout=20_000)
    assert [c.serial for c in snapshots[1].changes] == [lesion.serial]
    assert snapshots[1].t_ms > snapshots[0].t_ms  # with everything that happened in between
    worker.submit(cmd.Pause())


def test_paced_runs_follow_the_clock_and_wait_when_ahead(qtbot, running_worker, fake_clock):
    worker = running_worker
    snapshots = collect(worker)
    clock = worker.pacer.clock = fake_clock
    worker.submit(cmd.SetPacing(cmd.Pacing("slow", 10.0)))
    worker.submit(cmd.Play())
    qtbot.waitUntil(lambda: worker.recorder.states == [True], timeout=5000)
    clock.now += 0.5  # 0.5 s of wall time at 10x slower: 50 ms of simulated time are due
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= 50.0 - 1e-6, timeout=20_000)
    qtbot.wait(300)  # a worker that ignored the clock would run on meanwhile; none is timed
    assert snapshots[-1].t_ms == pytest.approx(50.0)
    clock.now += 0.25
    qtbot.waitUntil(lambda: snapshots[-1].t_ms >= 75.0 - 1e-6, timeout=20_000)
    qtbot.wait(100)
    assert snapshots[-1].t_ms == pytest.approx(75.0)
    worker.submit(cmd.Pause())


def test_an_engine_error_is_reported_and_the_worker_keeps_serving(qtbot, running_worker):
    worker = running_worker
    snapshots = collect(worker)
    worker.submit(cmd.ApplyLesion("bad", "silence nowhere", [99], "silence"))
    qtbot.waitUntil(lambda: bool(worker.recorder.errors), timeout=5000)
    message, details = worker.recorder.errors[0]
    assert "99" in message and "Traceback" in details
    worker.submit(cmd.Step(10.0))
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= 10.0, timeout=5000)


def test_a_simulation_that_cannot_be_built_is_reported(qtbot, chain):
    def broken(_connectome, _overrides):
        raise ValueError("no model for this dataset")

    worker = SimulationWorker(chain, make_simulation=broken)
    recorder = Recorder(worker)
    worker.start()
    qtbot.waitUntil(lambda: bool(recorder.errors), timeout=5000)
    assert "no model for this dataset" in recorder.errors[0][0]
    worker.submit(cmd.Play())
    qtbot.waitUntil(lambda: len(recorder.errors) == 2, timeout=5000)
    assert "no simulation" in recorder.errors[1][0]
    worker.stop()
    assert worker.thread.isFinished()


def test_new_model_parameters_restart_with_the_same_interventions(qtbot, running_worker):
    worker = running_worker
    snapshots = collect(worker)
    worker.submit(cmd.ApplyStimulus("s", "drive 0", [0], 200.0))
    worker.submit(cmd.ApplyLesion("l", "silence 3", [3], "silence"))
    worker.submit(cmd.Step(50.0))
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= 50.0, timeout=20_000)
    weak = spikes_of(snapshots, 1)
    worker.submit(cmd.SetModelParameters((("w_syn_mV", 0.05),)))
    qtbot.waitUntil(lambda: len(worker.recorder.ready) == 2, timeout=20_000)
    worker.submit(cmd.Step(50.0))
    qtbot.waitUntil(lambda: snapshots[-1].generation == 1 and snapshots[-1].t_ms >= 50.0, timeout=20_000)
    after = [s for s in snapshots if s.generation == 1]
    assert worker.sim.params.w_syn_mV == 0.05
    assert worker.sim.lesions.status()[3] == 1  # the lesion came along
    assert spikes_of(after, 0) > 3  # and so did the drive
    assert weak > 0 and spikes_of(after, 1) == 0  # 50 synapses x 0.05 mV stay below threshold
    worker.submit(cmd.SetModelParameters((("w_syn_mV", float("nan")),)))
    qtbot.waitUntil(lambda: bool(worker.recorder.errors), timeout=5000)
    assert "w_syn_mV" in worker.recorder.errors[0][0] and worker.sim.params.w_syn_mV == 0.05


def test_the_model_defaults_written_out_keep_the_engine_and_its_time(qtbot, running_worker):
    """A dataset that recommends the defaults must not cost a second build (nor a waiting Play)."""
    from brainview.sim import ShiuParams

    worker = running_worker
    snapshots = collect(worker)
    worker.submit(cmd.Step(20.0))
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].t_ms >= 20.0, timeout=20_000)
    engine = worker.sim
    worker.submit(cmd.SetModelParameters((("w_syn_mV", ShiuParams().w_syn_mV),)))
    worker.submit(cmd.Step(10.0))
    qtbot.waitUntil(lambda: snapshots[-1].t_ms >= 30.0, timeout=20_000)
    assert worker.sim is engine and len(worker.recorder.ready) == 1 and snapshots[-1].generation == 0


def _exiting_simulation(connectome, overrides):
    raise SystemExit(3)


class _ExitsWhenRun:
    """A plugin model that calls ``sys.exit`` from inside a run."""

    dt_ms = 0.1
    time_ms = 0.0

    def step(self, n_steps=1):
        if n_steps > 1:
            raise SystemExit("plugin gave up")

    def reset(self):
        pass


@pytest.mark.parametrize("make", [_exiting_simulation, lambda c, o: _ExitsWhenRun()], ids=["build", "run"])
def test_a_model_that_raises_system_exit_is_reported_and_the_worker_lives_on(qtbot, chain, make):
    worker = SimulationWorker(chain, cmd.Pacing("flat"), make_simulation=make)
    recorder = worker.recorder = Recorder(worker)
    worker.start()
    if make is _exiting_simulation:
        qtbot.waitUntil(lambda: bool(recorder.errors), timeout=20_000)
        assert "could not be built" in recorder.errors[0][0] and "SystemExit" in recorder.errors[0][0]
    else:
        qtbot.waitUntil(lambda: bool(recorder.ready), timeout=20_000)
        worker.submit(cmd.Play())
        qtbot.waitUntil(lambda: bool(recorder.errors), timeout=20_000)
        assert recorder.errors[0][0] == "SystemExit: plugin gave up"
        qtbot.waitUntil(lambda: recorder.states[-1:] == [False], timeout=5_000)
    assert worker.thread.isRunning(), "the worker keeps serving commands after the error"
    assert worker.stop(), "stop() returns only once the thread has ended"
    assert worker.thread.isFinished()
