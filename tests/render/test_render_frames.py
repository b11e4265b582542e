"""Anatomical frames, camera presets, fitting and the per-frame camera uniforms (no OpenGL needed)."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.render.frames import FLY, PRESETS, UNKNOWN, WORM, BodyFrame, body_frame, camera_pose, fit_scale, preset_directions
from brainview.render.visuals._gl import camera_uniforms


def test_frames_come_from_species_and_frame_metadata(worm, connectome_factory):
    assert body_frame(worm) is WORM
    fly = connectome_factory(3)
    fly.meta["species"] = "Drosophila melanogaster"
    assert body_frame(fly) is FLY
    laid_out = connectome_factory(3)
    laid_out.meta.update(species="Drosophila melanogaster", positions="layout:spectral")
    assert body_frame(laid_out) is UNKNOWN
    assert body_frame(connectome_factory(3)) is UNKNOWN


def test_frames_are_right_handed_and_checked():
    for frame in (WORM, FLY, UNKNOWN):
        assert np.allclose(np.cross(frame.anterior_vector, frame.left_vector), frame.dorsal_vector)
    assert np.allclose(WORM.left_vector, [1, 0, 0])  # OpenWorm: x is the worm's left
    assert np.allclose(FLY.left_vector, [1, 0, 0])
    with pytest.raises(ValueError, match="perpendicular"):
        BodyFrame("bad", anterior="+x", dorsal="-x")
    with pytest.raises(ValueError, match="one of"):
        BodyFrame("bad", anterior="x", dorsal="+y")


@pytest.mark.parametrize("frame", [WORM, FLY, UNKNOWN], ids=lambda f: f.name.split(",")[0])
@pytest.mark.parametrize("preset", PRESETS)
def test_turntable_poses_look_the_right_way(frame, preset):
    extent = np.array([50.0, 720.0, 120.0])
    forward, screen_up = preset_directions(frame, preset, extent)
    pose = camera_pose(frame, preset, extent)
    assert np.allclose(pose.forward, forward) and np.allclose(pose.screen_up, screen_up)
    assert pose.up == frame.dorsal  # the turntable spins about the dorso-ventral axis
    assert np.allclose(np.cross(pose.right, pose.screen_up), -np.asarray(pose.forward))


def test_side_view_puts_the_head_left_and_a_long_top_view_lies_down():
    side = camera_pose(WORM, "side")
    assert np.dot(side.right, WORM.anterior_vector) == pytest.approx(-1)
    long_body = camera_pose(WORM, "top", np.array([50.0, 720.0, 120.0]))
    assert np.dot(long_body.right, WORM.anterior_vector) == pytest.approx(-1)
    brain = camera_pose(FLY, "top", np.array([1000.0, 500.0, 300.0]))
    assert np.dot(brain.screen_up, FLY.anterior_vector) == pytest.approx(1)
    with pytest.raises(ValueError, match="unknown view"):
        camera_pose(WORM, "back")


@pytest.mark.parametrize("fov", [0.0, 30.0])
@pytest.mark.parametrize("aspect", [1.6, 0.6])
def test_fit_contains_every_point_and_is_tight(fov, aspect):
    rng = np.random.default_rng(3)
    points = rng.normal(size=(300, 3)) * [30.0, 200.0, 50.0] + [5.0, -40.0, 12.0]
    pose = camera_pose(WORM, "front", np.ptp(points, axis=0))
    centre, scale = fit_scale(points, pose, aspect, fov, margin=1.0)
    x, y = _pinhole(points, centre, scale, pose, fov)
    half_width, half_height = (scale * aspect / 2, scale / 2) if aspect >= 1 else (scale / 2, scale / aspect / 2)
    assert np.abs(x).max() <= half_width * 1.0001 and np.abs(y).max() <= half_height * 1.0001
    assert max(np.abs(x).max() / half_width, np.abs(y).max() / half_height) > 0.97
    assert fit_scale(points[:1], pose, aspect, fov, min_extent=25.0, margin=1.0)[1] == pytest.approx(25.0)


def _pinhole(points, centre, scale, pose, fov):
    """Screen coordinates (micrometres in the centre's plane) as a camera fitted this way sees them."""
    offsets = points - centre
    magnify = 1.0
    if fov > 0:
        distance = scale / (2 * np.tan(np.radians(fov) / 2))
        magnify = distance / (distance + offsets @ np.asarray(pose.forward))
    return (offsets @ np.asarray(pose.right)) * magnify, (offsets @ np.asarray(pose.screen_up)) * magnify


def test_camera_uniforms_of_a_perspective_transform():
    from vispy.visuals.transforms import ChainTransform, MatrixTransform, STTransform
    from vispy.util import transforms

    eye = np.array([30.0, -200.0, 15.0])
    camera = MatrixTransform(transforms.translate(-eye) @ transforms.rotate(90, (1, 0, 0)))
    projection = MatrixTransform()
    projection.set_perspective(40.0, 1.5, 1.0, 5000.0)
    viewport = STTransform(scale=(320, -200, 1), translate=(320, 200, 0))
    chain = ChainTransform([viewport, projection, camera])
    uniforms = camera_uniforms(chain)
    assert uniforms.eye[3] == 1.0 and np.allclose(uniforms.eye[:3], eye, atol=1e-6)
    point = np.array([40.0, -500.0, 20.0])  # 300 um in front of the eye
    mapped = chain.map(np.array([point, point + [1e-3, 0, 0]]))
    assert mapped[0, 3] > 0
    shift = np.hypot(*(mapped[1, :2] / mapped[1, 3] - mapped[0, :2] / mapped[0, 3])) / 1e-3
    assert shift == pytest.approx(uniforms.px_per_um / mapped[0, 3], rel=1e-4)
    # the depth model gives a point's NDC depth from its w alone
    a, b, _, perspective = uniforms.depth
    nearer = chain.map(point + 5.0 * (eye - point) / np.linalg.norm(eye - point))
    assert perspective == 1.0
    for p in (mapped[0], nearer):
        assert p[2] / p[3] == pytest.approx(a + b / p[3], rel=1e-9)
    assert nearer[3] == pytest.approx(mapped[0, 3] - 5.0, rel=1e-3)


def test_camera_uniforms_of_an_orthographic_transform():
    from vispy.visuals.transforms import MatrixTransform

    ortho = MatrixTransform()
    ortho.set_ortho(-100, 100, -50, 50, -1000, 1000)
    uniforms = camera_uniforms(ortho)
    assert uniforms.eye[3] == 0.0 and uniforms.depth[3] == 0.0
    # one micrometre towards the viewer lowers NDC depth by the slope
    step = ortho.map(np.array([[0, 0, 0], uniforms.eye[:3]]))
    assert step[0, 2] - step[1, 2] == pytest.approx(uniforms.depth[2])
    assert uniforms.px_per_um == pytest.approx(1 / 100)


def test_large_fits_use_silhouette_points_and_agree_with_all_points():
    from brainview.render import frames

    rng = np.random.default_rng(9)
    points = rng.normal(size=(frames.SILHOUETTE_MIN_POINTS * 3, 3)) * [250.0, 120.0, 90.0]
    pose = camera_pose(FLY, "front", np.ptp(points, axis=0))
    candidates = frames.silhouette_candidates(points, pose.right, pose.screen_up, pose.forward)
    assert len(candidates) < 0.1 * len(points)
    fast = fit_scale(points, pose, 1.6, 30.0)
    exact = fit_scale(points, pose, 1.6, 30.0, silhouette_above=len(points))
    assert fast[1] == pytest.approx(exact[1], rel=0.01)
    assert np.allclose(fast[0], exact[0], atol=0.01 * exact[1])
