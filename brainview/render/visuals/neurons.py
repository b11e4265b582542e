"""Neurons as lit, depth-correct sphere impostors, all drawn in one call (``shaders/neurons.*``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from vispy.gloo import IndexBuffer, VertexBuffer

from brainview.render.visuals._gl import FALLBACK_MAX_POINT_PX, ShaderVisual, positive

FLAG_SELECTED = 1
"""Flag bit: the neuron is selected (drawn with a ring)."""
FLAG_LESIONED = 2
"""Flag bit: the neuron is lesioned (drawn dark with a red rim)."""
FLAG_HIDDEN = 4
"""Flag bit: the neuron is not drawn and cannot be picked."""
FLAG_DIMMED = 8
"""Flag bit: the neuron is drawn faded (it is not related to the selection)."""

MAX_FLAG_RUNS = 32
"""More runs of changed flags than this are uploaded as one whole buffer instead."""


class NeuronsVisual(ShaderVisual):
    """N spheres with a colour, a radius and flags each.

    Three vertex buffers, so that a user action re-uploads only what it changed:
    ``a_sphere`` (centre and radius, micrometres), ``a_color`` (RGBA) and ``a_state``
    (flag bits and the row index used by picking and hover). The flags are FLAG_SELECTED,
    FLAG_LESIONED, FLAG_HIDDEN and FLAG_DIMMED.

    Parameters
    ----------
    radius_scale : float
        Multiplies every radius when drawing (a size control that uploads nothing).
    min_radius_px : float
        Smallest radius on screen, in pixels, so that distant neurons stay visible.
    ring_px : float
        Width of the selection ring around a selected neuron, pixels.
    """

    def __init__(self, radius_scale: float = 1.0, min_radius_px: float = 1.5, ring_px: float = 2.5) -> None:
        ShaderVisual.__init__(self, "neurons")
        self._sphere = VertexBuffer(np.zeros((1, 4), np.float32))
        self._color = VertexBuffer(np.zeros((1, 4), np.float32))
        self._state = VertexBuffer(np.zeros((1, 2), np.float32))
        self._positions = np.zeros((0, 3), np.float32)
        self._radii = np.zeros(0, np.float32)
        self._flags = np.zeros(0, np.uint8)
        self._state_rows = np.zeros((0, 2), np.float32)  # CPU copy of the state buffer
        self._radius_scale = float(radius_scale)
        self._hover_row: int | None = None
        self._id_colors = False
        self._subset = IndexBuffer(np.zeros(1, np.uint32))
        self._subset_size = 0
        self._moving = False
        self._only = IndexBuffer(np.zeros(1, np.uint32))
        self._only_empty = False
        self._min_radius_px = float(min_radius_px)
        self._ring_px = float(ring_px)
        self.geometry_version = 0
        """Grows whenever positions or radii change, so that screen footprints know to recompute."""
        program = self.shared_program
        program["a_sphere"] = self._sphere
        program["a_color"] = self._color
        program["a_state"] = self._state
        program["u_radius_scale"] = self._radius_scale
        program["u_min_radius_px"] = self._min_radius_px
        program["u_max_point_px"] = FALLBACK_MAX_POINT_PX
        program["u_ring_px"] = self._ring_px
        program["u_picking"] = 0.0
        program["u_hover_row"] = -1.0
        program["u_light_dir"] = _unit((-0.45, 0.55, 0.70))
        program["u_ambient"] = 0.35
        program["u_specular"] = 0.35
        program["u_select_color"] = (1.0, 0.92, 0.25, 1.0)
        program["u_lesion_color"] = (0.95, 0.08, 0.06, 1.0)
        self._draw_mode = "points"
        self.set_gl_state(
            depth_test=True, depth_mask=True, blend=True, blend_func=("src_alpha", "one_minus_src_alpha")
        )
        self.freeze()

    # -- data -----------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self._positions.shape[0])

    def set_data(self, positions: np.ndarray, radii: np.ndarray, colors: np.ndarray, flags: np.ndarray) -> None:
        """Replace every neuron.

        Parameters
        ----------
        positions : numpy.ndarray
            (N, 3) soma centres, micrometres; must be finite.
        radii : numpy.ndarray
            (N,) radii, micrometres.
        colors : numpy.ndarray
            (N, 4) RGBA in [0, 1].
        flags : numpy.ndarray
            (N,) uint8 bit field of FLAG_SELECTED, FLAG_LESIONED, FLAG_HIDDEN, FLAG_DIMMED.
        """
        positions = np.ascontiguousarray(positions, np.float32).reshape(-1, 3)
        if not np.all(np.isfinite(positions)):
            raise ValueError("neuron positions must be finite (hide or lay out cells without a position)")
        self._positions = positions
        self.set_radii(radii)
        self.set_colors(colors)
        self.set_flags(flags)

    def set_radii(self, radii: np.ndarray) -> None:
        """New radii (micrometres), one per neuron; uploads the centre+radius buffer."""
        radii = np.broadcast_to(np.asarray(radii, np.float32), (self.n,))
        self._radii = np.ascontiguousarray(radii)
        self.geometry_version += 1
        sphere = np.empty((self.n, 4), np.float32)
        sphere[:, :3] = self._positions
        sphere[:, 3] = self._radii
        self._upload(self._sphere, sphere)

    def set_colors(self, colors: np.ndarray) -> None:
        """New RGBA colours, (N, 4) in [0, 1]; uploads the colour buffer only."""
        colors = np.ascontiguousarray(np.broadcast_to(np.asarray(colors, np.float32), (self.n, 4)))
        self._upload(self._color, colors)

    def set_flags(self, flags: np.ndarray) -> None:
        """New flag bits, (N,) uint8; uploads only the runs of neurons whose flags changed.

        A click changes the flags of a few cells: their rows of the state buffer go to the GPU,
        not the whole brain's (the row ids beside them never change for a dataset).
        """
        flags = np.asarray(flags, np.uint8)
        if flags.shape != (self.n,):
            raise ValueError(f"flags must have one entry per neuron ({self.n}), got shape {flags.shape}")
        if self._state_rows.shape[0] != self.n:  # a new dataset: the whole buffer
            self._state_rows = np.empty((self.n, 2), np.float32)
            self._state_rows[:, 0] = flags
            self._state_rows[:, 1] = np.arange(self.n, dtype=np.float32)
            self._flags = flags.copy()
            self._upload(self._state, self._state_rows)
            return
        changed = np.flatnonzero(flags != self._flags)
        self._flags = flags.copy()
        if not changed.size:
            return
        self._state_rows[changed, 0] = flags[changed]
        breaks = np.flatnonzero(np.diff(changed) > 1)
        runs = list(zip(changed[np.r_[0, breaks + 1]], changed[np.r_[breaks, changed.size - 1]] + 1))
        if len(runs) > MAX_FLAG_RUNS:  # many scattered changes: one upload is cheaper
            self._upload(self._state, self._state_rows)
            return
        for start, stop in runs:
            self._state.set_subdata(self._state_rows[start:stop], offset=int(start))
            self.uploaded_bytes += self._state_rows[start:stop].nbytes
        self.update()

    @property
    def flags(self) -> np.ndarray:
        """A copy of the current flag bits."""
        return self._flags.copy()

    @property
    def positions(self) -> np.ndarray:
        """The soma centres (read-only view), micrometres."""
        view = self._positions.view()
        view.flags.writeable = False
        return view

    @property
    def radii(self) -> np.ndarray:
        """The radii (read-only view), micrometres, before ``radius_scale``."""
        view = self._radii.view()
        view.flags.writeable = False
        return view

    def set_moving_subset(self, rows: np.ndarray | None) -> None:
        """The neurons drawn while the camera moves (None or empty: all of them).

        Software OpenGL spends about a microsecond per point; drawing a fixed subset during a
        drag keeps the camera responsive on whole-brain data, and the full set is drawn again
        as soon as the camera rests.
        """
        rows = np.zeros(0, np.uint32) if rows is None else np.asarray(rows, np.uint32)
        self._subset_size = int(rows.size)
        if rows.size:
            self._subset.set_data(rows)
            self.uploaded_bytes += rows.nbytes
        self.moving = self._moving

    @property
    def moving(self) -> bool:
        """True while the camera moves: only the moving subset is drawn."""
        return self._moving

    @moving.setter
    def moving(self, value: bool) -> None:
        self._moving = bool(value)
        self._index_buffer = self._subset if (self._moving and self._subset_size) else None
        self.update()

    @contextmanager
    def drawing_only(self, rows: np.ndarray) -> Iterator[None]:
        """Within the block, draws only ``rows`` (ascending, so in the order of a full draw).

        For a pass that can only touch a small part of the screen (a pick, a hover patch): the
        rows whose sprites reach it are drawn and the others cost nothing, not even their
        vertex shader. Uploads ``4 * len(rows)`` bytes; nothing is drawn for no rows.
        """
        rows = np.asarray(rows, np.uint32).ravel()
        saved = self._index_buffer
        self._only_empty = rows.size == 0
        if rows.size:
            self._only.set_data(rows)
            self.uploaded_bytes += rows.nbytes
        self._index_buffer = self._only
        try:
            yield
        finally:
            self._index_buffer = saved
            self._only_empty = False

    def _upload(self, buffer: VertexBuffer, data: np.ndarray) -> None:
        # an empty buffer cannot be bound; keep one dummy vertex and skip drawing instead
        buffer.set_data(data if len(data) else np.zeros((1, data.shape[1]), np.float32))
        self.uploaded_bytes += data.nbytes
        self.update()

    # -- uniforms -----------------------------------------------------------------------------
    @property
    def radius_scale(self) -> float:
        """Factor applied to every radius when drawing."""
        return self._radius_scale

    @radius_scale.setter
    def radius_scale(self, value: float) -> None:
        self._radius_scale = positive("radius_scale", value)
        self.shared_program["u_radius_scale"] = self._radius_scale
        self.update()

    @property
    def min_radius_px(self) -> float:
        """Smallest radius drawn, framebuffer pixels."""
        return self._min_radius_px

    @property
    def ring_px(self) -> float:
        """Width of the selection ring around a selected neuron, framebuffer pixels."""
        return self._ring_px

    @property
    def hover_row(self) -> int | None:
        """The row drawn highlighted (under the cursor), or None."""
        return self._hover_row

    @hover_row.setter
    def hover_row(self, row: int | None) -> None:
        self._hover_row = None if row is None else int(row)
        self.shared_program["u_hover_row"] = -1.0 if row is None else float(row)
        self.update()

    @property
    def id_colors(self) -> bool:
        """True while drawing ID colours (row + 1 as 24-bit RGB) instead of shaded spheres.

        (Not vispy's ``picking``, which draws a whole node in one colour.)
        """
        return self._id_colors

    @id_colors.setter
    def id_colors(self, value: bool) -> None:
        self._id_colors = bool(value)
        self.shared_program["u_picking"] = 1.0 if value else 0.0

    # -- vispy hooks ----------------------------------------------------------------------------
    def _prepare_draw(self, view) -> bool:
        if self.n == 0 or self._only_empty:
            return False
        self._prepare_sphere_uniforms(view)
        return True

    def _compute_bounds(self, axis: int, view):
        if self.n == 0:
            return None
        shown = self._positions[(self._flags & FLAG_HIDDEN) == 0]
        if shown.shape[0] == 0:
            return None
        return float(shown[:, axis].min()), float(shown[:, axis].max())


def _unit(vector) -> tuple[float, float, float]:
    array = np.asarray(vector, np.float64)
    return tuple(float(x) for x in array / np.linalg.norm(array))
