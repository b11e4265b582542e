"""Anatomical directions of a dataset's coordinates, and the camera presets built on them.

"Front", "side" and "top" mean the animal's front, side and top, whatever the axes of the
source: the OpenWorm worm runs along y with z dorsal, the FlyWire brain has x left-right, y
pointing ventrally and z pointing posteriorly. A :class:`BodyFrame` names the anterior and dorsal
directions; :func:`camera_pose` turns a preset into the orientation of a vispy turntable camera.

- front: looking at the animal's face (from anterior), dorsal up, its left on the screen's right;
- side: looking at its left flank, dorsal up, anterior on the left (the usual worm drawing);
- top: looking down on its back; anterior up, or anterior on the left for a long thin body
  (a worm is 720 um long and 50 um wide, so a landscape screen shows it best lying down).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from brainview.connectome import Connectome

PRESETS = ("front", "side", "top")
"""Names of the fixed camera presets (``fit`` keeps the orientation and fits the selection)."""

_AXES = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


@dataclass(frozen=True)
class BodyFrame:
    """Anatomical directions in a dataset's coordinates (each one of ``+x``, ``-x``, ... ``-z``).

    Parameters
    ----------
    name : str
        What the frame is, for messages.
    anterior : str
        Axis pointing to the head.
    dorsal : str
        Axis pointing to the back (up).
    """

    name: str
    anterior: str
    dorsal: str

    def __post_init__(self) -> None:
        for axis in (self.anterior, self.dorsal):
            if axis not in _AXES:
                raise ValueError(f"an axis is one of {', '.join(_AXES)}, got {axis!r}")
        if np.dot(self.anterior_vector, self.dorsal_vector) != 0:
            raise ValueError(f"anterior {self.anterior} and dorsal {self.dorsal} must be perpendicular")

    @property
    def anterior_vector(self) -> np.ndarray:
        """Unit vector towards the head."""
        return np.array(_AXES[self.anterior], np.float64)

    @property
    def dorsal_vector(self) -> np.ndarray:
        """Unit vector towards the back."""
        return np.array(_AXES[self.dorsal], np.float64)

    @property
    def left_vector(self) -> np.ndarray:
        """Unit vector towards the animal's left (anterior, left, dorsal is right-handed)."""
        return np.cross(self.dorsal_vector, self.anterior_vector)


WORM = BodyFrame("C. elegans, OpenWorm frame (y head to tail, x left, z dorsal)", anterior="-y", dorsal="+z")
FLY = BodyFrame("Drosophila, FlyWire/FAFB frame (x to the left, y ventral, z posterior)", anterior="-z", dorsal="-y")
UNKNOWN = BodyFrame("no anatomical frame known (front looks down -z with +y up)", anterior="+z", dorsal="+y")


def body_frame(connectome: Connectome) -> BodyFrame:
    """The anatomical frame of ``connectome``'s positions, from its species and frame metadata.

    Computed layouts have no anatomy, nor do species brainview does not know: those get
    :data:`UNKNOWN`, so "front" is simply the x-y plane.
    """
    if not connectome.positions_measured:
        return UNKNOWN
    text = " ".join(connectome.meta.get(key, "") for key in ("species", "frame", "coordinate_frame")).lower()
    if "elegans" in text or "openworm" in text:
        return WORM
    if "drosophila" in text or "melanogaster" in text or "flywire" in text or "fafb" in text:
        return FLY
    return UNKNOWN


def default_preset(frame: BodyFrame, positions: np.ndarray) -> str:
    """"side" when the body shows more from the side than from the front (a worm), else "front"."""
    if len(positions) == 0:
        return "front"
    extent = np.ptp(positions, axis=0)
    front = abs(extent @ frame.left_vector) * abs(extent @ frame.dorsal_vector)
    side = abs(extent @ frame.anterior_vector) * abs(extent @ frame.dorsal_vector)
    return "side" if side > front else "front"


@dataclass(frozen=True)
class CameraPose:
    """Orientation of a vispy TurntableCamera: its up axis and angles in degrees."""

    up: str
    azimuth: float
    elevation: float
    right: tuple[float, float, float]
    screen_up: tuple[float, float, float]
    forward: tuple[float, float, float]


def preset_directions(frame: BodyFrame, preset: str, extent: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(forward, screen_up): the viewing direction and the direction shown upwards, for ``preset``.

    ``extent`` (size along x, y, z) decides whether the top view lays a long body sideways.
    """
    anterior, dorsal, left = frame.anterior_vector, frame.dorsal_vector, frame.left_vector
    if preset == "front":
        return -anterior, dorsal
    if preset == "side":
        return -left, dorsal
    if preset == "top":
        elongated = extent is not None and abs(extent @ anterior) > 1.5 * abs(extent @ left)
        return -dorsal, (-left if elongated else anterior)
    raise ValueError(f"unknown view {preset!r}; views are {', '.join(PRESETS)} and fit")


def camera_pose(frame: BodyFrame, preset: str, extent: np.ndarray | None = None) -> CameraPose:
    """The turntable orientation that shows ``preset`` (see the module docstring).

    The turntable's up axis is the animal's dorsal axis, so dragging turns the body about its
    dorso-ventral axis as a turntable should.
    """
    forward, screen_up = preset_directions(frame, preset, extent)
    for azimuth, elevation in _candidates():
        pose = _turntable_pose(frame.dorsal, azimuth, elevation)
        if np.allclose(pose.forward, forward, atol=1e-6) and np.allclose(pose.screen_up, screen_up, atol=1e-6):
            return pose
    raise RuntimeError(f"no turntable orientation shows the {preset} view of {frame.name}")


def _candidates():
    for elevation in (0.0, 90.0, -90.0):
        for azimuth in (0.0, 90.0, 180.0, -90.0):
            yield azimuth, elevation


@lru_cache(maxsize=64)
def _turntable_pose(up: str, azimuth: float, elevation: float) -> CameraPose:
    """Where a vispy TurntableCamera with these settings looks, computed by vispy itself."""
    from vispy.scene.cameras import TurntableCamera

    camera = TurntableCamera(fov=0.0, up=up, azimuth=azimuth, elevation=elevation, center=(0.0, 0.0, 0.0))
    camera._update_camera_pos()  # the one place vispy computes the orientation from the angles
    matrix = camera.transform.matrix  # camera -> scene, row vectors: p_scene = p_camera @ matrix
    right = matrix[0, :3]
    screen_up = matrix[1, :3]
    forward = -matrix[2, :3]
    unit = [tuple(float(x) for x in v / np.linalg.norm(v)) for v in (right, screen_up, forward)]
    return CameraPose(up, azimuth, elevation, unit[0], unit[1], unit[2])


SILHOUETTE_MIN_POINTS = 2000
"""Fits over more points than this use only :func:`silhouette_candidates` (same result, faster)."""


def silhouette_candidates(points: np.ndarray, right, up, forward, directions: int = 128) -> np.ndarray:
    """Indices of the points that can be outermost on screen, whatever the camera distance.

    Under perspective a point's screen offset is ``x * D / (D - d)`` (lateral offset ``x``,
    nearness ``d``, camera distance ``D``); the largest one is reached on the convex hull of the
    points in each (screen axis, depth) plane. The points furthest along ``directions`` evenly
    spaced directions of each plane are that hull's vertices, to within a sliver.
    """
    angles = np.linspace(0.0, 2 * np.pi, directions, endpoint=False)
    depth = points @ np.asarray(forward, np.float64)
    chosen = set()
    for axis in (right, up):
        lateral = points @ np.asarray(axis, np.float64)
        for angle in angles:
            chosen.add(int(np.argmax(np.cos(angle) * lateral + np.sin(angle) * depth)))
    return np.fromiter(sorted(chosen), np.int64)


def fit_scale(
    points: np.ndarray,
    pose: CameraPose,
    aspect: float,
    fov_deg: float,
    margin: float = 1.08,
    min_extent: float = 1.0,
    silhouette_above: int = SILHOUETTE_MIN_POINTS,
) -> tuple[np.ndarray, float]:
    """Centre and turntable ``scale_factor`` that fit ``points`` on screen in this pose.

    Parameters
    ----------
    points : numpy.ndarray
        (k, 3) positions to fit, micrometres.
    pose : CameraPose
        The camera orientation.
    aspect : float
        Canvas width / height.
    fov_deg : float
        Field of view of the camera (0 for orthographic).
    margin : float
        Extra room around the points.
    min_extent : float
        Never zoom in further than showing this many micrometres (one neuron should not fill
        the screen).
    silhouette_above : int
        With more points than this, fit only their :func:`silhouette_candidates`.

    Returns
    -------
    centre : numpy.ndarray
        (3,) the point to look at: the middle of the points' bounding box.
    scale_factor : float
        vispy's zoom: the extent shown along the shorter side of the canvas, micrometres.
    """
    points = np.asarray(points, np.float64).reshape(-1, 3)
    right, up, forward = (np.asarray(v, np.float64) for v in (pose.right, pose.screen_up, pose.forward))
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    if len(points) > silhouette_above:
        points = points[silhouette_candidates(points, right, up, forward)]

    def projected(scale: float, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Screen x and y of the points (micrometres in the centre's plane), or None if behind the eye."""
        offsets = points - centre
        magnify = np.ones(len(points))
        if fov_deg > 0:
            distance = scale / (2 * np.tan(np.radians(fov_deg) / 2))
            gap = distance + offsets @ forward
            if np.any(gap <= 0):
                return None
            magnify = distance / gap  # nearer points look bigger under perspective
        return (offsets @ right) * magnify, (offsets @ up) * magnify

    def shown_needed(scale: float, centre: np.ndarray) -> float:
        """The zoom that shows every point, with the camera where ``scale`` puts it."""
        xy = projected(scale, centre)
        if xy is None:
            return np.inf
        width, height = 2 * np.abs(xy[0]).max(), 2 * np.abs(xy[1]).max()
        return max(height, width / aspect) if aspect >= 1 else max(width, height * aspect)

    def smallest_scale(centre: np.ndarray) -> float:
        """The smallest zoom that contains its own needs (bisection: the need falls as it grows)."""
        low_scale, high_scale = 0.0, 1.0
        while shown_needed(high_scale, centre) > high_scale:
            high_scale *= 2
        for _ in range(50):
            middle = 0.5 * (low_scale + high_scale)
            if shown_needed(middle, centre) > middle:
                low_scale = middle
            else:
                high_scale = middle
        return high_scale

    scale = smallest_scale(centre)
    for _ in range(4 if fov_deg > 0 else 0):
        # under perspective the middle of the box is not the middle of the picture: recentre
        x, y = projected(scale, centre)
        centre = centre + right * (x.max() + x.min()) / 2 + up * (y.max() + y.min()) / 2
        scale = smallest_scale(centre)
    return centre, float(max(scale, min_extent) * margin)
