"""Which synapses to draw as lines, and in what colour (pure numpy; no OpenGL).

Two sets: the inputs and outputs of the selected cells, and an optional global budget of the
strongest connections. Lines are coloured by sign (excitatory warm, inhibitory blue) and made
more opaque the more synapses the connection has (log scale: counts span 1 to thousands).
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.paths import Links

DEFAULT_EDGE_BUDGET = 200_000
"""Connections the global edge layer draws when switched on without a number."""
PARTNER_LIMIT = 50_000
"""Most partner lines drawn for one selection (the strongest are kept)."""

EXCITATORY_RGB = (1.00, 0.55, 0.22)
INHIBITORY_RGB = (0.30, 0.62, 1.00)


def partner_synapses(
    connectome: Connectome, rows: np.ndarray, direction: str = "both", limit: int = PARTNER_LIMIT
) -> Links:
    """The chemical connections into and/or out of ``rows``.

    Parameters
    ----------
    connectome : Connectome
        The cells and synapses.
    rows : array of int
        The selected cells.
    direction : str
        "out" (to their targets), "in" (from their sources) or "both".
    limit : int
        Keep at most this many connections, the strongest.
    """
    if direction not in ("in", "out", "both"):
        raise ValueError(f"direction must be 'in', 'out' or 'both', was {direction!r}")
    chemical = connectome.chemical
    rows = np.unique(np.asarray(rows, np.int64).ravel())
    if rows.size == 0 or chemical.n_connections == 0:
        return Links.empty()
    # From the CSR rows of the selected cells (and of the table by target for inputs): the cost
    # is their degree, not the 15 M connections of a whole fly brain.
    parts = []
    if direction in ("out", "both"):
        edges = chemical.edges_of(rows)
        parts.append((np.repeat(rows, np.diff(chemical.indptr)[rows]), chemical.indices[edges],
                      chemical.weight[edges], chemical.sign[edges]))
    if direction in ("in", "both"):
        inputs = chemical.transposed
        edges = inputs.edges_of(rows)
        pre, post = inputs.indices[edges].astype(np.int64), np.repeat(rows, np.diff(inputs.indptr)[rows])
        if direction == "both":  # a connection between two selected cells is already an output
            keep = ~np.isin(pre, rows)
            edges, pre, post = edges[keep], pre[keep], post[keep]
        parts.append((pre, post, inputs.weight[edges], inputs.sign[edges]))
    pre, post, count, sign = (np.concatenate(columns) for columns in zip(*parts))
    order = np.lexsort((post, pre))  # the table's own order, as a scan of every connection gives
    return Links(pre[order].astype(np.int64), post[order].astype(np.int64), count[order], sign[order]).strongest(limit)


def strongest_synapses(connectome: Connectome, k: int) -> Links:
    """The ``k`` connections with the most synapses in the whole connectome (the edge budget)."""
    chemical = connectome.chemical
    if k <= 0 or chemical.n_connections == 0:
        return Links.empty()
    if k >= chemical.n_connections:
        where = np.arange(chemical.n_connections)
    else:
        where = np.sort(np.argpartition(-chemical.weight, k - 1)[:k])
    return Links.of_connections(chemical, where)


def line_colors(synapses: Links, max_count: float | None = None, alpha_range=(0.12, 0.9)) -> np.ndarray:
    """RGBA per connection: colour by sign, alpha rising with log(1 + synapse count).

    Parameters
    ----------
    synapses : Links
        The connections.
    max_count : float, optional
        Count that gets full alpha; default the largest in ``synapses``.
    alpha_range : (float, float)
        Alpha of a 1-synapse connection and of one with ``max_count``.
    """
    count = np.asarray(synapses.count, np.float64)
    rgba = np.empty((len(synapses), 4), np.float32)
    if len(synapses) == 0:
        return rgba
    top = float(max_count) if max_count is not None else float(count.max())
    strength = np.log1p(np.clip(count, 0, None)) / np.log1p(max(top, 1.0))
    low, high = alpha_range
    rgba[:, :3] = np.where(synapses.sign[:, None] < 0, INHIBITORY_RGB, EXCITATORY_RGB)
    rgba[:, 3] = low + (high - low) * np.clip(strength, 0.0, 1.0)
    return rgba
