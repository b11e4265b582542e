"""Where each neuron's sprite lands on the canvas, so that small passes draw only the cells there.

A pick reads a few pixels around the cursor and a hover patch redraws the square around one
neuron: only the neurons whose sprites reach that area can change those pixels. Their squares
on the canvas are computed on the CPU (one 4 x 4 transform of every centre) once per camera
and data, then every pick and hover until the camera moves or the radii change selects its
few rows from them with four comparisons per cell, instead of running every cell through the
vertex shader and rasteriser (about a microsecond each with software OpenGL).

The squares are conservative: they may include a cell that draws no pixel in the area (it is
then drawn for nothing) but never leave out one that draws there, so a pass over the selected
rows gives the same pixels as a pass over all of them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import numpy as np

from brainview.render.visuals._gl import camera_uniforms, projective_matrix

MARGIN_PX = 1.0
"""Added to every sprite's half-size (logical pixels): rasterising a point may touch the pixel
beyond its nominal edge."""


class ScreenFootprints:
    """The canvas square each neuron's sprite may cover, recomputed only when the camera or radii change.

    Parameters
    ----------
    neurons : Neurons node
        The neurons visual, on a canvas (its transforms give the camera).
    """

    def __init__(self, neurons) -> None:
        self._neurons = neurons
        self._key: tuple | None = None
        self._centres = np.zeros((0, 2))
        self._half = np.zeros(0)
        self.computed = 0
        """How many times every cell was projected (once per camera and data; for tests)."""

    def _current(self) -> tuple[np.ndarray, np.ndarray]:
        """(N, 2) canvas centres (logical pixels from the top left) and (N,) half-sizes."""
        neurons = self._neurons
        to_canvas = projective_matrix(neurons.get_transform("visual", "canvas"))
        px_per_um = camera_uniforms(neurons.get_transform("visual", "framebuffer")).px_per_um
        pixel_scale = float(neurons.canvas.pixel_scale)
        key = (to_canvas.tobytes(), px_per_um, pixel_scale, neurons.geometry_version, neurons.radius_scale)
        if key != self._key:
            positions = np.asarray(neurons.positions, np.float64)
            # x, y and w of the canvas position; the canvas-to-framebuffer step is a 2D scaling,
            # so w is also the framebuffer's w, which the shader divides the radius by
            clip = positions @ to_canvas[[0, 1, 3], :3].T + to_canvas[[0, 1, 3], 3]
            w = clip[:, 2]
            ahead = w > 0
            safe_w = np.where(ahead, w, 1.0)
            radius_px = np.asarray(neurons.radii, np.float64) * neurons.radius_scale * px_per_um / safe_w
            # the shader's lower clamp and selection ring can only make a sprite bigger
            half = (np.maximum(radius_px, neurons.min_radius_px) + neurons.ring_px) / pixel_scale + MARGIN_PX
            self._centres = clip[:, :2] / safe_w[:, None]
            self._half = np.where(ahead, half, -np.inf)  # behind the viewer: never drawn
            self._key = key
            self.computed += 1
        return self._centres, self._half

    def rows_in(self, left: float, top: float, right: float, bottom: float) -> np.ndarray:
        """Rows (ascending uint32) whose sprite may cover part of the rectangle, in canvas logical pixels."""
        centres, half = self._current()
        x, y = centres[:, 0], centres[:, 1]
        near = (x + half >= left) & (x - half <= right) & (y + half >= top) & (y - half <= bottom)
        return np.flatnonzero(near).astype(np.uint32)

    def square(self, row: int) -> tuple[float, float, float, float] | None:
        """(left, top, right, bottom) canvas logical pixels that ``row``'s sprite may cover, or None
        when it is behind the viewer."""
        centres, half = self._current()
        if not np.isfinite(half[row]):
            return None
        (x, y), h = centres[row], half[row]
        return float(x - h), float(y - h), float(x + h), float(y + h)

    def only_near(self, area: tuple[float, float, float, float]) -> AbstractContextManager[None]:
        """Context in which the neurons draw only the rows that may reach ``area`` (canvas logical
        pixels: left, top, right, bottom); a :class:`~brainview.render.kept_frame.KeptFrameCanvas`'s
        ``area_pass``."""
        return self._neurons.drawing_only(self.rows_in(*area))

