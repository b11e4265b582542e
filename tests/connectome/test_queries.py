import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from naive import shortest_path_reference

from brainview.connectome import Connectome
from brainview.connectome.queries import partner_table


def test_select_by_label_pattern_and_ids(tiny: Connectome):
    assert tiny.select(cell_type="T1").tolist() == [2, 3]
    assert tiny.select(cell_type=["T0", "T2"], nt="ACh").tolist() == [0, 1, 4]
    assert tiny.select(name="N*").size == 6
    assert tiny.select(id=[1010, 1050]).tolist() == [1, 5]
    with pytest.raises(KeyError, match="unknown column"):
        tiny.select(colour="red")


def test_partners_follow_direction(tiny: Connectome):
    assert tiny.downstream(0).tolist() == [1]
    assert tiny.upstream(0).tolist() == [5]
    assert tiny.downstream([0, 1]).tolist() == [1, 2]


def test_neighbourhood_grows_by_hops(tiny: Connectome):
    assert tiny.neighbourhood(0, hops=0).tolist() == [0]
    assert tiny.neighbourhood(0, hops=1).tolist() == [0, 1, 5]
    assert tiny.neighbourhood(0, hops=2, direction="out").tolist() == [0, 1, 2]
    with pytest.raises(ValueError):
        tiny.neighbourhood(0, hops=-1)


def test_shortest_path_follows_the_ring(tiny: Connectome):
    assert tiny.shortest_path(0, 3) == [0, 1, 2, 3]
    assert tiny.shortest_path(4, 4) == [4]


def test_shortest_path_none(connectome_factory):
    c = connectome_factory(3, edges=[(0, 1, 1, 1)])
    assert c.shortest_path(1, 0) == []


def test_group_matrix_sums_counts_and_signs(tiny: Connectome):
    matrix = tiny.group_matrix("cell_type")
    assert matrix.labels == ("T0", "T1", "T2")
    expected = np.array([[2, 2, 0], [0, 2, 2], [2, 0, 2]])
    np.testing.assert_array_equal(matrix.counts, expected)
    assert matrix.signed[2, 0] == -2  # N5 (GABA) -> N0


def test_partner_table_strongest_first(connectome_factory):
    c = connectome_factory(4, edges=[(0, 1, 1, 1), (0, 2, 5, -1), (3, 0, 2, 1)])
    out = partner_table(c, 0, "out")
    assert [(p.row, p.count, p.sign) for p in out] == [(2, 5.0, -1), (1, 1.0, 1)]


def test_subset_keeps_columns_and_inner_synapses(tiny: Connectome):
    sub = tiny.subset(np.array([0, 1, 2]))
    assert sub.n == 3
    assert sub.names.tolist() == ["N0", "N1", "N2"]
    assert sub.chemical.n_connections == 2
    assert sub.gap.n_connections == 0


def test_columns_are_validated(connectome_factory):
    with pytest.raises(ValueError, match="rows"):
        connectome_factory(3, name=["a", "b"])
    with pytest.raises(ValueError, match="unique"):
        connectome_factory(2, id=np.array([1, 1]))


def test_index_of_suggests_close_names(tiny: Connectome):
    assert tiny.index_of("N3") == 3
    with pytest.raises(KeyError, match="did you mean"):
        tiny.index_of("N33")
    assert tiny.index_of_ids(np.array([1020, 7])).tolist() == [2, -1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), density=st.floats(0.01, 0.3), min_count=st.sampled_from([1, 2, 3]))
def test_shortest_path_is_the_queue_based_search(connectome_factory, seed, n, density, min_count):
    rng = np.random.default_rng(seed)
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (int(density * n * n) + 1, 2))}
    edges = [(a, b, float(rng.integers(1, 4)), 1) for a, b in sorted(pairs)]
    c = connectome_factory(n, edges=edges)
    for source, target in rng.integers(0, n, (5, 2)):
        assert c.shortest_path(int(source), int(target), min_count) == shortest_path_reference(
            c, int(source), int(target), min_count)
