"""A translucent outline of a long body (a worm), derived from its cells' positions.

No hand-made asset: the outline is a tube around the cells, computed when a connectome is
shown. Its centre line follows the middle of the cells along the body's long axis (the first
principal axis), so it bends where the body bends; its radius at each station is the distance
from the centre line of the farthest cell there (plus that cell's radius and a margin),
widened by a running maximum and smoothed, so every cell lies inside and the body is round. Hemispherical caps close
both ends; the result is a closed triangle mesh (:class:`~brainview.connectome.meshes.Mesh`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainview.connectome.meshes import Mesh

ELONGATED_RATIO = 4.0
"""A body whose long axis is at least this many times its next one gets an outline: the worm's
cells span about 6 times more along it than across (720 um by 110), a fly brain's 2.6."""


@dataclass(frozen=True)
class OutlineParameters:
    """Shape of :func:`body_outline`.

    Parameters
    ----------
    stations : int
        Rings along the body (the centre line's resolution).
    sides : int
        Vertices around each ring.
    margin_um : float
        Room between the outermost cell's surface and the outline, micrometres.
    smoothing : float
        Standard deviation of the smoothing along the body, in stations.
    cap_rings : int
        Rings of each hemispherical end cap.
    """

    stations: int = 48
    sides: int = 32
    margin_um: float = 3.0
    smoothing: float = 2.5
    cap_rings: int = 6


def is_elongated(positions: np.ndarray) -> bool:
    """True for a long, thin body (a worm): the long axis :data:`ELONGATED_RATIO` times the next."""
    positions = np.asarray(positions, np.float64).reshape(-1, 3)
    if len(positions) < 4 or not np.isfinite(positions).all():
        return False
    centred = positions - positions.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    # Extents, not standard deviations: two distant clusters (a fly's optic lobes) are no long body.
    low, high = np.percentile(centred @ axes[:2].T, [1, 99], axis=0)
    extent = high - low
    return bool(extent[1] > 0 and extent[0] >= ELONGATED_RATIO * extent[1])


def body_outline(
    positions: np.ndarray, radii: np.ndarray | None = None, parameters: OutlineParameters = OutlineParameters()
) -> Mesh:
    """A closed tube around the cells at ``positions`` (micrometres), along their long axis.

    Parameters
    ----------
    positions : numpy.ndarray
        (N, 3) cell positions, N >= 2, finite.
    radii : numpy.ndarray, optional
        (N,) cell radii (micrometres), kept inside the outline too; 0 when omitted.
    parameters : OutlineParameters
        Resolution and margins.

    Returns
    -------
    Mesh
        The outline, named "body outline".

    Raises
    ------
    ValueError
        With fewer than two cells, non-finite positions, or all cells at one point.
    """
    points = np.asarray(positions, np.float64).reshape(-1, 3)
    if len(points) < 2 or not np.isfinite(points).all():
        raise ValueError(f"a body outline needs at least two finite positions, got {len(points)}")
    radii = np.zeros(len(points)) if radii is None else np.asarray(radii, np.float64).reshape(-1)
    mean = points.mean(axis=0)
    _, _, axes = np.linalg.svd(points - mean, full_matrices=False)
    along = (points - mean) @ axes[0]
    start, stop = float(along.min()), float(along.max())
    if stop - start <= 0:
        raise ValueError("a body outline needs cells at more than one place")
    k = parameters.stations
    station = np.linspace(start, stop, k)
    width = (stop - start) / (k - 1)
    nearest = np.clip(np.rint((along - start) / width).astype(np.int64), 0, k - 1)
    centre = _smooth_centres(points, nearest, station, axes[0], mean, parameters.smoothing)
    tangent = np.gradient(centre, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    s, distance = _project(points, centre)
    reach = distance + radii + parameters.margin_um
    raw = np.zeros(k)
    np.maximum.at(raw, np.clip(np.rint(s).astype(np.int64), 0, k - 1), reach)
    # A station without cells borrows from its neighbours. A running maximum over about two
    # smoothing widths, then smoothing, gives a round body that is nowhere thinner than its
    # cells need (the final maximum only adds what rounding lost, a fraction of a micrometre).
    filled = np.interp(np.arange(k), np.flatnonzero(raw > 0), raw[raw > 0]) if np.any(raw > 0) else raw + 1.0
    half = max(1, int(np.ceil(2 * parameters.smoothing)))
    padded = np.pad(filled, half, mode="edge")
    widest = np.max(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    radius = np.maximum(_gaussian(widest, parameters.smoothing), filled)
    return _tube(centre, tangent, radius, axes[1], parameters)


def _smooth_centres(points, nearest, station, axis, mean, sigma) -> np.ndarray:
    """(k, 3) centre line: the middle of each station's cells, interpolated and smoothed."""
    k = station.size
    centre = np.full((k, 3), np.nan)
    for index in np.unique(nearest):
        members = points[nearest == index]
        centre[index] = (members.min(axis=0) + members.max(axis=0)) / 2
    known = np.isfinite(centre[:, 0])
    for dim in range(3):
        centre[:, dim] = np.interp(np.arange(k), np.flatnonzero(known), centre[known, dim])
        centre[:, dim] = _gaussian(centre[:, dim], sigma)
    # Along the axis the stations stay where they are: only the cross-section centre moves.
    offset = (centre - mean) @ axis
    return centre + np.outer(station - offset, axis)


def _project(points: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest place on the centre line: (fractional station, distance)."""
    a, b = centre[:-1], centre[1:]
    segment = b - a
    length2 = np.maximum((segment ** 2).sum(axis=1), 1e-12)
    t = np.clip(np.einsum("psd,sd->ps", points[:, None, :] - a[None], segment) / length2, 0.0, 1.0)
    foot = a[None] + t[..., None] * segment[None]
    distance = np.linalg.norm(points[:, None, :] - foot, axis=2)
    best = np.argmin(distance, axis=1)
    rows = np.arange(len(points))
    return best + t[rows, best], distance[rows, best]


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or values.size < 3:
        return values.copy()
    half = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, half, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _tube(centre, tangent, radius, reference, parameters: OutlineParameters) -> Mesh:
    """Rings around the centre line, hemispherical caps and an apex at each end: one closed mesh."""
    theta = np.linspace(np.pi / 2, 0, parameters.cap_rings + 1)[1:-1]  # cap rings, outer to inner
    rings = [(centre[0] - tangent[0] * radius[0] * np.cos(t), tangent[0], radius[0] * np.sin(t)) for t in theta[::-1]]
    rings += [(centre[i], tangent[i], radius[i]) for i in range(len(centre))]
    rings += [(centre[-1] + tangent[-1] * radius[-1] * np.cos(t), tangent[-1], radius[-1] * np.sin(t)) for t in theta]
    angle = np.linspace(0, 2 * np.pi, parameters.sides, endpoint=False)
    vertices = []
    for middle, direction, r in rings:
        u = reference - direction * (reference @ direction)
        u /= np.linalg.norm(u)
        v = np.cross(direction, u)
        vertices.append(middle + r * (np.outer(np.cos(angle), u) + np.outer(np.sin(angle), v)))
    m = parameters.sides
    vertices = np.concatenate(vertices + [[centre[0] - tangent[0] * radius[0]], [centre[-1] + tangent[-1] * radius[-1]]])
    first_apex, last_apex = len(vertices) - 2, len(vertices) - 1
    j = np.arange(m)
    faces = []
    for ring in range(len(rings) - 1):
        a, b = ring * m + j, ring * m + (j + 1) % m
        c, d = a + m, b + m
        faces += [np.column_stack([a, c, b]), np.column_stack([b, c, d])]
    faces.append(np.column_stack([np.full(m, first_apex), j, (j + 1) % m]))
    last = (len(rings) - 1) * m
    faces.append(np.column_stack([np.full(m, last_apex), last + (j + 1) % m, last + j]))
    return Mesh(vertices.astype(np.float32), np.concatenate(faces), "body outline")
