"""The Subsystems panel: groups with counts and linked citations, edits applied live, rules kept per dataset."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome.subsystem_files import write_rules
from brainview.connectome.subsystems import apply_subsystems, rules_for
from brainview.ui.commands import SetGroups
from brainview.ui.session import Session
from brainview.ui.subsystems_panel import NO_FIT, SubsystemsPanel


def _labels(panel):
    return [panel.groups.topLevelItem(i).text(0) for i in range(panel.groups.topLevelItemCount())]


def _counts(panel):
    return {panel.groups.topLevelItem(i).text(0): panel.groups.topLevelItem(i).text(1)
            for i in range(panel.groups.topLevelItemCount())}


@pytest.fixture
def panel(qtbot, worm_session, app_settings):
    chosen = {"rows": np.zeros(0, np.int64)}
    widget = SubsystemsPanel(app_settings, lambda: (chosen["rows"], "the test's cells"))
    qtbot.addWidget(widget)
    widget.chosen = chosen
    widget.set_session(worm_session)
    return widget


def test_groups_show_counts_rationale_and_linked_citations(panel, worm_session):
    rules = rules_for("celegans")
    assert _labels(panel) == list(rules.labels)
    counts = worm_session.connectome["subsystem"].counts()
    assert _counts(panel)["steering"] == f"{counts['steering']:,}"
    panel.groups.setCurrentItem(panel.groups.topLevelItem(rules.labels.index("steering")))
    text = panel.details.text()
    assert "monoaminergic" in text and "Rules: nt = DA, 5HT, OA, TA" in text
    assert "<a href='https://doi.org/10.1895/wormbook.1.132.1'>" in text  # "..., doi:10.1895/wormbook.1.132.1."
    assert "<a href='https://www.alignmentforum.org/" in text  # a web page: its URL
    assert "<li>Sulston J, Dew M, Brenner S (1975)" in text  # no DOI found for it: plain text
    assert panel.details.openExternalLinks()
    assert panel.status.text().startswith("Rules: C. elegans")


def test_a_group_from_the_selection_relabels_the_cells_live(panel, worm_session, sent):
    worm = worm_session.connectome
    rows = worm.select(cell_type=["AVA", "ALM"])
    steering = worm_session.tree.find("subsystem=steering")
    worm_session.watch(steering.target())
    worm_session.lesion(worm_session.tree.find("subsystem=steering/cell_class=interneuron").target(), "silence")
    lesioned = worm_session.lesion_state().copy()
    panel.chosen["rows"] = rows
    with_signal = []
    worm_session.subsystemsChanged.connect(lambda: with_signal.append(True))
    assert panel.group_from_selection()
    assert with_signal and panel.current_label() == "group1" and _labels(panel)[0] == "group1"
    assert set(worm_session.connectome.strings("subsystem")[rows]) == {"group1"}
    assert np.array_equal(np.sort(worm_session.tree.find("subsystem=group1").rows), rows)
    assert np.array_equal(worm_session.lesion_state(), lesioned)  # lesions keep their cells
    traced = worm_session.groups["subsystem=steering"]  # the traced group follows its new cells
    assert not np.isin(rows, traced.rows).any() and traced.rows.size == steering.count - 2
    assert "Made in brainview from the test&#x27;s cells (4 cells)" in panel.details.text()
    assert panel.rename("group1", "touch")
    assert worm_session.tree.find("subsystem=touch").count == 4 and "subsystem=group1" not in worm_session.tree.by_key
    assert panel.recolour("touch", "#00FF00")
    assert worm_session.subsystem_colours()["touch"] == (0.0, 1.0, 0.0, 1.0)
    worm_session.watch(worm_session.tree.find("subsystem=touch").target())
    panel.rename("touch", "reflex")  # the traced rate follows the rename
    assert "subsystem=reflex" in worm_session.groups and worm_session.groups["subsystem=reflex"].label == "reflex"
    assert [c for c in sent if isinstance(c, SetGroups)][-1].labels == ("steering", "reflex")


def test_reorder_delete_and_undo(panel, worm_session):
    assert panel.group_from_selector("type:AVA")
    assert worm_session.tree.find("subsystem=group1").count == 2
    panel.move(1)  # below non-neuronal: AVA is not a muscle, it keeps them
    assert _labels(panel)[:2] == ["non-neuronal", "group1"] and panel.current_label() == "group1"
    panel.move(1)  # below steering, which claims AVA first: the group is empty
    assert _counts(panel)["group1"] == "0" and not panel.buttons["lesion"].isEnabled()
    assert panel.delete() and "group1" not in _labels(panel)
    assert panel.buttons["undo"].isEnabled()
    panel.undo()
    assert "group1" in _labels(panel)
    for _ in range(3):
        panel.undo()
    assert panel.rules == rules_for("celegans") and not panel.buttons["undo"].isEnabled()
    assert worm_session.connectome.strings("subsystem").tolist() == \
        apply_subsystems(worm_session.connectome, rules_for("celegans")).strings("subsystem").tolist()


def test_bad_edits_say_why_and_change_nothing(panel, worm_session):
    before = panel.rules
    assert not panel.group_from_selector("type:NOSUCH")
    assert "matches no cell" in panel.status.text()
    assert not panel.rename("steering", "motor") and "already" in panel.status.text()
    assert not panel.recolour("steering", "red") and "#rrggbb" in panel.status.text()
    assert not panel.group_from_selection() and "Nothing is selected" in panel.status.text()
    assert panel.rules is before


def test_lesion_and_drive_go_out_as_browser_requests(panel, qtbot):
    panel.groups.setCurrentItem(panel.groups.topLevelItem(1))
    with qtbot.waitSignal(panel.lesionRequested) as lesion:
        panel.lesion("ablate")
    assert lesion.args == ["subsystem=steering", "ablate"]
    with qtbot.waitSignal(panel.driveRequested) as drive:
        panel.buttons["drive"].click()
    assert drive.args == ["subsystem=steering", True]


def test_saved_rules_apply_at_the_next_open_and_a_broken_file_falls_back(qtbot, app_settings, worm_session):
    first = SubsystemsPanel(app_settings, lambda: (np.array([3, 4]), "two cells"))
    qtbot.addWidget(first)
    first.set_session(worm_session)
    first.group_from_selection()
    path = first.save()
    assert path.is_file() and str(path).startswith(str(app_settings.data_folder()))
    again = Session(_fresh_worm(), lambda command: None)
    second = SubsystemsPanel(app_settings, lambda: (np.zeros(0, np.int64), ""))
    qtbot.addWidget(second)
    second.set_session(again)
    assert _labels(second)[0] == "group1" and again.tree.find("subsystem=group1").count == 2
    assert "Your rules for this dataset" in second.status.text()
    path.write_text(path.read_text().replace('\ncolour = "#', '\ncolour = "red', 1), encoding="utf-8")
    third = SubsystemsPanel(app_settings, lambda: (np.zeros(0, np.int64), ""))
    qtbot.addWidget(third)
    shipped = Session(_fresh_worm(), lambda command: None)
    third.set_session(shipped)
    assert f"{path}, line " in third.status.text() and "key 'colour'" in third.status.text()
    assert third.rules == rules_for("celegans") and "group1" not in _labels(third)
    third.forget()
    assert not path.exists() and not third.buttons["forget"].isEnabled()


def test_a_kept_file_that_no_longer_fits_falls_back(qtbot, app_settings, worm_session, panel):
    panel.group_from_selector("name:AVAL")
    path = panel.save()
    path.write_text(path.read_text().replace('"AVAL"', '"NOSUCH"'), encoding="utf-8")
    later = SubsystemsPanel(app_settings, lambda: (np.zeros(0, np.int64), ""))
    qtbot.addWidget(later)
    later.set_session(Session(_fresh_worm(), lambda command: None))
    assert "group 'group1', key 'rules': the group matches no cell" in later.status.text()
    assert later.rules == rules_for("celegans")


def test_loading_a_rule_file_checks_it_against_the_dataset(panel, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('default = "other"\ndefault_colour = "#777777"\nflavour = 1\n', encoding="utf-8")
    assert not panel.load_file(bad)
    assert f"{bad}, line 3, key 'flavour': unknown key" in panel.status.text()
    fly = write_rules(rules_for("flywire"), tmp_path / "fly.toml")
    assert not panel.load_file(fly) and "matches no cell" in panel.status.text()
    assert panel.rules == rules_for("celegans")
    own = write_rules(rules_for("celegans").without("motor"), tmp_path / "own.toml")
    assert panel.load_file(own) and "motor" not in _labels(panel)


def test_a_dataset_no_rules_fit_says_so(qtbot, app_settings):
    fly_rules_on_a_worm = apply_subsystems(_fresh_worm(), rules_for("flywire"))
    session = Session(fly_rules_on_a_worm, lambda command: None)
    widget = SubsystemsPanel(app_settings, lambda: (np.array([0, 1]), "two cells"))
    qtbot.addWidget(widget)
    widget.set_session(session)
    assert widget.status.text() == NO_FIT
    assert widget.group_from_selection() and session.tree.find("subsystem=group1").count == 2
    assert widget.status.text() != NO_FIT


def _fresh_worm():
    import brainview

    return brainview.load_default()


def test_the_browser_rebuilds_its_tree_under_a_current_row(qtbot, worm_session, panel):
    from brainview.ui.browser import CellTypeBrowser

    browser = CellTypeBrowser()
    qtbot.addWidget(browser)
    browser.set_session(worm_session)
    browser.show()
    ava = worm_session.tree.leaf_of(worm_session.connectome.index_of("AVAL")).key
    browser.reveal(ava)
    browser.search.setText("AVA")
    assert panel.group_from_selector("type:AVA")
    browser.grab()  # a paint after the rebuild: the proxy and the view hold no index of the old rows
    assert "subsystem=group1/cell_class=interneuron/cell_type=AVA" in browser.items and ava not in browser.items
    assert browser.proxy.rowCount() >= 1
