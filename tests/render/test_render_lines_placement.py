"""Synapse lines to draw, the activity ring buffer and cell placement (no OpenGL needed)."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome import Connectome
from brainview.connectome.paths import Links
from brainview.render.placement import place_cells
from brainview.render.synapse_lines import (
    EXCITATORY_RGB, INHIBITORY_RGB, line_colors, partner_synapses, strongest_synapses,
)
from brainview.render.visuals.activity import EVENT_DTYPE, ActivityVisual


def _random_connectome(connectome_factory, n=40, edges=300, seed=0):
    rng = np.random.default_rng(seed)
    pre, post = rng.integers(0, n, edges), rng.integers(0, n, edges)
    listed = [(int(a), int(b), float(rng.integers(1, 50)), int(rng.choice([-1, 1]))) for a, b in zip(pre, post)]
    return connectome_factory(n, edges=listed)


def _edge_list(connectome):
    chemical = connectome.chemical
    return [(int(p), int(q), float(w), int(s))
            for p, q, w, s in zip(chemical.pre, chemical.indices, chemical.weight, chemical.sign)]


@pytest.mark.parametrize("direction", ["in", "out", "both"])
def test_partner_synapses_match_a_plain_loop(connectome_factory, direction):
    c = _random_connectome(connectome_factory)
    rows = [3, 17, 22]
    found = partner_synapses(c, rows, direction)
    expected = {(p, q) for p, q, _, _ in _edge_list(c)
                if (direction != "in" and p in rows) or (direction != "out" and q in rows)}
    assert set(zip(found.pre.tolist(), found.post.tolist())) == expected
    assert len(found) == len(expected)  # each connection once, in the table's (pre, post) order
    assert sorted(zip(found.pre.tolist(), found.post.tolist())) == list(zip(found.pre.tolist(), found.post.tolist()))
    weights = {(p, q): (w, s) for p, q, w, s in _edge_list(c)}
    for p, q, w, s in zip(found.pre, found.post, found.count, found.sign):
        assert weights[(p, q)] == (w, s)
    assert len(partner_synapses(c, [], direction)) == 0


def test_partner_lines_keep_the_strongest_within_the_limit(connectome_factory):
    c = _random_connectome(connectome_factory)
    every = partner_synapses(c, [5], "both")
    few = partner_synapses(c, [5], "both", limit=3)
    assert len(few) == 3
    assert sorted(few.count) == sorted(every.count)[-3:]


def test_strongest_synapses_are_the_top_k(connectome_factory):
    c = _random_connectome(connectome_factory)
    top = strongest_synapses(c, 10)
    assert len(top) == 10
    assert top.count.min() >= np.sort(c.chemical.weight)[-10]
    assert len(strongest_synapses(c, 0)) == 0
    assert len(strongest_synapses(c, 10**6)) == c.chemical.n_connections


def test_hidden_cells_lose_their_lines(connectome_factory):
    c = _random_connectome(connectome_factory)
    hidden = np.zeros(c.n, bool)
    hidden[[1, 2]] = True
    kept = strongest_synapses(c, 10**6).without(hidden)
    assert not np.isin(kept.pre, [1, 2]).any() and not np.isin(kept.post, [1, 2]).any()


def test_line_colours_show_sign_and_strength():
    synapses = Links(np.zeros(3, np.int64), np.arange(3), np.array([1.0, 10.0, 100.0], np.float32),
                          np.array([1, -1, 1], np.int8))
    rgba = line_colors(synapses)
    assert tuple(rgba[0, :3]) == pytest.approx(EXCITATORY_RGB) and tuple(rgba[1, :3]) == pytest.approx(INHIBITORY_RGB)
    assert rgba[0, 3] < rgba[1, 3] < rgba[2, 3] == pytest.approx(0.9)


def test_the_ring_uploads_only_new_spikes_whatever_the_number_of_neurons():
    ring = ActivityVisual(capacity=64, tau_ms=10.0)
    allocated = ring.uploaded_bytes
    assert allocated == 64 * EVENT_DTYPE.itemsize
    positions = np.random.default_rng(0).normal(size=(5, 3))
    assert ring.push(positions, np.ones(5), np.full(5, 1.0)) == 5 * EVENT_DTYPE.itemsize
    ring.set_time(2.0)  # a uniform: nothing uploaded
    assert ring.uploaded_bytes == allocated + 100
    assert ring.live_events() == 5
    ring.set_time(1.0 + ring.cutoff_ms + 1)
    assert ring.live_events() == 0


def test_the_ring_wraps_and_grows_only_when_live_spikes_would_be_lost():
    ring = ActivityVisual(capacity=8, tau_ms=1.0)
    for step in range(5):  # 3 spikes per ms, each glows 5 ms: old ones are dead when overwritten
        ring.set_time(float(step * 10))
        ring.push(np.zeros((3, 3)), np.ones(3), np.full(3, step * 10.0))
    assert ring.capacity == 8
    ring.set_time(100.0)
    ring.push(np.zeros((6, 3)), np.ones(6), np.full(6, 100.0))
    ring.push(np.zeros((6, 3)), np.ones(6), np.full(6, 100.0))  # 12 live events do not fit in 8
    assert ring.capacity == 16 and ring.live_events() == 12
    ring.clear()
    assert ring.live_events() == 0


def test_a_batch_far_ahead_of_the_screen_uploads_only_the_spikes_that_still_glow():
    ring = ActivityVisual(capacity=8, tau_ms=1.0)  # cut-off 4 ms
    times = np.linspace(0.0, 100.0, 1001)  # 100 ms of a busy run arriving in one frame
    uploaded = ring.push(np.zeros((times.size, 3)), np.ones(times.size), times, now_ms=100.0)
    fresh = np.count_nonzero(times >= 100.0 - ring.cutoff_ms)
    ring.set_time(100.0)
    assert ring.live_events() == fresh and ring.capacity == 64  # not 1024: the stale ones were dropped
    assert uploaded == (ring.capacity + fresh) * EVENT_DTYPE.itemsize  # the grown ring, then the new events
    assert ring.push(np.zeros((3, 3)), np.ones(3), np.full(3, 10.0), now_ms=100.0) == 0


def test_placement_keeps_measured_positions_and_fills_missing_ones(connectome_factory):
    c = connectome_factory(6)
    placed = place_cells(c)
    assert placed.messages == () and np.array_equal(placed.positions, c.position)
    position = c.position.copy()
    position[2] = np.nan
    partial = place_cells(Connectome(c.columns, position, c.chemical, c.gap, {}))
    assert partial.estimated.tolist() == [False, False, True, False, False, False]
    assert np.isfinite(partial.positions).all() and not partial.laid_out
    assert "1 of 6 cells have no position" in partial.messages[0]
    # on the ring 1 -> 2 -> 3, cell 2 lands between its partners
    assert np.linalg.norm(partial.positions[2] - (position[1] + position[3]) / 2) < 5
    missing = place_cells(Connectome(c.columns, np.full((6, 3), np.nan), c.chemical, c.gap, {}))
    assert missing.laid_out and np.isfinite(missing.positions).all()
