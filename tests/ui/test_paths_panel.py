"""The Paths panel (issue 14 item 5): shortest paths and n-hop neighbourhoods, listed, marked
and drawn in the 3D view, and stepped through."""

import threading

import numpy as np
import pytest

from brainview.connectome.paths import downstream_by_hop, hop_distances, path_links, paths_between
from brainview.connectome.queries import rows_of
from brainview.ui.paths_panel import CELL, NEIGHBOURHOOD, PATH_LIMIT, ROW_ROLE, SUBSYSTEM, SYNAPSES, PathsPanel

TOUCH, BACKWARD = "ALML,ALMR,AVM,PLML,PLMR", "type:VA,AVA"


@pytest.fixture
def panel(qtbot, worm_session):
    made = PathsPanel()
    qtbot.addWidget(made)
    made.set_session(worm_session)
    shown = []
    made.cellsShown.connect(lambda *args: shown.append(args))
    made.shown = shown
    return made


def search(qtbot, panel, source, target=None, mode=None, hops=None, min_synapses=None):
    if mode is not None:
        panel.mode.setCurrentIndex(panel.mode.findData(mode))
    panel.source.setText(source)
    if target is not None:
        panel.target.setText(target)
    if hops is not None:
        panel.hops.setValue(hops)
    if min_synapses is not None:
        panel.min_synapses.setValue(min_synapses)
    with qtbot.waitSignal(panel.answered, timeout=10_000):
        panel.find()


def test_the_worm_example_is_filled_in(panel):
    assert (panel.source.text(), panel.target.text()) == ("ALML,ALMR,AVM,PLML,PLMR", "type:VA,DA")


def test_lists_the_shortest_paths_with_synapses_and_subsystems(qtbot, panel, worm_session):
    worm = worm_session.connectome
    search(qtbot, panel, TOUCH, BACKWARD, min_synapses=5)
    expected = paths_between(worm, rows_of(worm, TOUCH), rows_of(worm, BACKWARD), 6, 5, PATH_LIMIT)
    assert expected.hops == 1 and panel.tree.topLevelItemCount() == len(expected.paths) == 3
    assert "takes 1 hop; 3 path(s)" in panel.status.text()
    for index, path in enumerate(expected.paths):
        item = panel.tree.topLevelItem(index)
        assert [item.child(i).data(CELL, ROW_ROLE) for i in range(item.childCount())] == [c.row for c in path.cells]
        assert [item.child(i).text(SUBSYSTEM) for i in range(item.childCount())] == [c.subsystem for c in path.cells]
        assert item.child(1).text(SYNAPSES) == f"{path.counts[0]:.0f} from {path.cells[0].name}"
    first = panel.tree.topLevelItem(0)
    assert first.text(CELL) == "1. PLML → VA9   (weakest link 6, 6 synapses)" and first.isFirstColumnSpanned()
    assert first.toolTip(CELL) == "PLML → VA9\nsensory → motor"
    rows, links, current, focus = panel.shown[-1]  # the best path is shown at once
    assert rows.tolist() == [c.row for c in expected.paths[0].cells] and current == -1
    assert links.pre.tolist() == rows[:-1].tolist() and links.count.tolist() == [6.0]


def test_a_longer_path_is_stepped_cell_by_cell(qtbot, panel, worm_session):
    worm = worm_session.connectome
    search(qtbot, panel, "ALML,ALMR", "type:VA,DA")
    best = paths_between(worm, rows_of(worm, "ALML,ALMR"), rows_of(worm, "type:VA,DA"), limit=PATH_LIMIT).paths[0]
    rows = [c.row for c in best.cells]
    assert len(rows) == 3 and "takes 2 hops; 29 path(s)" in panel.status.text()
    seen = []
    for _ in range(4):
        panel.next_button.click()
        seen.append(panel.shown[-1][2])
    assert seen == rows + [panel.tree.topLevelItem(1).child(0).data(CELL, ROW_ROLE)]  # on into the second path
    panel.previous_button.click()
    marked, links, current, focus = panel.shown[-1]
    assert current == rows[-1] and marked.tolist() == rows and focus.tolist() == rows[1:]  # the cell and the one before
    expected = path_links(worm, best)
    assert links.pre.tolist() == expected.pre.tolist() and links.count.tolist() == list(best.counts)


def test_neighbourhood_mode_lists_each_hop_per_subsystem(qtbot, panel, worm_session):
    worm = worm_session.connectome
    search(qtbot, panel, TOUCH, mode=NEIGHBOURHOOD, hops=2)
    assert not panel.target.isEnabled()
    counts = downstream_by_hop(worm, rows_of(worm, TOUCH), 2)
    hops = [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]
    assert [h.text(CELL).split(":")[0] for h in hops] == ["seeds", "hop 1", "hop 2"]
    assert hops[0].text(CELL) == "seeds: 5 cells (sensory 5)"
    for hop, item in enumerate(hops[1:], start=1):
        assert item.text(CELL).startswith(f"hop {hop}: {sum(counts.per_hop[hop - 1].values())} cells (")
        for label, n in counts.per_hop[hop - 1].items():
            assert f"{label} {n}" in item.text(CELL)
    rows, links, current, focus = panel.shown[-1]
    distance = hop_distances(worm, rows_of(worm, TOUCH), 2)
    assert rows.tolist() == np.flatnonzero(distance >= 0).tolist() and current == -1
    assert np.all(distance[links.post] == distance[links.pre] + 1)
    panel.tree.setCurrentItem(hops[1].child(0))
    first = hops[1].child(0).data(CELL, ROW_ROLE)
    assert panel.shown[-1][2] == first and distance[first] == 1 and panel.shown[-1][3].tolist() == [first]
    panel.direction.setCurrentIndex(panel.direction.findData("in"))
    search(qtbot, panel, "AVAL", mode=NEIGHBOURHOOD, hops=1)
    assert "upstream" in panel.status.text()
    upstream = hop_distances(worm, rows_of(worm, "AVAL"), 1, direction="in")
    assert panel.shown[-1][0].tolist() == np.flatnonzero(upstream >= 0).tolist()


@pytest.mark.parametrize(("source", "target", "message"), [
    ("", "type:VA", "From: give the cells"),
    ("NOSUCHCELL", "type:VA", "From 'NOSUCHCELL'"),
    ("ALML", "type:", "To 'type:'"),
    ("ALML", "", "To: give the cells"),
])
def test_bad_selectors_are_a_message_in_the_panel(qtbot, panel, source, target, message):
    search(qtbot, panel, "ALML", "type:VA")
    assert panel.tree.topLevelItemCount() > 0
    search(qtbot, panel, source, target)
    assert message in panel.status.text() and panel.tree.topLevelItemCount() == 0
    assert not panel.next_button.isEnabled()


def test_no_path_within_the_hops_says_so(qtbot, panel):
    search(qtbot, panel, "VA9", "ALML", hops=1)
    assert "no path within 1 hop" in panel.status.text() and panel.tree.topLevelItemCount() == 0


def test_only_the_last_searchs_answer_is_shown(qtbot, panel, monkeypatch):
    import brainview.ui.paths_panel as module

    release = threading.Event()
    real = module.find_paths

    def slow_first(connectome, source, *args):
        if source == "ALML":
            release.wait(10)
        return real(connectome, source, *args)

    monkeypatch.setattr(module, "find_paths", slow_first)
    panel.source.setText("ALML")
    panel.find()  # held until the second is answered
    search(qtbot, panel, "PLML", "type:VA")
    release.set()
    qtbot.wait(200)
    assert panel.tree.topLevelItem(0).child(0).text(CELL) == "PLML"


def test_the_window_marks_the_path_draws_its_synapses_and_follows_the_steps(qtbot, gl_window):
    from brainview.render import FLAG_SELECTED

    window, view = gl_window, gl_window.view.view
    window.docks["paths"].show()
    search(qtbot, window.paths, "ALML,ALMR,AVM", "type:VA,DA", min_synapses=5)
    path = window.paths.answer.result.paths[0]
    rows = [c.row for c in path.cells]
    assert [c.name for c in path.cells] == ["AVM", "AVBL", "AVAR", "DA8"]
    np.testing.assert_array_equal(np.flatnonzero(view.flags() & FLAG_SELECTED), sorted(rows))
    drawn = view.chosen_synapses
    assert drawn.pre.tolist() == rows[:-1] and drawn.post.tolist() == rows[1:]
    assert drawn.count.tolist() == list(path.counts) and view._lines.partners.segments == 3
    centres = []
    for _ in rows:
        window.paths.step(+1)
        centres.append(np.asarray(view.cameras.camera.center, float))
        assert window.session.selected == window.paths.tree.currentItem().data(CELL, ROW_ROLE)
        np.testing.assert_array_equal(np.flatnonzero(view.flags() & FLAG_SELECTED), sorted(rows))
        assert view._lines.partners.segments == 3  # the path's links, not the selected cell's partners
    assert window.session.selected == rows[-1]
    assert all(np.linalg.norm(a - b) > 1e-3 for a, b in zip(centres, centres[1:]))  # the camera moves along
    window.session.select(window.session.connectome.index_of("ALML"))  # a click elsewhere
    assert window.view.marked.size == 0 and view.chosen_synapses is None
    assert np.flatnonzero(view.flags() & FLAG_SELECTED).tolist() == [window.session.connectome.index_of("ALML")]


def test_another_dataset_drops_the_answer_under_way(qtbot, panel, worm_session, monkeypatch):
    import brainview.ui.paths_panel as module

    release, started = threading.Event(), threading.Event()
    real = module.find_paths

    def held(*args):
        started.set()
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(module, "find_paths", held)
    panel.find()
    assert started.wait(5)
    panel.set_session(worm_session)  # as when the window opens another dataset
    release.set()
    qtbot.wait(300)
    assert panel.answer is None and panel.tree.topLevelItemCount() == 0
