"""Subsystem rule files: named groups of cells ("steering", "learning", ...) defined by selectors.

A rule file is TOML, one per dataset (``assets/subsystems/<dataset>.toml``)::

    title = "C. elegans hermaphrodite subsystems"
    default = "other"                  # label of cells no group claims
    default_colour = "#9e9e9e"
    default_rationale = "Cells outside every group above."

    [[group]]
    label = "steering"
    colour = "#d62728"
    rationale = "Why these cells belong together (one paragraph)."
    citations = ["White et al. 1986, Phil. Trans. R. Soc. B 314:1-340"]
    rules = [
        { cell_type = ["CEP", "ADE", "PDE"] },
        { super_class = ["endocrine"] },
        { name = ["AVA*"], side = ["left"] },
    ]

A rule maps columns to lists of labels; a label containing ``*``, ``?`` or ``[`` is a shell
pattern. A cell matches a rule when every column of the rule matches (AND), and a group when
any of its rules matches (OR). Groups are tried in file order and the first match wins, so a
cell belongs to exactly one subsystem.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import STRING_COLUMNS, Connectome
from brainview.connectome.queries import label_mask
from brainview.errors import BrainviewError, UnknownNameError

RULE_COLUMNS = tuple(c for c in STRING_COLUMNS if c != "subsystem")
"""Columns a rule may test: every standard string column except the output column itself."""

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LABEL = re.compile(r"^[A-Za-z0-9_\-]+$")


class RuleFileError(BrainviewError, ValueError):
    """A subsystem rule file that cannot be used; the message names the file and the group."""

    def __init__(self, path: str | os.PathLike, problem: str, group: str | None = None):
        self.path = Path(path)
        self.problem = problem
        self.group = group
        where = f"{self.path}" + (f", group {group!r}" if group else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Rule:
    """One conjunction: every column must hold one of its labels (or match one of its patterns).

    Parameters
    ----------
    criteria : tuple of (str, tuple of str)
        ``(column, labels)`` pairs, in file order.
    """

    criteria: tuple[tuple[str, tuple[str, ...]], ...]

    def mask(self, connectome: Connectome) -> np.ndarray:
        """Boolean mask of the cells of ``connectome`` this rule matches."""
        hit = np.ones(connectome.n, dtype=bool)
        for column, labels in self.criteria:
            hit &= label_mask(connectome.columns[column], labels)
        return hit


@dataclass(frozen=True)
class SubsystemGroup:
    """A named group of cells with its colour, the reasons for it and the rules that define it.

    Parameters
    ----------
    label : str
        The subsystem label stored in the connectome's ``subsystem`` column.
    colour : str
        ``#rrggbb`` display colour.
    rationale : str
        One paragraph: why these cells form a group.
    citations : tuple of str
        The literature the rationale rests on.
    rules : tuple of Rule
        A cell belongs to the group when any rule matches it.
    """

    label: str
    colour: str
    rationale: str
    citations: tuple[str, ...]
    rules: tuple[Rule, ...]

    def mask(self, connectome: Connectome) -> np.ndarray:
        """Cells any of this group's rules matches (before earlier groups take theirs)."""
        hit = np.zeros(connectome.n, dtype=bool)
        for rule in self.rules:
            hit |= rule.mask(connectome)
        return hit


@dataclass(frozen=True)
class SubsystemRules:
    """The groups of one rule file, in priority order, plus the label of unmatched cells.

    Parameters
    ----------
    title : str
        What the file describes.
    groups : tuple of SubsystemGroup
        Tried in order; the first group whose rules match a cell claims it.
    default : str
        Label of cells no group matches.
    default_colour : str
        ``#rrggbb`` colour of the default label.
    default_rationale : str
        What the default label means for this dataset.
    source : str
        The file the rules were read from ("" when built in code).
    """

    title: str
    groups: tuple[SubsystemGroup, ...]
    default: str
    default_colour: str
    default_rationale: str = ""
    source: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """Group labels in priority order, then the default label."""
        return tuple(g.label for g in self.groups) + (self.default,)

    @property
    def colours(self) -> dict[str, str]:
        """``#rrggbb`` colour of every label, the default included."""
        colours = {g.label: g.colour for g in self.groups}
        colours[self.default] = self.default_colour
        return colours

    def group(self, label: str) -> SubsystemGroup:
        """The group called ``label``; KeyError listing the labels if there is none."""
        for candidate in self.groups:
            if candidate.label == label:
                return candidate
        raise UnknownNameError(f"no subsystem group {label!r}; groups are {', '.join(g.label for g in self.groups)}")


def load_rules(path: str | os.PathLike) -> SubsystemRules:
    """Read and validate a subsystem rule file.

    Parameters
    ----------
    path : path-like
        A TOML file laid out as described in this module's docstring.

    Raises
    ------
    RuleFileError
        If the file is not valid TOML, or a group lacks a label, a ``#rrggbb`` colour, a
        rationale, citations or rules, or a rule names an unknown column or gives no labels.
    """
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise RuleFileError(path, f"line {line}: not UTF-8 text (byte {error.object[error.start]:#04x})") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(path, f"not valid TOML: {error}") from None
    return parse_rules(document, path)


def parse_rules(document: dict, path: str | os.PathLike = "<rules>") -> SubsystemRules:
    """Validate an already parsed rule document (the dict ``tomllib`` returns)."""
    default = _text(document, "default", path, None)
    if not _LABEL.match(default):
        raise RuleFileError(path, f"default label {default!r} must be letters, digits, '_' or '-'")
    default_colour = _colour(document, "default_colour", path, None)
    raw_groups = document.get("group")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise RuleFileError(path, "no [[group]] tables: a rule file needs at least one group")
    groups = tuple(_parse_group(raw, index, path) for index, raw in enumerate(raw_groups))
    seen: set[str] = set()
    for group in groups:
        if group.label in seen or group.label == default:
            raise RuleFileError(path, "label is used twice (groups and default must differ)", group.label)
        seen.add(group.label)
    return SubsystemRules(
        title=str(document.get("title", "")),
        groups=groups,
        default=default,
        default_colour=default_colour,
        default_rationale=str(document.get("default_rationale", "")).strip(),
        source=str(path),
    )


def _parse_group(raw: object, index: int, path: str | os.PathLike) -> SubsystemGroup:
    if not isinstance(raw, dict):
        raise RuleFileError(path, f"[[group]] number {index + 1} is not a table")
    label = raw.get("label")
    if not isinstance(label, str) or not _LABEL.match(label):
        raise RuleFileError(
            path, f"[[group]] number {index + 1} needs a label of letters, digits, '_' or '-', got {label!r}"
        )
    colour = _colour(raw, "colour", path, label)
    rationale = _text(raw, "rationale", path, label)
    citations = raw.get("citations")
    if (
        not isinstance(citations, list)
        or not citations
        or not all(isinstance(c, str) and c.strip() for c in citations)
    ):
        raise RuleFileError(path, "citations must be a non-empty list of strings", label)
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleFileError(path, "rules must be a non-empty list of tables such as { cell_type = [\"AVA\"] }", label)
    rules = tuple(_parse_rule(rule, number, path, label) for number, rule in enumerate(raw_rules, 1))
    unknown = set(raw) - {"label", "colour", "rationale", "citations", "rules"}
    if unknown:
        raise RuleFileError(path, f"unknown key(s) {', '.join(sorted(unknown))}", label)
    return SubsystemGroup(label, colour, rationale.strip(), tuple(c.strip() for c in citations), rules)


def _parse_rule(raw: object, number: int, path: str | os.PathLike, group: str) -> Rule:
    if not isinstance(raw, dict) or not raw:
        raise RuleFileError(path, f"rule {number} must be a non-empty table of column = [labels]", group)
    criteria = []
    for column, labels in raw.items():
        if column not in RULE_COLUMNS:
            raise RuleFileError(
                path, f"rule {number} names unknown column {column!r}; use one of {', '.join(RULE_COLUMNS)}", group
            )
        if isinstance(labels, str):
            labels = [labels]
        if not isinstance(labels, list) or not labels or not all(isinstance(v, str) and v for v in labels):
            raise RuleFileError(path, f"rule {number}: {column} must be a non-empty list of labels", group)
        criteria.append((column, tuple(labels)))
    return Rule(tuple(criteria))


def _text(table: dict, key: str, path: str | os.PathLike, group: str | None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(path, f"missing or empty {key!r}", group)
    return value


def _colour(table: dict, key: str, path: str | os.PathLike, group: str | None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise RuleFileError(path, f"{key} must be a colour written #rrggbb, got {value!r}", group)
    return value.lower()


def classify(connectome: Connectome, rules: SubsystemRules) -> Categorical:
    """The subsystem label of every cell: the first group (in file order) whose rules match.

    Returns
    -------
    Categorical
        One label per cell; its categories are :attr:`SubsystemRules.labels` in priority order
        (so codes are stable across datasets that share a rule file), used or not.
    """
    default_code = len(rules.groups)
    codes = np.full(connectome.n, default_code, dtype=np.int32)
    unclaimed = np.ones(connectome.n, dtype=bool)
    for code, group in enumerate(rules.groups):
        claimed = unclaimed & group.mask(connectome)
        codes[claimed] = code
        unclaimed &= ~claimed
    return Categorical(codes, rules.labels)


def apply_subsystems(connectome: Connectome, rules: SubsystemRules) -> Connectome:
    """A copy of ``connectome`` whose ``subsystem`` column holds :func:`classify`'s labels.

    ``meta["subsystem_rules"]`` records which rules these are, in the form :func:`resolve_rules`
    takes back, so a viewer can find the colours and rationales again: the name of a shipped
    rule set (``"celegans"``), or the path of one's own file.
    """
    result = connectome.with_columns(subsystem=classify(connectome, rules))
    result.meta["subsystem_rules"] = _recorded_name(rules)
    return result


def _recorded_name(rules: SubsystemRules) -> str:
    if not rules.source:
        return rules.title
    source = Path(rules.source)
    if source.stem in shipped_rule_sets() and _same_file(source, _shipped_path(source.stem)):
        return source.stem
    return str(source)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def rules_for(dataset: str) -> SubsystemRules:
    """The shipped rule file of ``dataset`` (``"celegans"`` or ``"flywire"``)."""
    return load_rules(_shipped_path(dataset))


def _shipped_path(dataset: str) -> Path:
    from brainview.resources import subsystem_rules_path

    return subsystem_rules_path(dataset)


def shipped_rule_sets() -> tuple[str, ...]:
    """Names of the rule sets shipped in ``assets/subsystems`` (``("celegans", "flywire")``)."""
    from brainview.resources import subsystem_rule_names

    return subsystem_rule_names()


def resolve_rules(rules: str | os.PathLike | SubsystemRules) -> SubsystemRules:
    """Rules given by name or file: what ``--rules NAME|FILE`` and ``load(rules=)`` take.

    Parameters
    ----------
    rules : str, path-like or SubsystemRules
        The name of a shipped rule set (:func:`shipped_rule_sets`), the path of one's own rule
        file, or rules already read (returned as they are).

    Raises
    ------
    UnknownNameError
        For a name that is neither a shipped rule set nor an existing file; it lists the
        shipped names.
    RuleFileError
        For a file that is not a valid rule file.
    """
    if isinstance(rules, SubsystemRules):
        return rules
    text = os.fspath(rules)
    shipped = shipped_rule_sets()
    if isinstance(rules, str) and text in shipped:
        return rules_for(text)
    path = Path(text)
    if path.is_file():
        return load_rules(path)
    raise UnknownNameError(
        f"no subsystem rule set {text!r}: give a shipped one ({', '.join(shipped)}) or the path of a rule file"
    )

