"""Mutated lesson files: each reads as a lesson or raises a brainview error naming the file."""

from __future__ import annotations

from file_mutations import byte_edits, mutate_bytes, truncations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.errors import BrainviewError
from brainview.experiment.lessons import Lesson, read_lesson
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
