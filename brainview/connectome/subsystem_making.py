"""Groups made in the app: from a selection of cells or from a selector string.

A group made from a selection matches exactly those cells: by name where each name is unique
in the dataset (the worm), else by source id (FlyWire, whose names repeat). A group made from
a selector keeps the selector's test (``type:AVA`` becomes ``{ cell_type = ["AVA"] }``), so it
follows the labels, also on another dataset.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome.connectome import Connectome
from brainview.connectome.subsystems import (
    ID_COLUMN, RULE_COLUMNS, Rule, SubsystemGroup, SubsystemRules, check_colour, check_label,
)
from brainview.errors import ParameterError


def blank_rules(title: str = "My groups") -> SubsystemRules:
    """Rules with no group yet, for a dataset no rule set fits: every cell is ``other``."""
    return SubsystemRules(title, (), "other", "#9e9e9e", "Cells outside every group above.")


def rule_for_rows(connectome: Connectome, rows: np.ndarray) -> Rule:
    """A rule matching exactly the cells ``rows``: by name where each of their names is unique
    in the dataset and no shell pattern, else by source id."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if rows.size == 0:
        raise ParameterError("no cells to make a group of")
    names = [str(n) for n in connectome.names[rows]]
    column = connectome.columns["name"]
    if all(names) and not any(ch in n for n in names for ch in "*?["):
        counts = np.bincount(column.codes[column.codes >= 0], minlength=len(column.categories))
        codes = column.codes[rows]
        if np.all(codes >= 0) and np.all(counts[codes] == 1):
            return Rule((("name", tuple(names)),))
    return Rule(((ID_COLUMN, tuple(int(i) for i in connectome.ids[rows])),))


def rule_for_selector(connectome: Connectome, text: str) -> Rule:
    """The rule a selector string (``type:AVA,AVB``, ``name:AVA*``, ``id:3,4``) stands for.

    A selector on a column a rule can test becomes that test, patterns and all, so the group
    follows the labels (on another dataset too); one on ``subsystem`` (the column the rules
    make) becomes the cells it selects now (:func:`rule_for_rows`).

    Raises
    ------
    SelectorError
        For a selector that cannot be parsed or selects no cell.
    """
    from brainview.connectome.selectors import Selector

    selector = Selector.parse(text)
    rows = selector.resolve(connectome)  # a selector that selects nothing would make an empty group
    if selector.column == ID_COLUMN:
        return Rule(((ID_COLUMN, tuple(int(v) for v in selector.values)),))
    if selector.column in RULE_COLUMNS:
        return Rule(((selector.column, selector.values),))
    return rule_for_rows(connectome, rows)


def new_group(label: str, colour: str, rule: Rule, rationale: str) -> SubsystemGroup:
    """A group made in the app (no citations), checked like a group read from a file."""
    check_label(label, ())
    check_colour(colour)
    if not rationale.strip():
        raise ParameterError("a group needs a rationale: why these cells belong together")
    return SubsystemGroup(label, colour.lower(), rationale.strip(), (), (rule,))
