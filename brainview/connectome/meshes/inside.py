"""Which points lie inside a closed triangle mesh, and random points inside one.

A point is inside when a ray from it along +z crosses the surface an odd number of times
(the parity rule, exact for a closed mesh). The triangles are binned once by their footprint
in the x-y plane, so a query only tests the few triangles above or below it: the cost grows
with the points, not with points times triangles. Sampling draws uniform points in the
bounding box and keeps those inside (rejection), which is uniform in the enclosed volume.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome.meshes.mesh import Mesh

_MAX_ROUNDS = 64
"""Rejection rounds before a mesh is declared to enclose no volume."""

_GIVE_UP_DRAWS = 200_000
"""Random points without a single one inside after which a mesh is declared to enclose no volume
(a real neuropil fills at least a few percent of its bounding box)."""


class MeshInterior:
    """The inside of one closed mesh: a point test and a uniform sampler.

    Parameters
    ----------
    mesh : Mesh
        A closed (watertight) triangle mesh; an open one gives the parity rule's best guess.
    """

    def __init__(self, mesh: Mesh) -> None:
        self.name = mesh.name
        triangles = mesh.vertices.astype(np.float64)[mesh.faces]  # (F, 3 corners, 3 axes)
        self.low = mesh.vertices.min(axis=0).astype(np.float64) if len(mesh.vertices) else np.zeros(3)
        self.high = mesh.vertices.max(axis=0).astype(np.float64) if len(mesh.vertices) else np.zeros(3)
        x, y = triangles[:, :, 0], triangles[:, :, 1]
        # Triangles seen edge-on from above have no footprint: a vertical ray never crosses them.
        det = (y[:, 1] - y[:, 2]) * (x[:, 0] - x[:, 2]) + (x[:, 2] - x[:, 1]) * (y[:, 0] - y[:, 2])
        keep = np.abs(det) > 1e-12 * max(float(np.ptp(x)) * float(np.ptp(y)), 1e-300)
        self._triangles, self._det = triangles[keep], det[keep]
        self._bins = int(np.clip(np.sqrt(max(len(self._det), 1)), 4, 128))
        size = np.maximum(self.high[:2] - self.low[:2], 1e-9)
        self._cell = size / self._bins
        first = self._bin_of(np.column_stack([x[keep].min(axis=1), y[keep].min(axis=1)]))
        last = self._bin_of(np.column_stack([x[keep].max(axis=1), y[keep].max(axis=1)]))
        span = last - first + 1
        per_triangle = span[:, 0] * span[:, 1]
        triangle = np.repeat(np.arange(len(per_triangle)), per_triangle)
        within = np.arange(triangle.size) - np.repeat(np.cumsum(per_triangle) - per_triangle, per_triangle)
        bx = first[triangle, 0] + within // span[triangle, 1]
        by = first[triangle, 1] + within % span[triangle, 1]
        cell = bx * self._bins + by
        order = np.argsort(cell, kind="stable")
        self._bin_triangles = triangle[order]
        self._bin_start = np.searchsorted(cell[order], np.arange(self._bins * self._bins + 1))

    def _bin_of(self, xy: np.ndarray) -> np.ndarray:
        return np.clip(((xy - self.low[:2]) / self._cell).astype(np.int64), 0, self._bins - 1)

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(k,) bool: True for each of the (k, 3) ``points`` inside the mesh."""
        points = np.asarray(points, np.float64).reshape(-1, 3)
        inside = np.zeros(len(points), bool)
        boxed = np.flatnonzero(np.all((points >= self.low) & (points <= self.high), axis=1))
        if boxed.size == 0 or self._det.size == 0:
            return inside
        bins = self._bin_of(points[boxed, :2])
        cell = bins[:, 0] * self._bins + bins[:, 1]
        start, stop = self._bin_start[cell], self._bin_start[cell + 1]
        counts = stop - start
        query = np.repeat(np.arange(boxed.size), counts)
        offset = np.arange(query.size) - np.repeat(np.cumsum(counts) - counts, counts)
        triangle = self._bin_triangles[np.repeat(start, counts) + offset]
        p = points[boxed[query]]
        t = self._triangles[triangle]
        det = self._det[triangle]
        dx, dy = p[:, 0] - t[:, 2, 0], p[:, 1] - t[:, 2, 1]
        l0 = ((t[:, 1, 1] - t[:, 2, 1]) * dx + (t[:, 2, 0] - t[:, 1, 0]) * dy) / det
        l1 = ((t[:, 2, 1] - t[:, 0, 1]) * dx + (t[:, 0, 0] - t[:, 2, 0]) * dy) / det
        l2 = 1.0 - l0 - l1
        z = l0 * t[:, 0, 2] + l1 * t[:, 1, 2] + l2 * t[:, 2, 2]
        crossed = (l0 >= 0) & (l1 >= 0) & (l2 >= 0) & (z > p[:, 2])
        inside[boxed] = np.bincount(query[crossed], minlength=boxed.size) % 2 == 1
        return inside

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """(count, 3) float64 points drawn uniformly inside the mesh.

        Raises
        ------
        ValueError
            If no point inside is found in many rounds: the mesh encloses no volume (open or flat).
        """
        found: list[np.ndarray] = []
        needed, accepted, drawn = count, 0, 0
        for _ in range(_MAX_ROUNDS):
            if needed <= 0 or (accepted == 0 and drawn >= _GIVE_UP_DRAWS):
                break
            rate = (accepted + 1) / (drawn + 2)  # the running acceptance, never zero
            batch = int(min(max(needed / rate * 1.2, 64), 4_000_000 if accepted else _GIVE_UP_DRAWS))
            candidates = rng.uniform(self.low, self.high, (batch, 3))
            keep = candidates[self.contains(candidates)]
            drawn, accepted = drawn + batch, accepted + len(keep)
            found.append(keep[:needed])
            needed -= len(found[-1])
        if needed > 0:
            raise ValueError(f"mesh {self.name or '(unnamed)'} encloses no volume: no random point fell inside it")
        return np.concatenate(found) if found else np.zeros((0, 3))
