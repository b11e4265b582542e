"""Questions asked of a connectome: selections, partners, neighbourhoods, paths, group matrices.

Every function takes row indices (not source ids) and returns row indices, so results chain.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from brainview.connectome.arrays import exact_integers
from brainview.connectome.categorical import Categorical
from brainview.errors import InvalidConnectomeError, ParameterError, UnknownNameError

if TYPE_CHECKING:
    from brainview.connectome.connectome import Connectome

Labels = str | Iterable[str]

Selection = np.ndarray | Sequence[int] | str | None
"""Cells named by row indices, a boolean mask with one entry per cell, or a selector string."""


def rows_of(connectome: Connectome, selection: Selection) -> np.ndarray:
    """The sorted, unique int64 rows that ``selection`` names.

    Parameters
    ----------
    connectome : Connectome
        The cells.
    selection : array-like, str or None
        A boolean mask of N entries (``connectome["cell_type"] == "AVA"``), row indices, a
        selector string (``"subsystem:steering"``, see :mod:`brainview.connectome.selectors`),
        or None for every cell.

    Raises
    ------
    ParameterError
        For a mask of the wrong length, rows that are not whole numbers or out of range.
    SelectorError
        For a selector that is malformed or names no cell.
    """
    n = connectome.n
    if selection is None:
        return np.arange(n, dtype=np.int64)
    if isinstance(selection, str):
        from brainview.connectome.selectors import resolve  # selectors import this module

        return np.unique(resolve(connectome, selection)).astype(np.int64)
    array = np.asarray(selection)
    # A mask must never be read as rows: True and False would become cells 1 and 0.
    if array.dtype == bool:
        if array.shape != (n,):
            raise ParameterError(f"a mask needs one entry per cell ({n}), got shape {array.shape}")
        return np.flatnonzero(array).astype(np.int64)
    try:
        rows = np.unique(exact_integers(array, np.int64, "cell rows").ravel())
    except InvalidConnectomeError as error:
        raise ParameterError(str(error)) from None
    if rows.size and (rows[0] < 0 or rows[-1] >= n):
        raise ParameterError(f"cell rows must lie in [0, {n - 1}], got {rows[0]} .. {rows[-1]}")
    return rows


def select(connectome: Connectome, **criteria: Labels | Iterable[int]) -> np.ndarray:
    """Rows matching every criterion, sorted.

    Each keyword names a column (``cell_type``, ``cell_class``, ``super_class``, ``region``,
    ``subsystem``, ``nt``, ``kind``, ``side``, ``name``...) and gives one label or several; a
    label with ``*`` or ``?`` is a shell-style pattern. ``id`` takes source ids.

    Examples
    --------
    >>> select(worm, cell_type=["AVA", "AVB"], nt="ACh")  # doctest: +SKIP
    """
    mask = np.ones(connectome.n, dtype=bool)
    for key, wanted in criteria.items():
        if key == "id":
            ids = np.atleast_1d(np.asarray(wanted, dtype=np.int64))
            mask &= np.isin(connectome.ids, ids)
            continue
        if key not in connectome.columns:
            raise UnknownNameError(f"unknown column {key!r}; columns are {sorted(connectome.columns)}")
        column = connectome.columns[key]
        if not isinstance(column, Categorical):
            raise ParameterError(f"column {key!r} is numeric; select by label needs a string column")
        mask &= label_mask(column, wanted)
    return np.flatnonzero(mask)


def label_mask(column: Categorical, wanted: Labels) -> np.ndarray:
    """Rows whose label equals one of ``wanted`` or matches one of its shell patterns."""
    wanted = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
    exact = {w for w in wanted if not _is_pattern(w)}
    patterns = [re.compile(fnmatch.translate(w)) for w in wanted if _is_pattern(w)]
    # One pass over the categories (FlyWire's name column has 139,255 of them), with a set
    # lookup and precompiled patterns; the extra last slot is the missing code, -1.
    hit = np.fromiter(
        (c in exact or any(p.match(c) for p in patterns) for c in column.categories),
        dtype=bool,
        count=len(column.categories),
    )
    return np.append(hit, False)[column.codes]


def _is_pattern(label: str) -> bool:
    return any(ch in label for ch in "*?[")


def downstream(connectome: Connectome, rows: Iterable[int] | int, min_count: float = 1) -> np.ndarray:
    """Cells that receive at least ``min_count`` synapses from any of ``rows``."""
    return _partners(connectome.chemical, _checked_rows(connectome, rows), min_count)


def upstream(connectome: Connectome, rows: Iterable[int] | int, min_count: float = 1) -> np.ndarray:
    """Cells that send at least ``min_count`` synapses to any of ``rows``."""
    return _partners(connectome.chemical.transposed, _checked_rows(connectome, rows), min_count)


def _checked_rows(connectome: Connectome, rows: Iterable[int] | int) -> np.ndarray:
    """``rows`` (one or many row numbers) as :func:`rows_of` checks them."""
    return rows_of(connectome, np.atleast_1d(np.asarray(rows, dtype=np.int64)))


def _partners(csr, rows: np.ndarray, min_count: float) -> np.ndarray:
    edges = csr.edges_of(rows)  # the rows' connections only, without a Python loop per row
    return np.unique(csr.indices[edges][csr.weight[edges] >= min_count]).astype(np.int64)


@dataclass(frozen=True)
class Partner:
    """One partner of a cell: its row, the synapse count and the sign of the connection."""

    row: int
    count: float
    sign: int


def partner_table(connectome: Connectome, row: int, direction: str = "out") -> list[Partner]:
    """The partners of one cell with synapse counts, strongest first.

    ``direction`` is ``"out"`` (downstream targets) or ``"in"`` (upstream sources).
    """
    if direction not in ("in", "out"):
        raise ValueError(f"direction must be 'in' or 'out', was {direction!r}")
    csr = connectome.chemical if direction == "out" else connectome.chemical.transposed
    span = csr.row(row)
    order = np.argsort(-csr.weight[span], kind="stable")
    return [
        Partner(int(csr.indices[span][i]), float(csr.weight[span][i]), int(csr.sign[span][i]))
        for i in order
    ]


def neighbourhood(
    connectome: Connectome, rows: Iterable[int] | int, hops: int = 1, direction: str = "both"
) -> np.ndarray:
    """Cells within ``hops`` synaptic steps of ``rows`` (the seeds included).

    ``direction`` is ``"out"``, ``"in"`` or ``"both"``.
    """
    if hops < 0:
        raise ValueError(f"hops must be at least 0, was {hops}")
    frontier = np.unique(np.atleast_1d(np.asarray(rows, dtype=np.int64)))
    seen = np.zeros(connectome.n, dtype=bool)
    seen[frontier] = True
    for _ in range(hops):
        step = []
        if direction in ("out", "both"):
            step.append(downstream(connectome, frontier))
        if direction in ("in", "both"):
            step.append(upstream(connectome, frontier))
        reached = np.concatenate(step) if step else np.zeros(0, np.int64)
        frontier = reached[~seen[reached]]
        if frontier.size == 0:
            break
        seen[frontier] = True
    return np.flatnonzero(seen)


def shortest_path(connectome: Connectome, source: int, target: int, min_count: float = 1) -> list[int]:
    """Fewest-hop chemical path from ``source`` to ``target`` (rows), or [] if none exists.

    Breadth-first over connections with at least ``min_count`` synapses, one whole level at a
    time in numpy (O(connections) in all, no Python loop per cell). Cells of a level are kept in
    the order a queue would visit them, so the path is the one a queue-based search finds.
    """
    csr = connectome.chemical
    parent = np.full(connectome.n, -1, np.int64)
    parent[source] = source
    frontier = np.array([source], np.int64)
    while frontier.size and parent[target] < 0:
        edges = csr.edges_of(frontier)  # in the frontier's order
        keep = csr.weight[edges] >= min_count
        there, here = csr.indices[edges][keep], np.repeat(frontier, np.diff(csr.indptr)[frontier])[keep]
        new = parent[there] < 0
        there, here = there[new], here[new]
        cells, first = np.unique(there, return_index=True)  # a cell's first finder is its parent
        order = np.argsort(first, kind="stable")
        frontier = cells[order].astype(np.int64)
        parent[frontier] = here[first[order]]
    if parent[target] < 0:
        return []
    path = [int(target)]
    while path[-1] != source:
        path.append(int(parent[path[-1]]))
    return path[::-1]


@dataclass(frozen=True)
class GroupMatrix:
    """Synapse counts between groups: ``counts[i, j]`` from ``labels[i]`` to ``labels[j]``."""

    labels: tuple[str, ...]
    counts: np.ndarray
    signed: np.ndarray


def group_matrix(connectome: Connectome, by: str, rows: np.ndarray | None = None) -> GroupMatrix:
    """Sum synapse counts between the groups of column ``by`` (cells with no label skipped).

    ``signed`` holds count x sign, so inhibitory connections subtract.
    """
    column = connectome.columns[by]
    if not isinstance(column, Categorical):
        raise ParameterError(f"column {by!r} is numeric; group by a string column")
    csr = connectome.chemical
    group_pre = column.codes[csr.pre]
    group_post = column.codes[csr.indices]
    keep = (group_pre >= 0) & (group_post >= 0)
    if rows is not None:
        inside = np.zeros(connectome.n, bool)
        inside[rows] = True
        keep &= inside[csr.pre] & inside[csr.indices]
    k = len(column.categories)
    flat = group_pre[keep].astype(np.int64) * k + group_post[keep]
    counts = np.bincount(flat, weights=csr.weight[keep], minlength=k * k).reshape(k, k)
    signed = np.bincount(flat, weights=(csr.weight * csr.sign)[keep], minlength=k * k).reshape(k, k)
    return GroupMatrix(column.categories, counts, signed)
