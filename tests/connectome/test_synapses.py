import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brainview.connectome import SynapseCSR


def test_from_edges_sums_repeated_pairs_and_sorts_rows():
    csr = SynapseCSR.from_edges([2, 0, 0, 0], [1, 2, 1, 2], [1, 3, 4, 5], 3, np.array([1, 1, 1, 1]))
    assert csr.indptr.tolist() == [0, 2, 2, 3]
    assert csr.indices.tolist() == [1, 2, 1]
    assert csr.weight.tolist() == [4, 8, 1]
    assert csr.n_connections == 3 and csr.total_weight == 13
    assert csr.pre.tolist() == [0, 0, 2]


def test_sign_of_mixed_pair_follows_the_larger_weight():
    csr = SynapseCSR.from_edges([0, 0], [1, 1], [2, 5], 2, np.array([1, -1]))
    assert csr.sign.tolist() == [-1]


def test_transposed_lists_sources_per_target():
    csr = SynapseCSR.from_edges([0, 1, 2], [2, 2, 0], [1, 2, 3], 3, np.array([1, -1, 1]))
    back = csr.transposed
    assert back.indices[back.row(2)].tolist() == [0, 1]
    assert back.sign[back.row(2)].tolist() == [1, -1]


def test_take_renumbers_and_keeps_only_inner_connections():
    csr = SynapseCSR.from_edges([0, 1, 2, 3], [1, 2, 3, 0], [1, 2, 3, 4], 4, np.ones(4))
    sub = csr.take(np.array([1, 2, 3]))
    assert sub.n == 3
    assert list(zip(sub.pre.tolist(), sub.indices.tolist(), sub.weight.tolist())) == [(0, 1, 2), (1, 2, 3)]


def test_invalid_arrays_are_rejected_with_reason():
    with pytest.raises(ValueError, match="indptr"):
        SynapseCSR(np.array([0, 2]), np.array([0]), np.array([1.0]))
    with pytest.raises(ValueError, match="targets must lie"):
        SynapseCSR(np.array([0, 1]), np.array([5]), np.array([1.0]))
    with pytest.raises(ValueError, match="endpoints"):
        SynapseCSR.from_edges([0], [3], [1], 2)


def test_symmetrized_gap_junctions_are_symmetric():
    gap = SynapseCSR.from_edges([0, 1], [1, 2], [0.5, 2.0], 3).symmetrized()
    assert gap.is_symmetric()
    assert gap.n_connections == 4


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 9)), max_size=60))
def test_from_edges_matches_a_dense_sum(edges):
    n = 8
    dense = np.zeros((n, n))
    for pre, post, w in edges:
        dense[pre, post] += w
    pre, post, w = (np.array(x) for x in zip(*edges)) if edges else (np.zeros(0, int),) * 3
    csr = SynapseCSR.from_edges(pre, post, w, n, np.ones(len(edges)))
    rebuilt = np.zeros((n, n))
    rebuilt[csr.pre, csr.indices] = csr.weight
    np.testing.assert_array_equal(rebuilt, dense)
