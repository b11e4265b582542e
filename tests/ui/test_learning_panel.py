"""The Learning panel: the live run made plastic, odour presentations and pairings, the weight
heatmap and the responses, checked against the same run replayed on a separate Simulation."""

import numpy as np
import pytest

from brainview.experiment import cells_from_selector
from brainview.ui.learning_panel import PROTOCOL, compartment_order
from brainview.ui.lesson import FIRST_LESSON, shipped_lesson
from brainview.ui.worker import WEIGHT_SAMPLE_MS
from tests.ui.recording import Recorder

pytest.importorskip("brainview.sim")

LEARNING_TEACHERS = shipped_lesson("mushroom-body-1-learning")
PAM_COMPARTMENTS = {"y3", "y4", "y5", "B'1", "B'2", "B1", "B2", "a1"}
"""Where the PAM DANs teach (Aso et al. 2014); the others are PPL1's."""


@pytest.fixture(scope="module")
def mushroom_body():
    from brainview.connectome.examples.mushroom_body import mushroom_body

    return mushroom_body(seed=0)


def open_mushroom_body(qtbot, window, connectome):
    window.set_connectome(connectome)
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)


def plasticity_on(qtbot, window):
    panel = window.learning
    panel.plastic_box.setChecked(True)
    qtbot.waitUntil(lambda: panel.plastic and panel.weight_ratios()[1].size > 0, timeout=120_000)


def wait_idle(qtbot, panel, timeout=60_000):
    qtbot.waitUntil(lambda: panel.current is None and not panel.queue, timeout=timeout)


def presented(qtbot, panel, *kinds):
    """Present ``kinds`` one after another; their responses."""
    first = len(panel.responses)
    for kind in kinds:
        panel.enqueue(kind)
    wait_idle(qtbot, panel)
    return panel.responses[first:]


def replayed(window, until_ms):
    """The window's run so far replayed step for step on a separate plastic Simulation, from the
    log the engine wrote (as :func:`brainview.experiment.replay.replay` does), the odours frozen."""
    from brainview.experiment import LesionEntry, StimulusEntry
    from brainview.sim import ShiuParams, Simulation
    from brainview.sim.plasticity import PlasticityRule

    experiment, setup = window.session.experiment, window.learning.setup
    frozen = {cells.key for cells in setup.odours.values()}
    sim = Simulation(experiment.connectome, ShiuParams().replace(**experiment.params), dt_ms=experiment.dt_ms,
                     seed=experiment.seed, plasticity=PlasticityRule("class:Kenyon_Cell", "class:MBON", "class:DAN"))
    monitor = sim.add_weight_monitor(setup.by, WEIGHT_SAMPLE_MS)
    handles = {}
    for record in sorted(experiment.log, key=lambda r: r.step):
        if record.step > sim.steps_done:
            sim.step(record.step - sim.steps_done)
        old = handles.pop((record.kind, record.key), None)
        if old is not None:
            (sim.undo if record.kind == "lesion" else sim.remove)(old)
        entry = record.entry
        if isinstance(entry, LesionEntry):
            handles[(record.kind, record.key)] = sim.lesion(entry.cells.rows, entry.mode)
        elif isinstance(entry, StimulusEntry) and entry.on:
            handles[(record.kind, record.key)] = sim.stimulate(
                entry.cells.rows, entry.rate_Hz, stream=entry.stream, frozen=record.key in frozen)
    sim.step(max(round(until_ms / sim.dt_ms) + 1 - sim.steps_done, 0))
    return sim, monitor


def response_of(sim, readout, start_ms):
    steps, cells = sim.spikes.arrays()
    first = round(start_ms / sim.dt_ms)
    window = (steps >= first) & (steps < first + round(PROTOCOL["odour_ms"] / sim.dt_ms))
    return np.count_nonzero(window & np.isin(cells, readout)) / (readout.size * PROTOCOL["odour_ms"] * 1e-3)


def test_pairing_depresses_the_pam_compartments_and_the_response_to_a_falls(qtbot, window, mushroom_body):
    open_mushroom_body(qtbot, window, mushroom_body)
    panel = window.learning
    assert window.docks["learning"].isVisible() and panel.isEnabled()
    plasticity_on(qtbot, window)
    assert np.all(panel.weight_ratios()[2] == 1.0)  # white: the connectome's weights
    pre_a, pre_b = presented(qtbot, panel, "A", "B")
    assert np.all(panel.weight_ratios()[2][:, -1] == 1.0)  # odours alone teach nothing: no DAN fired
    pairings = presented(qtbot, panel, "A+reward", "A+reward", "A+reward")
    post_a, post_b = presented(qtbot, panel, "A", "B")
    window.controls.play_action.setChecked(False)
    qtbot.waitUntil(lambda: not panel.running, timeout=10_000)
    labels, t_ms, ratios = panel.weight_ratios()
    assert [r.kind for r in (pre_a, pre_b, *pairings, post_a, post_b)] == ["A", "B"] + ["A+reward"] * 3 + ["A", "B"]

    # Depression where the reward's DANs teach, nothing where only PPL1 does.
    final = dict(zip(labels, ratios[:, -1]))
    for label, ratio in final.items():
        taught = bool(set(label.split(".")) & PAM_COMPARTMENTS)
        assert (ratio < 1.0) == taught, (label, ratio)
    assert post_a.rate_Hz < pre_a.rate_Hz
    # The table says so.
    rows = [[panel.table.item(r, c).text() for c in range(4)] for r in range(panel.table.rowCount())]
    assert rows[5][1].endswith("odour A") and rows[5][3].startswith("-") and rows[5][3].endswith("%")

    # The same run, replayed on its own Simulation from the log the engine wrote: the same
    # weights at every sample and the same responses.
    sim, monitor = replayed(window, t_ms[-1])
    order = compartment_order(monitor.labels)
    assert tuple(monitor.labels[j] for j in order) == labels
    shown = monitor.times_ms <= t_ms[-1]
    expected = (monitor.sums_mV[shown] / monitor.sums_mV[0]).T[order]
    assert np.allclose(monitor.times_ms[shown], t_ms)
    assert np.allclose(expected, ratios, rtol=1e-9, atol=1e-12)
    for response in (pre_a, pre_b, *pairings, post_a, post_b):
        assert response.rate_Hz == pytest.approx(response_of(sim, panel.setup.readout, response.t_ms))
    assert_protocol_steps(window.session.experiment.log, sim.dt_ms)


def assert_protocol_steps(log, dt_ms):
    """Each odour drove for exactly odour_ms, the reward from reward_delay_ms after its onset to
    its end, a queued presentation began gap_ms after the last: the engine waited for the panel
    at each of those steps."""
    steps = {name: round(PROTOCOL[name] / dt_ms) for name in ("odour_ms", "gap_ms", "reward_delay_ms")}
    odours = [r for r in log if r.key.startswith("learning:odour")]
    onsets = [r.step for r in odours if r.entry is not None]
    offsets = [r.step for r in odours if r.entry is None]
    assert len(onsets) == len(offsets) >= 2
    assert all(off - on == steps["odour_ms"] for on, off in zip(onsets, offsets))
    gaps = [on - off for off, on in zip(offsets, onsets[1:])]
    assert min(gaps) == steps["gap_ms"]  # queued one after another; longer where the queue ran dry
    reward = [r.step for r in log if r.key == "learning:reward"]
    paired = [on for on in onsets if on + steps["reward_delay_ms"] in reward]
    assert len(reward) == 2 * len(paired) and paired
    assert all(on + steps["odour_ms"] in reward for on in paired)


def test_with_the_dans_silenced_nothing_is_learned(qtbot, window, mushroom_body):
    open_mushroom_body(qtbot, window, mushroom_body)
    panel, session = window.learning, window.session
    window.controls.pacing_actions.actions()[0].trigger()  # flat out: the protocol's times stay exact
    assert window.controls.pacing.mode == "flat"
    plasticity_on(qtbot, window)
    (pre_a,) = presented(qtbot, panel, "A")
    presented(qtbot, panel, "A+reward")
    qtbot.waitUntil(lambda: panel.weight_ratios()[2][:, -1].min() < 1.0, timeout=10_000)
    panel.enqueue("reset")
    qtbot.waitUntil(lambda: np.all(panel.weight_ratios()[2][:, -1] == 1.0), timeout=10_000)
    session.lesion(cells_from_selector(session.connectome, "class:DAN"), "silence")
    responses = presented(qtbot, panel, "A+reward", "A+reward", "A")
    assert all(r.rate_Hz > 0 for r in responses)  # the KCs and MBONs still respond
    labels, t_ms, ratios = panel.weight_ratios()
    since = t_ms >= responses[0].t_ms
    assert np.all(ratios[:, since] == 1.0)
    # The reward's drive was on: it reached the engine, but silenced DANs do not fire.
    assert any(r.kind == "stimulus" and r.entry is not None and r.key == "learning:reward" for r in session.experiment.log)
    # Frozen odours, the weights reset: the response to A is what it was before any pairing.
    assert responses[-1].rate_Hz == pre_a.rate_Hz
    window.controls.play_action.setChecked(False)
    qtbot.waitUntil(lambda: not panel.running, timeout=10_000)  # the last stop is in the log
    assert_protocol_steps(session.experiment.log, 0.1)


def test_the_lesson_conditions_a_then_learns_nothing_without_the_dans(qtbot, window, mushroom_body):
    open_mushroom_body(qtbot, window, mushroom_body)
    panel, lesson = window.learning, window.lesson_panel
    action = next(a for a, entry in window.lesson_actions if entry.lesson is LEARNING_TEACHERS)
    action.trigger()
    assert window.docks["lesson"].isVisible() and lesson.lesson is LEARNING_TEACHERS
    traced = {g.label for g in window.session.groups.values()}
    assert traced == {group.label for group in LEARNING_TEACHERS.groups}
    done = []
    for index, step in enumerate(LEARNING_TEACHERS.steps):
        lesson.show_step(index)
        assert lesson.do_button.isEnabled()
        lesson.do_button.click()
        if index == 0:
            qtbot.waitUntil(lambda: panel.plastic and window.controls.running, timeout=120_000)
        wait_idle(qtbot, panel)
        done.append(list(panel.responses))
    window.controls.play_action.setChecked(False)
    kinds = [r.kind for r in panel.responses]
    assert kinds == ["A", "B"] + ["A+reward"] * 3 + ["A", "B"] + ["A+reward"] * 3 + ["A", "B"]
    rate = [r.rate_Hz for r in panel.responses]
    pre_a, pre_b, post_a, post_b, last_a, last_b = rate[0], rate[1], rate[5], rate[6], rate[10], rate[11]
    assert post_a < pre_a and (pre_a - post_a) / pre_a > (pre_b - post_b) / pre_b  # A fell, and more than B
    assert (last_a, last_b) == (pre_a, pre_b)  # weights back and no teachers: as in the pre-test, exactly
    assert "class:DAN" in {k.removeprefix("selector:") for k in window.session.experiment.lesions}


def test_the_panel_and_the_lesson_fit_only_the_mushroom_body(qtbot, window, mushroom_body):
    worm = window.session.connectome
    assert not window.docks["learning"].isVisible()
    assert not window.docks["learning"].toggleViewAction().isEnabled()
    assert not window.learning.isEnabled()
    touch = shipped_lesson(FIRST_LESSON)
    offered = {entry.title: action.isEnabled() for action, entry in window.lesson_actions}
    assert offered[touch.title] and not offered[LEARNING_TEACHERS.title]
    assert LEARNING_TEACHERS.missing_in(worm)
    open_mushroom_body(qtbot, window, mushroom_body)
    offered = {entry.title: action.isEnabled() for action, entry in window.lesson_actions}
    assert offered[LEARNING_TEACHERS.title] and not offered[touch.title]
    assert window.docks["learning"].isVisible() and window.docks["learning"].toggleViewAction().isEnabled()


def test_the_worker_samples_the_plastic_weights_of_its_own_engine(qtbot, mushroom_body):
    from brainview.connectome.examples.mushroom_body import odour_rows, random_odour
    from brainview.sim import Simulation
    from brainview.sim.plasticity import PlasticityRule
    from brainview.ui import commands as cmd
    from brainview.ui.worker import SimulationWorker

    c = mushroom_body
    rule = PlasticityRule("class:Kenyon_Cell", "class:MBON", "class:DAN")
    odour = odour_rows(c, random_odour(c, seed=1))
    pam = np.flatnonzero(np.char.startswith(c.strings("cell_type").astype(str), "PAM"))
    worker = SimulationWorker(c, cmd.Pacing("flat"))
    seen = Recorder(worker)
    worker.start()
    try:
        qtbot.waitUntil(lambda: bool(seen.ready), timeout=120_000)
        # A rule the dataset cannot have (no MBON-to-KC synapses): said, and the engine stays as it was.
        worker.submit(cmd.SetPlasticity(PlasticityRule("class:MBON", "class:Kenyon_Cell", "class:DAN"), "compartment"))
        worker.submit(cmd.Step(1.0))
        qtbot.waitUntil(lambda: bool(seen.errors) and bool(seen.snapshots) and seen.snapshots[-1].t_ms >= 1.0,
                        timeout=60_000)
        assert "could not be built" in seen.errors[0][0] and seen.snapshots[-1].weights is None
        worker.submit(cmd.SetPlasticity(rule, "compartment"))
        worker.submit(cmd.SetFrozenStimuli(frozenset({"odour"})))
        worker.submit(cmd.ApplyStimulus("odour", "odour A", odour, 150.0, stream=11))
        worker.submit(cmd.ApplyStimulus("reward", "reward", pam, 150.0, stream=12))
        worker.submit(cmd.Step(300.0))
        qtbot.waitUntil(lambda: seen.snapshots[-1].weights is not None and seen.snapshots[-1].t_ms >= 300.0,
                        timeout=60_000)
        plastic = [s for s in seen.snapshots if s.weights is not None]
        t_ms = np.concatenate([s.weights.t_ms for s in plastic])
        sums = np.concatenate([s.weights.sums_mV for s in plastic], axis=1)
        # The same on a Simulation of its own.
        sim = Simulation(c, dt_ms=0.1, seed=0, plasticity=rule)
        monitor = sim.add_weight_monitor("compartment", WEIGHT_SAMPLE_MS)
        sim.stimulate(odour, 150.0, stream=11, frozen=True)
        sim.stimulate(pam, 150.0, stream=12)
        sim.run(duration_ms=300.0)
        assert plastic[-1].weights.labels == monitor.labels
        assert np.array_equal(plastic[-1].weights.start_mV, monitor.sums_mV[0])
        assert np.array_equal(t_ms, monitor.times_ms)
        assert np.allclose(sums, monitor.sums_mV.T, rtol=1e-12)
        assert np.any(sums[:, -1] < sums[:, 0])  # it learned
        # Reset: the weights go back at once, sampled then.
        worker.submit(cmd.ResetWeights())
        worker.submit(cmd.Step(1.0))
        qtbot.waitUntil(lambda: seen.snapshots[-1].t_ms >= 301.0, timeout=60_000)
        samples = [s.weights for s in seen.snapshots if s.weights is not None and s.weights.t_ms.size]
        assert samples[-1].t_ms[-1] == pytest.approx(300.0)
        assert np.array_equal(samples[-1].sums_mV[:, -1], monitor.sums_mV[0])
        # HoldAfter: the engine runs no further than told, however far a step asks for.
        worker.submit(cmd.HoldAfter(20.0))
        worker.submit(cmd.Step(100.0))
        qtbot.waitUntil(lambda: seen.snapshots[-1].t_ms >= 321.0 - 1e-9, timeout=60_000)
        qtbot.wait(200)
        assert seen.snapshots[-1].t_ms == pytest.approx(321.0)
        worker.submit(cmd.HoldAfter(None))
        qtbot.waitUntil(lambda: seen.snapshots[-1].t_ms >= 401.0 - 1e-9, timeout=60_000)
        worker.submit(cmd.SetPlasticity(None))
        worker.submit(cmd.Step(1.0))
        qtbot.waitUntil(lambda: seen.snapshots[-1].generation > plastic[-1].generation and seen.snapshots[-1].t_ms >= 1.0,
                        timeout=60_000)
        assert seen.snapshots[-1].weights is None
    finally:
        worker.stop()


def test_presentations_asked_for_during_the_rebuild_run_after_it_and_the_engine_goes_on(qtbot, window, mushroom_body):
    open_mushroom_body(qtbot, window, mushroom_body)
    panel = window.learning
    window.controls.play_action.setChecked(True)
    panel.set_plastic(True)
    panel.enqueue("A")  # before the plastic engine's first snapshot
    panel.enqueue("A+reward")
    qtbot.waitUntil(lambda: len(panel.responses) == 2 and panel.current is None, timeout=60_000)
    assert panel.plastic and [r.kind for r in panel.responses] == ["A", "A+reward"]
    assert panel.responses[0].t_ms == 0.0  # the drive began with the new engine, at its first step
    later = panel.now_ms
    qtbot.waitUntil(lambda: panel.now_ms > later + 200.0, timeout=10_000)  # nothing holds the run
    panel.enqueue("A")
    panel.set_plastic(False)  # the run starts again: the presentation is cancelled, the run goes on
    qtbot.waitUntil(lambda: not panel.plastic and panel.now_ms > 200.0 and panel.current is None, timeout=60_000)
    assert not panel.plastic_box.isChecked()
    assert not any(key.startswith("learning:") for key in window.session.experiment.stimuli)
    window.controls.play_action.setChecked(False)


def test_a_plastic_run_saved_reopens_plastic(qtbot, window, mushroom_body, tmp_path):
    """The plasticity switch is part of the experiment: saved with it, and on again when it is opened."""
    from brainview.connectome.io import write_native
    from brainview.experiment.files import read_experiment, write_experiment

    dataset = write_native(mushroom_body, tmp_path / "mb.h5")
    window.open_path(dataset)
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    plasticity_on(qtbot, window)
    experiment = window.session.experiment
    assert experiment.plasticity == window.learning.setup.rule and experiment.plasticity_by == "compartment"
    path = write_experiment(experiment, tmp_path / "plastic.toml")
    assert read_experiment(path).plasticity == experiment.plasticity
    window.open_path(None)  # another dataset: not plastic
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    assert window.session.experiment.plasticity is None and not window.learning.plastic_box.isChecked()
    window.open_experiment(path)
    qtbot.waitUntil(lambda: window.load_job is None and window.engine_ready, timeout=120_000)
    panel = window.learning
    assert window.session.experiment.plasticity == experiment.plasticity and panel.plastic_box.isChecked()
    qtbot.waitUntil(lambda: panel.plastic and panel.weight_ratios()[1].size > 0, timeout=120_000)
    panel.plastic_box.setChecked(False)
    assert window.session.experiment.plasticity is None
