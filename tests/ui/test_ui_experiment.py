"""Lesions and stimuli as an experiment: the worker commands each change produces."""

import numpy as np
import pytest

from brainview.connectome.selectors import SelectorError
from brainview.ui.commands import ApplyLesion, ApplyStimulus, RemoveLesion, RemoveStimulus
from brainview.ui.experiment import (
    Experiment, Lesion, Stimulus, Target, target_for_cell, target_from_selector,
)


def test_selector_targets_resolve_names_and_types(tiny):
    target = target_from_selector(tiny, "type:T1")
    assert target.rows.tolist() == [2, 3]
    assert target.label == "T1"
    names = target_from_selector(tiny, "N5,N0")
    assert names.rows.tolist() == [0, 5]
    assert names.key == "selector:name:N5,N0"
    with pytest.raises(SelectorError, match="T9"):
        target_from_selector(tiny, "type:T9")


def test_cell_target_is_labelled_by_name(tiny):
    target = target_for_cell(tiny, 4)
    assert (target.label, target.rows.tolist(), target.key) == ("N4", [4], "cell:1040")


def test_lesion_commands_and_undo_by_setting_the_old_entry():
    experiment = Experiment()
    target = Target("t", "AVA", np.array([4, 2]))
    commands = experiment.set_lesion("t", Lesion(target, "silence"))
    assert len(commands) == 1 and isinstance(commands[0], ApplyLesion)
    assert commands[0].rows.tolist() == [2, 4] and commands[0].mode == "silence"
    switch = experiment.set_lesion("t", Lesion(target, "ablate"))
    assert [type(c) for c in switch] == [RemoveLesion, ApplyLesion]
    assert switch[1].mode == "ablate"
    assert experiment.lesion_state(6).tolist() == [0, 0, 2, 0, 2, 0]
    assert experiment.set_lesion("t", Lesion(target, "ablate")) == []
    lifted = experiment.set_lesion("t", None)
    assert [type(c) for c in lifted] == [RemoveLesion]
    assert experiment.lesion_state(6).sum() == 0


def test_overlapping_lesions_ablation_wins():
    experiment = Experiment()
    experiment.set_lesion("a", Lesion(Target("a", "a", [1, 2]), "silence"))
    experiment.set_lesion("b", Lesion(Target("b", "b", [2, 3]), "ablate"))
    assert experiment.lesion_state(4).tolist() == [0, 1, 2, 2]


def test_stimulus_switched_off_stays_listed_but_is_removed_from_the_engine():
    experiment = Experiment()
    target = Target("s", "ALM", [0, 1])
    on = experiment.set_stimulus("s", Stimulus(target, 150.0))
    assert isinstance(on[0], ApplyStimulus) and on[0].rate_hz == 150.0
    off = experiment.set_stimulus("s", Stimulus(target, 150.0, on=False))
    assert [type(c) for c in off] == [RemoveStimulus]
    assert "s" in experiment.stimuli and not experiment.driven_mask(3).any()
    again = experiment.set_stimulus("s", Stimulus(target, 80.0))
    assert [type(c) for c in again] == [ApplyStimulus] and again[0].rate_hz == 80.0
    assert experiment.driven_mask(3).tolist() == [True, True, False]


def test_replay_restores_everything_in_a_fresh_engine():
    experiment = Experiment()
    experiment.set_lesion("l", Lesion(Target("l", "x", [1]), "ablate"))
    experiment.set_stimulus("s", Stimulus(Target("s", "y", [0]), 20.0))
    experiment.set_stimulus("off", Stimulus(Target("off", "z", [2]), 20.0, on=False))
    kinds = sorted(type(c).__name__ for c in experiment.replay())
    assert kinds == ["ApplyLesion", "ApplyStimulus"]


def test_entries_validate():
    with pytest.raises(ValueError, match="'zap'"):
        Lesion(Target("t", "t", [0]), "zap")
    with pytest.raises(ValueError, match="0"):
        Stimulus(Target("t", "t", [0]), 0)
