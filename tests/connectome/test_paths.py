"""Shortest synaptic paths between selections and hop-by-hop neighbourhoods (issue 14)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.conftest import make_connectome
from naive import shortest_path_reference

import brainview
from brainview.connectome.paths import downstream_by_hop, hop_distances, path_links, paths_between
from brainview.connectome.paths import neighbourhood as neighbourhood_of
from brainview.connectome.queries import neighbourhood, rows_of
from brainview.errors import ParameterError
from brainview.resources import default_dataset_path

# 0 -> {1, 2} -> 3 -> 4, plus a long way round 0 -> 5 -> 6 -> 7 -> 4 and a dead end 2 -> 8.
DIAMOND = [
    (0, 1, 5, 1), (0, 2, 9, 1), (1, 3, 7, 1), (2, 3, 2, 1), (3, 4, 4, 1),
    (0, 5, 50, 1), (5, 6, 50, 1), (6, 7, 50, 1), (7, 4, 50, 1), (2, 8, 30, 1),
]


def rows(path):
    return [c.row for c in path.cells]


def test_shortest_paths_ranked_by_weakest_link_then_total():
    c = make_connectome(9, DIAMOND, subsystem=["s", "a", "a", "b", "m", "x", "x", "x", "x"])
    result = paths_between(c, [0], [4])
    assert result.hops == 3 and result.n_paths == 2 and result.complete
    assert [rows(p) for p in result.paths] == [[0, 1, 3, 4], [0, 2, 3, 4]]  # weakest 4 before weakest 2
    best = result.paths[0]
    assert best.counts == (5.0, 7.0, 4.0) and best.bottleneck == 4 and best.total == 16
    assert [c.subsystem for c in best.cells] == ["s", "a", "b", "m"] and best.cells[0].name == "N0"
    # Equal weakest links: the path with more synapses in all comes first.
    tie = make_connectome(4, [(0, 1, 2, 1), (0, 2, 2, 1), (1, 3, 9, 1), (2, 3, 3, 1)])
    assert [rows(p) for p in paths_between(tie, [0], [3]).paths] == [[0, 1, 3], [0, 2, 3]]


def test_max_hops_min_count_limit_and_no_path():
    c = make_connectome(9, DIAMOND)
    assert paths_between(c, [0], [4], max_hops=2).hops is None
    assert paths_between(c, [0], [4], max_hops=2).paths == ()
    long_way = paths_between(c, [0], [4], min_count=10)
    assert long_way.hops == 4 and [rows(p) for p in long_way.paths] == [[0, 5, 6, 7, 4]]
    assert len(paths_between(c, [0], [4], limit=1).paths) == 1
    assert paths_between(c, [4], [0]).hops is None  # synapses are followed in their direction only
    same = paths_between(c, [0, 3], [3])
    assert same.hops == 0 and [rows(p) for p in same.paths] == [[3]]
    with pytest.raises(ParameterError, match="max_hops must be at least 0, was -1"):
        paths_between(c, [0], [4], max_hops=-1)


def test_many_sources_and_targets_take_the_nearest_pair():
    c = make_connectome(9, DIAMOND)
    result = paths_between(c, [0, 5], [4, 8])
    assert result.hops == 2
    assert {tuple(rows(p)) for p in result.paths} == {(0, 2, 8)}


def _random_connectome(seed: int, n: int = 12, p: float = 0.18):
    rng = np.random.default_rng(seed)
    edges = [(i, j, float(rng.integers(1, 6)), 1) for i, j in itertools.permutations(range(n), 2) if rng.random() < p]
    return make_connectome(n, edges or [(0, 1, 1.0, 1)], seed=seed)


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_the_naive_breadth_first_search(seed):
    c = _random_connectome(seed)
    for min_count in (1, 3):
        for source, target in itertools.product(range(0, 12, 3), range(1, 12, 4)):
            reference = shortest_path_reference(c, source, target, min_count)
            result = paths_between(c, [source], [target], min_count=min_count, limit=1000)
            if not reference:
                assert result.hops is None
                continue
            assert result.hops == len(reference) - 1
            assert result.n_paths == len(result.paths) >= 1
            weight = {(int(u), int(v)): float(w) for u, v, w in zip(c.chemical.pre, c.chemical.indices, c.chemical.weight)}
            keys = []
            for path in result.paths:
                r = rows(path)
                assert r[0] == source and r[-1] == target and len(r) == len(reference)
                assert path.counts == tuple(weight[e] for e in itertools.pairwise(r))
                assert min(path.counts, default=np.inf) >= min_count or source == target
                keys.append((-path.bottleneck, -path.total, r))
            assert keys == sorted(keys)
            assert len({tuple(k[2]) for k in keys}) == len(keys)


def _layered_connectome(seed: int):
    """Four layers of four cells, consecutive layers densely linked (many equal-length paths, tied
    counts), plus a few links anywhere."""
    rng = np.random.default_rng(seed)
    edges = [(i, j, float(rng.integers(1, 4)), 1) for i, j in itertools.permutations(range(16), 2)
             if rng.random() < (0.5 if j // 4 == i // 4 + 1 else 0.04)]
    return make_connectome(16, edges, seed=seed)


def _all_walks(c, sources, targets, hops, min_count):
    """Every walk of exactly ``hops`` links from a source to a target, one link at a time."""
    csr = c.chemical
    walks = [[s] for s in sources]
    for _ in range(hops):
        walks = [w + [int(csr.indices[e])] for w in walks for e in range(csr.indptr[w[-1]], csr.indptr[w[-1] + 1])
                 if csr.weight[e] >= min_count]
    return [w for w in walks if w[-1] in targets]


@pytest.mark.parametrize("seed", range(8))
def test_many_to_many_against_every_walk(seed):
    c = _layered_connectome(seed)
    weight = {(int(u), int(v)): float(w) for u, v, w in zip(c.chemical.pre, c.chemical.indices, c.chemical.weight)}
    sources, targets = [0, 1, 2], {12, 14, 15}
    result = paths_between(c, sources, targets, limit=4)
    lengths = [len(shortest_path_reference(c, s, t)) - 1 for s in sources for t in targets]
    lengths = [n for n in lengths if n >= 0]
    if not lengths:
        assert result.hops is None
        return
    assert result.hops == min(lengths)
    walks = _all_walks(c, sources, targets, result.hops, 1)
    keys = sorted((-min(cs), -sum(cs), w) for w in walks for cs in [[weight[e] for e in itertools.pairwise(w)]])
    assert result.n_paths == len(walks)
    assert [rows(p) for p in result.paths] == [k[2] for k in keys[:4]]


@pytest.mark.parametrize("seed", range(6))
def test_hop_distances_and_neighbourhood_agree(seed):
    c = _random_connectome(seed)
    seeds = [0, 5]
    distance = hop_distances(c, seeds, max_hops=3)
    assert np.array_equal(np.flatnonzero(distance >= 0), neighbourhood(c, seeds, hops=3, direction="out"))
    counts = downstream_by_hop(c, seeds, 3)
    assert [sum(level.values()) for level in counts.per_hop] == [int(np.sum(distance == h)) for h in (1, 2, 3)]


@pytest.fixture(scope="module")
def worm():
    return brainview.load(default_dataset_path())


def test_worm_touch_receptors_reach_the_backward_motor_neurons(worm):
    touch, backward = rows_of(worm, "ALML,ALMR,AVM"), rows_of(worm, "type:VA,DA")
    direct = paths_between(worm, touch, backward)
    # In the embedded data AVM itself makes a few synapses onto DA1 (2) and VA2 (1).
    assert direct.hops == 1 and [[c.name for c in p.cells] for p in direct.paths] == [["AVM", "DA1"], ["AVM", "VA2"]]
    # ALML/ALMR reach them in 2 hops, through the command interneurons AVD, AVE and PVC.
    alm = paths_between(worm, rows_of(worm, "ALML,ALMR"), backward, limit=100)
    assert alm.hops == 2 and alm.n_paths == 29
    assert {p.cells[1].cell_type for p in alm.paths} == {"AVD", "AVE", "PVC"}
    assert all(p.cells[1].subsystem == "steering" and p.cells[2].subsystem == "motor" for p in alm.paths)
    # Over strong links only (5 synapses or more) the way is 3 hops, through AVA.
    strong = paths_between(worm, touch, backward, min_count=5)
    assert strong.hops == 3 and strong.n_paths == 252
    assert all(p.cells[2].cell_type == "AVA" for p in strong.paths)
    assert [c.name for c in strong.paths[0].cells] == ["AVM", "AVBL", "AVAR", "DA8"]


def test_path_links_carry_each_links_count_and_sign():
    c = make_connectome(9, [(a, b, n, -1 if (a, b) == (3, 4) else 1) for a, b, n, _ in DIAMOND])
    best = paths_between(c, [0], [4]).paths[0]
    links = path_links(c, best)
    assert links.pre.tolist() == [0, 1, 3] and links.post.tolist() == [1, 3, 4]
    assert links.count.tolist() == list(best.counts) and links.sign.tolist() == [1, 1, -1]
    assert len(path_links(c, paths_between(c, [3], [3]).paths[0])) == 0  # one cell, no link


@pytest.mark.parametrize("direction", ["out", "in"])
def test_neighbourhood_links_join_consecutive_hops(direction):
    c = make_connectome(9, DIAMOND)
    hood = neighbourhood_of(c, [0] if direction == "out" else [4], 2, direction=direction)
    np.testing.assert_array_equal(hood.distance, hop_distances(c, [0] if direction == "out" else [4], 2,
                                                               direction=direction))
    near, far = (hood.links.pre, hood.links.post) if direction == "out" else (hood.links.post, hood.links.pre)
    assert np.all(hood.distance[far] == hood.distance[near] + 1) and np.all(hood.distance[far] <= 2)
    csr = c.chemical
    expected = {(int(u), int(v)) for u, v in zip(csr.pre, csr.indices)
                if hood.distance[v if direction == "out" else u] >= 0 and hood.distance[u if direction == "out" else v] >= 0
                and hood.distance[v if direction == "out" else u] == hood.distance[u if direction == "out" else v] + 1}
    assert set(zip(hood.links.pre.tolist(), hood.links.post.tolist())) == expected
    assert hood.n_links == len(expected) and hood.rows_at(0).tolist() == ([0] if direction == "out" else [4])
    reach = np.zeros(c.n)
    for u, v in expected:
        reach[v if direction == "out" else u] += csr.weight[csr.row(u)][csr.indices[csr.row(u)] == v][0]
    np.testing.assert_array_equal(hood.reach, reach)
    for u, v, n in zip(hood.links.pre, hood.links.post, hood.links.count):
        assert csr.weight[csr.row(int(u))][csr.indices[csr.row(int(u))] == v][0] == n


def test_neighbourhood_keeps_the_strongest_links_and_checks_its_arguments():
    c = make_connectome(9, DIAMOND)
    hood = neighbourhood_of(c, [0], 3, max_links=2)
    assert hood.n_links == 9 and sorted(hood.links.count.tolist()) == [50.0, 50.0]  # 7 -> 4 joins no two hops
    assert hood.reach[3] == 7 + 2 and hood.reach[4] == 4  # every link counts, drawn or not
    assert neighbourhood_of(c, [0], 1, min_count=10).rows.tolist() == [0, 5]
    with pytest.raises(ParameterError, match="hops must be at least 0, was -1"):
        neighbourhood_of(c, [0], -1)
