"""Computed layouts: partners close, clusters apart, nothing collapsed, deterministic."""

from __future__ import annotations

import types

import numpy as np
import pytest

from brainview.connectome import SynapseCSR
from brainview.connectome.layout import (
    SpectralParameters, complete_positions, fill_missing_positions, spectral_layout,
)


def csr(n: int, pairs, weight: float = 1.0) -> SynapseCSR:
    pre, post = (np.array(x, dtype=np.int64) for x in zip(*pairs)) if pairs else (np.zeros(0), np.zeros(0))
    return SynapseCSR.from_edges(pre, post, np.full(len(pre), weight), n, np.ones(len(pre), np.int8))


def two_clusters(size: int = 15, isolated: int = 0) -> SynapseCSR:
    pairs = [(i, j) for base in (0, size) for i in range(base, base + size) for j in range(base, base + size) if i != j]
    pairs.append((0, size))  # one weak bridge
    return csr(2 * size + isolated, pairs, 3.0)


def test_clusters_are_separated_and_cells_distinct():
    position = spectral_layout(two_clusters(isolated=5))
    assert position.shape == (35, 3) and position.dtype == np.float32
    first, second = position[:15], position[15:30]
    gap = np.linalg.norm(first.mean(axis=0) - second.mean(axis=0))
    assert gap > 5 * max(first.std(axis=0).max(), second.std(axis=0).max())
    # No two cells on one point, the isolated ones included.
    distances = np.linalg.norm(position[:, None] - position[None], axis=-1) + np.eye(35) * 1e9
    assert distances.min() > 0.01


def test_partners_are_closer_than_random_pairs_on_a_grid():
    side = 15
    index = np.arange(side * side).reshape(side, side)
    pairs = list(zip(index[:, :-1].ravel(), index[:, 1:].ravel())) + list(zip(index[:-1].ravel(), index[1:].ravel()))
    synapses = csr(side * side, pairs)
    position = spectral_layout(synapses).astype(np.float64)
    partner = np.linalg.norm(position[synapses.pre] - position[synapses.indices], axis=1).mean()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, side * side, (2, 5000))
    assert partner < 0.3 * np.linalg.norm(position[a] - position[b], axis=1).mean()


def test_layout_is_deterministic_and_sized_like_a_brain():
    synapses = two_clusters()
    one, two = spectral_layout(synapses, seed=3), spectral_layout(synapses, seed=3)
    assert np.array_equal(one, two)
    assert not np.array_equal(one, spectral_layout(synapses, seed=4))
    spread = np.percentile(one, 99, axis=0) - np.percentile(one, 1, axis=0)
    assert np.all(spread > 100) and np.all(np.abs(one) < 600)
    small = spectral_layout(synapses, parameters=SpectralParameters(extent_um=50.0))
    assert np.abs(small).max() < 60


def test_gap_junctions_count_and_edge_budget_keeps_every_cell_connected():
    chain = [(i, i + 1) for i in range(9)]
    with_gap = spectral_layout(csr(12, chain), gap=csr(12, [(10, 11), (11, 10)]))
    # 10 and 11 are only gap-coupled: together, not on the outer sphere of isolated cells.
    assert np.linalg.norm(with_gap[10] - with_gap[11]) < 100
    budget = SpectralParameters(max_edges=3)
    position = spectral_layout(two_clusters(), parameters=budget)
    assert np.isfinite(position).all() and len({tuple(p) for p in np.round(position, 2)}) == 30


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tiny_networks(n):
    pairs = [(0, 1)] if n >= 2 else []
    position = spectral_layout(csr(n, pairs))
    assert position.shape == (n, 3) and np.isfinite(position).all()
    if n >= 2:
        assert len({tuple(p) for p in position}) == n


def test_fill_missing_positions_places_cells_among_partners():
    synapses = csr(6, [(0, 4), (1, 4), (4, 5), (2, 3)])
    position = np.array([[0, 0, 0], [10, 0, 0], [100, 100, 100], [np.nan] * 3, [np.nan] * 3, [np.nan] * 3])
    filled, count = fill_missing_positions(position, synapses)
    assert count == 3 and np.isfinite(filled).all()
    assert np.array_equal(filled[:3], position[:3].astype(np.float32))  # measured cells never move
    assert np.linalg.norm(filled[4] - [5, 0, 0]) < 2  # mean of its placed partners 0 and 1
    assert np.linalg.norm(filled[5] - filled[4]) < 2  # follows its only partner, 4
    assert np.linalg.norm(filled[3] - [100, 100, 100]) < 2


def test_fill_missing_positions_strands_unreachable_cells_around_the_rest():
    synapses = csr(5, [(0, 1)])
    position = np.array([[0, 0, 0], [10, 10, 10], [5, 5, 5], [np.nan] * 3, [np.nan] * 3])
    filled, count = fill_missing_positions(position, synapses)
    assert count == 2 and np.isfinite(filled).all()
    assert np.linalg.norm(filled[3] - filled[4]) > 1


def test_complete_positions_records_how_positions_were_made():
    synapses = two_clusters()
    meta: dict[str, str] = {}
    laid_out = complete_positions(None, synapses, None, meta)
    assert laid_out.shape == (30, 3) and meta["positions"] == "layout:spectral" and "coordinate_frame" in meta
    meta = {}
    measured = np.random.default_rng(0).normal(size=(30, 3))
    measured[[3, 7]] = np.nan
    complete_positions(measured, synapses, None, meta)
    assert meta["positions"] == "measured" and meta["positions_filled"] == "2"
    meta = {}
    complete_positions(np.zeros((30, 3)), synapses, None, meta)
    assert meta == {"positions": "measured"}


def test_non_finite_weights_are_left_out_of_the_layout():
    # The data model refuses infinite weights, but the layout must not choke on them either
    # ("Eigenvalues did not converge" from a weight of 1e39, which is inf as float32).
    good = two_clusters()
    weight = np.array(good.weight, dtype=np.float32)
    weight[::7] = np.inf
    wiring = types.SimpleNamespace(n=good.n, pre=good.pre, indices=good.indices, weight=weight)
    position = spectral_layout(wiring)
    assert position.shape == (30, 3) and np.isfinite(position).all()


def test_layout_of_weights_at_the_float32_limit():
    position = spectral_layout(two_clusters().__class__.from_edges(
        np.array([0, 1, 2]), np.array([1, 2, 0]), np.full(3, np.finfo(np.float32).max), 4, np.ones(3, np.int8)))
    assert np.isfinite(position).all()


def test_filled_positions_stay_within_float32():
    # Cells with no placed partner go on a sphere around the placed ones' centre, 0.6 of their
    # spread away: here beyond float32's range unless kept within it.
    big = 3.4e38
    position = np.array([[big, big, big], [big, big, big], [-big, -big, -big]] + [[np.nan] * 3] * 4)
    filled, count = fill_missing_positions(position, csr(7, [(0, 1), (3, 4), (5, 6)]))
    assert count == 4 and filled.dtype == np.float32 and np.isfinite(filled).all()
