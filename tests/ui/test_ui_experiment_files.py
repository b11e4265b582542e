"""The window keeps an experiment: save, close, open it in a new window, and the same state is there."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.experiment import read_experiment
from brainview.ui.app import create_window

pytest.importorskip("brainview.sim")


def _window(qtbot, settings, path=None):
    window = create_window(path, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)
    return window


def test_lesion_and_drive_save_close_and_reopen(qtbot, tmp_path):
    settings = tmp_path / "settings.ini"
    first = _window(qtbot, settings)
    session = first.session
    worm = session.connectome
    ava = session.tree.leaf_of(worm.index_of("AVAL"))
    first.browser.set_lesion(ava.key, "ablate")
    first.stimuli.selector.setText("ALML,ALMR,AVM")
    first.stimuli.rate.setValue(180)
    first.stimuli.drive_button.click()
    first.controls.w_syn.setValue(1.25)
    session.experiment.set_view(color_by="nt")
    session.watch(ava.target())
    first.controls.step_action.trigger()
    qtbot.waitUntil(lambda: len(session.experiment.log) >= 2, timeout=30_000)  # the engine applied both
    path = tmp_path / "worm-experiment.toml"
    from brainview.ui import experiment_files

    camera = first.view.view.cameras.turntable if first.view.view is not None else None
    if camera is not None:  # the 3D view exists (OpenGL under Xvfb)
        camera.azimuth, camera.elevation = 57.0, 21.0

    assert experiment_files.save(first, path) == path
    saved = session.experiment
    first.close()

    second = _window(qtbot, settings, path)
    again = second.session.experiment
    assert again.lesions == saved.lesions and again.stimuli == saved.stimuli
    assert again.params == {"w_syn_mV": 1.25} and second.controls.w_syn.value() == pytest.approx(1.25)
    assert again.view.color_by == "nt" and list(again.groups) == [ava.key]
    assert [(r.kind, r.key) for r in again.log] == [(r.kind, r.key) for r in saved.log]
    qtbot.waitUntil(lambda: second.worker.sim is not None and np.all(second.worker.sim.lesions.status()[ava.rows] == 2),
                    timeout=30_000)  # the reopened engine has the lesion too
    assert second.windowTitle().endswith(worm.meta["name"])
    if camera is not None:
        state = second.view.view.cameras.state()
        assert (state["azimuth"], state["elevation"]) == pytest.approx((57.0, 21.0))
        assert again.view.camera["azimuth"] == pytest.approx(57.0)
    second.close()


def test_a_missing_dataset_asks_where_it_is_and_keeps_the_window(qtbot, tmp_path, tiny, monkeypatch):
    from brainview.connectome.io import write_native
    from brainview.ui import experiment_files

    dataset = write_native(tiny, tmp_path / "tiny.h5")
    window = _window(qtbot, tmp_path / "settings.ini", dataset)
    experiment_files.save(window, tmp_path / "tiny.toml")
    moved = tmp_path / "moved"
    moved.mkdir()
    dataset.rename(moved / "tiny.h5")
    window.open_path(None)
    qtbot.waitUntil(lambda: window.session.connectome.n != tiny.n and window.engine_ready, timeout=60_000)
    asked = []
    monkeypatch.setattr(experiment_files, "ask_for_dataset", lambda w, p, e: asked.append(e) or moved / "tiny.h5")
    window.open_experiment(tmp_path / "tiny.toml")
    qtbot.waitUntil(lambda: window.session.connectome.n == tiny.n, timeout=60_000)
    assert "is missing" in str(asked[0]) and window.experiment_path.endswith("tiny.toml")
    assert read_experiment(tmp_path / "tiny.toml", moved / "tiny.h5").dataset.path == str((moved / "tiny.h5").resolve())
    window.close()


def test_the_last_experiment_is_restored_on_launch_when_asked(qtbot, tmp_path, monkeypatch):
    from brainview.ui import experiment_files

    monkeypatch.setattr(experiment_files, "last_experiment_path", lambda: tmp_path / "last.toml")
    settings = tmp_path / "settings.ini"
    first = _window(qtbot, settings)
    first.restore_action.trigger()  # checked: restore on launch
    ash = first.session.tree.leaf_of(first.session.connectome.index_of("ASHL"))
    first.browser.set_lesion(ash.key, "silence")
    first.close()
    second = _window(qtbot, settings)
    assert list(second.session.experiment.lesions) == [ash.key]
    second.restore_action.trigger()
    second.close()
    third = _window(qtbot, settings)
    assert third.session.experiment.lesions == {}
    third.close()


def test_export_run_writes_what_the_window_ran(qtbot, tmp_path):
    from brainview.sim.runfile import read_run
    from brainview.ui import experiment_files

    window = _window(qtbot, tmp_path / "settings.ini")
    session = window.session
    ava = session.tree.leaf_of(session.connectome.index_of("AVAL"))
    session.watch(ava.target())
    window.stimuli.selector.setText("ALML,ALMR,AVM")
    window.stimuli.drive_button.click()
    for _ in range(5):
        window.controls.step_action.trigger()
    qtbot.waitUntil(lambda: window.traces.now_ms >= 50.0 - 1e-6, timeout=30_000)
    results = []
    window.worker.exported.connect(lambda written, problem: results.append((written, problem)))
    experiment_files.export_run(window, tmp_path / "run.h5")
    experiment_files.export_run(window, tmp_path / "run.nwb")
    experiment_files.export_run(window, tmp_path / "no" / "such" / "dir" / "x.h5", "nwb")  # refused: not .nwb
    qtbot.waitUntil(lambda: len(results) == 3, timeout=60_000)
    assert results[0] == ([str(tmp_path / "run.h5")], "") and results[1][1] == ""
    assert results[2][0] == [] and "x.h5" in results[2][1]
    record = read_run(tmp_path / "run.h5")
    assert record.config["duration_ms"] == pytest.approx(50.0)
    driven = {session.connectome.index_of(n) for n in ("ALML", "AVM")}
    assert record.spikes["step"].size > 0 and set(record.spikes["neuron"].tolist()) >= driven
    assert "poisson on" in set(record.log["action"]) and record.rate_labels == ("AVA",)
    assert not (tmp_path / "no").exists()
    window.close()


def test_bad_files_and_destinations_are_reported_and_the_window_keeps_its_experiment(qtbot, tmp_path):
    from brainview.ui import experiment_files

    window = _window(qtbot, tmp_path / "settings.ini")
    ash = window.session.tree.leaf_of(window.session.connectome.index_of("ASHL"))
    window.browser.set_lesion(ash.key, "silence")
    session = window.session
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert experiment_files.save(window, blocker / "exp.toml") is None
    assert window.error_box is not None and str(blocker / "exp.toml") in window.error_box.text()
    window.error_box.close()
    newer = tmp_path / "newer.toml"
    newer.write_text("schema = 'brainview-experiment'\nschema_version = 99\n")
    window.open_experiment(newer)
    qtbot.waitUntil(lambda: window.load_job is None, timeout=30_000)
    assert "newer than this brainview reads" in window.error_box.informativeText() + window.error_box.text()
    assert window.session is session and list(session.experiment.lesions) == [ash.key]
    window.close()


def test_the_saved_experiment_replays_to_the_spikes_the_window_fired(qtbot, tmp_path):
    from brainview.experiment import read_experiment, replay, simulation
    from brainview.sim.runfile import read_run
    from brainview.ui import experiment_files

    window = _window(qtbot, tmp_path / "settings.ini")
    session = window.session
    worm = session.connectome
    window.controls.w_syn.setValue(1.4)
    qtbot.waitUntil(lambda: window.worker.sim is not None and window.worker.sim.params.w_syn_mV == 1.4, timeout=30_000)
    window.stimuli.selector.setText("ALML,ALMR,AVM,PLML,PLMR")
    window.stimuli.drive_button.click()
    def step_10_ms(times):  # the Step button: 10 ms, then paused, so changes land at known steps
        for _ in range(times):
            before = window.traces.now_ms
            window.controls.step_action.trigger()
            qtbot.waitUntil(lambda b=before: window.traces.now_ms >= b + 10 - 1e-6, timeout=30_000)

    step_10_ms(4)
    window.browser.set_lesion(session.tree.leaf_of(worm.index_of("AVAL")).key, "silence")
    step_10_ms(3)
    window.stimuli.selector.setText("type:AVB")
    window.stimuli.drive_button.click()
    step_10_ms(3)
    results = []
    window.worker.exported.connect(lambda written, problem: results.append(problem))
    experiment_files.export_run(window, tmp_path / "run.h5")
    qtbot.waitUntil(lambda: len(results) == 1, timeout=30_000)
    assert results == [""]
    experiment_files.save(window, tmp_path / "exp.toml")
    window.close()

    fired = read_run(tmp_path / "run.h5")
    again = read_experiment(tmp_path / "exp.toml")
    assert [r.step for r in again.log] == [0, 400, 700]
    replayed = replay(again, simulation(again), fired.config["duration_ms"])
    steps, cells = replayed.spikes.arrays()
    assert fired.spikes["step"].size > 50
    np.testing.assert_array_equal(steps, fired.spikes["step"])
    np.testing.assert_array_equal(cells, fired.spikes["neuron"])
