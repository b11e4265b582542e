"""vispy visuals with brainview's own shaders, and their scene-graph nodes.

``NeuronsVisual`` (sphere impostors), ``ActivityVisual`` (spike glow from a ring buffer),
``EdgesVisual`` (synapse lines) and ``OutlineMeshVisual`` (translucent surfaces). Each builds its
program from ``shaders/*.glsl`` in ``__init__``, owns its buffers, uploads only what changed and
counts the bytes it uploads in ``uploaded_bytes``.
"""

from vispy.scene.visuals import create_visual_node

from brainview.render.visuals.activity import ActivityVisual
from brainview.render.visuals.edges import EdgesVisual
from brainview.render.visuals.neurons import FLAG_DIMMED, FLAG_HIDDEN, FLAG_LESIONED, FLAG_SELECTED, NeuronsVisual
from brainview.render.visuals.outline import OutlineMeshVisual

Neurons = create_visual_node(NeuronsVisual)
Activity = create_visual_node(ActivityVisual)
Edges = create_visual_node(EdgesVisual)
OutlineMesh = create_visual_node(OutlineMeshVisual)

__all__ = [
    "FLAG_DIMMED", "FLAG_HIDDEN", "FLAG_LESIONED", "FLAG_SELECTED",
    "Activity", "ActivityVisual", "Edges", "EdgesVisual", "Neurons", "NeuronsVisual",
    "OutlineMesh", "OutlineMeshVisual",
]
