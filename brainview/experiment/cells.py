"""Cell sets by key: made from a browser node, a selector or one cell, and found again from the key.

A :class:`~brainview.experiment.model.CellSet`'s key says how its cells were chosen, so an
experiment file can name a set by its key alone and the same cells are found again on the same
dataset (the file's digest makes sure it is the same):

``column=label[/column=label...]``
    A node of the cell-type browser: the cells holding every label (``(unlabelled)`` for cells
    with none), e.g. ``subsystem=steering/cell_class=motor``.
``selector:SELECTOR``
    Any selector (``selector:type:AVA``, ``selector:ALML,ALMR``).
``cell:ID``
    One cell by its source id.

A set with any other key (a lesson's group, say) is written with its cell ids.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.selectors import Selector
from brainview.errors import ParameterError
from brainview.experiment.model import CellSet

UNLABELLED = "(unlabelled)"
"""A browser node of the cells with no label in a column."""


def cells_from_selector(connectome: Connectome, text: str) -> CellSet:
    """The cells named by a selector string (``type:AVA``, ``ALML,ALMR,AVM``...).

    Raises
    ------
    SelectorError
        If the text does not parse or selects no cell; the message says why.
    """
    selector = Selector.parse(text)
    rows = selector.resolve(connectome)
    label = ",".join(selector.values) if selector.column in ("name", "cell_type") else str(selector)
    return CellSet(f"selector:{selector}", label, rows)


def cell(connectome: Connectome, row: int) -> CellSet:
    """One cell, labelled by its name (or its id when it has none)."""
    name = connectome["name"][row] or f"id {int(connectome.ids[row])}"
    return CellSet(f"cell:{int(connectome.ids[row])}", name, np.array([row]))


def node_key(parts: list[tuple[str, str]]) -> str:
    """The key of the browser node ``[(column, label), ...]``, outermost first."""
    return "/".join(f"{column}={label}" for column, label in parts)


def resolvable(key: str) -> bool:
    """True when :func:`cells_from_key` can find a set's cells from ``key`` alone."""
    if key.startswith(("selector:", "cell:")):
        return True
    return bool(key) and all("=" in part for part in key.split("/"))


def cells_from_key(connectome: Connectome, key: str, label: str) -> CellSet:
    """The cell set called ``key`` on ``connectome`` (see the module docstring).

    Raises
    ------
    ParameterError
        If the key has none of the forms above, names an unknown column, or selects no cell.
    """
    if key.startswith("selector:"):
        rows = Selector.parse(key.removeprefix("selector:")).resolve(connectome)
    elif key.startswith("cell:"):
        try:
            ids = np.array([int(key.removeprefix("cell:"))], np.int64)
        except ValueError:
            raise ParameterError(f"{key!r}: a cell key is cell:<id>") from None
        rows = connectome.index_of_ids(ids)
        if rows[0] < 0:
            raise ParameterError(f"{key!r}: the dataset has no cell with id {ids[0]}")
    elif resolvable(key):
        hit = np.ones(connectome.n, bool)
        for part in key.split("/"):
            column, _, value = part.partition("=")
            codes = connectome.columns.get(column)
            if not isinstance(codes, Categorical):
                raise ParameterError(f"{key!r}: {column!r} is not a label column of the dataset")
            hit &= codes.codes == MISSING if value == UNLABELLED else codes.mask(value)
        rows = np.flatnonzero(hit)
    else:
        raise ParameterError(f"{key!r} names no cells by itself; give the cell ids")
    if rows.size == 0:
        raise ParameterError(f"{key!r} selects no cell of this dataset")
    return CellSet(key, label, rows)
