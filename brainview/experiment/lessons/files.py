"""Lessons: guided experiments as TOML files (schema ``brainview-lesson``), without Qt.

A lesson says which groups to watch, what to drive and what to lesion, one step at a time; the
window's lesson panel performs each step through the same undoable actions a user has, so a
lesson leaves an ordinary experiment behind. The shipped lessons are ``assets/lessons/*.toml``;
users keep their own in the app's data folder. A lesson file::

    schema = "brainview-lesson"
    schema_version = 1
    title = "The touch escape circuit"       # the Lesson menu's entry
    summary = "..."                          # the question and the finding (rich text allowed)
    citation = "Chalfie M et al. (1985) ..."
    probes = ["ALML", "AVAL"]                # optional: selectors of cells whose voltage to trace
    color_by = "subsystem"                   # optional: type, class, superclass, region,
                                             #   subsystem, nt, kind or side
    [dataset]                                # which datasets the lesson fits
    description = "the embedded C. elegans hermaphrodite"    # for people
    needs = ["type:AVA"]                     # optional: selectors needed besides those used below

    [model]                                  # optional
    params = { w_syn_mV = 1.4 }              # ShiuParams overrides, set when the lesson starts
    note = "why the lesson changes them"

    [[groups]]                               # population-rate traces shown from the start
    label = "backward command AVA/AVD"
    selector = "type:AVA,AVD"

    [[steps]]                                # the steps, in order; only title and text are required
    title = "Drive the touch receptors"
    text = "What to do and what to watch."
    stimuli = [{ selector = "ALML,ALMR,AVM", rate_Hz = 150.0, label = "touch" }]  # rate_Hz 0: stop
    lesions = [{ selector = "type:AVA,AVD", mode = "silence" }]   # silence, ablate or lift
    groups = [{ label = "VA/DA", selector = "type:VA,DA" }]       # more traces from this step on
    probes = ["AVBL"]
    color_by = "nt"
    learning = ["present A", "pair A"]       # the Learning panel's actions (LEARNING_ACTIONS)
    play = true                              # start the simulation after the actions

Selectors are those of :mod:`brainview.connectome.selectors`. A lesson fits a dataset when every
selector it uses selects a cell there (:meth:`~brainview.experiment.lessons.model.Lesson.missing_in` lists those that do not).
Invalid TOML, unknown keys, wrong types, unknown learning actions or model parameters, and
(with :func:`~brainview.experiment.lessons.model.check_fits`) selectors the dataset lacks are :class:`FormatError`\\ s naming the
file, the line and the key. :func:`parse_lesson` and :func:`generate_lesson` are pure;
:func:`read_lesson` and :func:`write_lesson` only add the file.
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
import tomllib
from pathlib import Path

import tomli_w

from brainview.connectome.io.atomic import atomic_output
from brainview.connectome.io.toml_text import TomlDocument
from brainview.connectome.selectors import Selector, SelectorError
from brainview.experiment.lessons.model import (
    COLOUR_FIELDS, LEARNING_ACTIONS, LESION_MODES, Cut, Drive, Group, Lesson, LessonStep,
)
from brainview.sim.params import ShiuParams

SCHEMA = "brainview-lesson"
SCHEMA_VERSION = 1

_KEYS = {
    "": {"schema", "schema_version", "title", "summary", "citation", "probes", "color_by", "dataset", "model",
         "groups", "steps"},
    "dataset": {"description", "needs"},
    "model": {"params", "note"},
    "groups": {"label", "selector"},
    "steps": {"title", "text", "stimuli", "lesions", "groups", "probes", "color_by", "learning", "play"},
    "stimuli": {"selector", "rate_Hz", "label"},
    "lesions": {"selector", "mode", "label"},
}


# -- reading ---------------------------------------------------------------------------------------
def parse_lesson(text: str, path: str | os.PathLike = "<lesson>") -> Lesson:
    """The lesson the TOML ``text`` describes (``path`` names it in errors and in the lesson).

    Raises
    ------
    FormatError
        For invalid TOML, an unknown key, a value of the wrong type, a selector that does not
        parse, an unknown learning action, lesion mode, colour field or model parameter.
    """
    reader = TomlDocument(path, text, _KEYS)
    return _Parser(reader).lesson()


def read_lesson(path: str | os.PathLike) -> Lesson:
    """The lesson in the file ``path`` (see :func:`parse_lesson`)."""
    path = Path(path)
    return _Parser(TomlDocument.read(path, _KEYS, "lesson file")).lesson()


class _Parser:
    """Turns one document into a :class:`Lesson`, failing with the line of the offending key."""

    def __init__(self, reader: TomlDocument) -> None:
        self.reader = reader
        self.lines: dict[str, tuple[int | None, str]] = {}

    def lesson(self) -> Lesson:
        reader, document = self.reader, self.reader.document
        reader.check_keys(document, "")
        reader.check_schema(SCHEMA, SCHEMA_VERSION, "brainview lesson")
        dataset = reader.table(document, "dataset")
        model = reader.table(document, "model")
        steps = reader.tables(document, "steps")
        if not steps:
            raise reader.fail("a lesson needs at least one [[steps]]", key="title")
        return Lesson(
            title=self.text(document, "title", "", required=True),
            summary=self.text(document, "summary", ""),
            citation=self.text(document, "citation", ""),
            dataset=self.text(dataset, "description", "dataset"),
            needs=self.selector_list(dataset, "needs", "dataset"),
            groups=tuple(self.group(entry, "groups", i) for i, entry in enumerate(reader.tables(document, "groups"))),
            probes=self.selector_list(document, "probes", ""),
            color_by=self.colour(document, ""),
            model=self.params(model),
            model_note=self.text(model, "note", "model"),
            steps=tuple(self.step(entry, i) for i, entry in enumerate(steps)),
            path=reader.path,
            lines=self.lines,
        )

    def step(self, table: dict, index: int) -> LessonStep:
        self.reader.check_keys(table, "steps", index)
        learning = self.strings(table, "learning", "steps", index)
        for action in learning:
            if action not in LEARNING_ACTIONS:
                raise self.reader.fail(f"unknown learning action {action!r}; use one of {', '.join(LEARNING_ACTIONS)}",
                                       "steps", index, "learning")
        play = table.get("play", False)
        if not isinstance(play, bool):
            raise self.reader.fail(f"steps.play must be true or false, was {play!r}", "steps", index, "play")
        return LessonStep(
            title=self.text(table, "title", "steps", index, required=True),
            text=self.text(table, "text", "steps", index, required=True),
            stimuli=tuple(self.drive(e, index) for e in self.entries(table, "stimuli", index)),
            lesions=tuple(self.cut(e, index) for e in self.entries(table, "lesions", index)),
            groups=tuple(self.group(e, "steps.groups", index) for e in self.entries(table, "groups", index)),
            probes=self.selector_list(table, "probes", "steps", index),
            color_by=self.colour(table, "steps", index),
            learning=learning,
            play=play,
        )

    def entries(self, table: dict, key: str, index: int) -> list[dict]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.reader.fail(f"steps.{key} must be a list of tables ({{ selector = ... }})", "steps", index, key)
        for entry in value:
            self.reader.check_keys(entry, f"steps.{key}", index)
        return value

    def drive(self, table: dict, index: int) -> Drive:
        rate = self.reader.number(table, "rate_Hz", 150.0, "steps.stimuli", index)
        if rate < 0:
            raise self.reader.fail(f"steps.stimuli.rate_Hz must be 0 (stop) or above, was {rate:g}",
                                   "steps", index, "rate_Hz")
        return Drive(self.selector(table, "steps.stimuli", index), rate, self.text(table, "label", "steps.stimuli", index))

    def cut(self, table: dict, index: int) -> Cut:
        mode = table.get("mode", "silence")
        if mode not in LESION_MODES:
            raise self.reader.fail(f"steps.lesions.mode must be one of {', '.join(LESION_MODES)}, was {mode!r}",
                                   "steps", index, "mode")
        return Cut(self.selector(table, "steps.lesions", index), mode, self.text(table, "label", "steps.lesions", index))

    def group(self, table: dict, where: str, index: int) -> Group:
        if where == "groups":
            self.reader.check_keys(table, "groups", index)
        return Group(self.text(table, "label", where, index, required=True), self.selector(table, where, index))

    # -- values -----------------------------------------------------------------------------------
    def text(self, table: dict, key: str, where: str, index: int | None = None, required: bool = False) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            name = f"{where}.{key}" if where else key
            raise self.reader.fail(f"{name} must be {'a non-empty' if required else 'a'} string, was {value!r}",
                                   where.partition(".")[0], index, key if key in table else None)
        return value

    def strings(self, table: dict, key: str, where: str, index: int | None = None) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            name = f"{where}.{key}" if where else key
            raise self.reader.fail(f"{name} must be a list of strings, was {value!r}", where.partition(".")[0], index, key)
        return tuple(value)

    def selector(self, table: dict, where: str, index: int | None, key: str = "selector") -> str:
        text = self.text(table, key, where, index, required=True)
        return self.checked(text, where, index, key)

    def selector_list(self, table: dict, key: str, where: str, index: int | None = None) -> tuple[str, ...]:
        return tuple(self.checked(text, where, index, key) for text in self.strings(table, key, where, index))

    def checked(self, text: str, where: str, index: int | None, key: str) -> str:
        table = where.partition(".")[0]
        try:
            Selector.parse(text)
        except SelectorError as error:
            raise self.reader.fail(f"{where + '.' if where else ''}{key}: {error}", table, index, key) from None
        if text not in self.lines:
            inner = where.partition(".")[2]
            place = f"{table}[{index}]{'.' + inner if inner else ''}.{key}" if index is not None else \
                (f"{where}.{key}" if where else key)
            self.lines[text] = (self.line_of(text, table, index, key), place)
        return text

    def line_of(self, text: str, table: str, index: int | None, key: str) -> int | None:
        """The line where the selector ``text`` is written (in its table), else that of ``key``."""
        reader = self.reader
        start = (reader.line(table, index) or 1) - 1
        for number in range(start, len(reader.lines)):
            if f'"{text}"' in reader.lines[number] or f"'{text}'" in reader.lines[number]:
                return number + 1
        return reader.line(table, index, key)

    def colour(self, table: dict, where: str, index: int | None = None) -> str | None:
        value = table.get("color_by")
        if value is None:
            return None
        if value not in COLOUR_FIELDS:
            raise self.reader.fail(f"color_by must be one of {', '.join(COLOUR_FIELDS)}, was {value!r}",
                                   where, index, "color_by")
        return COLOUR_FIELDS[value]

    def params(self, model: dict) -> tuple[tuple[str, float], ...]:
        values = model.get("params", {})
        if not isinstance(values, dict):
            raise self.reader.fail("model.params must be a table of numbers", "model", key="params")
        known = {f.name for f in dataclasses.fields(ShiuParams)}
        for name in values:
            if name not in known:
                raise self.reader.fail(f"unknown model parameter {name!r}; the parameters are {', '.join(sorted(known))}",
                                       "model", key=name)
        params = {name: self.reader.number(values, name, None, "model.params") for name in values}
        try:
            ShiuParams(**params)
        except (ValueError, TypeError) as error:
            raise self.reader.fail(f"model.params: {error}", "model", key="params") from None
        return tuple(params.items())


# -- writing ---------------------------------------------------------------------------------------
def generate_lesson(lesson: Lesson) -> str:
    """The TOML text of ``lesson``, laid out as the module docstring shows (steps' lists inline)."""
    top = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "title": lesson.title, "summary": lesson.summary,
           "citation": lesson.citation}
    top |= {"probes": list(lesson.probes)} if lesson.probes else {}
    top |= {"color_by": _field_of(lesson.color_by)} if lesson.color_by else {}
    parts = [_dump(top), "[dataset]\n" + _dump({"description": lesson.dataset} | (
        {"needs": list(lesson.needs)} if lesson.needs else {}))]
    if lesson.model or lesson.model_note:
        parts.append("[model]\n" + _dump({"params": dict(lesson.model), "note": lesson.model_note}))
    for group in lesson.groups:
        parts.append("[[groups]]\n" + _dump(group._asdict()))
    for step in lesson.steps:
        values: dict = {"title": step.title, "text": step.text}
        for key, entries in (("stimuli", step.stimuli), ("lesions", step.lesions), ("groups", step.groups)):
            if entries:
                values[key] = [{k: v for k, v in e._asdict().items() if v != ""} for e in entries]
        values |= {"probes": list(step.probes)} if step.probes else {}
        values |= {"color_by": _field_of(step.color_by)} if step.color_by else {}
        values |= {"learning": list(step.learning)} if step.learning else {}
        values |= {"play": True} if step.play else {}
        parts.append("[[steps]]\n" + _dump(values))
    return "\n".join(parts)


def write_lesson(lesson: Lesson, path: str | os.PathLike) -> Path:
    """Write ``lesson`` to ``path`` atomically; returns the path."""
    path = Path(path)
    with atomic_output(path) as temporary:
        temporary.write_text(generate_lesson(lesson), encoding="utf-8")
    return path


def _dump(values: dict) -> str:
    """``key = value`` lines, lists of tables written inline (one per line) so a step stays one block."""
    lines = []
    for key, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            inner = ",\n".join("    " + _inline(entry) for entry in value)
            lines.append(f"{key} = [\n{inner},\n]")
        elif isinstance(value, dict):
            lines.append(f"{key} = {_inline(value)}")
        elif isinstance(value, str):
            lines.append(f"{key} = {_string(value)}")
        else:
            lines.append(tomli_w.dumps({key: value}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _string(value: str, width: int = 96) -> str:
    """A TOML string; a long one wrapped on lines ending in a backslash (which TOML joins), so
    lesson texts stay readable and editable in the file."""
    plain = tomli_w.dumps({"v": value}, multiline_strings=True)[4:].rstrip("\n")
    if len(value) <= width or "\n" in value:
        return plain
    rows = textwrap.wrap(value, width, break_long_words=False, break_on_hyphens=False)
    wrapped = '"""\\\n' + " \\\n".join(rows) + '"""'
    try:
        same = tomllib.loads(f"v = {wrapped}")["v"] == value
    except tomllib.TOMLDecodeError:
        same = False
    return wrapped if same else plain


def _inline(entry: dict) -> str:
    """``{ a = 1, b = "x" }``: an inline table (its values are scalars)."""
    fields = (tomli_w.dumps({k: v}).rstrip("\n") for k, v in entry.items())
    return "{ " + ", ".join(fields) + " }" if entry else "{}"


def _field_of(column: str) -> str:
    """The short selector field of a colour column (``cell_type`` -> ``type``)."""
    return next(k for k, v in COLOUR_FIELDS.items() if v == column)
