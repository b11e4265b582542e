"""Where to draw each cell when a connectome's positions are missing or incomplete.

Readers already lay out sources without positions (``brainview.connectome.layout``) or place
them in neuropil meshes (``brainview.connectome.neuropils``; the view then says so); this is
the last guard for connectomes built in code or edited: NaN rows would poison the GPU buffers,
so they are placed here and the view says what it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.layout import fill_missing_positions


@dataclass(frozen=True)
class Placement:
    """Finite positions for every cell and what was done to get them.

    Parameters
    ----------
    positions : numpy.ndarray
        (N, 3) float32 micrometres, all finite.
    estimated : numpy.ndarray
        (N,) bool, True where the position was computed here.
    laid_out : bool
        True when no cell had a position, so the whole picture is a computed layout.
    messages : tuple of str
        What the user should know, in words (empty when the positions were complete).
    """

    positions: np.ndarray
    estimated: np.ndarray
    laid_out: bool
    messages: tuple[str, ...]


def place_cells(connectome: Connectome) -> Placement:
    """Positions for drawing ``connectome``: its own where finite, computed elsewhere."""
    n = connectome.n
    position = np.asarray(connectome.position, np.float32).reshape(n, 3)
    missing = ~np.isfinite(position).all(axis=1)
    if n == 0:
        return Placement(position, missing, False, ("the connectome has no cells; there is nothing to draw",))
    if not missing.any():
        return Placement(position, missing, False, _placed_in_meshes(connectome))
    filled, _ = fill_missing_positions(position, connectome.chemical, connectome.gap)
    if missing.all():
        message = (
            f"none of the {n:,} cells has a position; showing a computed spectral layout "
            "(partners near each other; not anatomy)"
        )
        return Placement(filled, missing, True, (message,))
    message = (
        f"{int(missing.sum()):,} of {n:,} cells have no position (NaN); they are drawn at the "
        "mean position of their synaptic partners (estimated, not measured)"
    )
    return Placement(filled, missing, False, (message,))


def _placed_in_meshes(connectome: Connectome) -> tuple[str, ...]:
    """The message for cells a reader placed in neuropil meshes (``meta["positions_placed"]``), if any."""
    placed = connectome.meta.get("positions_placed")
    if not placed:
        return ()
    return (
        f"{int(placed):,} of {connectome.n:,} cells have no measured position: each is drawn at a random point "
        f"inside the mesh of its main neuropil (from {connectome.meta.get('positions_meshes', 'neuropil meshes')})",
    )
