"""ConnectomeView: a vispy SceneCanvas that draws a connectome and its activity.

The public API the app (or a notebook, or ``brainview render``) uses::

    view = ConnectomeView(parent=None)            # view.native is the Qt widget to embed
    view.set_connectome(connectome)
    view.set_color_by("cell_type"); view.legend()  # [(label, rgba), ...]
    view.set_flags(selected=rows, lesioned=mask, hidden=mask)
    view.show_synapses(synapses, rows)           # a path's links instead of the partners' lines
    view.push_spikes(rows, t_ms); view.set_time(t_ms)
    view.set_live(True)                           # a simulation plays: big connectomes draw a sample
    view.set_view("side"); view.set_camera_mode("fly")
    view.pick(x, y)                               # row or None; view.picked / view.hovered signals
    view.render_png("shot.png", size=(1600, 1000))

Everything is uploaded only when it changes: colours, sizes and flags on user actions, and per
frame only the new spikes (see :mod:`brainview.render.visuals.activity`). Picks and hovers draw
only the cells near the cursor: the canvas keeps its picture and a hover redraws the squares of
the neurons it brightens and dims (see :mod:`brainview.render.kept_frame`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.paths import Links
from brainview.render.appearance import default_color_field, measured_radii, moving_sample, radii_by, with_flag
from brainview.render.camera import CameraRig
from brainview.render.colors import ColorMapping, color_by
from brainview.render.context import GLUnavailableError, check_context, choose_backend, renderer_name
from brainview.render.frames import PRESETS, UNKNOWN, BodyFrame, body_frame, default_preset
from brainview.render.interaction import Interaction
from brainview.render.line_layers import SynapseLines
from brainview.connectome.meshes import Mesh, read_mesh
from brainview.render.offscreen import quietly, render_offscreen
from brainview.render.picking import pick_row
from brainview.render.placement import place_cells
from brainview.render.settings import ViewSettings
from brainview.render.signals import Signal
from brainview.render.visuals import FLAG_DIMMED, FLAG_HIDDEN, FLAG_LESIONED, FLAG_SELECTED

log = logging.getLogger(__name__)

FIT_RADII = 16.0
"""Fitting the camera to cells shows at least this many of their radii across."""


class ConnectomeView:
    """A 3D view of one connectome: neurons, synapse lines, activity glow and outline meshes.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent of the canvas widget (``view.native``).
    settings : ViewSettings
        Size, background, camera and backend.
    show : bool
        Show the canvas as a window at once (for scripts; the app embeds ``native`` instead).

    Raises
    ------
    GLUnavailableError
        When no OpenGL context can be created here (the message says why).
    """

    def __init__(self, parent=None, settings: ViewSettings = ViewSettings(), show: bool = False) -> None:
        backend = choose_backend(settings.backend)
        if parent is not None and backend != "qt":
            raise GLUnavailableError(f"a view inside a Qt widget needs vispy's Qt backend; this process uses {backend}")
        from brainview.render.footprints import ScreenFootprints
        from brainview.render.kept_frame import KeptFrameCanvas
        from brainview.render.visuals import Activity, Neurons

        self.settings = settings
        self.canvas = KeptFrameCanvas(size=settings.size, bgcolor=settings.background, parent=parent, show=show)
        self.gl_version = check_context(self.canvas)
        self.renderer = renderer_name(self.canvas)
        """The OpenGL renderer (``GL_RENDERER``), e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"."""
        self.moving_limit = settings.moving_limit_for(self.renderer)
        """Above this many cells a sample is drawn while moving or live (see :class:`ViewSettings`)."""
        self._viewbox = self.canvas.central_widget.add_view()
        self.cameras = CameraRig(self._viewbox, settings.fov_deg)
        self._neurons = Neurons(parent=self._viewbox.scene)
        self._footprints = ScreenFootprints(self._neurons)
        self.canvas.area_pass = self._footprints.only_near
        self._lines = SynapseLines(self._viewbox.scene)
        self._activity = Activity(tau_ms=settings.glow_tau_ms, parent=self._viewbox.scene)
        for order, node in enumerate((self._neurons, *self._lines.nodes, self._activity)):
            node.order = order
        self._meshes: list = []
        self.picked = Signal()
        """Emitted with the row clicked (-1 when the click hit no neuron)."""
        self.hovered = Signal()
        """Emitted with the row under the resting cursor (-1 when it leaves every neuron)."""
        self.connectome: Connectome | None = None
        self.frame: BodyFrame = UNKNOWN
        self.messages: tuple[str, ...] = ()
        self.positions = np.zeros((0, 3), np.float32)
        self._radii = np.zeros(0, np.float32)
        self._mapping: ColorMapping | None = None
        self._overrides: tuple[np.ndarray, np.ndarray] | None = None
        self._flags = np.zeros(0, np.uint8)
        self._chosen: tuple[Links, np.ndarray] | None = None
        self._preset: tuple[str, object, int | None] | None = None
        self._preset_state: dict | None = None
        self._camera_moving = False
        self._live = False
        self._interaction = Interaction(self)

    # -- data ---------------------------------------------------------------------------------
    @property
    def native(self):
        """The canvas's native widget (a QWidget with the Qt backend) to put in a layout."""
        return self.canvas.native

    @property
    def scene(self):
        """The vispy scene node the view draws under (to add other visuals to the same view)."""
        return self._viewbox.scene

    @property
    def color_mapping(self) -> ColorMapping | None:
        """The current colours of all cells and their legend (before overrides and flags)."""
        return self._mapping

    @property
    def n(self) -> int:
        """Number of cells drawn."""
        return int(self.positions.shape[0])

    def set_connectome(self, connectome: Connectome, color_by_field: str | None = None, view: str | None = None) -> None:
        """Draw ``connectome``, replacing what was shown.

        Cells without a position are placed from their partners (or the whole connectome is
        laid out when none has one); :attr:`messages` then says so. Colours default to the
        subsystem (else the cell class), the camera to the side view for a long body and the
        front view otherwise.
        """
        placement = place_cells(connectome)
        for message in placement.messages:
            log.warning("%s: %s", connectome.meta.get("name", "connectome"), message)
        self.connectome = connectome
        self.messages = placement.messages
        self.frame = UNKNOWN if placement.laid_out else body_frame(connectome)
        self.positions = placement.positions
        self._radii = measured_radii(connectome)
        self._flags = np.zeros(connectome.n, np.uint8)
        self._overrides = None
        self._mapping = color_by(connectome, color_by_field or default_color_field(connectome))
        self._neurons.set_data(self.positions, self._radii, self._mapping.rgba, self._flags)
        self._update_moving_subset()
        self._activity.clear()
        self._chosen = None
        self._lines.reset()
        self._lines.refresh_budget(connectome, self.positions, self._hidden())
        self.set_view(view or self.default_view())

    def set_color_by(self, by, colormap: str = "viridis", palette=None, clim=None) -> ColorMapping:
        """Colour cells by a column name, labels, numbers or colours; see :func:`~brainview.render.colors.color_by`."""
        self._mapping = color_by(self._require(), by, colormap=colormap, palette=palette, clim=clim)
        self._upload_colors()
        return self._mapping

    def legend(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """(label, RGBA) pairs explaining the current colours: largest group first, or low to high."""
        return [] if self._mapping is None else list(self._mapping.legend)

    def set_color_overrides(self, rows, rgba) -> None:
        """Paint some cells in fixed colours on top of the colour mapping (empty rows: none)."""
        rows = np.asarray(rows, np.int64).ravel()
        self._overrides = (rows, np.asarray(rgba, np.float32).reshape(-1, 4)) if rows.size else None
        self._upload_colors()

    def _upload_colors(self) -> None:
        rgba = self._mapping.rgba.copy()
        if self._overrides is not None:
            rows, colors = self._overrides
            rgba[rows] = colors
        self._neurons.set_colors(rgba)

    def set_size_by(self, by: str | float | np.ndarray = "radius", scale: float = 1.0) -> None:
        """Sphere radii: the ``radius`` column (micrometres), a constant, or a numeric column/array.

        See :func:`~brainview.render.appearance.radii_by`; ``scale`` multiplies every radius
        without any upload.
        """
        self._radii = radii_by(self._require(), by)
        self._neurons.set_radii(self._radii)
        self._neurons.radius_scale = scale
        self._activity.set_radius_scale(scale)

    def set_flags(self, selected=None, lesioned=None, hidden=None) -> None:
        """Mark cells; each argument is a boolean mask, an array of rows, or None (unchanged).

        Selected cells get a ring (and their synapse partners' lines), lesioned ones are drawn
        dark with a red rim, hidden ones are not drawn, picked or connected by lines.
        """
        self._require()
        flags = self._flags
        for value, bit in ((selected, FLAG_SELECTED), (lesioned, FLAG_LESIONED), (hidden, FLAG_HIDDEN)):
            if value is not None:
                flags = with_flag(flags, bit, value)
        if np.array_equal(flags, self._flags):
            return
        changed = self._flags ^ flags
        self._flags = flags
        if self._chosen is not None and np.any(changed & (FLAG_SELECTED | FLAG_HIDDEN)):
            self.show_synapses(*self._chosen)
        elif np.any(changed & FLAG_SELECTED):
            self.show_partners(np.flatnonzero(flags & FLAG_SELECTED))
        elif np.any(changed & FLAG_HIDDEN):
            self.show_partners(self._lines.partner_rows)
        else:
            self._upload_flags()
        if np.any(changed & (FLAG_SELECTED | FLAG_LESIONED)):
            self._update_moving_subset()
        if np.any(changed & FLAG_HIDDEN):
            self._lines.refresh_budget(self.connectome, self.positions, self._hidden())

    def _upload_flags(self) -> None:
        drawn = self._flags
        if self.settings.dim_unrelated and self._lines.related is not None:
            drawn = np.where(self._lines.related, drawn, drawn | FLAG_DIMMED).astype(np.uint8)
        self._neurons.set_flags(drawn)

    def _hidden(self) -> np.ndarray:
        return (self._flags & FLAG_HIDDEN) > 0

    def flags(self) -> np.ndarray:
        """A copy of every cell's flag bits (FLAG_SELECTED 1, FLAG_LESIONED 2, FLAG_HIDDEN 4)."""
        return self._flags.copy()

    # -- activity -----------------------------------------------------------------------------
    def push_spikes(self, rows, t_ms, now_ms: float | None = None) -> int:
        """Make ``rows`` glow from time ``t_ms`` (a number or one per row); returns bytes uploaded.

        ``now_ms``, the clock of the next frame, leaves out the spikes that will have faded by
        then (see :meth:`ActivityVisual.push <brainview.render.visuals.activity.ActivityVisual.push>`).
        """
        rows = np.asarray(rows, np.int64).ravel()
        times = np.broadcast_to(np.asarray(t_ms, np.float32), rows.shape)
        shown = (self._flags[rows] & FLAG_HIDDEN) == 0
        rows, times = rows[shown], times[shown]
        return self._activity.push(self.positions[rows], self._radii[rows], times, now_ms)

    def set_time(self, t_ms: float) -> None:
        """Advance the glow's clock (ms); the shader fades each spike by its age."""
        self._activity.set_time(t_ms)

    def clear_activity(self) -> None:
        """Forget every spike (for example when a new run starts at t = 0)."""
        self._activity.clear()

    @property
    def uploaded_bytes(self) -> int:
        """Bytes uploaded to the GPU by all of this view's visuals so far."""
        nodes = [self._neurons, self._activity, *self._lines.nodes, *self._meshes]
        return int(sum(node.uploaded_bytes for node in nodes))

    # -- synapse lines --------------------------------------------------------------------------
    def show_partners(self, rows, direction: str = "both") -> int:
        """Draw lines from ``rows`` to their synaptic partners; returns the number of lines.

        With ``settings.dim_unrelated`` the cells that are neither in ``rows`` nor partners are
        faded while the lines are shown; an empty ``rows`` clears both.
        """
        count = self._lines.show_partners(self._require(), self.positions, rows, self._hidden(), direction)
        self._upload_flags()
        return count

    def show_synapses(self, synapses: Links | None, rows=()) -> int:
        """Draw exactly ``synapses`` (a path's links) in place of the selection's partner lines,
        until called with None, which draws the selection's partners again; returns the lines drawn.

        With ``settings.dim_unrelated`` the cells that are neither in ``rows`` nor ends of a line
        are faded. Selecting other cells keeps these lines (the caller decides when they go).
        """
        connectome = self._require()
        if synapses is None:
            self._chosen = None
            return self.show_partners(np.flatnonzero(self._flags & FLAG_SELECTED))
        self._chosen = (synapses, np.asarray(rows, np.int64).ravel())
        count = self._lines.show_synapses(connectome, self.positions, synapses, self._chosen[1], self._hidden())
        self._upload_flags()
        return count

    @property
    def chosen_synapses(self) -> Links | None:
        """The connections :meth:`show_synapses` draws, or None while the partners' lines are shown."""
        return None if self._chosen is None else self._chosen[0]

    def set_edge_budget(self, k: int) -> int:
        """Also draw the ``k`` strongest connections of the whole connectome (0: none)."""
        return self._lines.set_budget(self._require(), self.positions, k, self._hidden())

    # -- camera -------------------------------------------------------------------------------
    def default_view(self) -> str:
        """"side" when the body is longer than it is tall (a worm), else "front" (a brain)."""
        return default_preset(self.frame, self.positions)

    def set_view(self, preset: str, rows=None, around: int | None = None) -> None:
        """Camera preset: "front", "side", "top", or "fit" (keep the orientation, fit ``rows``).

        ``rows`` (default: the selection for "fit", else every shown cell) are fitted in view,
        centred on the cell ``around`` when one is given (stepping along a path).
        """
        if preset not in (*PRESETS, "fit"):
            raise ValueError(f"unknown view {preset!r}; views are {', '.join(PRESETS)} and fit")
        shown = (self._flags & FLAG_HIDDEN) == 0
        if rows is None and preset == "fit" and np.any(self._flags & FLAG_SELECTED):
            rows = np.flatnonzero(self._flags & FLAG_SELECTED)
        chosen = np.asarray(rows, np.int64).ravel() if rows is not None else np.flatnonzero(shown)
        points = self.positions[chosen]
        if around is not None:  # the points and their mirror image about that cell: it is the centre
            points = np.vstack([points, 2.0 * self.positions[int(around)] - points])
        # a lone neuron should be seen with its neighbourhood, not fill the screen
        min_extent = FIT_RADII * float(self._radii[chosen].max()) if chosen.size else 1.0
        if preset == "fit":
            self.cameras.fit(points, min_extent=min_extent)
        else:
            self.cameras.show(self.frame, preset, points, min_extent=min_extent)
        self._preset = (preset, rows, around)
        self._preset_state = self.cameras.camera.get_state()

    def set_camera_mode(self, mode: str) -> None:
        """"turntable" (drag to orbit) or "fly" (WASD to move, drag to look)."""
        self.cameras.set_mode(mode)

    def project(self, rows) -> np.ndarray:
        """(k, 2) canvas positions (logical pixels from the top left) of the centres of ``rows``."""
        return self.project_points(self.positions[np.asarray(rows, np.int64)])

    def project_points(self, points) -> np.ndarray:
        """(k, 2) canvas positions (logical pixels from the top left) of (k, 3) points in micrometres."""
        points = np.asarray(points, np.float64).reshape(-1, 3)
        mapped = np.asarray(self._neurons.get_transform("visual", "canvas").map(points))
        return mapped[:, :2] / mapped[:, 3:4]

    def highlight(self, row: int | None) -> None:
        """Draw ``row`` brightened (the neuron under the cursor), or none.

        The next paint redraws only the squares of this neuron and the one highlighted before,
        with the cells that reach them. While live, the next live frame shows it: a paint of
        its own would draw every cell once more.
        """
        before = self._neurons.hover_row
        with quietly(self.canvas):
            self._neurons.hover_row = row
        if self._live:
            return
        for changed in {before, row} - {None}:
            square = self._footprints.square(changed) if changed < self.n else None
            if square is not None:
                self.canvas.update_area(square)

    def set_camera_moving(self, moving: bool) -> None:
        """While True, a connectome above :attr:`moving_limit` cells draws only a sample."""
        self._camera_moving = bool(moving)
        self._draw_sample_if_busy()

    def set_live(self, live: bool) -> None:
        """While True (a simulation plays), a connectome above :attr:`moving_limit` cells
        draws only its sample, as while the camera moves: with software OpenGL a frame costs
        about a microsecond per cell, too much for a whole fly brain many times a second.
        """
        self._live = bool(live)
        self._draw_sample_if_busy()

    @property
    def live(self) -> bool:
        """True while the view draws a live simulation (see :meth:`set_live`)."""
        return self._live

    def _draw_sample_if_busy(self) -> None:
        busy = self._camera_moving or self._live
        self.canvas.keep_frames = not busy  # every frame differs: keeping them would cost a copy each
        if self._neurons.moving != busy:
            self._neurons.moving = busy

    def pick(self, x: float, y: float, radius: int = 4) -> int | None:
        """The row of the neuron drawn at canvas position (x, y), or None (an ID-colour pass)."""
        if self.n == 0:
            return None
        # only the cells near the cursor are drawn, all of them even while the sample is shown
        others = [*self._lines.nodes, self._activity, *self._meshes]
        return pick_row(self.canvas, self._neurons, others, x, y, radius, self._footprints)

    # -- meshes -------------------------------------------------------------------------------
    def add_mesh(self, mesh: Mesh | str | os.PathLike, color=(0.62, 0.70, 0.85, 0.035), scale: float = 1.0):
        """Draw a translucent outline mesh (an OBJ, PLY or STL path, or a Mesh); returns its node.

        ``scale`` converts the mesh's units to micrometres (0.001 for nanometres).
        """
        from brainview.render.visuals import OutlineMesh

        if not isinstance(mesh, Mesh):
            mesh = read_mesh(mesh)
        if scale != 1.0:
            mesh = mesh.scaled(scale)
        node = OutlineMesh(color=color, parent=self._viewbox.scene)
        node.order = 10 + len(self._meshes)
        node.set_data(mesh.vertices, mesh.faces)
        self._meshes.append(node)
        return node

    def clear_meshes(self) -> None:
        """Remove every outline mesh."""
        for node in self._meshes:
            node.parent = None
        self._meshes.clear()
        self.canvas.update()

    # -- output -------------------------------------------------------------------------------
    def render(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """The picture as an (height, width, 4) uint8 RGBA array.

        ``size`` = (width, height) draws at another size than the canvas's, without resizing
        the widget; a camera still where a preset put it is fitted again to the new shape.
        """
        if size is None or tuple(size) == tuple(self.canvas.size):
            return render_offscreen(self.canvas)
        width, height = (int(v) for v in size)
        widget = self.canvas.central_widget
        original = tuple(widget.size)
        refit = self._preset is not None and self.cameras.camera.get_state() == self._preset_state
        widget.size = (width, height)
        try:
            if refit:
                self.set_view(*self._preset)
            return render_offscreen(self.canvas, region=(0, 0, width, height))
        finally:
            widget.size = original
            if refit:
                self.set_view(*self._preset)

    def render_png(self, path: str | os.PathLike, size: tuple[int, int] | None = None) -> Path:
        """Write the picture to a PNG file, at the canvas's size or ``size`` = (width, height)."""
        from vispy.io import write_png

        path = Path(path)
        write_png(str(path), self.render(size))
        return path

    def close(self) -> None:
        """Release the canvas and its OpenGL resources."""
        self._interaction.stop()
        self.canvas.close()
        # vispy leaves a context of the canvas current on this thread. Should that context be
        # freed later from another thread (Python's garbage collector runs anywhere), this
        # thread's current context would dangle, and the next native window Qt destroys here
        # reads it: a crash seen after many closed views (QSurface::~QSurface).
        gui = sys.modules.get("PySide6.QtGui")  # None with EGL and no Qt in the process
        current = gui.QOpenGLContext.currentContext() if gui is not None else None
        if current is not None:
            current.doneCurrent()

    # -- helpers ------------------------------------------------------------------------------
    def _require(self) -> Connectome:
        if self.connectome is None:
            raise RuntimeError("no connectome yet: call set_connectome first")
        return self.connectome

    def _update_moving_subset(self) -> None:
        marked = (self._flags & (FLAG_SELECTED | FLAG_LESIONED)) > 0
        self._neurons.set_moving_subset(moving_sample(marked, self.moving_limit))
