"""Translucent outline meshes with a bright silhouette (``shaders/outline_mesh.*``)."""

from __future__ import annotations

import numpy as np
from vispy.gloo import IndexBuffer, VertexBuffer

from brainview.render.visuals._gl import ShaderVisual, camera_uniforms


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit normal per vertex: the area-weighted sum of the normals of the faces around it.

    Parameters
    ----------
    vertices : numpy.ndarray
        (V, 3) float positions.
    faces : numpy.ndarray
        (F, 3) integer vertex indices.

    Returns
    -------
    numpy.ndarray
        (V, 3) float32; vertices in no face get (0, 0, 1).
    """
    vertices = np.asarray(vertices, np.float64)
    faces = np.asarray(faces, np.int64)
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    face_normals = np.cross(b - a, c - a)  # length = twice the area: area weighting for free
    normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(normals, faces[:, corner], face_normals)
    length = np.linalg.norm(normals, axis=1)
    normals[length == 0] = (0.0, 0.0, 1.0)
    length[length == 0] = 1.0
    return (normals / length[:, None]).astype(np.float32)


class OutlineMeshVisual(ShaderVisual):
    """A triangle mesh drawn as a faint, see-through surface whose silhouette is stronger.

    Parameters
    ----------
    color : tuple of float
        RGBA; alpha is the opacity of surface seen face-on.
    rim : float
        How many times more opaque the silhouette is than the face-on surface.
    """

    def __init__(self, color=(0.62, 0.70, 0.85, 0.035), rim: float = 4.0) -> None:
        ShaderVisual.__init__(self, "outline_mesh")
        self._position = VertexBuffer(np.zeros((3, 3), np.float32))
        self._normal = VertexBuffer(np.zeros((3, 3), np.float32))
        self._faces = IndexBuffer(np.zeros((1, 3), np.uint32))
        self._vertices = np.zeros((0, 3), np.float32)
        self._face_count = 0
        self.shared_program["a_position"] = self._position
        self.shared_program["a_normal"] = self._normal
        self.shared_program["u_color"] = tuple(float(x) for x in color)
        self.shared_program["u_rim"] = float(rim)
        self._draw_mode = "triangles"
        self._index_buffer = self._faces
        self._set_state(one_sided=False)
        self.freeze()

    def _set_state(self, one_sided: bool) -> None:
        self.set_gl_state(
            depth_test=True, depth_mask=False, cull_face=one_sided, blend=True,
            # Colour "over" the picture, and alpha "over" too: an opaque background stays opaque,
            # else a saved picture would be see-through wherever an outline is.
            blend_func=("src_alpha", "one_minus_src_alpha", "one", "one_minus_src_alpha"),
        )

    def set_one_sided(self, one_sided: bool) -> None:
        """Draw only the faces turned towards the viewer (True) or both sides (False, the default).

        For a closed mesh whose triangles wind counter-clockwise seen from outside: the far side
        adds nothing but a second faint layer, and leaving it out halves the pixels blended (with
        software OpenGL, the outlines' main cost).
        """
        self._set_state(bool(one_sided))
        self.update()

    def set_data(self, vertices: np.ndarray, faces: np.ndarray) -> None:
        """A new mesh: (V, 3) vertex positions (micrometres) and (F, 3) triangle indices."""
        vertices = np.ascontiguousarray(vertices, np.float32).reshape(-1, 3)
        faces = np.ascontiguousarray(faces, np.uint32).reshape(-1, 3)
        if faces.size and faces.max() >= vertices.shape[0]:
            raise ValueError(f"faces refer to vertex {faces.max()}, but the mesh has {vertices.shape[0]}")
        normals = vertex_normals(vertices, faces)
        self._vertices = vertices
        self._position.set_data(vertices)
        self._normal.set_data(normals)
        self._faces.set_data(faces)
        self._face_count = len(faces)
        self.uploaded_bytes += vertices.nbytes + normals.nbytes + faces.nbytes
        self.update()

    def set_faces(self, faces: np.ndarray) -> None:
        """Draw only ``faces`` (F, 3) of the current vertices, keeping their normals.

        Showing or hiding parts of a mesh that holds several surfaces (the neuropils) costs one
        small upload, and the parts share one draw call: with 78 separate meshes vispy's own work
        per drawn node, about 0.7 ms each, took more time per frame than the cells.
        """
        faces = np.ascontiguousarray(faces, np.uint32).reshape(-1, 3)
        if faces.size and faces.max() >= self._vertices.shape[0]:
            raise ValueError(f"faces refer to vertex {faces.max()}, but the mesh has {self._vertices.shape[0]}")
        self._faces.set_data(faces if faces.size else np.zeros((1, 3), np.uint32))
        self._face_count = len(faces)
        self.uploaded_bytes += faces.nbytes
        self.update()

    def set_color(self, color) -> None:
        """RGBA of the face-on surface."""
        self.shared_program["u_color"] = tuple(float(x) for x in color)
        self.update()

    def set_rim(self, rim: float) -> None:
        """How many times more opaque the silhouette is than the face-on surface."""
        self.shared_program["u_rim"] = float(rim)
        self.update()

    def _prepare_draw(self, view) -> bool:
        if self._vertices.shape[0] == 0 or self._face_count == 0:
            return False
        view.view_program["u_eye"] = camera_uniforms(view.get_transform("visual", "framebuffer")).eye
        return True

    def _compute_bounds(self, axis: int, view):
        if self._vertices.shape[0] == 0:
            return None
        return float(self._vertices[:, axis].min()), float(self._vertices[:, axis].max())
