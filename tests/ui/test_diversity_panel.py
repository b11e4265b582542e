"""The Diversity panel (issue 14 item 4): one dot per region with region_diversity's numbers,
hover names the region, a click marks exactly its neurons in the 3D view."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from brainview.connectome.diversity import region_diversity, region_rows
from brainview.ui.diversity_panel import LABEL_MARGIN, DiversityPanel, subsystem_colours


@pytest.fixture
def panel(qtbot, worm_session):
    made = DiversityPanel()
    qtbot.addWidget(made)
    made.resize(900, 600)
    made.show()
    made.set_session(worm_session)
    qtbot.waitExposed(made)
    return made


def send_mouse(panel, scene_pos, kind, button=Qt.MouseButton.NoButton):
    """A mouse event at ``scene_pos`` of the panel's plot, as the window system sends it."""
    view = panel.graphics
    local = QPointF(view.mapFromScene(scene_pos))
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, local, QPointF(view.viewport().mapToGlobal(local)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def test_one_dot_per_region_at_region_diversitys_numbers(panel, worm_session):
    table = region_diversity(worm_session.connectome)
    drawn = {}
    for label, dots in panel.dots.items():
        x, y = dots.getOriginalDataset()
        for neurons, per_1000 in zip(x, y):
            drawn[(float(neurons), float(per_1000))] = label
    assert len(drawn) == len(table) == sum(len(d.getOriginalDataset()[0]) for d in panel.dots.values()) == 5
    for row in table.itertuples(index=False):
        assert drawn[(float(row.neurons), row.types_per_1000)] == row.dominant_subsystem
    assert panel.plot.getAxis("bottom").logMode and panel.plot.getAxis("left").logMode
    colours = subsystem_colours(worm_session.connectome)
    for label, dots in panel.dots.items():  # the 3D view's subsystem colours
        assert dots.opts["symbolBrush"] == colours[label]
    assert "5 regions" in panel.caption.text()
    # Ticks as plain numbers, 1-2-5 over the worm's few decades.
    ticks = [label for _, label in panel.plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == ["10", "20", "50", "100", "200"]
    assert [label for _, label in panel.plot.getAxis("left")._tickLevels[0]][-2:] == ["1,000", "2,000"]


def test_region_names_overlap_no_dot_name_or_the_legend(qtbot, panel):
    qtbot.waitUntil(lambda: all(t.isVisible() for t in panel.labels), timeout=2000)
    assert sorted(t.toPlainText() for t in panel.labels) == sorted(panel.drawn["region"])
    rects = [t.sceneBoundingRect().adjusted(*LABEL_MARGIN) for t in panel.labels]
    for i, rect in enumerate(rects):
        assert not any(rect.intersects(other) for other in rects[i + 1:])
        assert not rect.intersects(panel.legend.sceneBoundingRect())
        assert panel.plot.getViewBox().sceneBoundingRect().contains(rect)
        for region in panel.drawn["region"]:
            assert not rect.contains(panel.point_of(region))


def test_hovering_a_dot_names_its_region_and_figures(qtbot, panel):
    send_mouse(panel, panel.point_of("head"), QEvent.Type.MouseMove)
    qtbot.waitUntil(lambda: panel.hovered == "head", timeout=2000)
    text = panel.hover_text.textItem.toPlainText()
    assert "head" in text and "159 neurons, 67 cell types" in text and "421.4 types per 1,000" in text
    assert "mostly other" in text and panel.hover_text.isVisible()
    assert "head" in panel.info.text()
    # Away from every dot: the text goes.
    corner = panel.plot.getViewBox().sceneBoundingRect().topLeft() + QPointF(3, 3)
    send_mouse(panel, corner, QEvent.Type.MouseMove)
    qtbot.waitUntil(lambda: panel.hovered == "", timeout=2000)
    assert not panel.hover_text.isVisible()


def test_clicking_a_dot_emits_exactly_its_regions_neurons(qtbot, panel, worm_session):
    where = panel.point_of("ventral cord")
    with qtbot.waitSignal(panel.regionActivated) as signal:
        send_mouse(panel, where, QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton)
        send_mouse(panel, where, QEvent.Type.MouseButtonRelease, Qt.MouseButton.LeftButton)
    region, rows = signal.args
    assert region == "ventral cord"
    np.testing.assert_array_equal(rows, region_rows(worm_session.connectome, "ventral cord"))
    assert rows.size == 75 and set(worm_session.connectome["kind"].to_strings()[rows]) == {"neuron"}


def test_min_neurons_and_refresh_follow_the_session(panel, worm_session):
    panel.min_neurons.setValue(30)
    assert sorted(panel.drawn["region"]) == ["head", "tail", "ventral cord"]
    assert sum(len(d.getOriginalDataset()[0]) for d in panel.dots.values()) == 3
    assert panel.region_at(panel.point_of("head")) == "head"
    y = math.log10(panel.drawn.set_index("region").loc["head", "types_per_1000"])
    assert panel.plot.getViewBox().viewRange()[1][0] < y < panel.plot.getViewBox().viewRange()[1][1]


def test_the_figure_follows_rules_applied_live(panel, worm_session):
    """A group made in the Subsystems panel recolours the dots of the regions it now dominates."""
    from brainview.connectome.subsystem_making import new_group, rule_for_rows

    worm = worm_session.connectome
    everyone = new_group("all", "#123456", rule_for_rows(worm, np.arange(worm.n)), "every cell")
    worm_session.apply_rules(worm_session.rules.with_group(everyone, 0))
    assert set(panel.dots) == {"all"} and panel.dots["all"].opts["symbolBrush"] == "#123456"


def test_the_window_marks_a_clicked_regions_neurons(qtbot, window):
    session = window.session
    session.select(session.connectome.index_of("ALML"))
    window.docks["diversity"].show()
    window.diversity.activate("pharynx")
    rows = region_rows(session.connectome, "pharynx")
    np.testing.assert_array_equal(window.view.marked, rows)
    assert session.selected == -1
    if window.view.view is not None:
        from brainview.render import FLAG_SELECTED

        np.testing.assert_array_equal(np.flatnonzero(window.view.view.flags() & FLAG_SELECTED), rows)
        assert len(window.view.view.chosen_synapses) == 0  # the region's cells, no lines
    # Selecting a cell elsewhere (a click in the view, the browser) ends the marks.
    session.select(session.connectome.index_of("AVAL"))
    assert window.view.marked.size == 0
