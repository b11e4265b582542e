"""The experiment model: changes, undo and redo, observers, cell sets found again from keys."""

from __future__ import annotations

import pytest

from brainview.errors import ParameterError
from brainview.experiment import (
    CellSet, DatasetRef, Experiment, LesionEntry, StimulusEntry, cell, cells_from_key, cells_from_selector,
)
from brainview.sim.lesions import LesionMode


@pytest.fixture
def experiment(tiny):
    return Experiment(tiny, DatasetRef(None, "digest"))


def test_changes_undo_and_redo_act_on_the_model_and_are_observed(experiment):
    heard = []
    experiment.subscribe(lambda aspect, key: heard.append((aspect, key)))
    t0 = CellSet("cell_type=T0", "T0", [0, 1])
    experiment.set_lesion(t0, "silence")
    experiment.set_lesion(t0, "ablate")
    experiment.set_stimulus(t0, 200.0)
    assert experiment.lesions["cell_type=T0"] == LesionEntry(t0, LesionMode.ABLATE)
    assert experiment.history.undo_text == "drive T0 at 200 Hz"
    experiment.undo()
    assert experiment.stimuli == {}
    experiment.undo()
    assert experiment.lesions["cell_type=T0"].mode is LesionMode.SILENCE
    assert experiment.history.redo_text == "ablate T0"
    experiment.redo()
    assert experiment.lesions["cell_type=T0"].mode is LesionMode.ABLATE
    experiment.set_lesion(t0, None)  # a new change: nothing left to redo
    assert experiment.history.redo_text == "" and experiment.lesions == {}
    assert ("lesions", "cell_type=T0") in heard and ("stimuli", "cell_type=T0") in heard
    assert heard.count(("history", None)) == 7  # 4 changes, 2 undos, 1 redo


def test_setting_what_is_already_there_is_no_change(experiment):
    t0 = CellSet("cell_type=T0", "T0", [0, 1])
    experiment.set_stimulus(t0, 150.0)
    experiment.set_stimulus(t0, 150.0)
    assert len(experiment.history.done) == 1


def test_lesion_state_and_driven_mask(experiment):
    experiment.set_lesion(CellSet("a", "a", [0, 1]), "silence")
    experiment.set_lesion(CellSet("b", "b", [1, 2]), "ablate")
    experiment.set_stimulus(CellSet("c", "c", [4]), 100.0)
    experiment.set_stimulus(CellSet("d", "d", [5]), 100.0, on=False)
    assert experiment.lesion_state().tolist() == [1, 2, 2, 0, 0, 0]
    assert experiment.driven_mask().tolist() == [False] * 4 + [True, False]


def test_entries_refuse_bad_values():
    cells = CellSet("a", "a", [0])
    with pytest.raises(ParameterError, match="lesion mode"):
        LesionEntry(cells, "burn")
    with pytest.raises(ParameterError, match="above 0"):
        StimulusEntry(cells, 0.0)
    assert CellSet("a", "a", [2, 1, 2]).rows.tolist() == [1, 2]


def test_the_stream_of_a_stimulus_comes_from_its_key():
    a = StimulusEntry(CellSet("cell_type=T0", "T0", [0]), 100.0)
    b = StimulusEntry(CellSet("cell_type=T0", "T0", [0]), 300.0)
    c = StimulusEntry(CellSet("cell_type=T1", "T1", [2]), 100.0)
    assert a.stream == b.stream != c.stream and 0 <= a.stream < 2**63


def test_cell_sets_are_found_again_from_their_keys(tiny):
    t0 = cells_from_key(tiny, "cell_type=T0", "T0")
    assert t0.rows.tolist() == [0, 1]
    nested = cells_from_key(tiny, "nt=ACh/cell_type=T2", "T2 (ACh)")
    assert nested.rows.tolist() == [4]
    assert cells_from_key(tiny, "subsystem=(unlabelled)", "none").rows.size == tiny.n
    selected = cells_from_selector(tiny, "N1,N3")
    assert cells_from_key(tiny, selected.key, selected.label) == selected
    one = cell(tiny, 3)
    assert cells_from_key(tiny, one.key, one.label) == one and one.label == "N3"
    for key, message in [("lesson:x", "give the cell ids"), ("cell_type=nope", "selects no cell"),
                         ("radius=1", "not a label column"), ("cell:5", "no cell with id 5")]:
        with pytest.raises(ParameterError, match=message):
            cells_from_key(tiny, key, "x")


def test_probes_and_view(experiment):
    experiment.set_probes([3, 1])
    assert experiment.probes == [3, 1]
    with pytest.raises(ParameterError, match="probe rows"):
        experiment.set_probes([6])
    heard = []
    experiment.subscribe(lambda aspect, key: heard.append(aspect))
    experiment.set_view(color_by="nt", hidden=[2, 2, 0])
    experiment.set_view(color_by="nt")
    assert experiment.view.hidden.tolist() == [0, 2] and heard == ["view"]
    assert "0 lesions" in repr(experiment)
