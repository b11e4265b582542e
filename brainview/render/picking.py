"""Picking by ID colour: draw each neuron's row + 1 as a 24-bit colour and read the pixels back.

Only a small square around the cursor is rendered, with every other visual hidden, and only the
neurons whose sprites reach that square are drawn (see :mod:`brainview.render.footprints`): a
pick at fly scale processes a handful of cells, not all of them, and a pick over empty space
draws nothing. The hit nearest the cursor wins, so tiny neurons are easy to click. A pick puts
back everything it changes, so it schedules no paint.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from brainview.render.offscreen import quietly, render_offscreen


def decode_ids(pixels: np.ndarray) -> np.ndarray:
    """Row under each pixel of an ID-colour image ((h, w, 3 or 4) uint8), -1 for background."""
    rgb = pixels[..., :3].astype(np.int64)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2] - 1


def pick_row(canvas, neurons, others, x: float, y: float, radius: int = 4, footprints=None) -> int | None:
    """The row of the neuron drawn at canvas position (x, y) (logical pixels from the top left).

    Parameters
    ----------
    canvas : vispy.scene.SceneCanvas
        The canvas to render.
    neurons : NeuronsVisual node
        Drawn in ID colours for the pick.
    others : iterable of visual nodes
        Hidden during the pick (meshes, lines, glow), so they neither show nor block.
    x, y : float
        Cursor position, canvas logical pixels.
    radius : int
        Half-size of the square searched around the cursor, pixels.
    footprints : ScreenFootprints, optional
        The neurons' squares on the canvas: only those reaching the searched square are drawn.
        None draws every neuron (same result, at the cost of all of them).
    """
    width, height = canvas.size
    if not (0 <= x < width and 0 <= y < height):
        return None
    left, top = int(max(x - radius, 0)), int(max(y - radius, 0))
    right, bottom = int(min(x + radius + 1, width)), int(min(y + radius + 1, height))
    only = nullcontext()
    if footprints is not None:
        candidates = footprints.rows_in(left, top, right, bottom)
        if candidates.size == 0:
            return None
        only = neurons.drawing_only(candidates)
    with quietly(canvas), only:
        hidden = [node for node in others if node.visible]
        for node in hidden:
            node.visible = False
        neurons.id_colors = True
        try:
            pixels = render_offscreen(canvas, region=(left, top, right - left, bottom - top), bgcolor=(0, 0, 0, 0))
        finally:
            neurons.id_colors = False
            for node in hidden:
                node.visible = True
    ids = decode_ids(pixels)
    ids[pixels[..., 3] < 255] = -1
    # the patch may be clipped at the canvas edge: search around where the cursor really is
    scale = pixels.shape[0] / max(bottom - top, 1)
    cursor_row, cursor_col = (y - top) * scale, (x - left) * scale
    rows, cols = np.nonzero(ids >= 0)
    if rows.size == 0:
        return None
    closest = np.argmin((rows - cursor_row) ** 2 + (cols - cursor_col) ** 2)
    return int(ids[rows[closest], cols[closest]])
