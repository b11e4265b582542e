"""The kept frame: hovers and picks draw only the cells near the cursor, and look the same as before."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gl

N = 3000


@pytest.fixture
def cloud(connectome_factory):
    """3000 neurons in a cloud dense enough that sprites overlap on a 640 x 400 canvas."""
    from brainview.connectome import Connectome

    made = connectome_factory(N)
    positions = np.random.default_rng(11).normal(size=(N, 3)) * [250.0, 120.0, 90.0]
    return Connectome(made.columns, positions, made.chemical, None, {})


def visible_rows(view, count: int, seed: int = 0) -> list[int]:
    """``count`` different rows, each the one a pick finds at some cell's projected centre."""
    xy = view.project(np.arange(view.n))
    rows: list[int] = []
    for index in np.random.default_rng(seed).permutation(view.n):
        row = view.pick(*xy[index])
        if row is not None and row not in rows:
            rows.append(row)
        if len(rows) == count:
            return rows
    raise AssertionError("too few visible cells")


def test_a_hover_redraws_only_the_cells_near_it_and_matches_a_full_redraw(view, cloud, screen):
    view.set_connectome(cloud)
    plain = screen.painted(view.canvas)
    assert np.array_equal(plain, view.render())  # the copied kept frame is the scene, pixel for pixel
    first, second = visible_rows(view, 2)
    for row in (first, second, None):
        full_paints = view.canvas.full_paints
        view.highlight(row)
        with screen.neuron_vertices(view) as drawn:
            shown = screen.painted(view.canvas)
        assert view.canvas.full_paints == full_paints  # no whole-scene pass ...
        assert 0 < drawn.count < N / 10  # ... only the few cells near the squares that changed
        # the picture is the one a full redraw gives: the new highlight, the old one gone
        assert np.array_equal(shown, view.render())
    # the highlight really shows: the hovered cell's centre is brighter than without it
    view.highlight(first)
    centre = np.round(view.project([first])[0]).astype(int)
    hovered = screen.painted(view.canvas)
    assert hovered[centre[1], centre[0], :3].astype(int).sum() > plain[centre[1], centre[0], :3].astype(int).sum() + 30
    view.highlight(None)
    assert np.array_equal(screen.painted(view.canvas), plain)


@pytest.mark.parametrize("change", ["camera", "colours", "flags", "spikes"])
def test_the_kept_frame_is_drawn_again_after_any_change(view, cloud, screen, change):
    view.set_connectome(cloud)
    row = visible_rows(view, 1)[0]
    screen.painted(view.canvas)
    view.highlight(row)
    screen.painted(view.canvas)
    full_paints = view.canvas.full_paints
    if change == "camera":
        view.cameras.turntable.azimuth += 20
    elif change == "colours":
        view.set_color_by(np.arange(N) % 7)
    elif change == "flags":
        view.set_flags(selected=[row])
    else:
        view.push_spikes(np.arange(0, N, 5), 10.0)
        view.set_time(12.0)
    with screen.neuron_vertices(view) as drawn:
        shown = screen.painted(view.canvas)
    assert view.canvas.full_paints == full_paints + 1
    assert drawn.count == N
    assert np.array_equal(shown, view.render())


def test_a_resized_window_gets_a_kept_frame_of_its_new_size(view, gl_backend, cloud, screen):
    if gl_backend != "qt":
        pytest.skip("the resize goes through the Qt widget")
    view.set_connectome(cloud)
    view.highlight(visible_rows(view, 1)[0])
    screen.painted(view.canvas)
    full_paints = view.canvas.full_paints

    def resize(width: int, height: int) -> None:
        # what Qt does when the window is resized: the widget's size, then its GL resize handler
        view.native.resize(width, height)
        view.native.resizeGL(width, height)

    resize(560, 360)
    try:
        shown = screen.painted(view.canvas)
        assert view.canvas.full_paints == full_paints + 1
        assert shown.shape[:2] == (360, 560)
        assert np.array_equal(shown, view.render())
    finally:
        resize(640, 400)


@pytest.mark.parametrize("camera", ["perspective", "orthographic", "fly"])
def test_picks_draw_only_nearby_cells_and_agree_with_a_full_id_pass(view, cloud, screen, camera):
    view.set_connectome(cloud)
    try:
        if camera == "orthographic":
            view.cameras.turntable.fov = 0.0
            view.set_view("front")
        elif camera == "fly":
            view.set_camera_mode("fly")
            view.cameras.camera.center = (0.0, 0.0, 200.0)  # in the cloud: some cells behind it
        check_picks(view, screen, empty_corner=camera != "fly")
    finally:
        view.set_camera_mode("turntable")
        view.cameras.turntable.fov = 30.0


def check_picks(view, screen, empty_corner: bool) -> None:
    """Picks at cell centres, random places and the corners agree with a pass over every cell."""
    from brainview.render.picking import pick_row
    from brainview.render.visuals import NeuronsVisual

    view.set_flags(hidden=np.arange(0, N, 9))
    screen.painted(view.canvas)
    full_paints = view.canvas.full_paints
    (neurons,) = [node for node in view.scene.children if isinstance(node, NeuronsVisual)]
    xy = view.project(np.arange(N))
    rng = np.random.default_rng(4)
    probes = [*xy[rng.choice(N, 60, replace=False)], *rng.uniform((0, 0), view.canvas.size, (40, 2)),
              (0.0, 0.0), (639.0, 399.0), (0.5, 200.0)]
    hits = 0
    for x, y in probes:
        with screen.neuron_vertices(view) as drawn:
            picked = view.pick(x, y)
        assert picked == pick_row(view.canvas, neurons, [], x, y)  # every cell drawn in ID colours
        assert drawn.count < N / 10
        hits += picked is not None
    assert hits > 10
    if empty_corner:
        with screen.neuron_vertices(view) as drawn:
            assert view.pick(5, 5) is None  # empty space: nothing is drawn at all
        assert drawn.count == 0
    # picks put back everything they change: the kept frame is still good
    screen.painted(view.canvas)
    assert view.canvas.full_paints == full_paints


def test_while_live_a_hover_asks_for_no_paint_and_the_next_frame_shows_it(view, cloud, screen, monkeypatch):
    from vispy.app import Canvas

    view.set_connectome(cloud)
    row = visible_rows(view, 1)[0]
    view.set_live(True)
    screen.painted(view.canvas)
    requests = []
    monkeypatch.setattr(Canvas, "update", lambda self, node=None: requests.append(node))
    view.highlight(row)
    assert requests == []  # a live frame comes anyway: no second redraw of every cell
    view.set_time(5.0)
    assert requests  # the live frame
    full_paints = view.canvas.full_paints
    assert np.array_equal(screen.painted(view.canvas), view.render())  # the highlight is in it
    assert view.canvas.full_paints == full_paints + 1  # live frames are drawn whole, never kept
    view.set_live(False)
    monkeypatch.undo()
    assert np.array_equal(screen.painted(view.canvas), view.render())
    view.highlight(None)


def test_scissor_boxes_round_outwards_and_stay_on_the_framebuffer():
    from brainview.render.kept_frame import scissor_box

    assert scissor_box((10.2, 20.7, 15.1, 30.0), (640, 400), 1.0) == (10, 370, 6, 10)
    assert scissor_box((10.2, 20.7, 15.1, 30.0), (1280, 800), 2.0) == (20, 740, 11, 19)
    assert scissor_box((-5.0, -5.0, 3.0, 4.0), (640, 400), 1.0) == (0, 396, 3, 4)
    assert scissor_box((650.0, 10.0, 660.0, 20.0), (640, 400), 1.0) is None


def test_a_pick_while_the_sample_is_drawn_still_finds_every_cell(gl_backend, cloud):
    from brainview.render import ConnectomeView, ViewSettings

    view = ConnectomeView(settings=ViewSettings(size=(640, 400), moving_limit=300))
    try:
        view.set_connectome(cloud)
        xy = view.project(np.arange(N))
        probes = xy[np.random.default_rng(8).choice(N, 40, replace=False)]
        still = [view.pick(x, y) for x, y in probes]
        view.set_live(True)  # 300 of the 3000 cells drawn
        assert [view.pick(x, y) for x, y in probes] == still
        assert sum(row is not None for row in still) > 30
    finally:
        view.close()
