"""The panels on their own (no worker, no OpenGL): browser, inspector, stimuli, traces."""

import numpy as np
from PySide6.QtCore import Qt

from brainview.ui.browser import NAME, CellTypeBrowser
from brainview.ui.commands import ApplyLesion, ApplyStimulus, Change, Snapshot
from brainview.ui.inspector import Inspector, partners_by_type
from brainview.ui.stimulus_panel import StimulusPanel
from brainview.ui.traces import TracesPanel


def snapshot(t_ms, rows=(), times=(), generation=0, changes=(), groups=(), rates=None, probes=(), probe_t=(), probe_mV=None):
    return Snapshot(
        generation, t_ms, np.asarray(rows, np.int32), np.asarray(times, float),
        np.asarray([t_ms] if groups else [], float),
        np.zeros((len(groups), 1 if groups else 0)) if rates is None else np.asarray(rates, float),
        tuple(groups), np.asarray(probes, np.int64), np.asarray(probe_t, float),
        np.zeros((len(probes), len(probe_t))) if probe_mV is None else np.asarray(probe_mV, float),
        1.0, True, tuple(changes),
    )


def test_browser_lists_groups_with_counts_and_lesions_a_type(qtbot, worm_session, sent):
    browser = CellTypeBrowser()
    qtbot.addWidget(browser)
    browser.set_session(worm_session)
    top = [browser.model.item(r, NAME).text() for r in range(browser.model.rowCount())]
    assert top[0] == "non-neuronal" and "steering" in top
    counts = sum(int(browser.model.item(r, 1).text().replace(",", "")) for r in range(browser.model.rowCount()))
    assert counts == worm_session.connectome.n
    ava_key = worm_session.tree.leaf_of(worm_session.connectome.index_of("AVAL")).key
    browser.set_lesion(ava_key, "ablate")
    assert isinstance(sent[-1], ApplyLesion) and sent[-1].mode == "ablate"
    assert browser.lesion_items[ava_key].text() == "ablated"
    parent_lesion = browser.lesion_items[worm_session.tree.find(ava_key).parent.key].text()
    assert parent_lesion == "(partly)"
    worm_session.undo()
    assert browser.lesion_items[ava_key].text() == ""


def test_browser_search_keeps_matching_types_and_their_parents(qtbot, worm_session):
    browser = CellTypeBrowser()
    qtbot.addWidget(browser)
    browser.set_session(worm_session)
    browser.search.setText("AVAL")
    visible = []

    def collect(parent):
        for row in range(browser.proxy.rowCount(parent)):
            index = browser.proxy.index(row, 0, parent)
            visible.append(index.data())
            collect(index)

    collect(browser.view.rootIndex())
    assert visible[-1] == "AVA" and len(visible) == 3


def test_browser_visibility_checkboxes_hide_cells(qtbot, worm_session):
    browser = CellTypeBrowser()
    qtbot.addWidget(browser)
    browser.set_session(worm_session)
    muscles = browser.model.item(0, NAME)
    with qtbot.waitSignal(worm_session.appearanceChanged, timeout=2000):
        muscles.setCheckState(Qt.CheckState.Unchecked)
    kinds = worm_session.connectome["kind"].to_strings()
    assert worm_session.hidden.sum() == 147
    assert set(kinds[worm_session.hidden]) <= {"muscle", "glia", "end_organ"}
    with qtbot.waitSignal(worm_session.appearanceChanged, timeout=2000):
        muscles.child(0, NAME).setCheckState(Qt.CheckState.Checked)
    assert worm_session.hidden.sum() == 147 - int(muscles.child(0, 1).text())
    assert muscles.checkState() == Qt.CheckState.PartiallyChecked


def test_browser_colour_toggle_paints_a_group(qtbot, worm_session):
    browser = CellTypeBrowser()
    qtbot.addWidget(browser)
    browser.set_session(worm_session)
    key = browser.model.item(1, NAME).data(Qt.ItemDataRole.UserRole + 1)
    browser.toggle_colour(key)
    assert key in worm_session.colours
    assert browser.colour_items[key].background().color().isValid()
    rows, _ = worm_session.colour_overrides()
    assert rows.size == worm_session.tree.find(key).count
    browser.toggle_colour(key)
    assert key not in worm_session.colours


def test_partners_grouped_by_type_match_the_connectome(worm_session):
    worm = worm_session.connectome
    ava = worm.index_of("AVAL")
    groups = partners_by_type(worm, ava, "in")
    total = sum(g.synapses for g in groups)
    incoming = worm.chemical.transposed
    assert total == incoming.weight[incoming.row(ava)].sum()
    assert [g.synapses for g in groups] == sorted((g.synapses for g in groups), reverse=True)
    assert all(worm["cell_type"][r] == g.cell_type for g in groups for r in g.rows)


def test_inspector_shows_the_selected_cell_and_jumps_to_a_partner(qtbot, worm_session):
    inspector = Inspector()
    qtbot.addWidget(inspector)
    inspector.set_session(worm_session)
    worm = worm_session.connectome
    worm_session.select(worm.index_of("ALML"))
    assert "ALML" in inspector.title.text()
    values = {inspector.table.item(r, 0).text(): inspector.table.item(r, 1).text() for r in range(inspector.table.rowCount())}
    assert values["name"] == "ALML" and values["cell type"] == "ALM"
    assert inspector.outputs.topLevelItemCount() > 0
    first_type = inspector.outputs.topLevelItem(0)
    partner = first_type.child(0)
    partner_row = partner.data(0, Qt.ItemDataRole.UserRole + 2)
    with qtbot.waitSignal(worm_session.selectionChanged):
        inspector._on_partner_clicked(partner, 0)
    assert worm_session.selected == partner_row
    assert worm_session.cell_label(worm_session.selected) in inspector.title.text()
    inspector.lesion_button.click()
    assert "silenced" in inspector.title.text()


def test_stimulus_panel_drives_typed_cells_and_reports_bad_selectors(qtbot, worm_session, sent, app_settings):
    panel = StimulusPanel(app_settings)
    qtbot.addWidget(panel)
    panel.set_session(worm_session)
    panel.selector.setText("type:ALM")
    panel.rate.setValue(80)
    panel.drive_button.click()
    assert isinstance(sent[-1], ApplyStimulus) and sent[-1].rate_hz == 80 and sent[-1].rows.size == 2
    assert panel.list.count() == 1 and app_settings.stimulus_rate_hz() == 80
    panel.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not next(iter(worm_session.experiment.stimuli.values())).on
    panel.selector.setText("type:NOPE")
    panel.drive_button.click()
    assert "NOPE" in panel.error.text()
    panel.list.setCurrentRow(0)
    panel.remove_button.click()
    assert panel.list.count() == 0


def test_traces_draw_spikes_rates_voltages_and_markers(qtbot, worm_session):
    traces = TracesPanel(window_ms=500.0)
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    worm = worm_session.connectome
    alml = worm.index_of("ALML")
    assert traces.rate_hint.isVisible() and traces.voltage_hint.isVisible()  # empty plots say how to fill them
    worm_session.watch(worm_session.tree.leaf_of(alml).target())
    worm_session.probe(alml)
    assert not traces.rate_hint.isVisible() and not traces.voltage_hint.isVisible()
    change = Change(12.0, "lesion", "silence AVA", 77)
    with qtbot.waitSignal(traces.changesShown) as shown:
        traces.add_snapshot(snapshot(20.0, [alml, alml], [5.0, 15.0], changes=[change], groups=["ALM"],
                                     rates=[[50.0]], probes=[alml], probe_t=[19.9, 20.0], probe_mV=[[-52.0, -50.0]]))
    assert shown.args == [[77]]
    x, _ = traces.raster_curve.getData()
    assert sorted(set(x.tolist())) == [5.0, 15.0]
    assert traces.rate_curves[0].getData()[1].tolist() == [50.0]
    assert traces.voltage_curves[0].getData()[1].tolist() == [-52.0, -50.0]
    assert len(traces.markers) == 1 and traces.markers[0][0] == 12.0
    traces.add_snapshot(snapshot(1.0, generation=1))  # a reset starts afresh
    traces.redraw()
    assert traces.markers == [] and traces.raster.size == 0


def test_a_change_is_painted_at_once_and_plain_data_at_the_next_redraw(qtbot, worm_session):
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            self.count += event.type() == QEvent.Type.Paint
            return False

    traces = TracesPanel(window_ms=500.0)
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    with qtbot.waitExposed(traces):
        traces.show()
    counter = PaintCounter()
    traces.graphics.viewport().installEventFilter(counter)
    traces.add_snapshot(snapshot(10.0, [3], [5.0]))
    assert counter.count == 0  # spikes alone wait for the throttled redraw and the window's repaint
    traces.add_snapshot(snapshot(20.0, changes=[Change(15.0, "lesion", "silence AVA", 78)]))
    assert counter.count == 1  # painted before returning to the event loop


def test_raster_is_decimated_on_big_datasets(qtbot, connectome_factory):
    from brainview.ui.session import Session

    big = connectome_factory(120_000, edges=[(0, 1, 1.0, 1)])
    session = Session(big, lambda command: None)
    traces = TracesPanel(max_raster_rows=1500)
    qtbot.addWidget(traces)
    traces.set_session(session)
    assert traces.raster.shown_rows.size == 1500
    assert "every 80th" in traces.raster_hint.toPlainText()


def test_zero_rates_sit_on_an_axis_from_0_hz(qtbot, worm_session):
    from brainview.ui.traces import RATE_AXIS_MIN_HZ

    traces = TracesPanel(window_ms=500.0)
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    alml = worm_session.connectome.index_of("ALML")
    worm_session.watch(worm_session.tree.leaf_of(alml).target())
    for t in (10.0, 20.0, 30.0):
        traces.add_snapshot(snapshot(t, [], [], groups=["ALM"], rates=[[0.0]]))
    traces.redraw()
    low, high = traces.rate_plot.getViewBox().viewRange()[1]
    assert low >= 0 and high - low >= RATE_AXIS_MIN_HZ - 1e-9


def test_raster_type_labels_never_overlap_and_come_back_when_there_is_room(qtbot, worm_session):
    from PySide6.QtGui import QFontMetrics

    traces = TracesPanel(window_ms=500.0)
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    sensory = worm_session.connectome.columns["cell_class"] == "sensory"
    traces.set_focus(np.flatnonzero(sensory))  # a few dozen types, a few cells each
    types = len(traces._row_groups)
    assert 10 < types <= 40

    def labels_at(height):
        traces.resize(500, height)
        traces.show()
        qtbot.wait(50)
        ticks = traces.raster_plot.getAxis("left")._tickLevels[0]
        box = traces.raster_plot.getViewBox()
        rows_per_pixel = traces.raster.shown_rows.size / box.height()
        line = QFontMetrics(traces.raster_plot.getAxis("left").font()).height()
        starts = [t for t, _ in ticks]
        assert all(b - a >= line * rows_per_pixel - 1e-9 for a, b in zip(starts, starts[1:]))
        return len(ticks)

    few = labels_at(260)
    many = labels_at(1400)
    assert 0 < few < types  # a short plot keeps only labels that fit
    assert many > few  # a tall one has room for more


def test_the_raster_puts_driven_and_lesioned_cells_on_top_even_when_decimated(worm_session, qtbot):
    from brainview.experiment import cells_from_selector

    traces = TracesPanel(max_raster_rows=40)
    qtbot.addWidget(traces)
    traces.set_session(worm_session)
    worm = worm_session.connectome
    driven, silenced = cells_from_selector(worm, "ALML,ALMR,AVM"), cells_from_selector(worm, "type:AVA")
    worm_session.stimulate(driven, 150.0)
    worm_session.lesion(silenced, "silence")
    top = set(traces.raster.shown_rows[-5:].tolist())
    assert top == set(driven.rows.tolist()) | set(silenced.rows.tolist())
    assert traces.raster.shown_rows.size == 40
