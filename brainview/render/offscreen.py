"""Drawing the scene into an off-screen framebuffer with a 24-bit depth buffer.

vispy's ``SceneCanvas.render`` attaches a 16-bit depth renderbuffer; with the near plane the
cameras use, 16 bits cannot separate spheres a micrometre apart (intersections turn into
stairs). A depth *texture* with the unsized depth format gets the driver's full precision.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np


def quietly(canvas) -> AbstractContextManager[None]:
    """``canvas.quietly()`` where the canvas keeps frames (a
    :class:`~brainview.render.kept_frame.KeptFrameCanvas`), else a context that does nothing.

    An off-screen pass puts back everything it changes, so it must neither schedule a paint
    nor make the canvas draw its kept frame again.
    """
    quiet = getattr(canvas, "quietly", None)
    return quiet() if quiet is not None else nullcontext()


def render_offscreen(canvas, region: tuple[int, int, int, int] | None = None, bgcolor=None) -> np.ndarray:
    """The scene of ``canvas`` as an (h, w, 4) uint8 RGBA array, row 0 at the top.

    Parameters
    ----------
    canvas : vispy.scene.SceneCanvas
        The canvas to draw.
    region : (x, y, width, height), optional
        Part of the canvas to draw, in logical pixels from the top left (default: all of it).
    bgcolor : colour, optional
        Background (default: the canvas's).
    """
    from vispy import gloo

    canvas.set_current()
    if region is None:
        offset, logical = (0, 0), tuple(canvas.size)
    else:
        x, y, w, h = (int(v) for v in region)
        # vispy places an FBO by its offset from the framebuffer's origin, the bottom left
        offset, logical = (x, canvas.size[1] - y - h), (w, h)
    width, height = (max(int(round(v * canvas.pixel_scale)), 1) for v in logical)
    framebuffer = gloo.FrameBuffer(
        color=gloo.RenderBuffer((height, width)),
        depth=gloo.Texture2D(shape=(height, width, 1), format="depth_component"),
    )
    # vispy 0.17 resets the canvas-to-framebuffer step when the last FBO is popped, but keeps the
    # mapping it replaced as the current one: pushing the same region again (a click where the
    # cursor rested for a hover) would draw through the reset step, a region showing nothing
    canvas.transforms._mappings["ct0"] = None
    with quietly(canvas):
        canvas.push_fbo(framebuffer, offset, logical)
        try:
            canvas.context.clear(color=canvas.bgcolor if bgcolor is None else bgcolor, depth=True)
            canvas.draw_visual(canvas.scene)
            return framebuffer.read()
        finally:
            canvas.pop_fbo()
