"""The data model refuses arrays it cannot hold exactly, and freezes what it holds.

The engine's kernels index these arrays without bounds checks; each test here is one way a
connectome built from bad arrays used to load silently wrong (or crash a run later).
"""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.categorical import Categorical
from brainview.errors import BrainviewError, InvalidConnectomeError


def _csr(indptr, indices, weight, sign=None):
    return SynapseCSR(np.asarray(indptr), np.asarray(indices), np.asarray(weight), sign)


def test_an_index_beyond_int32_is_refused_not_wrapped():
    with pytest.raises(InvalidConnectomeError, match="connection targets must lie in"):
        _csr([0, 1, 1], np.array([2**32 + 1], np.int64), [1.0])
    with pytest.raises(InvalidConnectomeError, match="categorical codes"):
        Categorical(np.array([2**32], np.int64), ("a",))


@pytest.mark.parametrize("sign", [257, 0, 5, -128])
def test_signs_other_than_plus_or_minus_one_are_refused(sign):
    with pytest.raises(InvalidConnectomeError, match="signs"):
        _csr([0, 1, 1], [1], [1.0], np.array([sign], np.int16))
    with pytest.raises(InvalidConnectomeError, match="signs"):
        SynapseCSR.from_edges([0], [1], [1.0], 2, np.array([sign]))


@pytest.mark.parametrize("weight", [np.nan, np.inf, -1.0, 1e39])
def test_weights_must_be_finite_non_negative_float32(weight):
    with pytest.raises(InvalidConnectomeError, match="weights"):
        _csr([0, 1, 1], [1], np.array([weight]), np.array([1]))
    with pytest.raises(InvalidConnectomeError, match="weights"):
        SynapseCSR.from_edges([0], [1], [weight], 2, np.array([1]))


def test_summed_weights_that_overflow_float32_are_refused():
    with pytest.raises(InvalidConnectomeError, match="finite"):
        SynapseCSR.from_edges([0, 0], [1, 1], [3e38, 3e38], 2, np.array([1, 1]))


@pytest.mark.parametrize("indices", [[2, 1], [1, 1]], ids=["unsorted", "duplicate"])
def test_rows_must_be_sorted_and_unique(indices):
    with pytest.raises(InvalidConnectomeError, match="cell 0 must be sorted and unique"):
        _csr([0, 2, 2, 2], indices, [1.0, 1.0], np.array([1, 1]))


def test_a_new_row_may_start_below_the_last_target_of_the_previous_one():
    csr = _csr([0, 2, 3], [0, 1, 0], [1.0, 1.0, 1.0], np.array([1, 1, 1]))
    assert csr.indices.tolist() == [0, 1, 0]


def test_float_endpoints_must_be_whole_numbers():
    with pytest.raises(InvalidConnectomeError, match="whole numbers"):
        SynapseCSR.from_edges(np.array([0.5]), np.array([1.0]), [1.0], 2, np.array([1]))


def test_arrays_are_read_only_after_validation(tiny):
    for array in (tiny.chemical.indptr, tiny.chemical.indices, tiny.chemical.weight, tiny.chemical.sign,
                  tiny.gap.indices, tiny.position, tiny.ids, tiny["cell_type"].codes):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 10**6


def test_a_view_of_writeable_memory_is_copied_before_it_is_frozen():
    indices = np.array([0, 1, 1, 0], np.int32)
    csr = _csr([0, 1, 2], indices[1:3], [1.0, 1.0], np.array([1, 1]))
    indices[1] = 0  # the caller's array stays theirs: writing it must not change the CSR
    assert csr.indices.tolist() == [1, 1] and indices.flags.writeable


def _cells(n, ids=None, position=None, gap=None):
    columns = {"id": np.arange(n) if ids is None else ids}
    position = np.zeros((n, 3)) if position is None else position
    return Connectome(columns, position, SynapseCSR.empty(n), gap)


@pytest.mark.parametrize("ids", [np.array([0.0, 1.5]), np.array([0.0, np.nan]), np.array(["a", "b"])])
def test_ids_must_be_exact_integers(ids):
    with pytest.raises(InvalidConnectomeError, match="cell ids"):
        _cells(2, ids=ids)


def test_a_float_id_just_beyond_int64_is_refused_not_wrapped():
    """2.0**63 is whole but no int64: cast unchecked, it became -2**63."""
    with pytest.raises(InvalidConnectomeError, match=r"cell ids must lie in \[.*\]: .* does not fit int64"):
        _cells(2, ids=np.array([0.0, 2.0**63]))


@pytest.mark.parametrize("shape", [(6,), (3, 2), (2, 4)], ids=["flat", "transposed", "too wide"])
def test_positions_must_be_n_by_3_not_reshaped(shape):
    with pytest.raises(InvalidConnectomeError, match=r"shape \(2, 3\)"):
        _cells(2, position=np.zeros(shape))


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e300])
def test_infinite_positions_are_refused_but_nan_marks_a_missing_one(value):
    with pytest.raises(InvalidConnectomeError, match="positions"):
        _cells(2, position=np.array([[0, 0, 0], [value, 0, 0]]))
    assert np.isnan(_cells(2, position=np.array([[0, 0, 0], [np.nan] * 3])).position[1]).all()


def test_gap_junctions_must_be_symmetric():
    one_way = _csr([0, 1, 1], [1], [1.0])
    with pytest.raises(InvalidConnectomeError, match="symmetric"):
        _cells(2, gap=one_way)


def test_model_errors_are_brainview_errors_and_value_errors():
    with pytest.raises(BrainviewError):
        _cells(2, ids=np.array([1, 1]))
    assert issubclass(InvalidConnectomeError, ValueError)
