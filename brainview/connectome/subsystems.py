"""Subsystem rules: named groups of cells ("steering", "learning", ...) defined by selectors.

A rule file is TOML, one per dataset (``assets/subsystems/<dataset>.toml``)::

    title = "C. elegans hermaphrodite subsystems"
    default = "other"                  # label of cells no group claims
    default_colour = "#9e9e9e"
    default_rationale = "Cells outside every group above."

    [[group]]
    label = "steering"
    colour = "#d62728"
    rationale = "Why these cells belong together (one paragraph)."
    citations = ["White et al. 1986, Phil. Trans. R. Soc. B 314:1-340, doi:10.1098/rstb.1986.0056"]
    rules = [
        { cell_type = ["CEP", "ADE", "PDE"] },
        { super_class = ["endocrine"] },
        { name = ["AVA*"], side = ["left"] },
        { id = [720575940622486057] },
    ]

A rule maps columns to lists of labels; a label containing ``*``, ``?`` or ``[`` is a shell
pattern. The ``id`` column takes the source's integer ids instead (a group made from a
selection of cells whose names are not unique, as in FlyWire). A cell matches a rule when every
column of the rule matches (AND), and a group when any of its rules matches (OR). Groups are
tried in file order and the first match wins, so a cell belongs to exactly one subsystem.

A citation may end with its link: ``doi:10.xxxx/yyyy`` or an ``https://`` address
(:func:`citation_link`). A group made in the app may have no citations (``citations = []``).

This module holds the rules as immutable values, with the edits the app makes to them
(:meth:`SubsystemRules.with_group`, :meth:`~SubsystemRules.edited`, ...), and applies them to a
connectome; :mod:`brainview.connectome.subsystem_files` reads and writes the files, and
:mod:`brainview.connectome.subsystem_making` makes groups from a selection or a selector.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import STRING_COLUMNS, Connectome
from brainview.connectome.queries import label_mask
from brainview.errors import BrainviewError, ParameterError, UnknownNameError

RULE_COLUMNS = tuple(c for c in STRING_COLUMNS if c != "subsystem")
"""String columns a rule may test: every standard string column except the output column itself."""

ID_COLUMN = "id"
"""The column of source ids a rule may also test, with integers instead of labels."""

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LABEL = re.compile(r"^[A-Za-z0-9_\-]+$")
"""What a ``#rrggbb`` colour and a group label look like."""

_DOI = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+?)[.,;)]*$", re.IGNORECASE)
_URL = re.compile(r"(https?://\S+?)[.,;)]*$")


class RuleFileError(BrainviewError, ValueError):
    """A subsystem rule file that cannot be used; the message names the file, the line and the key.

    Parameters
    ----------
    path : path-like
        The rule file.
    problem : str
        What is wrong ("must be a colour written #rrggbb, got 'red'").
    group : str, optional
        The label of the group the problem is in.
    line : int, optional
        1-based line of the problem in the file.
    key : str, optional
        The key (``colour``, ``rules``, a column) the problem is in.
    """

    def __init__(self, path: str | os.PathLike, problem: str, group: str | None = None,
                 line: int | None = None, key: str | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.group = group
        self.line = line
        self.key = key
        where = str(self.path) + (f", line {line}" if line is not None else "")
        where += (f", group {group!r}" if group else "") + (f", key {key!r}" if key else "")
        super().__init__(f"{where}: {problem}")


def citation_link(citation: str) -> str | None:
    """The address a citation ends with: ``doi:10.x/y`` as ``https://doi.org/10.x/y``, or its URL.

    Examples
    --------
    >>> citation_link("Chase DL, Koelle MR (2007) WormBook, doi:10.1895/wormbook.1.132.1.")
    'https://doi.org/10.1895/wormbook.1.132.1'
    >>> citation_link("Byrnes S (2022) Intro to Brain-Like-AGI Safety, https://example.org/post") is None
    False
    >>> citation_link("White JG et al. (1986) Phil Trans R Soc Lond B 314:1-340.") is None
    True
    """
    words = citation.strip().split()
    if not words:
        return None
    tail = " ".join(words[-2:]) if words[-2:-1] == ["doi:"] else words[-1]
    doi = _DOI.search(tail)
    if doi is not None:
        return f"https://doi.org/{doi.group(1)}"
    url = _URL.fullmatch(tail)
    return url.group(1) if url is not None else None


@dataclass(frozen=True)
class Rule:
    """One conjunction: every column must hold one of its labels (or match one of its patterns).

    Parameters
    ----------
    criteria : tuple of (str, tuple)
        ``(column, labels)`` pairs, in file order; the labels of :data:`ID_COLUMN` are ints.
    """

    criteria: tuple[tuple[str, tuple[str, ...] | tuple[int, ...]], ...]

    def mask(self, connectome: Connectome) -> np.ndarray:
        """Boolean mask of the cells of ``connectome`` this rule matches."""
        hit = np.ones(connectome.n, dtype=bool)
        for column, labels in self.criteria:
            if column == ID_COLUMN:
                hit &= np.isin(connectome.ids, np.asarray(labels, dtype=np.int64))
            else:
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
        ``#rrggbb`` display colour (lower case).
    rationale : str
        One paragraph: why these cells form a group.
    citations : tuple of str
        The literature the rationale rests on (none for a group made in the app).
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

    Values are immutable: the edit methods return new rules (so an edit is undone by keeping
    the old value) and check what they are given, raising :class:`~brainview.errors.ParameterError`.

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
        The file the rules were read from ("" when built in code or edited).
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

    # -- edits (each returns new rules, not read from any file) ------------------------------
    def with_group(self, group: SubsystemGroup, position: int | None = None) -> SubsystemRules:
        """These rules with ``group`` inserted at ``position`` (first = highest priority; None: last)."""
        check_label(group.label, self.labels)
        check_colour(group.colour)
        groups = list(self.groups)
        groups.insert(len(groups) if position is None else position, group)
        return replace(self, groups=tuple(groups), source="")

    def edited(self, label: str, new_label: str | None = None, colour: str | None = None) -> SubsystemRules:
        """These rules with the group ``label`` renamed to ``new_label`` and/or recoloured."""
        old = self.group(label)
        if new_label is not None and new_label != label:
            check_label(new_label, self.labels)
        if colour is not None:
            check_colour(colour)
        new = replace(old, label=new_label or label, colour=(colour or old.colour).lower())
        return replace(self, groups=tuple(new if g is old else g for g in self.groups), source="")

    def moved(self, label: str, offset: int) -> SubsystemRules:
        """These rules with the group ``label`` moved ``offset`` places (negative: earlier, so it
        claims its cells before the groups it passes)."""
        groups = list(self.groups)
        index = groups.index(self.group(label))
        target = min(max(index + offset, 0), len(groups) - 1)
        groups.insert(target, groups.pop(index))
        return replace(self, groups=tuple(groups), source="")

    def without(self, label: str) -> SubsystemRules:
        """These rules without the group ``label`` (its cells fall to later groups or the default)."""
        old = self.group(label)
        return replace(self, groups=tuple(g for g in self.groups if g is not old), source="")


def check_label(label: str, taken: tuple[str, ...]) -> None:
    """ParameterError unless ``label`` is a valid group label not in ``taken``."""
    if not isinstance(label, str) or not LABEL.match(label):
        raise ParameterError(f"a group label is letters, digits, '_' or '-', got {label!r}")
    if label in taken:
        raise ParameterError(f"there is a group called {label!r} already")


def check_colour(colour: str) -> None:
    """ParameterError unless ``colour`` is written ``#rrggbb``."""
    if not isinstance(colour, str) or not COLOUR.match(colour):
        raise ParameterError(f"a colour is written #rrggbb, got {colour!r}")


def empty_groups(connectome: Connectome, rules: SubsystemRules) -> tuple[str, ...]:
    """Labels of the groups whose rules match no cell of ``connectome`` (in file order)."""
    return tuple(g.label for g in rules.groups if not g.mask(connectome).any())


def rules_fit(connectome: Connectome, rules: SubsystemRules) -> bool:
    """True when some group of ``rules`` claims a cell of ``connectome`` (else all would be grey)."""
    return len(empty_groups(connectome, rules)) < len(rules.groups)


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
    from brainview.connectome.subsystem_files import load_rules

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
    from brainview.connectome.subsystem_files import load_rules

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



_FILE_FUNCTIONS = ("load_rules", "parse_rules", "write_rules", "format_rules")


def __getattr__(name: str):
    # The file functions live in subsystem_files (which imports this module); they are
    # importable from here too, as they were before the split, without an import cycle.
    if name in _FILE_FUNCTIONS:
        from brainview.connectome import subsystem_files

        return getattr(subsystem_files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
