"""Awkward connectomes draw with a clear message; meshes, lines and PNG output work."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome import Connectome

pytestmark = pytest.mark.gl


def _with_positions(connectome: Connectome, position) -> Connectome:
    return Connectome(connectome.columns, position, connectome.chemical, connectome.gap, dict(connectome.meta))


def test_cells_without_positions_are_placed_and_reported(view, grid, pixels):
    position = grid.position.copy()
    position[[2, 6]] = np.nan
    view.set_connectome(_with_positions(grid, position))
    assert len(view.messages) == 1 and "2 of 9 cells have no position" in view.messages[0]
    assert np.isfinite(view.positions).all()
    # cell 2 synapses onto 4 only: it is placed at 4's position (plus a small jitter)
    assert np.linalg.norm(view.positions[2] - grid.position[4]) < 2.0
    image = view.render()
    assert (~pixels.background_mask(image, view.settings.background)).sum() > 100


def test_a_connectome_with_no_positions_at_all_gets_a_layout(view, grid, pixels):
    view.set_connectome(_with_positions(grid, np.full((9, 3), np.nan)))
    assert "computed spectral layout" in view.messages[0]
    assert view.frame.name.startswith("no anatomical frame")
    assert np.isfinite(view.positions).all() and np.ptp(view.positions, axis=0).max() > 1
    xy = view.project(np.arange(9))
    image = view.render()
    background = pixels.background_mask(image, view.settings.background)
    inside = np.round(xy).astype(int)
    assert not background[inside[:, 1], inside[:, 0]].any()


def test_zero_cells_draw_an_empty_picture(view, empty):
    view.set_connectome(empty)
    assert view.n == 0 and "no cells" in view.messages[0]
    image = view.render()
    expected = np.round(np.asarray(view.settings.background[:3]) * 255)
    assert np.abs(image[..., :3] - expected).max() <= 2
    assert view.pick(100, 100) is None
    assert view.push_spikes([], 0.0) == 0
    view.set_view("side")
    assert view.legend() == []


def test_partner_lines_and_the_edge_budget(view, worm, pixels):
    view.set_connectome(worm)
    view.set_view("side")
    ava = worm.index_of("AVAL")
    chemical = worm.chemical
    touching = np.count_nonzero((chemical.pre == ava) | (chemical.indices == ava))
    assert view.show_partners([ava]) == touching  # one line per connection in or out
    assert view.set_edge_budget(500) == 500
    assert view.set_edge_budget(10**7) == worm.chemical.n_connections
    empty = view.render()
    assert view.set_edge_budget(0) == 0
    assert np.abs(view.render().astype(int) - empty).max() > 50
    with pytest.raises(ValueError, match="at least 0"):
        view.set_edge_budget(-1)


@pytest.mark.parametrize("suffix", ["obj", "ply", "stl"])
def test_outline_meshes_are_translucent_and_do_not_block_picking(view, grid, pixels, tmp_path, suffix):
    from brainview.connectome.meshes import Mesh, write_obj, write_ply, write_stl

    view.set_connectome(grid, color_by_field="kind")
    view.set_view("front")
    before = view.render()
    sphere = _ico_sphere(radius=70.0)
    path = tmp_path / f"outline.{suffix}"
    {"obj": write_obj, "ply": write_ply, "stl": write_stl}[suffix](Mesh(*sphere, "outline"), path)
    view.add_mesh(path, color=(0.6, 0.7, 0.9, 0.1))
    try:
        after = view.render()
        centre = view.project([4])[0]
        empty_spot = view.project_points([[20.0, 20.0, 0.0]])[0]
        # the empty space inside the outline is tinted, the neuron still shows through it
        assert pixels.patch(after, empty_spot, 1).sum() > pixels.patch(before, empty_spot, 1).sum() + 15
        assert np.abs(pixels.patch(after, centre, 1) - pixels.patch(before, centre, 1)).max() < 60
        assert view.pick(*centre) == 4
    finally:
        view.clear_meshes()
    assert np.abs(view.render().astype(int) - before).max() <= 2


def test_render_png_writes_the_requested_size(view, grid, tmp_path):
    view.set_connectome(grid)
    image = view.render()
    path = view.render_png(tmp_path / "shot.png")
    assert np.array_equal(read_png(path), image)
    small = read_png(view.render_png(tmp_path / "small.png", size=(320, 240)))
    assert small.shape == (240, 320, 4)
    view.render_png(tmp_path / "back.png", size=(640, 400))


def read_png(path) -> np.ndarray:
    """The RGBA pixels of a PNG as vispy writes it (8-bit RGBA, one IDAT stream, filter 0)."""
    import struct
    import zlib

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    position, stream = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            stream += data[position + 8:position + 8 + length]
        position += 12 + length
    rows = np.frombuffer(zlib.decompress(stream), np.uint8).reshape(height, 1 + 4 * width)
    assert not rows[:, 0].any()  # no row filters
    return rows[:, 1:].reshape(height, width, 4)


def _ico_sphere(radius: float):
    """An icosahedron subdivided twice, as (vertices, faces)."""
    t = (1 + 5 ** 0.5) / 2
    vertices = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
                (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
             (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
             (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    points = [np.array(v, float) / np.linalg.norm(v) for v in vertices]
    for _ in range(2):
        midpoints: dict[tuple[int, int], int] = {}
        refined = []
        for a, b, c in faces:
            ab, bc, ca = (_midpoint(points, midpoints, i, j) for i, j in ((a, b), (b, c), (c, a)))
            refined += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = refined
    return np.array(points) * radius, np.array(faces)


def _midpoint(points, cache, i, j):
    key = (min(i, j), max(i, j))
    if key not in cache:
        middle = points[i] + points[j]
        points.append(middle / np.linalg.norm(middle))
        cache[key] = len(points) - 1
    return cache[key]
