"""What a stimulus, lesion or probe acts on: a selector string, a parsed selector or rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.arrays import exact_integers
from brainview.connectome.selectors import Selector, SelectorError
from brainview.errors import InvalidConnectomeError

Target = str | Selector | np.ndarray | Sequence[int]
"""A selector string (``"type:AVA"``, ``"class:DAN"``, ``"ALML,ALMR"``), a :class:`Selector`,
row indices of the connectome, or a boolean mask with one entry per cell
(``connectome["cell_type"] == "AVA"``)."""


def resolve_target(connectome: Connectome, target: Target) -> tuple[np.ndarray, str]:
    """The sorted, unique rows ``target`` names, and a label for logs.

    Raises
    ------
    SelectorError
        If a selector is malformed or names no cell, or the rows are empty or out of range.
    """
    if isinstance(target, str):
        selector = Selector.parse(target)
        return np.unique(selector.resolve(connectome)).astype(np.int64), str(selector)
    if isinstance(target, Selector):
        return np.unique(target.resolve(connectome)).astype(np.int64), str(target)
    array = np.asarray(target)
    if array.dtype == bool:  # a mask, never rows: True and False would be read as cells 1 and 0
        if array.shape != (connectome.n,):
            raise SelectorError(f"a mask needs one entry per cell ({connectome.n}), got shape {array.shape}")
        target = np.flatnonzero(array)
    try:
        rows = np.unique(exact_integers(target, np.int64, "cell rows").ravel())
    except InvalidConnectomeError as error:
        raise SelectorError(str(error)) from None
    if rows.size == 0:
        raise SelectorError("the selection is empty: choose at least one cell")
    if rows[0] < 0 or rows[-1] >= connectome.n:
        raise SelectorError(f"cell rows must lie in [0, {connectome.n - 1}], got {rows[0]} .. {rows[-1]}")
    return rows, _rows_label(connectome, rows)


def _rows_label(connectome: Connectome, rows: np.ndarray) -> str:
    names = connectome["name"]
    shown = [names[int(r)] or f"#{int(r)}" for r in rows[:3]]
    more = f" and {rows.size - 3} more" if rows.size > 3 else ""
    return ",".join(shown) + more
