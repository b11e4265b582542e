"""Fixtures of the rendering tests: an OpenGL view when one can be made, small scenes, pixel helpers.

GL tests skip (never fail) where no OpenGL context can be created. With a display (CI runs the
suite under ``xvfb-run``) the view draws through Qt; without one through EGL when Mesa has it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Self

import numpy as np
import pytest

from brainview.connectome import Connectome


@pytest.fixture(scope="session")
def gl_backend(request) -> str:
    """The vispy backend the GL tests draw with; skips them when no context can be created.

    With a display, pytest-qt's application is made first and vispy's Qt backend adopts it:
    one owner for the QApplication, so that it is torn down last (if vispy made it, Qt objects
    of later tests would outlive it and the interpreter would crash on exit).
    """
    from brainview.render.context import GLUnavailableError, check_context, choose_backend, display_available

    try:
        if display_available():
            request.getfixturevalue("qapp")
        backend = choose_backend("auto")
        from vispy import scene

        canvas = scene.SceneCanvas(size=(16, 16), show=False)
        try:
            check_context(canvas)
        finally:
            canvas.close()
    except GLUnavailableError as error:
        pytest.skip(f"no OpenGL context here: {error}")
    return backend


@pytest.fixture(scope="module")
def view(gl_backend):
    """One 640 x 400 ConnectomeView per test module (each test sets its own connectome)."""
    from brainview.render import ConnectomeView, ViewSettings

    created = ConnectomeView(settings=ViewSettings(size=(640, 400)))
    yield created
    created.close()


@pytest.fixture(scope="session")
def worm() -> Connectome:
    """The embedded default dataset (the C. elegans hermaphrodite)."""
    import brainview

    try:
        return brainview.load_default()
    except FileNotFoundError as error:
        pytest.skip(f"the default dataset is not built: {error}")


@pytest.fixture
def grid(connectome_factory) -> Connectome:
    """Nine 4 um neurons on a 3 x 3 grid, 40 um apart in the x-y plane, with a few synapses.

    No species: the "front" view looks down -z with +y up, so the grid faces the camera.
    """
    edges = [(4, 0, 5.0, 1), (4, 8, 1.0, -1), (2, 4, 3.0, 1), (6, 7, 2.0, 1)]
    made = connectome_factory(9, edges=edges, radius=np.full(9, 4.0, np.float32))
    xs, ys = np.meshgrid([-40.0, 0.0, 40.0], [-40.0, 0.0, 40.0])
    position = np.column_stack([xs.ravel(), ys.ravel(), np.zeros(9)])
    return Connectome(made.columns, position, made.chemical, made.gap, dict(made.meta))


@pytest.fixture
def empty() -> Connectome:
    """A connectome with no cells at all."""
    from brainview.connectome import SynapseCSR

    return Connectome({"id": np.zeros(0, np.int64)}, np.zeros((0, 3)), SynapseCSR.empty(0), None, {"name": "empty"})


def background_mask(image: np.ndarray, background, tolerance: int = 6) -> np.ndarray:
    """True where ``image`` (h, w, 4 uint8) shows the background colour."""
    expected = np.round(np.asarray(background[:3]) * 255).astype(int)
    return np.all(np.abs(image[..., :3].astype(int) - expected) <= tolerance, axis=-1)


def patch(image: np.ndarray, xy, radius: int) -> np.ndarray:
    """The (2r+1)^2 RGB pixels around canvas point ``xy``, as int."""
    x, y = (int(round(v)) for v in xy)
    return image[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1, :3].astype(int)


def isolated_rows(view, rows, min_gap_px: float) -> np.ndarray:
    """Rows whose projected centre is inside the canvas and at least ``min_gap_px`` from every other."""
    xy = view.project(np.arange(view.n))
    width, height = view.canvas.size
    inside = (xy[:, 0] > 8) & (xy[:, 0] < width - 8) & (xy[:, 1] > 8) & (xy[:, 1] < height - 8)
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distance, np.inf)
    far = distance.min(axis=1) >= min_gap_px
    rows = np.asarray(rows)
    return rows[inside[rows] & far[rows]]


@pytest.fixture
def pixels():
    """Pixel helpers: ``background_mask``, ``patch``, ``isolated_rows``."""
    return SimpleNamespace(background_mask=background_mask, patch=patch, isolated_rows=isolated_rows)


def painted(canvas) -> np.ndarray:
    """What the canvas's next paint puts on the screen, (h, w, 4) uint8, row 0 at the top.

    The canvas's draw handler runs into an off-screen framebuffer: Qt never paints a hidden
    widget, and this way the test sees exactly what the handler draws.
    """
    from vispy import gloo

    width, height = (round(v) for v in canvas.physical_size)
    framebuffer = gloo.FrameBuffer(
        color=gloo.RenderBuffer((height, width)),
        depth=gloo.Texture2D(shape=(height, width, 1), format="depth_component"),
    )
    canvas.set_current()
    canvas.push_fbo(framebuffer, (0, 0), canvas.size)
    try:
        canvas.on_draw(None)
        return framebuffer.read()
    finally:
        canvas.pop_fbo()


class DrawnVertices:
    """Counts the vertices one visual node submits to OpenGL: its DRAW commands at vispy's queue.

    Use as a context manager; ``count`` holds the total so far.
    """

    def __init__(self, canvas, node) -> None:
        self.count = 0
        self._parser = canvas.context.shared.parser
        self._program_id = node._program.id  # vispy keeps a node's own program there, unexposed

    def __enter__(self) -> Self:
        original = self._parser.parse

        def parse(commands):
            for command in commands:
                if command[0] == "DRAW" and command[1] == self._program_id:
                    self.count += int(command[3][-1])  # selection: (first, count) or (buffer, type, count)
            return original(commands)

        self._parser.parse = parse
        return self

    def __exit__(self, *exc) -> None:
        del self._parser.parse  # back to the class's method


def neuron_vertices(view) -> DrawnVertices:
    """A :class:`DrawnVertices` for the neurons visual of ``view``."""
    from brainview.render.visuals import NeuronsVisual

    (neurons,) = [node for node in view.scene.children if isinstance(node, NeuronsVisual)]
    return DrawnVertices(view.canvas, neurons)


@pytest.fixture
def screen():
    """Paint helpers: ``painted(canvas)``, ``neuron_vertices(view)``."""
    return SimpleNamespace(painted=painted, neuron_vertices=neuron_vertices)
