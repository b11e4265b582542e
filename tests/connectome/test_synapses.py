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


def test_from_edges_takes_int32_and_leaves_inputs_unless_told():
    pre, post = np.array([2, 0, 0, 0], np.int32), np.array([1, 2, 1, 2], np.int32)
    weight, sign = np.array([1, 3, 4, 5], np.float32), np.array([1, -1, 1, -1], np.int8)
    copies = [a.copy() for a in (pre, post, weight, sign)]
    csr = SynapseCSR.from_edges(pre, post, weight, 3, sign)
    assert all(np.array_equal(a, b) for a, b in zip((pre, post, weight, sign), copies))
    wide = SynapseCSR.from_edges(*(a.astype(np.int64) for a in copies[:2]), copies[2], 3, copies[3])
    assert all(np.array_equal(getattr(csr, k), getattr(wide, k)) for k in ("indptr", "indices", "weight", "sign"))
    assert csr.sign.tolist() == [1, -1, 1]
    # With overwrite_input the same table comes out, and the inputs are left sorted in place.
    moved = SynapseCSR.from_edges(pre, post, weight, 3, sign, overwrite_input=True)
    assert all(np.array_equal(getattr(csr, k), getattr(moved, k)) for k in ("indptr", "indices", "weight", "sign"))
    assert pre.tolist() == [0, 0, 0, 2] and post.tolist() == [1, 2, 2, 1] and weight.tolist() == [4, 3, 5, 1]


def test_overwrite_input_with_shared_arrays_is_still_right():
    ends = np.array([2, 0, 1, 0])
    csr = SynapseCSR.from_edges(ends, ends, np.ones(4), 3, overwrite_input=True)
    assert csr.indptr.tolist() == [0, 1, 2, 3] and csr.indices.tolist() == [0, 1, 2]
    assert csr.weight.tolist() == [2, 1, 1]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 9), st.sampled_from([-1, 1])), max_size=40),
    st.booleans(),
)
def test_from_edges_signs_and_sums_match_a_dense_reference(edges, sort_first):
    n = 6
    edges = sorted(edges) if sort_first else edges  # sorted input skips the sort
    summed, signed = np.zeros((n, n)), np.zeros((n, n))
    for pre, post, w, s in edges:
        summed[pre, post] += w
        signed[pre, post] += w * s
    pre, post, w, s = (np.array(x) for x in zip(*edges)) if edges else (np.zeros(0, int),) * 4
    csr = SynapseCSR.from_edges(pre.astype(np.int32), post.astype(np.int32), w, n, s, overwrite_input=True)
    rebuilt, signs = np.zeros((n, n)), np.zeros((n, n))
    rebuilt[csr.pre, csr.indices] = csr.weight
    signs[csr.pre, csr.indices] = csr.sign
    np.testing.assert_array_equal(rebuilt, summed)
    np.testing.assert_array_equal(signs, np.where(summed == 0, 0, np.where(signed < 0, -1, 1)))


def test_edges_of_rows_are_their_csr_spans_in_the_order_given():
    csr = SynapseCSR.from_edges([0, 0, 2, 3, 3, 3], [1, 2, 0, 0, 1, 2], [1, 1, 1, 1, 1, 1], 4, np.ones(6))
    assert csr.edges_of(np.array([3, 0])).tolist() == [3, 4, 5, 0, 1]
    assert csr.edges_of(np.array([1])).tolist() == [] and csr.edges_of(np.array([], np.int64)).tolist() == []
