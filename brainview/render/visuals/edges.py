"""Synapse lines between somata, one colour per line (``shaders/edges.*``)."""

from __future__ import annotations

import numpy as np
from vispy.gloo import VertexBuffer

from brainview.render.visuals._gl import ShaderVisual


class EdgesVisual(ShaderVisual):
    """Line segments from presynaptic to postsynaptic somata.

    Parameters
    ----------
    opacity : float
        Multiplies every line's alpha (lets the global edge budget sit fainter than the
        lines of the selection's partners).
    """

    def __init__(self, opacity: float = 1.0) -> None:
        ShaderVisual.__init__(self, "edges")
        self._position = VertexBuffer(np.zeros((2, 3), np.float32))
        self._color = VertexBuffer(np.zeros((2, 4), np.float32))
        self._segments = 0
        self.shared_program["a_position"] = self._position
        self.shared_program["a_color"] = self._color
        self.shared_program["u_opacity"] = float(opacity)
        self._draw_mode = "lines"
        self.set_gl_state(
            depth_test=True, depth_mask=False, blend=True, blend_func=("src_alpha", "one_minus_src_alpha"),
            line_width=1.0,
        )
        self.freeze()

    @property
    def segments(self) -> int:
        """Number of lines drawn."""
        return self._segments

    def set_data(self, starts: np.ndarray, ends: np.ndarray, colors: np.ndarray) -> None:
        """Draw one line from each ``starts[i]`` to ``ends[i]`` (micrometres) in ``colors[i]`` (RGBA)."""
        starts = np.asarray(starts, np.float32).reshape(-1, 3)
        ends = np.asarray(ends, np.float32).reshape(-1, 3)
        colors = np.asarray(colors, np.float32).reshape(-1, 4)
        if not (starts.shape[0] == ends.shape[0] == colors.shape[0]):
            raise ValueError("starts, ends and colors need one row per line")
        self._segments = int(starts.shape[0])
        if self._segments == 0:
            self.update()
            return
        vertices = np.empty((2 * self._segments, 3), np.float32)
        vertices[0::2] = starts
        vertices[1::2] = ends
        vertex_colors = np.repeat(colors, 2, axis=0)
        self._position.set_data(vertices)
        self._color.set_data(vertex_colors)
        self.uploaded_bytes += vertices.nbytes + vertex_colors.nbytes
        self.update()

    def _prepare_draw(self, view) -> bool:
        return self._segments > 0
