"""The Lesson menu: shipped and user lessons from files, broken files, Save as lesson, and the
fly lessons running on a small Codex-format folder written here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brainview.experiment.lessons import read_lesson
from brainview.ui import lesson as lesson_menu
from brainview.ui.app import create_window

FLY = ("flywire-1-sugar-feeding", "flywire-2-looming-escape")
WORM = ("celegans-1-touch-escape", "celegans-2-posterior-touch")

BROKEN = '''schema = "brainview-lesson"
schema_version = 1
title = "Half written"

[[steps]]
title = "Drive"
text = "Drive ASH."
stimulus = [{ selector = "type:ASH", rate_Hz = 100.0 }]
'''
MINE = '''schema = "brainview-lesson"
schema_version = 1
title = "My own lesson"
summary = "Drive the nose."
color_by = "nt"

[[steps]]
title = "Drive ASH"
text = "Drive ASH."
stimuli = [{ selector = "type:ASH", rate_Hz = 100.0 }]
probes = ["ASHL"]
play = true
'''


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the screenshots go: $BRAINVIEW_SHOTS when set (to look at them), else a temporary folder."""
    folder = Path(os.environ.get("BRAINVIEW_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def lesson_folder(tmp_path, monkeypatch):
    """The user's lesson folder, in a temporary folder."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    monkeypatch.setattr(lesson_menu, "user_lesson_folder", lambda: folder)
    return folder


def open_window(qtbot, tmp_path, path=None):
    window = create_window(path, tmp_path / "settings.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine_ready, timeout=120_000)
    return window


def actions(window) -> dict:
    return {entry.path.stem: action for action, entry in window.lesson_actions}


def test_the_menu_lists_the_shipped_lessons_and_disables_those_that_do_not_fit(qtbot, tmp_path, lesson_folder):
    window = open_window(qtbot, tmp_path)
    listed = actions(window)
    assert set(WORM + FLY) <= set(listed) and "mushroom-body-1-learning" in listed
    for stem in WORM:
        assert listed[stem].isEnabled()
    sugar, looming = listed[FLY[0]], listed[FLY[1]]
    assert not sugar.isEnabled() and not looming.isEnabled()
    assert sugar.toolTip().startswith("needs class:gustatory, type:LB3, type:LB1a,LB1b, type:CB0701")
    assert looming.toolTip().startswith("needs type:LPLC2, type:LC4, type:DNp01")
    assert "made for a FlyWire brain" in looming.toolTip()
    texts = [a.text() for a in window.lesson_menu.actions()]
    assert "&Save as lesson..." in texts and "&Open lesson file..." in texts
    window.close()


def test_user_lessons_appear_and_a_broken_one_is_listed_with_its_error(qtbot, tmp_path, lesson_folder):
    (lesson_folder / "broken.toml").write_text(BROKEN)
    (lesson_folder / "mine.toml").write_text(MINE)
    window = open_window(qtbot, tmp_path)  # the broken file does not break the start-up
    listed = actions(window)
    broken, mine = listed["broken"], listed["mine"]
    assert broken.text() == "broken.toml (broken)"
    assert str(lesson_folder / "broken.toml") in broken.toolTip() and "line 8" in broken.toolTip()
    assert "unknown key 'stimulus' in [steps]" in broken.toolTip()
    broken.trigger()
    assert window.error_box is not None and "unknown key 'stimulus'" in window.error_box.informativeText() + \
        window.error_box.text()
    window.error_box.close()
    assert mine.isEnabled() and mine.text() == "My own lesson"
    colours = []
    window.lesson_panel.colourRequested.connect(colours.append)
    mine.trigger()
    panel = window.lesson_panel
    assert window.docks["lesson"].isVisible() and panel.lesson.title == "My own lesson"
    panel.perform_step()
    session = window.session
    assert [s.cells.label for s in session.experiment.stimuli.values()] == ["ASH"]
    assert session.probes == [session.connectome.index_of("ASHL")]
    assert colours == ["nt"]
    if window.view.view is not None:  # the 3D view (and its colour box) needs OpenGL
        assert session.experiment.view.color_by == "nt"
    qtbot.waitUntil(lambda: window.controls.running, timeout=10_000)
    # A lesson copied into the folder while the app runs is there when the menu opens next.
    (lesson_folder / "later.toml").write_text(MINE.replace("My own lesson", "Added later"))
    window.lesson_menu.aboutToShow.emit()
    assert actions(window)["later"].text() == "Added later"
    window.close()


def test_a_lesson_file_whose_selectors_the_dataset_lacks_is_refused_with_file_line_and_key(qtbot, window, tmp_path):
    path = tmp_path / "fly.toml"
    path.write_text(MINE.replace("type:ASH", "type:MN9"))
    assert lesson_menu.open_lesson_file(window, path) is None
    shown = window.error_box.text() + window.error_box.informativeText()
    assert f"{path}, line 10: steps[0].stimuli.selector: selector 'type:MN9' matches no cell" in shown
    window.error_box.close()
    assert lesson_menu.open_lesson_file(window, tmp_path / "absent.toml") is None
    assert "no such lesson file" in window.error_box.text() + window.error_box.informativeText()


def in_force(experiment) -> tuple[set, set]:
    """The lesions (rows, mode) and stimuli (rows, rate) of ``experiment``, whatever their keys."""
    return ({(tuple(e.cells.rows), e.mode.value) for e in experiment.lesions.values()},
            {(tuple(e.cells.rows), e.rate_Hz, e.on) for e in experiment.stimuli.values()})


def test_save_as_lesson_writes_the_history_and_the_lesson_runs_again(qtbot, tmp_path, lesson_folder):
    from brainview.experiment import cells_from_selector

    window = open_window(qtbot, tmp_path)
    session = window.session
    worm = session.connectome
    window.controls.w_syn.setValue(1.4)
    session.stimulate(cells_from_selector(worm, "ALML,ALMR,AVM"), 150.0)
    session.watch(session.tree.leaf_of(worm.index_of("AVAL")).target())
    session.lesion(cells_from_selector(worm, "type:AVA,AVD"), "silence")
    session.lesion(session.tree.leaf_of(worm.index_of("AVBL")).target(), "ablate")
    session.probe(worm.index_of("AVDL"))
    before = in_force(session.experiment)
    written = lesson_menu.save_as_lesson(window, lesson_folder / "saved.toml", "Touch, cut twice")
    assert written == lesson_folder / "saved.toml"
    lesson = read_lesson(written)
    assert lesson.title == "Touch, cut twice" and len(lesson.steps) == 3 and lesson.model == (("w_syn_mV", 1.4),)
    assert actions(window)["saved"].isEnabled()  # in the menu at once
    window.open_path(None)  # a fresh experiment on the same dataset
    qtbot.waitUntil(lambda: window.session is not session and window.engine_ready, timeout=60_000)
    fresh = window.session
    window.controls.w_syn.setValue(0.275)
    actions(window)["saved"].trigger()
    assert window.controls.w_syn.value() == pytest.approx(1.4)
    for index in range(len(lesson.steps)):
        window.lesson_panel.show_step(index)
        window.lesson_panel.perform_step()
    assert in_force(fresh.experiment) == before
    assert [g.label for g in fresh.groups.values()] == ["AVA"] and fresh.probes == [worm.index_of("AVDL")]
    qtbot.waitUntil(lambda: window.controls.running and window.traces.now_ms > 100, timeout=30_000)
    window.close()


# -- the fly lessons on a small Codex folder ----------------------------------------------------------
def codex_folder(folder: Path) -> Path:
    """A Codex download of the fly lessons' cell types, wired as the lessons tell: sugar GRNs
    excite MN9, bitter GRNs inhibit it through a GABAergic interneuron, LPLC2 and LC4 excite the
    giant fibre."""
    cells = []  # (type, super_class, class, nt, region)
    cells += [("LB3", "sensory", "gustatory", "ACH", "GNG")] * 6
    cells += [("LB1a", "sensory", "gustatory", "ACH", "GNG")] * 3 + [("LB1b", "sensory", "gustatory", "ACH", "GNG")] * 2
    cells += [("CB0701", "motor", "", "ACH", "GNG")] * 2 + [("GABA_IN", "central", "", "GABA", "GNG")] * 2
    cells += [("LPLC2", "visual_projection", "", "ACH", "LO")] * 6 + [("LC4", "visual_projection", "", "ACH", "LO")] * 6
    cells += [("DNp01", "descending", "", "ACH", "GNG")] * 2
    ids = [720575940600000000 + i for i in range(len(cells))]
    rows = {t: [i for i, c in enumerate(cells) if c[0] == t] for t in {c[0] for c in cells}}
    folder.mkdir()
    (folder / "neurons.csv").write_text("root_id,group,nt_type,nt_type_score\n" + "".join(
        f"{ids[i]},{c[4]},{c[3]},0.9\n" for i, c in enumerate(cells)))
    (folder / "classification.csv").write_text(
        "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve\n" + "".join(
            f"{ids[i]},intrinsic,{c[1]},{c[2]},,{c[0]},,,{'left' if i % 2 else 'right'},\n" for i, c in enumerate(cells)))
    edges = []
    for pre_type, post_type, count, nt in (("LB3", "CB0701", 30, "ACH"), ("LB1a", "GABA_IN", 30, "ACH"),
                                           ("LB1b", "GABA_IN", 30, "ACH"), ("GABA_IN", "CB0701", 60, "GABA"),
                                           ("LPLC2", "DNp01", 20, "ACH"), ("LC4", "DNp01", 20, "ACH")):
        edges += [(ids[a], ids[b], count, nt) for a in rows[pre_type] for b in rows[post_type]]
    (folder / "connections.csv").write_text("pre_root_id,post_root_id,neuropil,syn_count,nt_type\n" + "".join(
        f"{a},{b},GNG,{n},{nt}\n" for a, b, n, nt in edges))
    return folder


def group_rate_hz(window, label: str, since_ms: float) -> float:
    rates = window.traces.rates
    t_ms, values = rates.series(rates.labels.index(label))
    recent = values[t_ms >= since_ms]
    return float(recent.mean()) if recent.size else 0.0


def test_the_fly_lessons_fit_a_flywire_folder_and_run(qtbot, tmp_path, lesson_folder):
    window = open_window(qtbot, tmp_path, codex_folder(tmp_path / "flywire_v783"))
    listed = actions(window)
    assert all(listed[stem].isEnabled() for stem in FLY)
    assert not any(listed[stem].isEnabled() for stem in WORM)
    assert listed[WORM[0]].toolTip().startswith("needs ALML,ALMR,AVM")
    assert window.banner.isHidden()
    listed[FLY[0]].trigger()
    panel, session = window.lesson_panel, window.session
    fly = session.connectome
    assert {g.label for g in session.groups.values()} == {"sugar/water GRNs (LB3)", "bitter GRNs (LB1a/LB1b)", "MN9 (CB0701)"}
    assert sorted(session.probes) == sorted(fly.select(cell_type="CB0701").tolist())
    panel.perform_step()  # taste sugar, play
    qtbot.waitUntil(lambda: window.controls.running and window.traces.now_ms > 400, timeout=60_000)
    assert group_rate_hz(window, "MN9 (CB0701)", 100) > 20
    panel.show_step(1)
    panel.perform_step()  # add bitter
    bitter_from = window.traces.now_ms + 100
    qtbot.waitUntil(lambda: window.traces.now_ms > bitter_from + 300, timeout=60_000)
    assert group_rate_hz(window, "MN9 (CB0701)", bitter_from) < group_rate_hz(window, "MN9 (CB0701)", 100)
    panel.show_step(2)
    panel.perform_step()  # bitter off again
    assert [s.cells.label for s in session.experiment.stimuli.values()] == ["sugar GRNs"]
    listed[FLY[1]].trigger()
    for index in range(4):
        panel.show_step(index)
        panel.perform_step()
    state = session.lesion_state()
    assert set(state[fly.select(cell_type="LC4")]) == {1} and set(state[fly.select(cell_type="DNp01")]) == {2}
    assert {s.cells.label for s in session.experiment.stimuli.values()} == {"sugar GRNs", "LPLC2", "LC4"}
    window.close()


# -- pictures for people ------------------------------------------------------------------------------
@pytest.mark.gl
def test_screenshots_of_the_lesson_menu_and_a_running_lesson(qtbot, tmp_path, lesson_folder, shots):
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QCursor, QGuiApplication, QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    if QGuiApplication.platformName() == "offscreen":
        pytest.skip("screenshots need a window system (run under Xvfb)")
    window = open_window(qtbot, tmp_path)
    window.resize(1400, 900)
    qtbot.wait(200)
    assert window.banner.isVisible()  # a first run offers the touch lesson
    assert window.grab().save(str(shots / "lessons-banner.png"))
    window._dismiss_banner()
    bar = window.menuBar()
    corner = bar.mapToGlobal(bar.actionGeometry(window.lesson_menu.menuAction()).bottomLeft())
    window.lesson_menu.popup(corner)
    qtbot.waitExposed(window.lesson_menu)
    sugar = actions(window)[FLY[0]]
    item = window.lesson_menu.actionGeometry(sugar)
    at = item.center() + QPoint(60, 0)
    QCursor.setPos(window.lesson_menu.mapToGlobal(at))  # the tooltip stays while the mouse is on its item
    qtbot.wait(100)
    QApplication.sendEvent(window.lesson_menu, QHelpEvent(QEvent.Type.ToolTip, at, window.lesson_menu.mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    assert QToolTip.text() == sugar.toolTip()
    qtbot.wait(300)
    assert QToolTip.isVisible()
    screen = QGuiApplication.primaryScreen().grabWindow(0)
    assert screen.save(str(shots / "lessons-menu.png"))
    window.lesson_menu.hide()
    QToolTip.hideText()
    actions(window)[WORM[0]].trigger()
    window.lesson_panel.perform_step()
    qtbot.waitUntil(lambda: window.traces.now_ms > 1500, timeout=60_000)
    window.lesson_panel.show_step(1)
    window.lesson_panel.perform_step()
    lesioned_ms = window.traces.now_ms
    qtbot.waitUntil(lambda: window.traces.now_ms > lesioned_ms + 600, timeout=60_000)
    qtbot.wait(300)
    assert window.grab().save(str(shots / "lessons-running.png"))
    window.close()


@pytest.mark.gl
def test_screenshot_of_a_fly_lesson_on_a_codex_folder(qtbot, tmp_path, lesson_folder, shots):
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() == "offscreen":
        pytest.skip("screenshots need a window system (run under Xvfb)")
    window = open_window(qtbot, tmp_path, codex_folder(tmp_path / "flywire_v783"))
    window.resize(1400, 900)
    actions(window)[FLY[0]].trigger()
    window.lesson_panel.perform_step()
    qtbot.waitUntil(lambda: window.traces.now_ms > 800, timeout=60_000)
    window.lesson_panel.show_step(1)
    window.lesson_panel.perform_step()
    bitter_ms = window.traces.now_ms
    qtbot.waitUntil(lambda: window.traces.now_ms > bitter_ms + 500, timeout=60_000)
    qtbot.wait(300)
    assert window.grab().save(str(shots / "lessons-fly-running.png"))
    window.close()
