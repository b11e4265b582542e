"""The view's cameras: a turntable for inspecting, a fly camera for moving through, and presets.

Both are vispy cameras on the same ViewBox; switching keeps what the user sees (the fly camera
starts at the turntable's eye, looking the same way). Presets orient the turntable by the
dataset's :class:`~brainview.render.frames.BodyFrame` and fit the cells in view.
"""

from __future__ import annotations

import math

import numpy as np

from brainview.render.frames import BodyFrame, CameraPose, camera_pose, fit_scale

MODES = ("turntable", "fly")

DEPTH_RANGE = 1e4
"""vispy's ``depth_value``: the near plane sits at distance / sqrt(10 * DEPTH_RANGE) and an
orthographic view keeps +-DEPTH_RANGE micrometres; smaller than vispy's 1e6 so that a 16-bit
depth buffer still separates spheres a few micrometres apart."""


class CameraRig:
    """Turntable and fly cameras for one ViewBox.

    Parameters
    ----------
    viewbox : vispy.scene.ViewBox
        The view the cameras drive.
    fov_deg : float
        Field of view of the turntable (0 = orthographic).
    """

    def __init__(self, viewbox, fov_deg: float = 30.0) -> None:
        from vispy.scene.cameras import TurntableCamera

        self._viewbox = viewbox
        self.turntable = TurntableCamera(fov=fov_deg, elevation=0.0, azimuth=0.0)
        self.turntable.depth_value = DEPTH_RANGE
        self.fly = None
        self._mode = "turntable"
        viewbox.camera = self.turntable

    @property
    def mode(self) -> str:
        """"turntable" or "fly"."""
        return self._mode

    @property
    def camera(self):
        """The vispy camera in use."""
        return self._viewbox.camera

    def directions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(right, up, forward) of the current camera, unit vectors in data coordinates."""
        matrix = np.asarray(self.camera.transform.matrix, np.float64)  # camera -> scene, row vectors
        right, up, backward = (matrix[i, :3] / np.linalg.norm(matrix[i, :3]) for i in range(3))
        return right, up, -backward

    def eye(self) -> np.ndarray:
        """Where the current camera is, in data coordinates."""
        matrix = np.asarray(self.camera.transform.matrix, np.float64)
        return matrix[3, :3] / matrix[3, 3]

    def aspect(self) -> float:
        """Width / height of the view."""
        width, height = self._viewbox.size
        return float(width) / float(height) if height else 1.0

    def state(self) -> dict:
        """The turntable's viewpoint as plain numbers (``center`` in micrometres, angles in
        degrees), for an experiment file; empty while the fly camera is in use."""
        if self._mode != "turntable":
            return {}
        state = self.turntable.get_state()
        if state.get("scale_factor") is None:
            return {}
        return {"center": [float(c) for c in state["center"]], "scale_factor": float(state["scale_factor"]),
                **{key: float(state[key]) for key in ("fov", "elevation", "azimuth", "roll")}}

    def restore(self, state: dict) -> bool:
        """Put the turntable where :meth:`state` found it; False (nothing changed) if ``state`` is
        empty or not such a viewpoint."""
        keys = ("scale_factor", "fov", "elevation", "azimuth", "roll")
        try:
            center = tuple(float(c) for c in state["center"])
            values = {key: float(state[key]) for key in keys}
        except (KeyError, TypeError, ValueError):
            return False
        if len(center) != 3 or not all(np.isfinite(v) for v in (*center, *values.values())) or values["scale_factor"] <= 0:
            return False
        self.set_mode("turntable")
        self.turntable.set_state({"center": center, **values})
        return True

    def set_mode(self, mode: str) -> None:
        """Switch to the "turntable" or "fly" camera, keeping the viewpoint."""
        if mode not in MODES:
            raise ValueError(f"camera mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == self._mode:
            return
        if mode == "fly":
            from vispy.scene.cameras import FlyCamera

            right, up, forward = self.directions()
            eye = self.eye()
            if self.fly is None:
                self.fly = FlyCamera(fov=max(self.turntable.fov, 30.0))
                self.fly.depth_value = DEPTH_RANGE
            self._viewbox.camera = self.fly
            self._place_fly(eye, right, up, forward, speed=self.turntable.scale_factor / 3.0)
        else:
            self._viewbox.camera = self.turntable
        self._mode = mode

    def show(self, frame: BodyFrame, preset: str, points: np.ndarray, min_extent: float = 1.0) -> CameraPose:
        """Orient for ``preset`` ("front", "side", "top") and fit ``points`` (k, 3) in view.

        ``min_extent`` (micrometres) bounds the zoom (see :func:`~brainview.render.frames.fit_scale`).
        """
        extent = np.ptp(points, axis=0) if len(points) else None
        pose = camera_pose(frame, preset, extent)
        if self._mode == "turntable":
            camera = self.turntable
            camera.up = pose.up
            camera.azimuth = pose.azimuth
            camera.elevation = pose.elevation
            camera.roll = 0.0
        self.fit(points, pose, min_extent)
        return pose

    def fit(self, points: np.ndarray, pose: CameraPose | None = None, min_extent: float = 1.0) -> None:
        """Keep the orientation (or take ``pose``'s) and centre and zoom so that ``points`` fill the view."""
        if len(points) == 0:
            return
        if pose is None:
            right, up, forward = self.directions()
        else:
            right, up, forward = (np.asarray(v) for v in (pose.right, pose.screen_up, pose.forward))
        current = CameraPose("", 0.0, 0.0, tuple(right), tuple(up), tuple(forward))
        fov = self.camera.fov
        centre, scale = fit_scale(points, current, self.aspect(), fov, min_extent=min_extent)
        if self._mode == "turntable":
            self.turntable.center = tuple(centre)
            self.turntable.scale_factor = scale
        else:
            distance = scale / (2 * math.tan(math.radians(max(fov, 1.0)) / 2))
            self._place_fly(centre - forward * distance, right, up, forward, speed=scale / 3.0)

    def _place_fly(self, eye, right, up, forward, speed: float) -> None:
        """Put the fly camera at ``eye`` with the given axes (its rotation as a quaternion)."""
        from vispy.util.quaternion import Quaternion

        rotation = np.array([right, up, -np.asarray(forward)])  # camera -> scene, row vectors
        angle, axis = _axis_angle(rotation)
        fly = self.fly
        fly.rotation1 = Quaternion.create_from_axis_angle(-angle, *axis)
        fly.rotation2 = Quaternion()
        fly.center = tuple(float(x) for x in eye)
        fly.scale_factor = max(speed, 1e-3)
        fly.view_changed()


def _axis_angle(rotation: np.ndarray) -> tuple[float, np.ndarray]:
    """Angle (radians) and unit axis of a 3 x 3 rotation written for row vectors (p' = p @ R).

    vispy builds such matrices with ``transforms.rotate(degrees, axis)``; this is its inverse.
    """
    column_form = rotation.T
    cosine = np.clip((np.trace(column_form) - 1.0) / 2.0, -1.0, 1.0)
    angle = float(np.arccos(cosine))
    if angle < 1e-9:
        return 0.0, np.array([0.0, 0.0, 1.0])
    if np.pi - angle < 1e-6:
        # a half turn: the axis is the column of R + I with the largest norm
        symmetric = column_form + np.eye(3)
        axis = symmetric[:, np.argmax(np.linalg.norm(symmetric, axis=0))]
        return angle, axis / np.linalg.norm(axis)
    axis = np.array([
        column_form[2, 1] - column_form[1, 2],
        column_form[0, 2] - column_form[2, 0],
        column_form[1, 0] - column_form[0, 1],
    ])
    return angle, axis / np.linalg.norm(axis)
