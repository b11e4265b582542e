"""A translucent outline of a long body (a worm), derived from its cells' positions.

No hand-made asset: the outline is a tube around the cells, computed when a connectome is
shown. Its centre line follows the middle of the cells along the body's long axis (the first
principal axis), so it bends where the body bends. Its cross-section at each station is an
ellipse whose two semi-axes reach the farthest cell there in each direction across the body
(plus that cell's radius and a margin), widened by a running maximum and smoothed, then grown
until every cell lies inside. Half-ellipsoid caps close both ends; the result is a closed
triangle mesh (:class:`~brainview.connectome.meshes.Mesh`).
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
    u = axes[1] - tangent * (tangent @ axes[1])[:, None]
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(tangent, u)
    s, offset = _project(points, centre)
    at = np.clip(np.rint(s).astype(np.int64), 0, k - 1)
    pad = radii + parameters.margin_um
    du, dv = np.abs(np.einsum("pd,pd->p", offset, u[at])), np.abs(np.einsum("pd,pd->p", offset, v[at]))
    semi_u = _envelope(du + pad, at, k, parameters.smoothing)
    semi_v = _envelope(dv + pad, at, k, parameters.smoothing)
    # An ellipse through (a, 0) and (0, b) misses a cell at (a, b): grow each station's ellipse
    # until its farthest cell (measured to the far side of its sphere) is inside.
    need = np.sqrt(((du + pad) / semi_u[at]) ** 2 + ((dv + pad) / semi_v[at]) ** 2)
    grow = np.ones(k)
    np.maximum.at(grow, at, need)
    grow = _envelope(grow, np.arange(k), k, parameters.smoothing)
    return _tube(centre, tangent, u, v, semi_u * grow, semi_v * grow, parameters)


def _envelope(values: np.ndarray, at: np.ndarray, k: int, sigma: float) -> np.ndarray:
    """(k,) a smooth curve over the stations that is nowhere below ``values`` at their ``at``.

    A station without values borrows from its neighbours. A running maximum over a smoothing
    width each way, then smoothing, gives a round body that is nowhere thinner than its cells
    need (the final maximum only adds back what rounding lost, a fraction of a micrometre).
    """
    raw = np.zeros(k)
    np.maximum.at(raw, at, values)
    filled = np.interp(np.arange(k), np.flatnonzero(raw > 0), raw[raw > 0]) if np.any(raw > 0) else raw + 1.0
    half = max(1, int(np.ceil(sigma)))
    padded = np.pad(filled, half, mode="edge")
    widest = np.max(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    return np.maximum(_gaussian(widest, sigma), filled)


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


def _project(points: np.ndarray, centre: np.ndarray, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest place on the centre line: (fractional station, offset from it).

    Points go ``block`` at a time, so the (points x segments x 3) work arrays stay a few MB.
    """
    a, b = centre[:-1], centre[1:]
    segment = b - a
    length2 = np.maximum((segment ** 2).sum(axis=1), 1e-12)
    station, offset = np.empty(len(points)), np.empty_like(points)
    for first in range(0, len(points), block):
        chunk = points[first:first + block]
        t = np.clip(np.einsum("psd,sd->ps", chunk[:, None, :] - a[None], segment) / length2, 0.0, 1.0)
        foot = a[None] + t[..., None] * segment[None]
        best = np.argmin(np.linalg.norm(chunk[:, None, :] - foot, axis=2), axis=1)
        rows = np.arange(len(chunk))
        station[first:first + block] = best + t[rows, best]
        offset[first:first + block] = chunk - foot[rows, best]
    return station, offset


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or values.size < 3:
        return values.copy()
    half = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, half, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _tube(centre, tangent, u, v, semi_u, semi_v, parameters: OutlineParameters) -> Mesh:
    """Elliptical rings around the centre line, rounded caps and an apex at each end: one closed
    mesh whose triangles wind counter-clockwise seen from outside (if (u, v, tangent) is right-handed)."""
    theta = np.linspace(np.pi / 2, 0, parameters.cap_rings + 1)[1:-1]  # cap rings, outer to inner
    # Each cap is half an ellipsoid as deep as the end's mean semi-axis.
    depth = (semi_u[[0, -1]] + semi_v[[0, -1]]) / 2
    rings = [(centre[0] - tangent[0] * depth[0] * np.cos(t), 0, np.sin(t)) for t in theta[::-1]]
    rings += [(centre[i], i, 1.0) for i in range(len(centre))]
    rings += [(centre[-1] + tangent[-1] * depth[1] * np.cos(t), -1, np.sin(t)) for t in theta]
    angle = np.linspace(0, 2 * np.pi, parameters.sides, endpoint=False)
    vertices = [
        middle + shrink * (np.outer(np.cos(angle), u[i] * semi_u[i]) + np.outer(np.sin(angle), v[i] * semi_v[i]))
        for middle, i, shrink in rings
    ]
    m = parameters.sides
    vertices = np.concatenate(vertices + [[centre[0] - tangent[0] * depth[0]], [centre[-1] + tangent[-1] * depth[1]]])
    first_apex, last_apex = len(vertices) - 2, len(vertices) - 1
    j = np.arange(m)
    faces = []
    for ring in range(len(rings) - 1):
        a, b = ring * m + j, ring * m + (j + 1) % m
        c, d = a + m, b + m
        faces += [np.column_stack([a, b, c]), np.column_stack([b, d, c])]
    faces.append(np.column_stack([np.full(m, first_apex), (j + 1) % m, j]))
    last = (len(rings) - 1) * m
    faces.append(np.column_stack([np.full(m, last_apex), last + j, last + (j + 1) % m]))
    return Mesh(vertices.astype(np.float32), np.concatenate(faces), "body outline")
