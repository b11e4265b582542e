"""Camera presets follow the animal's anatomy; fly mode keeps the viewpoint; fitting frames cells."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gl


def _screen_step(view, origin, direction, length=20.0):
    """Where on screen a step of ``length`` um along ``direction`` from ``origin`` goes (pixels)."""
    a, b = view.project_points(np.array([origin, origin + length * np.asarray(direction)]))
    return b - a


def test_worm_presets_show_front_side_and_top(view, worm):
    view.set_connectome(worm)
    assert view.default_view() == "side"
    centre = worm.position.mean(axis=0)
    anterior, dorsal, left = np.array([0, -1.0, 0]), np.array([0, 0, 1.0]), np.array([1.0, 0, 0])
    view.set_view("side")  # head on the left, back up
    head, back = _screen_step(view, centre, anterior), _screen_step(view, centre, dorsal)
    assert head[0] < -5 and abs(head[1]) < 0.2 * abs(head[0])
    assert back[1] < -5 and abs(back[0]) < 0.2 * abs(back[1])
    view.set_view("front")  # looking at the face: the worm's left on the screen's right, back up
    assert _screen_step(view, centre, left)[0] > 5
    assert _screen_step(view, centre, dorsal)[1] < -5
    view.set_view("top")  # a long body lies sideways: head left, the worm's right side up
    assert _screen_step(view, centre, anterior)[0] < -5
    assert _screen_step(view, centre, -left)[1] < -5


def test_presets_fit_every_cell_in_the_canvas(view, worm):
    view.set_connectome(worm)
    width, height = view.canvas.size
    for preset in ("front", "side", "top"):
        view.set_view(preset)
        xy = view.project(np.arange(worm.n))
        assert xy[:, 0].min() >= 0 and xy[:, 0].max() <= width
        assert xy[:, 1].min() >= 0 and xy[:, 1].max() <= height
        # and it is not lost in the middle: the picture spans most of one side of the canvas
        span = np.ptp(xy, axis=0) / np.array([width, height])
        assert span.max() > 0.7, preset


def test_fit_to_a_selection_zooms_onto_it(view, worm):
    view.set_connectome(worm)
    view.set_view("side")
    ava = worm.select(cell_type="AVA")
    view.set_flags(selected=ava)
    view.set_view("fit")
    xy = view.project(ava)
    width, height = view.canvas.size
    assert np.all(np.abs(xy - [width / 2, height / 2]) < 0.3 * height)
    # a neuron and its neighbourhood, not one sphere filling the screen
    radius_px = np.hypot(*(view.project_points(worm.position[ava[:1]] + [[0, 0, worm["radius"][ava[0]]]])
                          - xy[:1])[0])
    assert 0.02 * height < radius_px < 0.2 * height


def test_fly_mode_starts_where_the_turntable_was(view, worm):
    view.set_connectome(worm)
    view.set_view("front")
    view.cameras.turntable.azimuth += 25.0
    view.cameras.turntable.elevation += 10.0
    before = view.project(np.arange(0, worm.n, 7))
    directions = view.cameras.directions()
    view.set_camera_mode("fly")
    assert view.cameras.mode == "fly"
    for old, new in zip(directions, view.cameras.directions()):
        assert np.allclose(old, new, atol=1e-4)
    assert np.abs(view.project(np.arange(0, worm.n, 7)) - before).max() < 2.0
    view.set_view("side")  # presets work in fly mode too
    assert np.allclose(view.cameras.directions()[2], [-1, 0, 0], atol=1e-4)
    view.set_camera_mode("turntable")
    assert view.cameras.mode == "turntable"
    with pytest.raises(ValueError, match="camera mode"):
        view.set_camera_mode("orbit")


def test_while_the_camera_moves_a_big_connectome_draws_a_sample(gl_backend, connectome_factory):
    from brainview.render import ConnectomeView, ViewSettings

    n = 3000
    rng = np.random.default_rng(5)
    made = connectome_factory(n)
    view = ConnectomeView(settings=ViewSettings(size=(200, 200), moving_limit=500))
    try:
        from brainview.connectome import Connectome

        view.set_connectome(Connectome(made.columns, rng.uniform(-200, 200, (n, 3)), made.chemical, None, {}))
        view.set_flags(selected=[7])
        still = view.render()
        view.set_camera_moving(True)
        moving = view.render()
        view.set_camera_moving(False)
        background = np.round(np.asarray(view.settings.background[:3]) * 255)
        drawn = [np.count_nonzero(np.abs(image[..., :3] - background).sum(-1) > 20) for image in (still, moving)]
        assert drawn[1] < 0.5 * drawn[0]
        assert np.array_equal(view.render(), still)
        # dragging with the mouse draws the sample until the button is released
        events = view.canvas.events
        events.mouse_press(pos=(100, 100), button=1)
        assert np.array_equal(view.render(), still)  # a press alone (maybe a click) changes nothing
        events.mouse_move(pos=(140, 100), button=1)
        dragged = np.count_nonzero(np.abs(view.render()[..., :3] - background).sum(-1) > 20)
        events.mouse_release(pos=(140, 100), button=1)
        assert dragged < 0.5 * drawn[0]
        after = np.count_nonzero(np.abs(view.render()[..., :3] - background).sum(-1) > 20)
        assert after > 0.9 * drawn[0]  # all again (seen from where the drag turned the camera)
    finally:
        view.close()


def test_a_live_view_of_a_big_connectome_draws_the_sample_until_it_rests(gl_backend, connectome_factory):
    from brainview.connectome import Connectome
    from brainview.render import ConnectomeView, ViewSettings

    n = 3000
    made = connectome_factory(n)
    view = ConnectomeView(settings=ViewSettings(size=(200, 200), moving_limit=500))
    try:
        positions = np.random.default_rng(6).uniform(-200, 200, (n, 3))
        view.set_connectome(Connectome(made.columns, positions, made.chemical, None, {}))
        background = np.round(np.asarray(view.settings.background[:3]) * 255)

        def drawn() -> int:
            return np.count_nonzero(np.abs(view.render()[..., :3] - background).sum(-1) > 20)

        still = drawn()
        view.set_live(True)
        assert view.live and drawn() < 0.5 * still
        view.set_camera_moving(True)
        view.set_camera_moving(False)  # a drag ending while the simulation plays keeps the sample
        assert drawn() < 0.5 * still
        view.set_live(False)
        assert not view.live and drawn() == still
    finally:
        view.close()


def test_a_software_renderer_draws_a_smaller_sample_than_a_gpu(gl_backend):
    from brainview.render import ConnectomeView, ViewSettings
    from brainview.render.context import is_software_renderer
    from brainview.render.settings import HARDWARE_MOVING_LIMIT, SOFTWARE_MOVING_LIMIT

    assert is_software_renderer("llvmpipe (LLVM 15.0.6, 256 bits)")
    assert is_software_renderer("Mesa X11 software rasterizer (Software Rasterizer)")
    assert not is_software_renderer("NVIDIA H100 80GB HBM3/PCIe/SSE2")
    assert not is_software_renderer("AMD Radeon Pro 5500M OpenGL Engine")
    view = ConnectomeView(settings=ViewSettings(size=(64, 64)))
    try:
        expected = SOFTWARE_MOVING_LIMIT if is_software_renderer(view.renderer) else HARDWARE_MOVING_LIMIT
        assert view.renderer and view.moving_limit == expected
    finally:
        view.close()
    assert ViewSettings().moving_limit_for("llvmpipe (LLVM 15.0.6, 256 bits)") == SOFTWARE_MOVING_LIMIT
    assert ViewSettings().moving_limit_for("NVIDIA H100 80GB HBM3/PCIe/SSE2") == HARDWARE_MOVING_LIMIT
    assert ViewSettings(moving_limit=7).moving_limit_for("llvmpipe") == 7
    chosen = ConnectomeView(settings=ViewSettings(size=(64, 64), moving_limit=123))
    try:
        assert chosen.moving_limit == 123
    finally:
        chosen.close()


def test_the_turntable_viewpoint_round_trips_as_plain_numbers(view):
    rig = view.cameras
    rig.turntable.set_state({"center": (1.0, 2.0, 3.0), "scale_factor": 250.0, "azimuth": 40.0, "elevation": 10.0})
    state = rig.state()
    assert state["center"] == [1.0, 2.0, 3.0] and all(isinstance(v, float) for k, v in state.items() if k != "center")
    rig.turntable.azimuth = 0.0
    assert rig.restore(state) and rig.turntable.azimuth == 40.0
    assert not rig.restore({}) and not rig.restore({**state, "scale_factor": -1.0})
    assert not rig.restore({**state, "center": [1.0, "x", 3.0]})
