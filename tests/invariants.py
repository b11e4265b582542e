"""What every loaded connectome must satisfy, checked independently of the code under test.

Readers' property-based tests call :func:`assert_valid_connectome` on whatever a mutated file
loads as; the checks are written from the format's definition, not from the model's own
validation, so they catch what that validation misses.
"""

from __future__ import annotations

import numpy as np

from brainview.connectome import Connectome
from brainview.connectome.categorical import Categorical


def assert_valid_csr(csr, n: int, signed: bool) -> None:
    """Row pointers, sorted unique targets in range, finite non-negative weights, +-1 signs."""
    assert csr.indptr.dtype == np.int64 and csr.indptr.shape == (n + 1,)
    assert csr.indices.dtype == np.int32 and csr.weight.dtype == np.float32
    assert csr.indptr[0] == 0 and csr.indptr[-1] == csr.indices.size == csr.weight.size
    assert np.all(np.diff(csr.indptr) >= 0)
    if csr.indices.size:
        assert 0 <= csr.indices.min() and csr.indices.max() < n
    for i in range(n):
        row = csr.indices[csr.indptr[i] : csr.indptr[i + 1]]
        assert np.all(np.diff(row) > 0), f"row {i} is not sorted and unique"
    assert np.all(np.isfinite(csr.weight)) and np.all(csr.weight >= 0)
    if signed:
        assert csr.sign is not None and csr.sign.dtype == np.int8 and csr.sign.size == csr.indices.size
        assert np.all(np.isin(csr.sign, (-1, 1)))
    for array in (csr.indptr, csr.indices, csr.weight) + ((csr.sign,) if csr.sign is not None else ()):
        assert not array.flags.writeable, "arrays a kernel indexes must be read-only"


def assert_valid_connectome(connectome: Connectome) -> None:
    """Every invariant of the data model (DESIGN.md, "Data model")."""
    n = connectome.n
    ids = connectome.ids
    assert ids.dtype == np.int64 and ids.shape == (n,) and np.unique(ids).size == n
    assert connectome.position.dtype == np.float32 and connectome.position.shape == (n, 3)
    assert np.all(np.isfinite(connectome.position))
    for key, column in connectome.columns.items():
        assert len(column) == n, key
        if isinstance(column, Categorical):
            assert column.codes.dtype == np.int32
            if column.codes.size:
                assert column.codes.min() >= -1 and column.codes.max() < len(column.categories)
            assert not column.codes.flags.writeable, key
    assert connectome["radius"].dtype == np.float32  # NaN marks a radius the source lacks
    assert_valid_csr(connectome.chemical, n, signed=True)
    if connectome.gap is not None:
        gap = connectome.gap
        assert_valid_csr(gap, n, signed=False)
        assert gap.is_symmetric(), "gap junctions must be symmetric"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in connectome.meta.items())
