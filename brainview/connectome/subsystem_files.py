"""Subsystem rule files: reading, checking and writing the TOML of :mod:`brainview.connectome.subsystems`.

:func:`parse_rules` checks a parsed document; :func:`load_rules` reads a file and names, for any
problem, the file, the line and the key (``rules.toml, line 14, group 'feeding', key 'colour':
must be a colour written #rrggbb, got 'red'``), found by scanning the text
(:mod:`brainview.toml_lines`), since ``tomllib`` keeps no positions. :func:`format_rules` and
:func:`write_rules` write rules back as a file :func:`load_rules` reads as the same rules.
:func:`check_fits` is what applying one's own file to a dataset adds: every group must match a
cell there (shipped rules, applied to a subset of a brain, may leave groups empty).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from brainview.connectome.connectome import Connectome
from brainview.connectome.subsystems import (
    COLOUR, ID_COLUMN, LABEL, RULE_COLUMNS, Rule, RuleFileError, SubsystemGroup, SubsystemRules,
)
from brainview.toml_lines import find_line

TOP_KEYS = ("title", "default", "default_colour", "default_rationale", "group")
GROUP_KEYS = ("label", "colour", "rationale", "citations", "rules")
"""The keys a rule file may hold at its top level and in each ``[[group]]``."""


class _Where:
    """Turns a problem into a :class:`RuleFileError` at the line of its group and key."""

    def __init__(self, path: str | os.PathLike, lines: list[str] | None) -> None:
        self.path = path
        self.lines = lines

    def fail(self, problem: str, index: int | None = None, key: str | None = None,
             group: str | None = None, rule: int | None = None) -> RuleFileError:
        line = None
        if self.lines is not None:
            if rule is not None:
                line = _rule_line(self.lines, index, rule)
            else:
                line = find_line(self.lines, "group" if index is not None else "", index, key)
        return RuleFileError(self.path, problem, group, line=line, key=key)


def load_rules(path: str | os.PathLike) -> SubsystemRules:
    """Read and check a subsystem rule file.

    Parameters
    ----------
    path : path-like
        A TOML file laid out as described in :mod:`brainview.connectome.subsystems`.

    Raises
    ------
    RuleFileError
        If the file cannot be read or is not valid TOML, has an unknown key, or a group lacks a
        label, a ``#rrggbb`` colour, a rationale, its citations or rules, or a rule names an
        unknown column or gives no labels; the message names the file, the line and the key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise RuleFileError(path, f"not UTF-8 text (byte {error.object[error.start]:#04x})", line=line) from None
    except OSError as error:
        raise RuleFileError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise RuleFileError(path, f"not valid TOML: {error}", line=int(found.group(1)) if found else None) from None
    return _parse(document, _Where(path, text.splitlines()))


def parse_rules(document: dict, path: str | os.PathLike = "<rules>") -> SubsystemRules:
    """Check an already parsed rule document (the dict ``tomllib`` returns); errors name no line."""
    return _parse(document, _Where(path, None))


def _parse(document: dict, where: _Where) -> SubsystemRules:
    for key in document:
        if key not in TOP_KEYS:
            raise where.fail(f"unknown key; the keys of a rule file are {', '.join(TOP_KEYS)}", key=key)
    default = _text(document, "default", where)
    if not LABEL.match(default):
        raise where.fail(f"the default label must be letters, digits, '_' or '-', got {default!r}", key="default")
    default_colour = _colour(document, "default_colour", where)
    raw_groups = document.get("group")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise where.fail("no [[group]] tables: a rule file needs at least one group", key="group")
    groups = []
    seen = {default}
    for index, raw in enumerate(raw_groups):
        group = _parse_group(raw, index, where)
        if group.label in seen:
            raise where.fail("label is used twice (groups and default must differ)", index, "label", group.label)
        seen.add(group.label)
        groups.append(group)
    for key in ("title", "default_rationale"):
        if not isinstance(document.get(key, ""), str):
            raise where.fail(f"must be a string, got {document[key]!r}", key=key)
    return SubsystemRules(
        title=document.get("title", ""),
        groups=tuple(groups),
        default=default,
        default_colour=default_colour,
        default_rationale=document.get("default_rationale", "").strip(),
        source=str(where.path),
    )


def _parse_group(raw: object, index: int, where: _Where) -> SubsystemGroup:
    if not isinstance(raw, dict):
        raise where.fail(f"[[group]] number {index + 1} is not a table", index)
    label = raw.get("label")
    if not isinstance(label, str) or not LABEL.match(label):
        raise where.fail(f"[[group]] number {index + 1} needs a label of letters, digits, '_' or '-', got {label!r}",
                         index, "label")
    for key in raw:
        if key not in GROUP_KEYS:
            raise where.fail(f"unknown key; the keys of a [[group]] are {', '.join(GROUP_KEYS)}", index, key, label)
    colour = _colour(raw, "colour", where, index, label)
    rationale = _text(raw, "rationale", where, index, label)
    citations = raw.get("citations")
    if not isinstance(citations, list) or not all(isinstance(c, str) and c.strip() for c in citations):
        raise where.fail("must be a list of citations (strings; [] for none)", index, "citations", label)
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise where.fail("must be a non-empty list of tables such as { cell_type = [\"AVA\"] }", index, "rules", label)
    rules = tuple(_parse_rule(rule, number, index, where, label) for number, rule in enumerate(raw_rules, 1))
    return SubsystemGroup(label, colour, rationale.strip(), tuple(c.strip() for c in citations), rules)


def _parse_rule(raw: object, number: int, index: int, where: _Where, group: str) -> Rule:
    if not isinstance(raw, dict) or not raw:
        raise where.fail(f"rule {number} must be a non-empty table of column = [labels]", index, "rules", group)
    criteria = []
    for column, labels in raw.items():
        if column == ID_COLUMN:
            if isinstance(labels, int):
                labels = [labels]
            if not isinstance(labels, list) or not labels or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in labels):
                raise where.fail(f"rule {number}: must be a non-empty list of integer ids", index, column, group,
                                 number)
            criteria.append((column, tuple(labels)))
            continue
        if column not in RULE_COLUMNS:
            raise where.fail(f"rule {number} names an unknown column; use one of {', '.join(RULE_COLUMNS)} or id",
                             index, column, group, number)
        if isinstance(labels, str):
            labels = [labels]
        if not isinstance(labels, list) or not labels or not all(isinstance(v, str) and v for v in labels):
            raise where.fail(f"rule {number}: must be a non-empty list of labels", index, column, group, number)
        criteria.append((column, tuple(labels)))
    return Rule(tuple(criteria))


def _text(table: dict, key: str, where: _Where, index: int | None = None, group: str | None = None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(f"missing or empty, got {value!r}" if key in table else "missing", index, key, group)
    return value


def _colour(table: dict, key: str, where: _Where, index: int | None = None, group: str | None = None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not COLOUR.match(value):
        got = f"got {value!r}" if key in table else "it is missing"
        raise where.fail(f"must be a colour written #rrggbb, {got}", index, key, group)
    return value.lower()


def _rule_line(lines: list[str], index: int, number: int) -> int | None:
    """The line of the ``number``-th inline table in the ``rules`` of group ``index``."""
    start = find_line(lines, "group", index, "rules")
    if start is None:
        return None
    opened, quote = 0, ""
    for i in range(start - 1, len(lines)):
        text = lines[i]
        position = text.index("=") + 1 if i == start - 1 and "=" in text else 0
        while position < len(text):
            char = text[position]
            if quote:
                if char == "\\" and quote == '"':
                    position += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            elif char == "{":  # inline tables are one line each in TOML 1.0
                opened += 1
                if opened == number:
                    return i + 1
            position += 1
    return start


def check_fits(connectome: Connectome, rules: SubsystemRules) -> None:
    """RuleFileError naming the first group of one's own ``rules`` that matches no cell of ``connectome``.

    The error gives the line of the group's ``rules`` when the rules came from a file.
    """
    for index, group in enumerate(rules.groups):
        if not group.mask(connectome).any():
            lines = None
            if rules.source and Path(rules.source).is_file():
                lines = Path(rules.source).read_text(encoding="utf-8").splitlines()
            name = connectome.meta.get("name", "this dataset")
            raise _Where(rules.source or "<rules>", lines).fail(f"the group matches no cell of {name}", index,
                                                              "rules", group.label)


# -- writing ----------------------------------------------------------------------------------
def format_rules(rules: SubsystemRules) -> str:
    """The TOML text of ``rules``, which :func:`load_rules` reads back as the same rules."""
    out = [
        f"title = {_string(rules.title)}",
        f"default = {_string(rules.default)}",
        f"default_colour = {_string(rules.default_colour)}",
        f"default_rationale = {_string(rules.default_rationale)}",
    ]
    for group in rules.groups:
        out += ["", "[[group]]", f"label = {_string(group.label)}", f"colour = {_string(group.colour)}",
                f"rationale = {_string(group.rationale)}"]
        out.append("citations = [" + "".join(f"\n    {_string(c)}," for c in group.citations)
                   + ("\n]" if group.citations else "]"))
        out.append("rules = [")
        for rule in group.rules:
            tests = ", ".join(f"{_key(column)} = [{', '.join(_value(v) for v in values)}]"
                              for column, values in rule.criteria)
            out.append(f"    {{ {tests} }},")
        out.append("]")
    return "\n".join(out) + "\n"


def write_rules(rules: SubsystemRules, path: str | os.PathLike) -> Path:
    """Write ``rules`` to ``path`` as a rule file (completely or not at all); returns the path."""
    from brainview.connectome.io.atomic import atomic_output

    path = Path(path)
    with atomic_output(path) as temporary:
        temporary.write_text(format_rules(rules), encoding="utf-8")
    return path


def _value(value: str | int) -> str:
    return str(value) if isinstance(value, int) else _string(value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_\-]+", key) else _string(key)


def _string(text: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char == "\n":
            escaped.append("\\n")
        elif char == "\t":
            escaped.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'
