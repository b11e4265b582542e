"""The comparison an experiment asks for: its stimuli without and with its lesions, its groups read out."""

from __future__ import annotations

import numpy as np
import pytest

import brainview
from brainview.comparison import run_comparison
from brainview.comparison.from_experiment import comparison_of
from brainview.errors import ParameterError
from brainview.experiment import CellSet, DatasetRef, Experiment, cells_from_selector
from brainview.sim.lesions import LesionMode
from tests.comparison.conftest import DRIVEN, RELAY, cells


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


def touch_experiment(worm) -> Experiment:
    """The touch lesson's set-up, with a second lesion and a stimulus switched off."""
    experiment = Experiment(worm, DatasetRef(None, "worm-digest", "worm"), params={"w_syn_mV": 1.4}, seed=7)
    experiment.set_stimulus(cells_from_selector(worm, "ALML,ALMR,AVM"), 150.0)
    experiment.set_stimulus(cells_from_selector(worm, "type:PLM"), 80.0, on=False)
    experiment.set_group(cells_from_selector(worm, "type:AVA,AVD"))
    experiment.set_group(cells_from_selector(worm, "type:VA,DA"))
    experiment.set_lesion(cells_from_selector(worm, "type:AVA,AVD"), "silence")
    experiment.set_lesion(cells_from_selector(worm, "type:ASH"), "ablate")
    return experiment


def test_the_stimuli_that_are_on_run_without_and_with_every_lesion(worm):
    experiment = touch_experiment(worm)
    comparison = comparison_of(experiment, trials=6, duration_ms=200.0)
    assert [(d.cells.label, d.rate_Hz, d.start_ms, d.stop_ms) for d in comparison.stimuli] == [
        ("ALML,ALMR,AVM", 150.0, 0.0, None)]  # PLM is switched off
    (condition,) = comparison.conditions
    assert condition.name == "silence AVA,AVD + ablate ASH"
    assert [(lesion.cells.label, lesion.mode, lesion.time_ms) for lesion in condition.lesions] == [
        ("AVA,AVD", LesionMode.SILENCE, 0.0), ("ASH", LesionMode.ABLATE, 0.0)]
    assert [r.label for r in comparison.readouts] == ["AVA,AVD", "VA,DA"]
    assert np.array_equal(comparison.readouts[0].rows, cells_from_selector(worm, "type:AVA,AVD").rows)
    assert (comparison.trials, comparison.duration_ms, comparison.dt_ms, comparison.seed) == (6, 200.0, 0.1, 7)
    assert comparison.params == {"w_syn_mV": 1.4}
    assert comparison.dataset == experiment.dataset and comparison.connectome is worm


def test_the_comparison_is_a_snapshot_of_the_experiment(worm):
    experiment = touch_experiment(worm)
    comparison = comparison_of(experiment, trials=2, duration_ms=100.0)
    experiment.set_lesion(cells_from_selector(worm, "type:ASH"), None)
    experiment.set_group(cells_from_selector(worm, "type:VA,DA"), traced=False)
    experiment.set_params({"w_syn_mV": 2.0})
    assert len(comparison.conditions[0].lesions) == 2
    assert len(comparison.readouts) == 2
    assert comparison.params == {"w_syn_mV": 1.4}


@pytest.mark.parametrize("take_back, message", [
    (lambda e: [e.set_lesion(x.cells, None) for x in list(e.lesions.values())],
     "lesion some cells first: the comparison runs the current stimuli without and with the current lesions"),
    (lambda e: [e.set_group(g, traced=False) for g in list(e.groups.values())], "trace at least one group"),
    (lambda e: [e.set_stimulus(x.cells, x.rate_Hz, on=False) for x in list(e.stimuli.values())],
     "drive some cells first"),
], ids=["no lesion", "no traced group", "no stimulus on"])
def test_what_is_missing_is_named(worm, take_back, message):
    experiment = touch_experiment(worm)
    take_back(experiment)
    with pytest.raises(ParameterError, match=message):
        comparison_of(experiment, trials=4, duration_ms=200.0)


def test_bad_trials_and_durations_are_refused(worm):
    experiment = touch_experiment(worm)
    with pytest.raises(ParameterError, match="at least 2"):
        comparison_of(experiment, trials=1, duration_ms=200.0)
    with pytest.raises(ParameterError, match="duration must be positive"):
        comparison_of(experiment, trials=4, duration_ms=0.0)


def test_another_model_is_refused(worm):
    experiment = Experiment(worm, DatasetRef(None, ""), model="izhikevich")
    with pytest.raises(ParameterError, match="'shiu' model only"):
        comparison_of(experiment)


def test_groups_with_the_same_label_stay_apart(relay):
    experiment = Experiment(relay, DatasetRef(None, "test"))
    experiment.set_stimulus(cells(relay, "A", DRIVEN), 40.0)
    experiment.set_lesion(cells(relay, "A", DRIVEN), "silence")
    experiment.set_group(CellSet("one", "B", list(RELAY)))
    experiment.set_group(CellSet("two", "B", [4, 5]))
    readouts = comparison_of(experiment, trials=2, duration_ms=50.0).readouts
    assert [(r.key, r.label) for r in readouts] == [("one", "B"), ("two", "B (2)")]
    assert readouts[1].rows.tolist() == [4, 5]


def test_the_lesion_silences_the_relay_in_the_summary(relay):
    experiment = Experiment(relay, DatasetRef(None, "test"))
    experiment.set_stimulus(cells(relay, "A", DRIVEN), 40.0)
    experiment.set_group(cells(relay, "B", RELAY))
    experiment.set_lesion(cells(relay, "A", DRIVEN), "silence")
    summary = run_comparison(comparison_of(experiment, trials=6, duration_ms=200.0), scheduler="serial").summary
    (row,) = summary.itertuples()
    assert (row.readout, row.condition) == ("B", "silence A")
    assert row.control_mean_Hz > 0 and row.mean_Hz == 0 and row.diff_Hz < 0
    assert row.ci_high_Hz < 0 and row.q < 0.05
