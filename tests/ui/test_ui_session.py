"""The session: undoable lesions and stimuli, selection, colours, watched groups, probes."""

import numpy as np
from PySide6.QtGui import QColor

from brainview.experiment import cells_from_selector
from brainview.ui.commands import (
    ApplyLesion,
    ApplyStimulus,
    RemoveLesion,
    SetGroups,
    SetProbes,
)


def test_lesion_undo_redo_sends_engine_commands(worm_session, sent, qtbot):
    worm = worm_session.connectome
    target = cells_from_selector(worm, "type:AVA")
    with qtbot.waitSignal(worm_session.lesionsChanged):
        worm_session.lesion(target, "silence")
    assert isinstance(sent[-1], ApplyLesion) and sent[-1].mode == "silence"
    ava = worm.index_of("AVAL")
    assert worm_session.lesion_state()[ava] == 1
    worm_session.lesion(target, "ablate")
    assert worm_session.lesion_state()[ava] == 2
    worm_session.undo()
    assert worm_session.lesion_state()[ava] == 1
    assert isinstance(sent[-2], RemoveLesion) and sent[-1].mode == "silence"
    worm_session.undo()
    assert worm_session.lesion_state()[ava] == 0 and isinstance(sent[-1], RemoveLesion)
    worm_session.redo()
    assert worm_session.lesion_state()[ava] == 1
    assert worm_session.experiment.history.undo_text == "silence AVA"


def test_repeating_the_same_lesion_adds_no_undo_step(worm_session):
    target = cells_from_selector(worm_session.connectome, "type:AVD")
    worm_session.lesion(target, "silence")
    worm_session.lesion(target, "silence")
    assert len(worm_session.experiment.history.done) == 1


def test_stimulus_on_off_and_undo(worm_session, sent):
    target = cells_from_selector(worm_session.connectome, "ALML,ALMR,AVM")
    worm_session.stimulate(target, 150.0)
    assert isinstance(sent[-1], ApplyStimulus) and sent[-1].rows.size == 3
    worm_session.stimulate(target, 150.0, on=False)
    assert not worm_session.experiment.stimuli[target.key].on
    worm_session.undo()
    assert worm_session.experiment.stimuli[target.key].on
    worm_session.undo()
    assert target.key not in worm_session.experiment.stimuli


def test_selection_colours_groups_and_probes(worm_session, sent, qtbot):
    worm = worm_session.connectome
    with qtbot.waitSignal(worm_session.selectionChanged) as signal:
        worm_session.select(5)
    assert signal.args == [5]
    key = worm_session.tree.leaf_of(worm.index_of("AVAL")).key
    worm_session.set_colour(key, QColor("#ff0000"))
    rows, rgba = worm_session.colour_overrides()
    assert set(worm.names[rows]) == {"AVAL", "AVAR"}
    assert np.allclose(rgba, [1, 0, 0, 1])
    worm_session.watch(worm_session.tree.find(key).target())
    assert isinstance(sent[-1], SetGroups) and sent[-1].labels == ("AVA",)
    for row in range(10):
        worm_session.probe(row)
    assert isinstance(sent[-1], SetProbes) and len(sent[-1].rows) == 8 and sent[-1].rows[-1] == 9
    worm_session.probe(9, False)
    assert 9 not in worm_session.probes
