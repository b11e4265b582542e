"""The 3D view on real OpenGL: pixels where the projection says, picking, colours, flags, glow."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytestmark = pytest.mark.gl


def test_default_dataset_draws_neurons_where_they_project(view, worm, pixels):
    view.set_connectome(worm)
    view.set_view("side")
    image = view.render()
    background = pixels.background_mask(image, view.settings.background)
    assert image.shape == (400, 640, 4)
    assert (~background).sum() > 2000
    xy = np.round(view.project(np.arange(worm.n))).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < 640) & (xy[:, 1] >= 0) & (xy[:, 1] < 400)
    assert inside.mean() > 0.99
    # every projected centre is covered by a sphere ...
    covered = ~background[xy[inside, 1], xy[inside, 0]]
    assert covered.all()
    # ... and pixels far from every projected centre are background
    rng = np.random.default_rng(1)
    probes = np.column_stack([rng.integers(0, 640, 4000), rng.integers(0, 400, 4000)])
    nearest = np.hypot(*(probes[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    far = probes[nearest > 20]
    assert len(far) > 1000
    assert background[far[:, 1], far[:, 0]].all()


def test_picking_returns_the_neuron_at_its_projected_position(view, worm, pixels):
    view.set_connectome(worm)
    view.set_view("side")
    rows = pixels.isolated_rows(view, np.arange(worm.n), min_gap_px=6)  # spheres are ~3 px here
    assert rows.size >= 40
    xy = view.project(rows)
    picked = [view.pick(x, y) for x, y in xy]
    assert picked == rows.tolist()
    # slightly off centre still hits it; empty space hits nothing
    assert view.pick(xy[0, 0] + 1.5, xy[0, 1] - 1.5) == rows[0]
    assert view.pick(5, 5) is None


def test_a_second_pick_at_the_same_place_finds_the_same_neuron(view, worm, pixels):
    from brainview.render.offscreen import render_offscreen

    # a click where the cursor rested for a hover draws exactly the region the hover drew
    view.set_connectome(worm)
    view.set_view("side")
    rows = pixels.isolated_rows(view, np.arange(worm.n), min_gap_px=6)[:5]
    xy = view.project(rows)
    assert [view.pick(x, y) for x, y in xy for _ in range(2)] == np.repeat(rows, 2).tolist()
    region = (int(xy[0, 0]) - 4, int(xy[0, 1]) - 4, 9, 9)
    first = render_offscreen(view.canvas, region)
    assert not pixels.background_mask(first, view.settings.background)[4, 4]  # the neuron is there
    assert np.array_equal(render_offscreen(view.canvas, region), first)


def test_changing_the_colour_field_changes_the_pixels(view, worm, pixels):
    view.set_connectome(worm, color_by_field="nt")
    view.set_view("side")
    rows = pixels.isolated_rows(view, np.arange(worm.n), min_gap_px=6)
    xy = view.project(rows)
    by_nt = view.render()
    legend = dict(view.set_color_by("cell_class").legend)
    assert "motor" in legend and "interneuron" in legend
    by_class = view.render()
    changed = [np.abs(pixels.patch(by_nt, p, 1) - pixels.patch(by_class, p, 1)).max() > 40 for p in xy]
    assert np.mean(changed) > 0.5
    assert view.legend()[0][0] == max(worm["cell_class"].counts(), key=worm["cell_class"].counts().get)


def test_a_lesioned_neuron_turns_dark_with_a_red_rim(view, grid, pixels):
    view.set_connectome(grid, color_by_field="kind")
    view.set_view("front")
    centre = view.project([4])[0]
    before = pixels.patch(view.render(), centre, 12)
    view.set_flags(lesioned=[4])
    after = pixels.patch(view.render(), centre, 12)
    assert after[12, 12].sum() < 0.5 * before[12, 12].sum()
    red = (after[..., 0] > 150) & (after[..., 1] < 90) & (after[..., 2] < 90)
    assert red.sum() > 20
    view.set_flags(lesioned=np.zeros(9, bool))
    assert np.abs(pixels.patch(view.render(), centre, 12) - before).max() <= 2


def test_the_glow_appears_after_a_spike_and_fades(view, grid, pixels):
    view.set_connectome(grid)
    view.set_view("front")
    centre = view.project([4])[0]
    view.set_time(0.0)
    baseline = pixels.patch(view.render(), centre, 20)
    uploaded = view.push_spikes([4], 10.0)
    assert uploaded == 20  # one 20-byte event, nothing else
    view.set_time(12.0)
    glowing = pixels.patch(view.render(), centre, 20)
    assert glowing.sum() > baseline.sum() * 1.3
    view.set_time(10.0 + 3 * view.settings.glow_tau_ms)
    fading = pixels.patch(view.render(), centre, 20)
    assert baseline.sum() < fading.sum() < glowing.sum()
    view.set_time(10.0 + 10 * view.settings.glow_tau_ms)
    assert np.abs(pixels.patch(view.render(), centre, 20) - baseline).max() <= 2


def test_hidden_neurons_are_neither_drawn_nor_picked(view, grid, pixels):
    view.set_connectome(grid)
    view.set_view("front")
    x, y = view.project([4])[0]
    assert view.pick(x, y) == 4
    view.set_flags(hidden=[4])
    image = view.render()
    assert pixels.background_mask(image, view.settings.background)[int(y), int(x)]
    assert view.pick(x, y) is None
    assert view.push_spikes([4], 0.0) == 0


def test_selection_draws_a_ring_partner_lines_and_fades_the_rest(view, grid, pixels):
    view.set_connectome(grid, color_by_field="kind")
    view.set_view("front")
    before = view.render()
    view.set_flags(selected=[4])
    after = view.render()
    ring = pixels.patch(after, view.project([4])[0], 16)
    yellow = (ring[..., 0] > 200) & (ring[..., 1] > 180) & (ring[..., 2] < 120)
    assert yellow.sum() > 20
    # 4 -> 0, 4 -> 8 and 2 -> 4 are drawn: pixels half way along each line change
    for other in (0, 8, 2):
        middle = view.project_points(grid.position[[4, other]].mean(axis=0, keepdims=True))[0]
        assert np.abs(pixels.patch(after, middle, 1) - pixels.patch(before, middle, 1)).max() > 30
    # 6 and 7 are not partners of 4: faded
    unrelated = view.project([6])[0]
    assert pixels.patch(after, unrelated, 1).sum() < 0.6 * pixels.patch(before, unrelated, 1).sum()


def test_hovered_neuron_is_highlighted(view, grid, pixels):
    view.set_connectome(grid, color_by_field="kind")
    view.set_view("front")
    centre = view.project([4])[0]
    before = pixels.patch(view.render(), centre, 3)
    view.highlight(4)
    assert pixels.patch(view.render(), centre, 3).sum() > before.sum() * 1.2
    view.highlight(None)


def test_clicks_and_resting_cursor_emit_picked_and_hovered(view, grid):
    view.set_connectome(grid)
    view.set_view("front")
    x, y = view.project([8])[0]
    picked, hovered = [], []
    view.picked.connect(picked.append)
    view.hovered.connect(hovered.append)
    events = view.canvas.events
    events.mouse_press(pos=(x, y), button=1)
    events.mouse_release(pos=(x, y), button=1)
    events.mouse_press(pos=(3, 3), button=1)
    events.mouse_release(pos=(3, 3), button=1)
    # a drag is not a click
    events.mouse_press(pos=(x, y), button=1)
    events.mouse_release(pos=(x + 40, y), button=1)
    assert picked == [8, -1]
    events.mouse_move(pos=(x, y))
    deadline = time.monotonic() + 5.0
    while not hovered and time.monotonic() < deadline:  # the hover timer runs in the event loop
        view.canvas.app.process_events()
        time.sleep(0.01)
    assert hovered == [8]
    view.picked.disconnect(picked.append)
    view.hovered.disconnect(hovered.append)


def test_on_the_default_dataset_lesions_and_spikes_change_a_neurons_pixels(view, worm, pixels):
    view.set_connectome(worm)
    row = worm.index_of("AVAL")
    view.set_view("side")
    view.set_view("fit", rows=[row])
    centre = view.project([row])[0]
    view.set_time(0.0)
    before = pixels.patch(view.render(), centre, 2)
    view.set_flags(lesioned=[row])
    lesioned = pixels.patch(view.render(), centre, 2)
    assert lesioned.sum() < 0.5 * before.sum()
    view.set_flags(lesioned=[])
    view.push_spikes([row], 5.0)
    view.set_time(6.0)
    assert pixels.patch(view.render(), centre, 2).sum() > 1.2 * before.sum()
    view.set_time(1000.0)
    assert np.abs(pixels.patch(view.render(), centre, 2) - before).max() <= 2


def test_a_flag_change_uploads_only_the_cells_it_changes(view, worm, pixels):
    view.set_connectome(worm)
    view.set_view("side")
    row = worm.index_of("AVAL")
    centre = view.project([row])[0]
    before = view.render()
    uploaded = view.uploaded_bytes
    view.set_flags(lesioned=[row])
    assert view.uploaded_bytes - uploaded == 8  # one cell's (flags, row id) pair, not 449 of them
    lesioned = view.render()
    assert np.abs(pixels.patch(lesioned, centre, 6).astype(int) - pixels.patch(before, centre, 6)).max() > 40
    uploaded = view.uploaded_bytes
    view.set_flags(lesioned=np.arange(0, worm.n, 2))  # scattered: one whole upload
    assert view.uploaded_bytes - uploaded == worm.n * 8
    view.set_flags(lesioned=np.zeros(worm.n, bool))
    assert np.abs(view.render().astype(int) - before).max() <= 2


def test_chosen_synapses_replace_the_partner_lines_until_let_go(view, grid, pixels):
    from brainview.connectome.paths import Links

    view.set_connectome(grid, color_by_field="kind")
    view.set_view("front")
    before = view.render()

    def changed(a, b) -> bool:
        middle = view.project_points(grid.position[[a, b]].mean(axis=0, keepdims=True))[0]
        return np.abs(pixels.patch(view.render(), middle, 1) - pixels.patch(before, middle, 1)).max() > 30

    path = Links(np.array([2]), np.array([4]), np.array([3.0], np.float32), np.array([1], np.int8))
    assert view.show_synapses(path, rows=[2, 4]) == 1
    view.set_flags(selected=[2, 4])
    assert view.chosen_synapses is path
    assert changed(2, 4) and not changed(4, 0) and not changed(4, 8)  # the path's link only
    unrelated = view.project([6])[0]
    assert pixels.patch(view.render(), unrelated, 1).sum() < 0.6 * pixels.patch(before, unrelated, 1).sum()
    view.set_flags(selected=[4])  # stepping along: the chosen lines stay
    assert changed(2, 4) and not changed(4, 0)
    x, y = view.project([8])[0]
    assert view.pick(x, y) == 8  # the lines never block a pick
    assert view.show_synapses(None) == 3  # back to the selection's partners: 4 -> 0, 4 -> 8, 2 -> 4
    assert view.chosen_synapses is None and changed(4, 0)


def test_a_closed_view_leaves_no_opengl_context_current(gl_backend, worm):
    """A context left current and later freed from another thread (the garbage collector) made
    the next native window Qt destroyed crash (QSurface::~QSurface); close() releases it."""
    import sys

    from brainview.render import ConnectomeView, ViewSettings

    closed = ConnectomeView(settings=ViewSettings(size=(64, 48)))
    closed.set_connectome(worm)
    closed.render()
    closed.close()
    gui = sys.modules.get("PySide6.QtGui")
    assert gui is None or gui.QOpenGLContext.currentContext() is None
