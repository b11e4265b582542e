"""Lesson files: the shipped lessons, the format's errors (file, line, key), and Save as lesson."""

from __future__ import annotations

import re

import numpy as np
import pytest

import brainview
from brainview.connectome.io.errors import FormatError
from brainview.experiment import CellSet, DatasetRef, Experiment, cell, cells_from_key, cells_from_selector
from brainview.experiment.lessons import (
    Cut, Drive, Group, LessonStep, check_fits, generate_lesson, lesson_from_experiment, parse_lesson, read_lesson,
    selector_for, write_lesson,
)
from brainview.experiment.lessons.from_history import PLACEHOLDER
from brainview.resources import lesson_paths

VALID = '''schema = "brainview-lesson"
schema_version = 1
title = "Drive and cut"
summary = "A test lesson."
probes = ["N0"]
color_by = "nt"

[dataset]
description = "the test ring"
needs = ["type:T0"]

[model]
params = { w_syn_mV = 2.0 }
note = "stronger"

[[groups]]
label = "first pair"
selector = "type:T0"

[[steps]]
title = "Drive"
text = "Drive the first pair."
stimuli = [{ selector = "type:T0", rate_Hz = 200.0, label = "pair" }]
play = true

[[steps]]
title = "Cut"
text = "Silence the middle pair, then lift it."
lesions = [{ selector = "type:T1", mode = "silence" }, { selector = "N5", mode = "ablate" }]
groups = [{ label = "last", selector = "type:T2" }]
probes = ["N4"]
color_by = "type"
learning = ["present A"]
'''


@pytest.fixture(scope="module")
def worm():
    return brainview.load_default()


def test_the_shipped_lessons_read_and_are_written_back_unchanged():
    paths = lesson_paths()
    assert {p.stem for p in paths} >= {
        "celegans-1-touch-escape", "celegans-2-posterior-touch", "flywire-1-sugar-feeding",
        "flywire-2-looming-escape", "mushroom-body-1-learning",
    }
    for path in paths:
        lesson = read_lesson(path)
        assert lesson.title and lesson.summary and lesson.citation and lesson.steps, path
        assert parse_lesson(generate_lesson(lesson), path) == lesson


def test_a_valid_lesson_reads_every_field(tmp_path):
    lesson = parse_lesson(VALID, "ring.toml")
    assert lesson.model == (("w_syn_mV", 2.0),) and lesson.model_note == "stronger"
    assert lesson.groups == (Group("first pair", "type:T0"),) and lesson.probes == ("N0",)
    assert lesson.color_by == "nt" and lesson.dataset == "the test ring" and lesson.needs == ("type:T0",)
    drive, cut = lesson.steps
    assert drive.stimuli == (Drive("type:T0", 200.0, "pair"),) and drive.play and drive.acts
    assert cut.lesions == (Cut("type:T1", "silence"), Cut("N5", "ablate"))
    assert cut.groups == (Group("last", "type:T2"),) and cut.probes == ("N4",)
    assert cut.color_by == "cell_type" and cut.learning == ("present A",) and not cut.play
    assert lesson.selectors() == ["type:T0", "N0", "type:T1", "N5", "type:T2", "N4"]
    path = write_lesson(lesson, tmp_path / "again.toml")
    assert read_lesson(path) == lesson and read_lesson(path).path == path


def test_fits_by_its_selectors(tiny, worm):
    lesson = parse_lesson(VALID, "ring.toml")
    assert lesson.missing_in(tiny) == []
    check_fits(lesson, tiny)
    assert lesson.missing_in(worm) == ["type:T0", "N0", "type:T1", "N5", "type:T2", "N4"]
    touch = read_lesson([p for p in lesson_paths() if p.stem == "celegans-1-touch-escape"][0])
    assert touch.missing_in(worm) == []
    assert {"ALML,ALMR,AVM", "type:AVA,AVD"} <= set(touch.missing_in(tiny))


def test_ids_and_name_patterns_are_looked_up(tiny):
    text = VALID.replace('needs = ["type:T0"]', 'needs = ["id:1000,999", "name:N*", "id:5"]')
    assert parse_lesson(text).missing_in(tiny) == ["id:5"]


def test_a_selector_the_dataset_lacks_names_file_line_and_key(worm):
    with pytest.raises(FormatError) as caught:
        check_fits(parse_lesson(VALID, "ring.toml"), worm)
    error = caught.value
    assert error.path == "ring.toml" and error.line == 10  # needs = ["type:T0"], in [dataset]
    assert "dataset.needs: selector 'type:T0' matches no cell" in error.problem
    on_the_worm = re.sub(r"type:T\d", "type:AVA", VALID.replace('needs = ["type:T0"]', "")).replace(
        '"N0"', '"AVAL"').replace('"N4"', '"AVAL"')
    with pytest.raises(FormatError) as caught:
        check_fits(parse_lesson(on_the_worm, "ring.toml"), worm)
    assert caught.value.line == 29 and caught.value.problem.startswith("steps[1].lesions.selector: selector 'N5'")
    assert "(nor do" not in caught.value.problem
    check_fits(parse_lesson(on_the_worm.replace('"N5"', '"AVAR"'), "ring.toml"), worm)


def edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


BAD = [  # (problem, text, line, message): line numbers of VALID, or of the line inserted
    ("invalid TOML", edit('title = "Cut"', 'title = "Cut'), 27, "not valid TOML"),
    ("an unknown step key", edit('title = "Cut"', 'title = "Cut"\nduration_ms = 3'), 28, "unknown key 'duration_ms' in [steps]"),
    ("an unknown top-level key", edit('color_by = "nt"', 'colour = "nt"'), 6, "unknown key 'colour'"),
    ("an unknown stimulus key", edit("rate_Hz = 200.0", "rate = 200.0"), 23, "unknown key 'rate' in [steps.stimuli]"),
    ("a rate that is text", edit("rate_Hz = 200.0", 'rate_Hz = "fast"'), 23, "rate_Hz must be a finite number"),
    ("a negative rate", edit("rate_Hz = 200.0", "rate_Hz = -1.0"), 23, "rate_Hz must be 0 (stop) or above"),
    ("an unknown lesion mode", edit('mode = "ablate"', 'mode = "cut"'), 29, "mode must be one of"),
    ("play that is not true or false", edit("play = true", 'play = "yes"'), 24, "steps.play must be true"),
    ("an unknown learning action", edit('"present A"', '"present C"'), 33, "unknown learning action 'present C'"),
    ("an unknown model parameter", edit("w_syn_mV = 2.0", "w_syn = 2.0"), 13, "unknown model parameter 'w_syn'"),
    ("a parameter the model refuses", edit("w_syn_mV = 2.0", "t_mbr_ms = -1.0"), 13, "t_mbr_ms must be positive"),
    ("a selector that does not parse", edit('selector = "type:T1"', 'selector = "colour:red"'), 29,
     "unknown selector field 'colour'"),
    ("a group without a label", edit('label = "first pair"\n', ""), 16, "groups.label must be a non-empty"),
    ("a step without text", edit('text = "Drive the first pair."\n', ""), 20, "steps.text must be"),
    ("an unknown colour field", edit('color_by = "type"', 'color_by = "mood"'), 32, "color_by must be one of"),
    ("another schema", edit("brainview-lesson", "brainview-experiment"), 1, "not a brainview lesson"),
    ("a later schema version", edit("schema_version = 1", "schema_version = 9"), 2, "schema_version 9"),
    ("no steps", VALID[: VALID.index("[[steps]]")], 3, "at least one [[steps]]"),
    ("probes that are not strings", edit('probes = ["N0"]', "probes = [3]"), 5, "probes must be a list of strings"),
    ("a stimulus that is not a table", edit('stimuli = [{ selector = "type:T0", rate_Hz = 200.0, label = "pair" }]',
                                            'stimuli = ["type:T0"]'), 23, "steps.stimuli must be a list of tables"),
]


@pytest.mark.parametrize("problem, text, line, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_lesson_file_names_file_line_and_key(tmp_path, problem, text, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FormatError) as caught:
        read_lesson(path)
    assert caught.value.path == str(path) and message in caught.value.problem, caught.value
    assert caught.value.line == line, (problem, str(caught.value))


def test_files_that_are_not_lessons_are_errors_naming_them(tmp_path):
    with pytest.raises(FormatError, match="no such lesson file"):
        read_lesson(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(FormatError, match=r"binary\.toml: cannot be read as a lesson file"):
        read_lesson(binary)


# -- Save as lesson ---------------------------------------------------------------------------------
def test_an_experiments_history_becomes_one_step_per_intervention(worm, tmp_path):
    experiment = Experiment(worm, DatasetRef(None, "", "worm"), params={"w_syn_mV": 1.4})
    node = cells_from_key(worm, "cell_type=AVA", "AVA")
    touch = cells_from_selector(worm, "ALML,ALMR,AVM")
    one = cell(worm, worm.index_of("AVBL"))
    experiment.set_stimulus(touch, 150.0)
    experiment.set_lesion(node, "silence")
    experiment.set_lesion(one, "ablate")
    experiment.set_lesion(node, None)
    experiment.set_stimulus(touch, None)
    experiment.set_stimulus(cells_from_selector(worm, "type:ASH"), 80.0)
    experiment.undo()  # undone: not in the lesson
    experiment.set_stimulus(touch, 90.0, on=False)
    experiment.set_group(cells_from_selector(worm, "type:VA,DA"))
    experiment.set_probes([worm.index_of("AVAL")])
    experiment.set_view(color_by="nt")
    lesson = lesson_from_experiment(experiment, "My lesson")
    assert [s.title for s in lesson.steps] == [
        "Drive ALML,ALMR,AVM at 150 Hz", "Silence AVA", "Ablate AVBL", "Lift lesion of AVA",
        "Remove stimulus ALML,ALMR,AVM", "Switch off ALML,ALMR,AVM"]
    assert all(step.text == PLACEHOLDER for step in lesson.steps) and lesson.steps[0].play
    assert lesson.steps[0].stimuli == (Drive("name:ALML,ALMR,AVM", 150.0),)
    assert lesson.steps[1].lesions == (Cut("type:AVA", "silence"),)
    assert lesson.steps[2].lesions == (Cut("AVBL", "ablate"),)
    assert lesson.steps[3].lesions == (Cut("type:AVA", "lift"),)
    assert lesson.steps[4].stimuli[0].rate_Hz == 0 and lesson.steps[5].stimuli[0].rate_Hz == 0
    assert lesson.groups == (Group("VA,DA", "type:VA,DA"),) and lesson.probes == ("AVAL",)
    assert lesson.color_by == "nt" and lesson.model == (("w_syn_mV", 1.4),) and lesson.dataset == "worm"
    back = read_lesson(write_lesson(lesson, tmp_path / "mine.toml"))
    assert back == lesson and back.missing_in(worm) == []


def test_learning_panel_presentations_are_left_out(worm):
    experiment = Experiment(worm, DatasetRef(None, ""))
    experiment.set_stimulus(CellSet("learning:odour A", "odour A", np.array([1, 2])), 150.0)
    lesson = lesson_from_experiment(experiment, "Nothing yet")
    assert [s.title for s in lesson.steps] == ["Explore"] and lesson.steps[0].play


def test_selectors_find_exactly_the_same_cells(worm):
    for cells in (cells_from_key(worm, "cell_type=AVA", "AVA"),
                  cells_from_key(worm, "subsystem=steering/cell_class=motor", "steering motor")
                  if "subsystem" in worm.columns and worm["subsystem"].counts() else cell(worm, 0),
                  CellSet("lesson:any", "any", np.array([3, 40, 41])),
                  cell(worm, worm.index_of("ASHL"))):
        text = selector_for(worm, cells)
        assert np.array_equal(cells_from_selector(worm, text).rows, cells.rows), text
    assert selector_for(worm, CellSet("x", "x", np.array([worm.index_of("AVAL"), worm.index_of("AVAR")]))) == "AVAL,AVAR"


def test_cells_without_a_unique_name_are_named_by_id(connectome_factory):
    ring = connectome_factory(4, name=["", "twin", "twin", "N3"])
    assert selector_for(ring, cell(ring, 0)) == "id:1000"
    assert selector_for(ring, cell(ring, 1)) == "id:1010"
    assert selector_for(ring, cell(ring, 3)) == "N3"


def test_a_step_without_actions_does_nothing():
    assert not LessonStep("Read", "Just read.").acts


def test_the_readme_example_is_a_lesson_that_fits_the_worm(worm):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Lessons\n", 1)[1].split("\n## ", 1)[0]
    (text,) = re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL)
    lesson = parse_lesson(text, "README.md")
    assert lesson.steps[0].stimuli == (Drive("ALML,ALMR,AVM", 150.0),) and lesson.steps[0].play
    check_fits(lesson, worm)
