"""A SceneCanvas that keeps its picture in a texture and redraws only the areas that changed.

With software OpenGL a frame costs about a microsecond per cell, over 100 ms for a whole fly
brain, yet a hover changes the look of one neuron. This canvas draws the scene into a texture,
the *kept frame*, and paints the screen by copying it. A change confined to a small area (the
hover highlight moving from one neuron to another) redraws only that area of the kept frame:
a scissored pass that clears it and draws the scene again in the usual order, with whatever
cannot reach the area left out by :attr:`KeptFrameCanvas.area_pass` (see
:mod:`brainview.render.footprints`). The picture is the one a full redraw would give.

The whole kept frame is drawn again at the next paint after anything asked for an update
(vispy's ``node.update()``: data, colours, flags, camera, resize, background all do), and no
frame is kept while :attr:`KeptFrameCanvas.keep_frames` is off (a live simulation or a moving
camera, where every frame differs anyway). A change confined to an area calls
:meth:`~KeptFrameCanvas.update_area`; a pass that draws off screen and puts back what it
changed runs inside :meth:`~KeptFrameCanvas.quietly`.

Every scene pass draws into a framebuffer pushed just before it (vispy's ``draw_visual`` makes
the canvas current, which binds the window's framebuffer again at its first draw unless one was
pushed in the same batch); the screen only receives a textured copy, so a paint also lands in
the right place when it runs under a pushed framebuffer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np
from vispy import gloo
from vispy.scene import SceneCanvas

from brainview.render.shaders import vertex_and_fragment

Area = tuple[float, float, float, float]
"""(left, top, right, bottom) in canvas logical pixels from the top left."""


class KeptFrameCanvas(SceneCanvas):
    """A :class:`vispy.scene.SceneCanvas` that repaints from a kept frame, redrawing changed areas only.

    Takes SceneCanvas's arguments.
    """

    def __init__(self, *args, **kwargs) -> None:
        # before SceneCanvas.__init__, which may already call update() and then freezes the object
        self._kept: gloo.FrameBuffer | None = None
        self._stale = True
        self._areas: list[Area] = []
        self._quiet = 0
        self._copy: gloo.Program | None = None
        self.area_pass: Callable[[Area], AbstractContextManager[None]] | None = None
        """Context for the scene pass that redraws one area: may leave out what cannot reach it
        (None: everything is drawn, the scissor alone limits the pixels)."""
        self.keep_frames = True
        """False while every frame differs anyway (live activity, a moving camera)."""
        self.full_paints = 0
        """Paints that drew the whole scene (counted for tests and benchmarks)."""
        self.partial_paints = 0
        """Paints that redrew only changed areas of the kept frame (or none) and copied it."""
        super().__init__(*args, **kwargs)

    # -- scheduling ---------------------------------------------------------------------------
    def update(self, node=None) -> None:
        """Schedule a paint that draws the whole scene again (something in it changed)."""
        if self._quiet:
            return
        if not self._drawing:  # vispy ignores updates made while it draws; so does the kept frame
            self._stale = True
        super().update(node)

    def update_area(self, area: Area) -> None:
        """Schedule a paint that redraws only ``area`` of the kept frame (nothing outside it changed)."""
        if self._quiet:
            return
        self._areas.append(tuple(float(v) for v in area))
        super().update()

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Within the block, updates neither schedule a paint nor drop the kept frame.

        For passes that draw off screen and put back everything they change (a pick hides the
        other visuals for a moment; pushing a framebuffer reconfigures every transform).
        """
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    # -- painting -----------------------------------------------------------------------------
    def on_draw(self, event) -> None:
        """Paint: the whole scene, or the changed areas of the kept frame, then copy it to the screen."""
        if self._scene is None:
            return
        self._update_pending = False
        areas, self._areas = self._areas, []
        with self.quietly():  # pushing framebuffers reconfigures transforms, which updates nodes
            if not self.keep_frames:
                self._stale = True
                self._draw_scene()
                self.full_paints += 1
                return
            size = tuple(round(v) for v in self.physical_size)
            if self._stale or self._kept is None or self._kept.color_buffer.shape[1::-1] != size:
                self._redraw(size, None)
                self._stale = False
                self.full_paints += 1
            else:
                for area in areas:
                    self._redraw(size, area)
                self.partial_paints += 1
            self._copy_kept()

    def _redraw(self, size: tuple[int, int], area: Area | None) -> None:
        """Draw the scene into the kept frame: all of it, or only ``area``."""
        width, height = size
        if self._kept is None or self._kept.color_buffer.shape[1::-1] != size:
            # a depth texture of the unsized format gets the driver's full precision (see
            # offscreen.py); the colour texture is copied pixel for pixel
            self._kept = gloo.FrameBuffer(
                color=gloo.Texture2D(shape=(height, width, 4), interpolation="nearest"),
                depth=gloo.Texture2D(shape=(height, width, 1), format="depth_component"),
            )
        box = None if area is None else scissor_box(area, size, self.pixel_scale)
        if area is not None and box is None:
            return  # off the canvas
        self.push_fbo(self._kept, (0, 0), self.size)
        try:
            if box is None:
                self._draw_scene()
                return
            x, y, w, h = box
            scale = self.pixel_scale
            drawn = (x / scale, (height - y - h) / scale, (x + w) / scale, (height - y) / scale)
            self.context.set_state(scissor_test=True)
            self.context.set_scissor(x, y, w, h)
            try:
                self.context.clear(color=self._bgcolor, depth=True)  # the scissor limits the clear
                with self.area_pass(drawn) if self.area_pass is not None else nullcontext():
                    self.draw_visual(self.scene)
            finally:
                self.context.set_state(scissor_test=False)
        finally:
            self.pop_fbo()

    def _copy_kept(self) -> None:
        if self._copy is None:
            self._copy = gloo.Program(*vertex_and_fragment("frame_copy"))
            self._copy["a_position"] = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], np.float32)
        self._copy["u_frame"] = self._kept.color_buffer
        self.context.set_state(depth_test=False, blend=False, scissor_test=False)
        self._copy.draw("triangle_strip")


def scissor_box(area: Area, size: tuple[int, int], pixel_scale: float) -> tuple[int, int, int, int] | None:
    """The framebuffer box (x, y from the bottom left, width, height) covering a canvas area.

    Parameters
    ----------
    area : (left, top, right, bottom)
        Canvas logical pixels from the top left.
    size : (width, height)
        The framebuffer's size, physical pixels.
    pixel_scale : float
        Physical pixels per logical pixel.

    Returns
    -------
    tuple of 4 int or None
        Rounded outwards and clipped to the framebuffer; None when nothing of it is inside.
    """
    width, height = size
    left, top, right, bottom = (float(v) * pixel_scale for v in area)
    x0, x1 = max(int(np.floor(left)), 0), min(int(np.ceil(right)), width)
    y0, y1 = max(int(np.floor(height - bottom)), 0), min(int(np.ceil(height - top)), height)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0
