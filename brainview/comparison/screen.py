"""Lesion screens: one condition per label of a column, within a selection of cells.

``silence_each(connectome, "cell_type", within)`` makes one condition per cell type present in
``within``, silencing that type's cells inside the selection; ``"name"`` makes one per cell (a
cell without a name is named by its id). Shiu et al. 2024 screened the fly this way, one
neuron at a time against a motor readout.
"""

from __future__ import annotations

import numpy as np

from brainview.comparison.design import Condition, Lesion
from brainview.connectome import Connectome
from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.selectors import FIELDS
from brainview.errors import ParameterError
from brainview.experiment.model import CellSet
from brainview.sim.lesions import LesionMode


def silence_each(
    connectome: Connectome, column: str, within: CellSet, mode: LesionMode | str = LesionMode.SILENCE
) -> tuple[Condition, ...]:
    """One lesion condition per label of ``column`` among the cells of ``within``.

    Parameters
    ----------
    column : str
        A label column (``cell_type``, ``cell_class``, ``region``...; the selector prefixes
        ``type`` and ``class`` work too), or ``name`` for one condition per cell.
    within : CellSet
        The cells screened; labels are taken in the order of their first cell.

    Raises
    ------
    ParameterError
        If ``column`` is not a label column of the dataset, or no cell of ``within`` has a label.
    """
    mode = LesionMode.parse(mode)
    name = FIELDS.get(column, column)
    rows = within.rows
    if name == "name":
        labels = connectome["name"]
        conditions = []
        for row in rows:
            label = (labels[row] if isinstance(labels, Categorical) else str(labels[row])) or f"id {connectome.ids[row]}"
            cells = CellSet(f"screen:{within.key}/cell:{int(connectome.ids[row])}", label, np.array([row]))
            conditions.append(Condition(f"{mode.value} {label}", (Lesion(cells, mode),)))
        return _unique(conditions)
    codes = connectome.columns.get(name)
    if not isinstance(codes, Categorical):
        labelled = [k for k, v in connectome.columns.items() if isinstance(v, Categorical)]
        raise ParameterError(f"--silence-each {column!r} is not a label column; the dataset has {', '.join(labelled)}")
    inside = codes.codes[rows]
    order = [int(c) for c in dict.fromkeys(inside.tolist()) if c != MISSING]
    if not order:
        raise ParameterError(f"no cell of {within.label!r} has a {name} label; nothing to screen")
    conditions = []
    for code in order:
        label = codes.categories[code]
        cells = CellSet(f"screen:{within.key}/{name}={label}", label, rows[inside == code])
        conditions.append(Condition(f"{mode.value} {label}", (Lesion(cells, mode),)))
    return tuple(conditions)


def _unique(conditions: list[Condition]) -> tuple[Condition, ...]:
    """Conditions with repeated names (two cells called alike) told apart by their cell id."""
    names = [c.name for c in conditions]
    out = []
    for condition in conditions:
        if names.count(condition.name) > 1:
            cell_id = condition.lesions[0].cells.key.rpartition("cell:")[2]
            condition = Condition(f"{condition.name} (id {cell_id})", condition.lesions)
        out.append(condition)
    return tuple(out)
