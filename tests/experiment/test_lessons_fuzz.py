"""Mutated lesson files read as a lesson or raise a brainview error naming the file; any lesson
is written and read back unchanged."""

from __future__ import annotations

from file_mutations import byte_edits, mutate_bytes, truncations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.errors import BrainviewError
from brainview.experiment.lessons import (
    LEARNING_ACTIONS, Cut, Drive, Group, Lesson, LessonStep, generate_lesson, parse_lesson, read_lesson,
)
from brainview.experiment.lessons.model import LESION_MODES
from brainview.resources import lesson_paths

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOUCH = next(p for p in lesson_paths() if p.stem == "celegans-1-touch-escape").read_bytes()

line_edits = st.lists(
    st.tuples(st.sampled_from(["drop", "repeat", "swap", "rename"]), st.floats(0, 1, exclude_max=True),
              st.text("abcxyz_=[]{}\"', .:0123456789", max_size=12)),
    min_size=1, max_size=4,
)
"""Edits of whole lines: drop one, repeat it, swap it with the next, or rewrite its key."""


def mutate_lines(data: bytes, edits) -> bytes:
    lines = data.decode("utf-8").splitlines()
    for kind, where, text in edits:
        at = int(where * len(lines))
        if kind == "drop":
            del lines[at]
        elif kind == "repeat":
            lines.insert(at, lines[at])
        elif kind == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif kind == "rename":
            key, sep, value = lines[at].partition("=")
            lines[at] = f"{text}{sep}{value}" if sep else text
        if not lines:
            break
    return "\n".join(lines).encode("utf-8")


def reads_or_names_the_file(path) -> None:
    try:
        lesson = read_lesson(path)
    except BrainviewError as error:
        assert str(path) in str(error)
    else:
        assert isinstance(lesson, Lesson) and lesson.title and lesson.steps


@FUZZ
@given(edits=byte_edits, truncate=truncations)
def test_a_lesson_file_with_bytes_changed_reads_or_is_an_error_naming_it(tmp_path_factory, edits, truncate):
    path = tmp_path_factory.mktemp("fuzz") / "touch.toml"
    path.write_bytes(mutate_bytes(TOUCH, edits, truncate))
    reads_or_names_the_file(path)


@FUZZ
@given(edits=line_edits)
def test_a_lesson_file_with_lines_changed_reads_or_is_an_error_naming_it(tmp_path_factory, edits):
    path = tmp_path_factory.mktemp("fuzz") / "touch.toml"
    path.write_bytes(mutate_lines(TOUCH, edits))
    reads_or_names_the_file(path)


words = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)
selectors = st.sampled_from(["type:AVA", "ALML,ALMR", "class:DAN", "id:1000,1010", "name:N*", "nt:GABA"])
steps = st.builds(
    LessonStep, title=words.filter(str.strip), text=words.filter(str.strip),
    stimuli=st.lists(st.builds(Drive, selectors, st.floats(0, 1000), words), max_size=2).map(tuple),
    lesions=st.lists(st.builds(Cut, selectors, st.sampled_from(LESION_MODES), words), max_size=2).map(tuple),
    groups=st.lists(st.builds(Group, words.filter(str.strip), selectors), max_size=2).map(tuple),
    probes=st.lists(selectors, max_size=2).map(tuple),
    color_by=st.none() | st.sampled_from(["cell_type", "nt", "subsystem"]),
    learning=st.lists(st.sampled_from(LEARNING_ACTIONS), max_size=3).map(tuple),
    play=st.booleans(),
)
lessons = st.builds(
    Lesson, title=words.filter(str.strip), summary=words, citation=words, steps=st.lists(steps, min_size=1, max_size=3).map(tuple),
    groups=st.lists(st.builds(Group, words.filter(str.strip), selectors), max_size=2).map(tuple),
    probes=st.lists(selectors, max_size=2).map(tuple), color_by=st.none() | st.sampled_from(["region", "side"]),
    model=st.just(()) | st.just((("w_syn_mV", 1.4),)), model_note=words, dataset=words,
    needs=st.lists(selectors, max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(lesson=lessons)
def test_any_lesson_is_written_and_read_back_unchanged(lesson):
    assert parse_lesson(generate_lesson(lesson), "any.toml") == lesson
