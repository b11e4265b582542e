"""Comparison files: written and read back, hand-written ones read, bad ones named by file and line."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.comparison import read_comparison, silence_each, write_comparison
from brainview.comparison.design import Comparison, Drive
from brainview.connectome.digest import connectome_digest
from brainview.connectome.io.errors import FormatError
from brainview.experiment.cells import cells_from_selector
from brainview.experiment.files import DatasetChangedError
from brainview.experiment.model import DatasetRef

TOUCH = """\
schema = "brainview-experiment"
schema_version = 1

[dataset]
source = "embedded"

[model]
seed = 3
params = { w_syn_mV = 1.4 }

[design]
trials = 4
duration_ms = 200.0

[[stimuli]]
selector = "ALML,ALMR,AVM"
rate_Hz = 150.0

[[readouts]]
selector = "type:AVA,AVD"
label = "backward command"

[[readouts]]
selector = "type:VA,DA"

[[conditions]]
name = "AVA/AVD silenced"
lesions = [{ selector = "type:AVA,AVD", mode = "silence", time_ms = 50.0 }]
"""


@pytest.fixture
def touch_file(tmp_path):
    path = tmp_path / "touch.toml"
    path.write_text(TOUCH)
    return path


def test_a_hand_written_file_reads_as_its_comparison(touch_file):
    comparison = read_comparison(touch_file)
    assert comparison.trials == 4 and comparison.duration_ms == 200.0 and comparison.seed == 3
    assert comparison.params == {"w_syn_mV": 1.4}
    assert [r.label for r in comparison.readouts] == ["backward command", "VA,DA"]
    assert comparison.stimuli[0].rate_Hz == 150.0 and comparison.stimuli[0].cells.rows.size == 3
    (condition,) = comparison.conditions
    assert condition.name == "AVA/AVD silenced" and condition.lesions[0].time_ms == 50.0
    assert comparison.dataset.path is None and comparison.dataset.digest == connectome_digest(comparison.connectome)


def test_written_and_read_back_is_the_same_comparison(touch_file, tmp_path):
    comparison = read_comparison(touch_file)
    again = read_comparison(write_comparison(tmp_path / "again.toml", comparison))
    assert again.fingerprint == comparison.fingerprint
    assert [c.fingerprint for c in again.conditions] == [c.fingerprint for c in comparison.conditions]


def test_screen_conditions_round_trip_by_their_cell_ids(touch_file, tmp_path):
    base = read_comparison(touch_file)
    within = cells_from_selector(base.connectome, "class:interneuron") if "cell_class" in base.connectome.columns \
        else cells_from_selector(base.connectome, "type:AVA,AVD,AVB,PVC")
    conditions = silence_each(base.connectome, "cell_type", within)
    screen = Comparison(base.connectome, base.dataset, base.stimuli, base.readouts, conditions, trials=2,
                        duration_ms=100.0)
    again = read_comparison(write_comparison(tmp_path / "screen.toml", screen))
    assert [c.fingerprint for c in again.conditions] == [c.fingerprint for c in screen.conditions]
    assert "ids = [" in (tmp_path / "screen.toml").read_text()


@pytest.mark.parametrize("edit, line, words", [
    (("trials = 4", "trials = 4\nrepeats = 3"), 13, "unknown key 'repeats'"),
    (('selector = "type:VA,DA"', 'selector = "type:NOSUCH"'), 24, "type:NOSUCH"),
    (("trials = 4", "trials = 0"), None, "at least 2"),
    (("rate_Hz = 150.0", 'rate_Hz = "fast"'), 17, "finite number"),
    (('mode = "silence"', 'mode = "remove"'), 28, "'silence' or 'ablate'"),
    (("[[readouts]]\nselector", "[[readouts]]\nwhich"), 20, "unknown key 'which'"),
    (("duration_ms = 200.0", "duration_ms = 200.0\n[design]"), 14, "not valid TOML"),
])
def test_bad_files_are_errors_naming_the_file_and_line(touch_file, edit, line, words):
    touch_file.write_text(TOUCH.replace(*edit, 1))
    with pytest.raises(FormatError, match=words) as error:
        read_comparison(touch_file)
    assert error.value.path == str(touch_file)
    if line is not None:
        assert error.value.line == line, str(error.value)


def test_a_wrong_digest_is_refused(touch_file):
    touch_file.write_text(TOUCH.replace('source = "embedded"', 'source = "embedded"\ndigest = "abc"'))
    with pytest.raises(DatasetChangedError):
        read_comparison(touch_file)


def test_a_window_saved_experiment_runs_its_lesions_against_its_stimuli(tmp_path):
    from brainview.experiment import Experiment, LesionEntry, StimulusEntry, write_experiment
    from brainview.resources import default_dataset_path
    import brainview

    connectome = brainview.load(default_dataset_path())
    experiment = Experiment(connectome, DatasetRef(None, connectome_digest(connectome)), params={"w_syn_mV": 1.4})
    drive = cells_from_selector(connectome, "ALML,ALMR,AVM")
    lesion = cells_from_selector(connectome, "type:AVA,AVD")
    experiment.stimuli[drive.key] = StimulusEntry(drive, 150.0)
    experiment.lesions[lesion.key] = LesionEntry(lesion, "ablate")
    experiment.groups[lesion.key] = lesion
    comparison = read_comparison(write_experiment(experiment, tmp_path / "window.toml"))
    (condition,) = comparison.conditions
    assert condition.name == "ablate AVA,AVD" and condition.lesions[0].mode.value == "ablate"
    assert [r.key for r in comparison.readouts] == [lesion.key]
    assert np.array_equal(comparison.stimuli[0].cells.rows, drive.rows)


def test_a_plastic_experiment_compares_with_its_plasticity(tmp_path):
    import brainview
    from brainview.experiment import Experiment, LesionEntry, StimulusEntry, write_experiment
    from brainview.sim.plasticity import PlasticityRule

    worm = brainview.load_default()
    experiment = Experiment(worm, DatasetRef(None, connectome_digest(worm)))
    drive = cells_from_selector(worm, "ALML,ALMR,AVM")
    experiment.stimuli[drive.key] = StimulusEntry(drive, 150.0)
    lesion = cells_from_selector(worm, "type:AVA")
    experiment.lesions[lesion.key] = LesionEntry(lesion, "silence")
    experiment.groups[lesion.key] = lesion
    rule = PlasticityRule("type:AVD", "type:AVA", "type:RIM", eta_mV=0.01)
    experiment.set_plasticity(rule)
    comparison = read_comparison(write_experiment(experiment, tmp_path / "plastic.toml"))
    assert comparison.plasticity == rule
    again = read_comparison(write_comparison(tmp_path / "again.toml", comparison))
    assert again.plasticity == rule and again.fingerprint == comparison.fingerprint
    experiment.set_plasticity(None)
    plain = read_comparison(write_experiment(experiment, tmp_path / "plain.toml"))
    assert plain.plasticity is None and plain.fingerprint != comparison.fingerprint


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_a_file_error_or_a_comparison(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.toml"
    path.write_bytes(data)
    with pytest.raises(FormatError) as error:
        read_comparison(path)
    assert str(path) in str(error.value)


def test_the_dataset_of_a_file_can_take_other_rules(touch_file, capsys):
    from brainview.cli import main

    assert read_comparison(touch_file, rules="hemibrain").connectome.meta["subsystem_rules"] == "hemibrain"
    assert main(["experiment", str(touch_file), "--rules", "nonesuch", "--out", str(touch_file.parent / "o")]) == 1
    assert "no subsystem rule set 'nonesuch'" in capsys.readouterr().err
