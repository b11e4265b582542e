"""3D rendering of connectomes with brainview's own GLSL shaders (vispy).

:class:`ConnectomeView` is the view the app embeds and ``brainview render`` draws off screen;
the visuals it is built from live in :mod:`brainview.render.visuals`, their GLSL in the shipped
``shaders/`` folder. This package imports the connectome model only (never the engine or the
app), and no Qt until a canvas is created.
"""

from brainview.render.colors import ColorMapping, color_by
from brainview.render.context import GLUnavailableError
from brainview.render.frames import PRESETS, BodyFrame, body_frame
from brainview.connectome.meshes import Mesh, read_mesh
from brainview.render.view import ConnectomeView, ViewSettings
from brainview.render.visuals import FLAG_HIDDEN, FLAG_LESIONED, FLAG_SELECTED

__all__ = [
    "FLAG_HIDDEN", "FLAG_LESIONED", "FLAG_SELECTED", "PRESETS",
    "BodyFrame", "ColorMapping", "ConnectomeView", "GLUnavailableError", "Mesh", "ViewSettings",
    "body_frame", "color_by", "read_mesh",
]
