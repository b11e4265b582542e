"""The triangle mesh every mesh reader returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Mesh:
    """Vertices and triangles.

    Parameters
    ----------
    vertices : numpy.ndarray
        (V, 3) float32 positions, in the file's units (micrometres for brainview's datasets).
    faces : numpy.ndarray
        (F, 3) uint32 vertex indices of each triangle.
    name : str
        Where the mesh came from (a file name), for legends and messages.
    """

    vertices: np.ndarray
    faces: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf: refused below
            vertices = np.ascontiguousarray(self.vertices, np.float32).reshape(-1, 3)
        faces = np.ascontiguousarray(self.faces, np.int64).reshape(-1, 3)
        if faces.size and (faces.min() < 0 or faces.max() >= vertices.shape[0]):
            raise ValueError(
                f"mesh faces refer to vertices 0..{vertices.shape[0] - 1}, got {faces.min()}..{faces.max()}"
            )
        if not np.all(np.isfinite(vertices)):
            raise ValueError("mesh vertices must be finite numbers")
        object.__setattr__(self, "vertices", vertices)
        object.__setattr__(self, "faces", faces.astype(np.uint32))

    def scaled(self, factor: float, offset=(0.0, 0.0, 0.0)) -> "Mesh":
        """The mesh with every vertex multiplied by ``factor`` then shifted by ``offset``.

        For example ``factor=0.001`` turns a mesh in nanometres into micrometres.
        """
        return Mesh(self.vertices * np.float32(factor) + np.asarray(offset, np.float32), self.faces, self.name)


def fan_triangles(polygon: list[int]) -> list[tuple[int, int, int]]:
    """Split a convex polygon (vertex indices in order) into a fan of triangles."""
    return [(polygon[0], polygon[i], polygon[i + 1]) for i in range(1, len(polygon) - 1)]
