"""Synapse tables in compressed sparse row (CSR) form.

Row ``i`` of a :class:`SynapseCSR` lists the targets of neuron ``i`` in
``indices[indptr[i]:indptr[i + 1]]`` (sorted, no duplicates) with one weight per entry. For
chemical synapses the weight is the synapse count and ``sign`` says excitatory (+1) or
inhibitory (-1); gap junctions use the same class without a sign, stored symmetrically.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np

from brainview.connectome.arrays import exact_integers, finite_floats, frozen
from brainview.errors import InvalidConnectomeError


@dataclass(frozen=True, eq=False)
class SynapseCSR:
    """Directed, weighted connections between ``n`` cells, by presynaptic cell.

    Parameters
    ----------
    indptr : numpy.ndarray
        int64, length ``n + 1``; row ``i`` spans ``indptr[i]:indptr[i + 1]``.
    indices : numpy.ndarray
        int32 postsynaptic cell index per connection, sorted within each row.
    weight : numpy.ndarray
        float32 per connection: synapse count (chemical) or conductance weight (gap).
    sign : numpy.ndarray or None
        int8 +1 / -1 per connection (chemical synapses), or None (gap junctions).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    sign: np.ndarray | None = None

    def __post_init__(self) -> None:
        indptr = exact_integers(self.indptr, np.int64, "indptr")
        indices = exact_integers(self.indices, np.int32, "connection targets")
        weight = finite_floats(self.weight, np.float32, "connection weights", minimum=0.0)
        sign = None if self.sign is None else exact_integers(self.sign, np.int8, "connection signs")
        _validate(indptr, indices, weight, sign)
        for name, array in (("indptr", indptr), ("indices", indices), ("weight", weight), ("sign", sign)):
            object.__setattr__(self, name, None if array is None else frozen(array))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls, n: int, signed: bool = True) -> SynapseCSR:
        """No connections between ``n`` cells."""
        return cls(
            np.zeros(n + 1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int8) if signed else None,
        )

    @classmethod
    def from_edges(
        cls,
        pre: np.ndarray,
        post: np.ndarray,
        weight: np.ndarray,
        n: int,
        sign: np.ndarray | None = None,
        overwrite_input: bool = False,
    ) -> SynapseCSR:
        """Build from an edge list, summing the weights of repeated (pre, post) pairs.

        Repeated pairs are how Codex lists a connection that spans several neuropils. A pair
        whose entries disagree on the sign keeps the sign of the larger summed weight.

        Parameters
        ----------
        pre, post : array-like of int
            Source and target cell index of each edge, in ``[0, n)``. int32 and int64 arrays
            are used as they are, without wider copies.
        weight : array-like of float
            Weight of each edge (synapse count), summed in float32.
        n : int
            Number of cells.
        sign : array-like of int, optional
            +1 / -1 per edge (chemical synapses), or None for an unsigned table.
        overwrite_input : bool
            Allow the input arrays to be reordered in place (they are then left sorted by
            pre, post) rather than copied: for callers that no longer need them.

        Notes
        -----
        Edges already sorted by (pre, post), as many sources list them, are not sorted again.
        Otherwise the sort needs an int64 key and an int64 order per edge while it runs, and
        sorted copies of the inputs unless ``overwrite_input``.
        """
        pre, post = _index_array(pre), _index_array(post)
        # float32 sums are exact for synapse counts below 2**24 per pair, at half the memory.
        weight = finite_floats(weight, np.float32, "connection weights", minimum=0.0)
        if sign is not None:
            sign = exact_integers(sign, np.int8, "connection signs")
            if not np.all((sign == 1) | (sign == -1)):
                raise InvalidConnectomeError("connection signs must be +1 or -1")
        if not (pre.shape == post.shape == weight.shape) or (sign is not None and sign.shape != pre.shape):
            raise InvalidConnectomeError("pre, post, weight (and sign) must have the same length")
        if not pre.size:
            return cls.empty(n, signed=sign is not None)
        if min(pre.min(), post.min()) < 0 or max(pre.max(), post.max()) >= n:
            raise InvalidConnectomeError(f"edge endpoints must lie in [0, {n - 1}]")
        if not _sorted_pairs(pre, post):
            pre, post, weight, sign = _sort_pairs(pre, post, weight, sign, n, overwrite_input)
        new_pair = np.empty(pre.size, dtype=bool)
        new_pair[0] = True
        np.not_equal(pre[1:], pre[:-1], out=new_pair[1:])
        new_pair[1:] |= post[1:] != post[:-1]
        starts = np.flatnonzero(new_pair)
        del new_pair
        indices = post[starts]
        # Rows are sorted: the row of cell i starts after the pairs of the cells before it.
        indptr = np.searchsorted(pre[starts], np.arange(n + 1, dtype=pre.dtype))
        del pre, post
        signs = None
        with np.errstate(over="ignore"):  # a sum beyond float32 becomes inf, which cls() refuses
            if sign is not None:  # a pair's sign is that of its summed signed weight
                signs = np.where(np.add.reduceat(weight * sign, starts) < 0, np.int8(-1), np.int8(1))
            summed = np.add.reduceat(weight, starts)
        return cls(indptr, indices, summed, signs)

    # -- shape --------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of cells (rows)."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_connections(self) -> int:
        """Number of connected (pre, post) pairs."""
        return int(self.indices.shape[0])

    @property
    def n_pairs(self) -> int:
        """Number of unordered cell pairs of a symmetric table (gap junctions); self-pairs count once."""
        self_pairs = int(np.count_nonzero(self.pre == self.indices))
        return (self.n_connections - self_pairs) // 2 + self_pairs

    @property
    def pair_weight(self) -> float:
        """Total weight over the unordered pairs of a symmetric table: each pair counted once."""
        on_diagonal = self.pre == self.indices
        return float(self.weight[~on_diagonal].sum(dtype=np.float64) / 2 + self.weight[on_diagonal].sum(dtype=np.float64))

    @property
    def total_weight(self) -> float:
        """Sum of all weights: the synapse count for chemical synapses."""
        return float(self.weight.sum(dtype=np.float64))

    @cached_property
    def pre(self) -> np.ndarray:
        """int32 presynaptic index of every connection (the expanded row index)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def row(self, i: int) -> slice:
        """The slice of connection arrays that belongs to cell ``i``."""
        return slice(int(self.indptr[i]), int(self.indptr[i + 1]))

    def edges_of(self, rows: np.ndarray) -> np.ndarray:
        """Positions (int64) of the connections of cells ``rows``, row after row in the order given.

        Costs the number of those connections, not of all: the way to reach a few cells'
        partners in a whole-brain table.
        """
        rows = np.asarray(rows, dtype=np.int64)
        counts = self.indptr[rows + 1] - self.indptr[rows]
        # Each row's first position, repeated over its connections, plus the offset within it.
        starts = np.repeat(self.indptr[rows] - np.cumsum(counts) + counts, counts)
        return starts + np.arange(starts.size)

    def out_degree(self) -> np.ndarray:
        """Number of targets of each cell."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of sources of each cell."""
        return np.bincount(self.indices, minlength=self.n)

    @cached_property
    def transposed(self) -> SynapseCSR:
        """The same connections indexed by postsynaptic cell (for upstream queries)."""
        return SynapseCSR.from_edges(self.indices, self.pre, self.weight, self.n, self.sign)

    def take(self, rows: np.ndarray) -> SynapseCSR:
        """The connections among the cells ``rows``, renumbered 0..len(rows)-1."""
        rows = np.asarray(rows, dtype=np.int64)
        new_index = np.full(self.n, -1, np.int64)
        new_index[rows] = np.arange(rows.size)
        keep = (new_index[self.pre] >= 0) & (new_index[self.indices] >= 0)
        return SynapseCSR.from_edges(
            new_index[self.pre[keep]],
            new_index[self.indices[keep]],
            self.weight[keep],
            rows.size,
            None if self.sign is None else self.sign[keep],
            overwrite_input=True,
        )

    def is_symmetric(self) -> bool:
        """True when every connection i -> j has a j -> i twin of equal weight."""
        other = self.transposed
        return bool(
            np.array_equal(self.indptr, other.indptr)
            and np.array_equal(self.indices, other.indices)
            and np.allclose(self.weight, other.weight)
        )

    def symmetrized(self) -> SynapseCSR:
        """Union of i -> j and j -> i with the larger weight (for undirected gap junctions)."""
        pre = np.concatenate([self.pre, self.indices])
        post = np.concatenate([self.indices, self.pre])
        weight = np.concatenate([self.weight, self.weight])
        key = pre.astype(np.int64) * self.n + post
        order = np.lexsort((-weight, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]] if key.size else np.zeros(0, bool)
        chosen = order[first]
        return SynapseCSR.from_edges(pre[chosen], post[chosen], weight[chosen], self.n, None, overwrite_input=True)


def _validate(indptr: np.ndarray, indices: np.ndarray, weight: np.ndarray, sign: np.ndarray | None) -> None:
    """Shapes of the weights and signs, signs +1 or -1, and :func:`check_rows`."""
    check_rows(indptr, indices)
    n_edges = indices.shape[0]
    for name, values in (("weight", weight), ("sign", sign)):
        if values is not None and values.shape != (n_edges,):
            raise InvalidConnectomeError(f"{name} has shape {values.shape}, expected ({n_edges},)")
    if sign is not None and not np.all((sign == 1) | (sign == -1)):
        raise InvalidConnectomeError(f"connection signs must be +1 or -1, got {sign[(sign != 1) & (sign != -1)][0]}")


def check_rows(indptr: np.ndarray, indices: np.ndarray) -> None:
    """The CSR invariants the engine's kernels rely on (they index without bounds checks).

    ``indptr`` rises from 0 to ``len(indices)``, every target lies in ``[0, len(indptr) - 1)``,
    and each row's targets are sorted and unique.

    Raises
    ------
    InvalidConnectomeError
        Naming the first violation.
    """
    n_edges = indices.shape[0]
    if indptr.ndim != 1 or indptr.shape[0] < 1 or indices.ndim != 1:
        raise InvalidConnectomeError("indptr must be a 1-D array of length n + 1, indices a 1-D array")
    if indptr[0] != 0 or indptr[-1] != n_edges or np.any(indptr[1:] < indptr[:-1]):
        raise InvalidConnectomeError(
            f"indptr must rise from 0 to the number of connections ({n_edges}), got {indptr[0]} .. {indptr[-1]}"
        )
    n = indptr.shape[0] - 1
    if n_edges and (indices.min() < 0 or indices.max() >= n):
        raise InvalidConnectomeError(f"connection targets must lie in [0, {n - 1}]")
    if n_edges > 1:
        rising = indices[1:] > indices[:-1]
        boundaries = indptr[1:-1]
        rising[boundaries[(boundaries > 0) & (boundaries < n_edges)] - 1] = True  # a new row may start low
        if not rising.all():
            e = int(np.argmin(rising)) + 1
            row = int(np.searchsorted(indptr, e, side="right")) - 1
            raise InvalidConnectomeError(
                f"the targets of cell {row} must be sorted and unique, got {indices[e - 1]} then {indices[e]}"
            )


def _index_array(values: np.ndarray) -> np.ndarray:
    """``values`` as an int32 or int64 array, copied only when it is neither (and only exactly)."""
    values = np.asarray(values)
    return values if values.dtype in (np.int32, np.int64) else exact_integers(values, np.int64, "edge endpoints")


def _sorted_pairs(pre: np.ndarray, post: np.ndarray) -> bool:
    """True when the edges are sorted by ``pre``, then ``post`` (repeats allowed)."""
    rising = pre[1:] > pre[:-1]
    rising |= (pre[1:] == pre[:-1]) & (post[1:] >= post[:-1])
    return bool(rising.all())


def _sort_pairs(
    pre: np.ndarray, post: np.ndarray, weight: np.ndarray, sign: np.ndarray | None, n: int, in_place: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The edge arrays in (pre, post) order, stably; reordered in place when ``in_place``."""
    key = pre.astype(np.int64)
    key *= n
    key += post
    order = np.argsort(key, kind="stable")  # timsort: quick on the sorted runs sources often have
    del key
    present = [values for values in (pre, post, weight, sign) if values is not None]
    # Arrays that share memory (pre is post, say) cannot each be reordered in place.
    if in_place and not any(np.may_share_memory(a, b) for a, b in combinations(present, 2)):
        for values in present:
            values[:] = values[order]
        return pre, post, weight, sign
    return pre[order], post[order], weight[order], None if sign is None else sign[order]
